import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricLine } from '../../src/core/runFormat';
import {
  START_CURSOR, isHostMessage, isWebviewMessage, newLinesAfter, packMetrics, type HostMessage,
} from '../../src/core/viewProtocol';
import { COALESCE_MS, WebviewRelay, type RelayHandlers } from '../../src/host/webviews/relay';
import { Emitter, FakeServices } from '../webview/fakeHost';
import { epochLine, lines, makeRun, stepLine } from '../webview/fixtures';

test('packMetrics: one Float64Array per field in file order; non-finite values survive a structured clone', () => {
  const diverged = { ...stepLine(3), loss: NaN, poly: Infinity };
  const chunk = packMetrics('r', [stepLine(1), stepLine(2), epochLine(1, 2), diverged]);
  assert.deepEqual([...chunk.steps.step], [1, 2, 3]);
  assert.deepEqual([...chunk.steps.loss], [stepLine(1).loss, stepLine(2).loss, NaN]);
  assert.equal(chunk.steps.poly[2], Infinity);
  assert.deepEqual([...chunk.epochs.epoch], [1]);
  assert.deepEqual([...chunk.epochs.ptQ75], [epochLine(1, 2).pt.q75]);
  const received = structuredClone({ type: 'append', chunks: [chunk] });
  assert.ok(isHostMessage(received));
  assert.ok(Number.isNaN(received.chunks[0].steps.loss[2]));
});

test('newLinesAfter drops lines already delivered and advances the cursor', () => {
  const first = newLinesAfter(lines(1, 100), START_CURSOR);
  assert.equal(first.lines.length, 101);
  assert.deepEqual(first.cursor, { lastStep: 100, lastEpoch: 1 });
  const again = newLinesAfter([...lines(95, 100), ...lines(101, 103)], first.cursor);
  assert.deepEqual(again.lines.map((l) => (l.kind === 'step' ? l.step : -1)), [101, 102, 103]);
});

test('host message validators accept the protocol and reject malformed messages', () => {
  const run = makeRun('a');
  const good: HostMessage[] = [
    { type: 'snapshot', view: 'dashboard', runs: [run], selection: ['a'], focus: { runIds: ['a'], tab: 'detail' } },
    { type: 'runs', runs: [run], removed: ['b'], replace: false },
    { type: 'runs', runs: [], removed: ['b'], replace: false, broken: [{ runId: 'b', reason: 'run.json is missing' }] },
    { type: 'history', chunks: [packMetrics('a', lines(1, 5))] },
    { type: 'selection', runIds: [] },
    { type: 'focus', focus: { runIds: [], tab: 'runs' } },
  ];
  for (const m of good) assert.ok(isHostMessage(m), m.type);
  const ragged = packMetrics('a', lines(1, 5));
  ragged.steps.loss = ragged.steps.loss.subarray(1);
  const bad: unknown[] = [
    null, 'snapshot', { type: 'nope' },
    { type: 'snapshot', view: 'panel', runs: [], selection: [] },
    { type: 'snapshot', view: 'compare', runs: [{ id: 1, name: 'x' }], selection: [] },
    { type: 'append', chunks: [ragged] },
    { type: 'append', chunks: [{ ...ragged, steps: { ...ragged.steps, step: [1, 2, 3, 4, 5] } }] },
    { type: 'focus', focus: { runIds: ['a'], tab: 'settings' } },
    { type: 'runs', runs: [], removed: [], replace: false, broken: [{ runId: 'b' }] },
    { type: 'snapshot', view: 'dashboard', runs: [], selection: [], broken: 'b' },
  ];
  for (const m of bad) assert.equal(isHostMessage(m), false, JSON.stringify(m));
});

test('webview message validators bound what the host will act on', () => {
  assert.ok(isWebviewMessage({ type: 'ready' }));
  assert.ok(isWebviewMessage({ type: 'setSelection', runIds: ['a', 'b'] }));
  assert.ok(isWebviewMessage({ type: 'exportPng', dataUrl: 'data:image/png;base64,AAAA', fileName: 'polyloss-loss.png' }));
  assert.ok(isWebviewMessage({ type: 'exportCsv', csv: 'a,b\n', fileName: 'polyloss-valAcc.csv' }));
  assert.equal(isWebviewMessage({ type: 'exportPng', dataUrl: 'data:text/html,<script>', fileName: 'x.png' }), false);
  assert.equal(isWebviewMessage({ type: 'exportCsv', csv: 'x', fileName: '../../.bashrc' }), false);
  assert.equal(isWebviewMessage({ type: 'stopRun', runId: 3 }), false);
  assert.equal(isWebviewMessage({ type: 'subscribe', runIds: 'a' }), false);
  assert.equal(isWebviewMessage({ type: 'eval', code: '1' }), false);
});

