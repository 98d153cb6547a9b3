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
}
