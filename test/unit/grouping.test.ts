import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDefaults, type PartialRunConfig } from '../../src/core/config';
import { analyzeRuns, configKey, groupByConfig, groupKey, meanBand, runKey, summaryValue, type Analysis } from '../../src/core/grouping';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import type { EpochMetric, RunRecord, RunStatus, RunSummary } from '../../src/core/runFormat';
import { intervalAt, mean, pairedTTest, welchTTest } from '../../src/core/stats';

const config = (partial: PartialRunConfig): BuiltinRunConfig => withDefaults(partial);
let nextId = 0;
function run(partial: PartialRunConfig, summary: Partial<RunSummary>, status: RunStatus = 'completed'): RunRecord {
  const id = `run-${++nextId}`;
  return {
    schemaVersion: 1, id, name: id, config: config(partial), status, createdAt: '2026-01-01T00:00:00Z',
    summary: { steps: 100, epochs: 10, ...summary },
  };
}
/** The same object with its keys in reverse order, at every level. */
function reversedKeys<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)])) as T;
}

test('the group key ignores key order, the seed, names and sweep ids, and omitted defaults', () => {
  const a = config({ loss: { type: 'poly', epsilon: 2 }, seed: 1, dataset: { name: 'digits', labelNoise: 0.2 } });
  assert.notEqual(JSON.stringify(reversedKeys(a)), JSON.stringify(a));
  assert.equal(groupKey(reversedKeys(a)), groupKey(a));
  assert.equal(runKey(reversedKeys(a)), runKey(a));
  const other = { ...a, seed: 7, name: 'mine', sweepId: 'sweep-1', experiment: 'exp.json' };
  assert.equal(groupKey(other), groupKey(a));
  assert.notEqual(runKey(other), runKey(a));
  assert.equal(runKey({ ...other, seed: 1 }), runKey(a));
  assert.equal(configKey(a, true), runKey(a));
  // imbalanceRatio 1 is the default: writing it out changes nothing; changing ε or the data does.
  assert.equal(groupKey({ ...a, dataset: { ...a.dataset, imbalanceRatio: 1 } }), groupKey(a));
  assert.notEqual(groupKey({ ...a, loss: { type: 'poly', epsilon: 1 } }), groupKey(a));
  assert.notEqual(groupKey({ ...a, dataset: { ...a.dataset, labelNoise: 0.1 } }), groupKey(a));
  assert.notEqual(groupKey({ ...a, loss: { type: 'ce' } }), groupKey(a));

  const groups = groupByConfig([{ config: a }, { config: other }, { config: { ...a, loss: { type: 'ce' as const } } }]);
  assert.deepEqual(groups.map((g) => g.members.length), [2, 1]);
});

test('confidence intervals of accuracies end at 0 and 1 (2 seeds near 100%)', () => {
  const runs = [0.998, 0.97].map((acc, i) => run({ loss: { type: 'ce' }, seed: i + 1 }, { finalValAcc: acc }));
  const [group] = analyzeRuns(runs, { metric: 'final' }).groups;
  const half = 12.706 * Math.abs(0.998 - 0.97) / 2; // t_{0.975,1}·s/√2 with s = |a − b|/√2
  assert.ok(group.ci);
  assert.ok(Math.abs(group.ci.low - (0.984 - half)) < 1e-3, `low ${group.ci.low}`);
  assert.equal(group.ci.high, 1);
});

const CE = [0.912, 0.905, 0.921, 0.915, 0.899];
const GAIN = [0.007, 0.009, 0.008, 0.01, 0.006];

