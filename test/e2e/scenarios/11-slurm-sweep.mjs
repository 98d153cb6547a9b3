// A sweep on a Slurm cluster from VS Code: the project's single-node Slurm (test/slurm/start-slurm.sh)
// runs its tasks. "Run Sweep…" asks where to train; "Slurm cluster" submits one job array with the
// polyloss.slurm.* settings (a begin time holds the tasks back, so the waiting can be seen); the Runs
// tree shows the runs waiting on Slurm, with the job id, the state and why it waits on hover; once
// Stop Run cancels one waiting run's task alone; released, the others switch to training as their
// tasks start and complete. Then Run Sweep… on a run of the user's own Python script: "Slurm cluster"
// submits the script's runs too, each task runs the script with the interpreter of polyloss.pythonPath,
// and the runs complete in the Runs tree.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { polylossCli, readRuns, runRow } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Run Sweep on a Slurm cluster: runs wait on Slurm, then train and complete';

const BASE_NAME = 'slurm base e2e';
const SCRIPT_BASE_NAME = 'slurm script base e2e';
/** A small script that records itself through polyloss_lab: its result depends on ε and the seed. */
const SCRIPT = [
  'import os, time, polyloss_lab',
  `with polyloss_lab.init(name="${SCRIPT_BASE_NAME}", loss={"type": "poly", "epsilon": 1}, seed=1) as run:`,
  '    eps = run.loss.get("epsilon", 0)',
  '    for step in range(1, 6):',
  '        run.log_step(step, epoch=1, loss=1.0 / step)',
  '        time.sleep(0.1)',
  '    run.log_epoch(1, val_acc=0.5 + 0.1 * eps + 0.01 * run.seed)',
  '    run.finish(test_acc=0.5 + 0.1 * eps + 0.01 * run.seed)',
  'print("slurm task", os.environ.get("SLURM_ARRAY_TASK_ID"))',
].join('\n') + '\n';

export async function run(context) {
  execFileSync('bash', [path.join(context.project, 'test/slurm/start-slurm.sh')], { stdio: 'pipe', timeout: 180000 });
  const settingsFile = path.join(context.ws, '.vscode', 'settings.json');
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  writeFileSync(settingsFile, JSON.stringify({
    'polyloss.slurm.partition': 'debug', 'polyloss.slurm.time': '00:10:00', 'polyloss.slurm.maxParallel': 2,
    'polyloss.slurm.extraArgs': ['--begin=now+600'], 'polyloss.pythonPath': '/usr/bin/python3',
  }, null, 2));
  const script = path.join(context.ws, 'slurm_tiny.py');
  writeFileSync(script, SCRIPT);
  const jobs = [];
  try {
    await slurmScenario(context, jobs);
    await scriptOnSlurm(context, jobs);
  } finally {
    rmSync(settingsFile, { force: true });
    rmSync(script, { force: true });
    if (jobs.length) execFileSync('scancel', jobs, { stdio: 'ignore' });
  }
}

/** Answers Run Sweep… on `baseName` (ε 0 and 2, no γ or label smoothing, `seeds`, no CE runs), up to where to train; returns that step's choices. */
async function sweepUpToWhere(wb, baseName, seeds) {
  await wb.pick(1, baseName);
  await wb.type(2, '0, 2');
  await wb.type(3, '');
  await wb.type(4, '');
  await wb.type(5, seeds);
  await wb.pick(6, 'No CE runs');
  await wb.waitForStep(7);
  await wb.page.keyboard.press('Enter');
  await wb.waitForStep('where to train');
  return wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allTextContents();
}

/** The `count` new runs (not in `before`), once each has its Slurm task; their job id joins `jobs` (cancelled at the end). */
async function submittedRuns(runsDir, before, count, jobs) {
  const runs = await waitFor(`the ${count} new runs, each with its Slurm task`, () => {
    const found = readRuns(runsDir).filter((r) => !before.has(r.id));
    return found.length === count && found.every((r) => r.record.slurm?.jobId) ? found : undefined;
  }, { timeout: 30000 });
  const jobId = runs[0].record.slurm.jobId;
  jobs.push(jobId);
  return { runs, jobId };
}

