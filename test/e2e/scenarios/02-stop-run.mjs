// Stop from the tree's context menu on a long run: the run ends `cancelled` and keeps its metrics;
// live progress shows in the tree, the status bar and a progress bar on the Runs view (no notification
// lasts the whole run); Stop All stops a run too.
import { newRunFromPalette, readRuns, runRow, showRunsView, waitForRun } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Stop Run from the context menu, or Stop All, cancels a long run and keeps its metrics; progress shows on the Runs view, not in a notification';

export async function run({ wb, page, check, lap, workbenchUrl, ws, runsDir }) {
  await showRunsView(wb, workbenchUrl(ws));
  await newRunFromPalette(wb, { epochs: '5000', seeds: '7' });
  const name = 'Poly-1 ε=2, seed 7';
  const running = runRow(wb, name, 'running');
  await running.first().waitFor({ state: 'visible', timeout: 60000 });
  check(await running.locator('.codicon-loading').count() === 1, 'the running run has a spinning icon');
  // Let it write some metrics first, so there is something to keep.
  const live = await waitForRun(runsDir, 'metric lines of the long run', (r) => r.record.config.seed === 7 && r.metricLines.length >= 3);
  lap(`long run ${live.id} is training`);
  // While it trains: live progress in the tree, the status bar and a cancellable notification.
  await waitFor('epoch progress in the tree', async () => /epoch \d+\/5000/.test(await running.first().getAttribute('aria-label') ?? ''), { timeout: 15000 });
  const statusItem = page.locator('.statusbar-item', { hasText: `${name}: epoch` }).first();
  const statusText = await waitFor('epoch, step and ETA in the status bar', async () => {
    const text = (await statusItem.textContent().catch(() => '')) ?? '';
    return /about \d+ (s|min|h)\b.* left/.test(text) ? text : undefined;
  }, { timeout: 15000 });
  check(/epoch \d+\/5000 · step \d+\/100000 · about \d+ (s|min|h)( \d+ min)? left/.test(statusText), `the status bar shows epoch, step and the time left ("${statusText.trim()}")`);
  // The Runs view shows a progress bar; the notification center holds no progress notification.
  const viewProgress = wb.viewPane('Runs').locator('.monaco-progress-container.active');
  await viewProgress.first().waitFor({ state: 'attached', timeout: 5000 });
  check(await viewProgress.count() >= 1, 'the Runs view shows a progress bar while the run trains');
  await wb.runCommand('Notifications: Show Notifications');
  await page.locator('.notifications-center').waitFor({ state: 'visible', timeout: 5000 });
  const training = await page.locator('.notifications-center .notification-list-item', { hasText: 'PolyLoss: training' }).count();
  check(training === 0, `no notification lasts the whole run (${training} found)`);
  await wb.screenshot('long-run-training');
  await page.keyboard.press('Escape');
  await waitFor('the notification center to close', async () => !(await page.locator('.notifications-center').isVisible()), { timeout: 5000 });

  await wb.contextMenu(running.first(), 'Stop Run');
  lap('Stop Run chosen');
  await runRow(wb, name, 'cancelled').first().waitFor({ state: 'visible', timeout: 30000 });
  check(await runRow(wb, name, 'cancelled').locator('.codicon-circle-slash').count() === 1, 'the tree shows the run cancelled');
  await wb.screenshot('long-run-cancelled');

  const r = await waitFor('run.json of the stopped run', () => readRuns(runsDir).find((x) => x.id === live.id && x.record.status === 'cancelled'), { timeout: 10000 });
  check(r.record.status === 'cancelled', 'run.json status is cancelled');
  check(r.metricLines.length >= live.metricLines.length, `metrics kept (${r.metricLines.length} lines)`);
  check(r.record.summary === undefined || r.record.summary.epochs < 5000, 'the run stopped before its 5000 epochs');
  await waitFor('the status bar item to go away', async () => !(await statusItem.isVisible()), { timeout: 5000 });
  check(true, 'the status bar item is gone once nothing trains');

  // Stop All from the palette stops it too; the view's progress bar goes once nothing trains.
  await newRunFromPalette(wb, { epochs: '5000', seeds: '8' });
  const second = 'Poly-1 ε=2, seed 8';
  await runRow(wb, second, 'running').first().waitFor({ state: 'visible', timeout: 60000 });
  await wb.runCommand('PolyLoss: Stop All');
  await runRow(wb, second, 'cancelled').first().waitFor({ state: 'visible', timeout: 30000 });
  check(readRuns(runsDir).some((x) => x.record.name === second && x.record.status === 'cancelled'), 'Stop All cancelled that run');
  await waitFor('the Runs view progress bar to stop', async () => (await viewProgress.count()) === 0, { timeout: 10000 });
  check(true, 'the Runs view progress bar stops once nothing trains');
}
