import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli as cliIn, readRunFiles } from './reliabilityKit';
import { assertRunFolderMatchesFormat } from './runFormatSchemas';

/**
 * Sweeps on a real single-node Slurm cluster (slurmctld + slurmd + munged, started by
 * test/slurm/start-slurm.sh if they are not running): submission as one job array, the tasks training
 * through `polyloss task`, the array's limit, ends that Slurm causes, stop, resume, a failing task,
 * and a machine without sbatch. Jobs this file submits are cancelled at its end; the idle cluster
 * is left running (test/slurm/stop-slurm.sh stops it).
 */

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'polyloss.js');
/** Tiny runs: 300 digits, a small MLP; a few epochs so that a task trains for a second or two. */
const TINY = ['--dataset', 'digits', '--max-samples', '300', '--hidden', '16', '--backend', 'wasm'];

let workDir: string;
let runsDir: string;

/** The CLI on this file's runs folder, with `env` over this process's environment. */
const cli = (args: string[], env?: NodeJS.ProcessEnv) => cliIn([...args, '--runs-dir', runsDir], workDir, env);
const submittedJobs: string[] = [];

interface RunFile {
  id: string;
  status: string;
  error?: string;
  startedAt?: string;
  endedAt?: string;
  config: { seed: number; sweepId?: string; loss: { type: string; epsilon?: number }; dataset: { name: string } };
  slurm?: { jobId: string; taskId: number; script: string; node?: string; state?: string };
  summary?: { testAcc?: number; steps: number };
}

const runFiles = (): RunFile[] => readRunFiles<RunFile>(runsDir);

const ofSweep = (sweepId: string) => runFiles().filter((r) => r.config.sweepId === sweepId);
const epsilonOf = (r: RunFile) => r.config.loss.epsilon ?? 1;
const sweepIdIn = (stderr: string) => /Sweep settings saved to .*\/(sweep-[\w-]+)\.json/.exec(stderr)?.[1] ?? assert.fail(`no sweep id in:\n${stderr}`);
const jobIdIn = (stderr: string) => /to Slurm as job (\d+) \(array ([^)]+)\)/.exec(stderr) ?? assert.fail(`no job id in:\n${stderr}`);

