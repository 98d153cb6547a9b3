/**
 * `polyloss tune` on the noisy digits study (imbalance 20, 30 % label noise, 10 epochs) with 2
 * workers, through the real CLI: the wall time against the 2-minute target, the runs used against
 * the budget, and the overhead of the rounds against the same runs trained back to back on 2 workers
 * (the sum of the runs' own durations / 2, from their run.json: a round waits for its slowest run).
 * Then the planner alone: the time to decide the next round from the results of a whole search,
 * against the 10 ms target and against one paired t-test of the same data (the ratio).
 *
 *   node scripts/build.mjs && node --import tsx bench/tune.ts [--budget N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRng } from '../src/core/random';
import { pairedTTest } from '../src/core/stats';
import { DEFAULT_TUNE_OPTIONS, planTune, type TuneObservation } from '../src/core/tune';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'polyloss.js');
const TARGET_SECONDS = 120;
const TARGET_DECISION_MS = 10;

function budgetFlag(): number {
  const i = process.argv.indexOf('--budget');
  const value = i >= 0 ? Number(process.argv[i + 1]) : DEFAULT_TUNE_OPTIONS.budget;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--budget must be an integer ≥ 1 (got ${process.argv[i + 1]})`);
  return value;
}

function noisyDigitsTune(budget: number): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-tune-'));
  try {
    const runsDir = path.join(dir, 'runs');
    const args = [BIN, 'tune', '--dataset', 'digits', '--imbalance', '20', '--label-noise', '0.3', '--epochs', '10',
      '--budget', String(budget), '--concurrency', '2', '--json', '--runs-dir', runsDir];
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`tune exited ${result.status}:\n${result.stderr}`);
    const out = JSON.parse(result.stdout) as { runs: number; budget: number; answer: string; stoppedBecause: string };
    const runs = fs.readdirSync(runsDir).filter((id) => !id.startsWith('.'))
      .map((id) => JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as { startedAt: string; endedAt: string });
    const busySeconds = runs.reduce((sum, r) => sum + (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000, 0);
    const ideal = busySeconds / 2;
    console.log(`noisy digits tune, 2 workers: ${seconds.toFixed(1)} s for ${out.runs} of ${out.budget} runs `
      + `(target < ${TARGET_SECONDS} s: ${seconds < TARGET_SECONDS ? 'met' : 'MISSED'}; load average ${os.loadavg()[0].toFixed(2)})`);
    console.log(`  stopped because: ${out.stoppedBecause}; ${out.answer}`);
    console.log(`  rounds vs the same runs back to back on 2 workers: ${seconds.toFixed(1)} s / ${ideal.toFixed(1)} s = ${(seconds / ideal).toFixed(2)}×`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A whole search's results (deterministic), so that the planner replays every round. */
function finishedSearch(): TuneObservation[] {
  const rng = createRng(11);
  const observations: TuneObservation[] = [];
  for (let state = planTune(DEFAULT_TUNE_OPTIONS, observations); state.next.kind === 'run'; state = planTune(DEFAULT_TUNE_OPTIONS, observations)) {
    for (const run of state.next.runs) observations.push({ ...run, value: 0.6 + (run.epsilon === -1 ? 0.01 : 0) + 0.03 * rng() });
  }
  return observations;
}

function timePerCall(fn: () => void, minMs = 500): number {
  for (let i = 0; i < 20; i++) fn();
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < minMs) {
    fn();
    calls++;
  }
  return (performance.now() - started) / calls;
}

function plannerDecision(): void {
  const observations = finishedSearch();
  const decision = timePerCall(() => planTune(DEFAULT_TUNE_OPTIONS, observations));
  const values = observations.filter((o) => o.epsilon === null).map((o) => o.value ?? 0);
  const oneTest = timePerCall(() => pairedTTest(values, values.map((v) => v + 0.01)));
  console.log(`planner: ${decision.toFixed(3)} ms to decide from ${observations.length} results `
    + `(target < ${TARGET_DECISION_MS} ms: ${decision < TARGET_DECISION_MS ? 'met' : 'MISSED'}); `
    + `${(decision / oneTest).toFixed(0)}× one paired t-test (${(oneTest * 1000).toFixed(1)} µs)`);
}

if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('build first: node scripts/build.mjs');
plannerDecision();
noisyDigitsTune(budgetFlag());
