/**
 * Run store and live-streaming benchmarks, each against a baseline measured in this run:
 * - listing 1,000 runs with listRuns (target < 1 s), against reading and parsing every run.json
 *   with nothing else, and `polyloss list --json` end to end (a process, reconciling first);
 * - reading a run of 100,000 step lines with readMetrics, against split + JSON.parse of the file;
 * - the latency from a real worker's step to the runner's event listener (p50/p95): per step, which
 *   includes the worker's batching (a batch every 100 ms or 50 steps), and per batch (its last step),
 *   which is the transport alone. Step times come from the worker's clock via the run's startedAt,
 *   written a few ms before its step clock starts, so both are upper bounds by that much.
 *
 *   node --import tsx bench/store.ts [--runs N] [--lines N]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerEvent } from '../src/core/protocol';
import { DEFAULT_CONFIG, type BuiltinRunConfig as RunConfig } from '../src/core/runConfig';
import type { RunRecord, StepMetric } from '../src/core/runFormat';
import { startRun } from '../src/runner/startRun';
import { appendMetrics, readMetrics, RUN_FILE, writeRunRecord } from '../src/store/runFiles';
import { createRun, listRuns } from '../src/store/runStore';
import { median } from './benchArgs';

const ROOT = path.resolve(__dirname, '..');
const LIST_TARGET_MS = 1000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Median wall times (ms) of the variants over `rounds` rounds, interleaved after one warm-up call each. */
function time(rounds: number, ...variants: (() => void)[]): number[] {
  variants.forEach((fn) => fn());
  const times: number[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    variants.forEach((fn, i) => {
      const start = performance.now();
      fn();
      times[i].push(performance.now() - start);
    });
  }
  return times.map(median);
}

const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

function makeRuns(runsDir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const config: RunConfig = { ...DEFAULT_CONFIG, seed: i, loss: { type: 'poly', epsilon: (i % 7) - 2 } };
    const { runDir, record } = createRun(runsDir, config, { now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) });
    writeRunRecord(runDir, {
      ...record, status: 'completed', startedAt: record.createdAt, endedAt: record.createdAt, totalSteps: 1000,
      environment: { backend: 'wasm', tfjsVersion: '4.22.0', nodeVersion: process.version, platform: 'linux-x64', pid: 1 },
      summary: { steps: 1000, epochs: 10, finalLoss: 0.1, bestValAcc: 0.95, testAcc: 0.94, ece: 0.02, confusion: [[9, 1], [1, 9]] },
    });
  }
}

function benchListing(count: number): void {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-list-'));
  try {
    makeRuns(runsDir, count);
    let listed = 0;
    const [store, baseline] = time(7,
      () => { listed = listRuns(runsDir).runs.length; },
      () => {
        for (const name of fs.readdirSync(runsDir)) JSON.parse(fs.readFileSync(path.join(runsDir, name, RUN_FILE), 'utf8'));
      });
    const [cli, startup] = time(3,
      () => execFileSync(process.execPath, [path.join(ROOT, 'bin', 'polyloss.js'), 'list', '--json', '--runs-dir', runsDir], { stdio: 'pipe', maxBuffer: 1 << 28 }),
      () => execFileSync(process.execPath, ['-e', '0']));
    const verdict = store < LIST_TARGET_MS ? 'meets' : 'MISSES';
    console.log(`listRuns, ${listed} runs: ${ms(store)} (${verdict} the ${LIST_TARGET_MS} ms target); `
      + `read + parse of every run.json alone: ${ms(baseline)} (×${(store / baseline).toFixed(2)})`);
    console.log(`polyloss list --json, ${listed} runs, as a process: ${ms(cli)}; node starting and exiting alone: ${ms(startup)}`);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
}

function benchMetrics(lineCount: number): void {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-metrics-'));
  try {
    const chunk: StepMetric[] = [];
    for (let step = 1; step <= lineCount; step++) {
      chunk.push({ kind: 'step', step, epoch: Math.ceil(step / 1000), t: step * 3, loss: 1 / step + Math.random() * 1e-3, base: 0.5, poly: 0.5 / step, acc: Math.random() });
      if (chunk.length === 1000) appendMetrics(runDir, chunk.splice(0));
    }
    appendMetrics(runDir, chunk);
    const file = path.join(runDir, 'metrics.jsonl');
    const size = fs.statSync(file).size;
    let read = 0;
    const [store, baseline] = time(5,
      () => { read = readMetrics(runDir).lines.length; },
      () => {
        for (const line of fs.readFileSync(file, 'utf8').split('\n')) if (line) JSON.parse(line);
      });
    console.log(`readMetrics, ${read} lines (${(size / 1024 ** 2).toFixed(1)} MiB): ${ms(store)}; split + JSON.parse alone: ${ms(baseline)} (×${(store / baseline).toFixed(2)})`);
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

async function benchLatency(): Promise<void> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-live-'));
  try {
    const config: RunConfig = { ...DEFAULT_CONFIG, dataset: { name: 'iris' }, model: { type: 'mlp', hidden: [16] }, batchSize: 4, epochs: 40, backend: 'wasm' };
    const handle = startRun({ runsDir, config, workerPath: path.join(ROOT, 'dist', 'worker.js') });
    let clockStart: number | undefined;
    const perStep: number[] = [];
    const perBatch: number[] = [];
    handle.onEvent((event: WorkerEvent) => {
      const received = Date.now();
      if (event.type === 'started') clockStart = Date.parse(event.record.startedAt!);
      if (event.type !== 'steps' || clockStart === undefined) return;
      for (const step of event.steps) perStep.push(received - (clockStart + step.t));
      perBatch.push(received - (clockStart + event.steps[event.steps.length - 1].t));
    });
    const record: RunRecord = await handle.done;
    if (record.status !== 'completed') throw new Error(`the latency run ended ${record.status}: ${record.error}`);
    console.log(`live steps, worker → runner listener, ${perStep.length} steps in ${perBatch.length} batches: `
      + `per step p50 ${ms(percentile(perStep, 50))} p95 ${ms(percentile(perStep, 95))} (includes batching); `
      + `per batch p50 ${ms(percentile(perBatch, 50))} p95 ${ms(percentile(perBatch, 95))} (transport)`);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  benchListing(option('runs', 1000));
  benchMetrics(option('lines', 100_000));
  await benchLatency();
}

void main();
