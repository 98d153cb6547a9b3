import { baselineName, type Analysis, type BaselineComparison, type GroupSummary } from '../grouping';
import { epsilonList } from '../lossSpec';
import { MAX_PLANNED_PAIRS, estimateText, fixed, formatP, pairedSampleSize } from '../stats';
import { bestEpsilon, epsilonSeries, type EpsilonBest } from './epsilonSeries';

/**
 * The sentence that opens the statistics page (report.md, the terminal, the dashboard's Sweep tab):
 * did any setting beat its baseline after the Holm adjustment, by how much, and how many seeds would
 * settle it given the spread seen so far.
 */

/** The difference worth detecting by default: half a percentage point of accuracy. */
export const DEFAULT_MIN_EFFECT = 0.005;
export const DEFAULT_POWER = 0.8;

export interface SampleSizeHint {
  /** The fewest seeds (pairs) for the power, or null when more than any plan would take. */
  seeds: number | null;
  minEffect: number;
  power: number;
  /** Two-sided level of the planned test: 1 − level over the number of comparisons (Holm's first step). */
  alpha: number;
  /** Pooled standard deviation of the paired differences, in the metric's own unit. */
  sd: number;
  text: string;
}

export interface Headline {
  text: string;
  /** The group that beat its baseline (the best one when several did); undefined when none did. */
  winner?: { group: GroupSummary; comparison: BaselineComparison };
  hint: SampleSizeHint | null;
}

export interface HeadlineOptions {
  /** The difference the sample-size hint plans for, in the metric's own unit (default 0.005: 0.5 points). */
  minEffect?: number;
  power?: number;
}

function seedsText(comparisons: readonly BaselineComparison[]): string {
  const counts = [...new Set(comparisons.map((c) => Math.min(...c.n)))].sort((a, b) => a - b);
  const range = counts.length > 1 ? `${counts[0]}–${counts[counts.length - 1]}` : String(counts[0]);
  return `${range} seed${range === '1' ? '' : 's'}`;
}

/** The baseline all comparisons share, named as the verdicts name it, or "its baseline". */
function sharedBaseline(comparisons: readonly BaselineComparison[], analysis: Analysis): string {
  const keys = new Set(comparisons.map((c) => c.baselineKey));
  const [only] = keys;
  const group = keys.size === 1 ? analysis.groups.find((g) => g.key === only) : undefined;
  return group ? baselineName(group) : 'its baseline';
}

function listed(labels: readonly string[]): string {
  return labels.length > 3 ? `${labels.slice(0, 3).join(', ')} and ${labels.length - 3} more` : labels.join(', ');
}

/**
 * The winner: the best of the ε series (bestEpsilon: only a significant ε counts as best), else,
 * without ε groups, the significantly better group with the largest gain.
 */
function winnerOf(analysis: Analysis): EpsilonBest | { group: GroupSummary; comparison: BaselineComparison } | undefined {
  const sign = analysis.metricInfo.higherIsBetter ? 1 : -1;
  const bests = epsilonSeries(analysis).map((s) => s.best).filter((b): b is EpsilonBest => b !== undefined && b.significant);
  const best = bestEpsilon(bests, analysis.metricInfo.higherIsBetter);
  if (best?.comparison) return best;
  const better = analysis.comparisons.filter((c) => c.kind === 'better');
  const top = better.reduce<BaselineComparison | undefined>((a, c) => (!a || sign * c.difference! > sign * a.difference! ? c : a), undefined);
  const group = top && analysis.groups.find((g) => g.key === top.key);
  return top && group ? { group, comparison: top } : undefined;
}

/**
 * How a winner beat its baseline: "by +0.80 pts [0.55, 1.05]", or where lower is better (ECE) with the
 * metric named, ": test ECE -5.1 pts [-8.6, -1.5]" ("by -5.1 pts" would read as a loss), as tune says it.
 */
function gainText(c: BaselineComparison, info: Analysis['metricInfo']): string {
  const estimate = estimateText(c.difference!, c.adjustedCi, info);
  return info.higherIsBetter ? ` by ${estimate}` : `: ${info.label} ${estimate}`;
}

/**
 * "No ε beat CE with 3 seeds (Holm-adjusted over 5 comparisons)." or "ε=2 beat CE by +0.8 pts
 * [0.6, 1.0] (Holm p=0.004, 5 seeds).", with the sample-size hint.
 */