async function slurmScenario({ wb, page, check, lap, workbenchUrl, ws, runsDir, project }, jobs) {
  const open = await page.locator('.monaco-workbench').isVisible().catch(() => false);
  if (!open || !(await page.title()).includes(path.basename(ws))) await wb.load(workbenchUrl(ws));
  await wb.openViewContainer('PolyLoss');
  const runsHeader = wb.viewPane('Runs').locator('.pane-header');
  if ((await runsHeader.getAttribute('aria-expanded')) === 'false') await runsHeader.click();

  await polylossCli(project, ['train', '--dataset', 'digits', '--max-samples', '300', '--hidden', '32', '--epochs', '1', '--loss', 'ce',
    '--seed', '7', '--name', BASE_NAME, '--runs-dir', runsDir]);
  await runRow(wb, BASE_NAME, 'completed').first().waitFor({ state: 'visible', timeout: 30000 });
  const before = new Set(readRuns(runsDir).map((r) => r.id));

  await wb.runCommand('PolyLoss: Run Sweep…');
  const choices = await sweepUpToWhere(wb, BASE_NAME, '2');
  check(choices.length === 2 && /This machine/.test(choices[0]) && /Slurm cluster.*one job array of 4 tasks: partition debug, time 00:10:00, at most 2 at once/.test(choices[1]),
    `Run Sweep asks where to train ("${choices.join('" / "')}")`);
  await wb.screenshot('slurm-where');
  await wb.pick('where to train', 'Slurm cluster');
  lap('sweep submitted');

  const { runs, jobId } = await submittedRuns(runsDir, before, 4, jobs);
  const sweepId = runs[0].record.config.sweepId;
  check(runs.every((r) => r.record.slurm.jobId === jobId && r.record.config.sweepId === sweepId), `one job array (${jobId}) for the sweep ${sweepId}`);
  check(runs.map((r) => r.record.slurm.taskId).sort().join() === '0,1,2,3', 'one task per run, indexes 0…3');
  const script = readFileSync(runs[0].record.slurm.script, 'utf8');
  check(/^#SBATCH --array=0-3%2$/m.test(script) && /^#SBATCH --partition=debug$/m.test(script) && /^#SBATCH --time=00:10:00$/m.test(script)
    && /^#SBATCH --begin=now\+600$/m.test(script), 'the sbatch script in the sweep folder carries the polyloss.slurm settings');
  check(path.dirname(runs[0].record.slurm.script) === path.join(runsDir, '.sweeps', sweepId), 'and is kept in the sweep\'s folder');
  const saved = JSON.parse(readFileSync(path.join(runsDir, '.sweeps', `${sweepId}.json`), 'utf8'));
  check(saved.slurm?.submissions?.[0]?.jobId === jobId, 'the job id is recorded in the saved sweep');

  // Waiting on Slurm: the rows say so, and the hover gives the task, its state and why it waits.
  const waiting = runRow(wb, runs[0].record.name, 'queued');
  await waiting.first().waitFor({ state: 'visible', timeout: 15000 });
  // The row appears queued at once; "waiting on Slurm" follows when Slurm has been asked about the task.
  const label = await waitFor('the waiting run\'s label to name Slurm', async () => {
    const text = await waiting.first().getAttribute('aria-label') ?? '';
    return /waiting on Slurm/.test(text) ? text : undefined;
  }, { timeout: 15000, interval: 300 }).catch(() => waiting.first().getAttribute('aria-label'));
  check(/waiting on Slurm/.test(label ?? ''), `a waiting run reads "waiting on Slurm" in the tree ("${label}")`);
  const hover = await waitFor('the tooltip with the Slurm state', async () => {
    await page.mouse.move(0, 0);
    await waiting.first().hover();
    const text = await page.locator('.monaco-hover, .workbench-hover').last().textContent({ timeout: 2000 }).catch(() => '');
    return /Slurm: job \d+_\d+ · PENDING \(BeginTime\)/.test(text ?? '') ? text : undefined;
  }, { timeout: 30000, interval: 1000 });
  check(hover.includes(`job ${jobId}_`), `the tooltip names the job and why it waits ("${/Slurm: [^\n]*?\)/.exec(hover)?.[0]}")`);
  await wb.screenshot('slurm-waiting-tooltip');
  await page.mouse.move(0, 0);

  // Stop Run on one waiting run: scancel of its task alone; it ends cancelled, the others still wait.
  const stopped = runs.find((r) => r.record.slurm.taskId === 3);
  await wb.contextMenu(runRow(wb, stopped.record.name, 'queued').first(), 'Stop Run');
  const cancelled = await waitFor('the stopped run to end', () => {
    const run = readRuns(runsDir).find((r) => r.id === stopped.id);
    return run && run.record.status !== 'queued' ? run : undefined;
  }, { timeout: 20000, interval: 300 });
  check(cancelled.record.status === 'cancelled' && cancelled.record.error === `stopped before it started (scancel ${jobId}_3)`,
    `Stop Run cancels the run's own task (${cancelled.record.status}: ${cancelled.record.error})`);
  const pending = execFileSync('squeue', ['-h', '-r', '-j', jobId, '-o', '%i'], { encoding: 'utf8' }).trim().split('\n').sort();
  check(pending.join() === [0, 1, 2].map((t) => `${jobId}_${t}`).join(), `and only that task: Slurm still holds ${pending.join(', ')}`);
  await runRow(wb, stopped.record.name, 'cancelled').first().waitFor({ state: 'visible', timeout: 15000 });

  // Released: the runs train as their tasks start (at most 2 at once) and complete.
  execFileSync('scontrol', ['update', `JobId=${jobId}`, 'StartTime=now']);
  const seenTraining = await waitFor('a run of the sweep training in the tree', async () => {
    for (const r of runs) if (await runRow(wb, r.record.name, 'running').count()) return r.record.name;
    return readRuns(runsDir).filter((r) => r.record.config.sweepId === sweepId).some((r) => r.record.status === 'completed') ? 'already done' : undefined;
  }, { timeout: 60000, interval: 200 });
  lap(`training seen in the tree: ${seenTraining}`);
  await wb.screenshot('slurm-training');
  const done = await waitFor('the other runs of the sweep to complete', () => {
    const found = readRuns(runsDir).filter((r) => r.record.config.sweepId === sweepId && r.id !== stopped.id);
    return found.every((r) => r.record.status === 'completed') ? found : undefined;
  }, { timeout: 120000, interval: 300 });
  check(done.length === 3 && done.every((r) => r.record.summary?.testAcc !== undefined), 'the other 3 runs completed on Slurm with their test results');
  await waitFor('the Runs view to show the sweep\'s runs completed', async () => {
    const shown = await Promise.all(done.map((r) => runRow(wb, r.record.name, 'completed').count()));
    return shown.every((n) => n > 0);
  }, { timeout: 20000 });
  await wb.screenshot('slurm-completed');
}

/** Run Sweep… on a run of the user's script, on the Slurm cluster: the tasks run the script and its runs complete. */
async function scriptOnSlurm({ wb, check, lap, ws, runsDir, project }, jobs) {
  // The base: the script run once by hand in the workspace (python3 slurm_tiny.py), as a user would.
  execFileSync('/usr/bin/python3', ['slurm_tiny.py'], { cwd: ws, env: { ...process.env, PYTHONPATH: path.join(project, 'python') }, timeout: 60000 });
  const row = runRow(wb, SCRIPT_BASE_NAME, 'completed').first();
  await row.waitFor({ state: 'visible', timeout: 30000 });
  const before = new Set(readRuns(runsDir).map((r) => r.id));

  await wb.contextMenu(row, 'Run Sweep…');
  const choices = await sweepUpToWhere(wb, SCRIPT_BASE_NAME, '1');
  check(/Slurm cluster.*one job array of 2 tasks/.test(choices[1] ?? ''), `Run Sweep on a script run offers the Slurm cluster ("${choices.join('" / "')}")`);
  await wb.pick('where to train', 'Slurm cluster');
  lap('script sweep submitted');

  const { runs, jobId } = await submittedRuns(runsDir, before, 2, jobs);
  check(runs.every((r) => r.record.slurm.jobId === jobId && r.record.config.command?.argv?.join(' ') === 'python3 slurm_tiny.py'),
    `one job array (${jobId}) for the script's runs, each running python3 slurm_tiny.py`);
  const sbatch = readFileSync(runs[0].record.slurm.script, 'utf8');
  check(/^export POLYLOSS_PYTHON=\/usr\/bin\/python3$/m.test(sbatch), 'the sbatch script passes on the interpreter of polyloss.pythonPath');
  execFileSync('scontrol', ['update', `JobId=${jobId}`, 'StartTime=now']); // the --begin setting holds the tasks back

  const done = await waitFor('the script runs to complete on Slurm', () => {
    const found = readRuns(runsDir).filter((r) => runs.some((s) => s.id === r.id));
    return found.every((r) => r.record.status === 'completed' || r.record.status === 'failed') ? found : undefined;
  }, { timeout: 120000, interval: 300 });
  const results = done.map((r) => [r.record.config.loss.epsilon, r.record.status, r.record.summary?.testAcc, r.record.trainer?.interpreter]).sort();
  check(JSON.stringify(results) === JSON.stringify([[0, 'completed', 0.51, '/usr/bin/python3'], [2, 'completed', 0.71, '/usr/bin/python3']]),
    `both script runs completed on Slurm with their results (${JSON.stringify(results)})`);
  const outputs = done.map((r) => readFileSync(path.join(runsDir, r.id, 'output.log'), 'utf8'));
  check(done.every((r, i) => outputs[i].includes(`slurm task ${r.record.slurm.taskId}`)), 'each ran inside its array task');
  await waitFor('the Runs view to show the script runs completed', async () => {
    const shown = await Promise.all(done.map((r) => runRow(wb, r.record.name, 'completed').count()));
    return shown.every((n) => n > 0);
  }, { timeout: 20000 });
  await wb.screenshot('slurm-script-completed');
}
