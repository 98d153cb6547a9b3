import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerEvent } from '../core/protocol';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { writeRunRecord } from '../store/runFiles';
import { createRun, readRunDir, runDirOf } from '../store/runStore';
import { Emitter, type Disposer } from '../core/emitter';
import type { Executor, QueueChange } from './executor';
import { startCommandRun, type CommandRunOptions } from './startCommandRun';

export type { QueueChange, QueueState } from './executor';
import { startRun, type RunHandle } from './startRun';
import type { WorkerPool } from './workerPool';
import { errorMessage } from '../core/errors';

export interface StartRequest {
  runsDir: string;
  runId: string;
  runDir: string;
  config: RunConfig;
  /** The queued record as written at enqueue time. */
  record: RunRecord;
  /** Threads for the run's heavy kernels, decided when it starts (see RunQueue). */
  threads?: number;
}

/** Starts the worker of a queued run (the real one forks; tests pass a fake to check scheduling). */
export type RunStarter = (request: StartRequest) => RunHandle;

export interface RunQueueOptions {
  runsDir: string;
  /** How many workers may train at once (default 1). */
  maxConcurrent?: number;
  /** Needed by the default starter: `path.join(<dist dir>, 'worker.js')`. */
  workerPath?: string;
  env?: NodeJS.ProcessEnv;
  /** The workers' working folder (relative dataset paths resolve against it). */
  cwd?: string;
  /**
   * Warm workers shared with other queues and launches of this process (their `env` and `cwd` apply
   * then); without it, each run gets a worker process of its own.
   */
  workers?: WorkerPool;
  /** Needed by the default starter for runs of the user's command (a function: read when each run starts). */
  commands?: CommandLaunchSettings | (() => CommandLaunchSettings | undefined);
  start?: RunStarter;
}

/** How this queue launches command runs (startCommandRun). */
export type CommandLaunchSettings = Pick<CommandRunOptions, 'baseDir' | 'interpreter' | 'clientDir' | 'env'>;

/** The python/ folder with the polyloss_lab client, next to the dist/ folder of the bundled worker. */
export function clientDirBeside(workerPath: string): string {
  return path.resolve(path.dirname(workerPath), '..', 'python');
}

function checkMaxConcurrent(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`maxConcurrent must be an integer ≥ 1 (got ${n})`);
  return n;
}

/** Kernel threads of a run: every core when it trains alone (nothing else of its queue running or waiting, or one at a time), else 1. */
export function runThreads(alone: boolean): number {
  return alone ? os.availableParallelism() : 1;
}

/**
 * Runs configs with at most `maxConcurrent` workers at a time. A run's folder and `queued` record are
 * written at enqueue time, so every UI shows it at once; workers start in order as slots free up.
 * A run trains on every core when no other run of this queue can train beside it as it starts (the
 * queue trains one at a time, or nothing else is running or queued); otherwise on one thread, so that
 * runs side by side do not compete for the cores.
 */
export class RunQueue implements Executor {
  readonly kind = 'local';
  private readonly runsDir: string;
  private readonly start: RunStarter;
  private limit: number;
  private readonly pending: StartRequest[] = [];
  private readonly running = new Map<string, RunHandle>();
  private readonly finals = new Map<string, { promise: Promise<RunRecord>; resolve: (r: RunRecord) => void }>();
  private idleWaiters: (() => void)[] = [];
  /** While a batch is queued (submit), no run starts: the first one must see its siblings waiting. */
  private holding = false;
  private readonly events = new Emitter<WorkerEvent>();
  private readonly changes = new Emitter<QueueChange>();
  constructor(opts: RunQueueOptions) {
    this.runsDir = opts.runsDir;
    this.limit = checkMaxConcurrent(opts.maxConcurrent ?? 1);
    const workerPath = opts.workerPath;
    this.start = opts.start ?? ((request) => {
      const { config } = request;
      if (config.command !== undefined) {
        const commands = typeof opts.commands === 'function' ? opts.commands() : opts.commands;
        if (!commands) throw new Error('RunQueue needs command settings to start runs of a command');
        return startCommandRun({ ...request, config, ...commands });
      }
      if (!workerPath) throw new Error('RunQueue needs a workerPath to start runs');
      return startRun({ ...request, workerPath, env: opts.env, cwd: opts.cwd, workers: opts.workers });
    });
  }

  get maxConcurrent(): number {
    return this.limit;
  }

  /** Live events of every run this queue started. */
  onEvent(listener: (event: WorkerEvent) => void): Disposer {
    return this.events.on(listener);
  }

  /** A run was queued, started, or ended. */
  onChange(listener: (change: QueueChange) => void): Disposer {
    return this.changes.on(listener);
  }

