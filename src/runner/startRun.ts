import * as fs from 'node:fs';
import type { WorkerCommand, WorkerEvent } from '../core/protocol';
import { isWorkerEvent } from '../core/protocol';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { withLoggedSummary, writeRunRecord } from '../store/runFiles';
import { createRun, isTerminal, readRunDir, runDirOf, RunStoreError } from '../store/runStore';
import { Emitter, type Disposer } from '../core/emitter';
import { errorMessage } from '../core/errors';
import { lendWorker, type WorkerPool } from './workerPool';

export interface StartRunOptions {
  runsDir: string;
  config: RunConfig;
  /** The bundled worker: `path.join(<dist dir>, 'worker.js')`. */
  workerPath: string;
  /** Start this already created `queued` run (as RunQueue does); a new run is created when absent. */
  runId?: string;
  /** Threads the run's heavy kernels may use (default 1). */
  threads?: number;
  /** Extra environment variables for the worker process. */
  env?: NodeJS.ProcessEnv;
  /** The worker's working folder, against which relative dataset paths resolve (default: this process's). */
  cwd?: string;
  /** After `stop()`: how long the worker gets to finish its step before SIGTERM (default 10 s)… */
  stopGraceMs?: number;
  /** …and after SIGTERM, before SIGKILL (default 5 s). */
  killGraceMs?: number;
  /** Warm workers to train the run (`env` and `cwd` are the pool's then); without it, a worker is forked for this run alone. */
  workers?: WorkerPool;
}

export interface RunHandle {
  readonly runId: string;
  readonly runDir: string;
  /** The worker's live events, in order. Returns a function that unsubscribes. */
  onEvent(listener: (event: WorkerEvent) => void): Disposer;
  /**
   * Asks the worker to stop after its current step, then escalates to SIGTERM and SIGKILL if it does
   * not exit within the grace periods. Calling it again kills the worker at once. With
   * `interruptedBecause` (the launcher is going away) the run ends `interrupted`, not `cancelled`.
   */
  stop(interruptedBecause?: string): void;
  /** The final run.json, read from disk once the worker has exited (never rejects). */
  readonly done: Promise<RunRecord>;
}


function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `the training worker was killed by ${signal}`;
  if (code === 0) return 'the training worker exited without recording a result';
  return `the training worker exited with code ${code}`;
}

/** Takes over the queued run `runId`, or creates a new run (every launcher starts this way). */
export function claimRun(opts: Pick<StartRunOptions, 'runsDir' | 'config' | 'runId'>): { runId: string; runDir: string; record: RunRecord } {
  if (opts.runId !== undefined) {
    const runDir = runDirOf(opts.runsDir, opts.runId);
    if (fs.existsSync(runDir)) {
      const record = readRunDir(runDir);
      if (record.status !== 'queued') throw new RunStoreError('exists', `run ${opts.runId} is already ${record.status}`);
      return { runId: opts.runId, runDir, record };
    }
  }
  return createRun(opts.runsDir, opts.config, { runId: opts.runId });
}

/**
 * Records the worker's pid in run.json before the worker is told to start: from then on the run has
 * a live owner even if this launcher dies before the worker writes `running` (seconds later, after
 * loading its backend and data), so a reader does not mark it interrupted in between. A launcher
 * that dies before this write never sends the start either, and its worker exits untold: the run
 * is then rightly interrupted.
 */
function handOver(runDir: string, record: RunRecord, workerPid: number | undefined): void {
  if (workerPid === undefined) return; // the fork failed; settle() records it
  try {
    writeRunRecord(runDir, { ...record, workerPid });
  } catch {
    // The run folder is gone or unwritable: the worker reports the same when it writes.
  }
}

/**
 * Trains one run in a training worker (a pooled one, or one forked for it) and relays its typed
 * events. The worker writes run.json and metrics.jsonl itself; this side only records an end the
 * worker could not record (crash, kill). A pooled worker that reports the end of its run goes back
 * to the pool; one that dies takes only its current run with it.
 */
