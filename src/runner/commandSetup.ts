// What a command run needs before anything is created: its folder, its program and, for a first
// word python / python3, the interpreter. Every problem is a CommandSetupError whose message says
// what to fix, so callers refuse the run without leaving a folder behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPythonWord } from '../core/commandRun';
import type { CommandSpec } from '../core/runConfig';

/**
 * The environment variable that names the interpreter for command runs where no setting can: what a
 * Slurm task reads to use the interpreter its submitter chose.
 */
export const PYTHON_ENV = 'POLYLOSS_PYTHON';

export class CommandSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandSetupError';
  }
}

/** A Python interpreter and how it was chosen ("polyloss.pythonPath setting", "python3 on PATH"…). */
export interface InterpreterChoice {
  path: string;
  source: string;
}

/** A place an interpreter may come from, most wanted first. */
export interface InterpreterCandidate {
  /** A path, or a name looked up on PATH; undefined when this place names none. */
  value: string | undefined;
  /** Where it comes from, e.g. "polyloss.pythonPath setting". */
  source: string;
  /** An explicit choice the user made: when it does not work that is an error, not a reason to look further. */
  explicit: boolean;
}

/** Where to look and what to name when nothing works, e.g. "the polyloss.pythonPath setting". */
export interface InterpreterSearch {
  candidates: readonly InterpreterCandidate[];
  /** How the user sets an interpreter, for the message when none works. */
  settingHint: string;
  env?: NodeJS.ProcessEnv;
}

/** The command ready to spawn: the program's absolute path, its arguments and its folder. */
export interface PreparedCommand {
  program: string;
  args: string[];
  cwd: string;
  /** Set when a first word python / python3 was replaced. */
  interpreter?: InterpreterChoice;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A program as spawn would find it: a path (relative to `cwd`) when it has a slash, else the first match on PATH. */
export function findExecutable(program: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (program.includes('/') || program.includes(path.sep)) {
    const file = path.resolve(cwd, program);
    return isExecutableFile(file) ? file : undefined;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, program);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/**
 * The interpreter to run python scripts with: the first candidate that works, else python3 or
 * python on PATH. A candidate the user chose explicitly that does not work is an error that names it.
 */
export function resolveInterpreter(search: InterpreterSearch, cwd: string): InterpreterChoice {
  for (const candidate of search.candidates) {
    if (!candidate.value) continue;
    const found = findExecutable(candidate.value, cwd, search.env);
    if (found) return { path: found, source: candidate.source };
    if (candidate.explicit) {
      throw new CommandSetupError(`the ${candidate.source} names ${candidate.value}, which is not an executable file; `
        + `fix it or clear it to use python3 from PATH`);
    }
  }
  for (const name of ['python3', 'python']) {
    const found = findExecutable(name, cwd, search.env);
    if (found) return { path: found, source: `${name} on PATH` };
  }
  throw new CommandSetupError(`no Python interpreter found: neither python3 nor python is on PATH; set ${search.settingHint}`);
}

/**
 * Checks a command before its run exists: the folder is there, the program is found and, for a
 * Python script given by file, the script is there too. `baseDir` is where a relative cwd starts.
 */
export function prepareCommand(command: CommandSpec, baseDir: string, search: InterpreterSearch): PreparedCommand {
  const cwd = path.resolve(baseDir, command.cwd ?? '.');
  let isDir = false;
  try {
    isDir = fs.statSync(cwd).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new CommandSetupError(`command.cwd: folder not found: ${cwd}`);
  const [first, ...args] = command.argv;
  if (!first) throw new CommandSetupError('command.argv is empty: give the program to run, e.g. ["python3", "train.py"]');
  if (isPythonWord(first)) {
    const interpreter = resolveInterpreter(search, cwd);
    const script = args[0] !== undefined && !args[0].startsWith('-') ? args[0] : undefined; // python3 train.py …
    if (script !== undefined && !fs.existsSync(path.resolve(cwd, script))) {
      throw new CommandSetupError(`script not found: ${script} (in ${cwd})`);
    }
    return { program: interpreter.path, args, cwd, interpreter };
  }
  const program = findExecutable(first, cwd, search.env);
  if (!program) {
    throw new CommandSetupError(first.includes('/')
      ? `command not found: ${first} is not an executable file (in ${cwd})`
      : `command not found: ${first} is not on PATH`);
  }
  return { program, args, cwd };
}
