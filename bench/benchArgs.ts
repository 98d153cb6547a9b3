/** What the short-run benchmarks share: integer flags, medians and the machine's load. */
import * as os from 'node:os';

/** `--name N` from the command line (an integer ≥ 1), or the fallback. */
export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be an integer ≥ 1 (got ${process.argv[i + 1]})`);
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
