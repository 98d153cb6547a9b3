import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { formatHelp, parseArgs, UsageError } from '../../src/cli/args';
import { SLURM_FLAGS } from '../../src/cli/slurm';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import { checkSlurmOptions, SlurmOptionError } from '../../src/core/slurmOptions';
import { arraySpec, sbatchScript, shellQuote } from '../../src/runner/slurm/script';
import {
  parseJobCompLog, parseSqueue, reconcileSlurm, slurmVerdict, type SlurmSnapshot,
} from '../../src/runner/slurm/status';
import { unsharedFolderWarning } from '../../src/runner/slurm/submit';
import { findOnPath, parseSbatchJobId } from '../../src/runner/slurm/tools';
import { writeRunRecord } from '../../src/store/runFiles';
import { createRun, readRunDir, reconcileInterrupted } from '../../src/store/runStore';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');

function slurmRun(status: RunStatus, taskId: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1, id: `run-${taskId}`, name: `run ${taskId}`, config: DEFAULT_CONFIG, status, createdAt: new Date(T0).toISOString(),
    slurm: { jobId: '42', taskId, script: '/shared/sweeps/s/array-1.sbatch', submittedAt: new Date(T0).toISOString() },
    ...extra,
  };
}

function snapshot(tasks: Record<string, string>, reasons: Record<string, string> = {}): SlurmSnapshot {
  const map = new Map(Object.entries(tasks).map(([key, state]) => [key, { state, reason: reasons[key] }]));
  return { tasks: map, jobsListed: new Set([...map.keys()].map((k) => k.split('_')[0])) };
}

const at = (seconds: number) => ({ now: T0 + seconds * 1000, staleMs: 120_000 });

describe('sbatch script', () => {
  const script = sbatchScript({
    jobName: 'polyloss-sweep-1', runIds: ['a-0', 'b-1', 'c-2'], runsDir: '/shared/my runs', cwd: '/shared/project',
    nodePath: '/opt/node/bin/node', cliPath: '/opt/polyloss/dist/cli.js', logDir: '/shared/sweeps/sweep-1',
    options: { partition: 'gpu', time: '00:30:00', cpus: 2, gpus: 1, maxParallel: 2, extraArgs: ['--qos=short'] },
    env: { POLYLOSS_HEARTBEAT_MS: '15000' },
  });
  const lines = script.split('\n');

  it('asks for one array of all runs, at most M at once, with every option as an #SBATCH line', () => {
    assert.equal(lines[0], '#!/bin/bash');
    const directives = lines.filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));
    assert.deepEqual(directives, [
      '--job-name=polyloss-sweep-1', '--array=0-2%2', '--output=/shared/sweeps/sweep-1/slurm-%A_%a.out',
      '--partition=gpu', '--time=00:30:00', '--cpus-per-task=2', '--gpus-per-task=1', '--qos=short',
    ]);
  });

  it('runs the task of its index with absolute paths of node and the CLI, quoted for bash', () => {
    assert.deepEqual(lines.slice(lines.indexOf('RUNS=(') + 1, lines.indexOf(')')), ['  a-0', '  b-1', '  c-2']);
    assert.ok(lines.includes('cd /shared/project'));
    assert.ok(lines.includes('export POLYLOSS_HEARTBEAT_MS=15000'));
    assert.equal(lines.filter((l) => l.startsWith('exec ')).length, 1);
    assert.ok(lines.includes(`exec /opt/node/bin/node /opt/polyloss/dist/cli.js task --runs-dir '/shared/my runs' --run "\${RUNS[$SLURM_ARRAY_TASK_ID]}"`));
  });

  it('quotes words for bash and writes array specs', () => {
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
    assert.equal(shellQuote('/plain/path-1.js'), '/plain/path-1.js');
    assert.equal(arraySpec(6, 2), '0-5%2');
    assert.equal(arraySpec(100), '0-99');
  });
});

