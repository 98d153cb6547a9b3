// The Coefficients view in a real VS Code: typing ε redraws the loss shape, a bad ε is explained
// on its field, "Save to experiment file" adds a run to the open experiment (comments kept, a new
// ▶ Run lens), and "Run with these coefficients" queues a run with that loss.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRuns } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';
import { STUDY_FILE, lensLines, loadExperimentWorkspace, openFile } from './07-experiment-file.mjs';

export const title = 'Coefficients view: live loss shape while typing ε, save to the experiment file, run';

/** The frame of the Coefficients webview. */
async function coefficientsFrame(page) {
  return waitFor('the Coefficients webview', async () => {
    for (const frame of page.frames()) {
      const ready = await frame.evaluate(() => document.body?.dataset.view === 'coefficients' && '__polylossCoefficients' in window).catch(() => false);
      if (ready) return frame;
    }
    return undefined;
  }, { timeout: 60000, interval: 500 });
}

const charts = (frame) => frame.evaluate(async () => {
  await window.__polylossCoefficients.idle();
  return window.__polylossCoefficients.state();
});

async function typeEpsilon(frame, text) {
  const input = frame.locator('#epsilon-0 input');
  await input.click();
  // Select-all keys may go to the workbench from inside a webview: clear the field, then type key by key.
  await input.fill('');
  await input.pressSequentially(text, { delay: 30 });
}

export async function run({ wb, page, check, lap, workbenchUrl, runDir }) {
  const { ws, runsDir } = await loadExperimentWorkspace(wb, page, workbenchUrl, runDir);
  const editor = await openFile(wb, page, STUDY_FILE);
  const lensCount = (await waitFor('the lenses', async () => {
    const found = await lensLines(editor);
    return found.length >= 3 ? found : undefined;
  }, { timeout: 60000 })).length;

  await wb.openViewContainer('PolyLoss');
  // Room for the editor: fold the other views.
  for (const name of ['Runs', 'Compare']) {
    const header = wb.viewPane(name).locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
  }
  const header = wb.viewPane('Coefficients').locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  const frame = await coefficientsFrame(page);
  const before = await charts(frame);
  check(before.loss.datasets[0].label === 'Poly-1 ε=2', `the editor starts at Poly-1 ε=2 (${before.loss.datasets[0].label})`);
  await wb.screenshot('coefficients-view');

  await typeEpsilon(frame, '0.5');
  const after = await waitFor('the curve of ε = 0.5', async () => {
    const state = await charts(frame);
    return state.loss.datasets[0].label === 'Poly-1 ε=0.5' ? state : undefined;
  }, { timeout: 10000 });
  const slope = after.gradient.datasets[0].data.at(-1);
  check(Math.abs(slope - 1.5) < 1e-12, `−dL/dPt at Pt = 1 moved from 3 to 1 + ε = ${slope}`);
  const moved = after.loss.datasets[0].data.filter((y, i) => y !== before.loss.datasets[0].data[i]).length;
  check(moved >= 98, `the L(Pt) curve changed (${moved} of ${after.loss.datasets[0].data.length} points)`);
  check(after.coefficients.datasets[0].data[0] === 1.5, 'the α1 bar is 1 + ε = 1.5');
  await wb.screenshot('coefficients-epsilon-typed');

  await typeEpsilon(frame, '0.5q');
  const message = await waitFor('the ε message on the field', async () => (await frame.locator('#epsilon-0-message').textContent()) || undefined, { timeout: 10000 });
  check(message === 'ε must be a number or a comma-separated list of at most 32 numbers ("0.5q" is not a number)', `a bad ε is explained on its field: "${message}"`);
  check(await frame.locator('#run[disabled]').count() === 1, 'Run is disabled while ε is wrong');
  await wb.screenshot('coefficients-bad-epsilon');

  await typeEpsilon(frame, '1.5');
  await waitFor('a valid ε again', async () => (await charts(frame)).loss.datasets[0].label === 'Poly-1 ε=1.5', { timeout: 10000 });

  // Save to the experiment file open in the editor: the suggested name, accepted as is.
  await frame.locator('#save').click();
  await wb.quickInputBox().waitFor({ state: 'visible', timeout: 15000 });
  const suggested = await wb.quickInputBox().inputValue();
  check(suggested === 'poly1-eps1.5', `the run name is suggested from the loss ("${suggested}")`);
  await wb.quickInputBox().press('Enter');
  const saved = await waitFor('the entry in the file on disk', async () => {
    const text = readFileSync(path.join(ws, STUDY_FILE), 'utf8');
    return text.includes('"poly1-eps1.5"') ? text : undefined;
  }, { timeout: 15000 });
  check(saved.includes('// Poly-1 with the paper\'s ImageNet ε') && saved.startsWith('// Study of ε'), 'the file keeps its comments');
  check(saved.includes('    { "name": "poly1-eps2", "loss": { "type": "poly", "epsilon": 2 } },\n    { "name": "poly1-eps1.5", "loss": { "type": "poly", "epsilon": 1.5 } }\n  ]'),
    'the entry is added on its own line after the last one, which is left as it was');
  const status = await waitFor('the saved message', async () => {
    const text = await frame.locator('#status').textContent();
    return text?.startsWith('Added') ? text : undefined;
  }, { timeout: 10000 });
  check(status === `Added run "poly1-eps1.5" to ${STUDY_FILE}`, `the view says where it went ("${status}")`);
  const lenses = await waitFor('a lens for the new entry', async () => {
    const found = await lensLines(editor);
    return found.length === lensCount + 1 ? found : undefined;
  }, { timeout: 15000 });
  check(lenses.at(-1).texts[0] === '▶ Run', 'the new entry has its ▶ Run lens');
  await wb.screenshot('coefficients-saved-to-file');

  // Run with these coefficients: queued with the New Run defaults of this workspace (2 epochs).
  const known = new Set(readRuns(runsDir).map((r) => r.id));
  await frame.locator('#run').click();
  const started = await waitFor('the run from the Coefficients view', () => readRuns(runsDir).find((r) => !known.has(r.id)), { timeout: 30000, interval: 500 });
  check(started.record.config.loss.type === 'poly' && started.record.config.loss.epsilon === 1.5 && started.record.config.epochs === 2,
    `the run has ε = 1.5 and the workspace's default epochs (${started.record.name})`);
  const queued = await waitFor('the queued message', async () => {
    const text = await frame.locator('#status').textContent();
    return text?.startsWith('Queued') ? text : undefined;
  }, { timeout: 15000 });
  check(queued.includes(started.id), `the view names the queued run ("${queued}")`);
  await waitFor('the run to finish', () => readRuns(runsDir).find((r) => r.id === started.id && r.record.status === 'completed'), { timeout: 180000, interval: 1000 });
  lap('the run from the Coefficients view completed');
  await wb.screenshot('coefficients-run');

  // The Coefficients lens of an entry shows its loss in the view.
  const ceLine = (await lensLines(editor))[1];
  await ceLine.element.locator('a', { hasText: 'Coefficients' }).click();
  const loaded = await waitFor('the ce entry in the view', async () => {
    const state = await charts(frame);
    return state.loss.datasets[0].label === 'CE' ? state : undefined;
  }, { timeout: 15000 });
  check(loaded.loss.datasets.map((d) => d.label).join() === 'CE,Focal γ=2', 'the view draws the entry\'s loss (CE) and the focal reference');
  check(await frame.locator('#status').textContent() === 'Loaded from the entry "ce".', 'the view says where the loss came from');
  await wb.screenshot('coefficients-loaded-from-entry');
}
