// New Run from the command palette with typed choices; the run appears in the Runs tree, trains
// to completion there, and its files are in the workspace.
import { newRunFromPalette, readRuns, runRow, showRunsView } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'New Run from the palette trains a run that the Runs tree shows completed';

export async function run({ wb, page, check, lap, workbenchUrl, ws, runsDir }) {
  await showRunsView(wb, workbenchUrl(ws));
  lap('Runs view visible');
  await wb.screenshot('runs-view-empty');

  // ε as typed by someone who slipped: the input says what is wrong and keeps the step open.
  await wb.runCommand('PolyLoss: New Run…');
  await wb.pick(1, 'digits');
  await wb.pick(2, 'mlp');
  await wb.pick(3, 'Poly');
  await wb.waitForStep(4);
  await wb.quickInputBox().fill('2,,1');
  // The message line shows the prompt until validation replaces it.
  const message = await waitFor('the ε validation message', async () => {
    const text = await wb.validationMessage();
    return text.startsWith('ε must') ? text : undefined;
  }, { timeout: 5000 }).catch(async (e) => { throw new Error(`${e.message}; shown: "${await wb.validationMessage()}"`); });
  await wb.screenshot('new-run-bad-epsilon');
  check(message.startsWith('ε must be a number or a comma-separated list of at most 32 numbers'), `bad ε is explained: "${message}"`);
  // The seeds step says how many runs Enter starts.
  await wb.type(4, '2');
  await wb.type(5, '2');
  await wb.waitForStep(6);
  await wb.quickInputBox().fill('1-3');
  const seedsStep = await waitFor('the run count of the seeds step', async () => {
    const texts = await wb.stepTexts();
    return texts.message.includes('→ 3 runs will start (seeds 1, 2, 3)') ? texts : undefined;
  }, { timeout: 5000 }).catch(async (e) => { throw new Error(`${e.message}; shown: "${await wb.validationMessage()}"`); });
  check(seedsStep.placeholder.includes('1-5'), `the seeds step says how many runs start ("${seedsStep.message}") and shows an example ("${seedsStep.placeholder}")`);
  await wb.screenshot('new-run-seeds-count');
  await page.keyboard.press('Escape');

  await newRunFromPalette(wb, { dataset: 'digits', model: 'mlp', loss: 'Poly', epsilon: '2', epochs: '2', seeds: '1' });
  lap('New Run answered');
  const row = runRow(wb, 'Poly-1 ε=2, seed 1');
  await row.first().waitFor({ state: 'visible', timeout: 15000 });
  await wb.screenshot('run-in-tree');
  await runRow(wb, 'Poly-1 ε=2, seed 1', 'completed').first().waitFor({ state: 'visible', timeout: 120000 });
  check(await runRow(wb, 'Poly-1 ε=2, seed 1', 'completed').locator('.codicon-pass').count() === 1, 'the tree shows the run completed with a pass icon');
  const description = await runRow(wb, 'Poly-1 ε=2, seed 1', 'completed').locator('.label-description').first().textContent();
  check(/^test \d+\.\d% · digits mlp$/.test(description ?? ''), `the tree shows the test accuracy first, then the dataset and the model ("${description}")`);
  await wb.screenshot('run-completed');

  const runs = readRuns(runsDir);
  check(runs.length === 1, `one run folder in .polyloss/runs (found ${runs.length})`);
  const [r] = runs;
  check(r.record.status === 'completed', `run.json status is completed (${r.record.status})`);
  check(r.record.config.loss.type === 'poly' && r.record.config.loss.epsilon === 2, 'run.json has the Poly-1 loss with ε = 2');
  check(r.record.config.epochs === 2 && r.record.config.seed === 1 && r.record.config.dataset.name === 'digits' && r.record.config.model.type === 'mlp',
    'run.json has digits, mlp, 2 epochs, seed 1');
  const epochs = r.metricLines.filter((l) => l.kind === 'epoch');
  const steps = r.metricLines.filter((l) => l.kind === 'step');
  check(epochs.length === 2 && steps.length === r.record.summary.steps, `metrics.jsonl has 2 epoch lines and ${r.record.summary.steps} step lines`);

  await secondRunEta({ wb, page, check, lap, runsDir });
}

/** "about 14 s left" / "about 2 min left" in the status bar → seconds. */
function secondsLeft(text) {
  const m = /about (\d+) (s|min) left/.exec(text ?? '');
  return m ? Number(m[1]) * (m[2] === 'min' ? 60 : 1) : undefined;
}

/**
 * A second run like the first, for longer: the status bar says the time left from its start (the
 * first run's speed), in words, and every estimate it shows is within a sane factor of the time the
 * run really still took (New Run once said 50 s for runs of 14 s). The machine's load changes speeds
 * too, so the factor is wide: run this scenario without other heavy work beside it.
 */
async function secondRunEta({ wb, page, check, lap, runsDir }) {
  await newRunFromPalette(wb, { dataset: 'digits', model: 'mlp', loss: 'Poly', epsilon: '2', epochs: '100', seeds: '2' });
  const seen = [];
  const item = page.locator('.statusbar-item', { hasText: 'Poly-1 ε=2, seed 2' });
  const done = await waitFor('the second run to complete', async () => {
    const text = await item.first().textContent({ timeout: 200 }).catch(() => undefined);
    const left = secondsLeft(text);
    if (left !== undefined) seen.push({ at: Date.now(), left, text: text.trim() });
    return readRuns(runsDir).find((r) => r.record.name === 'Poly-1 ε=2, seed 2' && r.record.status === 'completed');
  }, { timeout: 120000, interval: 100 });
  const end = Date.parse(done.record.endedAt);
  const took = (end - Date.parse(done.record.startedAt ?? done.record.createdAt)) / 1000;
  lap(`second run took ${took.toFixed(1)} s; time left shown (s shown / s it still took): ${seen.filter((s, i) => i === 0 || s.left !== seen[i - 1].left)
    .map((s) => `${s.left}/${((end - s.at) / 1000).toFixed(1)}`).join(', ')}`);
  check(seen.length > 0, `the status bar showed the time left while the run trained (first: "${seen[0]?.text}")`);
  const wrong = seen.filter(({ at, left }) => {
    const actual = Math.max(0, (end - at) / 1000);
    return left > 3 * actual + 5 || left < actual / 3 - 5;
  });
  check(wrong.length === 0, `every time left shown was within a factor of 3 (±5 s) of the time the run still took${wrong.length
    ? `: ${wrong.map((w) => `${w.left} s shown with ${((end - w.at) / 1000).toFixed(1)} s to go`).join('; ')}` : ''}`);
}
