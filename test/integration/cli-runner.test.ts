import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkerEvent } from '../../src/core/protocol';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import type { StepMetric } from '../../src/core/runFormat';
import { RunQueue } from '../../src/runner/runQueue';
import { startRun } from '../../src/runner/startRun';
import { readMetrics } from '../../src/store/runFiles';
import { readRunDir } from '../../src/store/runStore';
import { build, tempDir, tinyConfig, WORKER } from './reliabilityKit';

const TINY = tinyConfig();
/** Runs long enough to be stopped or killed mid-run. */
const LONG: BuiltinRunConfig = { ...TINY, batchSize: 4, epochs: 500 };

let runsDir: string;

before(() => {
  build();
  runsDir = tempDir('runner');
});

after(() => {
  fs.rmSync(runsDir, { recursive: true, force: true });
});

function collect(handle: { onEvent(l: (e: WorkerEvent) => void): () => void }) {
  const events: WorkerEvent[] = [];
  const waiters: { type: string; resolve: () => void }[] = [];
  handle.onEvent((e) => {
    events.push(e);
    waiters.filter((w) => w.type === e.type).forEach((w) => w.resolve());
  });
  const next = (type: WorkerEvent['type']) => new Promise<void>((resolve) => {
    if (events.some((e) => e.type === type)) resolve();
    else waiters.push({ type, resolve });
  });
  return { events, next };
}

describe('startRun with the real worker', () => {
  it('relays typed events in order and resolves with the completed record', async () => {
    const handle = startRun({ runsDir, config: TINY, workerPath: WORKER });
    const { events } = collect(handle);
    const record = await handle.done;
    assert.equal(record.status, 'completed');
    assert.equal(record.id, handle.runId);
    assert.equal(record.launcherPid, process.pid, 'the worker keeps the launcher fields');
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'started');
    assert.equal(types.at(-1), 'finished');
    assert.equal(types.filter((t) => t === 'epoch').length, 2);
    const relayedSteps = events.flatMap((e) => (e.type === 'steps' ? e.steps : []));
    const storedSteps = readMetrics(handle.runDir).lines.filter((l): l is StepMetric => l.kind === 'step');
    assert.deepEqual(relayedSteps, storedSteps);
  });

  it('stop() ends the run as cancelled after the current step, keeping its metrics', async () => {
    const handle = startRun({ runsDir, config: LONG, workerPath: WORKER });
    const { events, next } = collect(handle);
    await next('epoch');
    handle.stop();
    const record = await handle.done;
    assert.equal(record.status, 'cancelled');
    assert.equal(record.error, undefined, 'a graceful stop is not an error');
    const finished = events.at(-1);
    assert.ok(finished?.type === 'finished' && finished.status === 'cancelled');
    const steps = readMetrics(handle.runDir).lines.filter((l) => l.kind === 'step');
    assert.equal(steps.at(-1)?.step, record.summary?.steps);
  });

  it('stop(reason) of a launcher going away ends the run interrupted with the reason, keeping its metrics', async () => {
    const handle = startRun({ runsDir, config: LONG, workerPath: WORKER });
    const { events, next } = collect(handle);
    await next('epoch');
    handle.stop('the window that started it reloaded');
    const record = await handle.done;
    assert.equal(record.status, 'interrupted');
    assert.equal(record.error, 'the window that started it reloaded');
    const finished = events.at(-1);
    assert.ok(finished?.type === 'finished' && finished.status === 'interrupted');
    const steps = readMetrics(handle.runDir).lines.filter((l) => l.kind === 'step');
    assert.ok(steps.length > 0);
    assert.equal(steps.at(-1)?.step, record.summary?.steps);
  });

  it('records failed, with the signal, when the worker dies without recording an end', async () => {
    const handle = startRun({ runsDir, config: LONG, workerPath: WORKER });
    const { events, next } = collect(handle);
    await next('steps');
    const pid = readRunDir(handle.runDir).environment?.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const record = await handle.done;
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /killed by SIGKILL/);
    assert.equal(readRunDir(handle.runDir).status, 'failed');
    const last = events.at(-1);
    assert.ok(last?.type === 'failed' && /SIGKILL/.test(last.error), 'listeners hear about it');
  });

  it('escalates to SIGTERM and SIGKILL when a worker ignores stop, then records cancelled', async () => {
    const stubborn = path.join(runsDir, 'stubborn-worker.js');
    const ready = path.join(runsDir, 'stubborn-ready');
    // Acknowledges nothing, ignores stop messages and SIGTERM; says when its handlers are in place.
    fs.writeFileSync(stubborn, "process.on('message', () => {}); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);\n"
      + `require('fs').writeFileSync(${JSON.stringify(ready)}, '');\n`);
    const handle = startRun({ runsDir, config: TINY, workerPath: stubborn, stopGraceMs: 200, killGraceMs: 200 });
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(ready)) {
      assert.ok(Date.now() < deadline, 'the stubborn worker did not start within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const stoppedAt = Date.now();
    handle.stop();
    const record = await handle.done;
    assert.ok(Date.now() - stoppedAt >= 400, 'both grace periods were given');
    assert.equal(record.status, 'cancelled');
    assert.match(record.error ?? '', /killed by SIGKILL while stopping/);
  });

  it('refuses a missing worker with a message that says how to build it', () => {
    assert.throws(() => startRun({ runsDir, config: TINY, workerPath: path.join(runsDir, 'nope.js') }), /training worker not found at .*nope\.js; build it first/);
  });
});

describe('RunQueue with the real worker', () => {
  it('runs three configs two at a time to completion', async () => {
    const queue = new RunQueue({ runsDir, maxConcurrent: 2, workerPath: WORKER });
    let peak = 0;
    queue.onChange(() => { peak = Math.max(peak, queue.runningIds().length); });
    const finished: string[] = [];
    queue.onEvent((e) => { if (e.type === 'finished') finished.push(e.runId); });
    const ids = [1, 2, 3].map((seed) => queue.enqueue({ ...TINY, seed }));
    assert.equal(readRunDir(path.join(runsDir, ids[2])).status, 'queued');
    await queue.whenIdle();
    const records = await Promise.all(ids.map((id) => queue.done(id)));
    assert.deepEqual(records.map((r) => r.status), ['completed', 'completed', 'completed']);
    assert.deepEqual([...finished].sort(), [...ids].sort());
    assert.equal(peak, 2);
  });
});
