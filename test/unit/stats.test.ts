import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  estimateMean, logGamma, mean, pairedTTest, regularizedIncompleteBeta, sampleStd, standardError, studentTCdf,
  studentTQuantile, studentTTwoSidedP, verdict, welchTTest, type TTestOutcome,
} from '../../src/core/stats';

const close = (actual: number | null | undefined, expected: number, tolerance: number, what = ''): void => {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`);
};
const okOutcome = (outcome: TTestOutcome): Extract<TTestOutcome, { ok: true }> => {
  assert.equal(outcome.ok, true, outcome.ok ? '' : outcome.reason);
  return outcome as Extract<TTestOutcome, { ok: true }>;
};

test('ln Γ at known points', () => {
  close(logGamma(5), Math.log(24), 1e-13);
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
  close(logGamma(1), 0, 1e-14);
  close(logGamma(0.1), Math.log(9.513507698668732), 1e-12);
  close(logGamma(101), [...Array(100).keys()].reduce((s, i) => s + Math.log(i + 1), 0), 1e-9);
});

test('regularized incomplete beta matches its closed forms', () => {
  for (const x of [1e-6, 0.1, 0.37, 0.5, 0.9, 0.999]) {
    for (const a of [0.5, 1, 3.5, 40]) close(regularizedIncompleteBeta(x, a, 1), x ** a, 1e-12, `I_${x}(${a},1)`);
    for (const b of [0.5, 2, 17]) close(regularizedIncompleteBeta(x, 1, b), 1 - (1 - x) ** b, 1e-12, `I_${x}(1,${b})`);
  }
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
});

test('t CDF equals the closed forms for df = 1 (Cauchy) and df = 2', () => {
  for (const t of [-50, -3, -1, -0.2, 0, 0.7, 2, 12.706]) {
    close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12, `df=1 t=${t}`);
    close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(t * t + 2)), 1e-12, `df=2 t=${t}`);
  }
});

test('t quantiles match the printed t table (two-sided 95%)', () => {
  const table: [number, number][] = [[1, 12.706], [2, 4.303], [4, 2.776], [9, 2.262], [29, 2.045], [1000, 1.962]];
  for (const [df, t] of table) {
    close(studentTQuantile(0.975, df), t, 5e-4, `df=${df}`);
    close(studentTQuantile(0.025, df), -t, 5e-4, `df=${df}`);
  }
  // Other columns of the same table: t_{0.95, 10} = 1.812, t_{0.995, 5} = 4.032, t_{0.9995, 1} = 636.619.
  close(studentTQuantile(0.95, 10), 1.812, 5e-4);
  close(studentTQuantile(0.995, 5), 4.032, 5e-4);
  close(studentTQuantile(0.9995, 1), 636.619, 5e-3);
  assert.equal(studentTQuantile(0.5, 7), 0);
  assert.equal(studentTQuantile(1, 7), Infinity);
});

test('the quantile inverts the CDF, also for fractional df and far tails', () => {
  for (const df of [0.5, 1, 2.5, 9.9, 100, 1e5]) {
    for (const p of [1e-9, 0.001, 0.3, 0.6, 0.975, 0.999999]) {
      const t = studentTQuantile(p, df);
      const back = studentTCdf(t, df);
      assert.ok(Math.abs(back - p) <= 1e-9 * Math.max(p, 1e-3), `df=${df} p=${p}: cdf(${t}) = ${back}`);
    }
  }
  // Cauchy: the quantile is tan(π(p − ½)).
  close(studentTQuantile(1e-6, 1), Math.tan(Math.PI * (1e-6 - 0.5)), 1e-3);
});

test('two-sided p-values of known t statistics', () => {
  close(studentTTwoSidedP(1, 1), 0.5, 1e-14);
  close(studentTTwoSidedP(-2, 2), 1 - 2 / Math.sqrt(6), 1e-14);
  close(studentTTwoSidedP(2.262, 9), 0.05, 1e-4);
  close(studentTTwoSidedP(2.045, 29), 0.05, 1e-4);
  close(studentTTwoSidedP(-2.776, 4), 0.05, 1e-4);
  close(studentTTwoSidedP(3.25, 9), 0.01, 1e-4);
  assert.equal(studentTTwoSidedP(0, 5), 1);
  assert.ok(studentTTwoSidedP(40, 10) > 0 && studentTTwoSidedP(40, 10) < 1e-11, 'far tail keeps its precision');
});

test('mean, sample std and standard error', () => {
  const values = [2, 4, 4, 4, 5, 5, 7, 9];
  assert.equal(mean(values), 5);
  close(sampleStd(values), Math.sqrt(32 / 7), 1e-14);
  close(standardError(values), Math.sqrt(32 / 7) / Math.sqrt(8), 1e-14);
  assert.ok(Number.isNaN(mean([])));
  assert.ok(Number.isNaN(sampleStd([3])));
});

test('confidence interval of a mean: none with 1 value, t with 1 df with 2 values', () => {
  const one = estimateMean([0.9]);
  assert.equal(one.mean, 0.9);
  assert.equal(one.ci, null);
  assert.equal(one.std, null);
  assert.match(one.note ?? '', /only 1 value/);
  assert.deepEqual(estimateMean([]).ci, null);

  const two = estimateMean([1, 3]);
  assert.equal(two.mean, 2);
  close(two.std, Math.SQRT2, 1e-14);
  close(two.se, 1, 1e-14);
  close(two.ci?.low, 2 - 12.7062047, 1e-6);
  close(two.ci?.high, 2 + 12.7062047, 1e-6);

  const five = estimateMean([10, 12, 9, 11, 13]);
  const half = 2.7764451 * Math.sqrt(2.5) / Math.sqrt(5);
  close(five.ci?.low, 11 - half, 1e-6);
  close(five.ci?.high, 11 + half, 1e-6);
  assert.equal(five.level, 0.95);
  close(estimateMean([10, 12, 9, 11, 13], 0.99).ci?.high, 11 + 4.6040949 * Math.sqrt(0.5), 1e-6);
});

// Examples 1 and 2 of Wikipedia's "Welch's t-test" article (published to 2–3 significant digits).
const WIKI_1_A = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
const WIKI_1_B = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
const WIKI_2_A = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
const WIKI_2_B = [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8];
// Student's sleep data (R's `sleep`): extra hours of sleep under two drugs, the same 10 patients.
const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

test('Welch test reproduces the published worked examples', () => {
  const w1 = okOutcome(welchTTest(WIKI_1_A, WIKI_1_B));
  close(w1.t, -2.46, 0.005, 't');
  close(w1.df, 25.0, 0.05, 'df');
  close(w1.p, 0.021, 0.0005, 'p');
  const w2 = okOutcome(welchTTest(WIKI_2_A, WIKI_2_B));
  close(w2.t, -1.57, 0.005, 't');
  close(w2.df, 9.9, 0.05, 'df');
  close(w2.p, 0.149, 0.0005, 'p');
  assert.deepEqual(w2.n, [10, 20]);

  // R: t.test(extra ~ group, data = sleep) → t = -1.8608, df = 17.776, p-value = 0.07939,
  // 95 percent confidence interval: -3.3654832 0.2054832.
  const sleep = okOutcome(welchTTest(SLEEP_1, SLEEP_2));
  close(sleep.t, -1.8608, 5e-5, 't');
  close(sleep.df, 17.776, 5e-4, 'df');
  close(sleep.p, 0.07939, 5e-6, 'p');
  close(sleep.ci.low, -3.3654832, 1e-6, 'ci low');
  close(sleep.ci.high, 0.2054832, 1e-6, 'ci high');
  close(sleep.difference, -1.58, 1e-12, 'difference');
  assert.equal(sleep.test, 'welch');
});

test('Welch df follows Welch–Satterthwaite, computed here from the formula', () => {
  const a = [0.91, 0.93, 0.9];
  const b = [0.85, 0.95, 0.8, 0.9, 0.88];
  const var_ = (xs: number[]): number => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1);
  const va = var_(a) / a.length;
  const vb = var_(b) / b.length;
  const result = okOutcome(welchTTest(a, b));
  close(result.df, (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 4), 1e-12);
  close(result.se, Math.sqrt(va + vb), 1e-15);
  close(result.t, (mean(a) - mean(b)) / Math.sqrt(va + vb), 1e-12);
});

test('paired test reproduces R on the sleep data', () => {
  // R: t.test(extra ~ group, data = sleep, paired = TRUE) → t = -4.0621, df = 9, p-value = 0.002833,
  // 95 percent confidence interval: -2.4598858 -0.7001142, mean difference -1.58.
  const paired = okOutcome(pairedTTest(SLEEP_1, SLEEP_2));
  assert.equal(paired.test, 'paired');
  close(paired.t, -4.0621, 5e-5, 't');
  assert.equal(paired.df, 9);
  close(paired.p, 0.002833, 5e-7, 'p');
  close(paired.ci.low, -2.4598858, 1e-6, 'ci low');
  close(paired.ci.high, -0.7001142, 1e-6, 'ci high');
  close(paired.difference, -1.58, 1e-12);
  assert.deepEqual(paired.n, [10, 10]);
  assert.throws(() => pairedTTest([1, 2], [1]), /as many values/);
});

test('tests refuse to run on too little or on constant data, and say why', () => {
  const few = welchTTest([0.9], [0.8, 0.85, 0.82]);
  assert.equal(few.ok, false);
  assert.equal(few.ok ? '' : few.reason, 'needs at least 2 values on each side (got 1 and 3)');
  const onePair = pairedTTest([0.9], [0.8]);
  assert.equal(onePair.ok, false);
  close(onePair.difference, 0.1, 1e-12);
  const constant = pairedTTest([0.9, 0.8, 0.7], [0.8, 0.7, 0.6]);
  assert.equal(constant.ok, false);
  assert.match(constant.ok ? '' : constant.reason, /paired differences are the same for every seed/);
});

const ACCURACY = { percent: true, higherIsBetter: true };
const CE = [0.912, 0.905, 0.921, 0.915, 0.899];

test('verdict: better, with the difference in percentage points, its CI and p', () => {
  const eps2 = CE.map((v, i) => v + [0.007, 0.009, 0.008, 0.01, 0.006][i]);
  const result = verdict('ε=2', 'CE', pairedTTest(eps2, CE), ACCURACY);
  assert.equal(result.kind, 'better');
  assert.equal(result.text, 'ε=2 is better than CE: +0.80 pts [0.60, 1.00], p<0.001, 5 seeds (paired)');
});

test('verdict: worse, by Welch with unequal group sizes', () => {
  const result = verdict('ε=-1', 'CE', welchTTest([0.88, 0.875, 0.89, 0.87], CE), ACCURACY);
  assert.equal(result.kind, 'worse');
  // scipy: t = -5.51, df = 6.59, p = 0.00110, CI [-0.04541, -0.01789].
  assert.equal(result.text, 'ε=-1 is worse than CE: -3.2 pts [-4.5, -1.8], p=0.0011, 4 vs 5 seeds (Welch)');
});

test('verdict: not distinguishable when the CI contains 0', () => {
  const eps1 = CE.slice(0, 3).map((v, i) => v + [0.004, -0.003, 0.002][i]);
  const result = verdict('ε=1', 'CE', pairedTTest(eps1, CE.slice(0, 3)), ACCURACY);
  assert.equal(result.kind, 'not-distinguishable');
  assert.equal(result.text, 'ε=1 is not distinguishable from CE: +0.10 pts [-0.80, 1.00], p=0.68, 3 seeds (paired)');
});

test('verdict: one seed on either side asks for more seeds and claims nothing', () => {
  const mine = verdict('ε=2', 'CE', welchTTest([0.93], CE), ACCURACY);
  assert.equal(mine.kind, 'insufficient');
  assert.equal(mine.text, 'ε=2: only 1 seed — run more seeds to compare with CE');
  const theirs = verdict('ε=2', 'CE', welchTTest(CE, [0.9]), ACCURACY);
  assert.equal(theirs.text, 'ε=2: CE has only 1 seed — run more seeds to compare');
  const constant = verdict('ε=2', 'CE', pairedTTest([0.95, 0.93, 0.92], [0.94, 0.92, 0.91]), ACCURACY);
  assert.equal(constant.kind, 'insufficient');
  assert.match(constant.text, /^ε=2: \+1\.0 pts vs CE, but the paired differences are the same for every seed/);
});

test('verdict: for a lower-is-better metric a negative difference is better', () => {
  const result = verdict('ε=2', 'CE', pairedTTest([0.031, 0.028, 0.035, 0.03], [0.052, 0.047, 0.055, 0.05]), { percent: true, higherIsBetter: false });
  assert.equal(result.kind, 'better');
  assert.equal(result.text, 'ε=2 is better than CE: -2.00 pts [-2.13, -1.87], p<0.001, 4 seeds (paired)');
  const raw = verdict('A', 'B', welchTTest([1.2, 1.4, 1.3], [1.25, 1.35, 1.3]), { percent: false, higherIsBetter: false });
  assert.equal(raw.kind, 'not-distinguishable');
  assert.equal(raw.text.includes('pts'), false);
});
