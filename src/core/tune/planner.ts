import { holmAdjust } from '../stats/holm';
import type { Interval } from '../stats/summary';
import { pairedTTest } from '../stats/tTests';
import { FINEST_SPACING, checkEpsilonRange, coarseGrid, refinementPoints, type EpsilonRange } from './grid';

/**
 * The adaptive search for the best ε: successive elimination on paired seeds.
 *
 * Every round runs each remaining ε and CE on the same seeds. After a round ("a look"):
 * - each remaining ε is compared with CE by a paired t-test; the p values are Holm-adjusted over
 *   every ε tried so far, then multiplied by 1/w_k, the look's share of α (Bonferroni over the
 *   planned looks, w_k ∝ k: later looks, with more seeds, get more). An ε whose adjusted p is
 *   below α and that is better than CE wins, and the search stops: P(a false winner) ≤ α overall;
 * - an ε whose 95% interval of the difference to CE ends below the minimum effect cannot beat CE
 *   by that much and is dropped; so is one that is worse than the current best ε (paired test,
 *   Holm-adjusted over that look's comparisons at α) — dropping costs power, never the error rate;
 * - when no ε is left, no ε can beat CE by the minimum effect: stop;
 * - else the next round adds seeds to the remaining ε and CE and tries the untried points halfway
 *   to the best ε's neighbours, as far as the budget allows.
 *
 * The planner is pure: given the results so far it replays the rounds from the start, so a
 * stopped search resumes from its run folders alone, and the rounds it returns are its record.
 */

export interface TuneOptions {
  range: EpsilonRange;
  /** The most runs, CE's included. */
  budget: number;
  /** The smallest gain over CE worth finding, in the metric's unit (oriented: positive is better). */
  minEffect: number;
  /** Family-wise error rate of claiming a winner, over all ε and all looks. */
  alpha: number;
  /** Seeds of every setting in the first round (at least 2, for a paired test). */
  initialSeeds: number;
  /** Seeds added to the remaining settings per later round, at least (more when the budget allows). */
  seedsPerRound: number;
  /** The planned looks: α is spent over this many. */
  maxRounds: number;
  higherIsBetter: boolean;
  allowBelowMinusOne: boolean;
}

export const DEFAULT_TUNE_OPTIONS: TuneOptions = {
  range: { min: -1, max: 4 },
  budget: 40,
  minEffect: 0.005,
  alpha: 0.05,
  initialSeeds: 3,
  seedsPerRound: 3,
  maxRounds: 3,
  higherIsBetter: true,
  allowBelowMinusOne: false,
};

/** ε of a Poly-1 setting; null is CE. */
export type Setting = number | null;

export interface PlannedRun {
  epsilon: Setting;
  seed: number;
}

/** A finished run's metric; null when it finished without one (e.g. diverged). */
export interface TuneObservation extends PlannedRun {
  value: number | null;
}

/** One ε against CE, oriented so that a positive difference is better than CE. */
export interface CeComparison {
  epsilon: number;
  /** Seeds with a value on both sides. */
  n: number;
  difference: number | null;
  ci: Interval | null;
  p: number | null;
  /** Holm over the ε tried, and Bonferroni over the looks (see above); compare with α. */
  pAdjusted: number | null;
}

export type DropReason = 'worse-than-best' | 'cannot-beat-ce' | 'no-results';

export interface DroppedSetting {
  epsilon: number;
  reason: DropReason;
  /**
   * worse-than-best: the best ε it lost to, the difference to it (oriented), its interval and Holm p;
   * cannot-beat-ce: the interval of its difference to CE (oriented), whose upper end fell short.
   */
  against?: number;
  difference?: number;
  ci?: Interval;
  pAdjusted?: number;
}

export interface TuneLook {
  comparisons: CeComparison[];
  /** The remaining ε with the largest difference to CE. */
  best: number | null;
  dropped: DroppedSetting[];
  /** The share of α this look may spend. */
  alpha: number;
}

export interface TuneRound {
  round: number;
  /** The runs this round adds. */
  runs: PlannedRun[];
  /** ε tried for the first time in this round. */
  added: number[];
  /** Every seed of the remaining settings once this round has run. */
  seeds: number[];
  /** What was decided once every run of the round had finished. */
  look?: TuneLook;
}

export type StopReason = 'significant' | 'no-effect' | 'budget';

export interface TuneBest extends CeComparison {
  significant: boolean;
}

export type TuneNext =
  | { kind: 'run'; round: number; runs: PlannedRun[] }
  | { kind: 'stop'; reason: StopReason; best: TuneBest | null };

export interface TuneState {
  rounds: TuneRound[];
  /** Runs planned so far (finished or not). */
  runs: number;
  next: TuneNext;
}

/** Options that cannot make a search; the message names the option and its allowed values. */
export class TuneError extends Error {
  constructor(readonly field: keyof TuneOptions, message: string) {
    super(message);
    this.name = 'TuneError';
  }
}

/** How many runs the first round takes: every coarse ε and CE, on the initial seeds. */
export function firstRoundSize(options: Pick<TuneOptions, 'range' | 'initialSeeds'>): number {
  return (coarseGrid(options.range).points.length + 1) * options.initialSeeds;
}

