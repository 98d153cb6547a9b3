/**
 * The Slurm commands PolyLoss Lab uses (sbatch, squeue, scancel, scontrol), run as child processes
 * with their output parsed. Nothing here keeps state: the cluster is the record of its jobs.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Slurm is not usable from here (no sbatch on PATH); the message says what to do. */
export class SlurmUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmUnavailableError';
  }
}

/** A Slurm command that failed; the message holds the command and its error output. */
export class SlurmCommandError extends Error {
  constructor(readonly command: string, readonly stderr: string, message: string) {
    super(message);
    this.name = 'SlurmCommandError';
  }
}

/** The full path of an executable named `name` on `PATH`, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether jobs can be submitted from this machine: `sbatch` is on PATH. */
export function hasSbatch(env: NodeJS.ProcessEnv = process.env): boolean {
  return findOnPath('sbatch', env) !== undefined;
}

export function requireSbatch(env: NodeJS.ProcessEnv = process.env): void {
  if (hasSbatch(env)) return;
  throw new SlurmUnavailableError(
    'the Slurm executor needs Slurm\'s sbatch, which is not on PATH here; run this on a login node of your cluster '
    + '(where sbatch, squeue and scancel work), or train on this machine instead');
}

export interface SlurmRunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a Slurm command and resolves to its stdout; rejects with SlurmCommandError carrying its stderr. */
export function slurmCommand(command: string, args: readonly string[], opts: SlurmRunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const detail = (stderr || error.message).trim();
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new SlurmCommandError(command, stderr, missing ? `${command} is not on PATH` : `${command} ${args.join(' ')} failed: ${detail}`));
    });
  });
}

/** `sbatch --parsable` prints "JOBID" or "JOBID;CLUSTER". */
export function parseSbatchJobId(stdout: string): string {
  const id = stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch did not print a job id (got '${stdout.trim()}')`);
  return id;
}
