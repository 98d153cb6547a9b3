/**
 * Wall time of a 12-run sweep (ε ∈ {−1, 0, 1, 2} × 3 seeds on digits, 3 epochs each) through the real
 * CLI, with 1 worker and with 2, and the speed-up (target ≥ 1.8× on 2 free cores; since a queue that
 * trains one run at a time gives that run every core, the 1-worker side is not single-threaded); each with reused
 * workers (the default) and with a process per run as before the pool (POLYLOSS_REUSE_WORKERS=0).
 * Timed from the first run's creation to the last run's end (run.json), so the CLI's start and its
 * ETA calibration do not dilute the ratio; the whole command's time is printed too. Then the same
 * sweep four times through one warm pool (as VS Code's pool serves sweeps started within its idle
 * time), the later sweeps timed: V8 has optimised more of the training code by then. Rounds are
 * interleaved and medians reported. Measured on a busy machine the ratio says more about the other
 * load than about the queue: the load average is printed alongside.
 *
 *   node scripts/build.mjs && node --import tsx bench/sweep.ts [--epochs N] [--rounds N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../src/core/runConfig';
import { RunQueue } from '../src/runner/runQueue';
import { WorkerPool } from '../src/runner/workerPool';
import { loadAverage, median, numberArg } from './benchArgs';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'polyloss.js');
const WORKER = path.join(ROOT, 'dist', 'worker.js');
const RUNS = 12;

interface Timing {
  /** First run created → last run ended, from the runs' own records. */
  runsSeconds: number;
  commandSeconds: number;
  /** Worker processes that trained the runs. */
  processes: number;
  /** Median training speed of the runs (samples per wall second of their steps). */
  samplesPerSec: number;
  /** Of the workers' time in the window, the part spent in training steps (the rest: start-up, data, evaluation, files, waiting). */
  trainingShare: number;
}

const MODES = {
  reused: { label: 'reused workers', env: {} },
  perRun: { label: 'a process per run', env: { POLYLOSS_REUSE_WORKERS: '0' } },
} as const;
type Mode = keyof typeof MODES;

