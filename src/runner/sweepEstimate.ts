import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configFacts } from '../core/configDiff';
import { quantile } from '../core/metrics';
import type { BuiltinRunConfig, RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { datasetKey, estimateSweepSeconds } from '../core/sweep';
import { startRun, type RunHandle } from './startRun';
import type { WorkerPool } from './workerPool';
import { errorMessage } from '../core/errors';

/**
 * How long a sweep will take on this machine, for the CLI and VS Code alike. The speed comes from
 * recent completed runs with the same data, model, batch size and backend when there are some
 * (free), else from a short calibration run of the sweep's first config in a throw-away folder
 * (a few seconds). A run costs a fixed part (data split, evaluation, files) plus its training samples;
 * starting a worker (process, tfjs, data) is paid once, since a sweep's runs reuse warm workers.
 */

export interface Throughput {
  samplesPerSec: number;
  /** Training-split size by datasetKey. */
  trainSizes: Record<string, number>;
  /** Seconds per run that do not scale with training samples (data split, evaluation, files). */
  overheadSeconds: number;
  /** Seconds to start a new worker (process, tfjs, data), paid once: the runs of a sweep reuse warm workers. */
  startSeconds: number;
  /** Where the numbers come from, in words. */
  source: string;
}

/** How many recent matching runs to take the speed from. */
const RECENT_RUNS = 10;
/** How long the calibration run trains before it is stopped. */
const CALIBRATION_TRAIN_MS = 2500;

/** Settings that decide the time per sample and the split sizes; the loss and seed do not matter. */
export function speedKey(config: RunConfig): string {
  const facts = [...configFacts(config)].filter(([key]) => key.startsWith('dataset.') || key.startsWith('model.') || key === 'batchSize' || key === 'backend');
  return JSON.stringify(facts);
}

/**
 * The speed of the most recent completed runs that train like `config`, those on `threads` kernel
 * threads when there are some (else any: an estimate at once beats a calibration), or undefined when
 * there are none.
 */
export function recentThroughput(runs: readonly RunRecord[], config: BuiltinRunConfig, threads = 1): Throughput | undefined {
  const key = speedKey(config);
  const alike = runs.filter((r) => r.status === 'completed' && (r.summary?.samplesPerSec ?? 0) > 0 && r.data && r.endedAt && speedKey(r.config) === key);
  const sameThreads = alike.filter((r) => (r.environment?.threads ?? 1) === threads);
  const matching = (sameThreads.length ? sameThreads : alike)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .slice(-RECENT_RUNS);
  if (matching.length === 0) return undefined;
  const samplesPerSec = quantile(matching.map((r) => r.summary!.samplesPerSec!).sort((a, b) => a - b), 0.5);
  const train = matching[matching.length - 1].data!.train;
  // Wall time minus training time; the smallest is that of a run that did not wait in a queue.
  const overheads = matching.map((r) => {
    const wall = (Date.parse(r.endedAt!) - Date.parse(r.createdAt)) / 1000;
    return Math.max(0, wall - ((r.config.epochs ?? 0) * r.data!.train) / samplesPerSec);
  });
  return {
    samplesPerSec,
    trainSizes: { [datasetKey(config.dataset)]: train },
    overheadSeconds: Math.min(...overheads),
    startSeconds: 0,
    source: `speed of ${matching.length} recent run${matching.length === 1 ? '' : 's'} like these`,
  };
}

export interface Calibration {
  throughput?: Throughput;
  /** Why the calibration run gave no timing, when it failed. */
  error?: string;
  /** The signal stopped the calibration. */
  interrupted: boolean;
  /** Why no time can be estimated at all (e.g. the runs are a script's). */
  unknowable?: string;
}

export interface CalibrationOptions {
  /** The bundled training worker. */
  workerPath: string;
  /** The worker's working folder (relative dataset paths resolve against it). */
  cwd?: string;
  /** Aborting stops the calibration run; the result is then `interrupted`. */
  signal?: AbortSignal;
  /** Warm workers: the calibration's stays warm for the runs that follow. */
  workers?: WorkerPool;
  /** Kernel threads the sweep's runs will train on (runThreads): the calibration trains on as many. */
  threads?: number;
}

/**
 * Trains `config` for up to one epoch (stopped after a few seconds of training) in a temporary runs
 * folder that is removed afterwards, and measures its start-up time and samples per second.
 */
export async function calibrate(config: BuiltinRunConfig, opts: CalibrationOptions): Promise<Calibration> {
  if (opts.signal?.aborted) return { interrupted: true };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-calibration-'));
  const began = performance.now();
  let handle: RunHandle;
  try {
    handle = startRun({
      runsDir: dir, config: { ...config, epochs: 1, name: 'calibration' }, workerPath: opts.workerPath, cwd: opts.cwd, workers: opts.workers, threads: opts.threads,
    });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { interrupted: false, error: errorMessage(e) };
  }
  let startedAfter: number | undefined;
  let trainSize: number | undefined;
  let first: { step: number; t: number } | undefined;
  let last: { step: number; t: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  handle.onEvent((event) => {
    if (event.type === 'started') {
      startedAfter = performance.now() - began;
      trainSize = event.record.data?.train;
      timer = setTimeout(() => handle.stop(), CALIBRATION_TRAIN_MS);
    } else if (event.type === 'steps') {
      for (const step of event.steps) {
        first ??= step;
        last = step;
      }
    }
  });
  const onAbort = (): void => handle.stop();
  opts.signal?.addEventListener('abort', onAbort);
  let record: RunRecord;
  try {
    record = await handle.done;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const wallSeconds = (performance.now() - began) / 1000;
  if (opts.signal?.aborted) return { interrupted: true };
  if (record.status === 'failed' || trainSize === undefined || startedAfter === undefined) {
    return { interrupted: false, error: record.error?.split('\n')[0] ?? `the calibration run ended ${record.status}` };
  }

  const batch = Math.min(config.batchSize, trainSize);
  const startSeconds = startedAfter / 1000;
  let samplesPerSec: number | undefined;
  let overheadSeconds = 0;
  if (record.status === 'completed' && (record.summary?.samplesPerSec ?? 0) > 0) {
    samplesPerSec = record.summary!.samplesPerSec!;
    overheadSeconds = Math.max(0, wallSeconds - startSeconds - trainSize / samplesPerSec);
  } else if (first && last && last.step > first.step && last.t > first.t) {
    // Stopped early: the speed of the steps seen (the evaluation is not timed).
    samplesPerSec = ((last.step - first.step) * batch) / ((last.t - first.t) / 1000);
  }
  if (!samplesPerSec) return { interrupted: false };
  return {
    interrupted: false,
    throughput: {
      samplesPerSec,
      trainSizes: { [datasetKey(config.dataset)]: trainSize },
      overheadSeconds,
      startSeconds,
      source: 'a short calibration run',
    },
  };
}

/**
 * The speed for a sweep whose first config is `config`: from recent runs like it among `runs`,
 * else from a calibration run (`onCalibrating` is called just before it starts).
 */
export async function measureThroughput(
  runs: readonly RunRecord[], config: RunConfig, opts: CalibrationOptions & { onCalibrating?: () => void },
): Promise<Calibration> {
  if (config.command !== undefined) return { interrupted: false, unknowable: 'the time of your own script is not known beforehand' };
  const recent = recentThroughput(runs, config, opts.threads);
  if (recent) return { throughput: recent, interrupted: false };
  opts.onCalibrating?.();
  return calibrate(config, opts);
}

/** Seconds for the configs with `concurrency` workers (no more at once than there are cores), started once. */
export function estimateSeconds(configs: readonly RunConfig[], throughput: Throughput, concurrency: number): number | undefined {
  const training = estimateSweepSeconds(configs, throughput.samplesPerSec, throughput.trainSizes);
  if (training === undefined) return undefined;
  const parallel = Math.max(1, Math.min(concurrency, configs.length, os.availableParallelism()));
  return throughput.startSeconds + (training + configs.length * throughput.overheadSeconds) / parallel;
}

export interface SweepEstimate {
  /** Undefined when the time is unknown. */
  seconds?: number;
  /** Where the numbers come from ("from a short calibration run: 4,120 samples/s, …"), or why there are none. */
  basis: string;
}

/** The time the configs will take, with what it is based on; callers format the seconds their way. */
export function sweepEstimate(configs: readonly RunConfig[], measured: Calibration, concurrency: number): SweepEstimate {
  const { throughput } = measured;
  const seconds = throughput && estimateSeconds(configs, throughput, concurrency);
  if (measured.unknowable) return { basis: measured.unknowable };
  if (!throughput || seconds === undefined) {
    return { basis: measured.error ? `the calibration run failed: ${measured.error}` : 'the calibration run gave no timing' };
  }
  return {
    seconds,
    basis: `from ${throughput.source}: ${Math.round(throughput.samplesPerSec).toLocaleString('en-US')} samples/s, `
      + `${throughput.overheadSeconds.toFixed(1)} s per run besides training${throughput.startSeconds ? `, ${throughput.startSeconds.toFixed(1)} s to start` : ''}`,
  };
}
