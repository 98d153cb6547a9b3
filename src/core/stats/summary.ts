import { studentTQuantile } from './studentT';

/** Descriptive statistics of a sample, and the t-based confidence interval of its mean. */

export const DEFAULT_LEVEL = 0.95;

export interface Interval {
  low: number;
  high: number;
}

/** NaN for no values. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Unbiased sample variance (divides by n − 1); NaN for fewer than 2 values. */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return sum / (values.length - 1);
}

export function sampleStd(values: readonly number[]): number {
  return Math.sqrt(sampleVariance(values));
}

/** Standard error of the mean, s/√n; NaN for fewer than 2 values. */
export function standardError(values: readonly number[]): number {
  return sampleStd(values) / Math.sqrt(values.length);
}

export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1) (got ${level})`);
}

/** The two-sided critical value t_{(1+level)/2, df}. */
export function criticalT(df: number, level = DEFAULT_LEVEL): number {
  checkLevel(level);
  return studentTQuantile((1 + level) / 2, df);
}

/** JSON-safe: statistics that a sample this small cannot give are null, with the reason in `note`. */
export interface MeanEstimate {
  n: number;
  mean: number | null;
  std: number | null;
  se: number | null;
  /** t-based interval for the mean at `level`. */
  ci: Interval | null;
  level: number;
  note?: string;
}

export function estimateMean(values: readonly number[], level = DEFAULT_LEVEL): MeanEstimate {
  checkLevel(level);
  const n = values.length;
  if (n === 0) return { n, mean: null, std: null, se: null, ci: null, level, note: 'no values' };
  const m = mean(values);
  if (n === 1) {
    return { n, mean: m, std: null, se: null, ci: null, level, note: 'only 1 value: the spread, and so a confidence interval, needs at least 2' };
  }
  const se = standardError(values);
  const half = criticalT(n - 1, level) * se;
  return { n, mean: m, std: sampleStd(values), se, ci: { low: m - half, high: m + half }, level };
}
