/**
 * A small command-line parser: `--flag value`, `--flag=value`, boolean `--flag`, `--` to end flags,
 * and messages that name the flag and what it accepts.
 */
import { errorMessage } from '../core/errors';

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagValue = string | number | boolean | number[] | string[];

export interface FlagSpec {
  name: string;
  /** 'custom' uses `parse`. */
  type: 'string' | 'number' | 'integer' | 'integers' | 'numbers' | 'boolean' | 'custom';
  /** Allowed values of a string flag. */
  values?: readonly string[];
  /** Smallest allowed value of a number/integer flag (checks that are not the run config's own). */
  min?: number;
  /** Placeholder in help, e.g. PATH, N. */
  valueName?: string;
  description: string;
  /** A string flag that may be given several times; its value is the list, in order. */
  repeatable?: boolean;
  /** Its value is an option of another program (e.g. `--qos=short`), so it may start with '-'. */
  optionValue?: boolean;
  /** For 'custom': returns the value or throws an Error whose message says what is accepted. */
  parse?: (text: string) => FlagValue;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. "ID…"; empty when none are taken. */
  positionals?: { name: string; min: number; max: number };
  flags: readonly FlagSpec[];
  examples?: readonly string[];
  /** Left out of `polyloss --help` (internal commands, e.g. what a Slurm task runs). */
  hidden?: boolean;
}

export interface ParsedArgs {
  flags: Record<string, FlagValue>;
  positionals: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(text: string, integer: boolean): number | undefined {
  const t = text.trim().replace(/\u2212/g, '-');
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) return undefined;
  return n;
}

function parseValue(flag: FlagSpec, text: string): FlagValue {
  const name = `--${flag.name}`;
  switch (flag.type) {
    case 'string': {
      if (flag.values && !flag.values.includes(text)) {
        throw new UsageError(`${name} must be one of ${flag.values.join(', ')} (got '${text}')`);
      }
      if (text === '') throw new UsageError(`${name} must not be empty`);
      return text;
    }
    case 'number':
    case 'integer': {
      const n = parseNumber(text, flag.type === 'integer');
      if (n === undefined) throw new UsageError(`${name} must be ${flag.type === 'integer' ? 'an integer' : 'a number'} (got '${text}')`);
      if (flag.min !== undefined && n < flag.min) throw new UsageError(`${name} must be ≥ ${flag.min} (got ${n})`);
      return n;
    }
    case 'numbers':
    case 'integers': {
      const integer = flag.type === 'integers';
      const parts = text.split(',');
      const numbers = parts.map((p) => parseNumber(p, integer));
      if (numbers.some((n) => n === undefined)) {
        throw new UsageError(`${name} must be a comma-separated list of ${integer ? 'integers' : 'numbers'}, e.g. ${integer ? '128,64' : '1,0.5'} (got '${text}')`);
      }
      const list = numbers as number[];
      const low = list.find((n) => flag.min !== undefined && n < flag.min);
      if (low !== undefined) throw new UsageError(`${name} values must be ≥ ${flag.min} (got ${low})`);
      return list;
    }
    case 'custom': {
      try {
        return flag.parse!(text);
      } catch (e) {
        throw new UsageError(`${name}: ${errorMessage(e)}`);
      }
    }
    case 'boolean':
      throw new UsageError(`${name} takes no value`);
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function unknownFlag(name: string, spec: CommandSpec): UsageError {
  const closest = spec.flags
    .map((f) => ({ f, d: editDistance(name, f.name) }))
    .sort((a, b) => a.d - b.d)[0];
  const hint = closest && closest.d <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean --${closest.f.name}?` : '';
  return new UsageError(`unknown flag --${name} for 'polyloss ${spec.name}'${hint} (see polyloss ${spec.name} --help)`);
}

/** A token that is a value even though it starts with '-': a negative number or list, e.g. -1 or -1,0.5. */
function looksLikeNegativeNumber(token: string): boolean {
  return /^[-\u2212][\d.]/.test(token);
}

export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const flags: Record<string, FlagValue> = {};
  const positionals: string[] = [];
  let flagsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (flagsEnded || !token.startsWith('-') || token === '-' || looksLikeNegativeNumber(token)) {
      positionals.push(token);
      continue;
    }
    if (token === '--') {
      flagsEnded = true;
      continue;
    }
    if (token === '-h') {
      flags.help = true;
      continue;
    }
    if (!token.startsWith('--')) throw new UsageError(`unknown option ${token} for 'polyloss ${spec.name}'; flags are written --name (see polyloss ${spec.name} --help)`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const flag = spec.flags.find((f) => f.name === name);
    if (!flag) throw unknownFlag(name, spec);
    if (name in flags && !flag.repeatable) throw new UsageError(`--${name} is given more than once`);
    if (flag.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value (got '${token.slice(eq + 1)}')`);
      flags[name] = true;
      continue;
    }
    let text: string;
    if (eq >= 0) {
      text = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && !looksLikeNegativeNumber(next) && !flag.optionValue)) {
        const accepted = flag.values ? `: one of ${flag.values.join(', ')}` : flag.valueName ? ` (${flag.valueName})` : '';
        throw new UsageError(`--${name} needs a value${accepted}`);
      }
      text = next;
      i++;
    }
    const value = parseValue(flag, text);
    flags[name] = flag.repeatable ? [...(flags[name] as string[] | undefined ?? []), value as string] : value;
  }
  if (flags.help) return { flags, positionals };
  const p = spec.positionals;
  const max = p?.max ?? 0;
  if (positionals.length > max) {
    const extra = positionals[max];
    throw new UsageError(max === 0
      ? `'polyloss ${spec.name}' takes no arguments (got '${extra}')`
      : `'polyloss ${spec.name}' takes at most ${max} ${p!.name} (got '${extra}' too)`);
  }
  if (p && positionals.length < p.min) {
    throw new UsageError(`'polyloss ${spec.name}' needs ${p.min === 1 ? '' : `at least ${p.min} `}${p.name} (see polyloss ${spec.name} --help)`);
  }
  return { flags, positionals };
}

function flagUsage(flag: FlagSpec): string {
  if (flag.type === 'boolean') return `--${flag.name}`;
  const value = flag.values ? flag.values.join('|') : (flag.valueName ?? (flag.type === 'string' ? 'TEXT' : 'N'));
  return `--${flag.name} ${value}`;
}

export function formatHelp(spec: CommandSpec): string {
  const positional = spec.positionals ? ` ${spec.positionals.name}` : '';
  const lines = [`Usage: polyloss ${spec.name}${positional} [flags]`, '', spec.summary, '', 'Flags:'];
  const usages = spec.flags.map(flagUsage);
  const width = Math.min(40, Math.max(...usages.map((u) => u.length)));
  spec.flags.forEach((flag, i) => {
    const usage = usages[i];
    lines.push(usage.length > width ? `  ${usage}\n  ${' '.repeat(width)}  ${flag.description}` : `  ${usage.padEnd(width)}  ${flag.description}`);
  });
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