function sweepRuns(): RunRecord[] {
  const runs: RunRecord[] = [];
  CE.forEach((acc, i) => runs.push(run({ loss: { type: 'ce' }, seed: i + 1 }, { finalValAcc: acc, testAcc: acc - 0.01 })));
  // ε=2: seeds 1..5, a steady gain over CE seed by seed → paired test.
  CE.forEach((acc, i) => runs.push(run({ loss: { type: 'poly', epsilon: 2 }, seed: i + 1 }, { finalValAcc: acc + GAIN[i], testAcc: acc })));
  // ε=-1: other seeds than CE → Welch.
  [0.88, 0.875, 0.89, 0.87].forEach((acc, i) => runs.push(run({ loss: { type: 'poly', epsilon: -1 }, seed: 11 + i }, { finalValAcc: acc })));
  // ε=1: one seed only, plus a failed and a diverged run that must not count.
  runs.push(run({ loss: { type: 'poly', epsilon: 1 }, seed: 1 }, { finalValAcc: 0.93 }));
  runs.push(run({ loss: { type: 'poly', epsilon: 1 }, seed: 2 }, {}, 'failed'));
  runs.push(run({ loss: { type: 'poly', epsilon: 1 }, seed: 3 }, { finalValAcc: 0.1 }, 'diverged'));
  return runs;
}

test('groups per config with n, mean ± std and CI; baseline CE found by itself', () => {
  const analysis = analyzeRuns(sweepRuns(), { metric: 'final' });
  assert.deepEqual(analysis.groups.map((g) => g.label), ['CE', 'Poly-1 ε=-1', 'Poly-1 ε=1', 'Poly-1 ε=2']);
  const [ce, minus1, plus1, plus2] = analysis.groups;
  assert.equal(ce.n, 5);
  assert.deepEqual(ce.seeds, [1, 2, 3, 4, 5]);
  assert.ok(Math.abs((ce.mean ?? NaN) - mean(CE)) < 1e-12);
  assert.ok(ce.ci && ce.ci.low < mean(CE) && ce.ci.high > mean(CE));
  assert.equal(plus1.n, 1);
  assert.equal(plus1.ci, null);
  assert.match(plus1.note ?? '', /only 1 seed/);
  assert.deepEqual(plus1.skipped.map((s) => s.reason), ['status failed', 'status diverged']);

  const byKey = new Map(analysis.comparisons.map((c) => [c.key, c]));
  assert.equal(analysis.comparisons.length, 3, 'CE itself is not compared');
  for (const group of [minus1, plus1, plus2]) assert.equal(byKey.get(group.key)?.baselineKey, ce.key);

  const paired = byKey.get(plus2.key)!;
  const single = byKey.get(plus1.key)!;
  const reference = pairedTTest(plus2.values, ce.values);
  assert.equal(paired.test, 'paired');
  assert.ok(reference.ok);
  assert.equal(paired.p, reference.p);
  assert.deepEqual(paired.ci, reference.ci);
  assert.equal(paired.kind, 'better');
  // Two comparisons have a test (ε=1 has one seed): Holm tests the smaller p at α/2, the other at α.
  const welchP = byKey.get(minus1.key)!.p!;
  assert.ok(paired.p! < welchP);
  assert.equal(paired.pAdjusted, 2 * paired.p!);
  assert.equal(byKey.get(minus1.key)!.pAdjusted, Math.max(2 * paired.p!, welchP));
  assert.equal(paired.adjustedLevel, 0.975);
  assert.deepEqual(paired.adjustedCi, intervalAt(reference, 0.975));
  assert.equal(byKey.get(minus1.key)!.adjustedLevel, 0.95);
  assert.equal(paired.verdict, 'Poly-1 ε=2 is better than CE: +0.80 pts [0.55, 1.05] (97.5% CI), Holm p<0.001 (unadjusted p<0.001), 5 seeds (paired)');
  assert.equal(single.pAdjusted, null);

  const welch = byKey.get(minus1.key)!;
  assert.equal(welch.test, 'welch');
  const welchReference = welchTTest(minus1.values, ce.values);
  assert.ok(welchReference.ok);
  assert.equal(welch.df, welchReference.df);
  assert.equal(welch.kind, 'worse');

  assert.equal(single.kind, 'insufficient');
  assert.equal(single.verdict, 'Poly-1 ε=1: only 1 seed — run more seeds to compare with CE (1 diverged run not counted)');
});

test('the analysis is plain JSON: it survives a round trip unchanged', () => {
  const analysis = analyzeRuns(sweepRuns(), { metric: 'final' });
  const copy = JSON.parse(JSON.stringify(analysis)) as Analysis;
  assert.deepEqual(copy, analysis);
});

