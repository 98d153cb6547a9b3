/**
 * The dataset check of training/preflight run in a training worker, for a caller whose thread must
 * stay responsive: the extension host. Parsing a large CSV file takes a while, and the worker does
 * this without loading TensorFlow.js. A pooled worker keeps what it parsed and stays warm for the runs.
 */
import * as fs from 'node:fs';
import { isPreflightReply, type PreflightBatch, type PreflightCommand, type PreflightReply } from '../core/protocol';
import { forkWorker, type WorkerPool } from './workerPool';

export interface PreflightWorkerOptions {
  /** The bundled worker: `path.join(<dist dir>, 'worker.js')`. */
  workerPath: string;
  /** The folder relative dataset paths resolve against: the training workers' (default: this process's). */
  cwd?: string;
  /** Aborting ends the check at once; the result is then 'cancelled'. */
  signal?: AbortSignal;
  /** Warm workers (their `cwd` applies then); without it, a worker is forked for the check alone. */
  workers?: WorkerPool;
}

const STDERR_TAIL_CHARS = 2000;

/**
 * Checks the batches' datasets in a worker process: the worker's answer, or 'cancelled'. A worker
 * that ends without answering counts as a failed check, with the end of its stderr.
 */
export function preflightInWorker(batches: PreflightBatch[], opts: PreflightWorkerOptions): Promise<PreflightReply | 'cancelled'> {
  if (!fs.existsSync(opts.workerPath)) {
    return Promise.reject(new Error(`training worker not found at ${opts.workerPath}; build it first (npm run build)`));
  }
  if (opts.signal?.aborted) return Promise.resolve('cancelled');
  const worker = opts.workers ? opts.workers.take() : forkWorker(opts, false);
  const child = worker.process;
  return new Promise((resolve, reject) => {
    let stderrTail = '';
    const onStderr = (chunk: string): void => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    };
    const abort = (): void => {
      child.kill('SIGKILL');
    };
    const detach = (): void => {
      opts.signal?.removeEventListener('abort', abort);
      child.off('message', onMessage).off('error', onError).off('close', onClose);
      child.stderr?.off('data', onStderr);
    };
    const onMessage = (message: unknown): void => {
      if (!isPreflightReply(message)) return;
      detach();
      if (worker.reusable) opts.workers?.giveBack(worker);
      resolve(message);
    };
    const onError = (e: Error): void => {
      detach();
      child.kill('SIGKILL');
      reject(new Error(`the dataset check could not start: ${e.message}`));
    };
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void => {
      detach();
      if (opts.signal?.aborted) return resolve('cancelled');
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      const lastLines = stderrTail.trim().split('\n').slice(-3).join('\n');
      resolve({ type: 'preflight-failed', field: 'dataset', message: `the dataset check ended without an answer (${why})${lastLines ? `:\n${lastLines}` : ''}` });
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.stderr?.on('data', onStderr);
    child.on('message', onMessage).on('error', onError).on('close', onClose);
    child.send({ type: 'preflight', batches } satisfies PreflightCommand, () => undefined);
  });
}
