// Stop from the tree's context menu on a long run: the run ends `cancelled` and keeps its metrics.
import { newRunFromPalette, readRuns, runRow, waitForRun } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Stop Run from the context menu cancels a long run and keeps its metrics';

export async function run({ wb, check, lap, workbenchUrl, ws, runsDir }) {
  if (!(await wb.page.locator('.monaco-workbench').isVisible().catch(() => false))) await wb.load(workbenchUrl(ws));
  await wb.openViewContainer('PolyLoss');
  await newRunFromPalette(wb, { epochs: '500', seeds: '7' });
  const name = 'Poly-1 ε=2, seed 7';
  const running = runRow(wb, name, 'running');
  await running.first().waitFor({ state: 'visible', timeout: 60000 });
  check(await running.locator('.codicon-loading').count() === 1, 'the running run has a spinning icon');
  // Let it write some metrics first, so there is something to keep.
  const live = await waitForRun(runsDir, 'metric lines of the long run', (r) => r.record.config.seed === 7 && r.metricLines.length >= 3);
  lap(`long run ${live.id} is training`);
  await wb.screenshot('long-run-training');

  await wb.contextMenu(running.first(), 'Stop Run');
  lap('Stop Run chosen');
  await runRow(wb, name, 'cancelled').first().waitFor({ state: 'visible', timeout: 30000 });
  check(await runRow(wb, name, 'cancelled').locator('.codicon-circle-slash').count() === 1, 'the tree shows the run cancelled');
  await wb.screenshot('long-run-cancelled');

  const r = await waitFor('run.json of the stopped run', () => readRuns(runsDir).find((x) => x.id === live.id && x.record.status === 'cancelled'), { timeout: 10000 });
  check(r.record.status === 'cancelled', 'run.json status is cancelled');
  check(r.metricLines.length >= live.metricLines.length, `metrics kept (${r.metricLines.length} lines)`);
  check(r.record.summary === undefined || r.record.summary.epochs < 500, 'the run stopped before its 500 epochs');
}