describe('Slurm options', () => {
  it('accepts Slurm time formats and refuses others, naming the field', () => {
    for (const time of ['30', '30:00', '01:30:00', '2-0', '2-12:00', '2-12:00:00']) assert.doesNotThrow(() => checkSlurmOptions({ time }));
    for (const [opts, field] of [[{ time: '1h' }, 'time'], [{ partition: 'a b' }, 'partition'], [{ cpus: 0 }, 'cpus'],
      [{ maxParallel: 1.5 }, 'maxParallel'], [{ extraArgs: ['qos=x'] }, 'extraArgs'], [{ extraArgs: ['--a\n--b'] }, 'extraArgs']] as const) {
      assert.throws(() => checkSlurmOptions(opts), (e: unknown) => e instanceof SlurmOptionError && e.field === field);
    }
  });

  it('--slurm-arg repeats and takes values that are options themselves', () => {
    const spec = { name: 'sweep', summary: '', flags: SLURM_FLAGS };
    const parsed = parseArgs(['--slurm-arg', '--qos=short', '--slurm-arg=--constraint=v100', '--slurm-max-parallel', '4'], spec);
    assert.deepEqual(parsed.flags['slurm-arg'], ['--qos=short', '--constraint=v100']);
    assert.equal(parsed.flags['slurm-max-parallel'], 4);
    assert.throws(() => parseArgs(['--slurm-time', '1', '--slurm-time', '2'], spec), UsageError);
    assert.match(formatHelp(spec), /--slurm-arg ARG/);
  });
});

describe('what Slurm says', () => {
  it('reads squeue lines of array tasks', () => {
    const tasks = parseSqueue('42_0|RUNNING|None|node7\n42_1|PENDING|JobArrayTaskLimit|\n43|RUNNING|None|n1\n');
    assert.deepEqual([...tasks.keys()], ['42_0', '42_1']);
    assert.deepEqual(tasks.get('42_0'), { state: 'RUNNING', reason: undefined, node: 'node7' });
    assert.deepEqual(tasks.get('42_1'), { state: 'PENDING', reason: 'JobArrayTaskLimit', node: undefined });
  });

  it('reads the job-completion log for the arrays asked about only', () => {
    const log = [
      'JobId=44 UserId=u(1) Name=polyloss JobState=TIMEOUT Partition=debug NodeList=n3 ArrayJobId=42 ArrayTaskId=2 DerivedExitCode=0:0',
      'JobId=45 UserId=u(1) Name=other JobState=COMPLETED NodeList=n3 ArrayJobId=9 ArrayTaskId=0',
      'JobId=46 UserId=u(1) Name=plain JobState=COMPLETED NodeList=n3',
    ].join('\n');
    const tasks = parseJobCompLog(log, new Set(['42']));
    assert.deepEqual([...tasks], [['42_2', { state: 'TIMEOUT', node: 'n3' }]]);
  });

  it('parses sbatch --parsable output', () => {
    assert.equal(parseSbatchJobId('4312\n'), '4312');
    assert.equal(parseSbatchJobId('4312;cluster\n'), '4312');
    assert.throws(() => parseSbatchJobId('sbatch: error'), /job id/);
  });
});

