/**
 * The sbatch script of one job array: one task per run, each training the queued run folder of its
 * index with `polyloss task`. It is written next to the sweep's settings and kept, so what runs on
 * the cluster can be read, and submitted again by hand (`sbatch FILE`).
 */
import type { SlurmOptions } from '../../core/slurmOptions';

export { checkSlurmOptions, SlurmOptionError, type SlurmOptions } from '../../core/slurmOptions';

/** `0-5%2`: every index of `count` tasks, at most `maxParallel` running at once. */
export function arraySpec(count: number, maxParallel?: number): string {
  return `0-${count - 1}${maxParallel ? `%${maxParallel}` : ''}`;
}

/** Quotes a word for bash (single quotes; a quote inside becomes '\''). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SlurmScriptInput {
  jobName: string;
  /** The run id of each array index. */
  runIds: readonly string[];
  runsDir: string;
  /** The tasks' working folder: relative dataset paths resolve against it. */
  cwd: string;
  /** Absolute paths of node and of the polyloss CLI bundle (dist/cli.js): the nodes need no PATH set-up. */
  nodePath: string;
  cliPath: string;
  /** Where Slurm writes each task's output (slurm-JOBID_TASK.out). */
  logDir: string;
  options: SlurmOptions;
  /** Environment the tasks get on top of sbatch's exported one. */
  env?: Record<string, string>;
  createdAt?: Date;
}

export function sbatchScript(input: SlurmScriptInput): string {
  const { options } = input;
  const directives = [
    `--job-name=${input.jobName}`,
    `--array=${arraySpec(input.runIds.length, options.maxParallel)}`,
    `--output=${input.logDir}/slurm-%A_%a.out`,
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    ...(options.time ? [`--time=${options.time}`] : []),
    ...(options.cpus ? [`--cpus-per-task=${options.cpus}`] : []),
    ...(options.gpus ? [`--gpus-per-task=${options.gpus}`] : []),
    ...(options.extraArgs ?? []),
  ];
  const env = Object.entries(input.env ?? {}).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
  return [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    '#',
    `# PolyLoss Lab, ${(input.createdAt ?? new Date()).toISOString()}: ${input.runIds.length} run(s), one array task each.`,
    '# Each task trains the queued run folder of its index (run.json and metrics.jsonl, as on any machine).',
    '# Submit again with `sbatch THIS_FILE`: a task whose run already ended leaves it as it is',
    '# (`polyloss sweep --resume SWEEP_ID` submits a new array for the runs that did not finish).',
    'set -euo pipefail',
    'RUNS=(',
    ...input.runIds.map((id) => `  ${shellQuote(id)}`),
    ')',
    `cd ${shellQuote(input.cwd)}`,
    '# node as a plain Node.js even when it is the editor\'s own runtime',
    'export ELECTRON_RUN_AS_NODE=1',
    ...env,
    `exec ${shellQuote(input.nodePath)} ${shellQuote(input.cliPath)} task --runs-dir ${shellQuote(input.runsDir)} --run "\${RUNS[$SLURM_ARRAY_TASK_ID]}"`,
    '',
  ].join('\n');
}
