// How a run's end is recorded when nobody wrote it: summaries of what was logged, the time of the
// last sign of life, and the hand-over from launcher to worker that keeps a live run from looking lost.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { summarizeMetrics } from '../../src/core/metricsSummary';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import type { EpochMetric, MetricLine, StepMetric } from '../../src/core/runFormat';
import { startRun } from '../../src/runner/startRun';
import { appendMetrics, writeRunRecord } from '../../src/store/runFiles';
import { createRun, isProcessAlive, readRun, reconcileInterrupted } from '../../src/store/runStore';

let tmp: string;
let runsDir: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-lifecycle-'));
  runsDir = path.join(tmp, 'runs');
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const step = (n: number, epoch: number, loss: number): StepMetric => ({ kind: 'step', step: n, epoch, t: n * 10, loss, base: loss, poly: 0, acc: 0.5 });
const epochLine = (epoch: number, valAcc: number | null, valLoss: number | null = 1 / epoch): EpochMetric =>
  ({ kind: 'epoch', epoch, step: epoch * 4, t: epoch * 40, trainLoss: 1 / epoch, valLoss, valAcc, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 } }) as EpochMetric;

/** 16 epochs of 4 steps each, the best validation accuracy at epoch 12. */
function sixteenEpochs(): MetricLine[] {
  const lines: MetricLine[] = [];
  for (let e = 1; e <= 16; e++) {
    for (let s = 1; s <= 4; s++) lines.push(step((e - 1) * 4 + s, e, 2 / ((e - 1) * 4 + s)));
    lines.push(epochLine(e, e === 12 ? 0.9 : 0.5 + e / 100));
  }
  return lines;
}

describe('summaries of what was logged', () => {
  it('count the steps and epochs and take the last losses and the best validation accuracy', () => {
    assert.deepEqual(summarizeMetrics(sixteenEpochs()), {
      steps: 64, epochs: 16, finalLoss: 2 / 64, finalValLoss: 1 / 16, finalValAcc: 0.66, bestValAcc: 0.9,
    });
    // Steps of an unfinished 17th epoch count; an epoch whose validation was empty (null) has no final values.
    const more = [...sixteenEpochs(), step(65, 17, 0.01), { ...epochLine(17, null, null), step: 65 }];
    assert.deepEqual(summarizeMetrics(more), { steps: 65, epochs: 17, finalLoss: 0.01, bestValAcc: 0.9 });
    assert.deepEqual(summarizeMetrics([]), { steps: 0, epochs: 0 });
  });

  it('an interrupted run keeps a summary of its 16 epochs and ends at its last sign of life, not when noticed', () => {
    const { runDir, record } = createRun(runsDir, { ...structuredClone(DEFAULT_CONFIG), epochs: 50 });
    writeRunRecord(runDir, { ...record, status: 'running', startedAt: record.createdAt, launcherPid: 999_999_999 });
    appendMetrics(runDir, sixteenEpochs());
    const lastWrite = new Date('2026-01-02T03:04:05.000Z');
    for (const file of ['run.json', 'metrics.jsonl']) fs.utimesSync(path.join(runDir, file), lastWrite, lastWrite);

    const [changed] = reconcileInterrupted(runsDir, { isAlive: () => false, now: new Date('2026-01-03T00:00:00.000Z') });
    assert.equal(changed.status, 'interrupted');
    assert.equal(changed.endedAt, lastWrite.toISOString());
    assert.equal(changed.summary?.epochs, 16);
    assert.equal(changed.summary?.bestValAcc, 0.9);
    assert.deepEqual(readRun(runsDir, record.id).summary, changed.summary);
  });

  it('a worker that crashes after 16 epochs leaves a failed run with their summary', async () => {
    const worker = fakeWorker(`
      const fs = require('node:fs');
      process.on('message', (m) => {
        fs.appendFileSync(m.runDir + '/metrics.jsonl', ${JSON.stringify(sixteenEpochs().map((l) => JSON.stringify(l)).join('\n') + '\n')});
        process.exit(3);
      });`);
    const handle = startRun({ runsDir, config: { ...structuredClone(DEFAULT_CONFIG), epochs: 50 }, workerPath: worker });
    const record = await handle.done;
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /exited with code 3/);
    assert.equal(record.summary?.epochs, 16);
    assert.equal(readRun(runsDir, record.id).summary?.steps, 64);
  });
});

describe('hand-over from the launcher to the worker', () => {
  it('a queued run whose launcher died but whose worker lives and has not written `running` yet is not interrupted', async () => {
    // The worker takes its time before writing `running` (a real one loads its backend and data first).
    const release = path.join(tmp, 'release');
    const worker = fakeWorker(`
      const fs = require('node:fs');
      process.on('message', () => {
        const wait = setInterval(() => { if (fs.existsSync(${JSON.stringify(release)})) { clearInterval(wait); process.exit(0); } }, 20);
      });`);
    const handle = startRun({ runsDir, config: structuredClone(DEFAULT_CONFIG), workerPath: worker });
    try {
      const queued = readRun(runsDir, handle.runId);
      assert.equal(queued.status, 'queued');
      assert.equal(queued.launcherPid, process.pid);
      assert.ok(queued.workerPid && queued.workerPid !== process.pid && isProcessAlive(queued.workerPid), 'run.json names the live worker');
      // This launcher "died": only its own pid counts as gone.
      const changed = reconcileInterrupted(runsDir, { isAlive: (pid) => pid !== process.pid && isProcessAlive(pid) });
      assert.deepEqual(changed, []);
      assert.equal(readRun(runsDir, handle.runId).status, 'queued');
    } finally {
      fs.writeFileSync(release, '');
      await handle.done;
    }
    // Once both are gone, the run is interrupted as before.
    const [lost] = reconcileInterrupted(runsDir, { isAlive: (pid) => pid !== process.pid && isProcessAlive(pid) });
    assert.equal(lost, undefined, 'the launcher settled it as failed when the worker exited untold');
  });
});

function fakeWorker(source: string): string {
  const file = path.join(tmp, `worker-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, source);
  return file;
}
