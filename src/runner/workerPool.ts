/**
 * Warm training workers for the runs of a queue or sweep. Starting a worker costs more than a short
 * run trains (process start, TensorFlow.js with its wasm backend and our kernels, the dataset, V8
 * warm-up), so a worker whose run ended well takes the next run instead of exiting. A worker that
 * waits longer than `idleMs` is let go, and so are all waiting ones when the pool is disposed.
 * Waiting workers never keep this process alive, and exit by themselves when it ends.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { WorkerCommand } from '../core/protocol';
import type { RunConfig } from '../core/runConfig';

/** How long a worker waits for another run before it is let go. */
const DEFAULT_IDLE_MS = 15_000;

export interface WorkerSpawnOptions {
  /** The bundled worker: `path.join(<dist dir>, 'worker.js')`. */
  workerPath: string;
  /** Extra environment variables for the worker processes. */
  env?: NodeJS.ProcessEnv;
  /** The workers' working folder, against which relative dataset paths resolve (default: this process's). */
  cwd?: string;
}

export interface WorkerPoolOptions extends WorkerSpawnOptions {
  idleMs?: number;
  /**
   * False: every worker trains one run and exits, as before pooling (to compare, or to rule the
   * reuse out). Default: true unless the environment sets POLYLOSS_REUSE_WORKERS=0.
   */
  reuse?: boolean;
}

/** A training worker process lent for one run. */
export interface TrainingWorker {
  readonly process: ChildProcess;
  /** True: it stays after reporting the end of its run, for the pool to take back; false: it exits. */
  readonly reusable: boolean;
}

/** Forks a training worker; `reusable` ones stay after a run (see training/worker.ts). */
function forkWorker(opts: WorkerSpawnOptions, reusable: boolean): TrainingWorker {
  const child = fork(opts.workerPath, reusable ? ['--reuse'] : [], {
    serialization: 'advanced', // keeps NaN/Infinity losses intact, unlike JSON
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    execArgv: [], // not the parent's flags: an inspector port or loader meant for the host
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Own process group: a terminal Ctrl-C reaches only the launcher, which stops workers gracefully.
    detached: true,
  });
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8');
  // A failed spawn leaves the worker unusable; whoever lent it (startRun, the data check) reports it.
  child.on('error', () => undefined);
  return { process: child, reusable };
}

/** What one job (a run, a data check) listens to on the worker lent to it. */
export interface WorkerListeners {
  message(message: unknown): void;
  close(code: number | null, signal: NodeJS.Signals | null): void;
  error(e: Error): void;
}

/** A worker lent to one job, with the job's listeners on it until `detach`. */
export interface WorkerLoan {
  readonly worker: TrainingWorker;
  readonly child: ChildProcess;
  /** The last `count` lines the worker wrote to stderr during the job (for the job's error). */
  stderrLines(count: number): string;
  detach(): void;
}

const STDERR_TAIL_CHARS = 2000;

/** A warm worker of `opts.workers`, or one forked for the job alone, with the job's listeners on it. */
export function lendWorker(opts: WorkerSpawnOptions & { workers?: WorkerPool }, listeners: WorkerListeners): WorkerLoan {
  const worker = opts.workers ? opts.workers.take() : forkWorker(opts, false);
  const child = worker.process;
  let stderrTail = '';
  const onStderr = (chunk: string): void => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
  };
  child.stderr?.on('data', onStderr);
  child.on('message', listeners.message).on('close', listeners.close).on('error', listeners.error);
  return {
    worker,
    child,
    stderrLines: (count) => stderrTail.trim().split('\n').slice(-count).join('\n'),
    detach: () => {
      child.off('message', listeners.message).off('close', listeners.close).off('error', listeners.error);
      child.stderr?.off('data', onStderr);
    },
  };
}

/** Whether the process and its channel are still there to take a run. */
function usable(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.connected;
}

/** Whether a waiting worker keeps this process's event loop alive (it must not: it waits for nothing here). */
function holdProcess(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.channel, child.stdout, child.stderr] as ({ ref?(): void; unref?(): void } | null | undefined)[];
  for (const handle of handles) {
    if (hold) handle?.ref?.();
    else handle?.unref?.();
  }
}