describe('ends Slurm caused', () => {
  it('a live run whose task Slurm ended is interrupted with Slurm\'s reason', () => {
    for (const [state, words] of [['TIMEOUT', /time limit/], ['CANCELLED', /scancel/], ['NODE_FAIL', /node failed/], ['PREEMPTED', /preempted/], ['OUT_OF_MEMORY', /out of memory/]] as const) {
      const change = slurmVerdict(slurmRun('running', 3), snapshot({ '42_3': state }), at(10));
      assert.equal(change?.status, 'interrupted');
      assert.equal(change?.slurm?.state, state);
      assert.match(change?.error ?? '', new RegExp(`^Slurm ended task 42_3: ${state} `));
      assert.match(change?.error ?? '', words);
    }
  });

  it('waiting and running tasks are left alone', () => {
    assert.equal(slurmVerdict(slurmRun('queued', 1), snapshot({ '42_1': 'PENDING' }), at(500)), undefined);
    assert.equal(slurmVerdict(slurmRun('running', 1), snapshot({ '42_1': 'RUNNING' }), at(500)), undefined);
    assert.equal(slurmVerdict(slurmRun('completed', 1), snapshot({ '42_1': 'COMPLETED' }), at(500)), undefined);
  });

  it('a waiting task that vanished while its siblings are listed was cancelled before it started', () => {
    const change = slurmVerdict(slurmRun('queued', 4), snapshot({ '42_0': 'RUNNING' }), at(10));
    assert.equal(change?.status, 'interrupted');
    assert.match(change?.error ?? '', /42_4: CANCELLED .*before it started/);
  });

  it('a run Slurm no longer knows is ended only once its heartbeat is stale', () => {
    const beat = new Date(T0 + 60_000).toISOString();
    const run = slurmRun('running', 2, { startedAt: new Date(T0).toISOString(), heartbeatAt: beat });
    assert.equal(slurmVerdict(run, snapshot({}), at(60 + 119)), undefined);
    const change = slurmVerdict(run, snapshot({}), at(60 + 121));
    assert.equal(change?.status, 'interrupted');
    assert.match(change?.error ?? '', new RegExp(`no longer lists task 42_2.*since ${beat}`));
  });

  it('an interrupted run that only knows the signal gets Slurm\'s reason later, once', () => {
    const signalled = slurmRun('interrupted', 5, { endedAt: new Date(T0).toISOString(), error: 'Slurm ended task 42_5 with SIGTERM' });
    const change = slurmVerdict(signalled, snapshot({ '42_5': 'TIMEOUT' }), at(30));
    assert.match(change?.error ?? '', /TIMEOUT \(time limit reached\)/);
    assert.equal(change?.endedAt, signalled.endedAt);
    assert.equal(slurmVerdict({ ...signalled, ...change }, snapshot({ '42_5': 'TIMEOUT' }), at(40)), undefined);
  });

  it('a run whose worker was killed keeps its own words unless Slurm names a cause of its own', () => {
    const killed = slurmRun('interrupted', 6, { endedAt: new Date(T0).toISOString(), error: 'the training worker of task 42_6 was killed (SIGKILL), as for running out of memory' });
    const oom = slurmVerdict(killed, snapshot({ '42_6': 'OUT_OF_MEMORY' }), at(30));
    assert.equal(oom?.error, 'Slurm ended task 42_6: OUT_OF_MEMORY (out of memory)');
    const failed = slurmVerdict(killed, snapshot({ '42_6': 'FAILED' }), at(30));
    assert.equal(failed?.error, killed.error);
    assert.equal(failed?.slurm?.state, 'FAILED', 'Slurm is not asked again');
  });

  it('reconcileSlurm writes the verdicts into run.json and leaves local runs to the pid check', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-slurm-unit-'));
    try {
      const a = createRun(dir, DEFAULT_CONFIG);
      const b = createRun(dir, DEFAULT_CONFIG);
      writeRunRecord(a.runDir, { ...a.record, status: 'running', launcherPid: 999_999_999, slurm: { jobId: '7', taskId: 0, script: 's', submittedAt: new Date().toISOString() } });
      writeRunRecord(b.runDir, { ...b.record, slurm: { jobId: '7', taskId: 1, script: 's', submittedAt: new Date().toISOString() } });
      // A dead launcher pid proves nothing for a Slurm task: only Slurm's answer does.
      assert.deepEqual(reconcileInterrupted(dir, { isAlive: () => false }), []);
      const asked: string[][] = [];
      const { changed } = await reconcileSlurm(dir, { query: async (ids) => { asked.push([...ids]); return snapshot({ '7_0': 'NODE_FAIL', '7_1': 'PENDING' }, { '7_1': 'Priority' }); } });
      assert.deepEqual(asked, [['7', '7']]);
      assert.deepEqual(changed.map((r) => r.id), [a.runId]);
      assert.equal(readRunDir(a.runDir).status, 'interrupted');
      assert.match(readRunDir(a.runDir).error ?? '', /7_0: NODE_FAIL/);
      assert.equal(readRunDir(b.runDir).status, 'queued');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('submission checks', () => {
  it('warns about runs folders in local temporary space only', () => {
    assert.match(unsharedFolderWarning(path.join(os.tmpdir(), 'x', 'runs')) ?? '', /file system the nodes share/);
    assert.match(unsharedFolderWarning('/dev/shm/runs') ?? '', /under \/dev\/shm/);
    assert.equal(unsharedFolderWarning('/home/ada/project/.polyloss/runs'), undefined);
  });

  it('finds executables on PATH only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-path-'));
    try {
      fs.writeFileSync(path.join(dir, 'sbatch'), '#!/bin/sh\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'squeue'), 'not executable', { mode: 0o644 });
      assert.equal(findOnPath('sbatch', { PATH: `/nonexistent${path.delimiter}${dir}` }), path.join(dir, 'sbatch'));
      assert.equal(findOnPath('squeue', { PATH: dir }), undefined);
      assert.equal(findOnPath('sbatch', { PATH: '' }), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
