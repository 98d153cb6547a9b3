// A sweep on a Slurm cluster from VS Code: the project's single-node Slurm (test/slurm/start-slurm.sh)
// runs its tasks. "Run Sweep…" asks where to train; "Slurm cluster" submits one job array with the
// polyloss.slurm.* settings (a begin time holds the tasks back, so the waiting can be seen); the Runs
// tree shows the runs waiting on Slurm, with the job id, the state and why it waits on hover; once
// Stop Run cancels one waiting run's task alone; released, the others switch to training as their
// tasks start and complete.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { polylossCli, readRuns, runRow } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Run Sweep on a Slurm cluster: runs wait on Slurm, then train and complete';

const BASE_NAME = 'slurm base e2e';

export async function run(context) {
  execFileSync('bash', [path.join(context.project, 'test/slurm/start-slurm.sh')], { stdio: 'pipe', timeout: 180000 });
  const settingsFile = path.join(context.ws, '.vscode', 'settings.json');
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  writeFileSync(settingsFile, JSON.stringify({
    'polyloss.slurm.partition': 'debug', 'polyloss.slurm.time': '00:10:00', 'polyloss.slurm.maxParallel': 2,
    'polyloss.slurm.extraArgs': ['--begin=now+600'],
  }, null, 2));
  const jobs = [];
  try {
    await slurmScenario(context, jobs);
  } finally {
    rmSync(settingsFile, { force: true });
    if (jobs.length) execFileSync('scancel', jobs, { stdio: 'ignore' });
  }
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
  await wb.pick(1, BASE_NAME);
  await wb.type(2, '0, 2');
  await wb.type(3, '');
  await wb.type(4, '');
  await wb.type(5, '2');
  await wb.pick(6, 'No CE runs');
  await wb.waitForStep(7);
  await page.keyboard.press('Enter');
  await wb.waitForStep('where to train');
  const choices = await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allTextContents();
  check(choices.length === 2 && /This machine/.test(choices[0]) && /Slurm cluster.*one job array of 4 tasks: partition debug, time 00:10:00, at most 2 at once/.test(choices[1]),
    `Run Sweep asks where to train ("${choices.join('" / "')}")`);
  await wb.screenshot('slurm-where');
  await wb.pick('where to train', 'Slurm cluster');
  lap('sweep submitted');

  const runs = await waitFor('the 4 runs of the sweep, each with its Slurm task', () => {
    const found = readRuns(runsDir).filter((r) => !before.has(r.id));
    return found.length === 4 && found.every((r) => r.record.slurm?.jobId) ? found : undefined;
  }, { timeout: 30000 });
  const jobId = runs[0].record.slurm.jobId;
  jobs.push(jobId);
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
  check(/waiting on Slurm/.test(await waiting.first().getAttribute('aria-label') ?? ''), 'a waiting run reads "waiting on Slurm" in the tree');
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
