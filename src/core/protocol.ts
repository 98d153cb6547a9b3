import type { RunConfig } from './runConfig';
import type { EpochMetric, RunEnvironment, RunRecord, RunStatus, RunSummary, StepMetric } from './runFormat';

/** Host/CLI → worker (child_process IPC). */
export type WorkerCommand =
  | { type: 'start'; runDir: string; runId: string; config: RunConfig }
  | { type: 'stop' };

/** Worker → host/CLI. Steps are batched so IPC stays cheap at hundreds of steps per second. */
export type WorkerEvent =
  | { type: 'started'; runId: string; environment: RunEnvironment; totalSteps: number; record: RunRecord }
  | { type: 'steps'; runId: string; steps: StepMetric[] }
  | { type: 'epoch'; runId: string; epoch: EpochMetric }
  | { type: 'finished'; runId: string; status: Extract<RunStatus, 'completed' | 'cancelled' | 'diverged'>; summary: RunSummary }
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
  return t === 'stop' || (t === 'start' && typeof (x as { runDir?: unknown }).runDir === 'string');
}
