import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeLensTargets, inlayHintsFor, leadingCoefficients } from '../../src/core/experimentEditor';
import { parseExperimentFile } from '../../src/core/experimentFile';
import { latestResultLabel } from '../../src/core/experimentResults';
import { starterExperimentFile } from '../../src/core/experimentStarter';
import type { RunRecord } from '../../src/core/runFormat';

const runs = (...entries: string[]): string => `{\n  "dataset": {}, "model": {},\n  "runs": [\n    ${entries.join(',\n    ')}\n  ]\n}`;

test('α_j = 1/j + ε_j: the coefficients of the PolyLoss series, checked against the loss itself', () => {
  // Σ_j α_j u^j over many terms must equal −log(1−u) + Σ_j ε_j u^j, with u = 1 − Pt.
  for (const eps of [[2], [-1], [1, 0.5, -0.2], [0, 0, 0, 3]]) {
    const alphas = leadingCoefficients(eps, 400);
    for (const u of [0.1, 0.5, 0.8]) {
      const series = alphas.reduce((sum, a, j) => sum + a * u ** (j + 1), 0);
      const direct = -Math.log(1 - u) + eps.reduce((sum, e, j) => sum + e * u ** (j + 1), 0);
      assert.ok(Math.abs(series - direct) < 1e-9, `ε=${eps} u=${u}: ${series} vs ${direct}`);
    }
  }
  assert.equal(leadingCoefficients([2]).length, 3);
  assert.equal(leadingCoefficients([1, 1, 1, 1, 1]).length, 5);
});

test('inlay hints: the effective α after each ε, to two decimals', () => {
  const text = runs(
    '{ "name": "p2", "loss": { "type": "poly", "epsilon": 2 } }',
    '{ "name": "drop1", "loss": { "type": "poly", "epsilon": -1 } }',
    '{ "name": "p3", "loss": { "type": "poly", "epsilon": [1, 0.5, -0.2] } }',
    '{ "name": "p4", "loss": { "epsilon": [0, 0, 0, 1], "type": "poly" } }',
    '{ "name": "pf", "loss": { "type": "poly-focal", "gamma": 2, "epsilon": -0.5 } }',
  );
  const hints = inlayHintsFor(text);
  assert.deepEqual(hints.map((h) => h.label), [
    'α = [3, 0.5, 0.33]',
    'α = [0, 0.5, 0.33]',
    'α = [2, 1, 0.13]',
    'α = [1, 0.5, 0.33, 1.25]',
    'α = [0.5, 0.5, 0.33]',
  ]);
  const ends = ['"epsilon": 2', '"epsilon": -1', '"epsilon": [1, 0.5, -0.2]', '"epsilon": [0, 0, 0, 1]', '"epsilon": -0.5'].map((s) => text.indexOf(s) + s.length);
  assert.deepEqual(hints.map((h) => h.offset), ends);
});

test('no hint where ε does not apply or is not a number yet', () => {
  const text = runs(
    '{ "name": "ce", "loss": { "type": "ce", "epsilon": 2 } }',
    '{ "name": "f", "loss": { "type": "focal", "epsilon": 2 } }',
    '{ "name": "typing", "loss": { "type": "poly", "epsilon": [1, "x"] } }',
    '{ "name": "empty", "loss": { "type": "poly", "epsilon": [] } }',
    '{ "name": "default", "loss": { "type": "poly" } }',
  );
  assert.deepEqual(inlayHintsFor(text), []);
});

test('hints and lenses keep working while the file has a syntax error elsewhere', () => {
  const text = `// comment\n{ "dataset": {}, "model": {},\n  "runs": [ { "name": "p", "loss": { "type": "poly", "epsilon": 2 } }, { "name": "q", "loss": { `;
  assert.deepEqual(inlayHintsFor(text).map((h) => h.label), ['α = [3, 0.5, 0.33]']);
  assert.deepEqual(codeLensTargets(text).entries.map((e) => e.name), ['p', 'q']);
});

test('CodeLens targets: each named entry with its seed count, and the top-level object for "Run all"', () => {
  const text = starterExperimentFile();
  const targets = codeLensTargets(text);
  assert.equal(targets.fileRange.offset, text.indexOf('\n{') + 1, 'after the leading comments');
  assert.equal(targets.fileRange.length, text.trimEnd().length - targets.fileRange.offset);
  assert.deepEqual(targets.entries.map((e) => [e.name, e.seedsCount]), [['ce', 3], ['poly1-eps-1', 3], ['poly1-eps1', 3], ['poly1-eps2', 3]]);
  const parsed = parseExperimentFile(text, '/w/starter.polyloss.json', { exists: () => true });
  assert.deepEqual(targets.entries.map((e) => e.range), parsed.runs.map((r) => r.range));

  const mixed = runs(
    '{ "name": "own", "loss": { "type": "ce" }, "seeds": [7] }',
    '{ "loss": { "type": "ce" } }',
    '{ "name": "", "loss": { "type": "ce" } }',
    '{ "name": "shared", "loss": { "type": "ce" } }',
  );
  assert.deepEqual(codeLensTargets(mixed).entries.map((e) => [e.name, e.seedsCount]), [['own', 1], ['shared', 1]]);
  const withShared = mixed.replace('"model": {},', '"model": {}, "training": { "seeds": [1, 2] },');
  assert.deepEqual(codeLensTargets(withShared).entries.map((e) => [e.name, e.seedsCount]), [['own', 1], ['shared', 2]]);
  assert.deepEqual(codeLensTargets(''), { fileRange: { offset: 0, length: 0 }, entries: [] });
});

