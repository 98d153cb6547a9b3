// RunsIndex and MetricsTail on real run folders in a temp dir: file events and worker events
// both feed the live deltas, and each metric line reaches listeners once.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import type { EpochMetric, MetricLine, RunRecord, StepMetric } from '../../src/core/runFormat';
import { MetricsTail } from '../../src/store/metricsTail';
import { RunsIndex } from '../../src/host/runsModel';
import { appendMetrics, writeRunRecord } from '../../src/store/runFiles';
import { createRun, renameRun } from '../../src/store/runStore';

let runsDir: string;
beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-host-model-'));
});
afterEach(() => {
  fs.rmSync(runsDir, { recursive: true, force: true });
});

const step = (n: number, epoch = 1): StepMetric => ({ kind: 'step', step: n, epoch, t: n, loss: 1 / n, base: 1 / n, poly: 0, acc: 0.5 });
const epochLine = (n: number): EpochMetric => ({ kind: 'epoch', epoch: n, step: n * 10, t: 0, trainLoss: 1, valLoss: 1, valAcc: 0.5, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 } });
const key = (l: MetricLine) => `${l.kind}${l.kind === 'step' ? l.step : l.epoch}`;

function newRun(status: RunRecord['status'] = 'queued'): RunRecord {
  const { runDir, record } = createRun(runsDir, structuredClone(DEFAULT_CONFIG));
  if (status === 'queued') return record;
  const updated = { ...record, status };
  writeRunRecord(runDir, updated);
  return updated;
}

function collect(model: RunsIndex) {
  const lines: MetricLine[] = [];
  const changes: (readonly string[] | undefined)[] = [];
  model.onDidAppendMetrics((e) => lines.push(...e.lines));
  model.onDidChangeRuns((ids) => changes.push(ids));
  return { lines, changes };
}

describe('MetricsTail', () => {
  it('reads only complete new lines, keeping a partial last line for later', () => {
    const run = newRun('running');
    const file = path.join(runsDir, run.id, 'metrics.jsonl');
    const tail = new MetricsTail(runsDir);
    fs.writeFileSync(file, `${JSON.stringify(step(1))}\n${JSON.stringify(step(2)).slice(0, 10)}`);
    assert.deepEqual(tail.readNew(run.id).map(key), ['step1']);
    assert.deepEqual(tail.readNew(run.id), []);
    fs.writeFileSync(file, `${JSON.stringify(step(1))}\n${JSON.stringify(step(2))}\n${JSON.stringify(epochLine(1))}\n`);
    assert.deepEqual(tail.readNew(run.id).map(key), ['step2', 'epoch1']);
  });

  it('drops lines already delivered by a live event, and live lines already read from the file', () => {
    const run = newRun('running');
    const tail = new MetricsTail(runsDir);
    assert.deepEqual(tail.filterLive(run.id, [step(1), step(2)]).map(key), ['step1', 'step2']);
    appendMetrics(path.join(runsDir, run.id), [step(1), step(2), step(3)]);
    assert.deepEqual(tail.readNew(run.id).map(key), ['step3']);
    assert.deepEqual(tail.filterLive(run.id, [step(3), step(4)]).map(key), ['step4']);
  });

  it('starts a run that was already live at its current end', () => {
    const run = newRun('running');
    appendMetrics(path.join(runsDir, run.id), [step(1), step(2)]);
    const tail = new MetricsTail(runsDir);
    tail.startAtEnd(run.id);
    assert.deepEqual(tail.filterLive(run.id, [step(2), step(3)]).map(key), ['step3']);
    appendMetrics(path.join(runsDir, run.id), [step(3), step(4)]);
    assert.deepEqual(tail.readNew(run.id).map(key), ['step4']);
  });
});

