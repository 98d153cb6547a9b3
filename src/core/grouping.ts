import { configFacts, diffConfigs } from './configDiff';
import { describeLoss, epsilonList, gammaOf, type LossSpec } from './lossSpec';
import type { RunConfig } from './runConfig';
import type { EpochMetric, RunRecord, RunStatus } from './runFormat';
import {
  DEFAULT_LEVEL, estimateMean, holmAdjust, holmLevels, intervalAt, mean, pairedTTest, sampleStd, verdict, welchTTest,
  type HolmAdjustment, type Interval, type MetricScale, type TTestKind, type TTestOutcome, type VerdictKind,
} from './stats';

/**
 * Runs that differ only in their seed are repeats of one experiment: this module groups them,
 * reduces each run to one number, and compares each group with its baseline (CE by default).
 * Every output is plain JSON (no NaN, no Map): it goes to webviews, exports and reports.
 */

/**
 * A canonical key of what a config trains: the normalised settings of configDiff (so key order,
 * omitted defaults and fields the loss ignores do not matter), without name, sweepId and
 * experiment, and without the seed unless `withSeed`.
 */
export function configKey(config: RunConfig, withSeed = false): string {
  const facts = [...configFacts(config)].filter(([key]) => withSeed || key !== 'seed');
  facts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(facts);
}

/** The key of a run's group: its config minus the seed. */
export function groupKey(config: RunConfig): string {
  return configKey(config);
}

/** The key of one run of a group: its config including the seed. */
export function runKey(config: RunConfig): string {
  return configKey(config, true);
}

/** Items with a config, bucketed by group key, in order of first appearance. */
export function groupByConfig<T extends { config: RunConfig }>(items: readonly T[]): { key: string; members: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = groupKey(item.config);
    pushTo(groups, key, item);
  }
  return [...groups].map(([key, members]) => ({ key, members }));
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// ── One number per run ──────────────────────────────────────────────────────────────────────────

/**
 * final / best: final or best validation accuracy; lastK: mean validation accuracy of the last k
 * evaluations; test: test accuracy; ece: calibration error on the test split (lower is better).
 * Losses are not offered: each run reports the loss it trains with, so the values of CE and
 * Poly-1 are not on the same scale.
 */
export type SummaryMetric = 'final' | 'best' | 'lastK' | 'test' | 'ece';

export interface MetricInfo extends MetricScale {
  label: string;
}

export const SUMMARY_METRICS: Readonly<Record<SummaryMetric, MetricInfo>> = {
  final: { label: 'final val acc', percent: true, higherIsBetter: true },
  best: { label: 'best val acc', percent: true, higherIsBetter: true },
  lastK: { label: 'val acc of the last epochs', percent: true, higherIsBetter: true },
  test: { label: 'test acc', percent: true, higherIsBetter: true },
  ece: { label: 'test ECE', percent: true, higherIsBetter: false },
};

export const DEFAULT_LAST_K = 3;

export interface SummaryOptions {
  metric: SummaryMetric;
  /** lastK: how many of the last evaluations to average (default 3; fewer when the run has fewer). */
  k?: number;
  /** lastK: the run's epoch metrics (from metrics.jsonl); required for lastK. */
  epochsOf?: (run: RunRecord) => readonly EpochMetric[] | undefined;
}