/** The real relay against in-memory services and a recording port. */
function relayFixture() {
  const host = new FakeServices();
  host.addRun(makeRun('a'), lines(1, 150));
  host.addRun(makeRun('b', { status: 'running' }), lines(1, 20));
  const fromWebview = new Emitter<unknown>();
  const posted: HostMessage[] = [];
  const handled: string[] = [];
  const handlers: RelayHandlers = {
    openDashboard: (ids) => void handled.push(`open ${ids}`),
    exportPng: async (_d, name) => void handled.push(`png ${name}`),
    exportCsv: async (_c, name) => void handled.push(`csv ${name}`),
    exportJson: async (_j, name) => void handled.push(`json ${name}`),
    showError: (m) => void handled.push(`error ${m}`),
  };
  const relay = new WebviewRelay({
    postMessage: async (m) => { posted.push(structuredClone(m) as HostMessage); return true; },
    onDidReceiveMessage: fromWebview.event,
  }, 'dashboard', host.services(), handlers, { runIds: ['b'], tab: 'detail' });
  const send = async (m: unknown) => {
    fromWebview.fire(m);
    await new Promise((r) => setImmediate(r));
  };
  return { host, relay, posted, handled, send };
}

test('relay: nothing before ready; snapshot with the pending focus; history once per run', async () => {
  const { host, relay, posted, send } = relayFixture();
  host.append('b', lines(21, 25));
  assert.equal(posted.length, 0, 'no message before the handshake');
  await send({ type: 'ready' });
  assert.equal(posted[0].type, 'snapshot');
  if (posted[0].type !== 'snapshot') return;
  assert.deepEqual(posted[0].runs.map((r) => r.id), ['a', 'b']);
  assert.deepEqual(posted[0].focus, { runIds: ['b'], tab: 'detail' });
  await send({ type: 'subscribe', runIds: ['a', 'b', 'missing'] });
  await send({ type: 'subscribe', runIds: ['a'] });
  const histories = posted.filter((m) => m.type === 'history');
  assert.equal(histories.length, 1);
  if (histories[0].type !== 'history') return;
  assert.deepEqual(histories[0].chunks.map((c) => [c.runId, c.steps.step.length, c.epochs.epoch.length]), [['a', 150, 1], ['b', 25, 0]]);
  relay.dispose();
});

test('relay: live lines are coalesced, de-duplicated, and follow the run change they belong to', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { host, relay, posted, send } = relayFixture();
  await send({ type: 'ready' });
  await send({ type: 'subscribe', runIds: ['b'] });
  const before = posted.length;
  for (let s = 21; s <= 60; s += 5) host.append('b', lines(s, s + 4));
  host.append('b', lines(58, 62) as MetricLine[]);
  host.updateRun({ ...host.records.get('b')!, totalSteps: 900 });
  host.append('a', lines(151, 160)); // not subscribed: not sent
  assert.equal(posted.length, before, 'held until the coalescing window ends');
  t.mock.timers.tick(COALESCE_MS);
  await new Promise((r) => setImmediate(r));
  const sent = posted.slice(before);
  assert.deepEqual(sent.map((m) => m.type), ['runs', 'append']);
  if (sent[0].type !== 'runs' || sent[1].type !== 'append') return;
  assert.equal(sent[0].runs[0].totalSteps, 900);
  assert.deepEqual(sent[1].chunks.map((c) => c.runId), ['b']);
  assert.deepEqual([...sent[1].chunks[0].steps.step], Array.from({ length: 42 }, (_, i) => 21 + i));
  relay.dispose();
  mock.timers.reset();
});

