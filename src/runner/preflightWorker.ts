/**
 * The dataset check of training/preflight run in a training worker, for a caller whose thread must
 * stay responsive: the extension host. Parsing a large CSV file takes a while, and the worker does
 * this without loading TensorFlow.js. A pooled worker keeps the bundled or IDX files it parsed (a CSV check
 * reads the first rows only) and stays warm for the runs.
 */
import * as fs from 'node:fs';
import { isPreflightReply, type PreflightBatch, type PreflightCommand, type PreflightReply } from '../core/protocol';
import { lendWorker, type WorkerPool } from './workerPool';

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

/**
 * Checks the batches' datasets in a worker process: the worker's answer, or 'cancelled'. A worker
 * that ends without answering counts as a failed check, with the end of its stderr.
 */
export function preflightInWorker(batches: PreflightBatch[], opts: PreflightWorkerOptions): Promise<PreflightReply | 'cancelled'> {
  if (!fs.existsSync(opts.workerPath)) {
    return Promise.reject(new Error(`training worker not found at ${opts.workerPath}; build it first (npm run build)`));
  }
  if (opts.signal?.aborted) return Promise.resolve('cancelled');
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      loan.child.kill('SIGKILL');
    };
    const detach = (): void => {
      opts.signal?.removeEventListener('abort', abort);
      loan.detach();
    };
    const loan = lendWorker(opts, {
      message: (message) => {
        if (!isPreflightReply(message)) return;
        detach();
        opts.workers?.giveBack(loan.worker);
        resolve(message);
      },
      error: (e) => {
        detach();
        loan.child.kill('SIGKILL');
        reject(new Error(`the dataset check could not start: ${e.message}`));
      },
      close: (code, signal) => {
        detach();
        if (opts.signal?.aborted) return resolve('cancelled');
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        const lastLines = loan.stderrLines(3);
        resolve({ type: 'preflight-failed', field: 'dataset', message: `the dataset check ended without an answer (${why})${lastLines ? `:\n${lastLines}` : ''}` });
      },
    });
    opts.signal?.addEventListener('abort', abort, { once: true });
    loan.child.send({ type: 'preflight', batches } satisfies PreflightCommand, () => undefined);
  });
}