/** The most runs training at the same moment, from their run.json start and end times. */
function maxOverlap(runs: readonly RunFile[]): number {
  const edges = runs.flatMap((r) => [[Date.parse(r.startedAt!), 1], [Date.parse(r.endedAt!), -1]] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}

async function until<T>(what: string, get: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(() => {
  execFileSync('bash', [path.join(ROOT, 'test/slurm/start-slurm.sh')], { stdio: 'pipe', timeout: 180_000 });
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-slurm-'));
  runsDir = path.join(workDir, 'runs');
});

after(() => {
  if (submittedJobs.length > 0) execFileSync('scancel', submittedJobs, { stdio: 'ignore' });
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('polyloss sweep --executor slurm', () => {
  let sweepId = '';

  it('tells a machine without sbatch so, and creates nothing', async () => {
    const result = await cli(['sweep', ...TINY, '--epochs', '1', '--epsilon', '0,1', '--seeds', '1', '--executor', 'slurm'], { ...process.env, PATH: '/nonexistent' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--executor slurm: the Slurm executor needs Slurm's sbatch, which is not on PATH here/);
    assert.equal(fs.existsSync(runsDir), false, 'no runs folder');
    assert.equal(fs.existsSync(path.join(runsDir, '.sweeps')), false, 'no saved sweep');
  });

  it('trains 3 ε × 2 seeds as one array of 6 tasks, at most M=1 at a time, with --wait', async () => {
    const result = await cli(['sweep', ...TINY, '--epochs', '2', '--epsilon', '0,1,2', '--seeds', '2', '--executor', 'slurm', '--slurm-max-parallel', '1', '--wait']);
    const [, jobId, array] = jobIdIn(result.stderr);
    submittedJobs.push(jobId);
    assert.equal(result.code, 0, result.stderr);
    sweepId = sweepIdIn(result.stderr);
    assert.equal(array, '0-5%1');
    assert.match(result.stderr, /warning: the runs folder .* is under .*usually local to each machine/);

    const runs = ofSweep(sweepId);
    assert.equal(runs.length, 6);
    assert.ok(runs.every((r) => r.status === 'completed' && r.summary!.steps > 0), JSON.stringify(runs.map((r) => [r.status, r.error])));
    assert.deepEqual(runs.map((r) => r.slurm!.taskId).sort(), [0, 1, 2, 3, 4, 5]);
    assert.ok(runs.every((r) => r.slurm!.jobId === jobId && r.slurm!.node === os.hostname().split('.')[0]));
    assert.deepEqual([...new Set(runs.map(epsilonOf))].sort(), [0, 1, 2]);
    assert.equal(maxOverlap(runs), 1, 'the array limit %1 holds');
    for (const run of runs) assertRunFolderMatchesFormat(path.join(runsDir, run.id));

    const saved = JSON.parse(fs.readFileSync(path.join(runsDir, '.sweeps', `${sweepId}.json`), 'utf8'));
    assert.deepEqual(saved.slurm.submissions.map((s: { jobId: string; array: string }) => [s.jobId, s.array]), [[jobId, '0-5%1']]);
    const script = fs.readFileSync(runs[0].slurm!.script, 'utf8');
    assert.equal(path.dirname(runs[0].slurm!.script), path.join(runsDir, '.sweeps', sweepId));
    assert.match(script, /^#SBATCH --array=0-5%1$/m);
    assert.match(script, new RegExp(`^exec ${process.execPath} ${path.join(ROOT, 'dist', 'cli.js')} task `, 'm'));
    const taskLog = fs.readFileSync(path.join(runsDir, '.sweeps', sweepId, `slurm-${jobId}_0.out`), 'utf8');
    assert.match(taskLog, new RegExp(`task ${jobId}_0: training run .* completed`, 's'));
  });

  it('polyloss report reads the sweep trained on Slurm', async () => {
    assert.ok(sweepId, 'needs the sweep of the previous test');
    const result = await cli(['report', sweepId, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const { analysis } = JSON.parse(result.stdout) as { analysis: { groups: { label: string; n: number; mean: number }[] } };
    assert.deepEqual(analysis.groups.map((g) => [g.label, g.n]), [['ε=0', 2], ['ε=1', 2], ['ε=2', 2]]);
    const runs = ofSweep(sweepId);
    for (const group of analysis.groups) {
      const accs = runs.filter((r) => `ε=${epsilonOf(r)}` === group.label).map((r) => r.summary!.testAcc!);
      assert.ok(Math.abs(group.mean - (accs[0] + accs[1]) / 2) < 1e-12);
    }
  });

  it('returns at once without --wait, printing the job id; scancel of a running task marks its run interrupted with the reason, the others complete, and --resume retrains only that run', async () => {
    // Long enough (about 2 s a run) that task 0 is surely still training when scancel reaches it.
    const submitted = await cli(['sweep', ...TINY, '--epochs', '1000', '--epsilon', '1', '--seeds', '3', '--executor', 'slurm', '--slurm-max-parallel', '1']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const [, jobId] = jobIdIn(submitted.stderr);
    submittedJobs.push(jobId);
    assert.equal(submitted.stdout.trim(), jobId);
    const id = sweepIdIn(submitted.stderr);
    assert.equal(ofSweep(id).length, 3);

    const first = await until('task 0 to train', () => ofSweep(id).find((r) => r.slurm!.taskId === 0 && r.status === 'running'));
    execFileSync('scancel', [`${jobId}_0`]);
    // list asks Slurm and records what it says; the reason arrives once Slurm has recorded the end.
    const cancelled = await until('the reason of the cancelled task', () => {
      execFileSync(process.execPath, [BIN, 'list', '--runs-dir', runsDir], { cwd: workDir, stdio: 'ignore' });
      const run = ofSweep(id).find((r) => r.id === first.id)!;
      return run.slurm!.state ? run : undefined;
    });
    assert.equal(cancelled.status, 'interrupted');
    assert.match(cancelled.error!, new RegExp(`^Slurm ended task ${jobId}_0: CANCELLED \\(cancelled with scancel`));
    assertRunFolderMatchesFormat(path.join(runsDir, cancelled.id));
    await until('the other tasks to complete', () => {
      const others = ofSweep(id).filter((r) => r.id !== first.id);
      return others.every((r) => r.status === 'completed') ? true : undefined;
    }, 120_000);

    const resumed = await cli(['sweep', '--resume', id, '--wait']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const [, resumedJob, resumedArray] = jobIdIn(resumed.stderr);
    submittedJobs.push(resumedJob);
    assert.match(resumed.stderr, /2 of 3 runs are done or still running; 1 to train/);
    assert.equal(resumedArray, '0-0%1', 'a new array of the one missing run, with the saved limit');
    const runs = ofSweep(id);
    assert.equal(runs.length, 4);
    const retrained = runs.find((r) => r.slurm!.jobId === resumedJob)!;
    assert.equal(retrained.status, 'completed');
    assert.equal(retrained.config.seed, first.config.seed);
    const saved = JSON.parse(fs.readFileSync(path.join(runsDir, '.sweeps', `${id}.json`), 'utf8'));
    assert.deepEqual(saved.slurm.submissions.map((s: { jobId: string }) => s.jobId), [jobId, resumedJob]);
  });

  it('--stop cancels the waiting tasks and lets the running one finish its step as cancelled', async () => {
    // Task 0 trains for several seconds, so it is still running when --stop comes.
    const submitted = await cli(['sweep', ...TINY, '--epochs', '3000', '--epsilon', '1', '--seeds', '3', '--executor', 'slurm', '--slurm-max-parallel', '1']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const [, jobId] = jobIdIn(submitted.stderr);
    submittedJobs.push(jobId);
    const id = sweepIdIn(submitted.stderr);
    await until('task 0 to train', () => ofSweep(id).find((r) => r.slurm!.taskId === 0 && r.status === 'running'));
    const stopped = await cli(['sweep', '--stop', id]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /2 waiting task\(s\) cancelled, 1 running task\(s\) asked to stop/);
    const runs = await until('every run to end', () => {
      const all = ofSweep(id);
      return all.every((r) => r.status !== 'queued' && r.status !== 'running') ? all : undefined;
    });
    assert.deepEqual(runs.map((r) => r.status), ['cancelled', 'cancelled', 'cancelled']);
    const running = runs.find((r) => r.slurm!.taskId === 0)!;
    assert.equal(running.error, undefined, 'stopped on request, not by a failure');
    assert.ok(running.summary!.steps > 0);
  });

  it('a task killed outright (as by the kernel) leaves its run interrupted with Slurm\'s word, never running', async () => {
    const submitted = await cli(['sweep', ...TINY, '--epochs', '3000', '--epsilon', '1', '--seeds', '1', '--executor', 'slurm']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const [, jobId] = jobIdIn(submitted.stderr);
    submittedJobs.push(jobId);
    const id = sweepIdIn(submitted.stderr);
    const running = await until('the task to train', () => ofSweep(id).find((r) => r.status === 'running')) as RunFile & { launcherPid: number; environment: { pid: number } };
    // SIGKILL leaves the task no chance to record anything: only Slurm knows it ended.
    for (const pid of [running.launcherPid, running.environment.pid]) process.kill(pid, 'SIGKILL');
    const ended = await until('Slurm\'s word on the killed task', () => {
      execFileSync(process.execPath, [BIN, 'list', '--runs-dir', runsDir], { cwd: workDir, stdio: 'ignore' });
      const [run] = ofSweep(id);
      return run.status !== 'running' ? run : undefined;
    });
    assert.equal(ended.status, 'interrupted');
    assert.match(ended.error!, new RegExp(`^Slurm ended task ${jobId}_0: (FAILED|CANCELLED)`));
  });

  it('polyloss run FILE --executor slurm --wait trains an experiment file\'s entries and sweep as one array', async () => {
    fs.writeFileSync(path.join(workDir, 'small.polyloss.json'), JSON.stringify({
      dataset: { name: 'digits', maxSamples: 300 }, model: { type: 'mlp', hidden: [16] }, training: { epochs: 1, backend: 'wasm', seeds: [1] },
      runs: [{ name: 'ce', loss: { type: 'ce' } }, { name: 'poly1', loss: { type: 'poly', epsilon: 2 } }],
      sweep: { epsilon: [0, 1], seeds: 1 },
    }));
    const result = await cli(['run', 'small.polyloss.json', '--executor', 'slurm', '--slurm-time', '00:05:00', '--wait', '--json']);
    const [, jobId, array] = jobIdIn(result.stderr);
    submittedJobs.push(jobId);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(array, '0-3');
    const { runs } = JSON.parse(result.stdout) as { runs: RunFile[] };
    assert.deepEqual(runs.map((r) => [r.status, r.slurm!.jobId, r.slurm!.taskId]), [0, 1, 2, 3].map((t) => ['completed', jobId, t]));
    const sweepId = runs[2].config.sweepId!;
    assert.ok(sweepId && runs[3].config.sweepId === sweepId && runs[0].config.sweepId === undefined, 'the sweep section\'s runs share a sweep id');
    const script = fs.readFileSync(runs[0].slurm!.script, 'utf8');
    assert.equal(path.dirname(runs[0].slurm!.script), path.join(runsDir, '.sweeps', sweepId), 'the script goes into the sweep\'s folder');
    assert.match(script, /^#SBATCH --time=00:05:00$/m);
    assert.match(script, new RegExp(`^cd ${workDir}$`, 'm'), 'tasks work in the folder the command ran in');
  });

  it('a worker killed outright on the node (as by the out-of-memory killer) leaves its run interrupted, not failed', async () => {
    const submitted = await cli(['sweep', ...TINY, '--epochs', '3000', '--epsilon', '1', '--seeds', '1', '--executor', 'slurm']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const [, jobId] = jobIdIn(submitted.stderr);
    submittedJobs.push(jobId);
    const id = sweepIdIn(submitted.stderr);
    const running = await until('the task to train', () => ofSweep(id).find((r) => r.status === 'running')) as RunFile & { environment: { pid: number } };
    process.kill(running.environment.pid, 'SIGKILL');
    const ended = await until('the run to end', () => {
      const [run] = ofSweep(id);
      return run.status !== 'running' ? run : undefined;
    });
    assert.equal(ended.status, 'interrupted');
    assert.equal(ended.error, `the training worker of task ${jobId}_0 was killed (SIGKILL), as for running out of memory`);
  });

  it('sweeps your own script on Slurm (--command): each task runs it through the same launcher, with the interpreter of --python', async () => {
    fs.writeFileSync(path.join(workDir, 'echo_loss.py'), [
      'import os, polyloss_lab',
      'with polyloss_lab.init() as run:',
      '    eps = run.loss.get("epsilon", 0)',
      '    run.log_step(1, epoch=1, loss=1.0)',
      '    run.log_epoch(1, val_acc=0.5 + 0.1 * eps + 0.01 * run.seed)',
      '    run.finish(test_acc=0.5 + 0.1 * eps + 0.01 * run.seed)',
      'print("task", os.environ.get("SLURM_ARRAY_TASK_ID"))',
    ].join('\n') + '\n');
    const result = await cli(['sweep', '--command', 'python3 echo_loss.py', '--epsilon', '1,2', '--seeds', '1', '--python', '/usr/bin/python3',
      '--executor', 'slurm', '--slurm-max-parallel', '2', '--wait']);
    const [, jobId, array] = jobIdIn(result.stderr);
    submittedJobs.push(jobId);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(array, '0-1%2');
    const id = sweepIdIn(result.stderr);
    const runs = ofSweep(id) as (RunFile & { trainer?: { kind: string; interpreter?: string; exitCode?: number } })[];
    assert.deepEqual(runs.map((r) => [epsilonOf(r), r.status, r.summary?.testAcc, r.trainer?.kind, r.trainer?.interpreter, r.trainer?.exitCode]).sort(),
      [[1, 'completed', 0.61, 'command', '/usr/bin/python3', 0], [2, 'completed', 0.71, 'command', '/usr/bin/python3', 0]]);
    for (const run of runs) assertRunFolderMatchesFormat(path.join(runsDir, run.id));
    const script = fs.readFileSync(runs[0].slurm!.script, 'utf8');
    assert.match(script, /^export POLYLOSS_PYTHON=\/usr\/bin\/python3$/m, 'the tasks get the interpreter chosen with --python');
    for (const run of runs) {
      const output = fs.readFileSync(path.join(runsDir, run.id, 'output.log'), 'utf8');
      assert.match(output, new RegExp(`^task ${run.slurm!.taskId}$`, 'm'), 'the script ran inside its array task');
    }
  });

  it('a task whose config fails on the node ends failed with its error', async () => {
    const csv = path.join(workDir, 'data.csv');
    fs.writeFileSync(csv, ['a,b,label', ...Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2 ? 'x' : 'y'}`)].join('\n') + '\n');
    // Held back by --begin while the data disappears, as data missing on the nodes would be.
    const submitted = await cli(['sweep', '--dataset', 'csv', '--data', csv, '--label-column', 'label', '--epochs', '1', '--epsilon', '1',
      '--seeds', '1', '--executor', 'slurm', '--slurm-arg', '--begin=now+600']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const [, jobId] = jobIdIn(submitted.stderr);
    submittedJobs.push(jobId);
    const id = sweepIdIn(submitted.stderr);
    fs.rmSync(csv);
    execFileSync('scontrol', ['update', `JobId=${jobId}`, 'StartTime=now']);
    const [run] = await until('the run to fail', () => {
      const runs = ofSweep(id);
      return runs.length === 1 && runs[0].status === 'failed' ? runs : undefined;
    });
    assert.match(run.error!, /data\.csv/);
    assert.match(run.error!, /ENOENT|not found|no such file/i);
  });
});

describe('polyloss tune --executor slurm', () => {
  it('runs each round as one job array, followed to its end, under the tune\'s sweep id; the sweep file keeps the rounds and the arrays', async () => {
    const result = await cli(['tune', ...TINY, '--epochs', '1', '--epsilon', '-1:1', '--seeds', '2', '--budget', '10', '--executor', 'slurm', '--json']);
    const [, jobId, array] = jobIdIn(result.stderr);
    submittedJobs.push(jobId);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { sweepId: string; sweepFile: string; runs: number; stoppedBecause: string; rounds: unknown[] };
    // ε −1, −0.5, 0.5, 1 and CE on 2 seeds: the first round, which the budget of 10 allows alone.
    assert.equal(array, '0-9');
    assert.equal(out.runs, 10);
    assert.ok(['significant', 'no-effect', 'budget'].includes(out.stoppedBecause), out.stoppedBecause);
    const runs = ofSweep(out.sweepId);
    assert.equal(runs.length, 10);
    assert.ok(runs.every((r) => r.status === 'completed' && r.slurm!.jobId === jobId), JSON.stringify(runs.map((r) => [r.status, r.slurm?.jobId])));
    const saved = JSON.parse(fs.readFileSync(out.sweepFile, 'utf8')) as { tune: { rounds: unknown[]; stoppedBecause: string }; slurm: { submissions: { jobId: string }[] } };
    assert.equal(saved.tune.rounds.length, 1);
    assert.equal(saved.tune.stoppedBecause, out.stoppedBecause);
    assert.deepEqual(saved.slurm.submissions.map((s) => s.jobId), [jobId], 'the array is recorded next to the rounds');
  });

  it('tunes your own script on the cluster: the tasks launch it with the interpreter of --python', async () => {
    fs.writeFileSync(path.join(workDir, 'tune_script.py'), [
      'import polyloss_lab',
      'with polyloss_lab.init() as run:',
      '    eps = run.loss.get("epsilon", 0) if run.loss.get("type") == "poly" else 0',
      '    run.finish(test_acc=0.6 - 0.01 * abs(eps) + 0.001 * run.seed)',
    ].join('\n'));
    const result = await cli(['tune', '--command', 'python3 tune_script.py', '--python', '/usr/bin/python3', '--epsilon', '2:2', '--seeds', '2', '--budget', '4',
      '--executor', 'slurm', '--json']);
    const [, jobId] = jobIdIn(result.stderr);
    submittedJobs.push(jobId);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { sweepId: string; runs: number };
    const runs = ofSweep(out.sweepId);
    assert.equal(runs.length, 4, 'ε = 2 and CE on 2 seeds');
    assert.ok(runs.every((r) => r.status === 'completed' && r.slurm!.jobId === jobId), JSON.stringify(runs.map((r) => [r.status, r.error])));
  });
});
