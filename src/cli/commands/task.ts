import { clientDirBeside } from '../../runner/runQueue';
import { runSlurmTask } from '../../runner/slurm/task';
import { interpreterSearchOf } from '../commandRuns';
import { GLOBAL_FLAGS, writeLine, type Command } from '../context';

/**
 * `polyloss task --run ID`: what one task of a Slurm job array runs (written into the sbatch script
 * by `--executor slurm`): trains the queued run ID with the same worker as any run. Not listed in
 * `polyloss --help`: users submit sweeps, not tasks.
 */
export const taskCommand: Command = {
  spec: {
    name: 'task',
    hidden: true,
    summary: 'Train one queued run as a task of a Slurm job array (used by the sbatch scripts that --executor slurm writes).',
    flags: [{ name: 'run', type: 'string', valueName: 'RUN_ID', description: 'the queued run to train' }, ...GLOBAL_FLAGS],
  },
  async run({ args, ctx, runsDir }) {
    const runId = args.flags.run;
    if (typeof runId !== 'string') {
      writeLine(ctx.stderr, 'polyloss task: --run RUN_ID is required');
      return 2;
    }
    // A command run finds its interpreter as the submitter did: POLYLOSS_PYTHON (the script exports --python), else PATH.
    const commands = { baseDir: ctx.cwd, interpreter: interpreterSearchOf(undefined), clientDir: clientDirBeside(ctx.workerPath) };
    return runSlurmTask({ runsDir, runId, workerPath: ctx.workerPath, cwd: ctx.cwd, commands, log: (line) => writeLine(ctx.stdout, line) });
  },
};
