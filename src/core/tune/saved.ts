import { SUMMARY_METRICS, type SummaryMetric } from '../grouping';
import type { SweepSpec } from '../sweep';
import type { EpsilonRange } from './grid';
import { DEFAULT_TUNE_OPTIONS, TuneError, checkTuneOptions, type StopReason, type TuneBest, type TuneOptions, type TuneRound, type TuneState } from './planner';

/**
 * What a tune keeps in its sweep file (next to the sweep's spec and base): its options, so that
 * `--resume` continues the same search, and its rounds with what each look decided, for the
 * dashboard and for the record. The rounds are replayed from the runs on resume, never trusted.
 */
export interface SavedTune {
  options: TuneOptions;
  metric: SummaryMetric;
  /** lastK only. */
  k?: number;
  rounds: TuneRound[];
  /** How many runs the rounds planned so far. */
  runs: number;
  /** Set once the search has stopped. */
  stoppedBecause?: StopReason;
  best?: TuneBest | null;
  /** The answer in one sentence, once stopped. */
  answer?: string;
}

/** What a tune is asked for: its options and the metric it compares on. */
export type TuneSettings = Pick<SavedTune, 'options' | 'metric' | 'k'>;

export const DEFAULT_MIN_EFFECT_POINTS = 0.5;

/** A tune as a user asks for it (the minimum effect in points for accuracies), unchecked. */
export interface TuneRequest {
  range: EpsilonRange;
  metric: SummaryMetric;
  k?: number;
  budget?: number;
  minEffect?: number;
  seeds?: number;
  alpha?: number;
  allowBelowMinusOne?: boolean;
}

/**
 * The settings of a request, the minimum effect turned into the metric's unit (a TuneError names it, as
 * given, when it is out of range); check the rest with checkTuneOptions.
 */
export function tuneSettingsOf(request: TuneRequest): TuneSettings {
  const info = SUMMARY_METRICS[request.metric];
  const minEffect = request.minEffect ?? DEFAULT_MIN_EFFECT_POINTS;
  // Checked as given: past this point it is a fraction for accuracies, which a message would show.
  if (!(minEffect >= 0 && minEffect <= (info.percent ? 100 : Infinity))) {
    throw new TuneError('minEffect', `the minimum effect must be ${info.percent ? 'a number of points in [0, 100]' : 'a number ≥ 0'} for ${info.label} (got ${minEffect})`);
  }
  const options = {
    ...DEFAULT_TUNE_OPTIONS,
    range: request.range,
    budget: request.budget ?? DEFAULT_TUNE_OPTIONS.budget,
    minEffect: info.percent ? minEffect / 100 : minEffect,
    alpha: request.alpha ?? DEFAULT_TUNE_OPTIONS.alpha,
    initialSeeds: request.seeds ?? DEFAULT_TUNE_OPTIONS.initialSeeds,
    higherIsBetter: info.higherIsBetter,
    allowBelowMinusOne: request.allowBelowMinusOne === true,
  };
  return { options, metric: request.metric, ...(request.k !== undefined ? { k: request.k } : {}) };
}

/** The sweep spec a tune's file carries: every ε tried and every seed, so that sweep readers see its extent. */
export function tuneSweepSpec(state: Pick<TuneState, 'rounds'>): SweepSpec {
  const epsilon = [...new Set(state.rounds.flatMap((r) => r.added))].sort((a, b) => a - b);
  const seeds = state.rounds[state.rounds.length - 1]?.seeds ?? [1, 2];
  return { epsilon, seeds: [...seeds], baseline: true };
}

/** A saved tune read from a file, or the reason it cannot be used. */
export function checkSavedTune(value: unknown): { ok: true; value: SavedTune } | { ok: false; message: string } {
  const tune = value as Partial<SavedTune> | null;
  if (typeof tune !== 'object' || tune === null || typeof tune.options !== 'object' || tune.options === null) {
    return { ok: false, message: 'its "tune" has no options' };
  }
  if (typeof tune.metric !== 'string' || !(tune.metric in SUMMARY_METRICS)) {
    return { ok: false, message: `its "tune.metric" must be one of ${Object.keys(SUMMARY_METRICS).join(', ')}` };
  }
  try {
    checkTuneOptions(tune.options);
  } catch (e) {
    if (e instanceof TuneError) return { ok: false, message: `its "tune.options.${e.field}" is not usable: ${e.message}` };
    throw e;
  }
  return { ok: true, value: { ...tune, rounds: Array.isArray(tune.rounds) ? tune.rounds : [], runs: typeof tune.runs === 'number' ? tune.runs : 0 } as SavedTune };
}
