// A sweep in a real VS Code: "Run Sweep…" from the palette on a small base run (ε ∈ {0, 1, 2} × 3 seeds,
// 10 epochs on 1,500 digits), with the run count and the ETA shown while typing; the runs train under
// one sweep id with the spec saved next to the runs folder; the dashboard's Sweep tab, open from
// the start, fills in as they finish; Resume Sweep then finds nothing missing. A longer sweep is
// then stopped whole from the sweep's group in the Runs tree.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { polylossCli, readRuns, runRow, webviewFrame } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Run Sweep from the palette; the dashboard\'s ε-response chart fills in';

const BASE_NAME = 'sweep base e2e';
/** The sweep's label in the Runs tree, the Sweep selector and the pickers: ε 0, 1, 2 × 3 seeds. */
const GRID = 'ε 0…2 × 3 seeds, digits';

const sweepState = (frame) => frame.evaluate(async () => {
  await window.__polyloss.idle();
  const { source, status, headline, hint, chart, differences, table } = window.__polyloss.sweep.describe();
  return { source, status, headline, hint, chart, differences, table };
});

/** Runs counted on the chart: the seeds behind its points. */
const counted = (state) => state.chart.series.reduce((sum, s) => sum + s.points.reduce((n, p) => n + p.n, 0), 0);

/** Epochs of the New Run defaults while this scenario runs: the stopped sweep must still be training. */
const LONG_EPOCHS = 5000;

/** Run Sweep asks where to train when sbatch is on PATH (as on the test machines, which run a Slurm cluster): here. */
const pickThisMachine = (wb) => wb.pick('where to train', 'This machine');

export async function run(context) {
  // Written first, so VS Code has read it long before the second sweep takes the New Run defaults.
  const settingsFile = path.join(context.ws, '.vscode', 'settings.json');
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  writeFileSync(settingsFile, JSON.stringify({ 'polyloss.defaults.epochs': LONG_EPOCHS }, null, 2));
  try {
    await sweepScenario(context);
  } finally {
    rmSync(settingsFile, { force: true });
  }
}

