import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { WorkerEvent } from '../../src/core/protocol';
import { DEFAULT_CONFIG, type RunConfig } from '../../src/core/runConfig';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import { Emitter } from '../../src/core/emitter';
import { RunQueue, type StartRequest } from '../../src/runner/runQueue';
import type { RunHandle } from '../../src/runner/startRun';
import { writeRunRecord } from '../../src/store/runFiles';
import { readRun } from '../../src/store/runStore';

/** Stands in for a worker: the test decides when each run ends; stop() ends it as cancelled. */
class FakeRun implements RunHandle {
  readonly runId: string;
  readonly runDir: string;
  readonly events = new Emitter<WorkerEvent>();
  stopCalls = 0;
  readonly stopReasons: (string | undefined)[] = [];
  readonly done: Promise<RunRecord>;
  private resolveDone!: (r: RunRecord) => void;

  constructor(readonly request: StartRequest, private readonly runsDir: string, private readonly stopsItself: boolean) {
    this.runId = request.runId;
    this.runDir = request.runDir;
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
    const record = readRun(runsDir, this.runId);
    writeRunRecord(this.runDir, { ...record, status: 'running' });
  }

  onEvent(listener: (e: WorkerEvent) => void) {
    return this.events.on(listener);
  }

  stop(interruptedBecause?: string): void {
    this.stopCalls++;
    this.stopReasons.push(interruptedBecause);
    if (this.stopsItself) this.end(interruptedBecause === undefined ? 'cancelled' : 'interrupted');
  }

  end(status: RunStatus): void {
    const record: RunRecord = { ...readRun(this.runsDir, this.runId), status };
    writeRunRecord(this.runDir, record);
    // Like a real worker, the end arrives asynchronously.
    setImmediate(() => this.resolveDone(record));
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function config(seed: number): RunConfig {
  return { ...structuredClone(DEFAULT_CONFIG), seed };
}

let runsDir: string;
beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-queue-'));
});
afterEach(() => {
  fs.rmSync(runsDir, { recursive: true, force: true });
});

function makeQueue(maxConcurrent: number, opts: { stopsItself?: boolean; failOnSeed?: number } = {}) {
  const started: FakeRun[] = [];
  let peak = 0;
  const queue = new RunQueue({
    runsDir,
    maxConcurrent,
    start: (request) => {
      if (request.config.seed === opts.failOnSeed) throw new Error('no worker here');
      const run = new FakeRun(request, runsDir, opts.stopsItself ?? true);
      started.push(run);
      peak = Math.max(peak, queue.runningIds().length + 1);
      return run;
    },
  });
  return { queue, started, peak: () => peak };
}

