import type { WorkerEvent } from '../core/protocol';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import type { Disposer } from '../core/emitter';

export type QueueState = 'queued' | 'running' | 'ended';

export interface QueueChange {
  runId: string;
  state: QueueState;
  /** The final record, when `state` is 'ended'. */
  record?: RunRecord;
}

/**
 * A place where runs train: this machine (RunQueue: workers forked here, a few at a time) or a Slurm
 * cluster (SlurmExecutor: one job array). Both create the same queued run folders first and report
 * the same live events, so progress displays and views do not care where a run trains.
 */
export interface Executor {
  readonly kind: 'local' | 'slurm';
  /** Creates the runs' folders (queued) and hands them over; resolves to their ids, in order. */
  submit(configs: readonly RunConfig[]): Promise<string[]>;
  /** Live events of the runs: started, steps, epochs, the end. */
  onEvent(listener: (event: WorkerEvent) => void): Disposer;
  /** A run was queued, started, or ended. */
  onChange(listener: (change: QueueChange) => void): Disposer;
  runningIds(): string[];
  /** Stops one run (a queued one never starts). False if it is unknown or ended. */
  stop(runId: string): boolean;
  stopAll(): void;
  /** Resolves once none of its runs is queued or running (or it stopped following them). */
  whenIdle(): Promise<void>;
  /** The final record of one of its runs. */
  done(runId: string): Promise<RunRecord>;
}
