// Ticking runs in the Runs tree chooses them for comparison; the ticks survive a window reload.
import { polylossCli, readRuns, runRow, showRunsView } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Checkbox selection in the Runs tree persists across a reload';

const isChecked = async (row) => (await row.locator('.monaco-checkbox').first().getAttribute('aria-checked')) === 'true';

/** Names of two runs that no other run shares (made with the CLI when the workspace has fewer). */
async function twoRunNames(runsDir, project) {
  const unique = () => {
    const names = readRuns(runsDir).map((r) => r.record.name);
    return names.filter((n) => names.indexOf(n) === names.lastIndexOf(n));
  };
  if (unique().length < 2) {
    await polylossCli(project, ['train', '--dataset', 'iris', '--loss', 'focal', '--epochs', '1', '--seeds', '11,12', '--runs-dir', runsDir]);
  }
  return unique().slice(0, 2);
}

export async function run({ wb, page, check, workbenchUrl, ws, runsDir, project }) {
  await showRunsView(wb, workbenchUrl(ws));
  const names = await twoRunNames(runsDir, project);
  for (const name of names) {
    const row = runRow(wb, name).first();
    await row.waitFor({ state: 'visible', timeout: 15000 });
    if (!(await isChecked(row))) await row.locator('.monaco-checkbox').first().click();
    await waitFor(`${name} ticked`, () => isChecked(row), { timeout: 5000 });
  }
  const compare = wb.viewPane('Runs').locator('.pane-header .action-label[aria-label="Compare Selected Runs"]');
  await compare.waitFor({ state: 'visible', timeout: 5000 });
  check(true, 'Compare Selected Runs appears in the view title once runs are ticked');
  await wb.screenshot('runs-ticked');

  // workspaceState lives in the browser's storage in VS Code for the web, which writes it out
  // shortly after a change; a reload within a fraction of a second can come before that write.
  await page.waitForTimeout(2000);
  await page.reload();
  await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
  await showRunsView(wb, workbenchUrl(ws));
  for (const name of names) {
    const row = runRow(wb, name).first();
    await row.waitFor({ state: 'visible', timeout: 30000 });
    check(await waitFor(`${name} still ticked`, () => isChecked(row), { timeout: 10000 }), `${name} is still ticked after the reload`);
  }
  await wb.screenshot('ticks-after-reload');
}