test('relay: a removed run is reported as removed; a full reload replaces the list', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { host, relay, posted, send } = relayFixture();
  await send({ type: 'ready' });
  host.records.delete('a');
  host.changed.fire(['a']);
  t.mock.timers.tick(COALESCE_MS);
  assert.deepEqual(posted.at(-1), { type: 'runs', runs: [], removed: ['a'], replace: false, broken: [] });
  host.changed.fire(undefined);
  t.mock.timers.tick(COALESCE_MS);
  const last = posted.at(-1);
  assert.ok(last?.type === 'runs' && last.replace && last.runs.length === 1);
  relay.dispose();
});

test('relay: a run folder that became unreadable is removed from the runs and listed as broken, with its reason', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { host, relay, posted, send } = relayFixture();
  host.brokenRuns = [{ runId: 'old', reason: 'run.json is missing' }];
  await send({ type: 'ready' });
  const snapshot = posted.at(-1);
  assert.ok(snapshot?.type === 'snapshot');
  assert.deepEqual(snapshot.broken, [{ runId: 'old', reason: 'run.json is missing' }]);
  host.breakRun('a', 'run.json is not valid JSON (Unexpected end of JSON input)');
  t.mock.timers.tick(COALESCE_MS);
  assert.deepEqual(posted.at(-1), {
    type: 'runs', runs: [], removed: ['a'], replace: false,
    broken: [{ runId: 'old', reason: 'run.json is missing' }, { runId: 'a', reason: 'run.json is not valid JSON (Unexpected end of JSON input)' }],
  });
  relay.dispose();
});

test('relay: actions, selection and exports go to the services; malformed messages are logged and ignored', async () => {
  const { host, relay, posted, handled, send } = relayFixture();
  await send({ type: 'ready' });
  await send({ type: 'setSelection', runIds: ['a', 'b'] });
  assert.deepEqual(host.selection.get(), ['a', 'b']);
  assert.deepEqual(posted.at(-1), { type: 'selection', runIds: ['a', 'b'] }, 'selection changes are pushed back');
  await send({ type: 'stopRun', runId: 'b' });
  await send({ type: 'rerunRun', runId: 'a' });
  assert.deepEqual(host.calls.slice(-2), ['stop b', 'rerun a']);
  await send({ type: 'exportCsv', csv: 'x\n', fileName: 'polyloss-loss.csv' });
  await send({ type: 'openDashboard', runIds: ['a'] });
  assert.deepEqual(handled, ['csv polyloss-loss.csv', 'open a']);
  await send({ type: 'stopRun' });
  await send({ type: 'exportCsv', csv: 'x', fileName: '/etc/passwd' });
  assert.equal(host.logs.filter((l) => l.includes('malformed')).length, 2);
  assert.deepEqual(host.calls.slice(-1), ['rerun a'], 'no action taken on malformed input');
  relay.dispose();
});

test('relay: a failing action is logged and shown, not thrown', async () => {
  const host = new FakeServices();
  const services = host.services();
  const errors: string[] = [];
  const fromWebview = new Emitter<unknown>();
  const relay = new WebviewRelay({ postMessage: async () => true, onDidReceiveMessage: fromWebview.event }, 'compare',
    { ...services, actions: { ...services.actions, rerun: async () => { throw new Error('run a has no config'); } } },
    { openDashboard: () => {}, exportPng: async () => {}, exportCsv: async () => {}, exportJson: async () => {}, showError: (m) => void errors.push(m) });
  fromWebview.fire({ type: 'rerunRun', runId: 'a' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(errors, ['run a has no config']);
  assert.ok(host.logs.some((l) => l.startsWith('error: compare webview: rerunRun failed: run a has no config')));
  relay.dispose();
});

test('a metrics chunk may carry extra columns as long as its tables, and nothing else', () => {
  const good = packMetrics('a', [{ kind: 'step', step: 1, epoch: 1, t: 1, loss: 1, base: 1, poly: 0, acc: 0.5, lr: 0.1 }]);
  assert.ok(good.extra && isHostMessage({ type: 'history', chunks: [good] }));
  const tooLong = { ...good, extra: { steps: { lr: new Float64Array(2) }, epochs: {} } };
  assert.equal(isHostMessage({ type: 'history', chunks: [tooLong] }), false);
  const notColumns = { ...good, extra: { steps: { lr: [0.1] }, epochs: {} } };
  assert.equal(isHostMessage({ type: 'append', chunks: [notColumns] }), false);
});
