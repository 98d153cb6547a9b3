import type { Interval } from './summary';

/**
 * How an estimate and its interval print: one function for the results table, the verdicts, the
 * headline, the charts and the terminal, so one number reads the same everywhere.
 */

/** How to read the metric: accuracies are shown in percentage points; losses are better when lower. */
export interface MetricScale {
  percent: boolean;
  higherIsBetter: boolean;
}

const MAX_DECIMALS = 6;
/** Float noise (0.9275 − 0.91 = 0.017499999999999960) is dropped below this many significant digits. */
const CLEAN_DIGITS = 12;

function clean(value: number): number {
  return Number(value.toPrecision(CLEAN_DIGITS));
}

/**
 * `value` rounded half away from zero to `decimals` places, as text: 1.75 and 1.7499999999999996
 * both print "1.8", -1.75 prints "-1.8". Never "-0.0"; `signed` puts "+" before positive values.
 */
export function fixed(value: number, decimals: number, signed = false): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = clean(Math.abs(value));
  const units = Math.round(clean(magnitude * 10 ** decimals));
  const text = (units / 10 ** decimals).toFixed(decimals);
  if (units === 0) return text;
  if (value < 0) return `-${text}`;
  return signed ? `+${text}` : text;
}

function roundsToZero(value: number, decimals: number): boolean {
  return Math.round(clean(clean(Math.abs(value)) * 10 ** decimals)) === 0;
}

/**
 * Decimals for an estimate in display units: two significant digits of the interval's half-width
 * (at least one for percentage points), and more while a bound of an interval that excludes 0 would
 * print as 0 ("[0.0, 2.5]" for a lower bound of 0.017 points would read as touching 0).
 */
export function estimateDecimals(value: number, ci: Interval | null, percent: boolean): number {
  const minimum = percent ? 1 : 0;
  const spread = ci ? (ci.high - ci.low) / 2 : Math.abs(value);
  // No spread and no value (no difference on any seed): the fewest decimals, "0.0".
  let decimals = spread > 0 && Number.isFinite(spread)
    ? Math.min(MAX_DECIMALS, Math.max(minimum, 1 - Math.floor(Math.log10(clean(spread)))))
    : value === 0 ? Math.max(minimum, 1) : Math.max(minimum, 2);
  const excludesZero = ci !== null && (ci.low > 0 || ci.high < 0);
  const bounds = excludesZero ? [ci.low, ci.high] : [];
  while (decimals < MAX_DECIMALS && bounds.some((b) => roundsToZero(b, decimals))) decimals++;
  return decimals;
}

export interface EstimateText {
  /** "+1.27" */
  value: string;
  /** "[0.02, 2.52]", or '' without an interval. */
  interval: string;
  /** " pts" for accuracies, '' otherwise. */
  unit: string;
  decimals: number;
}

/**
 * A difference (or any estimate) and its interval in display units, with one number of decimals for
 * all three: "+1.27 pts [0.02, 2.52]". Values are in the metric's own unit (fractions for accuracies).
 */
export function formatEstimate(value: number, ci: Interval | null, scale: Pick<MetricScale, 'percent'>, signed = true): EstimateText {
  const factor = scale.percent ? 100 : 1;
  const shown = ci ? { low: ci.low * factor, high: ci.high * factor } : null;
  const decimals = estimateDecimals(value * factor, shown, scale.percent);
  return {
    value: fixed(value * factor, decimals, signed),
    interval: shown ? `[${fixed(shown.low, decimals)}, ${fixed(shown.high, decimals)}]` : '',
    unit: scale.percent ? ' pts' : '',
    decimals,
  };
}

/** "+1.27 pts [0.02, 2.52]" */
export function estimateText(value: number, ci: Interval | null, scale: Pick<MetricScale, 'percent'>): string {
  const e = formatEstimate(value, ci, scale);
  return `${e.value}${e.unit}${e.interval ? ` ${e.interval}` : ''}`;
}

/** "95%", "98.3%" */
export function formatLevel(level: number): string {
  return `${Number((level * 100).toPrecision(3))}%`;
}

/** "p=0.012" or "p<0.001". */
export function formatP(p: number): string {
  return p < 0.001 ? 'p<0.001' : `p=${Number(p.toPrecision(2))}`;
}