test('only the same settings make a baseline; ε=0 stands in for CE; a baseline can be chosen', () => {
  const runs = [
    ...[1, 2, 3].map((seed) => run({ loss: { type: 'ce' }, epochs: 20, seed }, { finalValAcc: 0.9 + seed / 100 })),
    ...[1, 2, 3].map((seed) => run({ loss: { type: 'poly', epsilon: 2 }, seed }, { finalValAcc: 0.91 + seed / 90 })),
  ];
  const noBaseline = analyzeRuns(runs, { metric: 'final' });
  const poly = noBaseline.groups.find((g) => g.config.loss.type === 'poly')!;
  assert.deepEqual(noBaseline.comparisons.map((c) => [c.key, c.baselineKey, c.kind]), [[poly.key, null, 'insufficient']]);
  assert.match(noBaseline.comparisons[0].verdict, /no CE runs with the same settings/);

  const withZero = [...runs, ...[1, 2, 3].map((seed) => run({ loss: { type: 'poly', epsilon: 0 }, seed }, { finalValAcc: 0.9 + seed / 100 }))];
  const zero = analyzeRuns(withZero, { metric: 'final' });
  const eps0 = zero.groups.find((g) => g.config.loss.type === 'poly' && g.config.loss.epsilon === 0)!;
  const eps2 = zero.groups.find((g) => g.config.loss.type === 'poly' && g.config.loss.epsilon === 2)!;
  assert.equal(zero.comparisons.find((c) => c.key === eps2.key)?.baselineKey, eps0.key);
  // The CE group differs in epochs, so the labels name the epochs too.
  assert.match(zero.comparisons.find((c) => c.key === eps2.key)!.verdict, /^Poly-1 ε=2, epochs 10 is better than Poly-1 ε=0, epochs 10 \(equal to CE\): /);
  assert.equal(zero.comparisons.some((c) => c.key === eps0.key), false, 'ε=0 is not compared with itself');

  const ce20 = zero.groups.find((g) => g.config.loss.type === 'ce')!;
  const chosen = analyzeRuns(withZero, { metric: 'final', baselineKey: ce20.key });
  assert.equal(chosen.comparisons.length, 2);
  assert.ok(chosen.comparisons.every((c) => c.baselineKey === ce20.key));
  assert.throws(() => analyzeRuns(withZero, { metric: 'final', baselineKey: 'nope' }), /baseline group not found/);
});

test('Poly-1 focal is compared with focal of the same γ', () => {
  const runs = [2, 1].flatMap((gamma) => [1, 2, 3].flatMap((seed) => [
    run({ loss: { type: 'focal', gamma }, seed }, { testAcc: 0.8 + seed / 50 }),
    run({ loss: { type: 'poly-focal', gamma, epsilon: 1 }, seed }, { testAcc: 0.81 + seed / 50 + gamma / 1000 }),
  ]));
  const analysis = analyzeRuns(runs, { metric: 'test' });
  for (const comparison of analysis.comparisons) {
    const group = analysis.groups.find((g) => g.key === comparison.key)!;
    const baseline = analysis.groups.find((g) => g.key === comparison.baselineKey);
    if (group.config.loss.type === 'focal') {
      assert.equal(comparison.baselineKey, null, 'focal looks for CE, which was not run');
      continue;
    }
    assert.equal(baseline?.config.loss.type, 'focal');
    assert.equal(baseline?.config.loss.gamma, group.config.loss.gamma);
  }
  assert.equal(analysis.comparisons.filter((c) => c.baselineKey !== null).length, 2);
});

