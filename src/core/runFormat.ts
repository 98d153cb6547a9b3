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
  /** Threads the training kernels ran on: every core for a run that started alone, else 1. */
  threads?: number;
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

/** What trained a run: the built-in engine, or the user's command (docs/run-format.md). */
export type RunTrainer =
  | { kind: 'builtin' }
  | {
    kind: 'command';
    argv: string[];
    cwd: string;
    /** Set once the command has exited (null when a signal ended it). */
    exitCode?: number | null;
    /** The Python interpreter that replaced a first word python / python3, and how it was chosen. */
    interpreter?: string;
    interpreterSource?: string;
    /** Reported by the polyloss_lab client. */
    python?: string;
    torch?: string;
  };

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
  /** Absent in runs written before the field existed: those were trained by the built-in engine. */
  trainer?: RunTrainer;
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

/**
 * Metric lines may carry further numeric keys of the writer's choosing (e.g. `lr`, `top5Acc`):
 * readers keep them with the line. Built-in runs always write every named key;
 * a script may leave some out.
 */
export type ExtraMetrics = { [key: string]: unknown };

/** One line of metrics.jsonl per optimizer step. */
export interface StepMetric extends ExtraMetrics {
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
export interface EpochMetric extends ExtraMetrics {
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

/**
 * Whether a parsed metrics.jsonl value is a line of the format (media/schemas/metric-line.schema.json):
 * a kind, a whole step or epoch counter, a time, and numbers (or null for a non-finite value) elsewhere.
 * Anything else, e.g. a script printing into the file, is skipped by readers and counted.
 */
export function isMetricLine(value: unknown): value is MetricLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const line = value as Record<string, unknown>;
  const counter = line.kind === 'step' ? 'step' : line.kind === 'epoch' ? 'epoch' : undefined;
  if (!counter || !isCount(line[counter]) || typeof line.t !== 'number') return false;
  for (const [key, v] of Object.entries(line)) {
    if (key === 'kind') continue;
    if (key === 'pt' && line.kind === 'epoch' ? !isPt(v) : !(typeof v === 'number' || v === null)) return false;
  }
  return true;
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isPt(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const pt = v as Record<string, unknown>;
  return ['mean', 'q25', 'q50', 'q75'].every((k) => typeof pt[k] === 'number' || pt[k] === null);
}