export function startRun(opts: StartRunOptions): RunHandle {
  if (!fs.existsSync(opts.workerPath)) {
    throw new Error(`training worker not found at ${opts.workerPath}; build it first (npm run build)`);
  }
  const { runId, runDir, record: queuedRecord } = claimRun(opts);
  const events = new Emitter<WorkerEvent>();
  // The listeners below are called only after this tick (the worker's events are asynchronous).
  const loan = lendWorker(opts, { message: (m) => onMessage(m), close: (code, sig) => finish(code, sig), error: (e) => onError(e) });
  const { worker, child } = loan;

  let endEvent: WorkerEvent | undefined;
  let stopRequested = false;
  let interruptedBecause: string | undefined;
  /** A signal was sent: the worker is not trusted with another run (a late signal would hit that one). */
  let signalled = false;
  let ended = false;
  const timers: NodeJS.Timeout[] = [];
  const signal = (sig: NodeJS.Signals) => {
    if (ended) return;
    signalled = true;
    child.kill(sig);
  };

  /** Records the end the worker did not record, and tells listeners. */
  const settle = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error): RunRecord => {
    let current: RunRecord | undefined;
    try {
      current = readRunDir(runDir);
    } catch {
      current = undefined;
    }
    if (current && isTerminal(current.status)) return current;
    const failedEvent = endEvent?.type === 'failed' ? endEvent : undefined;
    const status = failedEvent || !stopRequested ? 'failed' : interruptedBecause !== undefined ? 'interrupted' : 'cancelled';
    const stderrLines = loan.stderrLines(5);
    const reason = failedEvent?.error ?? spawnError?.message
      ?? (stopRequested ? `${describeExit(code, sig)} while stopping` : `${describeExit(code, sig)}${stderrLines ? `:\n${stderrLines}` : ''}`);
    let final: RunRecord = { ...(current ?? queuedRecord), status, endedAt: new Date().toISOString(), error: reason };
    try {
      final = withLoggedSummary(runDir, final);
      writeRunRecord(runDir, final);
    } catch (e) {
      final.error = `${reason} (and run.json could not be updated: ${errorMessage(e)})`;
    }
    if (!endEvent) {
      events.fire(status === 'failed'
        ? { type: 'failed', runId, error: reason }
        : { type: 'finished', runId, status, summary: final.summary ?? { steps: 0, epochs: 0 } });
    }
    return final;
  };

  let resolveDone!: (record: RunRecord) => void;
  const done = new Promise<RunRecord>((resolve) => { resolveDone = resolve; });
  const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error): void => {
    if (ended) return;
    ended = true;
    timers.forEach(clearTimeout);
    loan.detach();
    resolveDone(settle(code, sig, spawnError));
  };
  const onError = (e: Error): void => {
    // Spawning failed (no 'close' follows); other errors, e.g. a send to a dead channel, end in 'close'.
    if (child.pid === undefined) finish(null, null, e);
  };
  const onMessage = (message: unknown): void => {
    if (!isWorkerEvent(message) || message.runId !== runId) return;
    if (message.type === 'finished' || message.type === 'failed') endEvent = message;
    events.fire(message);
    // A worker that stays for another run (it recorded the end first): the run is over. One that does
    // not stay is exiting, and its run is settled when it has closed; it never goes back to the pool.
    if (worker.reusable && message.type === 'finished' && message.staying === true) {
      finish(0, null);
      if (signalled) opts.workers?.letGo(worker);
      else opts.workers?.giveBack(worker);
    }
  };
  handOver(runDir, queuedRecord, child.pid);
  const command: WorkerCommand = { type: 'start', runDir, runId, config: opts.config, threads: opts.threads };
  child.send(command, () => undefined);

  return {
    runId,
    runDir,
    onEvent: (listener) => events.on(listener),
    stop: (because?: string) => {
      if (ended) return;
      if (stopRequested) {
        signal('SIGKILL');
        return;
      }
      stopRequested = true;
      interruptedBecause = because;
      const stopCommand: WorkerCommand = { type: 'stop', runId, ...(because === undefined ? {} : { interruptedBecause: because }) };
      if (child.connected) child.send(stopCommand, () => undefined);
      else signal('SIGTERM');
      timers.push(setTimeout(() => {
        signal('SIGTERM');
        timers.push(setTimeout(() => signal('SIGKILL'), opts.killGraceMs ?? 5000));
      }, opts.stopGraceMs ?? 10_000));
    },
    done,
  };
}
