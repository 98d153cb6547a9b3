import { csvLines, type CsvValue } from '../csv';
import type { Analysis } from '../grouping';
import { describeLoss, epsilonList, gammaOf } from '../lossSpec';
import type { Interval, TTestKind, VerdictKind } from '../stats';
import { metricLabel } from './format';

/**
 * Group statistics as data: one flat record per group with its comparison against the baseline,
 * for `groups.json` and `groups.csv`. Values stay in the metric's own unit (fractions for accuracies).
 */

export interface GroupStatistics {
  label: string;
  key: string;
  loss: string;
  lossType: string;
  /** ε list (empty for CE and focal). */
  epsilon: number[];
  /** 0 outside the focal family. */
  gamma: number;
  labelSmoothing: number;
  n: number;
  seeds: number[];
  /** `values[i]` belongs to `seeds[i]`. */
  values: number[];
  mean: number | null;
  std: number | null;
  ci: Interval | null;
  baseline: string | null;
  difference: number | null;
  differenceCi: Interval | null;
  test: TTestKind | null;
  p: number | null;
  /** Holm–Bonferroni adjusted over the analysis' comparisons; the verdict uses it. */
  pAdjusted: number | null;
  /** The interval the verdict uses: at the level Holm tested the comparison at (`adjustedLevel`). */
  adjustedCi: Interval | null;
  adjustedLevel: number | null;
  df: number | null;
  verdictKind: VerdictKind | null;
  verdict: string | null;
  runIds: string[];
  skipped: { runId: string; reason: string }[];
}

export interface GroupsExport {
  metric: Analysis['metric'];
  metricLabel: string;
  higherIsBetter: boolean;
  k?: number;
  level: number;
  groups: GroupStatistics[];
}

export function groupStatistics(analysis: Analysis): GroupsExport {
  const labels = new Map(analysis.groups.map((g) => [g.key, g.label]));
  const comparisons = new Map(analysis.comparisons.map((c) => [c.key, c]));
  const groups = analysis.groups.map((g): GroupStatistics => {
    const c = comparisons.get(g.key);
    return {
      label: g.label,
      key: g.key,
      loss: describeLoss(g.config.loss),
      lossType: g.config.loss.type,
      epsilon: epsilonList(g.config.loss),
      gamma: gammaOf(g.config.loss),
      labelSmoothing: g.config.loss.labelSmoothing ?? 0,
      n: g.n,
      seeds: g.seeds,
      values: g.values,
      mean: g.mean,
      std: g.std,
      ci: g.ci,
      baseline: c?.baselineKey ? (labels.get(c.baselineKey) ?? null) : null,
      difference: c?.difference ?? null,
      differenceCi: c?.ci ?? null,
      test: c?.test ?? null,
      p: c?.p ?? null,
      pAdjusted: c?.pAdjusted ?? null,
      adjustedCi: c?.adjustedCi ?? null,
      adjustedLevel: c?.adjustedLevel ?? null,
      df: c?.df ?? null,
      verdictKind: c?.kind ?? null,
      verdict: c?.verdict ?? null,
      runIds: g.runIds,
      skipped: g.skipped,
    };
  });
  return {
    metric: analysis.metric,
    metricLabel: metricLabel(analysis),
    higherIsBetter: analysis.metricInfo.higherIsBetter,
    ...(analysis.k !== undefined ? { k: analysis.k } : {}),
    level: analysis.level,
    groups,
  };
}

const CSV_COLUMNS: readonly { name: string; value: (g: GroupStatistics, metric: string) => CsvValue }[] = [
  { name: 'metric', value: (_g, metric) => metric },
  { name: 'group', value: (g) => g.label },
  { name: 'loss', value: (g) => g.loss },
  { name: 'loss_type', value: (g) => g.lossType },
  { name: 'epsilon', value: (g) => g.epsilon.join(' ') },
  { name: 'gamma', value: (g) => g.gamma },
  { name: 'label_smoothing', value: (g) => g.labelSmoothing },
  { name: 'n', value: (g) => g.n },
  { name: 'seeds', value: (g) => g.seeds.join(' ') },
  { name: 'mean', value: (g) => g.mean },
  { name: 'std', value: (g) => g.std },
  { name: 'ci_low', value: (g) => g.ci?.low },
  { name: 'ci_high', value: (g) => g.ci?.high },
  { name: 'baseline', value: (g) => g.baseline },
  { name: 'difference', value: (g) => g.difference },
  { name: 'difference_ci_low', value: (g) => g.differenceCi?.low },
  { name: 'difference_ci_high', value: (g) => g.differenceCi?.high },
  { name: 'test', value: (g) => g.test },
  { name: 'p', value: (g) => g.p },
  { name: 'p_holm', value: (g) => g.pAdjusted },
  { name: 'adjusted_ci_low', value: (g) => g.adjustedCi?.low },
  { name: 'adjusted_ci_high', value: (g) => g.adjustedCi?.high },
  { name: 'adjusted_ci_level', value: (g) => g.adjustedLevel },
  { name: 'df', value: (g) => g.df },
  { name: 'verdict_kind', value: (g) => g.verdictKind },
  { name: 'verdict', value: (g) => g.verdict },
  { name: 'values', value: (g) => g.values.join(' ') },
  { name: 'run_ids', value: (g) => g.runIds.join(' ') },
  { name: 'skipped_runs', value: (g) => g.skipped.length },
];

/**
 * One row per group; lists (ε, seeds, values, run ids) are space-separated within their cell, and
 * every row names the metric its numbers are of.
 */
export function groupsCsv(analysis: Analysis): string {
  const { metric, groups } = groupStatistics(analysis);
  return csvLines([CSV_COLUMNS.map((c) => c.name), ...groups.map((group) => CSV_COLUMNS.map((c) => c.value(group, metric)))]);
}
