import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import type { MetricLine, RunRecord } from '../../src/core/runFormat';
import { preflightInWorker } from '../../src/runner/preflightWorker';
import { RunQueue } from '../../src/runner/runQueue';
import { startRun } from '../../src/runner/startRun';
import { WorkerPool } from '../../src/runner/workerPool';
import { readMetrics } from '../../src/store/runFiles';
import { readRunDir } from '../../src/store/runStore';
import { build, cli, ROOT, isAlive, readRunFiles, tempDir, tinyConfig, waitFor, WORKER } from './reliabilityKit';

/** Configs that differ in model, loss, optimizer, data and seed; a few steps each. */
const DIGITS = { name: 'digits' as const, maxSamples: 400, validationFraction: 0.2, testFraction: 0.2 };
const CONFIGS: BuiltinRunConfig[] = [
  tinyConfig({ dataset: DIGITS, model: { type: 'mlp', hidden: [32] }, loss: { type: 'ce' }, seed: 1, batchSize: 32 }),
  tinyConfig({ dataset: DIGITS, model: { type: 'cnn', filters: [4, 8] }, loss: { type: 'poly', epsilon: 2 }, seed: 2, batchSize: 32 }),
  tinyConfig({ model: { type: 'mlp', hidden: [16, 8] }, loss: { type: 'focal', gamma: 2 }, optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, seed: 3 }),
  tinyConfig({ dataset: DIGITS, model: { type: 'cnn', filters: [8] }, loss: { type: 'poly-focal', epsilon: -1 }, seed: 4, batchSize: 16 }),
];
/** Long enough to be stopped or killed mid-run (the tests end it early). */
const LONG = tinyConfig({ dataset: { name: 'digits' }, model: { type: 'mlp', hidden: [32] }, batchSize: 8, epochs: 200 });

/** Run folders by run id, of every run the tests made. */
const dirs = new Map<string, string>();

/** What a run computed, without what depends on the clock or the process: metric lines without `t`, the summary without its speed. */
function results(record: RunRecord): { metrics: Omit<MetricLine, 't'>[]; summary: unknown; data: unknown } {
  assert.equal(record.status, 'completed', `run ${record.id} ${record.status}: ${record.error ?? ''}`);
  const metrics = readMetrics(dirs.get(record.id)!).lines.map(({ t: _t, ...rest }) => rest);
  const { samplesPerSec: _speed, ...summary } = record.summary ?? { steps: 0, epochs: 0 };
  return { metrics, summary, data: record.data };
}

/** Each config trained in a process of its own, as before pooling. */
async function freshRuns(runsDir: string, configs: BuiltinRunConfig[]): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const config of configs) {
    const handle = startRun({ runsDir, config, workerPath: WORKER });
    dirs.set(handle.runId, handle.runDir);
    records.push(await handle.done);
  }
  return records;
}

function queueOf(runsDir: string, workers: WorkerPool, maxConcurrent = 1): RunQueue {
  return new RunQueue({ runsDir, workerPath: WORKER, workers, maxConcurrent });
}

async function queued(queue: RunQueue, runsDir: string, configs: BuiltinRunConfig[]): Promise<RunRecord[]> {
  const ids = configs.map((config) => queue.enqueue(config));
  ids.forEach((id) => dirs.set(id, path.join(runsDir, id)));
  return Promise.all(ids.map((id) => queue.done(id)));
}

let root: string;