  queuedIds(): string[] {
    return this.pending.map((r) => r.runId);
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Creates the run folder with its `queued` record now; the worker starts when a slot is free. */
  enqueue(config: RunConfig): string {
    const { runId, runDir, record } = createRun(this.runsDir, config);
    this.add({ runsDir: this.runsDir, runId, runDir, config, record });
    return runId;
  }

  /**
   * Takes over a run that another launcher queued and left behind (see `leave`): the run keeps its
   * folder, this process becomes its launcher in run.json, and its worker starts when a slot is free.
   * False when the run is no longer queued (it started, ended or was deleted meanwhile).
   */
  adopt(runId: string): boolean {
    if (this.finals.has(runId)) return false;
    const runDir = runDirOf(this.runsDir, runId);
    let left: RunRecord;
    try {
      left = readRunDir(runDir);
    } catch {
      return false;
    }
    if (left.status !== 'queued') return false;
    const record: RunRecord = { ...left, launcherPid: process.pid, launcherHost: os.hostname() };
    writeRunRecord(runDir, record);
    this.add({ runsDir: this.runsDir, runId, runDir, config: record.config, record });
    return true;
  }

  private add(request: StartRequest): void {
    let resolve!: (r: RunRecord) => void;
    const promise = new Promise<RunRecord>((r) => { resolve = r; });
    this.finals.set(request.runId, { promise, resolve });
    this.pending.push(request);
    this.changes.fire({ runId: request.runId, state: 'queued' });
    this.pump();
  }

  /** Whether the run was queued here (it may have ended since). */
  knows(runId: string): boolean {
    return this.finals.has(runId);
  }

  async submit(configs: readonly RunConfig[]): Promise<string[]> {
    return this.batch(() => configs.map((config) => this.enqueue(config)));
  }

  /** Runs `queueAll`, which queues runs, and starts none of them before it returns. */
  batch<T>(queueAll: () => T): T {
    this.holding = true;
    try {
      return queueAll();
    } finally {
      this.holding = false;
      this.pump();
    }
  }

  /** The final record of a run of this queue. */
  done(runId: string): Promise<RunRecord> {
    const final = this.finals.get(runId);
    if (!final) throw new Error(`run ${runId} was not queued here`);
    return final.promise;
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.pending.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  setMaxConcurrent(n: number): void {
    this.limit = checkMaxConcurrent(n);
    this.pump();
  }

  /** A queued run is cancelled without starting; a running one is asked to stop. False if unknown or ended. */
  stop(runId: string): boolean {
    const index = this.pending.findIndex((r) => r.runId === runId);
    if (index >= 0) {
      const [request] = this.pending.splice(index, 1);
      this.cancelQueued(request);
      this.checkIdle();
      return true;
    }
    const handle = this.running.get(runId);
    if (!handle) return false;
    handle.stop();
    return true;
  }

  /**
   * Cancels everything queued first (so no stopping run frees a slot for it), then stops the running
   * ones; calling it again kills the workers that are still stopping.
   */
  stopAll(): void {
    for (const request of this.pending.splice(0)) this.cancelQueued(request);
    for (const handle of this.running.values()) handle.stop();
    this.checkIdle();
  }

  /**
   * This launcher is going away (its window closes or reloads). Queued runs stay `queued` on disk,
   * untouched, for the next launcher of the same place to `adopt`; running ones are stopped and end
   * `interrupted` with the reason, keeping what they logged.
   */
  leave(interruptedBecause: string): void {
    this.pending.splice(0);
    for (const handle of this.running.values()) handle.stop(interruptedBecause);
    this.checkIdle();
  }

  private cancelQueued(request: StartRequest): void {
    const record = this.recordEnd(request, { status: 'cancelled' });
    this.events.fire({ type: 'finished', runId: request.runId, status: 'cancelled', summary: { steps: 0, epochs: 0 } });
    this.end(request.runId, record);
  }

  private failToStart(request: StartRequest, error: unknown): void {
    const message = `${request.config.command ? 'the command' : 'the training worker'} could not be started: ${errorMessage(error)}`;
    const record = this.recordEnd(request, { status: 'failed', error: message });
    this.events.fire({ type: 'failed', runId: request.runId, error: message });
    this.end(request.runId, record);
  }

  /** Writes the end of a run that never started; if its folder is gone (deleted meanwhile) only reports it. */
  private recordEnd(request: StartRequest, changes: Partial<RunRecord>): RunRecord {
    const endedAt = new Date().toISOString();
    try {
      const record: RunRecord = { ...readRunDir(request.runDir), ...changes, endedAt };
      writeRunRecord(request.runDir, record);
      return record;
    } catch {
      return { ...request.record, ...changes, endedAt };
    }
  }

  private end(runId: string, record: RunRecord): void {
    this.running.delete(runId);
    this.finals.get(runId)?.resolve(record);
    this.changes.fire({ runId, state: 'ended', record });
  }

  private pump(): void {
    if (this.holding) return;
    while (this.running.size < this.limit && this.pending.length > 0) {
      const request = this.pending.shift()!;
      const alone = this.limit === 1 || (this.running.size === 0 && this.pending.length === 0);
      let handle: RunHandle;
      try {
        handle = this.start({ ...request, threads: runThreads(alone) });
      } catch (e) {
        this.failToStart(request, e);
        continue;
      }
      this.running.set(request.runId, handle);
      handle.onEvent((event) => this.events.fire(event));
      this.changes.fire({ runId: request.runId, state: 'running' });
      void handle.done.then((record) => {
        this.end(request.runId, record);
        this.pump();
      });
    }
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.pending.length > 0 || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
