// The extension's API inside a real extension host: commands, lazy activation without tfjs,
// reconciliation of a stale run, the queue, live metric deltas, the selection. The tests run in
// their own window (extensionTestsPath) on their own workspace; results come back as a file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { waitFor } from '../lib/workbench.mjs';

export const title = 'Extension host API tests';

/** A run.json as a window that crashed mid-run leaves it: `running`, owned by a process that is gone. */
function writeStaleRun(runsDir) {
  const deadPid = spawnSync('true').pid;
  const id = '20250101-000000-poly1-e1-s1-dead';
  mkdirSync(path.join(runsDir, id), { recursive: true });
  writeFileSync(path.join(runsDir, id, 'run.json'), JSON.stringify({
    schemaVersion: 1, id, name: 'left running', status: 'running', createdAt: '2025-01-01T00:00:00.000Z',
    config: { dataset: { name: 'digits' }, model: { type: 'mlp' }, loss: { type: 'poly', epsilon: 1 },
      optimizer: { type: 'adam', learningRate: 0.001 }, batchSize: 64, epochs: 1, seed: 1, backend: 'auto' },
    launcherPid: deadPid, launcherHost: hostname(), environment: { backend: 'wasm', tfjsVersion: '4.22.0', nodeVersion: 'v24', platform: 'linux', pid: deadPid },
  }, null, 2));
}

export async function run({ browser, check, lap, workbenchUrl, runDir, project }) {
  const ws = path.join(runDir, 'ws-api');
  writeStaleRun(path.join(ws, '.polyloss', 'runs'));
  const resultsFile = path.join(ws, 'exthost-results.json');
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  try {
    await page.goto(workbenchUrl(ws, [['extensionTestsPath', path.join(project, 'test', 'e2e', 'exthost', 'index.js')]]));
    await waitFor('extension host test results', () => existsSync(resultsFile), { timeout: 300000, interval: 500 });
  } finally {
    await page.close();
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  for (const t of results.passed) lap(`  ok - ${t.name} (${t.ms} ms)`);
  for (const t of results.failed) lap(`  not ok - ${t.name} (${t.ms ?? '?'} ms)\n${t.error}`);
  lap(`activate() ${results.notes.activationMs} ms (ext.activate() ${results.notes.activateCallMs} ms), dist/extension.js ${results.notes.bundleKb} KB`);
  check(results.failed.length === 0, `${results.passed.length} extension host tests passed, ${results.failed.length} failed`);
  check(results.passed.length >= 10, 'all extension host tests ran');
}
