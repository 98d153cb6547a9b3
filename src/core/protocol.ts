import type { RunConfig } from './runConfig';
import type { EpochMetric, RunEnvironment, RunRecord, RunStatus, RunSummary, StepMetric } from './runFormat';

/** Host/CLI → worker (child_process IPC). */
export type WorkerCommand =
  /** `threads`: how many threads the run's heavy kernels may use (default 1; see RunQueue). */
  | { type: 'start'; runDir: string; runId: string; config: RunConfig; threads?: number }
  /**
   * Stop after the current step. With `interruptedBecause` the launcher is going away (its window
   * closes or reloads): the run ends `interrupted` with that reason instead of `cancelled`. With
   * `runId`, only that run stops: a reused worker may already train the next one when it arrives.
   */
  | { type: 'stop'; runId?: string; interruptedBecause?: string };

/** Worker → host/CLI. Steps are batched so IPC stays cheap at hundreds of steps per second. */
export type WorkerEvent =
  | { type: 'started'; runId: string; environment: RunEnvironment; totalSteps: number; record: RunRecord }
  | { type: 'steps'; runId: string; steps: StepMetric[] }
  | { type: 'epoch'; runId: string; epoch: EpochMetric }
  | { type: 'finished'; runId: string; status: Extract<RunStatus, 'completed' | 'cancelled' | 'diverged' | 'interrupted'>; summary: RunSummary }
  | { type: 'failed'; runId: string; error: string };

export function isWorkerEvent(x: unknown): x is WorkerEvent {
  if (typeof x !== 'object' || x === null) return false;
  const t = (x as { type?: unknown }).type;
  return (t === 'started' || t === 'steps' || t === 'epoch' || t === 'finished' || t === 'failed')
    && typeof (x as { runId?: unknown }).runId === 'string';
}

export function isWorkerCommand(x: unknown): x is WorkerCommand {
  if (typeof x !== 'object' || x === null) return false;
  const t = (x as { type?: unknown }).type;
  if (t === 'stop') {
    const { runId, interruptedBecause } = x as { runId?: unknown; interruptedBecause?: unknown };
    return ['undefined', 'string'].includes(typeof runId) && ['undefined', 'string'].includes(typeof interruptedBecause);
  }
  return t === 'start' && typeof (x as { runDir?: unknown }).runDir === 'string';
}

/** Configs whose datasets are checked together; `confineTo` is set for configs of an experiment file. */
export interface PreflightBatch {
  configs: RunConfig[];
  /** Their dataset files must lie inside this folder (see store/datasetPaths). */
  confineTo?: string;
}

/**
 * Host → a worker started with `--preflight`: load the datasets of these configs as training will
 * (training/preflight), before any run folder exists. The worker answers once and exits.
 */
export interface PreflightCommand {
  type: 'preflight';
  batches: PreflightBatch[];
}

/** Worker → host: the datasets can be used, or the first that cannot (`field` is the config field to fix). */
export type PreflightReply = { type: 'preflight-ok' } | { type: 'preflight-failed'; field: string; message: string };

export function isPreflightCommand(x: unknown): x is PreflightCommand {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'preflight' && Array.isArray((x as { batches?: unknown }).batches);
}

export function isPreflightReply(x: unknown): x is PreflightReply {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as { type?: unknown; field?: unknown; message?: unknown };
  return o.type === 'preflight-ok' || (o.type === 'preflight-failed' && typeof o.field === 'string' && typeof o.message === 'string');
}