export function checkTuneOptions(options: TuneOptions): void {
  const rangeProblem = checkEpsilonRange(options.range, options.allowBelowMinusOne);
  if (rangeProblem) throw new TuneError('range', rangeProblem);
  if (!(Number.isInteger(options.initialSeeds) && options.initialSeeds >= 2)) {
    throw new TuneError('initialSeeds', `seeds must be a whole number ≥ 2: a paired comparison with CE needs at least 2 seeds (got ${options.initialSeeds})`);
  }
  if (!(Number.isInteger(options.seedsPerRound) && options.seedsPerRound >= 1)) {
    throw new TuneError('seedsPerRound', `seeds per round must be a whole number ≥ 1 (got ${options.seedsPerRound})`);
  }
  if (!(Number.isInteger(options.maxRounds) && options.maxRounds >= 1)) throw new TuneError('maxRounds', `rounds must be a whole number ≥ 1 (got ${options.maxRounds})`);
  if (!(options.alpha > 0 && options.alpha < 1)) throw new TuneError('alpha', `α must be in (0, 1) (got ${options.alpha})`);
  if (!(options.minEffect >= 0 && Number.isFinite(options.minEffect))) throw new TuneError('minEffect', `the minimum effect must be a number ≥ 0 (got ${options.minEffect})`);
  const first = firstRoundSize(options);
  if (!(Number.isInteger(options.budget) && options.budget >= first)) {
    const grid = coarseGrid(options.range).points;
    throw new TuneError('budget', `a budget of ${options.budget} runs is too small for the first round, which takes ${first} runs `
      + `(${grid.length} ε: ${grid.join(', ')}, and CE, × ${options.initialSeeds} seeds): give a budget of at least ${first}, `
      + 'a narrower ε range or fewer seeds');
  }
}

/** The share of α spent at look k of K: w_k = k / (1 + … + K), so the shares add up to 1. */
export function lookAlpha(alpha: number, look: number, maxRounds: number): number {
  return (alpha * look) / ((maxRounds * (maxRounds + 1)) / 2);
}

function key(epsilon: Setting, seed: number): string {
  return `${epsilon ?? 'ce'}@${seed}`;
}

class Results {
  private readonly values = new Map<string, number | null>();

  constructor(observations: readonly TuneObservation[], private readonly sign: number) {
    for (const o of observations) this.values.set(key(o.epsilon, o.seed), o.value !== null && Number.isFinite(o.value) ? o.value : null);
  }

  has(run: PlannedRun): boolean {
    return this.values.has(key(run.epsilon, run.seed));
  }

  /** Oriented values (higher is better) of `a` and `b` on the seeds where both have one. */
  pairs(a: Setting, b: Setting, seeds: readonly number[]): { a: number[]; b: number[] } {
    const out = { a: [] as number[], b: [] as number[] };
    for (const seed of seeds) {
      const va = this.values.get(key(a, seed));
      const vb = this.values.get(key(b, seed));
      if (va === null || va === undefined || vb === null || vb === undefined) continue;
      out.a.push(this.sign * va);
      out.b.push(this.sign * vb);
    }
    return out;
  }

  /** How many of the seeds gave `epsilon` a value. */
  valued(epsilon: Setting, seeds: readonly number[]): number {
    return seeds.filter((seed) => typeof this.values.get(key(epsilon, seed)) === 'number').length;
  }
}

function compareWithCe(results: Results, epsilon: number, seeds: readonly number[]): CeComparison {
  const { a, b } = results.pairs(epsilon, null, seeds);
  const test = pairedTTest(a, b);
  // One-sided: the claim is "better than CE", so only that direction spends α.
  const p = test.ok ? (test.difference > 0 ? test.p / 2 : 1 - test.p / 2) : null;
  return { epsilon, n: a.length, difference: test.difference, ci: test.ok ? test.ci : null, p, pAdjusted: null };
}

function byDifference(a: CeComparison, b: CeComparison): number {
  return (b.difference ?? -Infinity) - (a.difference ?? -Infinity);
}

/** The look after a round: comparisons with CE, the best ε, and what is dropped. */
function look(results: Results, active: readonly number[], tried: readonly number[], seeds: readonly number[], round: number, options: TuneOptions): TuneLook {
  const alpha = lookAlpha(options.alpha, round, options.maxRounds);
  const comparisons = active.map((epsilon) => compareWithCe(results, epsilon, seeds));
  // Holm over every ε tried: a dropped one counts as a comparison made, with p = 1.
  const pValues = tried.map((epsilon) => comparisons.find((c) => c.epsilon === epsilon)?.p ?? 1);
  const holm = holmAdjust(pValues);
  for (const c of comparisons) {
    if (c.p !== null) c.pAdjusted = Math.min(1, (holm[tried.indexOf(c.epsilon)] * options.alpha) / alpha);
  }
  const ranked = [...comparisons].sort(byDifference);
  const best = ranked[0]?.difference !== null && ranked[0] ? ranked[0].epsilon : null;

  const dropped: DroppedSetting[] = [];
  for (const c of comparisons) {
    if (results.valued(c.epsilon, seeds) * 2 < seeds.length) dropped.push({ epsilon: c.epsilon, reason: 'no-results' });
    else if (c.ci && c.ci.high < options.minEffect) dropped.push({ epsilon: c.epsilon, reason: 'cannot-beat-ce', ci: c.ci });
  }
  if (best !== null && !dropped.some((d) => d.epsilon === best)) dropped.push(...worseThanBest(results, best, active.filter((e) => e !== best && !dropped.some((d) => d.epsilon === e)), seeds, options.alpha));
  return { comparisons, best, dropped, alpha };
}

