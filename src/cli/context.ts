import * as fs from 'node:fs';
import * as path from 'node:path';
import { stripControlChars } from '../core/controlChars';
import { reconcileSlurm } from '../runner/slurm/status';
import { describeFsError, reconcileInterrupted, RunStoreError } from '../store/runStore';
import { UsageError } from './args';
import type { CommandSpec, FlagSpec, ParsedArgs } from './args';
import { errorMessage } from '../core/errors';
import type { WorkerPool } from '../runner/workerPool';

/** Flags every command takes. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'runs-dir', type: 'string', valueName: 'DIR', description: 'where runs are stored (default: $POLYLOSS_RUNS_DIR, else .polyloss/runs in the current folder)' },
  { name: 'json', type: 'boolean', description: 'machine-readable JSON output on stdout' },
  { name: 'help', type: 'boolean', description: 'show this help' },
];

export const DEFAULT_RUNS_DIR = path.join('.polyloss', 'runs');

/** What a command needs from its surroundings; tests and the process entry provide it. */
export interface CliContext {
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream;
  /** The bundled training worker. */
  workerPath: string;
  /** Warm training workers for the command's runs (runCli makes them when absent). */
  workers?: WorkerPool;
}

export interface CommandInput {
  args: ParsedArgs;
  ctx: CliContext;
  json: boolean;
  runsDir: string;
}

export interface Command {
  spec: CommandSpec;
  /** Resolves to the exit code. */
  run(input: CommandInput): Promise<number>;
}

/** --runs-dir, else $POLYLOSS_RUNS_DIR (where the Python client puts a script's runs too), else .polyloss/runs. */
export function runsDirOf(args: ParsedArgs, cwd: string): string {
  const given = args.flags['runs-dir'];
  return path.resolve(cwd, typeof given === 'string' ? given : process.env.POLYLOSS_RUNS_DIR || DEFAULT_RUNS_DIR);
}

/**
 * Marks runs whose processes are gone as interrupted before showing them. Best effort: a runs
 * folder we may read but not write is still listed.
 */
export function reconcileBeforeReading(runsDir: string, ctx: CliContext): void {
  try {
    reconcileInterrupted(runsDir);
  } catch (e) {
    if (e instanceof RunStoreError && e.code === 'unreadable') return; // the command reports it when it reads
    writeLine(ctx.stderr, `note: could not update interrupted runs in ${runsDir}: ${errorMessage(e)}`);
  }
}

/**
 * Runs `write`, which writes files for `flag` (e.g. --out) at `target`; a file-system refusal
 * (read-only, permission, a file where a folder should be) becomes a usage error saying so.
 */
export function writeOutput<T>(flag: string, target: string, write: (target: string) => T): T {
  try {
    return write(target);
  } catch (e) {
    if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
    throw new UsageError(`${flag} ${target}: cannot write there: ${describeFsError(e, target)}`);
  }
}

/** Records the ends Slurm caused (time limit, scancel, node failure…) of runs on a cluster, before showing them. */
export async function reconcileSlurmBeforeReading(runsDir: string, ctx: CliContext): Promise<void> {
  try {
    await reconcileSlurm(runsDir);
  } catch (e) {
    if (e instanceof RunStoreError && e.code === 'unreadable') return;
    writeLine(ctx.stderr, `note: could not ask Slurm about the runs in ${runsDir}: ${(e as Error).message}`);
  }
}

export function writeJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A line of text output; names and messages read from files may hold control characters, which are dropped. */
export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(stripControlChars(text) + '\n');
}

/** dist/worker.js next to the bundled CLI (dist/cli.js), or under dist/ when running from sources. */
export function defaultWorkerPath(): string {
  if (process.env.POLYLOSS_WORKER) return path.resolve(process.env.POLYLOSS_WORKER);
  const besideCli = path.join(__dirname, 'worker.js');
  return fs.existsSync(besideCli) ? besideCli : path.resolve(__dirname, '..', '..', 'dist', 'worker.js');
}
