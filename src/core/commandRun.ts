/**
 * Runs trained by the user's own command: how such a run is named and how its argv is read.
 * Pure (no node imports: the webviews use it too): the launcher and the views share these rules.
 */
import type { CommandSpec, RunConfig } from './runConfig';
import type { RunRecord } from './runFormat';

/** A first word that stands for "the chosen Python interpreter" rather than a program of that name. */
export const PYTHON_WORDS: readonly string[] = ['python', 'python3'];

export function isPythonWord(word: string | undefined): boolean {
  return word !== undefined && PYTHON_WORDS.includes(word);
}

/**
 * The script a command runs, for labels: `python3 train.py --epochs 5` → "train.py",
 * `python -m pkg.train` → "pkg.train", `./run.sh` → "run.sh".
 */
export function scriptNameOf(command: Pick<CommandSpec, 'argv'>): string {
  const [program = '', ...rest] = command.argv;
  const isPython = /^python[\d.]*$/.test(basename(program));
  if (isPython) {
    const module = rest.indexOf('-m');
    if (module >= 0 && rest[module + 1]) return rest[module + 1];
    const script = rest.find((arg) => !arg.startsWith('-'));
    if (script) return basename(script);
  }
  return basename(program) || program;
}

/** What a config trains, in a few words: "digits · mlp · 10 epochs", or "train.py (your script)". */
export function describeTraining(config: RunConfig): string {
  if (config.command !== undefined) return `${scriptNameOf(config.command)} (your script)`;
  return `${config.dataset.name} · ${config.model.type} · ${config.epochs} epochs`;
}

/**
 * What trained a run of a command, label by value (the run detail and `polyloss show`): the command as it
 * ran, its folder, the interpreter and how it was chosen, the Python and torch versions the client
 * reported, the seed and the exit code; '—' for what is not known (yet).
 */
export function commandRunFacts(run: RunRecord): [string, string][] {
  const trainer = run.trainer?.kind === 'command' ? run.trainer : undefined;
  const argv = trainer?.argv ?? run.config.command?.argv ?? [];
  return [
    ['Command', formatArgv(argv)],
    ['Folder', trainer?.cwd ?? run.config.command?.cwd ?? '—'],
    ['Python', trainer?.interpreter ? `${trainer.interpreter}${trainer.interpreterSource ? ` (${trainer.interpreterSource})` : ''}` : '—'],
    ['Python · torch', `${trainer?.python ?? '—'} · ${trainer?.torch ?? '—'}`],
    ['Seed · exit code', `${run.config.seed} · ${trainer?.exitCode === undefined ? '—' : String(trainer.exitCode ?? 'killed')}`],
  ];
}

/** A command line as a shell would show it: words with spaces or quotes are quoted. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Splits a command line as typed (`python3 train.py --name "my run"`) into words: spaces separate,
 * single and double quotes group, a backslash escapes the next character. No variables, no globbing.
 */
export function splitCommandLine(text: string): { ok: true; argv: string[] } | { ok: false; message: string } {
  const argv: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) argv.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) return { ok: false, message: `the command has an unclosed ${quote} quote` };
  if (word !== undefined) argv.push(word);
  if (argv.length === 0) return { ok: false, message: 'the command is empty' };
  return { ok: true, argv };
}

/** The last part of a path, with / or \\ separators. */
function basename(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}
