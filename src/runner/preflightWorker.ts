/**
 * The dataset check of training/preflight run in a short-lived worker process (`dist/worker.js
 * --preflight`), for a caller whose thread must stay responsive: the extension host. Parsing a large
 * CSV file takes a while, and the worker does this without loading TensorFlow.js.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import { isPreflightReply, type PreflightBatch, type PreflightCommand, type PreflightReply } from '../core/protocol';

export interface PreflightWorkerOptions {
  /** The bundled worker: `path.join(<dist dir>, 'worker.js')`. */
  workerPath: string;
  /** The folder relative dataset paths resolve against: the training workers' (default: this process's). */
  cwd?: string;
  /** Aborting ends the check at once; the result is then 'cancelled'. */
  signal?: AbortSignal;
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
  return new Promise((resolve, reject) => {
    const child = fork(opts.workerPath, ['--preflight'], {
      serialization: 'advanced', cwd: opts.cwd, execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderrTail = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    let reply: PreflightReply | undefined;
    child.on('message', (message: unknown) => {
      if (isPreflightReply(message)) reply = message;
    });
    const abort = (): void => {
      child.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', abort);
      child.kill('SIGKILL');
      reject(new Error(`the dataset check could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', abort);
      if (reply) return resolve(reply);
      if (opts.signal?.aborted) return resolve('cancelled');
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      const lastLines = stderrTail.trim().split('\n').slice(-3).join('\n');
      resolve({ type: 'preflight-failed', field: 'dataset', message: `the dataset check ended without an answer (${why})${lastLines ? `:\n${lastLines}` : ''}` });
    });
    child.send({ type: 'preflight', batches } satisfies PreflightCommand);
  });
}
