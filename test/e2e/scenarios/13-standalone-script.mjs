// A PyTorch script started by hand (`python3 train.py` in a terminal, not launched by PolyLoss Lab)
// creates its own run folder through the polyloss_lab client; the Runs tree shows it running at once
// and the dashboard draws its curves while it trains, then shows it completed with its results.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { runRow, showRunsView, waitForRun, webviewFrame } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'A standalone python3 train.py appears live in the Runs tree, with its curves in the dashboard';

const NAME = 'Poly-1 ε=1, seed 77';

/**
 * Points of the script run's raw curve on the dashboard's Compare tab (the raw curves are the second
 * half of the datasets). Runs ticked by earlier scenarios may be drawn beside it, out of the tree's view.
 */
async function pointsPerRun(frame) {
  const state = await frame.evaluate(() => window.__polyloss.chartState('compare'));
  const raw = state.datasets.slice(state.datasets.length / 2);
  return raw.filter((d) => /\bseed 77\b/.test(d.label ?? '')).map((d) => d.points.length);
}

const isChecked = async (row) => (await row.locator('.monaco-checkbox').first().getAttribute('aria-checked')) === 'true';

export async function run({ wb, page, check, lap, workbenchUrl, ws, runsDir, project }) {
  await showRunsView(wb, workbenchUrl(ws));
  // What a user types in a terminal of the workspace; only the environment points at this project's client.
  // 900 epochs (about 25 s, 18,000 steps: under the 20,000 a chart shows one by one): long enough that the
  // dashboard sees the curve grow while the script trains.
  const script = path.join(project, 'examples', 'pytorch-digits', 'train.py');
  const child = spawn('/usr/bin/python3', [script, '--epochs', '900', '--seed', '77', '--loss', '{"type": "poly", "epsilon": 1}'], {
    cwd: ws, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONPATH: path.join(project, 'python') },
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('close', resolve));
  try {
    const live = await waitForRun(runsDir, 'the script\'s run folder', (r) => r.record.name === NAME && r.metricLines.length > 0);
    lap(`the script created ${live.id} and is logging`);
    const running = runRow(wb, NAME, 'running');
    await running.first().waitFor({ state: 'visible', timeout: 30000 });
    check(await running.locator('.codicon-loading').count() === 1, 'the tree shows the script\'s run running');
    await wb.screenshot('script-run-live-in-tree');

    // Only this run ticked, so the comparison holds just its curve: earlier scenarios ticked others, some
    // of them out of the tree's view. Untick All Runs clears them all (it is offered once a run is ticked).
    const tick = async () => {
      await page.mouse.move(1, 1);
      await running.first().locator('.monaco-checkbox').first().click();
      await waitFor('the script run ticked', () => isChecked(running.first()), { timeout: 5000 });
    };
    if (!(await isChecked(running.first()))) await tick();
    await wb.runCommand('PolyLoss: Untick All Runs');
    await waitFor('every run unticked', async () => {
      for (const row of await wb.viewPane('Runs').locator('.monaco-list-row').all()) if (await isChecked(row)) return false;
      return true;
    }, { timeout: 5000 });
    check(true, 'Untick All Runs unticks every run in view');
    await tick();
    await wb.runCommand('PolyLoss: Open Dashboard');
    const dashboard = await webviewFrame(page, 'dashboard');
    await dashboard.locator('vscode-tab-header', { hasText: 'Compare' }).click();
    const first = await waitFor('the script\'s curve on the dashboard', async () => {
      const points = await pointsPerRun(dashboard);
      return points.length === 1 && points[0] > 0 ? points[0] : undefined;
    }, { timeout: 30000 });
    const grown = await waitFor('the curve to grow while the script trains', async () => {
      const [points] = await pointsPerRun(dashboard);
      return points > first ? points : undefined;
    }, { timeout: 30000 });
    check(true, `the dashboard follows the script live (${first} → ${grown} points)`);
    const drawn = (await dashboard.evaluate(() => window.__polyloss.chartState('compare'))).datasets.length;
    check(drawn === 2, `the comparison holds the script's run alone, raw and smoothed (${drawn} curves): no run ticked before stayed ticked`);
    await wb.screenshot('script-run-curves-live');

    const code = await exited;
    check(code === 0, `the script exited normally (${code}): ${output.trim().split('\n').at(-1)}`);
    await runRow(wb, NAME, 'completed').first().waitFor({ state: 'visible', timeout: 30000 });
    const done = await waitForRun(runsDir, 'the completed record', (r) => r.record.name === NAME && r.record.status === 'completed');
    const steps = done.metricLines.filter((l) => l.kind === 'step').length;
    check(done.record.trainer?.kind === 'command' && /^3\./.test(done.record.trainer.python ?? ''), 'run.json says a Python command trained it');
    const final = await waitFor('every step on the chart', async () => {
      const [points] = await pointsPerRun(dashboard);
      return points === steps ? points : undefined;
    }, { timeout: 15000 }).catch(async () => (await pointsPerRun(dashboard))[0]);
    check(final === steps, `the dashboard holds every step of the script once (${final} of ${steps})`);
    await dashboard.locator('vscode-tab-header', { hasText: 'Runs' }).click();
    await dashboard.locator('table.runs tbody td.name', { hasText: NAME }).click();
    await waitFor('the run detail', async () => (await dashboard.locator('.run-detail h2').textContent()) === NAME);
    const facts = await dashboard.locator('.run-detail').textContent();
    check(/train\.py/.test(facts) && /Test acc/.test(facts), 'the run detail shows the command and the test results');
    await wb.screenshot('script-run-completed');
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}
