// Runs the e2e scenarios (test/e2e/scenarios/*.mjs, in file-name order) against the code-server
// that run.sh started. A scenario exports `title` and `run(ctx)`; ctx carries the workbench
// helpers, the workspace paths and small utilities. A failing scenario is reported (with a
// screenshot) and the others still run; the exit code is 1 if any failed.
import { readdir } from 'node:fs/promises';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Workbench } from './lib/workbench.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { E2E_PORT, E2E_PROJECT, E2E_RUN, E2E_RESULTS, E2E_SCENARIOS, E2E_CACHE } = process.env;

/** playwright-core from the project's devDependencies, else the copy setup.sh put in .e2e/driver. */
function loadPlaywright() {
  for (const base of [E2E_PROJECT, path.join(E2E_CACHE ?? path.join(E2E_PROJECT, '.e2e'), 'driver')]) {
    try {
      return createRequire(path.join(base, 'package.json'))('playwright-core');
    } catch {
      // try the next place
    }
  }
  throw new Error('playwright-core is not installed: run bash test/e2e/setup.sh');
}
const { chromium } = loadPlaywright();
const t0 = Date.now();
const lap = (message) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);

/** The workbench URL for a folder, with this project loaded as the extension under development. */
function workbenchUrl(folder, extra = []) {
  const remote = (p) => `vscode-remote://127.0.0.1:${E2E_PORT}${p}`;
  const payload = [['extensionDevelopmentPath', remote(E2E_PROJECT)], ...extra.map(([k, p]) => [k, remote(p)])];
  return `http://127.0.0.1:${E2E_PORT}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

async function loadScenarios() {
  const dir = path.join(here, 'scenarios');
  const wanted = E2E_SCENARIOS ? E2E_SCENARIOS.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.mjs')).sort()
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));
  return Promise.all(files.map(async (f) => ({ file: f, ...(await import(pathToFileURL(path.join(dir, f)).href)) })));
}

const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const results = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const wb = new Workbench(page, { resultsDir: E2E_RESULTS, lap });
  const ctx = {
    wb,
    page,
    browser,
    lap,
    project: E2E_PROJECT,
    runDir: E2E_RUN,
    workbenchUrl,
    /** The UI workspace and its runs folder (the default polyloss.runsDirectory). */
    ws: path.join(E2E_RUN, 'ws-ui'),
    runsDir: path.join(E2E_RUN, 'ws-ui', '.polyloss', 'runs'),
    /** Throws with `message` unless `condition` holds. */
    check(condition, message) {
      if (!condition) throw new Error(`check failed: ${message}`);
      lap(`ok - ${message}`);
    },
  };
  const scenarios = await loadScenarios();
  if (scenarios.length === 0) throw new Error(`no scenario matches E2E_SCENARIOS=${E2E_SCENARIOS}`);
  for (const scenario of scenarios) {
    const started = Date.now();
    lap(`=== ${scenario.title ?? scenario.file}`);
    wb.startScenario(scenario.file.replace(/\.mjs$/, ''));
    try {
      await scenario.run(ctx);
      results.push({ title: scenario.title, ok: true, seconds: (Date.now() - started) / 1000 });
    } catch (e) {
      console.error(e);
      await wb.screenshot('FAILED').catch(() => undefined);
      results.push({ title: scenario.title, ok: false, seconds: (Date.now() - started) / 1000, error: e.message });
      await page.keyboard.press('Escape').catch(() => undefined);
    }
  }
} finally {
  await browser.close();
}

console.log('\nE2E results');
for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.title}  (${r.seconds.toFixed(1)} s)${r.ok ? '' : `\n        ${r.error}`}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s in the browser`);
const summary = `${results.length - failed} passed, ${failed} failed`;
console.log(summary);
fs.writeFileSync(path.join(process.env.E2E_RUN, 'summary.txt'), summary + '\n');
process.exit(failed ? 1 : 0);