test('repeats of one seed count once; runs lacking the metric are listed as skipped', () => {
  const runs = [
    run({ loss: { type: 'ce' }, seed: 1 }, { finalValAcc: 0.9 }),
    run({ loss: { type: 'ce' }, seed: 1 }, { finalValAcc: 0.92 }),
    run({ loss: { type: 'ce' }, seed: 2 }, { finalValAcc: 0.95 }),
    run({ loss: { type: 'ce' }, seed: 3 }, {}),
  ];
  const [group] = analyzeRuns(runs, { metric: 'final' }).groups;
  assert.deepEqual(group.seeds, [1, 2]);
  assert.ok(Math.abs(group.values[0] - 0.91) < 1e-12);
  assert.equal(group.n, 2);
  assert.equal(group.runIds.length, 3);
  assert.deepEqual(group.skipped.map((s) => s.reason), ['no final val acc']);
});

test('summaries: final, best, test, ECE, and the mean of the last k evaluations', () => {
  const epochs: EpochMetric[] = [0.5, 0.7, 0.8, 0.9, 0.86].map((valAcc, i) => ({
    kind: 'epoch', epoch: i + 1, step: (i + 1) * 10, t: i, trainLoss: 1, valLoss: 1, valAcc, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 },
  }));
  const r = run({}, { finalValAcc: 0.86, bestValAcc: 0.9, testAcc: 0.85, ece: 0.04 });
  assert.equal(summaryValue(r, { metric: 'final' }), 0.86);
  assert.equal(summaryValue(r, { metric: 'best' }), 0.9);
  assert.equal(summaryValue(r, { metric: 'test' }), 0.85);
  assert.equal(summaryValue(r, { metric: 'ece' }), 0.04);
  const epochsOf = (): EpochMetric[] => epochs;
  assert.ok(Math.abs(summaryValue(r, { metric: 'lastK', epochsOf })! - (0.8 + 0.9 + 0.86) / 3) < 1e-12);
  assert.ok(Math.abs(summaryValue(r, { metric: 'lastK', k: 2, epochsOf })! - 0.88) < 1e-12);
  assert.equal(summaryValue(r, { metric: 'lastK', k: 10, epochsOf }), mean([0.5, 0.7, 0.8, 0.9, 0.86]));
  assert.equal(summaryValue(r, { metric: 'lastK', epochsOf: () => [] }), undefined);
  assert.throws(() => summaryValue(r, { metric: 'lastK' }), /epochsOf/);
  assert.throws(() => summaryValue(r, { metric: 'lastK', k: 0, epochsOf }), /k must be an integer ≥ 1/);
  assert.equal(summaryValue(run({}, { finalValAcc: NaN }), { metric: 'final' }), undefined);

  const analysis = analyzeRuns([r], { metric: 'lastK', k: 2, epochsOf });
  assert.equal(analysis.k, 2);
  assert.equal(analysis.metricInfo.percent, true);
  assert.equal(analyzeRuns([r], { metric: 'ece' }).metricInfo.higherIsBetter, false);
});

test('meanBand: mean ± std per x over the x every run has, or over all x with n', () => {
  const series = [
    { x: [1, 2, 3, 4], y: [0.5, 0.6, 0.7, 0.8] },
    { x: [1, 2, 3], y: [0.3, 0.4, NaN] },
    { x: [1, 2, 3], y: [0.4, 0.8, 0.9] },
  ];
  const common = meanBand(series);
  assert.deepEqual(common.map((p) => [p.x, p.n]), [[1, 3], [2, 3], [3, 2]]);
  assert.ok(Math.abs(common[0].mean - 0.4) < 1e-12);
  assert.ok(Math.abs(common[0].std! - 0.1) < 1e-12);
  assert.ok(Math.abs(common[2].mean - 0.8) < 1e-12);
  const any = meanBand(series, 'any');
  assert.deepEqual(any.map((p) => [p.x, p.n]), [[1, 3], [2, 3], [3, 2], [4, 1]]);
  assert.equal(any[3].std, null);
  assert.deepEqual(meanBand([]), []);
  assert.throws(() => meanBand([{ x: [1, 2], y: [1] }]), /as many x as y/);
});

