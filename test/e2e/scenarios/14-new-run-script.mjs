// New Run → "Your script…" in a real VS Code: pick a small Python script of the workspace in VS Code's
// file dialog, choose ε and the seed; the script trains as a run with the interpreter of
// polyloss.pythonPath, the run detail shows what it prints while it trains, and the run completes
// with its curve. A script whose import fails ends failed, and the notice says which interpreter
// lacks the module and how to choose another.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRuns, runRow, showRunsView, webviewFrame } from '../lib/polyloss.mjs';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'New Run → Your script… trains a workspace script as a run, with its output and its curve';

const SCRIPT_NAME = 'tiny_train.py';
const STEPS = 30;
/** The script trains until this file appears (at most a minute), so the test sees it while it prints. */
const GO_ON_FILE = '.tiny-train-finish';
const SCRIPT = [
  'import os, time, polyloss_lab',
  'with polyloss_lab.init() as run:',
  '    eps = run.loss.get("epsilon", 0)',
  '    print(f"training with eps={eps} seed={run.seed}", flush=True)',
  `    for step in range(1, ${STEPS + 1}):`,
  '        if step > 5:',
  `            waited = time.time()`,
  `            while not os.path.exists("${GO_ON_FILE}") and time.time() - waited < 60:`,
  '                time.sleep(0.1)',
  '        run.log_step(step, epoch=1, loss=2.0 / step, acc=min(1.0, 0.1 * step))',
  '        print(f"step {step}: loss {2.0 / step:.3f}", flush=True)',
  '        time.sleep(0.05)',
  '    run.log_epoch(1, val_acc=0.5 + 0.1 * eps, val_loss=0.4)',
  '    run.finish(test_acc=0.5 + 0.1 * eps)',
  'print("<b>done</b>", flush=True)',
].join('\n') + '\n';

/** Fails at once: a package that no interpreter has. */
const BROKEN_NAME = 'needs_package.py';
const BROKEN = 'import polyloss_lab_no_such_package\n';

export async function run({ wb, page, check, lap, workbenchUrl, ws, runsDir }) {
  const settingsFile = path.join(ws, '.vscode', 'settings.json');
  const script = path.join(ws, SCRIPT_NAME);
  writeFileSync(path.join(ws, BROKEN_NAME), BROKEN);
  const goOn = path.join(ws, GO_ON_FILE);
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  writeFileSync(settingsFile, JSON.stringify({ 'polyloss.pythonPath': '/usr/bin/python3' }, null, 2));
  writeFileSync(script, SCRIPT);
  rmSync(goOn, { force: true });
  try {
    await scenario({ wb, page, check, lap, workbenchUrl, ws, runsDir, script, goOn });
  } finally {
    writeFileSync(goOn, ''); // a script left waiting ends
    rmSync(settingsFile, { force: true });
  }
}

