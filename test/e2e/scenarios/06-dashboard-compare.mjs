// The dashboard and the Compare view in a real VS Code: two runs train, the dashboard lists them
// and its curves grow while they train; ticking them in the Runs tree overlays both in the sidebar
// Compare view and in the dashboard's comparison; Stop in the dashboard's run detail ends them.
import { newRunFromPalette, readRuns, runRow } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Dashboard and Compare view follow two training runs live';

const NAMES = ['Poly-1 ε=-1, seed 31', 'Poly-1 ε=-1, seed 32'];

/** The frame of a PolyLoss webview ("dashboard" or "compare"), found by the view its page mounts. */
async function webviewFrame(page, view) {
  return waitFor(`the ${view} webview`, async () => {
    for (const frame of page.frames()) {
      const mounted = await frame.evaluate(() => document.body?.dataset.view && '__polyloss' in window ? document.body.dataset.view : undefined).catch(() => undefined);
      if (mounted === view) return frame;
    }
    return undefined;
  }, { timeout: 60000, interval: 500 });
}

/** Points per run on the webview's comparison chart (raw curves, which come after the smoothed ones). */
async function pointsPerRun(frame) {
  const state = await frame.evaluate(() => window.__polyloss.chartState('compare'));
  const raw = state.datasets.slice(state.datasets.length / 2);
  return { labels: state.legend, points: raw.map((d) => d.points.length) };
}

const isChecked = async (row) => (await row.locator('.monaco-checkbox').first().getAttribute('aria-checked')) === 'true';

export async function run({ wb, page, check, lap, workbenchUrl, ws, runsDir }) {
  if (!(await page.locator('.monaco-workbench').isVisible().catch(() => false))) await wb.load(workbenchUrl(ws));
  await wb.openViewContainer('PolyLoss');
  // Untick whatever earlier scenarios ticked, so the comparison holds just these two runs.
  for (const row of await wb.viewPane('Runs').locator('.monaco-list-row').all()) {
    if (await isChecked(row)) await row.locator('.monaco-checkbox').first().click();
  }

  await newRunFromPalette(wb, { epsilon: '-1', epochs: '5000', seeds: '31,32' });
  for (const name of NAMES) await runRow(wb, name, 'running').first().waitFor({ state: 'visible', timeout: 90000 });
  lap('both runs are training');

  await wb.runCommand('PolyLoss: Open Dashboard');
  const dashboard = await webviewFrame(page, 'dashboard');
  const rows = await waitFor('both runs in the dashboard table', async () => {
    const names = await dashboard.locator('table.runs tbody td.name').allTextContents();
    return NAMES.every((n) => names.includes(n)) ? names : undefined;
  });
  check(NAMES.every((n) => rows.includes(n)), 'the dashboard lists both runs');
  await wb.screenshot('dashboard-runs');

  for (const name of NAMES) {
    const row = runRow(wb, name).first();
    if (!(await isChecked(row))) await row.locator('.monaco-checkbox').first().click();
    await waitFor(`${name} ticked`, () => isChecked(row), { timeout: 5000 });
  }
  const ticked = await waitFor('the dashboard table to show the ticks', async () => {
    const boxes = await dashboard.locator('table.runs tbody tr[aria-selected="true"] td.name').allTextContents();
    return NAMES.every((n) => boxes.includes(n)) ? boxes : undefined;
  });
  check(ticked.length === 2, 'ticks in the tree are ticks in the dashboard table');

  await dashboard.locator('vscode-tab-header', { hasText: 'Compare' }).click();
  // The legend follows once the dashboard has both runs' configs, which can come a moment after their first steps.
  const first = await waitFor('both curves and their legend on the dashboard comparison', async () => {
    const s = await pointsPerRun(dashboard);
    return s.points.length === 2 && s.points.every((n) => n > 0) && s.labels.length === 2 ? s : undefined;
  });
  check(first.labels.join(' | ') === 'seed 31 | seed 32', `the legend names the runs by what differs (${first.labels.join(' | ')})`);
  const grown = await waitFor('the curves to grow', async () => {
    const s = await pointsPerRun(dashboard);
    return s.points.every((n, i) => n > first.points[i]) ? s : undefined;
  }, { timeout: 60000 });
  check(true, `the curves grew while training (${first.points.join(', ')} → ${grown.points.join(', ')} points)`);
  await wb.screenshot('dashboard-compare-live');

  // The Compare view in the sidebar: expand it if collapsed.
  const header = wb.viewPane('Compare').locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  const compare = await webviewFrame(page, 'compare');
  // The legend is laid out when the chart draws, a frame after its points arrive.
  const sidebar = await waitFor('both runs in the Compare view', async () => {
    const s = await pointsPerRun(compare);
    return s.points.length === 2 && s.points.every((n) => n > 0) && s.labels.length === 2 ? s : undefined;
  }).catch(async (e) => { const s = await pointsPerRun(compare); throw new Error(`${e.message}; shown ${s.points.join(', ')} points, legend "${s.labels.join(' | ')}"`); });
  check(sidebar.labels.length === 2, `the Compare view overlays both ticked runs (${sidebar.points.join(', ')} points; legend ${sidebar.labels.join(' | ')})`);
  await wb.screenshot('compare-view-live');

  // Stop both from the run detail; then every step they wrote is on the chart exactly once.
  for (const name of NAMES) {
    await dashboard.locator('vscode-tab-header', { hasText: 'Runs' }).click();
    await dashboard.locator('table.runs tbody td.name', { hasText: name }).click();
    await waitFor(`the detail of ${name}`, async () => (await dashboard.locator('.run-detail h2').textContent()) === name);
    await dashboard.locator('.run-detail vscode-button', { hasText: 'Stop' }).click();
    await runRow(wb, name, 'cancelled').first().waitFor({ state: 'visible', timeout: 60000 });
    lap(`${name} stopped from the dashboard`);
  }
  await wb.screenshot('dashboard-detail-stopped');
  const runs = [31, 32].map((seed) => readRuns(runsDir).find((r) => r.record.config.seed === seed));
  const steps = runs.map((r) => r.metricLines.filter((l) => l.kind === 'step').length);
  await dashboard.locator('vscode-tab-header', { hasText: 'Compare' }).click();
  const final = await waitFor('the final points on the chart', async () => {
    const s = await pointsPerRun(dashboard);
    return s.points.join() === steps.join() ? s : undefined;
  }, { timeout: 15000 }).catch(async () => pointsPerRun(dashboard));
  check(final.points.join() === steps.join(), `the dashboard holds every step once (${final.points.join(', ')} of ${steps.join(', ')})`);
  await wb.screenshot('dashboard-compare-done');
}
