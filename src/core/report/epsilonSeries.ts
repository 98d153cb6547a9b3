import { diffConfigs } from '../configDiff';
import { groupKey, type Analysis, type BaselineComparison, type GroupSummary } from '../grouping';
import { epsilonList, type LossSpec } from '../lossSpec';
import type { RunConfig } from '../runConfig';
import type { Interval } from '../stats';
import { metricLabel } from './format';

/**
 * The ε groups of an analysis as series against ε: one per setting the sweep also varies (γ, label
 * smoothing…), each with its baseline, its best ε and each ε's difference from the baseline. The SVG
 * report, the dashboard and the headline all read them from here.
 */

export interface EpsilonPoint {
  /** ε1, the coefficient of (1−Pt) (for Poly-N the others stay as they are within a series). */
  epsilon: number;
  group: GroupSummary;
  /** Its comparison with the baseline, when it has one (not for an ε = 0 group standing in for CE). */
  comparison?: BaselineComparison;
}

/** The series' best ε: only "best" when it beat the baseline after the Holm adjustment. */
export interface EpsilonBest extends EpsilonPoint {
  /** Significantly better than the baseline (Holm-adjusted); false: only the highest mean. */
  significant: boolean;
}

/** A point of the difference panel: what the verdict of that ε uses. */
export interface DifferencePoint {
  epsilon: number;
  group: GroupSummary;
  comparison: BaselineComparison;
  difference: number;
  /** The interval the verdict uses (Holm level), or null when no test could be made. */
  ci: Interval | null;
}

export interface EpsilonSeries {
  label: string;
  /** By ascending ε; only groups with a mean. */
  points: EpsilonPoint[];
  baseline?: GroupSummary;
  best?: EpsilonBest;
  /** Each ε's difference from the baseline, by ascending ε (the baseline itself at 0 when it is an ε group). */
  differences: DifferencePoint[];
}

function withFirstEpsilon(loss: LossSpec, epsilon: number): LossSpec {
  const rest = epsilonList(loss).slice(1);
  return { ...loss, epsilon: rest.length > 0 ? [epsilon, ...rest] : epsilon };
}

/** The config with ε1 set to 0: configs that differ only in ε1 share it. */
function seriesConfig(config: RunConfig): RunConfig {
  return { ...config, loss: withFirstEpsilon(config.loss, 0) };
}

/**
 * The series' best ε: among the ε significantly better than the baseline (after the Holm adjustment)
 * the one with the best mean; when none is, the best mean, marked not significant. The first ε on ties.
 */
export function bestEpsilon(points: readonly EpsilonPoint[], higherIsBetter: boolean): EpsilonBest | undefined {
  const winners = points.filter((p) => p.comparison?.kind === 'better');
  const pool = winners.length > 0 ? winners : points;
  const better = (a: number, b: number) => (higherIsBetter ? a > b : a < b);
  const top = pool.reduce<EpsilonPoint | undefined>((best, p) => (!best || better(p.group.mean!, best.group.mean!) ? p : best), undefined);
  return top ? { ...top, significant: winners.length > 0 } : undefined;
}

/** "best ε=2", or "highest mean ε=2 (not significant)" ("lowest" for a lower-is-better metric). */
export function bestLabel(best: EpsilonBest, higherIsBetter: boolean, epsilonText: (epsilon: number) => string): string {
  return best.significant
    ? `best ε=${epsilonText(best.epsilon)}`
    : `${higherIsBetter ? 'highest' : 'lowest'} mean ε=${epsilonText(best.epsilon)} (not significant)`;
}

/** Groups with an ε (Poly-1, Poly-N, Poly-1 focal) and a mean, bucketed into series. */
export function epsilonSeries(analysis: Analysis): EpsilonSeries[] {
  const buckets = new Map<string, { config: RunConfig; points: EpsilonPoint[] }>();
  const comparisons = new Map(analysis.comparisons.map((c) => [c.key, c]));
  for (const group of analysis.groups) {
    const epsilons = epsilonList(group.config.loss);
    if (epsilons.length === 0 || group.mean === null) continue;
    const config = seriesConfig(group.config);
    const key = groupKey(config);
    const bucket = buckets.get(key) ?? { config, points: [] };
    const comparison = comparisons.get(group.key);
    bucket.points.push({ epsilon: epsilons[0], group, ...(comparison ? { comparison } : {}) });
    buckets.set(key, bucket);
  }
  const list = [...buckets.values()];
  const labels = list.length > 1 ? diffConfigs(list.map((b) => b.config)).legend : [metricLabel(analysis)];
  const byKey = new Map(analysis.groups.map((g) => [g.key, g]));
  return list.map((bucket, i) => {
    const points = [...bucket.points].sort((a, b) => a.epsilon - b.epsilon);
    const memberKeys = new Set(points.map((p) => p.group.key));
    const baselineKeys = points.flatMap((p) => (p.comparison?.baselineKey ? [p.comparison.baselineKey] : []));
    // A real baseline (CE, focal) before an ε = 0 group standing in for it.
    const baselineKey = baselineKeys.find((k) => !memberKeys.has(k)) ?? baselineKeys[0];
    const baseline = baselineKey === undefined ? undefined : byKey.get(baselineKey);
    const best = bestEpsilon(points, analysis.metricInfo.higherIsBetter);
    const differences = points.flatMap((p): DifferencePoint[] => (p.comparison && p.comparison.difference !== null && p.comparison.baselineKey === baselineKey
      ? [{ epsilon: p.epsilon, group: p.group, comparison: p.comparison, difference: p.comparison.difference, ci: p.comparison.adjustedCi }]
      : []));
    return {
      label: labels[i], points, ...(baseline && baseline.mean !== null ? { baseline } : {}), ...(best ? { best } : {}), differences,
    };
  });
}
