import { PreflightError } from '../training/preflight';
import { RunStoreError } from '../store/runStore';
import { formatHelp, parseArgs, UsageError } from './args';
import { COMMANDS } from './commands/index';
import { runsDirOf, writeJson, writeLine, type CliContext } from './context';
import { EXIT_RUN_FAILED, EXIT_USAGE } from './training';
import { errorMessage } from '../core/errors';
import { WorkerPool } from '../runner/workerPool';

function generalHelp(): string {
  const listed = COMMANDS.filter((c) => !c.spec.hidden);
  const width = Math.max(...listed.map((c) => c.spec.name.length));
  return [
    'Usage: polyloss <command> [flags]',
    '',
    'Train classifiers with the PolyLoss family (CE, Poly-1, Poly-N, focal, Poly-1 focal) and compare runs.',
    '',
    'Commands:',
    ...listed.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary.split('. ')[0].replace(/\.$/, '')}`),
    '',
    'Every command takes --runs-dir DIR (default $POLYLOSS_RUNS_DIR, else .polyloss/runs), --json and --help.',
    'Exit codes: 0 ok, 1 a run failed, 2 usage error, 3 a run diverged (none failed), 130 interrupted (Ctrl-C).',
  ].join('\n');
}

/** User mistakes (bad flags, unusable data, unknown run ids, a runs folder that cannot be written) exit with 2; everything else that throws with 1. */
function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof PreflightError) return EXIT_USAGE;
  if (error instanceof RunStoreError && error.code !== 'broken') return EXIT_USAGE;
  return EXIT_RUN_FAILED;
}

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const json = argv.includes('--json');
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      writeLine(ctx.stdout, generalHelp());
      return 0;
    }
    const command = COMMANDS.find((c) => c.spec.name === name);
    if (!command) {
      throw new UsageError(`unknown command '${name}'; commands are ${COMMANDS.filter((c) => !c.spec.hidden).map((c) => c.spec.name).join(', ')} (see polyloss --help)`);
    }
    const args = parseArgs(rest, command.spec);
    if (args.flags.help) {
      writeLine(ctx.stdout, formatHelp(command.spec));
      return 0;
    }
    // One pool for the whole command: a tune's rounds and a sweep's calibration and runs share warm workers.
    const workers = ctx.workers ?? new WorkerPool({ workerPath: ctx.workerPath, cwd: ctx.cwd });
    try {
      return await command.run({ args, ctx: { ...ctx, workers }, json: args.flags.json === true, runsDir: runsDirOf(args, ctx.cwd) });
    } finally {
      if (workers !== ctx.workers) workers.dispose();
    }
  } catch (error) {
    const code = exitCodeOf(error);
    const message = errorMessage(error);
    if (json) writeJson(ctx, { error: message, exitCode: code });
    writeLine(ctx.stderr, `polyloss: ${message}`);
    if (code === EXIT_RUN_FAILED && error instanceof Error && !(error instanceof RunStoreError) && process.env.POLYLOSS_DEBUG) {
      writeLine(ctx.stderr, error.stack ?? '');
    }
    return code;
  }
}