describe('RunQueue', () => {
  it('writes every queued record at once and never runs more than maxConcurrent', async () => {
    const { queue, started, peak } = makeQueue(2);
    const ids = [1, 2, 3, 4, 5].map((seed) => queue.enqueue(config(seed)));
    assert.deepEqual(ids.map((id) => readRun(runsDir, id).status), ['running', 'running', 'queued', 'queued', 'queued']);
    assert.deepEqual(queue.runningIds(), ids.slice(0, 2));
    assert.deepEqual(queue.queuedIds(), ids.slice(2));

    started[1].end('completed');
    await tick();
    assert.deepEqual(started.map((r) => r.runId), ids.slice(0, 3), 'the next run in order took the free slot');
    while (queue.runningIds().length > 0) {
      for (const id of queue.runningIds()) started.find((r) => r.runId === id)!.end('completed');
      await tick();
      assert.ok(queue.runningIds().length <= 2);
    }
    await queue.whenIdle();
    assert.equal(started.length, 5);
    assert.equal(peak(), 2);
    assert.deepEqual((await Promise.all(ids.map((id) => queue.done(id)))).map((r) => r.status), Array(5).fill('completed'));
  });

  it('cancels a queued run without starting it, and asks a running one to stop', async () => {
    const { queue, started } = makeQueue(1, { stopsItself: false });
    const running = queue.enqueue(config(1));
    const waiting = queue.enqueue(config(2));
    const seen: WorkerEvent[] = [];
    queue.onEvent((e) => seen.push(e));

    assert.equal(queue.stop(waiting), true);
    assert.equal(readRun(runsDir, waiting).status, 'cancelled');
    assert.equal((await queue.done(waiting)).status, 'cancelled');
    assert.deepEqual(seen.map((e) => [e.type, e.runId]), [['finished', waiting]]);

    assert.equal(queue.stop(running), true);
    assert.equal(started[0].stopCalls, 1);
    started[0].end('cancelled');
    await queue.whenIdle();
    assert.equal(started.length, 1, 'the cancelled run never started');
    assert.equal(queue.stop(running), false, 'an ended run is unknown to the queue');
  });

  it('cancels a queued run whose folder was deleted meanwhile without throwing', async () => {
    const { queue, started } = makeQueue(1);
    queue.enqueue(config(1));
    const waiting = queue.enqueue(config(2));
    fs.rmSync(path.join(runsDir, waiting), { recursive: true });
    assert.equal(queue.stop(waiting), true);
    const record = await queue.done(waiting);
    assert.deepEqual([record.id, record.status], [waiting, 'cancelled']);
    assert.ok(!fs.existsSync(path.join(runsDir, waiting)), 'nothing is recreated');
    started[0].end('completed');
    await queue.whenIdle();
  });

  it('gives a run every core when nothing can train beside it as it starts, else one thread', async () => {
    const cores = os.availableParallelism();
    const threadsOf = (started: FakeRun[]) => started.map((r) => r.request.threads);
    const alone = makeQueue(2);
    const [first] = await alone.queue.submit([config(1)]);
    assert.deepEqual(threadsOf(alone.started), [cores], 'a lone run');
    alone.started[0].end('completed');
    await alone.queue.done(first);

    const together = makeQueue(2);
    await together.queue.submit([config(1), config(2), config(3)]);
    assert.deepEqual(threadsOf(together.started), [1, 1], 'a batch of runs side by side, its first run included');
    together.started[0].end('completed');
    await tick();
    assert.deepEqual(threadsOf(together.started), [1, 1, 1], 'the last run starts beside another');

    const queuedOneByOne = makeQueue(2);
    queuedOneByOne.queue.batch(() => [config(1), config(2)].forEach((c) => queuedOneByOne.queue.enqueue(c)));
    assert.deepEqual(threadsOf(queuedOneByOne.started), [1, 1], 'runs enqueued one by one inside a batch');

    const oneAtATime = makeQueue(1);
    await oneAtATime.queue.submit([config(1), config(2)]);
    oneAtATime.started[0].end('completed');
    await tick();
    assert.deepEqual(threadsOf(oneAtATime.started), [cores, cores], 'a queue that trains one run at a time');
  });

  it('stopAll cancels the queue before stopping the running runs, so nothing new starts', async () => {
    const { queue, started } = makeQueue(2);
    const ids = [1, 2, 3, 4].map((seed) => queue.enqueue(config(seed)));
    queue.stopAll();
    await queue.whenIdle();
    assert.equal(started.length, 2);
    assert.deepEqual(started.map((r) => r.stopCalls), [1, 1]);
    assert.deepEqual(ids.map((id) => readRun(runsDir, id).status), Array(4).fill('cancelled'));
  });

  it('setMaxConcurrent starts more runs at once when raised and none when lowered', async () => {
    const { queue, started } = makeQueue(1);
    const ids = [1, 2, 3, 4].map((seed) => queue.enqueue(config(seed)));
    queue.setMaxConcurrent(3);
    assert.deepEqual(queue.runningIds(), ids.slice(0, 3));
    queue.setMaxConcurrent(1);
    started[0].end('completed');
    started[1].end('completed');
    await tick();
    assert.equal(started.length, 3, 'two slots freed, but 1 run is still running and the limit is 1');
    started[2].end('completed');
    await tick();
    assert.equal(started.length, 4);
    assert.throws(() => queue.setMaxConcurrent(0), RangeError);
    assert.throws(() => queue.setMaxConcurrent(1.5), /integer ≥ 1/);
    started[3].end('completed');
    await queue.whenIdle();
  });

  it('marks a run failed when its worker cannot start, and goes on with the others', async () => {
    const { queue, started } = makeQueue(1, { failOnSeed: 1 });
    const failed = queue.enqueue(config(1));
    const next = queue.enqueue(config(2));
    const record = await queue.done(failed);
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /could not be started: no worker here/);
    assert.equal(readRun(runsDir, failed).status, 'failed');
    assert.deepEqual(queue.runningIds(), [next]);
    started[0].end('completed');
    await queue.whenIdle();
  });

  it('relays the events of every run and reports state changes', async () => {
    const { queue, started } = makeQueue(2);
    const events: string[] = [];
    const changes: string[] = [];
    queue.onEvent((e) => events.push(`${e.type}:${e.runId}`));
    const dispose = queue.onChange((c) => changes.push(`${c.state}:${c.runId}`));
    const a = queue.enqueue(config(1));
    const b = queue.enqueue(config(2));
    started[1].events.fire({ type: 'failed', runId: b, error: 'boom' });
    started[0].events.fire({ type: 'steps', runId: a, steps: [] });
    assert.deepEqual(events, [`failed:${b}`, `steps:${a}`]);
    started[0].end('completed');
    started[1].end('failed');
    await queue.whenIdle();
    assert.deepEqual(changes, [`queued:${a}`, `running:${a}`, `queued:${b}`, `running:${b}`, `ended:${a}`, `ended:${b}`]);
    dispose();
  });

  it('leaves its queued runs queued for the next launcher, which adopts them in order; running ones end interrupted', async () => {
    const first = makeQueue(1);
    const ids = [1, 2, 3].map((seed) => first.queue.enqueue(config(seed)));
    first.queue.leave('the window reloaded');
    await tick();
    assert.deepEqual(first.started[0].stopReasons, ['the window reloaded']);
    assert.equal(readRun(runsDir, ids[0]).status, 'interrupted');
    assert.deepEqual(ids.slice(1).map((id) => readRun(runsDir, id).status), ['queued', 'queued'], 'queued runs are left as they were');
    assert.equal(first.started.length, 1, 'the queue that left starts nothing more');
    assert.deepEqual(first.queue.queuedIds(), []);

    // The next launcher: the left runs still name the old one, which is gone.
    for (const id of ids.slice(1)) writeRunRecord(path.join(runsDir, id), { ...readRun(runsDir, id), launcherPid: 999_999_999 });
    const next = makeQueue(1);
    assert.equal(next.queue.adopt(ids[0]), false, 'an interrupted run is not adopted');
    assert.equal(next.queue.adopt(ids[1]), true);
    assert.equal(next.queue.adopt(ids[2]), true);
    assert.equal(next.queue.adopt(ids[2]), false, 'nor one adopted already');
    assert.deepEqual(next.started.map((r) => r.runId), [ids[1]], 'the first adopted starts, the next waits for the slot');
    assert.deepEqual(next.queue.queuedIds(), [ids[2]]);
    assert.equal(readRun(runsDir, ids[2]).launcherPid, process.pid, 'run.json names the new launcher');
    assert.equal(readRun(runsDir, ids[2]).launcherHost, os.hostname());
    next.started[0].end('completed');
    await tick();
    await tick();
    assert.deepEqual(next.started.map((r) => r.runId), [ids[1], ids[2]]);
    assert.equal((await next.queue.done(ids[1])).status, 'completed');
  });
});
