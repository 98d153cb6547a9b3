// PolyLoss-specific steps shared by scenarios: New Run through the palette, reading run folders.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './workbench.mjs';

/** The PolyLoss side bar with the Runs view expanded, in the workspace at `url`. */
export async function showRunsView(wb, url) {
  await wb.ensureLoaded(url);
  await wb.openViewContainer('PolyLoss');
  await wb.expandView('Runs');
}

/** Runs "PolyLoss: New Run…" and answers each step as typed by a user. */
export async function newRunFromPalette(wb, { dataset = 'digits', model = 'mlp', loss = 'Poly', epsilon = '2', epochs = '2', seeds = '1' } = {}) {
  await wb.runCommand('PolyLoss: New Run…');
  await wb.pick(1, dataset);
  await wb.pick(2, model);
  await wb.pick(3, loss);
  await wb.type(4, epsilon);
  await wb.type(5, epochs);
  await wb.type(6, seeds);
  await waitFor('the New Run input to close', async () => !(await wb.quickInput().isVisible()), { timeout: 10000 });
}

/** Every run folder with its record (as the store reads it) and its metric lines, oldest first. */
export function readRuns(runsDir) {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = path.join(runsDir, e.name);
      let record;
      try {
        record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
      } catch {
        return undefined;
      }
      // A rename lives in user.json (the worker owns run.json), as the store reads it.
      const userFile = path.join(dir, 'user.json');
      if (existsSync(userFile)) record = { ...record, name: JSON.parse(readFileSync(userFile, 'utf8')).name ?? record.name };
      const metricsFile = path.join(dir, 'metrics.jsonl');
      const lines = existsSync(metricsFile) ? readFileSync(metricsFile, 'utf8').split('\n').filter((l) => l.trim()) : [];
      return { id: e.name, dir, record, metricLines: lines.map((l) => JSON.parse(l)) };
    })
    .filter(Boolean)
    .sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt));
}

/** Waits until a run matching `predicate` exists in the runs folder; returns it. */
export function waitForRun(runsDir, what, predicate, timeout = 60000) {
  return waitFor(what, () => readRuns(runsDir).find(predicate), { timeout, interval: 300 });
}

/** The `polyloss` CLI of this project, run with the Node that runs the tests. */
export async function polylossCli(project, args) {
  return promisify(execFile)(process.execPath, [path.join(project, 'bin', 'polyloss.js'), ...args], { cwd: project, timeout: 120000 });
}

/** The row of the Runs tree whose accessible label starts with the run name (label = "name, status, description"). */
export function runRow(wb, name, status) {
  const label = status ? `${name}, ${status}` : name;
  return wb.viewPane('Runs').locator(`.monaco-list-row[aria-label^="${label.replace(/"/g, '\\"')}"]`);
}

/** The frame of a PolyLoss webview ("dashboard" or "compare"), found by the view its page mounts. */
export function webviewFrame(page, view) {
  return waitFor(`the ${view} webview`, async () => {
    for (const frame of page.frames()) {
      const mounted = await frame.evaluate(() => (document.body?.dataset.view && '__polyloss' in window ? document.body.dataset.view : undefined)).catch(() => undefined);
      if (mounted === view) return frame;
    }
    return undefined;
  }, { timeout: 60000, interval: 500 });
}