describe('warm worker pool', () => {
  before(() => {
    build();
    root = tempDir('pool');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('gives bit-identical metrics and summaries in a reused worker, after other runs, as in fresh processes', async () => {
    const fresh = await freshRuns(path.join(root, 'fresh'), CONFIGS);
    assert.equal(new Set(fresh.map((r) => r.environment?.pid)).size, CONFIGS.length, 'a process per fresh run');

    const runsDir = path.join(root, 'pooled');
    const workers = new WorkerPool({ workerPath: WORKER });
    try {
      // Warmed up ahead with the CNN's data and backend; then every config after all the others, in
      // both orders: each run follows a different one.
      workers.warmUp([CONFIGS[1]], 1);
      assert.equal(workers.idleCount, 1);
      const pooled = await queued(queueOf(runsDir, workers), runsDir, [...CONFIGS, ...[...CONFIGS].reverse()]);
      assert.equal(new Set(pooled.map((r) => r.environment?.pid)).size, 1, 'all runs trained by one reused worker');
      for (const [i, record] of pooled.entries()) {
        const which = i < CONFIGS.length ? i : 2 * CONFIGS.length - 1 - i;
        const expected = results(fresh[which]);
        const actual = results(record);
        assert.ok(actual.metrics.length > CONFIGS[which].epochs, 'step and epoch lines');
        assert.deepEqual(actual, expected, `config ${which} (run ${i + 1} in the worker) matches its fresh run`);
      }
    } finally {
      workers.dispose();
    }
  });

  it('warms up no worker for a run that waits for a busy one, and one for a run that trains beside it', () => {
    const workers = new WorkerPool({ workerPath: WORKER });
    try {
      const busy = workers.take();
      workers.warmUp(CONFIGS.slice(0, 1), 1);
      assert.equal(workers.idleCount, 0, 'one at a time: the next run takes the busy worker when it is done');
      workers.warmUp(CONFIGS.slice(0, 1), 2);
      assert.equal(workers.idleCount, 1, 'two at a time: the next run trains beside the busy one, on a warmed worker');
      workers.letGo(busy);
    } finally {
      workers.dispose();
    }
  });

  it('warms workers up ahead of the runs: as many as train at once, each run taking one', async () => {
    const runsDir = path.join(root, 'warm');
    const workers = new WorkerPool({ workerPath: WORKER });
    try {
      workers.warmUp([{ command: { argv: ['true'] }, loss: { type: 'ce' }, seed: 1 }], 2);
      assert.equal(workers.idleCount, 0, 'nothing to warm up for runs of a command');
      workers.warmUp(CONFIGS, 2);
      assert.equal(workers.idleCount, 2);
      workers.warmUp(CONFIGS, 2);
      assert.equal(workers.idleCount, 2, 'no more than will train at once');
      const queue = queueOf(runsDir, workers, 2);
      const finished = queued(queue, runsDir, CONFIGS.slice(0, 2));
      // The queue hands both runs out as they are enqueued: a run that forked a new worker would leave a warm one waiting.
      // (Counted now, not at 'started': a fast first run can end and give its worker back before the second starts.)
      assert.equal(workers.idleCount, 0, 'both runs took a warmed-up worker');
      const records = await finished;
      assert.equal(new Set(records.map((r) => r.environment?.pid)).size, 2);
      assert.ok(records.every((r) => r.status === 'completed'));
    } finally {
      workers.dispose();
    }
  });

  it('checks the data in a pooled worker, which then trains the run with the data it parsed', async () => {
    const runsDir = path.join(root, 'check');
    const workers = new WorkerPool({ workerPath: WORKER });
    try {
      const bad = await preflightInWorker([{ configs: [{ ...CONFIGS[0], dataset: { name: 'digits', maxSamples: 5 } }] }], { workerPath: WORKER, workers });
      assert.ok(bad !== 'cancelled' && bad.type === 'preflight-failed' && /dataset\.maxSamples 5/.test(bad.message), JSON.stringify(bad));
      assert.equal(workers.idleCount, 1, 'a refused check leaves the worker waiting');
      assert.deepEqual(await preflightInWorker([{ configs: [CONFIGS[1]] }], { workerPath: WORKER, workers }), { type: 'preflight-ok' });
      assert.equal(workers.idleCount, 1);

      const queue = queueOf(runsDir, workers);
      const waitingAtStart: number[] = [];
      queue.onEvent((event) => { if (event.type === 'started') waitingAtStart.push(workers.idleCount); });
      const [record] = await queued(queue, runsDir, [CONFIGS[1]]);
      assert.deepEqual(waitingAtStart, [0], 'the run took the worker that checked its data (no second one was forked)');
      assert.equal(workers.idleCount, 1);
      assert.ok(results(record).metrics.length > 0);
    } finally {
      workers.dispose();
    }
  });

  it('keeps a worker warm for idleMs, then lets it go; dispose lets waiting workers go at once', async () => {
    const runsDir = path.join(root, 'idle');
    const shortIdle = new WorkerPool({ workerPath: WORKER, idleMs: 1500 });
    const [first] = await queued(queueOf(runsDir, shortIdle), runsDir, [CONFIGS[2]]);
    const pid = first.environment!.pid!;
    assert.equal(shortIdle.idleCount, 1);
    assert.ok(isAlive(pid), 'waiting for the next run');
    await waitFor(() => !isAlive(pid), 'the idle worker to exit', 10_000);
    assert.equal(shortIdle.idleCount, 0);

    const workers = new WorkerPool({ workerPath: WORKER, idleMs: 60_000 });
    const [second] = await queued(queueOf(runsDir, workers), runsDir, [CONFIGS[2]]);
    assert.ok(isAlive(second.environment!.pid!));
    workers.dispose();
    await waitFor(() => !isAlive(second.environment!.pid!), 'the disposed pool\'s worker to exit', 3000);
  });

  it('a waiting worker does not keep its launcher alive, and exits with it', async () => {
    const dir = tempDir('pool-exit');
    try {
      // A launcher that never disposes its pool: it must still exit when its work is done.
      const script = path.join(dir, 'launcher.ts');
      fs.writeFileSync(script, [
        `import { RunQueue } from ${JSON.stringify(path.join(ROOT, 'src/runner/runQueue'))};`,
        `import { WorkerPool } from ${JSON.stringify(path.join(ROOT, 'src/runner/workerPool'))};`,
        `const workers = new WorkerPool({ workerPath: ${JSON.stringify(WORKER)}, idleMs: 60_000 });`,
        `const queue = new RunQueue({ runsDir: ${JSON.stringify(path.join(dir, 'runs'))}, workerPath: ${JSON.stringify(WORKER)}, workers });`,
        `const id = queue.enqueue(${JSON.stringify(CONFIGS[2])});`,
        'void queue.done(id).then((r) => console.log(JSON.stringify({ status: r.status, pid: r.environment?.pid, waiting: workers.idleCount })));',
      ].join('\n'));
      const began = Date.now();
      const launcher = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
      assert.equal(launcher.status, 0, launcher.stderr);
      assert.ok(Date.now() - began < 50_000, 'exited long before the idle time');
      const { status, pid, waiting } = JSON.parse(launcher.stdout) as { status: string; pid: number; waiting: number };
      assert.deepEqual([status, waiting], ['completed', 1], 'the worker waited for another run when the launcher ended');
      await waitFor(() => !isAlive(pid), 'the worker to exit after its launcher', 3000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a worker killed mid-run fails only that run: the pool replaces it and the queued runs complete', async () => {
    const runsDir = path.join(root, 'crash');
    const workers = new WorkerPool({ workerPath: WORKER });
    try {
      const queue = queueOf(runsDir, workers);
      const ids = [CONFIGS[0], LONG, CONFIGS[2], CONFIGS[0]].map((c) => queue.enqueue(c));
      const firstPid = (await queue.done(ids[0])).environment!.pid!;
      await waitFor(() => readMetrics(path.join(runsDir, ids[1])).lines.length > 0, 'the long run to log steps');
      const running = readRunDir(path.join(runsDir, ids[1]));
      assert.equal(running.workerPid, firstPid, 'run.json names the reused worker as the run\'s');
      assert.equal(running.environment?.pid, firstPid);
      process.kill(firstPid, 'SIGKILL');

      const [, killed, next, last] = await Promise.all(ids.map((id) => queue.done(id)));
      assert.equal(killed.status, 'failed');
      assert.match(killed.error ?? '', /killed by SIGKILL/);
      assert.ok((killed.summary?.steps ?? 0) > 0, 'the steps it logged are kept');
      for (const record of [next, last]) {
        assert.equal(record.status, 'completed');
        assert.notEqual(record.environment?.pid, firstPid, 'trained by a new worker');
        assert.equal(record.workerPid, record.environment?.pid, 'run.json hands the run to the worker that trained it');
      }
      assert.equal(next.environment?.pid, last.environment?.pid, 'the replacement is reused in turn');
    } finally {
      workers.dispose();
    }
  });

  it('Stop on a run in a pooled worker stops only that run; the worker trains the next one as a fresh process would', async () => {
    const runsDir = path.join(root, 'stop');
    const workers = new WorkerPool({ workerPath: WORKER });
    try {
      const queue = queueOf(runsDir, workers);
      const ids = [CONFIGS[1], LONG, CONFIGS[0]].map((c) => queue.enqueue(c));
      ids.forEach((id) => dirs.set(id, path.join(runsDir, id)));
      const first = await queue.done(ids[0]);
      await waitFor(() => readMetrics(path.join(runsDir, ids[1])).lines.length > 0, 'the long run to log steps');
      assert.ok(queue.stop(ids[1]));
      const [stopped, next] = await Promise.all([queue.done(ids[1]), queue.done(ids[2])]);
      assert.equal(stopped.status, 'cancelled');
      assert.ok((stopped.summary?.steps ?? 0) > 0 && stopped.summary!.steps < 200 * 100, 'stopped mid-run with its steps');
      assert.equal(next.status, 'completed');
      assert.deepEqual([stopped.environment?.pid, next.environment?.pid], [first.environment?.pid, first.environment?.pid], 'the same worker throughout');
      const [freshNext] = await freshRuns(path.join(root, 'stop-fresh'), [CONFIGS[0]]);
      assert.deepEqual(results(next), results(freshNext), 'the run after the stopped one matches a fresh process');
    } finally {
      workers.dispose();
    }
  });

  it('polyloss sweep trains its runs in reused workers and leaves no worker behind', async () => {
    const cwd = tempDir('pool-cli');
    try {
      const runsDir = path.join(cwd, 'runs');
      const result = await cli(['sweep', '--dataset', 'iris', '--hidden', '16', '--epochs', '1', '--batch-size', '16', '--backend', 'wasm',
        '--loss', 'poly', '--epsilon', '-1:1:1', '--seeds', '1', '--concurrency', '1', '--yes', '--runs-dir', runsDir], cwd);
      assert.equal(result.code, 0, result.stderr);
      const runs = readRunFiles<RunRecord>(runsDir);
      assert.equal(runs.length, 3);
      assert.ok(runs.every((r) => r.status === 'completed'));
      const pids = new Set(runs.map((r) => r.environment?.pid));
      assert.equal(pids.size, 1, `one worker for the three runs (pids ${[...pids].join(', ')})`);
      const [pid] = pids;
      await waitFor(() => !isAlive(pid!), 'the worker to exit with the CLI', 3000);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
