/**
 * `--executor slurm` for `polyloss sweep` and `polyloss run`: the flags, the submission of one job
 * array (runner/slurm), and `--wait`, which follows the array with the usual progress display.
 */
import * as path from 'node:path';
import type { RunConfig } from '../core/runConfig';
import { preflightConfigs } from '../training/preflight';
import { SlurmExecutor } from '../runner/slurm/executor';
import { checkSlurmOptions, SlurmOptionError, type SlurmOptions } from '../runner/slurm/script';
import { interpreterTaskEnv, unsharedFolderWarning, type SlurmSubmission } from '../runner/slurm/submit';
import { requireSbatch, SlurmUnavailableError } from '../runner/slurm/tools';
import { listRuns } from '../store/runStore';
import { recordSlurmSubmission, removeSavedSweep, saveSweep, type SavedSweep } from '../store/sweepFiles';
import { UsageError, type FlagSpec, type FlagValue } from './args';
import { commandLaunchSettings } from './commandRuns';
import { writeJson, writeLine, type CliContext } from './context';
import { runTraining, type TrainingResult } from './training';

export const EXECUTOR_FLAG: FlagSpec = {
  name: 'executor', type: 'string', values: ['local', 'slurm'], valueName: 'local|slurm',
  description: 'where the runs train: this machine (default), or a Slurm cluster as one job array (sbatch on PATH)',
};

export const SLURM_FLAGS: readonly FlagSpec[] = [
  { name: 'slurm-partition', type: 'string', valueName: 'P', description: 'Slurm partition of the tasks' },
  { name: 'slurm-time', type: 'string', valueName: 'HH:MM:SS', description: 'time limit per task (Slurm formats: minutes, HH:MM:SS, D-HH:MM…)' },
  { name: 'slurm-cpus', type: 'integer', min: 1, valueName: 'N', description: 'CPUs per task' },
  { name: 'slurm-gpus', type: 'integer', min: 0, valueName: 'N', description: 'GPUs per task' },
  { name: 'slurm-max-parallel', type: 'integer', min: 1, valueName: 'M', description: 'at most M tasks running at once (--array=0-(N-1)%M)' },
  {
    name: 'slurm-arg', type: 'string', repeatable: true, optionValue: true, valueName: 'ARG',
    description: 'one more sbatch option for the script, e.g. --slurm-arg --qos=short (repeatable)',
  },
  { name: 'wait', type: 'boolean', description: 'with --executor slurm: follow the array with progress until every run has ended' },
];

const FLAG_OF_OPTION: Readonly<Record<keyof SlurmOptions, string>> = {
  partition: '--slurm-partition', time: '--slurm-time', cpus: '--slurm-cpus', gpus: '--slurm-gpus',
  maxParallel: '--slurm-max-parallel', extraArgs: '--slurm-arg',
};

export function isSlurm(flags: Record<string, FlagValue>): boolean {
  return flags.executor === 'slurm';
}

/** The Slurm settings of the flags, over `saved` ones (a resumed sweep's); refuses them without --executor slurm. */
export function slurmOptionsOf(flags: Record<string, FlagValue>, saved: SlurmOptions = {}): SlurmOptions {
  const given = SLURM_FLAGS.filter((flag) => flags[flag.name] !== undefined).map((flag) => `--${flag.name}`);
  if (!isSlurm(flags)) {
    if (given.length > 0) throw new UsageError(`${given.join(', ')} only apply with --executor slurm`);
    return {};
  }
  if (flags.concurrency !== undefined) throw new UsageError('--concurrency is for this machine; on Slurm, --slurm-max-parallel M limits how many tasks run at once');
  const options: SlurmOptions = { ...saved };
  if (flags['slurm-partition'] !== undefined) options.partition = flags['slurm-partition'] as string;
  if (flags['slurm-time'] !== undefined) options.time = flags['slurm-time'] as string;
  if (flags['slurm-cpus'] !== undefined) options.cpus = flags['slurm-cpus'] as number;
  if (flags['slurm-gpus'] !== undefined) options.gpus = flags['slurm-gpus'] as number;
  if (flags['slurm-max-parallel'] !== undefined) options.maxParallel = flags['slurm-max-parallel'] as number;
  if (flags['slurm-arg'] !== undefined) options.extraArgs = flags['slurm-arg'] as string[];
  try {
    return checkSlurmOptions(options);
  } catch (e) {
    if (e instanceof SlurmOptionError) throw new UsageError(`${FLAG_OF_OPTION[e.field]}: ${e.message}`);
    throw e;
  }
}

