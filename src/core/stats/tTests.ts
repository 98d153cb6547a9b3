import { DEFAULT_LEVEL, checkLevel, criticalT, mean, sampleVariance, type Interval } from './summary';
import { studentTTwoSidedP } from './studentT';

/** Two-sample t-tests on the difference a − b, with the confidence interval of that difference. */

export type TTestKind = 'welch' | 'paired';

export interface TTestResult {
  ok: true;
  test: TTestKind;
  /** Welch: mean(a) − mean(b). Paired: mean of a_i − b_i. */
  difference: number;
  se: number;
  t: number;
  df: number;
  /** Two-sided. */
  p: number;
  ci: Interval;
  level: number;
  /** Sizes of a and b (paired: the number of pairs, twice). */
  n: [number, number];
}

/** The data cannot support a test; `reason` says why in words. */
export interface TTestUnavailable {
  ok: false;
  test: TTestKind;
  difference: number | null;
  n: [number, number];
  reason: string;
  /** Every seed gave the same value on both sides: no difference at all, rather than too little data. */
  identical?: true;
}

export type TTestOutcome = TTestResult | TTestUnavailable;

/** Below this fraction of the data's magnitude a standard error is rounding noise (0.9 − 0.8 ≠ 0.8 − 0.7). */
const ZERO_SPREAD = 1e-12;

function magnitude(...samples: (readonly number[])[]): number {
  return Math.max(...samples.flat().map(Math.abs));
}

function conclude(test: TTestKind, difference: number, se: number, df: number, n: [number, number], level: number, scale: number): TTestOutcome {
  if (!(se > ZERO_SPREAD * scale)) {
    if (Math.abs(difference) <= ZERO_SPREAD * scale) return { ok: false, test, difference: 0, n, reason: 'no difference on any seed', identical: true };
    const reason = test === 'paired'
      ? 'the paired differences are the same for every seed, so there is no spread to test against'
      : 'the values do not vary between seeds, so there is no spread to test against';
    return { ok: false, test, difference, n, reason };
  }
  const t = difference / se;
  const half = criticalT(df, level) * se;
  return { ok: true, test, difference, se, t, df, p: studentTTwoSidedP(t, df), ci: { low: difference - half, high: difference + half }, level, n };
}

/** The interval of a test's difference at another confidence level (same t distribution and standard error). */
export function intervalAt(result: TTestResult, level: number): Interval {
  const half = criticalT(result.df, level) * result.se;
  return { low: result.difference - half, high: result.difference + half };
}

/**
 * Welch's test (unequal variances) with Welch–Satterthwaite degrees of freedom
 * df = (v_a + v_b)² / (v_a²/(n_a−1) + v_b²/(n_b−1)), v = s²/n.
 */
export function welchTTest(a: readonly number[], b: readonly number[], level = DEFAULT_LEVEL): TTestOutcome {
  checkLevel(level);
  const n: [number, number] = [a.length, b.length];
  const difference = a.length > 0 && b.length > 0 ? mean(a) - mean(b) : null;
  if (difference === null || a.length < 2 || b.length < 2) {
    return { ok: false, test: 'welch', difference, n, reason: `needs at least 2 values on each side (got ${n[0]} and ${n[1]})` };
  }
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return conclude('welch', difference, Math.sqrt(va + vb), df, n, level, magnitude(a, b));
}

/** Paired test on a_i − b_i (one-sample t-test of the differences, df = n − 1). */
export function pairedTTest(a: readonly number[], b: readonly number[], level = DEFAULT_LEVEL): TTestOutcome {
  checkLevel(level);
  if (a.length !== b.length) throw new RangeError(`paired test needs as many values in a as in b (got ${a.length} and ${b.length})`);
  const diffs = a.map((v, i) => v - b[i]);
  const n: [number, number] = [diffs.length, diffs.length];
  const difference = diffs.length > 0 ? mean(diffs) : null;
  if (difference === null || diffs.length < 2) {
    return { ok: false, test: 'paired', difference, n, reason: `needs at least 2 pairs (got ${diffs.length})` };
  }
  return conclude('paired', difference, Math.sqrt(sampleVariance(diffs) / diffs.length), diffs.length - 1, n, level, magnitude(a, b));
}
