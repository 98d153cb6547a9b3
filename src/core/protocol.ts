import { arrayOf, bool, custom, guardOf, isObj, num, object, oneOf, optional, str, type MessageOf, type Proven } from './messages';
import type { RunConfig } from './runConfig';
import type { EpochMetric, RunEnvironment, RunRecord, RunSummary, StepMetric } from './runFormat';

/**
 * The messages between the launcher (host or CLI) and a training worker over child_process IPC,
 * each declared once (see messages.ts). Objects the worker builds or reads itself (configs are
 * validated before a run starts, records come from the store) are checked as objects here.
 */

/** An object whose fields are checked where it is made or used. */
function anObject<T>(name: string) {
  return custom(name, (x): x is T => isObj(x));
}

const runConfig = anObject<RunConfig>('a run config');

/** Host/CLI → worker. */
export const workerCommands = {
  /** `threads`: how many threads the run's heavy kernels may use (default 1; see RunQueue). */
  start: { runDir: str, runId: str, config: runConfig, threads: optional(num) },
  /**
   * Stop after the current step. With `interruptedBecause` the launcher is going away (its window
   * closes or reloads): the run ends `interrupted` with that reason instead of `cancelled`. With
   * `runId`, only that run stops: a reused worker may already train the next one when it arrives.
   */
  stop: { runId: optional(str), interruptedBecause: optional(str) },
  /**
   * To a waiting worker, before its runs exist: load the training code, the backend and the dataset of
   * this config now, so that a run sent next starts at once (it waits until this is done).
   */
  'warm-up': { config: runConfig },
};
export type WorkerCommand = MessageOf<typeof workerCommands>;
export const isWorkerCommand = guardOf(workerCommands);

/** Worker → host/CLI. Steps are batched so IPC stays cheap at hundreds of steps per second. */
export const workerEvents = {
  started: {
    runId: str, environment: anObject<RunEnvironment>('a run environment'), totalSteps: num, record: anObject<RunRecord>('a run record'),
  },
  steps: { runId: str, steps: arrayOf(anObject<StepMetric>('a step line')) },
  epoch: { runId: str, epoch: anObject<EpochMetric>('an epoch line') },
  finished: {
    runId: str, status: oneOf('completed', 'cancelled', 'diverged', 'interrupted'), summary: anObject<RunSummary>('a run summary'),
    /** Set by a reused worker that waits for another run; without it the worker exits after this event. */
    staying: optional(bool),
  },
  failed: { runId: str, error: str },
};
export type WorkerEvent = MessageOf<typeof workerEvents>;
export const isWorkerEvent = guardOf(workerEvents);

/** Configs whose datasets are checked together; `confineTo` is set for configs of an experiment file. */
const preflightBatch = object({
  configs: arrayOf(runConfig),
  /** Their dataset files must lie inside this folder (see store/datasetPaths). */
  confineTo: optional(str),
});
export type PreflightBatch = Proven<typeof preflightBatch>;

/**
 * Host → a waiting training worker: load the datasets of these configs as training will
 * (training/preflight), before any run folder exists. The worker answers once, then waits for a run
 * (a pooled worker) or exits.
 */
export const preflightCommands = {
  preflight: { batches: arrayOf(preflightBatch) },
};
export type PreflightCommand = MessageOf<typeof preflightCommands>;
export const isPreflightCommand = guardOf(preflightCommands);

/** Worker → host: the datasets can be used, or the first that cannot (`field` is the config field to fix). */
export const preflightReplies = {
  'preflight-ok': {},
  'preflight-failed': { field: str, message: str },
};
export type PreflightReply = MessageOf<typeof preflightReplies>;
export const isPreflightReply = guardOf(preflightReplies);