function sweep(workers: number, epochs: number, mode: Mode): Timing {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-sweep-'));
  try {
    const runsDir = path.join(dir, 'runs');
    const args = [BIN, 'sweep', '--dataset', 'digits', '--hidden', '128', '--epochs', String(epochs), '--loss', 'ce',
      '--epsilon', '-1:2:1', '--seeds', '3', '--concurrency', String(workers), '--yes', '--json', '--runs-dir', runsDir];
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...MODES[mode].env } });
    const commandSeconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`sweep with ${workers} worker(s) exited ${result.status}:\n${result.stderr}`);
    // Run folders only: the saved sweep lives in runs/.sweeps.
    const runs = fs.readdirSync(runsDir).filter((id) => !id.startsWith('.')).map((id) => JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as {
      status: string; createdAt: string; endedAt: string; environment?: { pid?: number };
      summary?: { samplesPerSec?: number }; data?: { train: number };
    });
    if (runs.length !== RUNS || runs.some((r) => r.status !== 'completed')) throw new Error(`expected ${RUNS} completed runs, got ${runs.map((r) => r.status).join(', ')}`);
    const first = Math.min(...runs.map((r) => Date.parse(r.createdAt)));
    const last = Math.max(...runs.map((r) => Date.parse(r.endedAt)));
    const runsSeconds = (last - first) / 1000;
    const speeds = runs.map((r) => r.summary?.samplesPerSec ?? NaN);
    const trainingSeconds = runs.reduce((sum, r, i) => sum + (epochs * (r.data?.train ?? NaN)) / speeds[i], 0);
    return {
      runsSeconds, commandSeconds, processes: new Set(runs.map((r) => r.environment?.pid)).size,
      samplesPerSec: median(speeds), trainingShare: trainingSeconds / (workers * runsSeconds),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Sweeps through one pool, one after the other; the seconds of each (enqueue → last run's end). */
async function warmPoolSweeps(workers: number, epochs: number, sweeps: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-warm-pool-'));
  const pool = new WorkerPool({ workerPath: WORKER });
  const queue = new RunQueue({ runsDir: path.join(dir, 'runs'), workerPath: WORKER, workers: pool, maxConcurrent: workers });
  const base: BuiltinRunConfig = { ...DEFAULT_CONFIG, model: { type: 'mlp', hidden: [128] }, epochs, loss: { type: 'ce' } };
  try {
    const seconds: number[] = [];
    for (let sweep = 0; sweep < sweeps; sweep++) {
      const started = performance.now();
      const ids = queue.batch(() => Array.from({ length: RUNS }, (_, i) =>
        queue.enqueue({ ...base, loss: { type: 'poly', epsilon: (i % 4) - 1 }, seed: 1 + Math.floor(i / 4) })));
      const records = await Promise.all(ids.map((id) => queue.done(id)));
      if (records.some((r) => r.status !== 'completed')) throw new Error(`warm-pool sweep: ${records.map((r) => r.status).join(', ')}`);
      seconds.push((performance.now() - started) / 1000);
    }
    return seconds;
  } finally {
    pool.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('build first: node scripts/build.mjs');
  const epochs = numberArg('--epochs', 3);
  const rounds = numberArg('--rounds', 3);
  console.log(`${RUNS}-run sweep on digits (MLP 128, ${epochs} epochs per run), ${os.availableParallelism()} cores, ${rounds} round(s); load average before: ${loadAverage()}`);
  const timings = new Map<string, Timing[]>();
  const key = (mode: Mode, workers: number) => `${mode}/${workers}`;
  // Interleaved rounds, so a change in background load hits every variant.
  for (let round = 0; round < rounds; round++) {
    for (const mode of Object.keys(MODES) as Mode[]) {
      for (const workers of [1, 2]) {
        const timing = sweep(workers, epochs, mode);
        timings.set(key(mode, workers), [...(timings.get(key(mode, workers)) ?? []), timing]);
      }
    }
    console.log(`round ${round + 1} done; load average: ${loadAverage()}`);
  }
  const seconds = (mode: Mode, workers: number) => median(timings.get(key(mode, workers))!.map((t) => t.runsSeconds));
  for (const mode of Object.keys(MODES) as Mode[]) {
    for (const workers of [1, 2]) {
      const list = timings.get(key(mode, workers))!;
      console.log(`${MODES[mode].label.padEnd(18)} ${workers} worker${workers === 1 ? ' ' : 's'}: ${seconds(mode, workers).toFixed(2)} s `
        + `(whole command ${median(list.map((t) => t.commandSeconds)).toFixed(1)} s, ${median(list.map((t) => t.processes))} worker processes; `
        + `runs train at ${Math.round(median(list.map((t) => t.samplesPerSec))).toLocaleString('en-US')} samples/s, `
        + `training steps fill ${(100 * median(list.map((t) => t.trainingShare))).toFixed(0)} % of the workers' time)`);
    }
  }
  const speedUp = seconds('reused', 1) / seconds('reused', 2);
  console.log(`2 workers vs 1, reused workers   : ${speedUp.toFixed(2)}× (target ≥ 1.8× on 2 free cores; a queue of one trains each run on every core) `
    + `${speedUp >= 1.8 ? 'OK' : 'BELOW TARGET'}`);
  const perRunSpeed = (workers: number) => median(timings.get(key('reused', workers))!.map((t) => t.samplesPerSec));
  console.log(`each of 2 reused workers trains at ${(perRunSpeed(2) / perRunSpeed(1)).toFixed(2)}× the speed of 1 alone (1.00 on 2 free cores)`);
  console.log(`2 workers vs 1, a process per run: ${(seconds('perRun', 1) / seconds('perRun', 2)).toFixed(2)}×`);
  for (const workers of [1, 2]) {
    console.log(`reused vs a process per run, ${workers} worker${workers === 1 ? ' ' : 's'}: ${(seconds('perRun', workers) / seconds('reused', workers)).toFixed(2)}× faster`);
  }
  const later: Record<number, number[]> = { 1: [], 2: [] };
  for (let round = 0; round < rounds; round++) {
    for (const workers of [1, 2]) later[workers].push(...(await warmPoolSweeps(workers, epochs, 4)).slice(2));
  }
  const warm = (workers: number) => median(later[workers]);
  console.log(`warm pool, 3rd and 4th sweep through the same workers: 1 worker ${warm(1).toFixed(2)} s, 2 workers ${warm(2).toFixed(2)} s `
    + `(${(warm(1) / warm(2)).toFixed(2)}×)`);
  console.log(`load average after: ${loadAverage()}`);
}

void main();
