import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import { SUMMARY_METRICS } from '../../src/core/grouping';
import {
  DEFAULT_TUNE_OPTIONS, describeDrop, planTune, tuneRunConfig, type PlannedRun, type Setting, type TuneObservation, type TuneState,
} from '../../src/core/tune';
import { savedTuneSweep } from '../../src/runner/tuneDriver';
import { saveSweep, sweepFilePath } from '../../src/store/sweepFiles';
import { FakeServices } from './fakeHost';
import { makeRun } from './fixtures';
import { assertBundlesBuilt, launchBrowser, openView, screenshotPath, selectValue, startServer } from './harness';

/**
 * A tune's rounds in the dashboard's Sweep tab (headless Chromium): the host reads them from the
 * sweep file when the tab shows the sweep; the tab lists each round, which ε were dropped and why,
 * and the answer, and asks again as the sweep's runs change. A plain sweep shows no rounds.
 */

let browser: Browser;
let server: Server;
let origin: string;
let runsDir: string;

before(async () => {
  assertBundlesBuilt();
  ({ origin, server } = await startServer());
  browser = await launchBrowser();
  runsDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-tune-view-')), 'runs');
});

after(async () => {
  await browser?.close();
  server?.close();
  fs.rmSync(path.dirname(runsDir), { recursive: true, force: true });
});

const SWEEP = 'sweep-20261206-120000-0123abcd';
const base = tuneRunConfig({ ...(makeRun('x').config as BuiltinRunConfig), epochs: 3 }, { epsilon: null, seed: 1 }, SWEEP);
/** ε = −1 is 4 points better than CE and larger ε lose; seeds differ a little. */
const accuracy = (epsilon: Setting, seed: number): number => 0.6 + (epsilon === null ? 0 : epsilon < 0 ? 0.04 : -0.02 * epsilon) + 0.01 * Math.sin(seed * 3 + (epsilon ?? 7));

interface TuneFixture {
  host: FakeServices;
  state: TuneState;
  settings: Parameters<typeof savedTuneSweep>[0]['settings'];
}

/** Runs the planner on synthetic results until it stops; every run becomes a run record of the sweep. */
function tunedWorkspace(): TuneFixture {
  const host = new FakeServices();
  (host.runs as { runsDir: string }).runsDir = runsDir;
  const observations: TuneObservation[] = [];
  const settings = { options: DEFAULT_TUNE_OPTIONS, metric: 'test' as const };
  let state = planTune(settings.options, observations);
  const add = (run: PlannedRun): void => {
    const value = accuracy(run.epsilon, run.seed);
    observations.push({ ...run, value });
    const config = tuneRunConfig(base, run, SWEEP);
    host.addRun(makeRun(`${run.epsilon ?? 'ce'}-s${run.seed}`, { config: config as BuiltinRunConfig, summary: { steps: 300, epochs: 3, testAcc: value } }));
  };
  while (state.next.kind === 'run') {
    state.next.runs.forEach(add);
    state = planTune(settings.options, observations);
  }
  saveSweep(runsDir, savedTuneSweep({ sweepId: SWEEP, createdAt: '2026-12-06T12:00:00.000Z', base, settings }, state));
  return { host, state, settings };
}

interface TuneView {
  answer: string;
  rounds: { title: string; lines: string[] }[];
  shown: boolean;
}

function tuneView(page: Page): Promise<TuneView> {
  return page.evaluate(() => (window as unknown as { __polyloss: { sweep: { tune: { describe(): TuneView } } } }).__polyloss.sweep.tune.describe());
}

test('Sweep tab: a tune\'s rounds, the ε dropped after each with the reason, and the answer', async () => {
  const { host, state, settings } = tunedWorkspace();
  assert.equal(state.next.kind, 'stop');
  const v = await openView(browser, origin, 'dashboard', host, { focus: { runIds: [...host.records.keys()], tab: 'sweep' } });
  try {
    await v.settle();
    const view = await tuneView(v.page);
    assert.ok(view.shown);
    const saved = JSON.parse(fs.readFileSync(sweepFilePath(runsDir, SWEEP), 'utf8')) as { tune: { answer: string } };
    assert.equal(view.answer, `${saved.tune.answer}.`);
    assert.match(view.answer, /^ε = −1 beats CE by \+4\.\d pts/);
    assert.equal(view.rounds.length, state.rounds.length);
    assert.equal(view.rounds[0].title, 'Round 1 · 18 runs · new ε −1, 1, 2, 3, 4 · 3 seeds so far');
    // Every ε the planner dropped is listed as dropped in its round, with the planner's reason.
    state.rounds.forEach((round, i) => {
      for (const drop of round.look?.dropped ?? []) {
        const line = view.rounds[i].lines.find((l) => l.startsWith(`ε = ${drop.epsilon < 0 ? '−' : ''}${Math.abs(drop.epsilon)} vs CE`));
        assert.ok(line?.endsWith(`dropped: ${describeDrop(drop, settings.options.minEffect, SUMMARY_METRICS.test)}`), line);
      }
    });
    assert.ok(view.rounds[0].lines.some((l) => /^ε = −1 vs CE: \+\d\.\d pts .* — best so far$/.test(l)), view.rounds[0].lines.join('\n'));
    assert.deepEqual(await v.violations(), []);
    await v.page.screenshot({ path: screenshotPath('sweep-tab-tune-rounds.png'), fullPage: true });

    // To the ticked runs (no tune) and back to the same sweep: its rounds show again.
    await selectValue(v.page, 'Sweep', 'ticked');
    await v.settle();
    assert.equal((await tuneView(v.page)).shown, false);
    await selectValue(v.page, 'Sweep', SWEEP);
    await v.settle();
    const again = await tuneView(v.page);
    assert.ok(again.shown, 'the rounds show again on coming back to the sweep');
    assert.equal(again.answer, view.answer);
  } finally {
    await v.close();
  }
});

test('Sweep tab: a running tune shows its rounds so far and asks again when its runs change; a plain sweep shows none', async () => {
  const { host, settings } = tunedWorkspace();
  const firstRound = planTune(settings.options, []);
  saveSweep(runsDir, savedTuneSweep({ sweepId: SWEEP, createdAt: '2026-12-06T12:00:00.000Z', base, settings }, firstRound));
  const v = await openView(browser, origin, 'dashboard', host, { focus: { runIds: [...host.records.keys()], tab: 'sweep' } });
  try {
    await v.settle();
    let view = await tuneView(v.page);
    assert.equal(view.answer, 'Searching: 18 of the budget of 40 runs planned so far.');
    assert.deepEqual(view.rounds[0].lines, ['Runs still to finish.']);

    // The search goes on: the sweep file gets the finished state, then a run of the sweep changes.
    const { state } = tunedWorkspace();
    const record = [...host.records.values()][0];
    host.updateRun({ ...record, status: 'diverged' });
    await v.settle();
    view = await tuneView(v.page);
    assert.equal(view.rounds.length, state.rounds.length);
    assert.match(view.answer, /beats CE/);

    const plain = new FakeServices();
    (plain.runs as { runsDir: string }).runsDir = runsDir;
    plain.addRun(makeRun('p1', { config: { sweepId: 'sweep-20261206-130000-fedcba98', loss: { type: 'ce' } }, summary: { steps: 1, epochs: 1, testAcc: 0.5 } }));
    const w = await openView(browser, origin, 'dashboard', plain, { focus: { runIds: ['p1'], tab: 'sweep' } });
    try {
      await w.settle();
      assert.equal((await tuneView(w.page)).shown, false);
    } finally {
      await w.close();
    }
  } finally {
    await v.close();
  }
});
