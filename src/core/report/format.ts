import type { Analysis, GroupSummary } from '../grouping';
import type { Interval, MetricScale } from '../stats';

/** Numbers of an analysis as reports show them: accuracies in percent (points for differences). */

const MISSING = '—';
const PERCENT_DECIMALS = 2;
const SIGNIFICANT_DIGITS = 4;

/** Never "-0.00"; `signed` puts "+" before positive values. */
function tidy(text: string, value: number, signed: boolean): string {
  if (Number(text) === 0) return text.replace('-', '');
  return signed && value > 0 ? `+${text}` : text;
}

/** One value of the metric: "91.23" for an accuracy of 0.91234 (the unit goes in the header). */
export function formatMetric(value: number | null | undefined, scale: MetricScale, signed = false): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const text = scale.percent ? (value * 100).toFixed(PERCENT_DECIMALS) : value.toPrecision(SIGNIFICANT_DIGITS);
  return tidy(text, value, signed);
}

/** "[90.10, 92.36]" */
export function formatInterval(ci: Interval | null | undefined, scale: MetricScale): string {
  return ci ? `[${formatMetric(ci.low, scale)}, ${formatMetric(ci.high, scale)}]` : MISSING;
}

/** A group's interval, "[98.10, 100.00]†" when it was cut at 0 % or 100 % (see clippingNote). */
export function formatGroupInterval(group: Pick<GroupSummary, 'ci' | 'ciClipped'>, scale: MetricScale): string {
  return `${formatInterval(group.ci, scale)}${group.ciClipped ? CLIPPED_MARK : ''}`;
}

export const CLIPPED_MARK = '†';

/** "91.23 ± 0.45", or the mean alone when there is no spread (one seed). */
export function formatMeanStd(mean: number | null, std: number | null, scale: MetricScale): string {
  if (mean === null) return MISSING;
  return std === null ? formatMetric(mean, scale) : `${formatMetric(mean, scale)} ± ${formatMetric(std, scale)}`;
}

/** The unit of formatMetric's numbers, for headers: "%" or "" (differences of percentages are "pts"). */
export function unitOf(scale: MetricScale, difference = false): string {
  if (!scale.percent) return '';
  return difference ? 'pts' : '%';
}

/** The summary metric in words, e.g. "test acc" or "val acc of the last 3 epochs". */
export function metricLabel(analysis: Pick<Analysis, 'metric' | 'metricInfo' | 'k'>): string {
  return analysis.metric === 'lastK' ? `val acc of the last ${analysis.k} epochs` : analysis.metricInfo.label;
}

export { formatLevel } from '../stats';
