import type { RunConfig } from './runConfig';

/** Bumped when run.json changes incompatibly; readers refuse newer versions with a clear reason. */
export const RUN_SCHEMA_VERSION = 1;

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'diverged' | 'interrupted';
export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'diverged', 'interrupted'];

export interface RunEnvironment {
  backend: string;
  tfjsVersion: string;
  nodeVersion: string;
  platform: string;
  pid?: number;
  /** How the backend was chosen and set up, e.g. "…wasm 4.22.0, SIMD, 1 thread (auto; skipped node: …)". */
  backendDetail?: string;
}

export interface RunSummary {
  steps: number;
  epochs: number;
  finalLoss?: number;
  finalValLoss?: number;
  finalValAcc?: number;
  bestValAcc?: number;
  testAcc?: number;
  testLoss?: number;
  perClassAcc?: number[];
  /** confusion[true][predicted] counts on the test split. */
  confusion?: number[][];
  /** Expected calibration error (15 equal-width bins) on the test split. */
  ece?: number;
  divergedAtStep?: number;
  /**
   * With more than 100 classes: the file of the run folder that holds per-class accuracy, class names
   * and the confusion cells instead of `perClassAcc` and `confusion` (see core/classResults).
   */
  classResultsFile?: string;
  samplesPerSec?: number;
}

/** run.json */
export interface RunRecord {
  schemaVersion: number;
  id: string;
  name: string;
  config: RunConfig;
  status: RunStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Planned total optimizer steps, known once the dataset is loaded. */
  totalSteps?: number;
  environment?: RunEnvironment;
  summary?: RunSummary;
  /** Dataset facts recorded at start: sizes, classes, imbalance/noise actually applied. */
  data?: { numClasses: number; classNames?: string[]; train: number; validation: number; test: number; inputShape: number[]; notes?: string[] };
  error?: string;
  /**
   * The process that created the record (CLI or extension host) and its machine. A queued run whose
   * launcher is gone on this machine will never start; `reconcileInterrupted` marks it interrupted.
   */
  launcherPid?: number;
  launcherHost?: string;
  /** Set by the store, never written: the name comes from a rename (user.json). */
  renamed?: boolean;
  /**
   * The process that trains the run, recorded by the launcher before it tells that process to start:
   * it owns the run from then on, even while `environment.pid` is not written yet.
   */
  workerPid?: number;
  /** Set for a run trained as a task of a Slurm job array (runner/slurm). */
  slurm?: SlurmTaskInfo;
  /** Written by the worker every few seconds while it trains, when asked to (Slurm tasks): proof of life where no pid can be checked. */
  heartbeatAt?: string;
}

/** Where a run stands on a Slurm cluster. */
export interface SlurmTaskInfo {
  /** The array job's id, e.g. "4312"; the run is its task `${jobId}_${taskId}`. */
  jobId: string;
  taskId: number;
  /** The sbatch script that submitted it (absolute path). */
  script: string;
  submittedAt: string;
  /** The node that runs the task, once it started. */
  node?: string;
  /** Slurm's end state of a task Slurm ended (TIMEOUT, CANCELLED, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY…). */
  state?: string;
}

/** One line of metrics.jsonl per optimizer step. */
export interface StepMetric {
  kind: 'step';
  step: number;
  epoch: number;
  /** ms since the run started. */
  t: number;
  loss: number;
  /** The CE (or focal) part of the loss. */
  base: number;
  /** The polynomial part: loss − base. */
  poly: number;
  acc: number;
}

/** One line of metrics.jsonl per finished epoch. */
export interface EpochMetric {
  kind: 'epoch';
  epoch: number;
  step: number;
  t: number;
  trainLoss: number;
  valLoss: number;
  valAcc: number;
  /** Distribution of Pt on the validation split. */
  pt: { mean: number; q25: number; q50: number; q75: number };
}

export type MetricLine = StepMetric | EpochMetric;
