// The production VSIX as a new user meets it: `npm run package` builds it, a fresh code-server installs
// it with --install-extension (no project folder anywhere above the installed extension, so nothing
// can come from the project's node_modules), the walkthrough opens, its "New Run…" button starts a
// first run that trains on WebAssembly (the step is ticked once it has completed), the dashboard from the
// VSIX shows it, and the installed extension's page shows the README.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRuns, runRow, waitForRun } from '../lib/polyloss.mjs';
import { startVsixServer } from '../lib/vsix.mjs';
import { Workbench, waitFor } from '../lib/workbench.mjs';

export const title = 'The packaged VSIX installs into a fresh VS Code and trains a first run from the walkthrough';

const WALKTHROUGH = 'Get Started with PolyLoss Lab';

/** Whether a webview on screen shows `text` (its iframe is visible in the workbench, not merely loaded). */
async function webviewShows(page, text) {
  for (const host of await page.locator('iframe.webview').elementHandles()) {
    if (!(await host.isVisible())) continue;
    const frames = (await host.contentFrame())?.childFrames() ?? [];
    for (const frame of frames) if (await frame.getByText(text).first().isVisible().catch(() => false)) return true;
  }
  return false;
}

export async function run({ wb: mainWorkbench, browser, check, lap, project, runDir }) {
  const vsix = await startVsixServer({ project, runDir, check, lap });
  try {
    // Wide enough for the walkthrough to show each step's media beside the list of steps (an editor under
    // ~950 px hides the media).
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1000 } })).newPage();
    const wb = new Workbench(page, { resultsDir: process.env.E2E_RESULTS, lap, scenario: mainWorkbench.prefix });
    try {
      await wb.load(vsix.url);
      await wb.runCommand('Welcome: Open Walkthrough...');
      await wb.quickInputBox().fill(WALKTHROUGH);
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: WALKTHROUGH }).waitFor({ state: 'visible', timeout: 10000 });
      await page.keyboard.press('Enter'); // a click can land on the row's hover
      const firstStep = page.locator('.getting-started-step', { hasText: 'Run CE vs Poly-1 on the digits set' });
      await firstStep.waitFor({ state: 'visible', timeout: 30000 });
      for (const step of ['Open the dashboard', 'Compare runs', 'Edit ε']) {
        check(await page.locator('.getting-started-step', { hasText: step }).count() === 1, `the walkthrough has the step "${step}"`);
      }
      await firstStep.click();
      // The step's markdown (media/walkthrough/first-runs.md from the VSIX) renders in a webview beside the steps.
      await waitFor('the first step\'s markdown beside the steps', () => webviewShows(page, 'Poly-1 adds one term to cross-entropy'), { timeout: 30000, interval: 500 });
      check(true, 'the walkthrough shows the first step\'s markdown');
      await wb.screenshot('vsix-walkthrough');

      // The step's button starts New Run: cross-entropy on the digits, 2 epochs, seed 1.
      const stepDone = async () => (await firstStep.getAttribute('aria-checked')) === 'true';
      check(!(await stepDone()), 'the "first runs" step is not done before a run');
      await firstStep.getByRole('button', { name: 'New Run…' }).first().click();
      await wb.pick(1, 'digits');
      await wb.pick(2, 'mlp');
      await wb.pick(3, 'Cross-entropy');
      await wb.type(4, '2');
      await page.waitForTimeout(1000);
      check(!(await stepDone()), 'opening New Run from the step does not tick it');
      await wb.type(5, '1');
      lap('New Run answered from the walkthrough button');

      const { runsDir } = vsix;
      const done = await waitForRun(runsDir, 'the first run to complete', (r) => r.record.status === 'completed', 120000);
      // The step completes when a run has completed (the polyloss.hasCompletedRun context).
      await waitFor('the "first runs" step to be ticked', stepDone, { timeout: 15000, interval: 250 });
      check(true, 'the walkthrough ticks "first runs" once the run has completed');
      await wb.screenshot('vsix-walkthrough-first-runs-done');
      check(done.record.config.loss.type === 'ce' && done.record.config.dataset.name === 'digits', 'the run trained cross-entropy on digits');
      check(done.record.environment.backend === 'wasm', `it trained on the shipped WebAssembly backend (${done.record.environment.backend})`);
      check(done.record.summary.testAcc > 0.5, `test accuracy ${done.record.summary.testAcc} is far above chance`);
      check(readRuns(runsDir).length === 1, 'one run folder in the new user\'s workspace');

      await wb.openViewContainer('PolyLoss');
      await runRow(wb, 'CE, seed 1', 'completed').first().waitFor({ state: 'visible', timeout: 30000 });
      check(true, 'the Runs tree shows the run completed');

      // The dashboard's bundle, styles and fonts come from the VSIX too.
      await wb.runCommand('PolyLoss: Open Dashboard');
      await waitFor('the dashboard webview to list the run', () => webviewShows(page, 'CE, seed 1'), { timeout: 30000, interval: 500 });
      check(true, 'the dashboard from the VSIX lists the run');
      await wb.screenshot('vsix-dashboard');

      // The installed extension's page shows the README from the VSIX. (Its screenshots cannot show
      // there: the page keeps only http(s) image sources and its Content-Security-Policy loads https
      // ones, so relative links and data: URLs alike stay empty until the README links an https host.)
      await wb.runCommand('Extensions: Show Installed Extensions');
      const entry = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'PolyLoss Lab' }).first();
      await entry.waitFor({ state: 'visible', timeout: 30000 });
      await entry.click();
      const readme = await waitFor('the README on the extension\'s page', async () => {
        for (const host of await page.locator('iframe.webview').elementHandles()) {
          if (!(await host.isVisible())) continue;
          for (const frame of (await host.contentFrame())?.childFrames() ?? []) {
            const heading = await frame.evaluate(() => document.querySelector('h1')?.textContent?.trim()).catch(() => undefined);
            if (heading) return { heading, images: await frame.evaluate(() => document.images.length) };
          }
        }
        return undefined;
      }, { timeout: 30000, interval: 500 });
      const { displayName } = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
      check(readme.heading === displayName && readme.images > 0, `the extension's page shows the README ("${readme.heading}", ${readme.images} images)`);
      await wb.screenshot('vsix-extension-details');
    } finally {
      await page.context().close();
    }
  } finally {
    await vsix.stop();
  }
}