/** The run's value of the chosen metric; undefined when the run does not have it. */
export function summaryValue(run: RunRecord, options: SummaryOptions): number | undefined {
  const summary = run.summary;
  let value: number | undefined;
  switch (options.metric) {
    case 'final': value = summary?.finalValAcc; break;
    case 'best': value = summary?.bestValAcc; break;
    case 'test': value = summary?.testAcc; break;
    case 'ece': value = summary?.ece; break;
    case 'lastK': value = lastKValAcc(run, options); break;
  }
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function lastKValAcc(run: RunRecord, options: SummaryOptions): number | undefined {
  const k = options.k ?? DEFAULT_LAST_K;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be an integer ≥ 1 (got ${k})`);
  if (!options.epochsOf) throw new Error('the lastK summary needs the runs\' epoch metrics (epochsOf)');
  const accuracies = (options.epochsOf(run) ?? []).map((e) => e.valAcc).filter(Number.isFinite);
  return accuracies.length > 0 ? mean(accuracies.slice(-k)) : undefined;
}

// ── Groups and their comparison with a baseline ─────────────────────────────────────────────────

export interface SkippedRun {
  runId: string;
  reason: string;
}

export interface GroupSummary {
  key: string;
  /** What sets this group apart from the others, e.g. "ε=2" or "CE" (from diffConfigs). */
  label: string;
  /** The config of the group's first run. */
  config: RunConfig;
  /** The runs counted. */
  runIds: string[];
  /** Distinct seeds, ascending; `values[i]` belongs to `seeds[i]` (repeats of a seed are averaged). */
  seeds: number[];
  values: number[];
  /** Number of seeds: repeats of one seed train the same thing, so they count once. */
  n: number;
  mean: number | null;
  std: number | null;
  ci: Interval | null;
  /** The t interval reached past 0 % or 100 % and was cut there: which end. */
  ciClipped?: 'low' | 'high' | 'both';
  /** Why std or ci is missing. */
  note?: string;
  /** Runs of this config that were not counted, and why. */
  skipped: SkippedRun[];
}

export interface BaselineComparison {
  key: string;
  /** null when no baseline group was found. */
  baselineKey: string | null;
  test: TTestKind | null;
  /** This group minus the baseline, in the metric's own unit (fractions for accuracies). */
  difference: number | null;
  /** The unadjusted interval of the difference at the analysis' level. */
  ci: Interval | null;
  /** Unadjusted two-sided p. */
  p: number | null;
  /**
   * Holm–Bonferroni adjusted p over every tested comparison of the analysis; `kind` and `verdict`
   * use it (better or worse when pAdjusted < 1 − level).
   */
  pAdjusted: number | null;
  /**
   * The difference's interval at the level Holm tested this comparison at (`adjustedLevel`, at least
   * the analysis' level): it excludes 0 exactly when pAdjusted < 1 − level, and contains `ci`.
   * Verdicts, tables and charts show this one.
   */
  adjustedCi: Interval | null;
  adjustedLevel: number | null;
  /** Standard deviation of the paired differences (paired tests only), for sample-size planning. */
  sdDifference: number | null;
  df: number | null;
  /** Seeds behind each side (paired: the number of pairs). */
  n: [number, number];
  kind: VerdictKind;
  verdict: string;
}

export interface Analysis {
  metric: SummaryMetric;
  metricInfo: MetricInfo;
  /** lastK only. */
  k?: number;
  level: number;
  groups: GroupSummary[];
  /** One per group that has (or should have) a baseline: Poly-1/Poly-N and focal vs CE, Poly-1 focal vs focal. */
  comparisons: BaselineComparison[];
}

export interface AnalysisOptions extends SummaryOptions {
  /** Compare every group with this group instead of each group's own CE (or focal) baseline. */
  baselineKey?: string;
  /** Confidence level of the intervals (default 0.95); tests are two-sided at 1 − level. */
  level?: number;
  /** Statuses whose runs count (default: completed only). */
  statuses?: readonly RunStatus[];
}

export function analyzeRuns(runs: readonly RunRecord[], options: AnalysisOptions): Analysis {
  const level = options.level ?? DEFAULT_LEVEL;
  const statuses = options.statuses ?? ['completed'];
  const buckets = groupByConfig(runs);
  const labels = diffConfigs(buckets.map((b) => ({ ...b.members[0].config, seed: 0 }))).legend;
  const groups = buckets.map((bucket, i) => summarizeGroup(bucket.key, labels[i], bucket.members, options, statuses, level));
  groups.sort(byLossThenKey);

  const byKey = new Map(groups.map((g) => [g.key, g]));
  if (options.baselineKey !== undefined && !byKey.has(options.baselineKey)) {
    throw new RangeError(`baseline group not found among the ${groups.length} groups: ${options.baselineKey}`);
  }
  const pairs: { group: GroupSummary; baseline: GroupSummary | undefined }[] = [];
  for (const group of groups) {
    const baseline = options.baselineKey !== undefined
      ? byKey.get(options.baselineKey)
      : naturalBaseline(group.config.loss).map((loss) => byKey.get(groupKey({ ...group.config, loss }))).find(Boolean);
    if (baseline === group) continue;
    if (baseline || (options.baselineKey === undefined && naturalBaseline(group.config.loss).length > 0)) pairs.push({ group, baseline });
  }
  const outcomes = pairs.map(({ group, baseline }) => (baseline ? compareValues(group, baseline, level) : undefined));
  const adjustments = holmFamily(outcomes, level);
  const comparisons = pairs.map(({ group, baseline }, i) => (baseline
    ? compareWith(group, baseline, outcomes[i]!, adjustments[i], SUMMARY_METRICS[options.metric])
    : noBaseline(group)));
  return {
    metric: options.metric,
    metricInfo: SUMMARY_METRICS[options.metric],
    ...(options.metric === 'lastK' ? { k: options.k ?? DEFAULT_LAST_K } : {}),
    level,
    groups,
    comparisons,
  };
}

function summarizeGroup(
  key: string, label: string, runs: readonly RunRecord[], options: SummaryOptions, statuses: readonly RunStatus[], level: number,
): GroupSummary {
  const skipped: SkippedRun[] = [];
  const bySeed = new Map<number, number[]>();
  const runIds: string[] = [];
  for (const run of runs) {
    if (!statuses.includes(run.status)) {
      skipped.push({ runId: run.id, reason: `status ${run.status}` });
      continue;
    }
    const value = summaryValue(run, options);
    if (value === undefined) {
      skipped.push({ runId: run.id, reason: `no ${SUMMARY_METRICS[options.metric].label}` });
      continue;
    }
    runIds.push(run.id);
    pushTo(bySeed, run.config.seed, value);
  }
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const values = seeds.map((seed) => mean(bySeed.get(seed) ?? []));
  const estimate = estimateMean(values, level);
  const ci = withinScale(estimate.ci, SUMMARY_METRICS[options.metric]);
  const clipped = ci && estimate.ci ? clippedEnds(estimate.ci, ci) : undefined;
  return {
    key, label, config: runs[0].config, runIds, seeds, values,
    n: estimate.n, mean: estimate.mean, std: estimate.std, ci, ...(clipped ? { ciClipped: clipped } : {}),
    ...(estimate.n < 2 ? { note: estimate.n === 0 ? 'no finished runs with this metric' : 'only 1 seed: a confidence interval needs at least 2' } : {}),
    skipped,
  };
}

/**
 * Every summary metric is a proportion, so the interval of its mean ends at 0 and 1: a t interval from
 * 2 or 3 seeds near 100% would otherwise reach past it.
 */
function withinScale(ci: Interval | null, scale: MetricScale): Interval | null {
  if (!ci || !scale.percent) return ci;
  return { low: Math.max(0, ci.low), high: Math.min(1, ci.high) };
}

function clippedEnds(raw: Interval, cut: Interval): GroupSummary['ciClipped'] {
  const low = cut.low !== raw.low;
  const high = cut.high !== raw.high;
  return low && high ? 'both' : low ? 'low' : high ? 'high' : undefined;
}

const LOSS_ORDER = ['ce', 'poly', 'focal', 'poly-focal'];

/** Baselines first, then by γ, label smoothing and ε, so a sweep reads in order. */
function byLossThenKey(a: GroupSummary, b: GroupSummary): number {
  const la = a.config.loss;
  const lb = b.config.loss;
  const ea = epsilonList(la);
  const eb = epsilonList(lb);
  const firstEpsilonDiff = ea.map((e, i) => e - (eb[i] ?? 0)).find((d) => d !== 0) ?? ea.length - eb.length;
  return LOSS_ORDER.indexOf(la.type) - LOSS_ORDER.indexOf(lb.type)
    || gammaOf(la) - gammaOf(lb)
    || (la.labelSmoothing ?? 0) - (lb.labelSmoothing ?? 0)
    || firstEpsilonDiff
    || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * The losses a group is judged against, in order of preference, with everything else unchanged:
 * CE for Poly-1/Poly-N and focal, focal with the same γ for Poly-1 focal. ε = 0 gives back the
 * baseline exactly, so a Poly group with ε = 0 stands in when the baseline itself was not run.
 */
function naturalBaseline(loss: LossSpec): LossSpec[] {
  const shared: Partial<LossSpec> = {};
  if (loss.activation !== undefined) shared.activation = loss.activation;
  if (loss.labelSmoothing !== undefined) shared.labelSmoothing = loss.labelSmoothing;
  if (loss.alpha !== undefined) shared.alpha = loss.alpha;
  switch (loss.type) {
    case 'poly': return [{ ...shared, type: 'ce' }, { ...shared, type: 'poly', epsilon: 0 }];
    case 'focal': return [{ ...shared, type: 'ce' }];
    case 'poly-focal': return [
      { ...shared, type: 'focal', gamma: gammaOf(loss) },
      { ...shared, type: 'poly-focal', gamma: gammaOf(loss), epsilon: 0 },
    ];
    case 'ce': return [];
  }
}

/** Paired by seed when the groups share at least 2 seeds (same seed: same split and initialisation), Welch otherwise. */
export function compareValues(group: Pick<GroupSummary, 'seeds' | 'values'>, baseline: Pick<GroupSummary, 'seeds' | 'values'>, level = DEFAULT_LEVEL): TTestOutcome {
  const shared = group.seeds.filter((seed) => baseline.seeds.includes(seed));
  if (shared.length < 2) return welchTTest(group.values, baseline.values, level);
  const valueAt = (g: Pick<GroupSummary, 'seeds' | 'values'>, seed: number): number => g.values[g.seeds.indexOf(seed)];
  return pairedTTest(shared.map((s) => valueAt(group, s)), shared.map((s) => valueAt(baseline, s)), level);
}

/**
 * Holm–Bonferroni over every comparison that could be tested: each one's adjusted p and its interval
 * at the level Holm tested it at. Comparisons without a test (too few seeds, no spread) are not
 * counted in the family.
 */
function holmFamily(outcomes: readonly (TTestOutcome | undefined)[], level: number): (HolmAdjustment | undefined)[] {
  const pValues = outcomes.map((o) => (o?.ok ? o.p : Number.NaN));
  const adjusted = holmAdjust(pValues);
  const levels = holmLevels(pValues, 1 - level);
  const family = pValues.filter(Number.isFinite).length;
  return outcomes.map((o, i) => (o?.ok
    ? { pAdjusted: adjusted[i], ci: intervalAt(o, 1 - levels[i]), level: 1 - levels[i], family }
    : undefined));
}

/** How verdicts name a baseline: "CE", or "ε=0 (equal to CE)" for an ε = 0 group standing in for it. */
export function baselineName(baseline: Pick<GroupSummary, 'label' | 'config'>): string {
  return isCeEquivalent(baseline.config.loss) && baseline.config.loss.type !== 'ce'
    ? `${baseline.label} (equal to ${baseline.config.loss.type === 'poly' ? 'CE' : 'focal'})`
    : baseline.label;
}

function compareWith(group: GroupSummary, baseline: GroupSummary, outcome: TTestOutcome, adjustment: HolmAdjustment | undefined, metric: MetricInfo): BaselineComparison {
  const { kind, text } = verdict(group.label, baselineName(baseline), outcome, metric, adjustment);
  const diverged = [group, baseline].reduce((count, g) => count + g.skipped.filter((s) => s.reason === 'status diverged').length, 0);
  return {
    key: group.key,
    baselineKey: baseline.key,
    test: outcome.test,
    difference: outcome.difference,
    ci: outcome.ok ? outcome.ci : null,
    p: outcome.ok ? outcome.p : null,
    pAdjusted: adjustment?.pAdjusted ?? null,
    adjustedCi: adjustment?.ci ?? null,
    adjustedLevel: adjustment?.level ?? null,
    sdDifference: outcome.ok && outcome.test === 'paired' ? outcome.se * Math.sqrt(outcome.n[0]) : null,
    df: outcome.ok ? outcome.df : null,
    n: outcome.n,
    kind,
    // Leaving out diverged runs flatters the settings that diverge: say so.
    verdict: diverged > 0 ? `${text} (${diverged} diverged run${diverged === 1 ? '' : 's'} not counted)` : text,
  };
}

function isCeEquivalent(loss: LossSpec): boolean {
  return epsilonList(loss).every((e) => e === 0);
}

function noBaseline(group: GroupSummary): BaselineComparison {
  const wanted = describeLoss(naturalBaseline(group.config.loss)[0]);
  return {
    key: group.key, baselineKey: null, test: null, difference: null, ci: null, p: null, pAdjusted: null, adjustedCi: null, adjustedLevel: null,
    sdDifference: null, df: null, n: [group.n, 0],
    kind: 'insufficient',
    verdict: `${group.label}: no ${wanted} runs with the same settings to compare with`,
  };
}

// ── Curves across seeds ─────────────────────────────────────────────────────────────────────────

export interface Series {
  x: readonly number[];
  y: readonly number[];
}

export interface BandPoint {
  x: number;
  /** Runs with a finite value at this x. */
  n: number;
  mean: number;
  /** null when n < 2. */
  std: number | null;
}

/**
 * Mean ± std of several runs' curves at each x (step or epoch). `align: 'common'` (default) keeps
 * only the x's every series has, so the band never silently thins out where short runs end;
 * 'any' keeps every x and reports how many runs stand behind each point. Non-finite values
 * (a diverged loss) are left out of the point they belong to.
 */
export function meanBand(series: readonly Series[], align: 'common' | 'any' = 'common'): BandPoint[] {
  const byX = new Map<number, number[]>();
  const present = new Map<number, number>();
  for (const { x, y } of series) {
    if (x.length !== y.length) throw new RangeError(`a series needs as many x as y values (got ${x.length} and ${y.length})`);
    const seen = new Set<number>();
    x.forEach((xi, i) => {
      if (seen.has(xi)) return; // a repeated x (a resumed log) counts once, first value wins
      seen.add(xi);
      present.set(xi, (present.get(xi) ?? 0) + 1);
      if (Number.isFinite(y[i])) pushTo(byX, xi, y[i]);
    });
  }
  const xs = [...present.keys()].filter((x) => align === 'any' || present.get(x) === series.length).sort((a, b) => a - b);
  return xs.flatMap((x) => {
    const values = byX.get(x) ?? [];
    if (values.length === 0) return [];
    return [{ x, n: values.length, mean: mean(values), std: values.length > 1 ? sampleStd(values) : null }];
  });
}
