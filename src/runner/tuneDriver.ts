import { SUMMARY_METRICS, type SummaryOptions } from '../core/grouping';
import type { RunConfig } from '../core/runConfig';
import type { EpochMetric, RunRecord } from '../core/runFormat';
import { planTune, tuneAnswer, tuneObservations, tuneRunConfig, tuneSweepSpec, type SavedTune, type TuneSettings, type TuneState } from '../core/tune';
import { loadSweep, saveSweep, SweepFileError, type SavedSweep } from '../store/sweepFiles';

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

/** A tune to drive: new, or resumed from its sweep file (the CLI and VS Code build it alike). */
export interface TuneWork {
  sweepId: string;
  createdAt: string;
  base: RunConfig;
  settings: TuneSettings;
  resumed: boolean;
  /** A resumed tune's Slurm arrays so far: it goes on on Slurm unless told otherwise. */
  slurm?: SavedSweep['slurm'];
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

/** Runs of the tune still queued or running (on Slurm, or in another process): a resume must wait for them. */
export class TuneBusyError extends Error {
  constructor(readonly sweepId: string, readonly live: number) {
    super(`${live === 1 ? '1 run' : `${live} runs`} of tune ${sweepId} ${live === 1 ? 'is' : 'are'} still queued or running (on Slurm, or in another `
      + `window or process): wait for them to end, or stop them (polyloss sweep --stop ${sweepId} on Slurm), then resume`);
    this.name = 'TuneBusyError';
  }
}

/** The sweep file of `state`, keeping what others recorded in it (the Slurm submissions). */
function withRecorded(d: Pick<TuneDriver, 'runsDir' | 'sweepId'>, next: SavedSweep): SavedSweep {
  try {
    const previous = loadSweep(d.runsDir, d.sweepId);
    return previous.slurm ? { ...next, slurm: previous.slurm } : next;
  } catch (e) {
    if (e instanceof SweepFileError) return next;
    throw e;
  }
}

export async function driveTune(d: TuneDriver): Promise<TuneOutcome> {
  const live = d.listRuns().filter((r) => r.config.sweepId === d.sweepId && (r.status === 'queued' || r.status === 'running')).length;
  if (live > 0) throw new TuneBusyError(d.sweepId, live);
  for (;;) {
    const state = tuneState(d);
    saveSweep(d.runsDir, withRecorded(d, savedTuneSweep(d, state)));
    d.onState?.(state);
    if (state.next.kind === 'stop') return { state, stopped: false, failed: [] };
    const configs = state.next.runs.map((run) => tuneRunConfig(d.base, run, d.sweepId));
    const records = await d.train(configs, state.next.round);
    const failed = records.filter((r) => r.status === 'failed' || r.status === 'interrupted');
    // Cancelled, or still going where the caller stopped following them (a Slurm array after Ctrl-C).
    const stopped = records.length < configs.length || records.some((r) => r.status === 'cancelled' || r.status === 'queued' || r.status === 'running');
    if (stopped || failed.length > 0) return { state: tuneState(d), stopped, failed };
  }
}
