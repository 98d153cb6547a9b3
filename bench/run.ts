/**
 * `npm run bench`: every benchmark in bench/, one after the other, each in its own process, each
 * printing its own ratios. A benchmark that cannot run (missing file, missing peer, failure) says why
 * and the next one runs; the exit code is non-zero when any failed.
 *
 *   node --import tsx bench/run.ts [--only NAME[,NAME...]] [-- ARGS passed to each benchmark]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const BENCHES: { name: string; what: string }[] = [
  { name: 'training', what: 'training throughput, replaced kernels, Poly-1 / CE step time' },
  { name: 'peer-pytorch', what: 'our training throughput against PyTorch on this machine' },
  { name: 'threads', what: 'one run on every core against one thread and PyTorch, on Fashion-MNIST' },
  { name: 'activation', what: 'extension activation cost and bundle sizes' },
  { name: 'store', what: 'run store reads and writes' },
  { name: 'metrics', what: 'a long run\'s metrics read for a chart: time the event loop is blocked, peak memory' },
  { name: 'python-client', what: 'log_step of the Python client against a plain json.dumps + write' },
  { name: 'csv', what: 'CSV loading: peak memory and time for a large file' },
  { name: 'sweep', what: 'a 12-run sweep with 1 and 2 workers, reused or a process per run' },
  { name: 'runStart', what: 'a run\'s start to its first step, on a new and on a reused worker' },
  { name: 'slurm', what: 'submitting to Slurm, and the per-task overhead on the cluster' },
  { name: 'tune', what: 'polyloss tune on the noisy digits study with 2 workers, and the planner\'s decision time' },
  { name: 'webview', what: 'webview chart updates' },
];

function parseArgs(argv: string[]): { only: Set<string> | null; passThrough: string[] } {
  const dashes = argv.indexOf('--');
  const own = dashes >= 0 ? argv.slice(0, dashes) : argv;
  const passThrough = dashes >= 0 ? argv.slice(dashes + 1) : [];
  let only: Set<string> | null = null;
  for (let i = 0; i < own.length; i++) {
    if (own[i] !== '--only') throw new Error(`unknown option ${own[i]}: use --only NAME (one of ${BENCHES.map((b) => b.name).join(', ')})`);
    const names = (own[++i] ?? '').split(',').filter(Boolean);
    const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
    if (names.length === 0 || unknown.length) {
      throw new Error(`--only takes benchmark names from ${BENCHES.map((b) => b.name).join(', ')} (got "${own[i] ?? ''}")`);
    }
    only = new Set([...(only ?? []), ...names]);
  }
  return { only, passThrough };
}

function main(): void {
  const { only, passThrough } = parseArgs(process.argv.slice(2));
  const outcomes: string[] = [];
  for (const bench of BENCHES.filter((b) => !only || only.has(b.name))) {
    const file = path.join(__dirname, `${bench.name}.ts`);
    console.log(`\n=== ${bench.name}: ${bench.what} ===`);
    if (!existsSync(file)) {
      console.log(`skipped: bench/${bench.name}.ts is not in this checkout`);
      outcomes.push(`${bench.name}: skipped (no bench/${bench.name}.ts)`);
      continue;
    }
    const started = performance.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', file, ...passThrough], { stdio: 'inherit', cwd: path.resolve(__dirname, '..') });
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    if (run.error) {
      console.log(`could not start: ${run.error.message}`);
      outcomes.push(`${bench.name}: could not start`);
    } else if (run.status !== 0) {
      console.log(`failed: exit ${run.status ?? run.signal} after ${seconds} s (its output above says why)`);
      outcomes.push(`${bench.name}: FAILED (exit ${run.status ?? run.signal})`);
    } else {
      outcomes.push(`${bench.name}: ok (${seconds} s)`);
    }
  }
  console.log(`\n=== summary ===\n${outcomes.join('\n')}`);
  if (outcomes.some((o) => o.includes('FAILED') || o.includes('could not start'))) process.exitCode = 1;
}

main();