/** Refuses at once, before any run folder exists, on a machine where Slurm cannot be reached. */
export function checkSlurmReachable(): void {
  try {
    requireSbatch();
  } catch (e) {
    if (e instanceof SlurmUnavailableError) throw new UsageError(`--executor slurm: ${e.message}`);
    throw e;
  }
}

/** The bundled CLI the tasks run: dist/cli.js beside the worker. */
function cliPathOf(ctx: CliContext): string {
  return path.join(path.dirname(ctx.workerPath), 'cli.js');
}

export interface SlurmSubmitInput {
  configs: readonly RunConfig[];
  runsDir: string;
  ctx: CliContext;
  options: SlurmOptions;
  /** Keeps the script and the tasks' output. */
  folder: string;
  jobName: string;
  /** A new sweep to save first (removed again when nothing could be submitted). */
  toSave?: SavedSweep;
  /** The sweep whose saved settings record the submission. */
  sweepId?: string;
  confineDatasetsTo?: string;
  /** --python, for configs that run the user's command. */
  python?: string;
  wait: boolean;
  json: boolean;
}

export interface SlurmSubmitOutcome {
  submission: SlurmSubmission;
  /** Set with --wait. */
  result?: TrainingResult;
}

/** Submits the configs as one job array; with `wait`, follows it to the end with progress. */
export async function submitToSlurm(input: SlurmSubmitInput): Promise<SlurmSubmitOutcome> {
  const { ctx, runsDir } = input;
  checkSlurmReachable();
  // A command run's script, folder and interpreter are checked here, as on this machine; the tasks use the same interpreter.
  const commands = commandLaunchSettings(input.configs, input.python, ctx);
  const taskEnv = commands && input.python ? interpreterTaskEnv(path.resolve(ctx.cwd, input.python)) : undefined;
  const warning = unsharedFolderWarning(runsDir);
  if (warning) writeLine(ctx.stderr, `warning: ${warning}`);
  const began = performance.now();
  let submission: SlurmSubmission | undefined;
  const executor = new SlurmExecutor({
    runsDir, folder: input.folder, jobName: input.jobName, options: input.options, cwd: ctx.cwd, cliPath: cliPathOf(ctx), taskEnv,
    onSubmitted: (made) => {
      submission = made;
      if (input.sweepId) recordSlurmSubmission(runsDir, input.sweepId, { ...made, options: input.options });
      announce(ctx, made, input.folder, performance.now() - began);
    },
  });
  const savedFile = input.toSave && saveSweep(runsDir, input.toSave);
  if (savedFile) writeLine(ctx.stderr, `Sweep settings saved to ${savedFile}`);
  let result: TrainingResult | undefined;
  try {
    if (input.wait) {
      result = await runTraining(input.configs, {
        runsDir, concurrency: 1, ctx, executor, confineDatasetsTo: input.confineDatasetsTo,
        detachOnSignal: { detach: () => executor.detach(), note: 'Stopped following; the runs go on on the cluster (polyloss sweep --stop or scancel stops them).' },
      });
    } else {
      await preflightConfigs(input.configs, { baseDir: ctx.cwd, confineTo: input.confineDatasetsTo });
      await executor.submit(input.configs);
      executor.detach();
    }
  } catch (e) {
    if (input.toSave && !listRuns(runsDir).runs.some((r) => r.config.sweepId === input.toSave!.sweepId)) removeSavedSweep(runsDir, input.toSave.sweepId);
    throw e;
  }
  if (!input.wait) {
    if (input.json) writeJson(ctx, { ...submission!, sweepId: input.sweepId ?? null });
    else writeLine(ctx.stdout, submission!.jobId);
  }
  return { submission: submission!, result };
}

function announce(ctx: CliContext, submission: SlurmSubmission, folder: string, ms: number): void {
  writeLine(ctx.stderr, `Submitted ${submission.runIds.length} run(s) to Slurm as job ${submission.jobId} (array ${submission.array}) in ${(ms / 1000).toFixed(2)} s.`);
  writeLine(ctx.stderr, `Script: ${submission.script}`);
  writeLine(ctx.stderr, `Task output: ${path.join(folder, `slurm-${submission.jobId}_*.out`)}`);
}
