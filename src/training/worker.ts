/**
 * Entry of the training worker process (bundled to dist/worker.js, forked by the runner).
 * The worker owns its run's files: it moves run.json through running → completed/cancelled/diverged/failed
 * (atomic writes) and appends metrics.jsonl itself; IPC events are a live copy, so losing the channel
 * never stops training.
 *
 *   forked:     receives { type: 'start', runDir, runId, config }, later maybe { type: 'stop', runId }
 *   reused:     forked with --reuse (by the runner's WorkerPool): after a run ends it keeps its loaded
 *               backend and parsed data and waits for the next start. Each run builds its own seeded
 *               model and optimizer and disposes them at its end; a failed run, or one that left
 *               tensors behind, ends the process instead, so no run inherits another's state. It exits
 *               when its channel closes while it waits (the pool let it go, or the launcher is gone).
 *   preflight:  while it waits, receives { type: 'preflight', batches }, loads each dataset
 *               (training/preflight), answers preflight-ok / preflight-failed, then waits for a run
 *               (reused) or exits. TensorFlow.js is not loaded for it: the training code is imported
 *               only when a run starts; the parsed data is kept for the runs.
 *   warm-up:    while it waits, receives { type: 'warm-up', config }: loads the training code, the
 *               backend and the dataset of the runs to come; a run sent meanwhile starts after it.
 *   debugging:  node dist/worker.js --run-dir DIR   (config read from DIR/run.json)
 */
import * as path from 'node:path';
import { isPreflightCommand, isWorkerCommand, type PreflightCommand, type PreflightReply, type WorkerEvent } from '../core/protocol';
import type { RunConfig } from '../core/runConfig';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../core/runFormat';
import { formatIssues, validateRunConfig } from '../core/validate';
import { appendMetrics, withLoggedSummary, writeClassResults, writeRunRecord } from '../store/runFiles';
import { PreflightError, preflightConfigs } from './preflight';
import { SourceCache } from './datasets/sourceCache';
import { defaultRunName, readRunDir } from '../store/runStore';
import { errorMessage } from '../core/errors';

/** How long the final event may take to reach the parent before the process exits anyway. */
const FINAL_SEND_TIMEOUT_MS = 2000;

/** Forked by a pool: stays for another run after one ends well. */
const REUSE = process.argv.includes('--reuse');

interface CurrentRun {
  runId: string;
  stopRequested: boolean;
  /** Set when the launcher stopped the run because it is going away: the run ends `interrupted`. */
  interruptedBecause?: string;
}

/** The run being trained; undefined while the worker waits for one. */
let current: CurrentRun | undefined;
/** Parsed datasets, kept for the next runs of this process. */
const datasetCache = new SourceCache();
/** Settles when the warm-up (if any) is over; runs wait for it. */
let warmedUp: Promise<void> = Promise.resolve();

/** Loads the training code, backend and data of `config` ahead of its runs; what fails here, the run reports. */
async function warmUp(config: RunConfig): Promise<void> {
  const checked = validateRunConfig(config);
  if (!checked.ok || checked.value.command !== undefined) return;
  try {
    const { prepareTraining } = await import('./train');
    await prepareTraining(checked.value, datasetCache);
  } catch {
    // The run that follows meets the same problem and records it.
  }
}

function send(event: WorkerEvent | PreflightReply, done?: () => void): void {
  if (!process.send || !process.connected) {
    done?.();
    return;
  }
  // With a callback, a send error (parent gone) is reported here instead of being thrown.
  process.send(event, undefined, {}, () => done?.());
}

function exitAfterLastEvent(event: WorkerEvent | PreflightReply, code: number): void {
  const timer = setTimeout(() => process.exit(code), FINAL_SEND_TIMEOUT_MS);
  send(event, () => {
    clearTimeout(timer);
    process.exit(code);
  });
}

/** The queued record written by the launcher; a fresh one if it is missing (e.g. a hand-made folder). */
function initialRecord(runDir: string, runId: string, config: RunConfig): RunRecord {
  try {
    return readRunDir(runDir);
  } catch {
    return {
      schemaVersion: RUN_SCHEMA_VERSION, id: runId, name: config.name ?? defaultRunName(config),
      config, status: 'queued', createdAt: new Date().toISOString(),
    };
  }
}

/**
 * Reports the end of the run; a reused worker then waits for the next run if `clean`, every other
 * worker exits.
 */
function endRun(event: WorkerEvent, clean: boolean): void {
  current = undefined;
  if (REUSE && clean && process.connected) send(event.type === 'finished' ? { ...event, staying: true } : event);
  else exitAfterLastEvent(event, event.type === 'failed' ? 1 : 0);
}

