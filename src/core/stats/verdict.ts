import { estimateText, formatLevel, formatP, type MetricScale } from './numbers';
import type { Interval } from './summary';
import type { TTestOutcome } from './tTests';

/**
 * One sentence that says what a comparison shows and no more: "better" or "worse" only when the
 * test (Holm-adjusted when several comparisons share a report) rejects "no difference", and with the
 * numbers that back it.
 */

export type VerdictKind = 'better' | 'worse' | 'not-distinguishable' | 'no-difference' | 'insufficient';

export interface Verdict {
  kind: VerdictKind;
  text: string;
}

/** The comparison's place in a family of comparisons adjusted together by Holm–Bonferroni. */
export interface HolmAdjustment {
  pAdjusted: number;
  /** The difference's interval at the level Holm tested it at: it excludes 0 exactly when pAdjusted < α. */
  ci: Interval;
  /** Confidence level of `ci` (at least the unadjusted level). */
  level: number;
  /** How many comparisons were adjusted together. */
  family: number;
}

function seedCount(outcome: TTestOutcome): string {
  const [a, b] = outcome.n;
  const word = (n: number): string => (n === 1 ? 'seed' : 'seeds');
  if (outcome.test === 'paired') return `${a} ${word(a)} (paired)`;
  return a === b ? `${a} ${word(a)} each (Welch)` : `${a} vs ${b} seeds (Welch)`;
}

/** "p=0.003" alone, or "Holm p=0.012 (unadjusted p=0.003)" within a family. */
export function pText(p: number, adjustment: Pick<HolmAdjustment, 'pAdjusted' | 'family'>): string {
  return adjustment.family > 1 ? `Holm ${formatP(adjustment.pAdjusted)} (unadjusted ${formatP(p)})` : formatP(p);
}

export function verdict(subject: string, baseline: string, outcome: TTestOutcome, scale: MetricScale, adjustment?: HolmAdjustment): Verdict {
  if (!outcome.ok) {
    if (outcome.identical) return { kind: 'no-difference', text: `${subject}: no difference from ${baseline} on any seed, ${seedCount(outcome)}` };
    return { kind: 'insufficient', text: insufficientText(subject, baseline, outcome, scale) };
  }
  const adjusted = adjustment ?? { pAdjusted: outcome.p, ci: outcome.ci, level: outcome.level, family: 1 };
  const levelNote = adjusted.family > 1 ? ` (${formatLevel(adjusted.level)} CI)` : '';
  const numbers = `${estimateText(outcome.difference, adjusted.ci, scale)}${levelNote}, ${pText(outcome.p, adjusted)}, ${seedCount(outcome)}`;
  const significant = adjusted.pAdjusted < 1 - outcome.level;
  if (!significant) return { kind: 'not-distinguishable', text: `${subject} is not distinguishable from ${baseline}: ${numbers}` };
  const better = (outcome.difference > 0) === scale.higherIsBetter;
  return better
    ? { kind: 'better', text: `${subject} is better than ${baseline}: ${numbers}` }
    : { kind: 'worse', text: `${subject} is worse than ${baseline}: ${numbers}` };
}

function insufficientText(subject: string, baseline: string, outcome: TTestOutcome & { ok: false }, scale: MetricScale): string {
  const [a, b] = outcome.n;
  const more = '— run more seeds to compare';
  if (outcome.test === 'paired' && a < 2) return `${subject}: only ${a} seed shared with ${baseline} ${more}`;
  if (a === 0) return `${subject}: no finished runs with this metric`;
  if (a === 1) return `${subject}: only 1 seed ${more} with ${baseline}`;
  if (b === 0) return `${subject}: ${baseline} has no finished runs with this metric`;
  if (b === 1) return `${subject}: ${baseline} has only 1 seed ${more}`;
  const difference = outcome.difference === null ? '' : ` ${estimateText(outcome.difference, null, scale)} vs ${baseline},`;
  return `${subject}:${difference} but ${outcome.reason}`;
}
