/**
 * Reliability: workers that die mid-run, a loss that blows up, and a rename made while a run trains.
 * Real workers and the real CLI process; iris runs of a few hundred steps.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkerEvent } from '../../src/core/protocol';
import type { RunRecord, StepMetric } from '../../src/core/runFormat';
import { RunQueue } from '../../src/runner/runQueue';
import { readMetrics } from '../../src/store/runFiles';
import { listRuns, readRun, readRunDir, renameRun, runDirOf } from '../../src/store/runStore';
import { build, cli, isAlive, parseJson, startCli, tempDir, tiny, tinyConfig, waitFor, WORKER } from './reliabilityKit';

const TINY = tinyConfig({ batchSize: 4 });

let workDir: string;
let runsDir: string;

before(() => {
  build();
  workDir = tempDir('crash');
  runsDir = path.join(workDir, 'runs');
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function stepLines(runId: string): StepMetric[] {
  return readMetrics(runDirOf(runsDir, runId)).lines.filter((l): l is StepMetric => l.kind === 'step');
}

describe('a worker killed with SIGKILL mid-run', () => {
  it('ends its run failed with the reason, keeps every flushed metric, and the concurrent run completes', async () => {
    const queue = new RunQueue({ runsDir, maxConcurrent: 2, workerPath: WORKER });
    const events: WorkerEvent[] = [];
    queue.onEvent((e) => events.push(e));
    const victim = queue.enqueue({ ...TINY, epochs: 500, name: 'victim' });
    const survivor = queue.enqueue({ ...TINY, epochs: 40, seed: 2, name: 'survivor' });
    const hasSteps = (runId: string) => events.some((e) => e.type === 'steps' && e.runId === runId);
    await waitFor(() => hasSteps(victim) && hasSteps(survivor), 'both runs to report steps');

    const pid = readRun(runsDir, victim).environment?.pid;
    assert.ok(pid, 'the running record names the worker process');
    const flushed = readMetrics(runDirOf(runsDir, victim)).lines;
    process.kill(pid, 'SIGKILL');
    assert.equal(readRun(runsDir, survivor).status, 'running', 'the other run was training when the worker died');

    const killed = await queue.done(victim);
    assert.equal(killed.status, 'failed');
    assert.match(killed.error ?? '', /killed by SIGKILL/);
    assert.equal(readRun(runsDir, victim).status, 'failed', 'the end is recorded on disk');
    assert.ok(events.some((e) => e.type === 'failed' && e.runId === victim && /SIGKILL/.test(e.error)), 'listeners are told');

    const after = readMetrics(runDirOf(runsDir, victim));
    assert.ok(after.skipped <= 1, `at most the line being written is lost (${after.skipped} skipped)`);
    assert.deepEqual(after.lines.slice(0, flushed.length), flushed, 'every line flushed before the kill is still readable');
    const steps = after.lines.filter((l) => l.kind === 'step').map((l) => l.step);
    assert.deepEqual(steps, steps.map((_, i) => i + 1), 'the steps kept are a gap-free prefix');

    const completed = await queue.done(survivor);
    assert.equal(completed.status, 'completed', completed.error);
    assert.deepEqual(stepLines(survivor).map((l) => l.step), Array.from({ length: completed.summary!.steps }, (_, i) => i + 1));
    assert.equal(completed.totalSteps, completed.summary!.steps);
  });

  it('is marked interrupted when the launching CLI died with it; list and show still read the run', async () => {
    const run = startCli(['train', ...tiny({ epochs: '500', 'batch-size': '4', name: 'lost' }), '--runs-dir', runsDir], workDir);
    await waitFor(() => / epoch 1\/500 /.test(run.stderr()), 'the first epoch line');
    const record = listRuns(runsDir).runs.find((r) => r.name === 'lost');
    assert.ok(record?.environment?.pid && record.launcherPid);
    // Both processes vanish at once, as when the machine runs out of memory.
    process.kill(record.launcherPid, 'SIGKILL');
    process.kill(record.environment.pid, 'SIGKILL');
    await run.result;
    await waitFor(() => !isAlive(record.environment!.pid!), 'the worker to be gone');
    const flushed = stepLines(record.id);
    assert.ok(flushed.length > 0);

    const listed = parseJson<{ runs: RunRecord[] }>(await cli(['list', '--json', '--runs-dir', runsDir], workDir));
    const lost = listed.runs.find((r) => r.id === record.id);
    assert.equal(lost?.status, 'interrupted');
    assert.match(lost?.error ?? '', new RegExp(`pid ${record.environment.pid}, ${record.launcherPid}`));
    const shown = await cli(['show', record.id, '--runs-dir', runsDir], workDir);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /status:\s+interrupted/);
    assert.match(shown.stdout, /EPOCH\s+STEP/);
    assert.deepEqual(stepLines(record.id), flushed, 'the metrics are untouched by reconciling');
  });
});

describe('a loss that stops being finite', () => {
  it('ends the run diverged at the first step that blew up, reports it, and exits with the diverged code 3', async () => {
    const result = await cli(['train', ...tiny({ epochs: '2', optimizer: 'sgd', lr: '1e30', loss: 'ce' }), '--runs-dir', runsDir, '--json'], workDir);
    assert.equal(result.code, 3, `a diverged run exits 3, not 0 (nor 1 as a crash would):\n${result.stderr}`);
    const { runs: [record], exitCode } = parseJson<{ runs: RunRecord[]; exitCode: number }>(result);
    assert.equal(exitCode, 3);
    assert.equal(record.status, 'diverged');
    const summary = record.summary!;
    const at = summary.divergedAtStep!;
    const steps = stepLines(record.id);
    assert.ok(at >= 2, `diverged at ${at}`);
    assert.equal(steps.length, at - 1, 'every step before the divergence is recorded, the diverged one is not');
    assert.equal(steps.at(-1)?.step, summary.steps);
    assert.equal(summary.steps, at - 1, 'the step count stops where the divergence starts');
    assert.ok(steps.every((s) => Number.isFinite(s.loss)), 'no recorded step was already non-finite');
    assert.equal(summary.testAcc, undefined);
    assert.match(result.stderr, new RegExp(`\\[${record.id}\\] .*diverged at step ${at}`));
    assert.match(result.stderr, new RegExp(`${record.id} diverged at step ${at}: .*learning rate`));

    const shown = await cli(['show', record.id, '--runs-dir', runsDir], workDir);
    assert.match(shown.stdout, /status:\s+diverged/);
    assert.match(shown.stdout, new RegExp(`diverged at\\s+step ${at}`));
  });
});

describe('renaming a run while it trains', () => {
  it('keeps the new name when the worker records the end of the run', async () => {
    const queue = new RunQueue({ runsDir, maxConcurrent: 1, workerPath: WORKER });
    const runId = queue.enqueue({ ...TINY, epochs: 20, name: 'before' });
    let started = false;
    let stepsAfterRename = 0;
    queue.onEvent((e) => {
      if (e.type === 'started') started = true;
      if (e.type === 'steps' && readRun(runsDir, runId).name === 'after') stepsAfterRename += e.steps.length;
    });
    await waitFor(() => started, 'the worker to record the run as running');
    renameRun(runsDir, runId, 'after');
    const final = await queue.done(runId);
    assert.equal(final.status, 'completed');
    assert.ok(stepsAfterRename > 0, 'the worker went on writing after the rename');
    assert.equal(final.name, 'after');
    assert.equal(readRunDir(runDirOf(runsDir, runId)).name, 'after');
    assert.equal(listRuns(runsDir).runs.find((r) => r.id === runId)?.name, 'after');
  });
});