test('CodeLens targets: the sweep section from its key, with the number of runs it starts', () => {
  const entry = '{ "name": "ce", "loss": { "type": "ce" } }';
  const text = runs(entry).replace(/\n\}$/, ',\n  // the grid\n  "sweep": { "epsilon": "-1:2:1", "gamma": [0, 2], "seeds": 3, "baseline": true }\n}');
  const { sweep } = codeLensTargets(text);
  assert.ok(sweep);
  assert.equal(text.slice(sweep.range.offset, sweep.range.offset + sweep.range.length), text.slice(text.indexOf('"sweep"'), text.lastIndexOf('}')).trimEnd());
  // (4 ε + the baseline) × 2 γ × 3 seeds, as the file's own plan says.
  assert.equal(sweep.runCount, 30);
  assert.equal(parseExperimentFile(text, '/w/x.polyloss.json', { exists: () => true }).sweep?.configs.length, 30);
  // Without ε the baseline is the swept loss itself: 2 γ × 2 seeds.
  assert.equal(codeLensTargets(text.replace('"epsilon": "-1:2:1", ', '').replace('"seeds": 3', '"seeds": 2')).sweep?.runCount, 4);
  // While the section is being typed it keeps its place, without a count.
  const typing = codeLensTargets(text.replace('"-1:2:1"', '"-1:2:"')).sweep;
  assert.deepEqual(typing, { range: typing?.range });
  assert.equal(typing?.range.offset, sweep.range.offset);
  assert.equal(codeLensTargets(text.replace('"sweep": {', '"sweep": [{').replace(/ \}\n\}$/, ' }]\n}')).sweep, undefined, 'not an object: no lens');
  assert.equal(codeLensTargets(runs(entry)).sweep, undefined);
});

/** Records as a run of the starter file leaves them, with chosen results. */
function recordsOf(entry: string, results: { seed: number; acc?: number; status?: RunRecord['status']; endedAt: string }[], experiment = 'starter'): RunRecord[] {
  const parsed = parseExperimentFile(starterExperimentFile(), `/w/${experiment}.polyloss.json`, { exists: () => true });
  const run = parsed.runs.find((r) => r.name === entry)!;
  return results.map((r, i) => ({
    schemaVersion: 1, id: `${entry}-${i}`, name: experiment, status: r.status ?? 'completed',
    config: { ...run.configs.find((c) => c.seed === r.seed)! },
    createdAt: '2024-01-01T00:00:00.000Z', endedAt: r.endedAt,
    ...(r.acc === undefined ? {} : { summary: { steps: 10, epochs: 1, testAcc: r.acc } }),
  }));
}

test('latest result: mean ± std of test accuracy over the latest completed run of each seed', () => {
  const records = [
    ...recordsOf('poly1-eps2', [
      { seed: 1, acc: 0.5, endedAt: '2024-01-01T10:00:00.000Z' },
      { seed: 1, acc: 0.97, endedAt: '2024-01-02T10:00:00.000Z' },
      { seed: 1, acc: 0.1, status: 'failed', endedAt: '2024-01-03T10:00:00.000Z' },
      { seed: 2, acc: 0.98, endedAt: '2024-01-02T10:00:00.000Z' },
      { seed: 3, acc: 0.99, endedAt: '2024-01-02T11:00:00.000Z' },
      { seed: 3, status: 'completed', endedAt: '2024-01-04T11:00:00.000Z' },
    ]),
    ...recordsOf('ce', [{ seed: 1, acc: 0.2, endedAt: '2024-01-05T00:00:00.000Z' }]),
    ...recordsOf('poly1-eps2', [{ seed: 2, acc: 0.3, endedAt: '2024-01-05T00:00:00.000Z' }], 'other'),
  ];
  assert.equal(latestResultLabel(records, 'poly1-eps2', 'starter'), 'acc 98.0% ± 1.0 · 3 seeds');
  assert.equal(latestResultLabel(records, 'ce', 'starter'), 'acc 20.0% · 1 seed');
  assert.equal(latestResultLabel(records, 'poly1-eps2', 'other'), 'acc 30.0% · 1 seed');
  assert.equal(latestResultLabel(records, 'poly1-eps1', 'starter'), undefined);
  assert.equal(latestResultLabel([], 'ce', 'starter'), undefined);
  const two = recordsOf('ce', [{ seed: 1, acc: 0.9, endedAt: 'a' }, { seed: 2, acc: 0.95, endedAt: 'a' }]);
  assert.equal(latestResultLabel(two, 'ce', 'starter'), `acc 92.5% ± ${(5 / Math.SQRT2).toFixed(1)} · 2 seeds`);
});
