// "Developer: Reload Window" while runs train and wait. The window's queue survives the reload: the run it
// had queued (one training slot, taken) stays queued on disk as the window closes and starts in the
// reloaded window. The run it was training is stopped as the window closes and ends `interrupted` with
// the metrics written so far; the reloaded window says so in a notification with Resume and Show, and
// Resume queues it again. A run the CLI trains in the same folder has an owner outside the window and
// keeps training. After the reload the tree and the dashboard agree with run.json on disk; Stop in the
// window on the CLI run points at its owner, and its end (the CLI stopped) is followed in the tree.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { newRunFromPalette, readRuns, runRow, showRunsView, waitForRun, webviewFrame } from '../lib/polyloss.mjs';
import { escapeRegExp, waitFor } from '../lib/workbench.mjs';

export const title = 'A window reload mid-run: the queued run starts after it, the training run ends interrupted with its curves and a Resume, a CLI run keeps training and is followed to its end';

const WINDOW_SEED = 41;
const WINDOW_RUN = `Poly-1 ε=2, seed ${WINDOW_SEED}`;
const QUEUED_SEED = 43;
const QUEUED_RUN = `Poly-1 ε=2, seed ${QUEUED_SEED}`;
const CLI_RUN = 'Trained by the CLI across a reload';

const stepLines = (run) => run.metricLines.filter((l) => l.kind === 'step').length;
const findRun = (runsDir, id) => readRuns(runsDir).find((r) => r.id === id);

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM'; // exists, but not ours
  }
}

/**
 * A long `polyloss train` in the workspace's runs folder, started outside the window: the mnist sample
 * for 10,000 epochs (hours), so that it is still training whenever the test looks, until it is stopped.
 * Batches of 512 keep its steps under the 20,000 a chart shows one by one (longer runs are downsampled).
 */