async function sweepScenario({ wb, page, check, lap, workbenchUrl, ws, runsDir, project }) {
  // The UI workspace, whatever window an earlier scenario left open, with the Runs view expanded.
  const open = await page.locator('.monaco-workbench').isVisible().catch(() => false);
  if (!open || !(await page.title()).includes(path.basename(ws))) await wb.load(workbenchUrl(ws));
  await wb.openViewContainer('PolyLoss');
  const runsHeader = wb.viewPane('Runs').locator('.pane-header');
  if ((await runsHeader.getAttribute('aria-expanded')) === 'false') await runsHeader.click();

  // The base: a small CE run made by the CLI (its speed also gives the sweep's ETA).
  await polylossCli(project, ['train', '--dataset', 'digits', '--max-samples', '1500', '--hidden', '32', '--epochs', '10', '--loss', 'ce',
    '--seed', '77', '--name', BASE_NAME, '--runs-dir', runsDir]);
  await runRow(wb, BASE_NAME, 'completed').first().waitFor({ state: 'visible', timeout: 30000 });
  const before = new Set(readRuns(runsDir).map((r) => r.id));

  // The dashboard's Sweep tab, open before the sweep starts: it follows the newest sweep.
  await wb.runCommand('PolyLoss: Open Dashboard');
  const dashboard = await webviewFrame(page, 'dashboard');
  await dashboard.locator('vscode-tab-header', { hasText: 'Sweep' }).click();

  await wb.runCommand('PolyLoss: Run Sweep…');
  await wb.pick(1, BASE_NAME);
  const epsilonMessage = await wb.type(2, '0, 1, 2');
  check(/→ \d+ runs \(3 settings × \d+ seeds\) · about \d+ (s|min)\b/.test(epsilonMessage), `typing ε shows the run count and the ETA ("${epsilonMessage}")`);
  check(/Poly-1 ε=0 is exactly CE/.test(epsilonMessage), 'and says that ε = 0 is CE');
  // Each typed step says what it asks: a title, an example in the empty box, and the run count so far.
  await wb.waitForStep(3);
  await wb.quickInputBox().fill('');
  await page.waitForTimeout(150);
  const gammaStep = await wb.stepTexts();
  check(gammaStep.title.includes('γ values (focal loss)') && gammaStep.placeholder.startsWith('e.g. 0, 1, 2'),
    `step 3 names γ and shows an example ("${gammaStep.title}", "${gammaStep.placeholder}")`);
  check(/^γ values to sweep .* · → \d+ runs \(3 settings × \d+ seeds\)/.test(gammaStep.message), `and counts the runs so far ("${gammaStep.message}")`);
  await wb.screenshot('sweep-gamma-step');
  const badGamma = await wb.type(3, '-1');
  check(badGamma.startsWith('γ: each value must be ≥ 0 (got -1)'), `a bad γ is refused with its rule ("${badGamma}")`);
  await wb.type(3, '');
  await wb.waitForStep(4);
  const smoothingStep = await wb.stepTexts();
  check(smoothingStep.title.includes('Label smoothing values') && smoothingStep.placeholder.startsWith('e.g. 0, 0.1'), `step 4 names label smoothing ("${smoothingStep.title}")`);
  await wb.type(4, '');
  await wb.waitForStep(5);
  const seedsStep = await wb.stepTexts();
  check(seedsStep.title.includes('Seeds') && seedsStep.placeholder.includes('1-5'), `step 5 names the seeds ("${seedsStep.title}", "${seedsStep.placeholder}")`);
  await wb.quickInputBox().fill('3');
  // The count follows the typed value; on a loaded machine that may take longer than type()'s pause.
  const seedsMessage = await waitFor('the run count of three seeds', async () => {
    const text = await wb.validationMessage();
    return text.includes('→ 9 runs') ? text : undefined;
  }, { timeout: 5000 }).catch(() => wb.validationMessage());
  check(/^Seeds of every setting.* · → 9 runs \(3 settings × 3 seeds\) · about /.test(seedsMessage), `three seeds make 9 runs ("${seedsMessage}")`);
  await wb.quickInputBox().press('Enter');
  await wb.pick(6, 'No CE runs');
  await wb.waitForStep(7);
  const confirm = await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().textContent();
  check(/9 runs · about \d+ (s|min)\b/.test(confirm ?? ''), `the last step shows the runs and the time before starting ("${confirm?.trim()}")`);
  await wb.screenshot('sweep-confirm');
  await page.keyboard.press('Enter');
  await pickThisMachine(wb);
  await waitFor('the Run Sweep input to close', async () => !(await wb.quickInput().isVisible()), { timeout: 10000 });
  lap('sweep started');
  // Watch the chart from now on: warm workers train these short runs within seconds, while the checks below run.
  const samples = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const state = await sweepState(dashboard).catch(() => undefined);
      if (state?.source) samples.push({ source: state.source, n: counted(state) });
      await page.waitForTimeout(150);
    }
  })();

  const runs = await waitFor('the 9 runs of the sweep', () => {
    const found = readRuns(runsDir).filter((r) => !before.has(r.id));
    return found.length === 9 ? found : undefined;
  }, { timeout: 30000 });
  const sweepId = runs[0].record.config.sweepId;
  check(/^sweep-\d{8}-\d{6}-[0-9a-f]{8}$/.test(sweepId ?? '') && runs.every((r) => r.record.config.sweepId === sweepId), `one sweep id for all runs (${sweepId})`);
  const grid = runs.map((r) => `${r.record.config.loss.epsilon}/${r.record.config.seed}`).sort().join(' ');
  check(grid === '0/1 0/2 0/3 1/1 1/2 1/3 2/1 2/2 2/3', `ε ∈ {0, 1, 2} × seeds 1, 2, 3 (${grid})`);
  check(runs.every((r) => r.record.config.epochs === 10 && r.record.config.dataset.maxSamples === 1500 && r.record.config.model.hidden.join() === '32'),
    'every run keeps the base\'s settings');
  const saved = JSON.parse(readFileSync(path.join(ws, '.polyloss', 'runs', '.sweeps', `${sweepId}.json`), 'utf8'));
  check(JSON.stringify(saved.spec) === JSON.stringify({ seeds: 3, epsilon: [0, 1, 2] }) && saved.base.loss.type === 'ce',
    'the sweep spec is saved next to the runs folder, as the CLI saves it');
  // The sweep's group row and the dashboard's Sweep selector name it by its grid; the id is in its tooltip.
  await runRow(wb, GRID).first().waitFor({ state: 'visible', timeout: 15000 });
  check(true, `the Runs tree labels the sweep group "${GRID}"`);
  const option = await waitFor('the sweep in the Sweep selector', async () => {
    const options = await dashboard.locator('vscode-single-select[aria-label="Sweep"] vscode-option').evaluateAll((nodes) =>
      nodes.map((n) => ({ text: n.textContent.trim(), description: n.getAttribute('description') })));
    return options.find((o) => o.description === `Sweep ${sweepId}`);
  }, { timeout: 15000 });
  check(option.text === `${GRID} (9 runs)`, `the Sweep selector shows the grid ("${option.text}"), with the id as its description`);

  // The chart fills in as the runs finish.
  const final = await waitFor('every run of the sweep on the ε-response chart', async () => {
    const state = await sweepState(dashboard);
    return state.source === sweepId && counted(state) === 9 ? state : undefined;
  }, { timeout: 120000, interval: 300 });
  watching = false;
  await watcher;
  const seen = samples.filter((x) => x.source === sweepId).map((x) => x.n).filter((n, i, all) => i === 0 || n !== all[i - 1]);
  if (seen.at(-1) !== 9) seen.push(9);
  lap(`runs counted on the chart over time: ${seen.join(' → ')}`);
  check(seen.length >= 2 && seen[0] < 9, `the chart filled in while the sweep ran (${seen.join(' → ')} runs counted)`);
  const [series] = final.chart.series;
  check(series.points.map((p) => `${p.epsilon}:${p.n}`).join() === '0:3,1:3,2:3', 'three ε points of three seeds each');
  check(final.chart.bars.length === 3, 'each point has its confidence-interval bar');

  // The means on the chart are the runs' own test accuracies averaged by this test.
  const done = readRuns(runsDir).filter((r) => r.record.config.sweepId === sweepId);
  for (const point of series.points) {
    const accs = done.filter((r) => r.record.config.loss.epsilon === point.epsilon).map((r) => r.record.summary.testAcc);
    const mean = (accs.reduce((a, b) => a + b, 0) / accs.length) * 100;
    check(Math.abs(point.mean - mean) < 1e-9, `ε=${point.epsilon}: mean test accuracy ${point.mean.toFixed(2)}% is the runs' mean`);
  }
  check(final.chart.baselines.length === 1 && Math.abs(final.chart.baselines[0].y - series.points[0].mean) < 1e-9, 'ε = 0 stands in for CE as the baseline line');
  const best = series.points.reduce((top, p) => (p.mean > top.mean ? p : top));
  check(final.chart.best[0]?.epsilon === best.epsilon, `the best ε is marked (ε=${best.epsilon})`);
  check(final.table.rows.map((r) => r[0]).join() === 'ε=0,ε=1,ε=2' && final.table.rows.every((r) => r[1] === '3'), 'the table has a row per ε with n = 3');
  // The page opens with its headline; below the means, each ε's difference from ε=0 as its verdict tests it.
  const verdicts = final.table.rows.slice(1).map((r) => r.at(-1));
  check(verdicts.includes('better') ? /^ε=[12] beat ε=0 \(equal to CE\) by [+-]\d/.test(final.headline)
    : /^No ε (beat|differed from|could be tested against) ε=0 \(equal to CE\)/.test(final.headline) || /^Too few seeds/.test(final.headline),
  `the headline says what the verdicts (${verdicts.join(', ')}) say ("${final.headline}")`);
  check(final.differences?.differences.map((d) => d.epsilon).join() === '1,2', 'the difference panel shows ε=1 and ε=2 against ε=0');
  check(/9 runs: 9 completed/.test(final.status), `the status line counts the finished runs ("${final.status}")`);
  // The Runs view keeps up: each row of the sweep shows its run completed.
  const chartFull = Date.now();
  await waitFor('the Runs view to show the sweep\'s 9 runs completed', async () => {
    const shown = await Promise.all(done.map((r) => runRow(wb, r.record.name, 'completed').count()));
    return shown.every((n) => n > 0);
  }, { timeout: 15000 });
  lap(`the Runs view showed every run completed ${Date.now() - chartFull} ms after the chart`);
  await waitFor('the status bar to show nothing training', async () =>
    (await page.locator('.statusbar-item', { hasText: /queued|epoch \d+\/\d+|running/ }).count()) === 0, { timeout: 5000 });
  await wb.screenshot('sweep-dashboard');

  // Nothing is missing, so Resume Sweep starts nothing and says so.
  await wb.runCommand('PolyLoss: Resume Sweep');
  await wb.quickInputBox().fill(sweepId);
  const pickedSweep = page.locator('.quick-input-list .monaco-list-row.focused .label-name').first();
  await waitFor('the sweep in the Resume Sweep picker', async () => ((await pickedSweep.textContent().catch(() => '')) ?? '').trim() === GRID, { timeout: 5000 });
  check(true, 'the Resume Sweep picker names the sweep by its grid and finds it by its id');
  await page.keyboard.press('Enter');
  await wb.runCommand('Notifications: Show Notifications');
  const notice = await waitFor('the resume notification', async () => {
    const text = await page.locator('.notifications-center').textContent().catch(() => '');
    return /PolyLoss: sweep [\w-]+: all 9 runs are done or still running\./.exec(text ?? '')?.[0];
  }, { timeout: 15000 });
  check(notice.includes(sweepId), `Resume Sweep finds nothing to train ("${notice}")`);
  check(readRuns(runsDir).filter((r) => r.record.config.sweepId === sweepId).length === 9, 'and starts no run');
  await page.keyboard.press('Escape');

  // Stop Sweep from the tree: a long sweep on the New Run defaults (LONG_EPOCHS on all digits) is stopped whole.
  await wb.runCommand('PolyLoss: Run Sweep…');
  await wb.pick(1, 'New Run defaults');
  await wb.type(2, '0, 1');
  await wb.type(3, '');
  await wb.type(4, '');
  await wb.type(5, '2');
  await wb.pick(6, 'No CE runs');
  await wb.waitForStep(7);
  await page.keyboard.press('Enter');
  await pickThisMachine(wb);
  const long = await waitFor('two runs of the second sweep training, two queued', () => {
    const found = readRuns(runsDir).filter((r) => r.record.config.sweepId && r.record.config.sweepId !== sweepId && !before.has(r.id));
    return found.length === 4 && found.filter((r) => r.record.status === 'running').length === 2 ? found : undefined;
  }, { timeout: 60000, interval: 300 });
  const longId = long[0].record.config.sweepId;
  // The tree has caught up with both starts, so no refresh for them meets the menu.
  const longGroup = runRow(wb, 'ε 0, 1 × 2 seeds, digits').filter({ hasText: '4 runs, 2 running' }).first();
  await longGroup.waitFor({ state: 'visible', timeout: 15000 });
  await wb.contextMenu(longGroup, 'Stop Sweep');
  lap('Stop Sweep chosen on the sweep group');
  const stopped = await waitFor('every run of the second sweep to end', async () => {
    const found = readRuns(runsDir).filter((r) => r.record.config.sweepId === longId);
    if (found.every((r) => !['queued', 'running'].includes(r.record.status))) return found;
    const asking = await wb.quickInput().isVisible() ? `; a quick input asks "${await wb.quickInput().textContent()}"` : '';
    throw new Error(`statuses ${found.map((r) => r.record.status).join(', ')}${asking}`);
  }, { timeout: 60000, interval: 300 });
  check(stopped.length === 4 && stopped.every((r) => r.record.status === 'cancelled'), `Stop Sweep cancels its running and queued runs (${stopped.map((r) => r.record.status).join(', ')})`);
  check(stopped.every((r) => r.record.config.epochs === LONG_EPOCHS), `the long sweep took its epochs from the New Run defaults (${LONG_EPOCHS})`);
  check(stopped.every((r) => r.record.summary === undefined || r.record.summary.epochs < LONG_EPOCHS), 'none of them trained to the end');
  await waitFor('the tree to show no run training', async () => (await wb.viewPane('Runs').locator('.codicon-loading').count()) === 0, { timeout: 10000 });
  await wb.screenshot('sweep-stopped');
}
