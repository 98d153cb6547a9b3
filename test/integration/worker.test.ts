import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isWorkerEvent, type PreflightBatch, type WorkerCommand, type WorkerEvent } from '../../src/core/protocol';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import type { RunRecord, StepMetric } from '../../src/core/runFormat';
import { preflightInWorker } from '../../src/runner/preflightWorker';
import { readMetrics } from '../../src/store/runFiles';
import { createRun, readRunDir } from '../../src/store/runStore';
import { build, ROOT, tempDir, tinyConfig, WORKER } from './reliabilityKit';

const CONFIG = tinyConfig({
  dataset: { name: 'digits', validationFraction: 0.15, testFraction: 0.15 },
  model: { type: 'mlp', hidden: [32] },
  batchSize: 32,
});
/** Long enough to be stopped or killed mid-run (the tests end it early). */
const LONG: BuiltinRunConfig = { ...CONFIG, batchSize: 8, epochs: 200 };

let runsDir: string;

interface Worker {
  child: ChildProcess;
  runId: string;
  runDir: string;
  events: WorkerEvent[];
  /** Status in run.json at the moment each event arrived. */
  statusAtEvent: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  next(type: WorkerEvent['type']): Promise<WorkerEvent>;
}

function startWorker(config: BuiltinRunConfig): Worker {
  const { runId, runDir } = createRun(runsDir, config);
  // The same channel options as the runner: advanced serialization, own process group.
  const child = fork(WORKER, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [], detached: true });
  const events: WorkerEvent[] = [];
  const statusAtEvent: string[] = [];
  const waiters: { type: WorkerEvent['type']; resolve: (e: WorkerEvent) => void }[] = [];
  child.on('message', (message: unknown) => {
    assert.ok(isWorkerEvent(message), `a typed worker event: ${JSON.stringify(message)}`);
    events.push(message);
    statusAtEvent.push(readRunDir(runDir).status);
    for (const w of waiters.filter((x) => x.type === message.type)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(message);
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const command: WorkerCommand = { type: 'start', runDir, runId, config };
  child.send(command);
  return {
    child, runId, runDir, events, statusAtEvent, exit,
    next: (type) => {
      const seen = events.find((e) => e.type === type);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}

function stepLines(runDir: string): StepMetric[] {
  return readMetrics(runDir).lines.filter((l): l is StepMetric => l.kind === 'step');
}

function stepsSent(events: WorkerEvent[]): StepMetric[] {
  return events.flatMap((e) => (e.type === 'steps' ? e.steps : []));
}

describe('training worker process', () => {
  before(() => {
    build();
    runsDir = tempDir('worker');
  });
  after(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  it('runs a queued run to completion: events in order, run.json transitions, metrics.jsonl', async () => {
    const w = startWorker(CONFIG);
    const { code } = await w.exit;
    assert.equal(code, 0);
    const types = w.events.map((e) => e.type);
    assert.equal(types[0], 'started');
    assert.equal(types[types.length - 1], 'finished');
    assert.deepEqual(types.filter((t) => t === 'epoch').length, CONFIG.epochs);
    assert.ok(types.slice(1, -1).every((t) => t === 'steps' || t === 'epoch'));
    // run.json says running from before `started` is sent until the end is recorded. Read as each
    // message arrives, it may already show the end for the last ones (messages trail the file), but
    // never goes back: running, then completed. That it is running while the run can still go on is
    // checked where the run cannot end by itself (the stop test below).
    const ended = w.statusAtEvent.indexOf('completed');
    const whileRunning = ended < 0 ? w.statusAtEvent : w.statusAtEvent.slice(0, ended);
    assert.ok(whileRunning.every((s) => s === 'running'), `statuses seen: ${w.statusAtEvent.join(', ')}`);
    assert.ok(w.statusAtEvent.slice(whileRunning.length).every((s) => s === 'completed'), `statuses seen: ${w.statusAtEvent.join(', ')}`);

    const started = w.events[0] as Extract<WorkerEvent, { type: 'started' }>;
    assert.equal(started.runId, w.runId);
    assert.equal(started.environment.backend, 'wasm');
    assert.equal(started.environment.pid, w.child.pid);
    assert.equal(started.record.status, 'running');

    const record: RunRecord = readRunDir(w.runDir);
    assert.equal(record.status, 'completed');
    assert.ok(record.startedAt && record.endedAt && record.startedAt <= record.endedAt);
    assert.equal(record.environment?.nodeVersion, process.version);
    assert.equal(record.data?.numClasses, 10);
    assert.match(record.environment?.backendDetail ?? '', /tfjs-backend-wasm .*SIMD/);
    assert.ok(record.data?.notes?.some((n) => /split/.test(n)), 'dataset notes recorded');
    const perEpoch = Math.ceil(record.data!.train / CONFIG.batchSize);
    assert.equal(record.totalSteps, perEpoch * CONFIG.epochs);
    assert.equal(record.summary?.steps, record.totalSteps);
    assert.ok(record.summary!.testAcc! > 0.8);
    const finished = w.events[w.events.length - 1] as Extract<WorkerEvent, { type: 'finished' }>;
    assert.equal(finished.status, 'completed');
    assert.deepEqual(finished.summary, record.summary);

    const { lines, skipped } = readMetrics(w.runDir);
    assert.equal(skipped, 0);
    assert.equal(lines.length, record.totalSteps! + CONFIG.epochs);
    assert.deepEqual(stepLines(w.runDir), stepsSent(w.events), 'the file holds exactly the steps sent live');
    assert.deepEqual(lines.filter((l) => l.kind === 'epoch').map((l) => l.step), [perEpoch, 2 * perEpoch]);
  });

  it('stops after the current step on a stop message: cancelled, exit 0, metrics kept', async () => {
    const w = startWorker(LONG);
    await w.next('epoch');
    // 200 epochs do not end by themselves before the stop: every event so far found run.json running.
    const seenBeforeStop = [...w.statusAtEvent];
    assert.ok(seenBeforeStop.length >= 3, 'started, steps and an epoch');
    assert.deepEqual(seenBeforeStop, seenBeforeStop.map(() => 'running'), 'running while training');
    w.child.send({ type: 'stop' } satisfies WorkerCommand);
    const { code } = await w.exit;
    assert.equal(code, 0);
    const finished = w.events[w.events.length - 1];
    assert.equal(finished.type, 'finished');
    assert.equal(finished.type === 'finished' && finished.status, 'cancelled');
    const record = readRunDir(w.runDir);
    assert.equal(record.status, 'cancelled');
    const steps = stepLines(w.runDir);
    assert.ok(steps.length > 0 && steps.length < record.totalSteps!);
    assert.equal(record.summary?.steps, steps.length);
    assert.equal(record.summary?.epochs, readMetrics(w.runDir).lines.filter((l) => l.kind === 'epoch').length);
  });

  it('treats SIGTERM like a stop request', async () => {
    const w = startWorker(LONG);
    await w.next('steps');
    w.child.kill('SIGTERM');
    const { code, signal } = await w.exit;
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.equal(readRunDir(w.runDir).status, 'cancelled');
  });

  it('keeps training when the IPC channel is lost: the files record the run', async () => {
    const w = startWorker({ ...CONFIG, epochs: 4 });
    await w.next('steps');
    w.child.disconnect();
    const { code } = await w.exit;
    assert.equal(code, 0);
    const record = readRunDir(w.runDir);
    assert.equal(record.status, 'completed');
    assert.equal(stepLines(w.runDir).length, record.totalSteps);
  });

  it('leaves readable metrics when killed with SIGKILL mid-run', async () => {
    const w = startWorker(LONG);
    await w.next('epoch');
    const sent = stepsSent(w.events).length;
    w.child.kill('SIGKILL');
    const { signal } = await w.exit;
    assert.equal(signal, 'SIGKILL');
    const { lines, skipped } = readMetrics(w.runDir);
    assert.ok(skipped <= 1, 'at most a truncated last line');
    const steps = lines.filter((l): l is StepMetric => l.kind === 'step');
    assert.ok(steps.length >= sent, `${steps.length} step lines on disk, ${sent} sent before the kill`);
    assert.deepEqual(steps.map((s) => s.step), steps.map((_, i) => i + 1));
    assert.equal(readRunDir(w.runDir).status, 'running', 'the worker could not record an end; the runner does');
  });

  it('records a failure with the error message and exits 1', async () => {
    const w = startWorker({ ...CONFIG, dataset: { name: 'iris' }, model: { type: 'cnn' } });
    const { code } = await w.exit;
    assert.equal(code, 1);
    const failed = w.events[w.events.length - 1];
    assert.equal(failed.type, 'failed');
    assert.match(failed.type === 'failed' ? failed.error : '', /model\.type "cnn"/);
    const record = readRunDir(w.runDir);
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /model\.type "cnn"/);
    assert.ok(record.endedAt);
  });

  it('runs without IPC for debugging: node worker.js --run-dir DIR', async () => {
    const { runDir } = createRun(runsDir, CONFIG);
    const child = spawn(process.execPath, [WORKER, '--run-dir', runDir], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    const record = readRunDir(runDir);
    assert.equal(record.status, 'completed');
    assert.equal(stepLines(runDir).length, record.totalSteps);
  });

  it('a data check: loads the datasets of configs as training will, creates nothing, and names what cannot be used', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-preflight-'));
    try {
      fs.copyFileSync(path.join(ROOT, 'test/fixtures/experiments/data/iris.csv'), path.join(dataDir, 'iris.csv'));
      const csv = (dataset: Partial<BuiltinRunConfig['dataset']>): BuiltinRunConfig => ({
        ...CONFIG, dataset: { name: 'csv', path: path.join(dataDir, 'iris.csv'), labelColumn: 'species', ...dataset }, experiment: 'study',
      });
      const runsBefore = fs.readdirSync(runsDir);
      const opts = { workerPath: WORKER };

      assert.deepEqual(await preflightInWorker([{ configs: [CONFIG] }, { configs: [csv({})], confineTo: dataDir }], opts), { type: 'preflight-ok' });
      // Relative paths resolve against the worker's folder, as for the training workers forked alike.
      assert.deepEqual(await preflightInWorker([{ configs: [csv({ path: 'iris.csv' })] }], { ...opts, cwd: dataDir }), { type: 'preflight-ok' });

      const failure = async (batches: PreflightBatch[]): Promise<{ field: string; message: string }> => {
        const reply = await preflightInWorker(batches, opts);
        assert.ok(reply !== 'cancelled' && reply.type === 'preflight-failed', `a failed check: ${JSON.stringify(reply)}`);
        return { field: reply.field, message: reply.message };
      };
      const badColumn = await failure([{ configs: [CONFIG, csv({ labelColumn: 'kind' })] }]);
      assert.match(badColumn.message, /dataset\.labelColumn 'kind' is not a column of .*iris\.csv/);
      const outside = await failure([{ configs: [csv({})], confineTo: runsDir }]);
      assert.equal(outside.field, 'dataset.path');
      assert.ok(outside.message.includes(`${path.join(dataDir, 'iris.csv')} is outside the workspace folder`), outside.message);
      const tooFew = await failure([{ configs: [{ ...CONFIG, dataset: { name: 'digits', maxSamples: 5 } }] }]);
      assert.match(tooFew.message, /dataset\.maxSamples 5/);

      const abort = new AbortController();
      const cancelled = preflightInWorker([{ configs: [CONFIG] }], { ...opts, signal: abort.signal });
      abort.abort();
      assert.equal(await cancelled, 'cancelled');

      assert.deepEqual(fs.readdirSync(runsDir), runsBefore, 'no run folder made, none half-made');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