function startCliRun(project, runsDir) {
  const child = spawn(process.execPath, [path.join(project, 'bin', 'polyloss.js'), 'train', '--dataset', 'mnist', '--loss', 'poly',
    '--epsilon', '1', '--epochs', '10000', '--batch-size', '512', '--seed', '42', '--name', CLI_RUN, '--runs-dir', runsDir], { cwd: project, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, running: () => child.exitCode === null && child.signalCode === null };
}

/** Opens a run in the dashboard's Run tab by clicking its name in the table. */
async function openDetail(dashboard, { id, name }) {
  await dashboard.locator('vscode-tab-header', { hasText: 'Runs' }).click();
  await dashboard.locator(`table.runs tbody tr[data-run-id="${id}"] td.name`).filter({ hasText: new RegExp(`^${escapeRegExp(name)}$`) }).click();
  await waitFor(`the detail of ${name}`, async () => (await dashboard.locator('.run-detail h2').textContent()) === name);
}

/** One training slot for the window, so that its second run waits in the queue. */
function oneSlot(ws) {
  const file = path.join(ws, '.vscode', 'settings.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ 'polyloss.maxConcurrentRuns': 1 }, null, 2));
  return () => rmSync(file, { force: true });
}

/** Points of the training-loss curve in the run detail (one per step line the run wrote). */
async function lossPoints(dashboard) {
  const state = await dashboard.evaluate(() => window.__polyloss.chartState('detail.loss'));
  return state.datasets.find((d) => d.label === 'loss')?.points.length ?? 0;
}

export async function run(context) {
  const restoreSettings = oneSlot(context.ws);
  try {
    await reloadScenario(context);
  } finally {
    restoreSettings();
  }
}

async function reloadScenario({ wb, page, check, lap, workbenchUrl, ws, runsDir, project }) {
  await showRunsView(wb, workbenchUrl(ws));
  await newRunFromPalette(wb, { epochs: '5000', seeds: `${WINDOW_SEED},${QUEUED_SEED}` });
  await runRow(wb, WINDOW_RUN, 'running').first().waitFor({ state: 'visible', timeout: 90000 });
  await runRow(wb, QUEUED_RUN, 'queued').first().waitFor({ state: 'visible', timeout: 30000 });
  const ownRun = await waitForRun(runsDir, 'step metrics of the window\'s run', (r) => r.record.config.seed === WINDOW_SEED && stepLines(r) >= 20);
  const queuedRun = await waitForRun(runsDir, 'the window\'s queued run', (r) => r.record.config.seed === QUEUED_SEED && r.record.status === 'queued');

  const cli = startCliRun(project, runsDir);
  try {
    const cliRun = await waitForRun(runsDir, 'step metrics of the CLI run', (r) => r.record.name === CLI_RUN && stepLines(r) >= 20);
    await runRow(wb, CLI_RUN, 'running').first().waitFor({ state: 'visible', timeout: 30000 });
    await wb.screenshot('before-reload');

    const ownBefore = findRun(runsDir, ownRun.id);
    const cliBefore = findRun(runsDir, cliRun.id);
    check(ownBefore.record.status === 'running' && cliBefore.record.status === 'running', 'both runs are training before the reload');
    check(findRun(runsDir, queuedRun.id).record.status === 'queued', 'the window\'s second run waits in its queue (one training slot)');
    const workerPid = ownBefore.record.environment.pid;
    const oldHostPid = ownBefore.record.launcherPid;
    lap(`reloading with ${stepLines(ownBefore)} steps of the window's run and ${stepLines(cliBefore)} of the CLI run on disk`);
    await wb.reloadWindow();
    lap('window reloaded');

    // The window's training run: its worker was stopped as the window closed and recorded the end itself.
    const own = await waitForRun(runsDir, 'the window\'s run to end', (r) => r.id === ownRun.id && r.record.status !== 'running', 30000);
    check(own.record.status === 'interrupted' && own.record.endedAt !== undefined, `run.json of the window's run says interrupted (${own.record.status})`);
    check(/window that started it was closed or reloaded/.test(own.record.error ?? ''), `and why ("${own.record.error}")`);
    check(own.record.summary !== undefined && own.record.summary.epochs < 5000, `it ended before its 5000 epochs, with a summary of what it logged (${own.record.summary?.steps} steps)`);
    check(stepLines(own) >= stepLines(ownBefore), `its metrics are kept (${stepLines(own)} steps on disk, ${stepLines(ownBefore)} before the reload)`);
    await waitFor('its worker to exit', () => !isAlive(workerPid), { timeout: 10000 });
    check(true, `its worker (pid ${workerPid}) has exited`);
    // The queued run: never started before the reload, taken over and started by the reloaded window.
    const resumedQueue = await waitForRun(runsDir, 'the queued run to train in the reloaded window',
      (r) => r.id === queuedRun.id && r.record.status === 'running' && stepLines(r) > 0, 90000);
    const newHostPid = resumedQueue.record.launcherPid;
    check(newHostPid !== oldHostPid && isAlive(newHostPid), `the queued run trains, launched by the reloaded window (pid ${oldHostPid} → ${newHostPid})`);
    // The CLI run: its owner lives on, so nothing marked it interrupted and it keeps writing.
    const cliAfter = await waitForRun(runsDir, 'the CLI run to write more steps', (r) => r.id === cliRun.id && stepLines(r) > stepLines(cliBefore), 30000);
    check(cliAfter.record.status === 'running' && cli.running(), 'run.json of the CLI run still says running, and it trains on');

    await showRunsView(wb, workbenchUrl(ws));
    await runRow(wb, WINDOW_RUN, 'interrupted').first().waitFor({ state: 'visible', timeout: 30000 });
    check(true, 'the tree shows the window\'s run interrupted, as on disk');
    await runRow(wb, QUEUED_RUN, 'running').first().waitFor({ state: 'visible', timeout: 30000 });
    check(true, 'the tree shows the queued run running in the reloaded window');
    await runRow(wb, CLI_RUN, 'running').first().waitFor({ state: 'visible', timeout: 30000 });
    check(true, 'the tree shows the CLI run running, as on disk');
    await wb.screenshot('after-reload');

    // The reloaded window says what the reload interrupted, with Resume and Show.
    await wb.runCommand('Notifications: Show Notifications');
    const notice = page.locator('.notifications-center .notification-list-item', { hasText: `Run "${WINDOW_RUN}" was interrupted when this window was last closed or reloaded` }).first();
    await notice.waitFor({ state: 'visible', timeout: 15000 });
    check(await notice.locator('.monaco-button', { hasText: 'Resume' }).count() === 1 && await notice.locator('.monaco-button', { hasText: 'Show' }).count() === 1,
      'a notification names the interrupted run and offers Resume and Show');
    await wb.screenshot('interrupted-notification');
    await notice.locator('.monaco-button', { hasText: 'Resume' }).click();
    const again = await waitForRun(runsDir, 'the resumed run', (r) => r.record.config.seed === WINDOW_SEED && r.id !== ownRun.id, 30000);
    check(again.record.status === 'queued', `Resume queues the run again with its config (${again.id}, ${again.record.status}: the one slot is taken)`);
    await runRow(wb, WINDOW_RUN, 'queued').first().waitFor({ state: 'visible', timeout: 30000 });
    check(true, 'the tree shows the resumed run queued next to the interrupted one');
    await page.keyboard.press('Escape');

    // Stop from the reloaded window on a run it does not own names the owner, and the run trains on.
    await wb.contextMenu(runRow(wb, CLI_RUN, 'running').first(), 'Stop Run');
    await wb.runCommand('Notifications: Show Notifications');
    const warning = page.locator('.notifications-center .notification-list-item', { hasText: `run "${CLI_RUN}" was started by another window or the CLI` }).first();
    await warning.waitFor({ state: 'visible', timeout: 10000 });
    check((await warning.textContent()).includes('stop it there'), 'Stop on the CLI run says where to stop it');
    await wb.runCommand('Notifications: Clear All Notifications');
    await page.keyboard.press('Escape');

    await wb.runCommand('PolyLoss: Open Dashboard');
    const dashboard = await webviewFrame(page, 'dashboard');
    await openDetail(dashboard, { id: ownRun.id, name: WINDOW_RUN });
    const ownSteps = stepLines(findRun(runsDir, ownRun.id));
    const ownPoints = await waitFor('the window\'s run curve in the detail', async () => {
      const n = await lossPoints(dashboard);
      return n === ownSteps ? n : undefined;
    }, { timeout: 20000 }).catch(() => lossPoints(dashboard));
    check(ownPoints === ownSteps && ownPoints >= stepLines(ownBefore),
      `the dashboard draws its partial loss curve: ${ownPoints} points for the ${ownSteps} steps on disk (${stepLines(ownBefore)} before the reload)`);
    check(await dashboard.locator('.run-detail .status').textContent() === 'interrupted', 'the detail says interrupted');
    check(await dashboard.locator('.run-detail vscode-button', { hasText: 'Stop' }).getAttribute('disabled') !== null, 'its Stop button is disabled');
    await wb.screenshot('dashboard-window-run');

    await openDetail(dashboard, { id: cliRun.id, name: CLI_RUN });
    const first = await waitFor('the CLI run curve in the detail', async () => {
      const n = await lossPoints(dashboard);
      return n >= stepLines(cliBefore) ? n : undefined;
    });
    const grown = await waitFor('the CLI run curve to grow', async () => {
      const n = await lossPoints(dashboard);
      return n > first ? n : undefined;
    });
    check(true, `the CLI run's curve holds the steps from before the reload and grows (${stepLines(cliBefore)} on disk then → ${first} → ${grown} points)`);
    check(await dashboard.locator('.run-detail .status').textContent() === 'running', 'the detail says running');
    await wb.screenshot('dashboard-cli-run-live');

    // Its owner stops it; the window follows the end it records.
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    check(code === 130, `the CLI stopped on Ctrl-C (exit code ${code})`);
    await runRow(wb, CLI_RUN, 'cancelled').first().waitFor({ state: 'visible', timeout: 30000 });
    const cliEnd = findRun(runsDir, cliRun.id);
    check(cliEnd.record.status === 'cancelled', 'the tree shows the CLI run cancelled, as on disk');
    const finalPoints = await waitFor('the final CLI curve', async () => {
      const n = await lossPoints(dashboard);
      return n === stepLines(cliEnd) ? n : undefined;
    }, { timeout: 15000 }).catch(() => lossPoints(dashboard));
    check(finalPoints === stepLines(cliEnd), `the detail holds every step of the CLI run once (${finalPoints} of ${stepLines(cliEnd)})`);
    await waitFor('the detail to say cancelled', async () => (await dashboard.locator('.run-detail .status').textContent()) === 'cancelled', { timeout: 10000 });
    check(await dashboard.locator('.run-detail vscode-button', { hasText: 'Stop' }).getAttribute('disabled') !== null, 'the detail says cancelled and its Stop is disabled');
    await wb.screenshot('dashboard-cli-run-ended');

    // The window's own runs (the taken-over one and the resumed one) stop with Stop All.
    await wb.runCommand('PolyLoss: Stop All');
    const ended = await waitFor('the window\'s runs to end', () => {
      const runs = [findRun(runsDir, queuedRun.id), findRun(runsDir, again.id)];
      return runs.every((r) => r.record.status === 'cancelled') ? runs : undefined;
    }, { timeout: 30000 });
    check(ended.length === 2, 'Stop All cancels the taken-over run and the resumed one: the reloaded window owns them');
  } finally {
    if (cli.running()) {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  }
}
