// An experiment file in a real VS Code: it opens as JSON with comments, shows "▶ Run" lenses and
// the α after each ε; "▶ Run" trains the entry through the queue and the lens then shows its test
// accuracy; an ε below −1 gets the PolyLoss warning, a non-number ε the schema's error (from VS
// Code's JSON validation, not twice); "New Experiment File" writes the commented starter.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRuns } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Experiment file: ▶ Run lens trains the entry and shows its result; α hints; ε diagnostics';

export const STUDY_FILE = 'study.polyloss.json';
const STUDY = `// Study of ε on the bundled digits, small enough for a test.
{
  "dataset": { "name": "digits", "maxSamples": 400 },
  "model": { "type": "mlp", "hidden": [16] },
  "training": { "optimizer": { "learningRate": 0.01 }, "epochs": 4, "batchSize": 32, "seeds": [1] },
  "runs": [
    { "name": "ce", "loss": { "type": "ce" } },
    // Poly-1 with the paper's ImageNet ε
    { "name": "poly1-eps2", "loss": { "type": "poly", "epsilon": 2 } }
  ]
}
`;

/** The workspace of the experiment scenarios: the study file and short default runs. */
export function experimentWorkspace(runDir) {
  const ws = path.join(runDir, 'ws-exp');
  if (!existsSync(path.join(ws, STUDY_FILE))) {
    mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    writeFileSync(path.join(ws, STUDY_FILE), STUDY);
    writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'polyloss.defaults.epochs': 2 }, null, 2));
  }
  return { ws, runsDir: path.join(ws, '.polyloss', 'runs') };
}

/** Loads the experiment workspace unless it is the one shown. */
export async function loadExperimentWorkspace(wb, page, workbenchUrl, runDir) {
  const where = experimentWorkspace(runDir);
  if (!decodeURIComponent(page.url()).includes(where.ws)) {
    await wb.load(workbenchUrl(where.ws));
    // Room for the editor: the secondary side bar (empty here) takes a third of the window.
    if (await page.locator('.part.auxiliarybar').isVisible().catch(() => false)) await page.keyboard.press('Control+Alt+B');
  }
  return where;
}

/** Opens a workspace file with Quick Open. */
export async function openFile(wb, page, name) {
  await waitFor(`${name} open in the editor`, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = wb.quickInputBox();
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill(name);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ state: 'visible', timeout: 5000 });
    await row.click();
    return page.locator(`.tabs-container .tab.active[aria-label*="${name}"]`).isVisible();
  }, { timeout: 60000, interval: 1000 });
  return page.locator('.editor-instance .monaco-editor >> visible=true').first();
}

/** The CodeLens lines of the editor from top to bottom, each as the texts of its commands. */
export async function lensLines(editor) {
  const decorations = await editor.locator('.codelens-decoration').all();
  const lines = [];
  for (const d of decorations) {
    const box = await d.boundingBox();
    const texts = (await d.locator('a, span').allTextContents()).map((t) => t.trim()).filter((t) => t && t !== '|');
    if (box) lines.push({ y: box.y, texts: [...new Set(texts)], element: d });
  }
  return lines.sort((a, b) => a.y - b.y);
}

/** The text of the editor's visible lines (inlay hints included: they are rendered into the lines). */
export async function editorText(editor) {
  return (await editor.locator('.view-lines').textContent()).replace(/\u00a0/g, ' ');
}

/** Replaces every occurrence of `find` in the editor with `replacement` through the Replace widget. */
async function replaceAll(page, editor, find, replacement) {
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+H');
  const widget = editor.locator('.find-widget');
  await widget.locator('.find-part textarea, .find-part input').first().fill(find);
  await widget.locator('.replace-part textarea, .replace-part input').first().fill(replacement);
  await page.keyboard.press('Control+Alt+Enter');
  await waitFor(`"${replacement}" in the editor`, async () => (await editorText(editor)).includes(replacement), { timeout: 10000 });
  await page.keyboard.press('Escape');
}

/** The rows of the Problems panel. */
async function problems(page) {
  return page.locator('.markers-panel .monaco-list-row').allTextContents();
}