async function runWorker(runDir: string, runId: string, config: RunConfig, threads?: number): Promise<void> {
  const run: CurrentRun = { runId, stopRequested: false };
  current = run;
  let record = initialRecord(runDir, runId, config);
  record = { ...record, config };
  const save = (changes: Partial<RunRecord>): void => {
    record = { ...record, ...changes };
    writeRunRecord(runDir, record);
  };
  const heartbeat = startHeartbeat(() => save({ heartbeatAt: new Date().toISOString() }));
  try {
    const checked = validateRunConfig(config);
    if (!checked.ok) throw new Error(`invalid run config:\n${formatIssues(checked.errors)}`);
    const builtin = checked.value;
    if (builtin.command !== undefined) throw new Error('this run is trained by its own command, not by the built-in worker');
    await warmedUp;
    const { train, liveTensorCount } = await import('./train');
    const tensorsBefore = liveTensorCount();
    const result = await train(builtin, {
      threads,
      onStarted: (info) => {
        save({
          status: 'running', startedAt: new Date().toISOString(), environment: info.environment, trainer: { kind: 'builtin' },
          totalSteps: info.totalSteps, data: info.data, error: undefined,
        });
        send({ type: 'started', runId, environment: info.environment, totalSteps: info.totalSteps, record });
      },
      onSteps: (steps) => {
        appendMetrics(runDir, steps);
        send({ type: 'steps', runId, steps });
      },
      onEpoch: (epoch) => {
        appendMetrics(runDir, [epoch]);
        send({ type: 'epoch', runId, epoch });
      },
      shouldStop: () => run.stopRequested,
      datasetCache,
    });
    clearInterval(heartbeat);
    // The side file first: run.json names it once the run is completed.
    if (result.classResults) writeClassResults(runDir, result.classResults);
    const status = result.status === 'cancelled' && run.interruptedBecause !== undefined ? 'interrupted' : result.status;
    save({ status, endedAt: new Date().toISOString(), summary: result.summary, ...(status === 'interrupted' ? { error: run.interruptedBecause } : {}) });
    const leftover = liveTensorCount() - tensorsBefore;
    if (leftover !== 0 && REUSE) process.stderr.write(`${leftover} tensor(s) outlived run ${runId}: this worker ends instead of taking another run\n`);
    endRun({ type: 'finished', runId, status, summary: result.summary }, leftover === 0);
  } catch (e) {
    clearInterval(heartbeat);
    fail(runDir, runId, () => record, e);
  }
}

/**
 * With POLYLOSS_HEARTBEAT_MS set (Slurm tasks), stamps run.json every so often while the run lives,
 * so a watcher on another machine can tell a run whose node died from one that still trains.
 */
function startHeartbeat(beat: () => void): NodeJS.Timeout | undefined {
  const ms = Number(process.env.POLYLOSS_HEARTBEAT_MS);
  if (!(ms > 0)) return undefined;
  const timer = setInterval(() => {
    try {
      beat();
    } catch (e) {
      process.stderr.write(`heartbeat not written: ${errorMessage(e)}\n`);
    }
  }, ms);
  timer.unref();
  return timer;
}

function fail(runDir: string, runId: string, current: () => RunRecord, e: unknown): void {
  const error = errorMessage(e);
  try {
    writeRunRecord(runDir, withLoggedSummary(runDir, { ...current(), status: 'failed', endedAt: new Date().toISOString(), error }));
  } catch (writeError) {
    process.stderr.write(`run.json could not be updated: ${errorMessage(writeError)}\n`);
  }
  process.stderr.write(`training failed: ${e instanceof Error && e.stack ? e.stack : error}\n`);
  endRun({ type: 'failed', runId, error }, false);
}

/** Relative dataset paths resolve against this process's folder, as they do for the runs it trains. */
async function runPreflight(command: PreflightCommand): Promise<void> {
  let reply: PreflightReply = { type: 'preflight-ok' };
  try {
    for (const batch of command.batches) {
      await preflightConfigs(batch.configs, { baseDir: process.cwd(), confineTo: batch.confineTo, cache: datasetCache });
    }
  } catch (e) {
    reply = { type: 'preflight-failed', field: e instanceof PreflightError ? e.field : 'dataset', message: errorMessage(e) };
  }
  if (REUSE && process.connected) send(reply);
  else exitAfterLastEvent(reply, 0);
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  // A signal stops the run after its step; a worker without a run just ends.
  const onSignal = (): void => {
    if (current) current.stopRequested = true;
    else process.exit(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const runDirArg = argValue('--run-dir');
  if (runDirArg) {
    const runDir = path.resolve(runDirArg);
    let record: RunRecord;
    try {
      record = readRunDir(runDir);
    } catch (e) {
      process.stderr.write(`cannot read ${path.join(runDir, 'run.json')}: ${errorMessage(e)}\n`);
      process.exit(2);
    }
    void runWorker(runDir, record.id, record.config);
    return;
  }
  if (!process.send) {
    process.stderr.write('usage: node worker.js --run-dir DIR   (or fork it and send a start command over IPC)\n');
    process.exit(2);
  }
  process.on('message', (message: unknown) => {
    if (isPreflightCommand(message)) {
      if (!current) void runPreflight(message);
      return;
    }
    if (!isWorkerCommand(message)) return;
    if (message.type === 'stop') {
      // A stop for a run that has ended (the next one may be training here now) is stale.
      if (!current || (message.runId !== undefined && message.runId !== current.runId)) return;
      current.interruptedBecause ??= message.interruptedBecause;
      current.stopRequested = true;
    } else if (message.type === 'warm-up') {
      if (!current) warmedUp = warmUp(message.config);
    } else if (!current) {
      void runWorker(message.runDir, message.runId, message.config, message.threads);
    }
  });
  // Training continues if the parent goes away (the run's files are the record); a waiting worker ends.
  process.on('disconnect', () => {
    if (!current) process.exit(0);
  });
}

main();
