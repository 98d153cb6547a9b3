import type { TTestOutcome } from './tTests';

/**
 * One sentence that says what a comparison shows and no more: "better" or "worse" only when the
 * confidence interval of the difference excludes 0, and with the numbers that back it.
 */

export type VerdictKind = 'better' | 'worse' | 'not-distinguishable' | 'insufficient';

/** How to read the metric: accuracies are shown in percentage points; losses are better when lower. */
export interface MetricScale {
  percent: boolean;
  higherIsBetter: boolean;
}

export interface Verdict {
  kind: VerdictKind;
  text: string;
}

/** Decimals that show two significant digits of the interval's half-width (at least one for points). */
function decimalsFor(halfWidth: number, percent: boolean): number {
  const minimum = percent ? 1 : 0;
  if (!(halfWidth > 0) || !Number.isFinite(halfWidth)) return Math.max(minimum, 2);
  return Math.min(6, Math.max(minimum, 1 - Math.floor(Math.log10(halfWidth))));
}

/** Fixed decimals, never "-0.0"; `signed` puts "+" before positive values. */
function fixed(value: number, decimals: number, signed = false): string {
  const text = value.toFixed(decimals);
  if (Number(text) === 0) return (0).toFixed(decimals);
  return signed && value > 0 ? `+${text}` : text;
}

export function formatP(p: number): string {
  return p < 0.001 ? 'p<0.001' : `p=${Number(p.toPrecision(2))}`;
}

function seedCount(outcome: TTestOutcome): string {
  const [a, b] = outcome.n;
  const word = (n: number): string => (n === 1 ? 'seed' : 'seeds');
  if (outcome.test === 'paired') return `${a} ${word(a)} (paired)`;
  return a === b ? `${a} ${word(a)} each (Welch)` : `${a} vs ${b} seeds (Welch)`;
}

export function verdict(subject: string, baseline: string, outcome: TTestOutcome, scale: MetricScale): Verdict {
  const unit = scale.percent ? ' pts' : '';
  const factor = scale.percent ? 100 : 1;
  if (!outcome.ok) return { kind: 'insufficient', text: insufficientText(subject, baseline, outcome, factor, unit, scale.percent) };

  const half = ((outcome.ci.high - outcome.ci.low) / 2) * factor;
  const digits = decimalsFor(half, scale.percent);
  const numbers = `${fixed(outcome.difference * factor, digits, true)}${unit} `
    + `[${fixed(outcome.ci.low * factor, digits)}, ${fixed(outcome.ci.high * factor, digits)}], `
    + `${formatP(outcome.p)}, ${seedCount(outcome)}`;
  const excludesZero = outcome.ci.low > 0 || outcome.ci.high < 0;
  if (!excludesZero) return { kind: 'not-distinguishable', text: `${subject} is not distinguishable from ${baseline}: ${numbers}` };
  const better = (outcome.difference > 0) === scale.higherIsBetter;
  return better
    ? { kind: 'better', text: `${subject} is better than ${baseline}: ${numbers}` }
    : { kind: 'worse', text: `${subject} is worse than ${baseline}: ${numbers}` };
}

function insufficientText(subject: string, baseline: string, outcome: TTestOutcome & { ok: false }, factor: number, unit: string, percent: boolean): string {
  const [a, b] = outcome.n;
  const more = '— run more seeds to compare';
  if (outcome.test === 'paired' && a < 2) return `${subject}: only ${a} seed shared with ${baseline} ${more}`;
  if (a === 0) return `${subject}: no finished runs with this metric`;
  if (a === 1) return `${subject}: only 1 seed ${more} with ${baseline}`;
  if (b === 0) return `${subject}: ${baseline} has no finished runs with this metric`;
  if (b === 1) return `${subject}: ${baseline} has only 1 seed ${more}`;
  const difference = outcome.difference === null ? ''
    : ` ${fixed(outcome.difference * factor, decimalsFor(Math.abs(outcome.difference * factor), percent), true)}${unit} vs ${baseline},`;
  return `${subject}:${difference} but ${outcome.reason}`;
}
