/** What the benchmarks share: integer flags, medians and the machine's load. */
import * as os from 'node:os';

/** `--name N` from the command line (an integer ≥ 1), or the fallback. */
export function numberArg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${process.argv[at + 1]})`);
  return value;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The 1, 5 and 15 minute load averages: on a shared machine, other work stretches the wall times. */
export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(1)).join(' ');
}
