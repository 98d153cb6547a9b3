import { SUMMARY_METRICS, type SummaryOptions } from '../core/grouping';
import type { RunConfig } from '../core/runConfig';
import type { EpochMetric, RunRecord } from '../core/runFormat';
import { planTune, tuneAnswer, tuneObservations, tuneRunConfig, tuneSweepSpec, type SavedTune, type TuneSettings, type TuneState } from '../core/tune';
import { saveSweep, type SavedSweep } from '../store/sweepFiles';

/**
 * Runs a tune round by round: asks the planner what comes next given the sweep's finished runs,
 * trains those runs (through the caller's queue: the CLI's or VS Code's), records the rounds in the
 * sweep file, and repeats until the planner stops, the user stops the runs, or runs fail. The CLI's
 * `polyloss tune` and VS Code's Find Best ε share it, so both resume each other's tunes.
 */

export interface TuneDriver {
  runsDir: string;
  sweepId: string;
  createdAt: string;
  /** The base config; its loss becomes CE or Poly-1. */
  base: RunConfig;
  settings: TuneSettings;
  /** The runs folder's runs now. */
  listRuns(): RunRecord[];
  /** lastK: a run's epoch lines. */
  epochsOf?(run: RunRecord): readonly EpochMetric[] | undefined;
  /** Trains one round's runs and resolves with their final records. */
  train(configs: RunConfig[], round: number): Promise<RunRecord[]>;
  /** After every look and before every round. */
  onState?(state: TuneState): void;
}

export interface TuneOutcome {
  state: TuneState;
  /** Runs of the last round that were cancelled (the user stopped the tune). */
  stopped: boolean;
  /** Runs of the last round that failed or were interrupted: the tune waits for a resume. */
  failed: RunRecord[];
}

/** The sweep file of a tune in `state`. */
export function savedTuneSweep(d: Pick<TuneDriver, 'sweepId' | 'createdAt' | 'base' | 'settings'>, state: TuneState): SavedSweep {
  const tune: SavedTune = { ...d.settings, rounds: state.rounds, runs: state.runs };
  if (state.next.kind === 'stop') {
    tune.stoppedBecause = state.next.reason;
    tune.best = state.next.best;
    tune.answer = tuneAnswer({ reason: state.next.reason, best: state.next.best, runs: state.runs, budget: d.settings.options.budget, minEffect: d.settings.options.minEffect },
      SUMMARY_METRICS[d.settings.metric]);
  }
  return { schemaVersion: 1, sweepId: d.sweepId, createdAt: d.createdAt, spec: tuneSweepSpec(state), base: d.base, tune };
}

/** Where the tune stands now, from the runs on disk. */
export function tuneState(d: Pick<TuneDriver, 'sweepId' | 'settings' | 'listRuns' | 'epochsOf'>): TuneState {
  const metric: SummaryOptions = { metric: d.settings.metric, k: d.settings.k, epochsOf: d.epochsOf };
  return planTune(d.settings.options, tuneObservations(d.listRuns(), d.sweepId, metric));
}

export async function driveTune(d: TuneDriver): Promise<TuneOutcome> {
  for (;;) {
    const state = tuneState(d);
    saveSweep(d.runsDir, savedTuneSweep(d, state));
    d.onState?.(state);
    if (state.next.kind === 'stop') return { state, stopped: false, failed: [] };
    const configs = state.next.runs.map((run) => tuneRunConfig(d.base, run, d.sweepId));
    const records = await d.train(configs, state.next.round);
    const failed = records.filter((r) => r.status === 'failed' || r.status === 'interrupted');
    const stopped = records.length < configs.length || records.some((r) => r.status === 'cancelled');
    if (stopped || failed.length > 0) return { state: tuneState(d), stopped, failed };
  }
}