interface Waiting {
  child: ChildProcess;
  timer: NodeJS.Timeout;
  onExit: () => void;
}

export class WorkerPool {
  private readonly waiting: Waiting[] = [];
  /** Workers lent out (training, or checking data), each with what forgets it when it exits meanwhile. */
  private readonly lent = new Map<ChildProcess, () => void>();
  private readonly idleMs: number;
  private readonly reuse: boolean;
  private disposed = false;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.reuse = opts.reuse ?? process.env.POLYLOSS_REUSE_WORKERS !== '0';
  }

  /** Workers waiting for a run now. */
  get idleCount(): number {
    return this.waiting.length;
  }

  /** A waiting worker (the most recently used: the warmest), else a new one. */
  take(): TrainingWorker {
    for (let w = this.waiting.pop(); w; w = this.waiting.pop()) {
      this.forget(w);
      if (!usable(w.child)) continue;
      holdProcess(w.child, true);
      return this.lend({ process: w.child, reusable: true });
    }
    return this.lend(forkWorker(this.opts, this.reuse && !this.disposed));
  }

  private lend(worker: TrainingWorker): TrainingWorker {
    const child = worker.process;
    const onExit = (): void => void this.lent.delete(child);
    child.once('exit', onExit);
    this.lent.set(child, onExit);
    return worker;
  }

  /** `child` is no longer lent out. */
  private returned(child: ChildProcess): void {
    const onExit = this.lent.get(child);
    if (onExit) child.off('exit', onExit);
    this.lent.delete(child);
  }

  /** The run lent with `worker` ended and the worker reported it: it waits for the next run. */
  giveBack(worker: TrainingWorker): void {
    const child = worker.process;
    this.returned(child);
    if (!worker.reusable || this.disposed || !usable(child)) {
      letGo(child);
      return;
    }
    holdProcess(child, false);
    const entry: Waiting = {
      child,
      timer: setTimeout(() => this.drop(entry), this.idleMs).unref(),
      onExit: () => this.drop(entry),
    };
    child.once('exit', entry.onExit);
    this.waiting.push(entry);
  }

  /** The worker's run ended, but the worker is not to be trusted with another (it was signalled): it goes. */
  letGo(worker: TrainingWorker): void {
    this.returned(worker.process);
    letGo(worker.process);
  }

  /**
   * Starts workers ahead of the built-in runs of `configs`, until as many wait or are lent out as will
   * train at once with them (at most `concurrency`; a worker busy now takes a queued run when done), each loading the training code, the backend and the data of the first meanwhile
   * (while the caller checks data or calibrates): the runs then start warm. A run handed to such a
   * worker starts once its warm-up is done.
   */
  warmUp(configs: readonly RunConfig[], concurrency: number): void {
    const builtin = configs.filter((c) => c.command === undefined);
    if (!this.reuse || this.disposed || builtin.length === 0 || !fs.existsSync(this.opts.workerPath)) return;
    const training = Math.min(concurrency, this.lent.size + builtin.length);
    while (this.waiting.length + this.lent.size < training) {
      const worker = forkWorker(this.opts, true);
      const command: WorkerCommand = { type: 'warm-up', config: builtin[0] };
      worker.process.send(command, () => undefined);
      this.giveBack(worker);
    }
  }

  /** Lets every waiting worker go now; workers still training are let go when their run ends. */
  dispose(): void {
    this.disposed = true;
    for (const w of this.waiting.splice(0)) {
      this.forget(w);
      letGo(w.child);
    }
  }

  private drop(entry: Waiting): void {
    const index = this.waiting.indexOf(entry);
    if (index >= 0) this.waiting.splice(index, 1);
    this.forget(entry);
    letGo(entry.child);
  }

  private forget(entry: Waiting): void {
    clearTimeout(entry.timer);
    entry.child.off('exit', entry.onExit);
  }
}

/** A worker without a run exits when its channel closes (or, failing that, on SIGTERM). */
function letGo(child: ChildProcess): void {
  if (child.connected) child.disconnect();
  else if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
