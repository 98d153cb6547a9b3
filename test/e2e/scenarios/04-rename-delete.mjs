// Rename and Delete from the tree's context menu: the name changes in run.json and the tree; Delete
// asks for confirmation with Cancel focused (Enter keeps the run); picking Delete removes the folder and the row.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRuns, runRow, showRunsView } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Rename and Delete from the Runs tree context menu';

export async function run({ wb, page, check, workbenchUrl, ws, runsDir }) {
  await showRunsView(wb, workbenchUrl(ws));
  const target = readRuns(runsDir).find((r) => r.record.name === 'CE, seed 5') ?? readRuns(runsDir).at(-1);
  check(target !== undefined, 'a run to rename');
  const row = runRow(wb, target.record.name).first();
  await row.waitFor({ state: 'visible', timeout: 15000 });

  await wb.contextMenu(row, 'Rename Run');
  const box = wb.quickInputBox();
  await box.waitFor({ state: 'visible', timeout: 5000 });
  await box.fill('baseline <b>CE</b>');
  await box.press('Enter');
  const renamed = runRow(wb, 'baseline <b>CE</b>').first();
  await renamed.waitFor({ state: 'visible', timeout: 10000 });
  check(readRuns(runsDir).find((r) => r.id === target.id)?.record.name === 'baseline <b>CE</b>', 'the run folder has the new name, kept as text');
  await wb.screenshot('renamed');

  // Export from the context menu: the save dialog (VS Code's own in a browser) takes a typed path.
  const exportFile = path.join(ws, 'exported-runs.csv');
  await wb.contextMenu(renamed, 'Export Runs…');
  await wb.quickInputBox().waitFor({ state: 'visible', timeout: 5000 });
  await wb.quickInputBox().fill(exportFile);
  await page.keyboard.press('Enter');
  await waitFor('the exported CSV', () => existsSync(exportFile), { timeout: 10000 });
  const csv = readFileSync(exportFile, 'utf8').trim().split('\n');
  check(csv.length === 2 && csv[0].startsWith('id,name,status') && csv[1].startsWith(`${target.id},baseline <b>CE</b>,completed`),
    `Export wrote a CSV row for the run (${csv[1]?.slice(0, 60)}…)`);

  // Reveal: the run folder is selected in the Explorer.
  await wb.contextMenu(renamed, 'Reveal Run Folder');
  const revealed = page.locator('.explorer-folders-view .monaco-list-row.selected, .explorer-folders-view .monaco-list-row.focused', { hasText: target.id }).first();
  await revealed.waitFor({ state: 'visible', timeout: 10000 });
  check(true, 'Reveal Run Folder selects the run folder in the Explorer');
  await wb.screenshot('revealed');
  await wb.openViewContainer('PolyLoss');

  // Delete asks first, with Cancel focused: Enter keeps the run.
  const askToDelete = async () => {
    await wb.contextMenu(renamed, 'Delete Run');
    await wb.waitForStep('Delete run "baseline <b>CE</b>"?');
  };
  await askToDelete();
  const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name');
  const focusedText = ((await focused.first().textContent()) ?? '').trim();
  check(focusedText === 'Cancel', `the confirmation asks before deleting, with Cancel focused ("${focusedText}")`);
  const detail = ((await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Delete' }).locator('.quick-input-list-label-meta').first().textContent()) ?? '').trim();
  check(detail.startsWith('This deletes its folder with the metrics from '), `Delete says what it deletes ("${detail}")`);
  await wb.screenshot('delete-confirmation');
  await page.keyboard.press('Enter');
  await wb.quickInput().waitFor({ state: 'hidden', timeout: 5000 });
  await page.waitForTimeout(500);
  check(existsSync(target.dir) && (await runRow(wb, 'baseline <b>CE</b>').count()) === 1, 'Enter on the confirmation keeps the run and its folder');

  await askToDelete();
  await wb.pick('Delete run', 'Delete');
  await waitFor('the row to disappear', async () => (await runRow(wb, 'baseline <b>CE</b>').count()) === 0, { timeout: 10000 });
  check(!existsSync(target.dir), 'picking Delete deletes the run folder');
  await wb.screenshot('deleted');
}
