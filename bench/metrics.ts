/**
 * Reading a long run's metrics.jsonl as the extension host does for a chart, against the synchronous
 * whole-file read it replaced, each in its own process on the same file of N step lines (default
 * 1,000,000, ≈ 130 MB):
 * - baseline: readFileSync + parse of every line (what the host did): the event loop is blocked for
 *   the whole read;
 * - streamed: readMetricsHistory (chunks of 64 KB, each line once, downsampled as read).
 * For each: wall time, the longest the event loop was blocked (a 1 ms timer's worst lateness, and
 * perf_hooks' event-loop delay maximum) and peak memory (max RSS of the process). The target is a
 * longest block under 50 ms for the streamed read; ratios are streamed ÷ baseline.
 *
 *   node --import tsx bench/metrics.ts [--lines N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseMetricLines, readMetricsHistory } from '../src/store/runFiles';

const BLOCK_TARGET_MS = 50;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

interface Measure {
  wallMs: number;
  /** The worst lateness of a 1 ms timer while reading. */
  longestBlockMs: number;
  /** perf_hooks' event-loop delay maximum while reading. */
  loopDelayMaxMs: number;
  maxRssMb: number;
  lines: number;
}

/** In a child process: reads `runDir` one way while a 1 ms timer notes how late it fires. */
async function measure(variant: string, runDir: string): Promise<Measure> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let longest = 0;
  let expected = performance.now() + 1;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - expected);
    expected = now + 1;
  }, 1);
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expected = performance.now() + 1;
  const start = performance.now();
  let lines: number;
  if (variant === 'baseline') {
    lines = parseMetricLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).lines.length;
    await new Promise((resolve) => setTimeout(resolve, 5)); // let the timer see the block
  } else {
    lines = (await readMetricsHistory(runDir)).lines.length;
  }
  const wallMs = performance.now() - start;
  histogram.disable();
  clearInterval(timer);
  return { wallMs, longestBlockMs: longest, loopDelayMaxMs: histogram.max / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, lines };
}

function writeMetrics(file: string, count: number): void {
  const fd = fs.openSync(file, 'w');
  let batch: string[] = [];
  for (let n = 1; n <= count; n++) {
    const loss = 2 * Math.exp(-n / 200_000) + 0.05 * Math.sin(n / 37);
    batch.push(JSON.stringify({ kind: 'step', step: n, epoch: Math.ceil(n / 1000), t: n * 3, loss, base: loss * 0.8, poly: loss * 0.2, acc: Math.min(1, n / count) }));
    if (n % 1000 === 0) {
      batch.push(JSON.stringify({ kind: 'epoch', epoch: n / 1000, step: n, t: n * 3, trainLoss: loss, valLoss: loss, valAcc: 0.9, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 } }));
      fs.writeSync(fd, batch.join('\n') + '\n');
      batch = [];
    }
  }
  if (batch.length) fs.writeSync(fd, batch.join('\n') + '\n');
  fs.closeSync(fd);
}

function runChild(variant: string, runDir: string): Measure {
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', variant, '--dir', runDir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${variant} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Measure;
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    process.stdout.write(JSON.stringify(await measure(process.argv[child + 1], option('dir', ''))) + '\n');
    return;
  }
  const count = Number(option('lines', '1000000'));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-metrics-'));
  try {
    const runDir = path.join(root, 'run');
    fs.mkdirSync(runDir);
    writeMetrics(path.join(runDir, 'metrics.jsonl'), count);
    const size = fs.statSync(path.join(runDir, 'metrics.jsonl')).size;
    console.log(`metrics.jsonl of ${count.toLocaleString('en')} step lines, ${(size / 1e6).toFixed(0)} MB`);
    const baseline = runChild('baseline', runDir);
    const streamed = runChild('streamed', runDir);
    const row = (name: string, m: Measure) => console.log(
      `${name.padEnd(9)} wall ${m.wallMs.toFixed(0).padStart(6)} ms  longest block ${m.longestBlockMs.toFixed(1).padStart(7)} ms `
      + `(loop delay max ${m.loopDelayMaxMs.toFixed(1)} ms)  peak RSS ${m.maxRssMb.toFixed(0).padStart(5)} MB  lines out ${m.lines}`);
    row('baseline', baseline);
    row('streamed', streamed);
    console.log(`ratios streamed/baseline: longest block ${(streamed.longestBlockMs / baseline.longestBlockMs).toFixed(3)}, `
      + `wall ${(streamed.wallMs / baseline.wallMs).toFixed(2)}, peak RSS ${(streamed.maxRssMb / baseline.maxRssMb).toFixed(2)}`);
    const ok = streamed.longestBlockMs < BLOCK_TARGET_MS;
    console.log(`${ok ? 'ok' : 'MISSED'}: the streamed read blocked the event loop for at most ${streamed.longestBlockMs.toFixed(1)} ms (target < ${BLOCK_TARGET_MS} ms)`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
