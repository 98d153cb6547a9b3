// Reading metrics.jsonl of any size: in chunks (never one string for the whole file), streamed
// without holding up the event loop, and downsampled for charts without losing the extremes.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { downsampleMetrics, HISTORY_STEP_LIMIT } from '../../src/core/downsample';
import type { EpochMetric, MetricLine, StepMetric } from '../../src/core/runFormat';
import { MetricsParser, parseMetricLines, readMetrics, readMetricsHistory, readMetricsStreamed } from '../../src/store/runFiles';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-streaming-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const step = (n: number, loss = 1 / n, acc = 0.5): StepMetric => ({ kind: 'step', step: n, epoch: Math.ceil(n / 1000), t: n, loss, base: loss, poly: 0, acc });
const epoch = (e: number): EpochMetric => ({ kind: 'epoch', epoch: e, step: e * 1000, t: e, trainLoss: 1, valLoss: 1, valAcc: 0.5, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 } });

function metricsText(count: number): string {
  const lines: string[] = [];
  for (let n = 1; n <= count; n++) {
    lines.push(JSON.stringify(step(n)));
    if (n % 1000 === 0) lines.push(JSON.stringify(epoch(n / 1000)));
  }
  return lines.join('\n') + '\n';
}

describe('reading metrics.jsonl in chunks', () => {
  it('gives what parsing the whole text gives, whatever the chunk boundaries cut (lines, multi-byte characters)', () => {
    // A corrupt line with multi-byte characters, a step with an extra metric, and a last line without its line feed.
    const text = `${JSON.stringify(step(1))}\n{"kind":"step","note":"héllo wörld ✓"\n${JSON.stringify({ ...step(2), lr: 0.01 })}\n${JSON.stringify(epoch(1))}`;
    const whole = parseMetricLines(text);
    assert.equal(whole.lines.length, 3);
    assert.equal(whole.skipped, 1);
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const parser = new MetricsParser();
      for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
      assert.deepEqual(parser.end(), whole, `chunks of ${size} bytes`);
    }
  });

  it('readMetrics and readMetricsStreamed read a file of several chunks to the same lines', async () => {
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    const text = metricsText(40_000); // ≈ 4.6 MB: several read chunks
    fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), text);
    const expected = parseMetricLines(text);
    assert.equal(expected.lines.length, 40_040);
    assert.deepEqual(readMetrics(runDir), expected);
    assert.deepEqual(await readMetricsStreamed(runDir), expected);
    assert.deepEqual(await readMetricsStreamed(path.join(dir, 'missing')), { lines: [], skipped: 0 });
  });

  it('the streamed read lets other work run between its chunks', async () => {
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), metricsText(40_000));
    let turns = 0;
    let reading = true;
    const tick = (): void => {
      turns++;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    const read = await readMetricsStreamed(runDir);
    reading = false;
    assert.equal(read.lines.length, 40_040);
    // ≈ 70 chunks of 64 KB: the event loop turned between them, not once after the whole file.
    assert.ok(turns > 20, `the event loop turned ${turns} times during the read`);
  });
});

describe('a history for a chart, streamed', () => {
  it('each line once, downsampled as read, with the cursor after the last line', async () => {
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    // A line written twice (a file copied over itself, say) is dropped like the relay drops repeats.
    const text = metricsText(60_000).replace(`${JSON.stringify(step(3))}\n`, `${JSON.stringify(step(3))}\n${JSON.stringify(step(3))}\n`);
    fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), text);
    const whole = await readMetricsHistory(runDir, 100_000);
    assert.equal(whole.lines.length, 60_060);
    assert.deepEqual(whole.cursor, { lastStep: 60_000, lastEpoch: 60 });
    const { lines, cursor } = await readMetricsHistory(runDir, 1000);
    assert.deepEqual(cursor, whole.cursor);
    assert.ok(lines.filter((l) => l.kind === 'step').length <= 1000);
    assert.equal(lines.filter((l) => l.kind === 'epoch').length, 60);
    assert.deepEqual(lines[0], step(1));
  });
});

describe('downsampling a long run for a chart', () => {
  it('keeps a short run whole', () => {
    const lines: MetricLine[] = [step(1), step(2), epoch(1)];
    assert.deepEqual(downsampleMetrics(lines), lines);
  });

  it('a million steps: at most the limit of step lines, every epoch, the first and last step, and every extreme', () => {
    const lines: MetricLine[] = [];
    for (let n = 1; n <= 1_000_000; n++) {
      const loss = n === 523_457 ? 1e6 : 1 + Math.sin(n / 1000) / 10; // one spike of one step
      const acc = n === 777_777 ? 0 : 0.9; // one dip of one step
      lines.push(step(n, loss, acc));
      if (n % 1000 === 0) lines.push(epoch(n / 1000));
    }
    const kept = downsampleMetrics(lines);
    const steps = kept.filter((l): l is StepMetric => l.kind === 'step');
    // 1,000 to 2,000 buckets (room for the first, the last and the two extremes of 4 metrics in each).
    assert.ok(steps.length <= HISTORY_STEP_LIMIT && steps.length >= 2000, `${steps.length} step lines`);
    assert.equal(kept.filter((l) => l.kind === 'epoch').length, 1000);
    assert.equal(steps[0].step, 1);
    assert.equal(steps[steps.length - 1].step, 1_000_000);
    assert.ok(steps.some((l) => l.loss === 1e6), 'the loss spike');
    assert.ok(steps.some((l) => l.acc === 0), 'the accuracy dip');
    const lowest = (of: readonly MetricLine[]) => of.reduce((low, l) => (l.kind === 'step' ? Math.min(low, l.loss) : low), Infinity);
    assert.equal(lowest(kept), lowest(lines), 'the lowest loss');
    // In order, each line the very object of the input.
    const index = new Map(lines.map((l, i) => [l, i]));
    const positions = kept.map((l) => index.get(l) ?? -1);
    assert.ok(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])));
  });
});
