import { splitCommandLine } from '../core/commandRun';
import type { RunConfig } from '../core/runConfig';
import { CommandSetupError, prepareCommand, PYTHON_ENV, type InterpreterSearch } from '../runner/commandSetup';
import { clientDirBeside, type CommandLaunchSettings } from '../runner/runQueue';
import { UsageError, type FlagSpec } from './args';
import { writeLine, type CliContext } from './context';

/** Runs of your own command from the CLI: which interpreter, and the checks before any run exists. */

export const PYTHON_FLAG: FlagSpec = {
  name: 'python', type: 'string', valueName: 'PATH',
  description: `the Python interpreter for a command that starts with python or python3 (default: $${PYTHON_ENV}, else python3 on PATH)`,
};

export const COMMAND_FLAG: FlagSpec = {
  name: 'command', type: 'string', valueName: '"PROGRAM ARGS…"',
  description: 'train your own script instead of a built-in model, e.g. "python3 train.py --epochs 5" (it reads its loss and seed through polyloss_lab.init())',
};

/** The words of --command (quotes group words, as in a shell). */
export function commandArgvOf(text: string): string[] {
  const split = splitCommandLine(text);
  if (!split.ok) throw new UsageError(`--command: ${split.message}`);
  return split.argv;
}

/** --python, else POLYLOSS_PYTHON, else python3 / python on PATH. */
export function interpreterSearchOf(python: string | undefined, env: NodeJS.ProcessEnv = process.env): InterpreterSearch {
  return {
    candidates: [
      { value: python, source: '--python flag', explicit: true },
      { value: env[PYTHON_ENV], source: `${PYTHON_ENV} environment variable`, explicit: true },
    ],
    settingHint: `--python PATH or ${PYTHON_ENV}`,
    env,
  };
}

/** The interpreter lines each command invocation has printed: a sweep checks its commands before the estimate and again to train. */
const interpreterLinesSaid = new WeakMap<CliContext, Set<string>>();

function sayOnce(ctx: CliContext, line: string): void {
  const said = interpreterLinesSaid.get(ctx) ?? new Set<string>();
  interpreterLinesSaid.set(ctx, said);
  if (said.has(line)) return;
  said.add(line);
  writeLine(ctx.stderr, line);
}

/**
 * How the queue launches command runs, once each distinct command was checked (its folder, program
 * and interpreter, printed once per invocation): a problem is a usage error and no run folder exists yet.
 * Undefined when no config is a command run.
 */
export function commandLaunchSettings(configs: readonly RunConfig[], python: string | undefined, ctx: CliContext): CommandLaunchSettings | undefined {
  const commands = configs.filter((c) => c.command !== undefined);
  if (commands.length === 0) return undefined;
  const interpreter = interpreterSearchOf(python);
  const seen = new Set<string>();
  for (const config of commands) {
    const key = JSON.stringify([config.command?.argv, config.command?.cwd]);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const prepared = prepareCommand(config.command!, ctx.cwd, interpreter);
      if (prepared.interpreter) sayOnce(ctx, `Python: ${prepared.interpreter.path} (${prepared.interpreter.source})`);
    } catch (e) {
      if (e instanceof CommandSetupError) throw new UsageError(`${e.message}; nothing was started`);
      throw e;
    }
  }
  return { baseDir: ctx.cwd, interpreter, clientDir: clientDirBeside(ctx.workerPath) };
}