export async function run({ wb, page, check, lap, workbenchUrl, runDir }) {
  const { ws, runsDir } = await loadExperimentWorkspace(wb, page, workbenchUrl, runDir);
  const editor = await openFile(wb, page, STUDY_FILE);
  const language = await waitFor('the language in the status bar', async () => {
    const text = await page.locator('.statusbar-item[id="status.editor.mode"]').textContent().catch(() => '');
    return text?.trim() || undefined;
  });
  check(language === 'JSON with Comments', `*.polyloss.json opens as JSON with comments ("${language}")`);

  // VS Code can draw the entries' lenses before the file's own one: wait until the top line has its lens too.
  const lines = await waitFor('the CodeLenses, the file\'s "Run all" first', async () => {
    const found = await lensLines(editor);
    return found.length >= 3 && found[0].texts[0]?.startsWith('▶ Run all') ? found : undefined;
  }, { timeout: 60000 });
  check(lines[0].texts.join() === '▶ Run all (2 runs)', `"Run all" above the file (${lines[0].texts.join(' | ')})`);
  check(lines[1].texts.join(' | ') === '▶ Run | Coefficients' && lines[2].texts.join(' | ') === '▶ Run | Coefficients', `▶ Run and Coefficients above each entry (${lines[1].texts.join(' | ')})`);
  const hinted = await waitFor('the α inlay hint', async () => ((await editorText(editor)).includes('α = [3, 0.5, 0.33]') ? true : undefined), { timeout: 20000 });
  check(hinted, 'the effective coefficients α = [3, 0.5, 0.33] show after "epsilon": 2');
  await wb.screenshot('experiment-lenses');

  // ▶ Run above poly1-eps2: one run, through the queue, named after the entry and its seed.
  await lines[2].element.locator('a', { hasText: '▶ Run' }).click();
  const trained = await waitFor('the poly1-eps2 run to finish', () => readRuns(runsDir).find((r) => r.record.name === 'poly1-eps2 · seed 1' && r.record.status === 'completed'), { timeout: 180000, interval: 500 });
  check(trained.record.config.loss.epsilon === 2 && trained.record.config.experiment === 'study' && trained.record.config.dataset.maxSamples === 400,
    'the run has the entry\'s loss, the file\'s settings and the experiment name');
  check(readRuns(runsDir).length === 1, 'only that entry was trained');
  const accuracy = `acc ${(100 * trained.record.summary.testAcc).toFixed(1)}% · 1 seed`;
  const resultLine = await waitFor('the result lens', async () => {
    const found = await lensLines(editor);
    return found.find((l) => l.texts.includes(accuracy));
  }, { timeout: 30000 });
  check(resultLine.texts.join(' | ') === `▶ Run | ${accuracy} | Coefficients`, `the lens shows the result next to ▶ Run (${resultLine.texts.join(' | ')})`);
  await wb.screenshot('experiment-run-result');
  lap('the lens shows the trained result');

  // The result opens the run in the dashboard.
  await resultLine.element.locator('a', { hasText: accuracy }).click();
  await waitFor('the dashboard with the run', async () => page.locator('.tab', { hasText: 'PolyLoss Dashboard' }).first().isVisible(), { timeout: 30000 });
  check(true, 'clicking the result opens the dashboard');
  await page.locator('.tabs-container .tab', { hasText: STUDY_FILE }).first().click();

  // ε = −3: allowed, but the loss is no longer monotone in Pt — a PolyLoss warning on the value.
  await replaceAll(page, editor, '"epsilon": 2', '"epsilon": -3');
  await page.keyboard.press('Control+Shift+M');
  const warning = await waitFor('the PolyLoss warning in Problems', async () => (await problems(page)).find((t) => t.includes('leading coefficient 1 + ε negative')), { timeout: 20000 });
  check(/runs\[1\]\.loss\.epsilon: ε = -3 < −1/.test(warning) && warning.includes('PolyLoss'), `Problems shows the ε warning from PolyLoss: "${warning.slice(0, 120)}…"`);
  check(await editor.locator('.squiggly-warning').count() > 0, 'the ε value is underlined');
  check(await waitFor('the new α hint', async () => (await editorText(editor)).includes('α = [-2, 0.5, 0.33]'), { timeout: 10000 }), 'the α hint follows the edit');
  await wb.screenshot('experiment-epsilon-warning');

  // A non-number: the schema error comes from VS Code's JSON validation, and only from there.
  await replaceAll(page, editor, '"epsilon": -3', '"epsilon": "x"');
  // Once the PolyLoss check has run on the new text (it waits for typing to pause), only the JSON service's row is left.
  const schemaRows = await waitFor('the schema error alone in Problems', async () => {
    const rows = (await problems(page)).filter((t) => !t.includes(STUDY_FILE));
    return rows.length === 1 && /Expected "number"/.test(rows[0]) ? rows : undefined;
  }, { timeout: 30000 });
  check(!schemaRows[0].includes('PolyLoss'), `the JSON service reports the bad ε from the schema, PolyLoss does not repeat it ("${schemaRows[0]}")`);
  await wb.screenshot('experiment-schema-error');

  // ▶ Run on the broken entry starts nothing and says why, with the schema's words (read from the
  // notification center: this workbench does not always pop the toast up).
  const before = readRuns(runsDir).length;
  const brokenLine = (await lensLines(editor)).find((l) => l.texts.includes(accuracy));
  await brokenLine.element.locator('a', { hasText: '▶ Run' }).click();
  await wb.runCommand('Notifications: Show Notifications');
  const notice = await waitFor('the error notification', async () => {
    const text = await page.locator('.notifications-center').textContent().catch(() => '');
    return /PolyLoss: "poly1-eps2" not started: [^\n]*\(got "x"\)/.exec(text ?? '')?.[0];
  }, { timeout: 15000 });
  check(notice === 'PolyLoss: "poly1-eps2" not started: runs[1].loss.epsilon must be a number or a list of at most 32 numbers (got "x")', `the entry's error is shown instead of a run ("${notice}")`);
  await wb.screenshot('experiment-run-refused');
  check(readRuns(runsDir).length === before, 'no run was started');
  await page.keyboard.press('Escape');
  // Back to the saved text.
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+Z');
  await page.keyboard.press('Control+Z');
  await waitFor('the original ε back', async () => (await editorText(editor)).includes('α = [3, 0.5, 0.33]'), { timeout: 10000 });

  // New Experiment File: a name, then the commented starter opens with its lenses.
  await wb.runCommand('PolyLoss: New Experiment File');
  await wb.quickInputBox().waitFor({ state: 'visible', timeout: 10000 });
  await wb.quickInputBox().fill('starter');
  await wb.quickInputBox().press('Enter');
  const starter = path.join(ws, 'starter.polyloss.json');
  await waitFor('the starter file on disk', () => existsSync(starter), { timeout: 15000 });
  check(readFileSync(starter, 'utf8').startsWith('// PolyLoss Lab experiment'), 'the starter file is written with its comments');
  const activeEditor = page.locator('.editor-instance .monaco-editor >> visible=true').first();
  await waitFor('the starter file\'s Run all lens', async () => (await lensLines(activeEditor)).some((l) => l.texts.join() === '▶ Run all (12 runs)'), { timeout: 30000 });
  check(true, 'the starter opens in the editor with "▶ Run all (12 runs)": 4 entries × 3 seeds');
  await wb.screenshot('experiment-new-file');

  // The same name again asks before replacing the file, with Cancel focused: Enter keeps it.
  writeFileSync(starter, '// mine\n{ "runs": [] }\n');
  await wb.runCommand('PolyLoss: New Experiment File');
  await wb.quickInputBox().waitFor({ state: 'visible', timeout: 10000 });
  await wb.quickInputBox().fill('starter');
  await wb.quickInputBox().press('Enter');
  await wb.waitForStep('Replace starter.polyloss.json with a new starter experiment?');
  const focused = ((await page.locator('.quick-input-list .monaco-list-row.focused .label-name').first().textContent()) ?? '').trim();
  check(focused === 'Cancel', `replacing an experiment file asks first, with Cancel focused ("${focused}")`);
  await page.keyboard.press('Enter');
  await wb.quickInput().waitFor({ state: 'hidden', timeout: 5000 });
  check(readFileSync(starter, 'utf8').startsWith('// mine'), 'Enter on the question keeps the file as it was');
}