/** A sweep of CE and Poly-1 at `epsilons`, paired seeds 1..n, test accuracy = CE's + the setting's gain on that seed. */
function pairedSweep(ce: number[], gains: Record<string, number[]>): RunRecord[] {
  const runs = ce.map((acc, i) => run({ loss: { type: 'ce' }, seed: i + 1 }, { testAcc: acc }));
  for (const [epsilon, gain] of Object.entries(gains)) {
    gain.forEach((g, i) => runs.push(run({ loss: { type: 'poly', epsilon: Number(epsilon) }, seed: i + 1 }, { testAcc: ce[i] + g })));
  }
  return runs;
}

test('Holm: a comparison significant alone but not among five is "not distinguishable", its interval reaching 0', () => {
  const ce = [0.9, 0.91, 0.905, 0.915, 0.9];
  // ε=1 alone: p ≈ 0.02 (< 0.05); with four more comparisons of no effect Holm multiplies it by 5.
  const gains = { 1: [0.012, 0.004, 0.018, 0.01, 0.001] };
  const alone = analyzeRuns(pairedSweep(ce, gains), { metric: 'test' }).comparisons[0];
  assert.ok(alone.p! < 0.05 && alone.pAdjusted === alone.p);
  assert.equal(alone.kind, 'better');
  const noise = { '-1': [0.01, -0.01, 0.004, -0.006, 0.001], 0.5: [-0.004, 0.006, -0.002, 0.003, -0.001], 2: [0.003, -0.008, 0.005, 0.002, -0.004], 4: [-0.01, 0.002, 0.007, -0.003, 0.001] };
  const family = analyzeRuns(pairedSweep(ce, { ...gains, ...noise }), { metric: 'test' });
  const eps1 = family.comparisons.find((c) => c.verdict.startsWith('Poly-1 ε=1 '))!;
  assert.equal(eps1.p, alone.p, 'the unadjusted test is the same');
  assert.ok(eps1.pAdjusted! >= 0.05, `Holm p ${eps1.pAdjusted}`);
  assert.equal(eps1.kind, 'not-distinguishable');
  assert.ok(eps1.adjustedCi!.low <= 0 && eps1.ci!.low > 0, 'the unadjusted interval excludes 0, the Holm one does not');
  assert.match(eps1.verdict, /^Poly-1 ε=1 is not distinguishable from CE: \+\d\.\d+ pts \[-?\d\.\d+, \d\.\d+\] \(\d+(\.\d)?% CI\), Holm p=0\.\d+ \(unadjusted p=0\.0\d+\), 5 seeds \(paired\)$/);
});

test('Holm: over random sweeps the verdict is better or worse exactly when the Holm interval excludes 0', () => {
  let seed = 11;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let trial = 0; trial < 60; trial++) {
    const ce = Array.from({ length: 4 }, () => 0.85 + random() * 0.1);
    const gains = Object.fromEntries([-1, 1, 2, 3].map((e) => {
      const shift = (random() - 0.5) * 0.04;
      return [e, ce.map(() => shift + (random() - 0.5) * 0.02)];
    }));
    for (const c of analyzeRuns(pairedSweep(ce, gains), { metric: 'test' }).comparisons) {
      const excludes = c.adjustedCi!.low > 0 || c.adjustedCi!.high < 0;
      assert.equal(['better', 'worse'].includes(c.kind), excludes, c.verdict);
      assert.equal(c.pAdjusted! < 0.05, excludes);
      assert.ok(c.adjustedCi!.low <= c.ci!.low && c.adjustedCi!.high >= c.ci!.high, 'the Holm interval contains the unadjusted one');
    }
  }
});

test('every paired difference 0 (ε=0 is CE on the same seeds): "no difference on any seed", not counted in Holm', () => {
  const ce = [0.9, 0.91, 0.92];
  const analysis = analyzeRuns(pairedSweep(ce, { 0: [0, 0, 0], 2: [0.01, 0.02, 0.012] }), { metric: 'test', baselineKey: undefined });
  const [zero, two] = analysis.comparisons;
  assert.equal(zero.kind, 'no-difference');
  assert.equal(zero.verdict, 'Poly-1 ε=0: no difference from CE on any seed, 3 seeds (paired)');
  assert.equal(zero.difference, 0);
  assert.equal(zero.pAdjusted, null);
  assert.equal(two.pAdjusted, two.p, 'a family of one');
});
