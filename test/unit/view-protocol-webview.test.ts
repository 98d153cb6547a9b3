import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packMetrics } from '../../src/core/viewProtocol';
import { filterRuns, sortRuns } from '../../webview/dashboard/columns';
import { toCsv } from '../../webview/shared/csv';
import { legendLabels } from '../../webview/shared/legend';
import { RunsStore } from '../../webview/shared/series';
import { epochLine, lines, makeRun, stepLine } from '../webview/fixtures';

/** The webview's model of what the host sent, and the pure helpers the views are built on. */

/** As a message arrives in the webview. */
function wire<T>(x: T): T {
  return structuredClone(x);
}

test('store: history then appends; repeated rows are dropped; NaN is kept', () => {
  const store = new RunsStore();
  store.apply({ type: 'snapshot', view: 'dashboard', runs: [makeRun('a')], selection: ['a'] });
  const history = store.apply(wire({ type: 'history', chunks: [packMetrics('a', lines(1, 100))] }));
  assert.deepEqual([...history.series], ['a']);
  const series = store.series.get('a')!;
  assert.equal(series.generation, 1);
  assert.equal(series.steps.length, 100);
  assert.equal(series.epochs.length, 1);

  const diverged = { ...stepLine(102), loss: NaN };
  const change = store.apply(wire({ type: 'append', chunks: [packMetrics('a', [...lines(98, 101), diverged, epochLine(1)])] }));
  assert.deepEqual([...change.series], ['a']);
  assert.deepEqual(series.steps.values('step').slice(-3), [100, 101, 102]);
  assert.ok(Number.isNaN(series.steps.last('loss')));
  assert.equal(series.epochs.length, 1, 'epoch 1 already held');
  for (let s = 103; s <= 1000; s += 7) store.apply(wire({ type: 'append', chunks: [packMetrics('a', lines(s, s + 6))] }));
  assert.deepEqual(series.steps.values('step'), Array.from({ length: 1005 }, (_, i) => i + 1), 'grows past its first capacity');
  assert.deepEqual(series.steps.values('acc').slice(-2), [stepLine(1004).acc, stepLine(1005).acc]);
  assert.deepEqual(series.epochs.values('epoch'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  const nothingNew = store.apply(wire({ type: 'append', chunks: [packMetrics('a', lines(90, 95))] }));
  assert.equal(nothingNew.series.size, 0);
  store.apply(wire({ type: 'history', chunks: [packMetrics('a', lines(1, 10))] }));
  assert.equal(store.series.get('a')!.generation, 2, 'a new history replaces the old one');
  assert.equal(store.series.get('a')!.steps.length, 10);
});

test('store: run changes, removals, full replacement and selection', () => {
  const store = new RunsStore();
  store.apply({ type: 'snapshot', view: 'compare', runs: [makeRun('a'), makeRun('b')], selection: ['b', 'gone'] });
  assert.deepEqual(store.selectedRuns().map((r) => r.id), ['b']);
  store.apply({ type: 'runs', runs: [makeRun('b', { status: 'running' })], removed: ['a'], replace: false });
  assert.deepEqual(store.list().map((r) => [r.id, r.status]), [['b', 'running']]);
  store.apply({ type: 'runs', runs: [makeRun('c')], removed: [], replace: true });
  assert.deepEqual([...store.runs.keys()], ['c']);
  assert.equal(store.apply({ type: 'selection', runIds: ['c'] }).selection, true);
});

test('table: sorting puts runs without a value last both ways; filter needs every word', () => {
  const runs = [
    makeRun('x', { summary: { steps: 1, epochs: 1, finalLoss: 0.5 } }),
    makeRun('y', { config: { loss: { type: 'ce' } }, summary: { steps: 1, epochs: 1, finalLoss: 0.2 } }),
    makeRun('z', { status: 'failed' }),
  ];
  assert.deepEqual(sortRuns(runs, { column: 'finalLoss', descending: false }).map((r) => r.id), ['y', 'x', 'z']);
  assert.deepEqual(sortRuns(runs, { column: 'finalLoss', descending: true }).map((r) => r.id), ['x', 'y', 'z']);
  assert.deepEqual(sortRuns(runs, { column: 'loss', descending: false }).map((r) => r.id), ['y', 'x', 'z']);
  assert.deepEqual(filterRuns(runs, 'POLY failed').map((r) => r.id), ['z']);
  assert.deepEqual(filterRuns(runs, '  ').map((r) => r.id), ['x', 'y', 'z']);
});

test('legend: names what differs; identical settings fall back to names, then ids', () => {
  const a = makeRun('r1', { config: { loss: { type: 'poly', epsilon: 2 }, seed: 1 } });
  const b = makeRun('r2', { config: { loss: { type: 'poly', epsilon: -1 }, seed: 2 } });
  assert.deepEqual([...legendLabels([a, b]).values()], ['ε=2, seed 1', 'ε=-1, seed 2']);
  const twinA = makeRun('t1', { name: 'first' });
  const twinB = makeRun('t2', { name: 'second' });
  assert.deepEqual([...legendLabels([twinA, twinB]).values()], ['Poly-1 ε=1 · first', 'Poly-1 ε=1 · second']);
  const same1 = makeRun('aaaa1111', { name: 'same' });
  const same2 = makeRun('bbbb2222', { name: 'same' });
  assert.deepEqual([...legendLabels([same1, same2]).values()], ['Poly-1 ε=1 · same #1111', 'Poly-1 ε=1 · same #2222']);
  assert.deepEqual([...legendLabels([a]).values()], ['run r1']);
});

test('csv: quotes what needs quoting, keeps formulas as text, leaves non-finite cells empty', () => {
  const csv = toCsv(['run', 'value'], [['a, "b"', 1.5], ['=HYPERLINK("x")', NaN], ['line\nbreak', -2]]);
  assert.equal(csv, 'run,value\n"a, ""b""",1.5\n"\'=HYPERLINK(""x"")",\n"line\nbreak",-2\n');
});

test('store: keys a script logs beyond the format (lr, top5Acc) arrive as their own columns, NaN where a line lacks them', () => {
  const store = new RunsStore();
  store.apply({ type: 'snapshot', view: 'dashboard', runs: [makeRun('a')], selection: ['a'] });
  const withLr = lines(1, 4).map((l) => (l.kind === 'step' ? { ...l, lr: 0.1 / l.step } : { ...l, top5Acc: 0.9 }));
  const chunk = packMetrics('a', withLr);
  assert.deepEqual(Object.keys(chunk.extra!.steps), ['lr']);
  store.apply(wire({ type: 'history', chunks: [chunk] }));
  const series = store.series.get('a')!;
  assert.deepEqual(series.steps.values('lr'), [0.1, 0.05, 0.1 / 3, 0.025]);
  assert.deepEqual(series.steps.extraFields(['step', 'epoch', 't', 'loss', 'base', 'poly', 'acc']), ['lr']);

  // A chunk without lr, then one that brings a new key: earlier rows read NaN for the new key.
  store.apply(wire({ type: 'append', chunks: [packMetrics('a', [stepLine(5)])] }));
  store.apply(wire({ type: 'append', chunks: [packMetrics('a', [{ ...stepLine(6), lr: 0.01, gradNorm: 2.5 }])] }));
  assert.equal(series.steps.length, 6);
  const lr = series.steps.values('lr');
  assert.ok(Number.isNaN(lr[4]) && lr[5] === 0.01);
  const gradNorm = series.steps.values('gradNorm');
  assert.ok(gradNorm.slice(0, 5).every(Number.isNaN) && gradNorm[5] === 2.5);
  assert.equal(series.steps.col('neverLogged').length, 6);
  assert.ok(series.steps.col('neverLogged').every(Number.isNaN));
  // Built-in runs carry no extra columns.
  assert.equal(packMetrics('b', lines(1, 3)).extra, undefined);
});