/** The ε that a paired test finds worse than `best`, Holm-adjusted over these comparisons. */
function worseThanBest(results: Results, best: number, others: readonly number[], seeds: readonly number[], alpha: number): DroppedSetting[] {
  const tests = others.map((epsilon) => {
    const { a, b } = results.pairs(epsilon, best, seeds);
    return { epsilon, test: pairedTTest(a, b) };
  });
  const holm = holmAdjust(tests.map(({ test }) => (test.ok ? test.p : Number.NaN)));
  const out: DroppedSetting[] = [];
  tests.forEach(({ epsilon, test }, i) => {
    if (!test.ok || !(holm[i] < alpha) || test.difference >= 0) return;
    out.push({ epsilon, reason: 'worse-than-best', against: best, difference: test.difference, ci: test.ci, pAdjusted: holm[i] });
  });
  return out;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function runsOf(settings: readonly Setting[], seeds: readonly number[]): PlannedRun[] {
  return seeds.flatMap((seed) => settings.map((epsilon) => ({ epsilon, seed })));
}

function bestOf(lastLook: TuneLook | undefined, alpha: number): TuneBest | null {
  if (!lastLook) return null;
  const ranked = [...lastLook.comparisons].filter((c) => c.difference !== null).sort(byDifference);
  const significant = ranked.filter((c) => c.pAdjusted !== null && c.pAdjusted < alpha && (c.difference ?? 0) > 0);
  const best = significant[0] ?? ranked[0];
  return best ? { ...best, significant: significant.length > 0 } : null;
}

/**
 * Where the search stands given the finished runs: the rounds so far (each with its look once its
 * runs are all in) and what comes next, the runs still missing from the current round or the stop.
 */
export function planTune(options: TuneOptions, observations: readonly TuneObservation[]): TuneState {
  checkTuneOptions(options);
  const results = new Results(observations, options.higherIsBetter ? 1 : -1);
  const coarse = coarseGrid(options.range);
  const tried = [...coarse.points];
  let active = [...coarse.points];
  let seeds = range(1, options.initialSeeds);
  let spacing = coarse.spacing / 2;
  let runs = runsOf([null, ...active], seeds);
  let added = [...active];
  const rounds: TuneRound[] = [];
  let used = 0;

  for (let round = 1; ; round++) {
    const current: TuneRound = { round, runs, added, seeds };
    rounds.push(current);
    used += runs.length;
    const missing = runs.filter((run) => !results.has(run));
    if (missing.length > 0) return { rounds, runs: used, next: { kind: 'run', round, runs: missing } };

    const decided = look(results, active, tried, seeds, round, options);
    current.look = decided;
    const stop = (reason: StopReason): TuneState => ({ rounds, runs: used, next: { kind: 'stop', reason, best: bestOf(decided, options.alpha) } });
    if (bestOf(decided, options.alpha)?.significant) return stop('significant');
    active = active.filter((e) => !decided.dropped.some((d) => d.epsilon === e));
    if (active.length === 0) return stop('no-effect');
    if (round >= options.maxRounds) return stop('budget');

    // The next round: more seeds for the remaining ε and CE, and new ε around the best.
    const remaining = options.budget - used;
    // At least seedsPerRound, more when the budget left would otherwise go unused in the planned looks.
    const share = Math.floor(remaining / (options.maxRounds - round) / (active.length + 1));
    let more = Math.min(Math.max(options.seedsPerRound, share), Math.floor(remaining / (active.length + 1)));
    if (more < 1) return stop('budget');
    const best = decided.best !== null && active.includes(decided.best) ? decided.best : active[0];
    let refine = spacing >= FINEST_SPACING ? refinementPoints(best, spacing, options.range, new Set(tried)) : [];
    const cost = (extra: number, refined: number): number => (active.length + 1) * extra + refined * (seeds.length + extra);
    while (refine.length > 0 && cost(more, refine.length) > remaining) refine = refine.slice(0, -1);
    if (refine.length === 0) more = Math.min(more, Math.floor(remaining / (active.length + 1)));
    const newSeeds = range(seeds.length + 1, more);
    runs = [...runsOf([null, ...active], newSeeds), ...runsOf(refine, [...seeds, ...newSeeds])];
    added = refine;
    if (refine.length > 0) spacing /= 2;
    tried.push(...refine);
    active = [...active, ...refine];
    seeds = [...seeds, ...newSeeds];
  }
}
