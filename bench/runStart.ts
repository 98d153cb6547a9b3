/**
 * The time from a run's start to its first step, on a new worker (cold: process start, TensorFlow.js,
 * the wasm backend and our kernels, the dataset, V8 warm-up) and on a reused one (warm; target
 * < 150 ms). Two starts: as VS Code's launcher does it (the data check in a pooled worker, then the
 * queue), and the queue alone (the CLI checks the data in its own process first). Split into
 * start → `started` (the run's data and model are ready) and `started` → first step. Each round
 * starts from new pools; medians over the rounds. The load average is printed alongside: on a busy
 * machine, the cold start suffers most.
 *
 *   node scripts/build.mjs && node --import tsx bench/runStart.ts [--rounds N] [--warm N]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../src/core/runConfig';
import { preflightInWorker } from '../src/runner/preflightWorker';
import { RunQueue } from '../src/runner/runQueue';
import { WorkerPool } from '../src/runner/workerPool';
import { loadAverage, median, numberArg } from './benchArgs';

const ROOT = path.resolve(__dirname, '..');
const WORKER = path.join(ROOT, 'dist', 'worker.js');

/** A short digits run, as in the sweep bench. */
const CONFIG: BuiltinRunConfig = { ...DEFAULT_CONFIG, loss: { type: 'ce' }, epochs: 3, backend: 'wasm' };

interface Timing {
  /** enqueue → `started` event. */
  startedMs: number;
  /** enqueue → first `steps` event. */
  firstStepMs: number;
}

type Start = 'launcher' | 'queue';

/** Starts one run (checking its data first as VS Code does, or not) and times it until its first step; waits for its end. */
async function timeRun(start: Start, workers: WorkerPool, queue: RunQueue, seed: number): Promise<Timing & { pid?: number }> {
  let startedMs = NaN;
  let firstStepMs = NaN;
  let runId = '';
  const config = { ...CONFIG, seed };
  const began = performance.now();
  const off = queue.onEvent((event) => {
    if (event.runId !== runId) return;
    if (event.type === 'started') startedMs = performance.now() - began;
    if (event.type === 'steps' && Number.isNaN(firstStepMs)) firstStepMs = performance.now() - began;
  });
  if (start === 'launcher') {
    const reply = await preflightInWorker([{ configs: [config] }], { workerPath: WORKER, workers });
    if (reply === 'cancelled' || reply.type !== 'preflight-ok') throw new Error(`the data check failed: ${JSON.stringify(reply)}`);
  }
  runId = queue.enqueue(config);
  const record = await queue.done(runId);
  off();
  if (record.status !== 'completed') throw new Error(`run ${runId} ended ${record.status}: ${record.error ?? ''}`);
  return { startedMs, firstStepMs, pid: record.environment?.pid };
}

function describe(label: string, timings: Timing[]): string {
  const started = median(timings.map((t) => t.startedMs));
  const first = median(timings.map((t) => t.firstStepMs));
  return `${label}: first step after ${first.toFixed(0)} ms (ready ${started.toFixed(0)} ms, then ${(first - started).toFixed(0)} ms to the step)`;
}

async function main(): Promise<void> {
  if (!fs.existsSync(WORKER)) throw new Error('build first: node scripts/build.mjs');
  const rounds = numberArg('--rounds', 5);
  const warmPerRound = numberArg('--warm', 3);
  console.log(`Start → first step of a digits run (MLP 128, ${CONFIG.epochs} epochs), ${os.availableParallelism()} cores, ${rounds} round(s); load average before: ${loadAverage()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-start-'));
  const starts: Start[] = ['launcher', 'queue'];
  const cold = new Map<Start, Timing[]>(starts.map((s) => [s, []]));
  const warm = new Map<Start, Timing[]>(starts.map((s) => [s, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const start of starts) {
        const workers = new WorkerPool({ workerPath: WORKER });
        const queue = new RunQueue({ runsDir: dir, workerPath: WORKER, workers });
        try {
          const first = await timeRun(start, workers, queue, round + 1);
          cold.get(start)!.push(first);
          for (let i = 0; i < warmPerRound; i++) {
            const next = await timeRun(start, workers, queue, 100 + i);
            if (next.pid !== first.pid) throw new Error('the warm run did not reuse the worker');
            warm.get(start)!.push(next);
          }
        } finally {
          workers.dispose();
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const labels: Record<Start, string> = { launcher: 'data check in a worker + queue (VS Code)', queue: 'queue alone (CLI, after its own check)' };
  for (const start of starts) {
    console.log(describe(`${labels[start]}, cold (new worker)   `, cold.get(start)!));
    console.log(describe(`${labels[start]}, warm (reused worker)`, warm.get(start)!));
  }
  const warmFirst = Math.max(...starts.map((s) => median(warm.get(s)!.map((t) => t.firstStepMs))));
  const coldFirst = median(cold.get('launcher')!.map((t) => t.firstStepMs));
  console.log(`cold / warm (VS Code): ${(coldFirst / median(warm.get('launcher')!.map((t) => t.firstStepMs))).toFixed(1)}×; `
    + `warm target < 150 ms ${warmFirst < 150 ? 'OK' : 'ABOVE TARGET'}; load average after: ${loadAverage()}`);
}

void main();