describe('RunsIndex', () => {
  it('lists the folder lazily and re-reads the runs named by file events, debounced', (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout'] });
    const a = newRun();
    const model = new RunsIndex(runsDir, 20);
    const { changes } = collect(model);
    assert.deepEqual(model.list().map((r) => r.id), [a.id]);
    const b = newRun();
    writeRunRecord(path.join(runsDir, a.id), { ...a, status: 'running' });
    model.filesChanged([path.join(runsDir, b.id, 'run.json'), path.join(runsDir, a.id, 'run.json'), path.join(runsDir, a.id, 'run.json')]);
    ctx.mock.timers.tick(19);
    assert.equal(model.get(b.id), undefined, 'nothing is read before the debounce delay');
    ctx.mock.timers.tick(1);
    assert.equal(model.get(b.id)?.status, 'queued');
    assert.equal(model.get(a.id)?.status, 'running');
    assert.deepEqual([...(changes.at(-1) ?? [])].sort(), [a.id, b.id].sort());
    model.dispose();
  });

  it('announces no change when a reported run.json holds what it already knows (a worker\'s start seen twice)', () => {
    const a = newRun();
    const model = new RunsIndex(runsDir, 10);
    const { changes } = collect(model);
    model.list();
    const started: RunRecord = { ...a, status: 'running', startedAt: new Date().toISOString() };
    writeRunRecord(path.join(runsDir, a.id), started);
    model.relay({ type: 'started', runId: a.id, record: started, totalSteps: 10, environment: { backend: 'cpu', tfjsVersion: 'x', nodeVersion: 'y', platform: 'linux' } });
    model.filesChanged([path.join(runsDir, a.id, 'run.json')]);
    model.flush();
    assert.deepEqual(changes, [undefined, [a.id]], 'the listing, then the start once');
    writeRunRecord(path.join(runsDir, a.id), { ...started, status: 'completed' });
    model.filesChanged([path.join(runsDir, a.id, 'run.json')]);
    model.flush();
    assert.deepEqual(changes.at(-1), [a.id], 'a real change is announced');
    assert.equal(model.get(a.id)?.status, 'completed');
    model.dispose();
  });

  it('picks up a rename made elsewhere (the CLI writes user.json)', () => {
    const a = newRun('completed');
    const model = new RunsIndex(runsDir, 10);
    model.list();
    renameRun(runsDir, a.id, 'renamed from the CLI');
    model.filesChanged([path.join(runsDir, a.id, 'user.json')]);
    model.flush();
    assert.equal(model.get(a.id)?.name, 'renamed from the CLI');
    model.dispose();
  });

  it('ignores the store\'s hidden folders of runs being created or deleted, even with a readable run.json', () => {
    const a = newRun('completed');
    const model = new RunsIndex(runsDir, 10);
    const { changes, lines } = collect(model);
    model.list();
    // What createRun and deleteRun leave in sight of a watcher for a moment: a complete run under a hidden name.
    for (const hidden of ['.creating-x1Yz', `.deleting-${a.id}-123-456`]) {
      fs.cpSync(path.join(runsDir, a.id), path.join(runsDir, hidden), { recursive: true });
      appendMetrics(path.join(runsDir, hidden), [step(1)]);
      model.filesChanged([path.join(runsDir, hidden), path.join(runsDir, hidden, 'run.json'), path.join(runsDir, hidden, 'metrics.jsonl')]);
    }
    model.flush();
    assert.deepEqual(model.list().map((r) => r.id), [a.id], 'no run appears twice or under a hidden name');
    assert.deepEqual(changes, [undefined], 'only the first listing');
    assert.deepEqual(lines, []);
    model.dispose();
  });

  it('drops a deleted run when its folder is reported', () => {
    const a = newRun();
    const model = new RunsIndex(runsDir, 10);
    const { changes } = collect(model);
    model.list();
    fs.rmSync(path.join(runsDir, a.id), { recursive: true });
    model.filesChanged([path.join(runsDir, a.id)]);
    model.flush();
    assert.equal(model.list().length, 0);
    assert.deepEqual(changes.at(-1), [a.id]);
    model.dispose();
  });

  it('lists a run folder whose run.json cannot be read as broken, with the reason, and keeps it current', () => {
    const a = newRun('completed');
    const model = new RunsIndex(runsDir, 10);
    const { changes } = collect(model);
    fs.mkdirSync(path.join(runsDir, 'no-record'));
    assert.deepEqual(model.broken().map((b) => [b.runId, b.reason]), [['no-record', 'run.json is missing']]);
    const runJson = path.join(runsDir, a.id, 'run.json');
    const good = fs.readFileSync(runJson, 'utf8');
    fs.writeFileSync(runJson, '{"schemaVersion": 1, "status": ');
    model.filesChanged([runJson]);
    model.flush();
    assert.equal(model.get(a.id), undefined);
    assert.match(model.broken().find((b) => b.runId === a.id)?.reason ?? '', /^run\.json is not valid JSON/);
    assert.deepEqual(changes.at(-1), [a.id]);
    fs.writeFileSync(runJson, good);
    model.filesChanged([runJson]);
    model.flush();
    assert.equal(model.get(a.id)?.status, 'completed', 'a repaired run.json makes it a run again');
    fs.rmSync(path.join(runsDir, 'no-record'), { recursive: true });
    model.filesChanged([path.join(runsDir, 'no-record')]);
    model.flush();
    assert.deepEqual(model.broken(), [], 'a deleted broken folder is gone');
    assert.deepEqual(changes.at(-1), ['no-record']);
    model.dispose();
  });

  it('delivers each metric line once whether a worker event or the file reports it first', async () => {
    const run = newRun('running');
    const model = new RunsIndex(runsDir, 10);
    const { lines } = collect(model);
    model.list();
    const dir = path.join(runsDir, run.id);
    // The worker reports steps 1-2 over IPC, then the file holds 1-3, then IPC reports 3-4 and an epoch.
    model.relay({ type: 'steps', runId: run.id, steps: [step(1), step(2)] });
    appendMetrics(dir, [step(1), step(2), step(3)]);
    model.filesChanged([path.join(dir, 'metrics.jsonl')]);
    model.flush();
    model.relay({ type: 'steps', runId: run.id, steps: [step(3), step(4)] });
    model.relay({ type: 'epoch', runId: run.id, epoch: epochLine(1) });
    appendMetrics(dir, [step(4), epochLine(1)]);
    model.filesChanged([path.join(dir, 'metrics.jsonl')]);
    model.flush();
    assert.deepEqual(lines.map(key), ['step1', 'step2', 'step3', 'step4', 'epoch1']);
    assert.deepEqual((await model.readMetrics(run.id)).map(key), ['step1', 'step2', 'step3', 'step4', 'epoch1']);
    model.dispose();
  });

  it('replays the lines of a run that appears later (a CLI run) from its start', () => {
    const model = new RunsIndex(runsDir, 10);
    const { lines } = collect(model);
    assert.equal(model.list().length, 0);
    const run = newRun('running');
    appendMetrics(path.join(runsDir, run.id), [step(1), step(2)]);
    model.filesChanged([path.join(runsDir, run.id, 'metrics.jsonl')]);
    model.flush();
    assert.equal(model.get(run.id)?.status, 'running', 'a metrics file of an unknown run makes its record read too');
    assert.deepEqual(lines.map(key), ['step1', 'step2']);
    model.dispose();
  });

  it('re-reads run.json when a worker reports the end', () => {
    const run = newRun('running');
    const model = new RunsIndex(runsDir, 10);
    model.list();
    writeRunRecord(path.join(runsDir, run.id), { ...run, status: 'completed', summary: { steps: 3, epochs: 1, testAcc: 0.9 } });
    model.relay({ type: 'finished', runId: run.id, status: 'completed', summary: { steps: 3, epochs: 1 } });
    assert.equal(model.get(run.id)?.status, 'completed');
    assert.equal(model.get(run.id)?.summary?.testAcc, 0.9);
    model.dispose();
  });

  it('starts over when pointed at another folder', () => {
    newRun();
    const model = new RunsIndex(runsDir, 10);
    const { changes } = collect(model);
    assert.equal(model.list().length, 1);
    changes.length = 0;
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-host-model-other-'));
    try {
      model.setRunsDir(other);
      assert.deepEqual(changes, [undefined]);
      assert.equal(model.list().length, 0);
      assert.equal(model.runsDir, other);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
      model.dispose();
    }
  });
});
