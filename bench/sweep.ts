/**
 * Wall time of a 12-run sweep (Poly-1 ε ∈ {−1, 0, 1, 2} × 3 seeds on digits) through the real CLI,
 * with 1 worker and with 2, and the speed-up (target ≥ 1.8× on 2 free cores). Timed from the first
 * run's creation to the last run's end (run.json), so the CLI's start and its ETA calibration do not
 * dilute the ratio; the whole command's time is printed too. Measured on a busy machine the ratio
 * says more about the other load than about the queue: the load average is printed alongside.
 *
 *   node scripts/build.mjs && node --import tsx bench/sweep.ts [--epochs N] [--rounds N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'polyloss.js');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be an integer ≥ 1 (got ${process.argv[i + 1]})`);
  return value;
}

interface Timing {
  /** First run created → last run ended, from the runs' own records. */
  runsSeconds: number;
  commandSeconds: number;
}

function sweep(workers: number, epochs: number): Timing {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-sweep-'));
  try {
    const runsDir = path.join(dir, 'runs');
    const args = [BIN, 'sweep', '--dataset', 'digits', '--hidden', '128', '--epochs', String(epochs), '--loss', 'ce',
      '--epsilon', '-1:2:1', '--seeds', '3', '--concurrency', String(workers), '--yes', '--json', '--runs-dir', runsDir];
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    const commandSeconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`sweep with ${workers} worker(s) exited ${result.status}:\n${result.stderr}`);
    const runs = fs.readdirSync(runsDir).map((id) => JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as { status: string; createdAt: string; endedAt: string });
    if (runs.length !== 12 || runs.some((r) => r.status !== 'completed')) throw new Error(`expected 12 completed runs, got ${runs.map((r) => r.status).join(', ')}`);
    const first = Math.min(...runs.map((r) => Date.parse(r.createdAt)));
    const last = Math.max(...runs.map((r) => Date.parse(r.endedAt)));
    return { runsSeconds: (last - first) / 1000, commandSeconds };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('build first: node scripts/build.mjs');
  const epochs = flag('epochs', 3);
  const rounds = flag('rounds', 1);
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`12-run sweep on digits (MLP 128, ${epochs} epochs per run), ${os.availableParallelism()} cores, ${rounds} round(s); load average before: ${load()}`);
  const one: Timing[] = [];
  const two: Timing[] = [];
  // Interleaved rounds, so a change in background load hits both sides.
  for (let round = 0; round < rounds; round++) {
    one.push(sweep(1, epochs));
    two.push(sweep(2, epochs));
  }
  const serial = median(one.map((t) => t.runsSeconds));
  const parallel = median(two.map((t) => t.runsSeconds));
  console.log(`1 worker : ${serial.toFixed(1)} s (whole command ${median(one.map((t) => t.commandSeconds)).toFixed(1)} s)`);
  console.log(`2 workers: ${parallel.toFixed(1)} s (whole command ${median(two.map((t) => t.commandSeconds)).toFixed(1)} s)`);
  const ratio = serial / parallel;
  console.log(`speed-up : ${ratio.toFixed(2)}× (target ≥ 1.8× on 2 free cores) ${ratio >= 1.8 ? 'OK' : 'BELOW TARGET'}; load average after: ${load()}`);
}

main();
