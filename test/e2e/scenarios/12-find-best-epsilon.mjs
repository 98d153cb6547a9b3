// Find Best ε in a real VS Code: the four-step wizard from the palette on a small base run (ε range
// −1:1, a budget of 15 runs: exactly the first round of 4 ε and CE × 3 seeds, 1 epoch on 300 digits),
// a bad budget refused as it is typed, the runs trained under one sweep id with the tune's rounds in
// its sweep file, the answer in a notification, and the rounds in the dashboard's Sweep tab.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { polylossCli, readRuns, runRow, webviewFrame } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Find Best ε from the palette: rounds under one sweep id, the answer, and the rounds in the Sweep tab';

const BASE_NAME = 'tune base e2e';

export async function run({ wb, page, check, lap, workbenchUrl, ws, runsDir, project }) {
  const open = await page.locator('.monaco-workbench').isVisible().catch(() => false);
  if (!open || !(await page.title()).includes(path.basename(ws))) await wb.load(workbenchUrl(ws));
  await wb.openViewContainer('PolyLoss');

  await polylossCli(project, ['train', '--dataset', 'digits', '--max-samples', '300', '--hidden', '32', '--epochs', '1', '--loss', 'ce',
    '--seed', '78', '--name', BASE_NAME, '--runs-dir', runsDir]);
  await runRow(wb, BASE_NAME, 'completed').first().waitFor({ state: 'visible', timeout: 30000 });
  const before = new Set(readRuns(runsDir).map((r) => r.id));

  await wb.runCommand('PolyLoss: Find Best ε…');
  await wb.pick(1, BASE_NAME);
  const badRange = await wb.type(2, '3:1');
  check(/the ε range 3\.\.1 is empty/.test(badRange), `an empty ε range is refused as it is typed ("${badRange}")`);
  await wb.type(2, '-1:1');
  await wb.waitForStep(3);
  const badBudget = await wb.type(3, '10');
  check(/budget of 10 runs is too small for the first round, which takes 15 runs/.test(badBudget), `a budget below the first round is refused ("${badBudget}")`);
  await wb.type(3, '15');
  await wb.type(4, '0.5');
  await waitFor('the Find Best ε input to close', async () => !(await wb.quickInput().isVisible()), { timeout: 10000 });
  lap('tune started');

  const runs = await waitFor('the 15 runs of the first round, completed', () => {
    const found = readRuns(runsDir).filter((r) => !before.has(r.id));
    return found.length === 15 && found.every((r) => r.record.status === 'completed') ? found : undefined;
  }, { timeout: 180000, interval: 500 });
  const sweepId = runs[0].record.config.sweepId;
  check(/^sweep-\d{8}-\d{6}-[0-9a-f]{8}$/.test(sweepId ?? '') && runs.every((r) => r.record.config.sweepId === sweepId), `one sweep id for all runs (${sweepId})`);
  const settings = runs.map((r) => (r.record.config.loss.type === 'ce' ? 'CE' : r.record.config.loss.epsilon));
  check(['CE', -1, -0.5, 0.5, 1].every((s) => settings.filter((x) => x === s).length === 3), `CE and ε −1, −0.5, 0.5, 1 on 3 seeds each (${settings.join(' ')})`);
  check(runs.every((r) => r.record.config.epochs === 1 && r.record.config.dataset.maxSamples === 300), 'every run keeps the base\'s settings');

  const sweepFile = path.join(ws, '.polyloss', 'runs', '.sweeps', `${sweepId}.json`);
  const saved = await waitFor('the tune to stop and record its answer', () => {
    try {
      const value = JSON.parse(readFileSync(sweepFile, 'utf8'));
      return value.tune?.answer ? value : undefined;
    } catch {
      return undefined;
    }
  }, { timeout: 30000 });
  check(saved.tune.rounds.length === 1 && saved.tune.rounds[0].look, 'the sweep file holds the round and what its look decided');
  check(saved.tune.runs === 15 && ['significant', 'no-effect', 'budget'].includes(saved.tune.stoppedBecause), `stopped because: ${saved.tune.stoppedBecause}`);

  // The answer in a notification (the notification center lists it), with Show Rounds.
  await wb.runCommand('Notifications: Show Notifications');
  const note = page.locator('.notifications-center .notification-list-item', { hasText: `PolyLoss: ${saved.tune.answer}` }).first();
  await note.waitFor({ state: 'visible', timeout: 15000 });
  check(true, `the answer is announced ("${saved.tune.answer}")`);
  await wb.screenshot('tune-answer');
  await note.locator('.monaco-button', { hasText: 'Show Rounds' }).click();

  const dashboard = await webviewFrame(page, 'dashboard');
  const view = await waitFor('the tune\'s rounds in the Sweep tab', () => dashboard.evaluate(async () => {
    await window.__polyloss.idle();
    const tune = window.__polyloss.sweep.tune.describe();
    return tune.shown && tune.rounds.length > 0 ? tune : undefined;
  }), { timeout: 30000 });
  check(view.answer === `${saved.tune.answer}.`, `the Sweep tab gives the answer ("${view.answer}")`);
  check(view.rounds[0].title === 'Round 1 · 15 runs · new ε −1, −0.5, 0.5, 1 · 3 seeds so far', `and the round ("${view.rounds[0].title}")`);
  check(view.rounds[0].lines.length === 4 && view.rounds[0].lines.every((l) => /^ε = −?[\d.]+ vs CE: /.test(l)), 'one line per ε compared with CE');
  const dropped = saved.tune.rounds[0].look.dropped.length;
  check(view.rounds[0].lines.filter((l) => l.includes('dropped:')).length === dropped, `the ε dropped after the round are marked (${dropped})`);
  await wb.screenshot('tune-rounds');
}