async function scenario({ wb, page, check, lap, workbenchUrl, ws, runsDir, script, goOn }) {
  await showRunsView(wb, workbenchUrl(ws));
  const before = new Set(readRuns(runsDir).map((r) => r.id));

  await newScriptRun({ wb, page, ws, script });
  lap('New Run answered');

  const started = await waitFor('the script\'s run to train', () => readRuns(runsDir).find((r) => !before.has(r.id) && r.record.status === 'running'),
    { timeout: 30000, interval: 200 });
  const { name } = started.record;
  check(started.record.config.command?.argv?.join(' ') === `python3 ${SCRIPT_NAME}` && started.record.config.command.cwd === ws,
    `the run trains python3 ${SCRIPT_NAME} in the workspace folder (${JSON.stringify(started.record.config.command)})`);
  check(started.record.config.loss.type === 'poly' && started.record.config.loss.epsilon === 3 && started.record.config.seed === 41, 'with ε = 3 and seed 41');
  check(started.record.trainer?.interpreter === '/usr/bin/python3' && started.record.trainer.interpreterSource === 'polyloss.pythonPath setting',
    `and the interpreter of polyloss.pythonPath (${started.record.trainer?.interpreter}, ${started.record.trainer?.interpreterSource})`);
  await runRow(wb, name, 'running').first().waitFor({ state: 'visible', timeout: 30000 });

  // The run detail, while the script waits: what it printed so far is there.
  await wb.runCommand('PolyLoss: Open Dashboard');
  const dashboard = await webviewFrame(page, 'dashboard');
  await dashboard.locator('vscode-tab-header', { hasText: 'Runs' }).click();
  await dashboard.locator('table.runs tbody td.name', { hasText: name }).first().click();
  await waitFor('the run detail', async () => (await dashboard.locator('.run-detail h2').textContent()) === name);
  const output = dashboard.locator('.run-detail .output-tail .output-text');
  const live = await waitFor('the script\'s output in the run detail', async () => {
    const text = await output.textContent().catch(() => '');
    return text?.includes('step 5: loss 0.400') ? text : undefined;
  }, { timeout: 20000, interval: 300 });
  check(live.includes('training with eps=3 seed=41') && !live.includes('step 6:'), 'the run detail shows what the script printed so far');
  await wb.screenshot('script-run-output-live');

  writeFileSync(goOn, '');
  await runRow(wb, name, 'completed').first().waitFor({ state: 'visible', timeout: 60000 });
  const done = readRuns(runsDir).find((r) => r.id === started.id);
  check(done.record.status === 'completed' && done.record.summary?.testAcc === 0.8 && done.record.trainer?.exitCode === 0,
    `the run completed with the script's result (${done.record.status}, test ${done.record.summary?.testAcc}, exit ${done.record.trainer?.exitCode})`);
  const final = await waitFor('the whole output in the run detail', async () => {
    const text = await output.textContent().catch(() => '');
    return text?.includes('<b>done</b>') ? text : undefined;
  }, { timeout: 15000, interval: 300 });
  check(final.includes(`step ${STEPS}: loss`) && await output.locator('b').count() === 0, 'it followed the output to the end, markup shown as text');
  const points = await waitFor('the loss curve with every step', async () => {
    const state = await dashboard.evaluate(() => window.__polyloss.chartState('detail.loss'));
    const loss = state.datasets.find((d) => d.label === 'loss');
    return loss?.points.length === STEPS ? loss.points : undefined;
  }, { timeout: 15000 });
  check(points[0][1] === 2 && points.at(-1)[1] === 2 / STEPS, `the detail draws the script's loss curve (${points.length} steps, ${points[0][1]} → ${points.at(-1)[1]})`);
  check(existsSync(path.join(runsDir, started.id, 'output.log')), 'output.log is in the run folder');
  await wb.screenshot('script-run-completed-detail');

  // A script whose import fails: the notice ends with the interpreter that lacks it and how to choose another.
  await newScriptRun({ wb, page, ws, script: path.join(ws, BROKEN_NAME) });
  await wb.runCommand('Notifications: Show Notifications');
  const notice = await waitFor('the failure notification', async () => {
    const text = await page.locator('.notifications-center').textContent().catch(() => '');
    return /PolyLoss: run "[^"]*needs_package\.py[^"]*" failed: [^\n]*?Python: Select Interpreter"\)/.exec(text ?? '')?.[0];
  }, { timeout: 30000, interval: 300 });
  check(notice.includes('the command exited with code 1: … /usr/bin/python3 (polyloss.pythonPath setting) cannot import polyloss_lab_no_such_package: '
    + 'install it there, or use a Python that has it: set the polyloss.pythonPath setting'), `the notice names the interpreter and the way out ("${notice}")`);
  await wb.screenshot('script-run-missing-module');
  await page.keyboard.press('Escape');
}

/** New Run → Your script… → the file typed into VS Code's file dialog → Poly-1 ε = 3, seed 41. */
async function newScriptRun({ wb, page, ws, script }) {
  await wb.runCommand('PolyLoss: New Run…');
  await wb.pick(1, 'Your script…');
  await wb.pick(1, 'Pick a Python file…');
  // VS Code's own file dialog in a browser: a path typed into its quick input, once it has opened
  // on the workspace folder (typed earlier, the path would go to the step before it).
  await wb.waitForStep('Your training script');
  await waitFor('the file dialog to show the workspace folder', async () => (await wb.quickInputBox().inputValue()).startsWith(ws), { timeout: 10000 });
  await wb.quickInputBox().fill(script);
  await waitFor('the typed path to stay', async () => (await wb.quickInputBox().inputValue()) === script, { timeout: 5000 });
  await page.keyboard.press('Enter');
  await wb.pick(2, 'Poly');
  await wb.type(3, '3');
  await wb.type(4, '41');
  await waitFor('the New Run input to close', async () => !(await wb.quickInput().isVisible()), { timeout: 10000 });
}