export function headline(analysis: Analysis, options: HeadlineOptions = {}): Headline {
  const hint = sampleSizeHint(analysis, options);
  const compared = analysis.comparisons.filter((c) => c.baselineKey !== null);
  if (compared.length === 0) return { text: 'Nothing to compare: no group has its baseline (CE, or focal for Poly-1 focal) among these runs.', hint };
  const byKey = new Map(analysis.groups.map((g) => [g.key, g]));
  const noun = compared.every((c) => epsilonList(byKey.get(c.key)!.config.loss).length > 0) ? 'ε' : 'setting';
  const baseline = sharedBaseline(compared, analysis);
  const tested = compared.filter((c) => c.pAdjusted !== null);
  const family = tested.length > 1 ? ` (Holm-adjusted over ${tested.length} comparisons)` : '';
  const winner = winnerOf(analysis);
  if (winner?.comparison) {
    const c = winner.comparison;
    const others = compared.filter((x) => x.kind === 'better').length - 1;
    const more = others > 0 ? ` ${others} other${others === 1 ? '' : 's'} beat ${baseline} too.` : '';
    const p = tested.length > 1 ? `Holm ${formatP(c.pAdjusted!)}` : formatP(c.p!);
    const text = `${winner.group.label} beat ${baseline}${gainText(c, analysis.metricInfo)} (${p}, ${seedsText([c])}).${more}`;
    return { text, winner: { group: winner.group, comparison: c }, hint };
  }
  if (tested.length === 0) {
    const enoughSeeds = compared.every((c) => c.n[0] >= 2 && c.n[1] >= 2);
    // Runs that failed or still train have no value: seeds were asked for, the runs just did not finish.
    const oneSideEmpty = compared.every((c) => c.n[0] === 0 || c.n[1] === 0);
    const text = compared.every((c) => c.kind === 'no-difference')
      ? `No ${noun} differed from ${baseline} on any seed.`
      : oneSideEmpty
        ? `Nothing to compare with ${baseline}: no comparison has finished runs on both sides.`
        : enoughSeeds
        ? `No ${noun} could be tested against ${baseline}: each difference is the same on every seed, so there is no spread to test against. More seeds would give one.`
        : `Too few seeds to compare with ${baseline}: a comparison needs at least 2 seeds on each side.`;
    return { text, hint };
  }
  const worse = compared.filter((c) => c.kind === 'worse').map((c) => byKey.get(c.key)!.label);
  const worseText = worse.length > 0 ? ` ${listed(worse)} ${worse.length === 1 ? 'was' : 'were'} worse.` : '';
  return { text: `No ${noun} beat ${baseline} with ${seedsText(tested)}${family}.${worseText}`, hint };
}

/**
 * How many seeds would detect `minEffect` with `power`, from the pooled spread of the paired differences
 * seen so far, for a paired t-test at (1 − level)/m, the level of Holm's first step over m comparisons
 * (so the power holds for one setting whatever the others do). null without a paired comparison.
 */
export function sampleSizeHint(analysis: Analysis, options: HeadlineOptions = {}): SampleSizeHint | null {
  const minEffect = options.minEffect ?? DEFAULT_MIN_EFFECT;
  const power = options.power ?? DEFAULT_POWER;
  const paired = analysis.comparisons.filter((c) => c.sdDifference !== null && c.pAdjusted !== null);
  if (paired.length === 0) return null;
  let sumSquares = 0;
  let df = 0;
  for (const c of paired) {
    sumSquares += (c.n[0] - 1) * c.sdDifference! ** 2;
    df += c.n[0] - 1;
  }
  const sd = Math.sqrt(sumSquares / df);
  const m = analysis.comparisons.filter((c) => c.pAdjusted !== null).length;
  const level = 1 - analysis.level;
  const alpha = level / m;
  const seeds = pairedSampleSize(minEffect, sd, alpha, power);
  const percent = analysis.metricInfo.percent;
  const effect = percent ? `${fixed(minEffect * 100, 1)}-point` : `${Number(minEffect.toPrecision(3))}`;
  const spread = `${fixed(sd * (percent ? 100 : 1), 2)}${percent ? ' pts' : ''}`;
  const test = `paired t-test at α = ${m > 1 ? `${Number(level.toPrecision(3))}/${m} = ` : ''}${Number(alpha.toPrecision(3))}; sd of the paired differences so far ${spread}`;
  const count = seeds === null ? `More than ${MAX_PLANNED_PAIRS.toLocaleString('en-US')} seeds` : `About ${seeds} seed${seeds === 1 ? '' : 's'}`;
  return { seeds, minEffect, power, alpha, sd, text: `${count} would detect a ${effect} difference (power ${power}, ${test}).` };
}
