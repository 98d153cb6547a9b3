import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import { interruptedMessage, isHostMark, resumePlan, runsLeftBy } from '../../src/host/previousWindow';

const PREVIOUS = { pid: 4242, host: 'box' };

function run(id: string, status: RunStatus, extra: Partial<RunRecord> = {}, config: Partial<BuiltinRunConfig> = {}): RunRecord {
  return {
    schemaVersion: 1, id, name: `run ${id}`, status, createdAt: `2026-12-06T10:00:0${id.length % 10}Z`,
    config: { ...structuredClone(DEFAULT_CONFIG), ...config }, launcherPid: PREVIOUS.pid, launcherHost: PREVIOUS.host, ...extra,
  };
}

describe('the runs a previous window left', () => {
  it('sorts its runs into queued (to adopt, oldest first), still ending, and interrupted; other launchers\' runs are not its', () => {
    const runs = [
      run('q2', 'queued', { createdAt: '2026-12-06T10:00:02Z' }),
      run('q1', 'queued', { createdAt: '2026-12-06T10:00:01Z' }),
      run('handed', 'queued', { workerPid: 77 }),
      run('started', 'queued', { environment: { backend: 'wasm', tfjsVersion: '4', nodeVersion: 'v20', platform: 'linux', pid: 78 } }),
      run('training', 'running'),
      run('stopped', 'interrupted'),
      run('done', 'completed'),
      run('cli', 'queued', { launcherPid: 9999 }),
      run('other-machine', 'queued', { launcherHost: 'elsewhere' }),
      run('cli-interrupted', 'interrupted', { launcherPid: 9999 }),
    ];
    const left = runsLeftBy(runs, PREVIOUS);
    assert.deepEqual(left.queued.map((r) => r.id), ['q1', 'q2']);
    assert.deepEqual(left.ending.map((r) => r.id).sort(), ['handed', 'started', 'training'], 'a queued run already handed to a worker is ending, not adoptable');
    assert.deepEqual(left.interrupted.map((r) => r.id), ['stopped']);
  });

  it('resumes sweeps through their own resume and other runs as they were', () => {
    const interrupted = [run('a', 'interrupted', {}, { sweepId: 'sw1' }), run('b', 'interrupted', {}, { sweepId: 'sw1' }), run('c', 'interrupted')];
    const plan = resumePlan(interrupted);
    assert.deepEqual(plan.sweepIds, ['sw1']);
    assert.deepEqual(plan.runs.map((r) => r.id), ['c']);
  });

  it('names what was interrupted and what Resume does', () => {
    assert.equal(interruptedMessage([run('a', 'interrupted')]),
      'PolyLoss: Run "run a" was interrupted when this window was last closed or reloaded; what it logged is kept. Resume trains it again.');
    assert.equal(interruptedMessage([run('a', 'interrupted', {}, { sweepId: 'sw1' })]),
      'PolyLoss: Run "run a" of sweep sw1 was interrupted when this window was last closed or reloaded; what it logged is kept. Resume trains it again (for a sweep: the runs it lacks).');
    assert.equal(interruptedMessage([run('a', 'interrupted'), run('b', 'interrupted'), run('c', 'interrupted'), run('d', 'interrupted', {}, { sweepId: 'sw1' })]),
      'PolyLoss: 4 runs ("run a", "run b", 1 more, runs of sweep sw1) were interrupted when this window was last closed or reloaded; what they logged is kept. Resume trains them again (for a sweep: the runs it lacks).');
  });

  it('reads back only a well-formed host mark', () => {
    assert.equal(isHostMark({ pid: 12, host: 'box' }), true);
    for (const bad of [undefined, null, {}, { pid: 0, host: 'box' }, { pid: 1.5, host: 'box' }, { pid: 12 }, 'x']) assert.equal(isHostMark(bad), false, JSON.stringify(bad));
  });
});
