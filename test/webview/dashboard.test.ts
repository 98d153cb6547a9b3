import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { StepMetric } from '../../src/core/runFormat';
import { smoothSeries } from '../../src/core/smoothing';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { chartState, openView, screenshotPath, selectValue, useBrowser, type ViewHarness } from './harness';

const web = useBrowser();

const HOSTILE = '<img src=x onerror="window.__xss=1">';

/** Two finished runs and one hostile-named run; a and b ticked for comparison. */
function workspace(): FakeServices {
  const host = new FakeServices();
  host.addRun(makeRun('a', {
    config: { loss: { type: 'poly', epsilon: 2 } },
    summary: { steps: 300, epochs: 3, finalLoss: 0.31, bestValAcc: 0.91, testAcc: 0.88, ece: 0.031, perClassAcc: [0.9, 0.8, 0.95], confusion: [[50, 2, 1], [5, 40, 3], [0, 1, 60]] },
  }), lines(1, 300));
  host.addRun(makeRun('b', { config: { loss: { type: 'ce' } }, summary: { steps: 250, epochs: 2, finalLoss: 0.52, bestValAcc: 0.84, testAcc: 0.8, ece: 0.06 } }), lines(1, 250, 100, 0.2));
  host.addRun(makeRun('c', { name: HOSTILE, config: { loss: { type: 'focal', gamma: 2 }, seed: 3 }, summary: { steps: 100, epochs: 1, finalLoss: 0.9, bestValAcc: 0.7 } }), lines(1, 100));
  host.selection.set(['a', 'b']);
  return host;
}

function stepValues(host: FakeServices, runId: string, field: keyof StepMetric = 'loss'): number[] {
  return host.metrics.get(runId)!.filter((l): l is StepMetric => l.kind === 'step').map((l) => l[field] as number);
}

function assertClose(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-9, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

async function setSmoothing(page: Page, value: number): Promise<void> {
  await page.evaluate((v) => {
    const input = document.querySelector('.compare-panel input[type=range]') as HTMLInputElement;
    input.value = String(v);
    input.dispatchEvent(new Event('input'));
  }, value);
}

async function openCompare(host = workspace()): Promise<ViewHarness> {
  return openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['a', 'b'], tab: 'compare' } });
}

test('snapshot then histories: the compare chart holds each ticked run, raw and smoothed as src/core computes', async () => {
  const v = await openCompare();
  try {
    const types = v.sent.map((m) => m.type);
    assert.deepEqual(types.slice(0, 2), ['snapshot', 'history']);
    const state = await chartState(v.page, 'compare');
    // Smoothed curves first (drawn on top), then the faint raw ones.
    assert.equal(state.datasets.length, 4);
    const [smoothA, smoothB, rawA, rawB] = state.datasets;
    assertClose(rawA.points.map((p) => p[1]), stepValues(v.host, 'a'), 'raw a');
    assert.deepEqual(rawA.points.map((p) => p[0]), Array.from({ length: 300 }, (_, i) => i + 1));
    assertClose(rawB.points.map((p) => p[1]), stepValues(v.host, 'b'), 'raw b');
    assertClose(smoothA.points.map((p) => p[1]), smoothSeries(stepValues(v.host, 'a'), 0.6), 'smoothed a');
    assertClose(smoothB.points.map((p) => p[1]), smoothSeries(stepValues(v.host, 'b'), 0.6), 'smoothed b');
    // The legend names runs by what differs between them, once each.
    assert.deepEqual(state.legend, ['Poly-1 ε=2', 'CE']);
    assert.match(rawA.color, /rgba\(.*0\.25\)/);
    assert.notEqual(smoothA.color, smoothB.color);
  } finally {
    await v.close();
  }
});

test('live deltas grow the curves in place, once per line, without re-sending history', async () => {
  const v = await openCompare();
  try {
    await v.page.evaluate(() => {
      const c = (window as unknown as { __polyloss: { charts(): Record<string, { chart: { data: { datasets: object[] } } }> } }).__polyloss.charts().compare.chart;
      c.data.datasets.forEach((d, i) => Object.assign(d, { __mark: i }));
    });
    const historiesBefore = v.sent.filter((m) => m.type === 'history').length;
    for (let s = 301; s <= 400; s += 10) v.host.append('a', lines(s, s + 9));
    // A line delivered twice (file read racing the live event) must be drawn once.
    v.host.append('a', lines(395, 402));
    v.host.append('b', lines(251, 260, 100, 0.2));
    await v.settle();
    const appends = v.sent.filter((m) => m.type === 'append');
    assert.ok(appends.length >= 1 && appends.length <= 2, `deltas coalesced into ${appends.length} messages`);
    assert.equal(v.sent.filter((m) => m.type === 'history').length, historiesBefore, 'no history re-sent');

    const state = await chartState(v.page, 'compare');
    const expectedA = lines(1, 402).filter((l): l is StepMetric => l.kind === 'step').map((l) => l.loss);
    const rawA = state.datasets[2];
    assert.deepEqual(rawA.points.map((p) => p[0]), Array.from({ length: 402 }, (_, i) => i + 1), 'steps 1..402 once each');
    assertClose(rawA.points.map((p) => p[1]), expectedA, 'raw a');
    assertClose(state.datasets[0].points.map((p) => p[1]), smoothSeries(rawA.points.map((p) => p[1]), 0.6), 'incremental smoothing equals batch smoothing');
    assert.equal(state.datasets[3].points.length, 260);
    const marks = await v.page.evaluate(() => {
      const c = (window as unknown as { __polyloss: { charts(): Record<string, { chart: { data: { datasets: { __mark?: number }[] } } }> } }).__polyloss.charts().compare.chart;
      return c.data.datasets.map((d) => d.__mark);
    });
    assert.deepEqual(marks, [0, 1, 2, 3], 'the same dataset objects were extended, not replaced');
  } finally {
    await v.close();
  }
});

test('many messages within one frame lead to one chart update; a diverged loss stays NaN', async () => {
  const v = await openCompare();
  try {
    const updates = await v.page.evaluate(async () => {
      const w = window as unknown as { __polyloss: { charts(): Record<string, { chart: { update(mode?: string): void } }>; idle(): Promise<void> } };
      const chart = w.__polyloss.charts().compare.chart;
      const original = chart.update.bind(chart);
      let count = 0;
      chart.update = (mode?: string) => { count++; original(mode); };
      // (No named helpers in here: the page does not have the loader's function-naming shim.)
      const none = new Float64Array(0);
      for (let k = 0; k < 20; k++) {
        // The last loss diverged: NaN arrives as NaN and leaves a gap in the curve.
        const steps = {
          step: new Float64Array([301 + k]), epoch: new Float64Array([4]), t: new Float64Array([6020 + 20 * k]),
          loss: new Float64Array([k === 19 ? NaN : 1]), base: new Float64Array([0.9]), poly: new Float64Array([0.1]), acc: new Float64Array([0.5]),
        };
        const epochs = { epoch: none, step: none, t: none, trainLoss: none, valLoss: none, valAcc: none, ptMean: none, ptQ25: none, ptQ50: none, ptQ75: none };
        // Delivered within one task, so all of them land before the next frame even on a busy machine.
        window.dispatchEvent(new MessageEvent('message', { data: { type: 'append', chunks: [{ runId: 'a', steps, epochs }] } }));
      }
      await new Promise((r) => requestAnimationFrame(r));
      await w.__polyloss.idle();
      return count;
    });
    assert.equal(updates, 1);
    const state = await chartState(v.page, 'compare');
    assert.equal(state.datasets[2].points.length, 320);
    assert.deepEqual(state.datasets[2].points.at(-2), [319, 1]);
    assert.ok(Number.isNaN(state.datasets[2].points.at(-1)![1]));
  } finally {
    await v.close();
  }
});

test('smoothing slider: off draws only raw curves at full colour; other weights match src/core', async () => {
  const v = await openCompare();
  try {
    await setSmoothing(v.page, 0);
    await v.settle();
    let state = await chartState(v.page, 'compare');
    assert.equal(state.datasets.length, 2);
    assert.doesNotMatch(state.datasets[0].color, /0\.25\)/);
    assert.deepEqual(state.legend, ['Poly-1 ε=2', 'CE']);
    assert.equal(await v.page.textContent('.compare-panel .slider-value'), 'off');

    await setSmoothing(v.page, 0.9);
    await v.settle();
    state = await chartState(v.page, 'compare');
    assertClose(state.datasets[0].points.map((p) => p[1]), smoothSeries(stepValues(v.host, 'a'), 0.9), 'smoothed 0.9');
  } finally {
    await v.close();
  }
});

test('x axis by epoch or wall time, log y, and a per-epoch metric', async () => {
  const v = await openCompare();
  try {
    await selectValue(v.page, 'X axis', 'epoch');
    await v.settle();
    let state = await chartState(v.page, 'compare');
    // 1000 planned steps over 10 epochs: step 150 is epoch 1.5.
    assert.deepEqual(state.datasets[2].points[149], [1.5, stepValues(v.host, 'a')[149]]);
    assert.equal(state.xTitle, 'Epoch');

    await selectValue(v.page, 'X axis', 'time');
    await selectValue(v.page, 'Y scale', 'logarithmic');
    await v.settle();
    state = await chartState(v.page, 'compare');
    assert.equal(state.datasets[2].points[149][0], (150 * 20) / 1000);
    assert.equal(state.yScale, 'logarithmic');

    await selectValue(v.page, 'Metric', 'valAcc');
    await v.settle();
    state = await chartState(v.page, 'compare');
    assert.equal(state.datasets.length, 2, 'per-epoch curves are not smoothed');
    assert.deepEqual(state.datasets[0].points.map((p) => p[1]), [1 - 0.8 / 2, 1 - 0.8 / 3, 1 - 0.8 / 4]);
  } finally {
    await v.close();
  }
});

test('decimation keeps long series light: all points held, far fewer drawn', async () => {
  const host = new FakeServices();
  host.addRun(makeRun('long', { totalSteps: 20000 }), lines(1, 20000));
  host.selection.set(['long']);
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['long', 'long'], tab: 'compare' } });
  try {
    const state = await chartState(v.page, 'compare');
    assert.equal(state.datasets[1].points.length, 20000);
    assert.ok(state.datasets[1].drawn < 5000, `drawn ${state.datasets[1].drawn}`);
  } finally {
    await v.close();
  }
});

test('a run of 120,000 steps arrives downsampled: at most 20,000 points, its loss spike among them', async () => {
  const host = new FakeServices();
  const history = lines(1, 120_000, 1000);
  const spike = history.find((l): l is StepMetric => l.kind === 'step' && l.step === 98_765)!;
  spike.loss = 40;
  host.addRun(makeRun('huge', { totalSteps: 120_000 }), history);
  host.selection.set(['huge']);
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['huge'], tab: 'compare' } });
  try {
    const raw = (await chartState(v.page, 'compare')).datasets[1].points;
    assert.ok(raw.length <= 20_000 && raw.length >= 2000, `${raw.length} points`);
    assert.deepEqual(raw[0], [1, stepValues(host, 'huge')[0]]);
    assert.equal(raw[raw.length - 1][0], 120_000);
    assert.deepEqual(raw.find((p) => p[0] === 98_765), [98_765, 40]);
  } finally {
    await v.close();
  }
});

test('with many runs only smoothed curves are drawn; the CSV still holds the raw values', async () => {
  const host = new FakeServices();
  const ids = Array.from({ length: 13 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  ids.forEach((id, i) => host.addRun(makeRun(id, { config: { seed: i + 1 } }), lines(1, 50, 100, i / 10)));
  host.selection.set(ids);
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ids, tab: 'compare' } });
  try {
    const state = await chartState(v.page, 'compare');
    assert.equal(state.datasets.length, 13, 'one smoothed curve per run, no raw ones');
    assert.equal(await v.page.isVisible('.chart-note'), true);
    await v.page.click('vscode-button:has-text("CSV")');
    await v.settle();
    const rows = v.handled.exports[0].data.trim().split('\n').slice(1).map((r) => r.split(','));
    assert.equal(rows.length, 13 * 50);
    const last = rows.filter((r) => r[0] === 'm12');
    assert.deepEqual(last.map((r) => Number(r[5])), stepValues(host, 'm12'));
    assertClose(last.map((r) => Number(r[6])), smoothSeries(stepValues(host, 'm12'), 0.6), 'smoothed column');

    await setSmoothing(v.page, 0);
    await v.settle();
    assert.equal((await chartState(v.page, 'compare')).datasets.length, 13, 'smoothing off: the raw curves');
    assert.equal(await v.page.isVisible('.chart-note'), false);
  } finally {
    await v.close();
  }
});

async function rowOrder(page: Page): Promise<string[]> {
  return page.$$eval('table.runs tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.runId ?? ''));
}

test('runs table: sorts by a column both ways, filters by text, highlights differing settings', async () => {
  const v = await openView(web.browser, web.origin, 'dashboard', workspace());
  try {
    assert.deepEqual(await rowOrder(v.page), ['c', 'b', 'a'], 'newest first');
    await v.page.click('th[data-column=finalLoss] button');
    assert.deepEqual(await rowOrder(v.page), ['c', 'b', 'a'], 'numbers sort high to low first');
    await v.page.click('th[data-column=finalLoss] button');
    assert.deepEqual(await rowOrder(v.page), ['a', 'b', 'c']);
    assert.equal(await v.page.getAttribute('th[data-column=finalLoss]', 'aria-sort'), 'ascending');

    const differing = await v.page.$$eval('th.differs', (ths) => ths.map((t) => (t as HTMLElement).dataset.column));
    assert.deepEqual(differing, ['loss', 'seed']);

    await v.page.fill('vscode-textfield[aria-label="Filter runs"] >> input', 'poly');
    assert.deepEqual(await rowOrder(v.page), ['a']);
    await v.page.fill('vscode-textfield[aria-label="Filter runs"] >> input', 'ce completed');
    assert.deepEqual(await rowOrder(v.page), ['b']);
    const saved = await v.page.evaluate(() => (window as unknown as { __state: { table: unknown } }).__state.table);
    assert.deepEqual(saved, { sort: { column: 'finalLoss', descending: false }, filter: 'ce completed' });
  } finally {
    await v.close();
  }
});

test('a hostile run name is shown as text everywhere', async () => {
  const host = workspace();
  host.selection.set(['a', 'c']);
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['c'], tab: 'detail' } });
  try {
    assert.equal(await v.page.textContent('tr[data-run-id=c] td.name'), HOSTILE);
    assert.equal(await v.page.textContent('.run-detail h2'), HOSTILE);
    assert.equal(await v.page.locator('img').count(), 0);
    assert.equal(await v.page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  } finally {
    await v.close();
  }
});

test('runs table: run folders that cannot be read are listed with their reason, as text, and follow the host', async () => {
  const host = workspace();
  host.brokenRuns = [{ runId: 'x-old', reason: 'run.json has schemaVersion 9, newer than this version of PolyLoss Lab reads (1)' }];
  const v = await openView(web.browser, web.origin, 'dashboard', host);
  try {
    const items = () => v.page.$$eval('.broken-runs li', (lis) => lis.map((li) => li.textContent));
    assert.match(await v.page.textContent('.broken-runs p') ?? '', /One run folder cannot be read/);
    assert.deepEqual(await items(), ['x-old: run.json has schemaVersion 9, newer than this version of PolyLoss Lab reads (1)']);

    host.breakRun('c', `run.json has an unknown status "${HOSTILE}"`);
    await v.settle();
    assert.deepEqual(await rowOrder(v.page), ['b', 'a'], 'the run is gone from the table');
    assert.match(await v.page.textContent('.broken-runs p') ?? '', /2 run folders cannot be read/);
    assert.equal((await items())[1], `c: run.json has an unknown status "${HOSTILE}"`);
    assert.equal(await v.page.locator('img').count(), 0);
    assert.equal(await v.page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    await v.page.screenshot({ path: screenshotPath('dashboard-broken-runs-dark.png') });

    host.brokenRuns = [];
    host.changed.fire(undefined);
    await v.settle();
    assert.equal(await v.page.isVisible('.broken-runs'), false, 'nothing is shown once every folder reads');
    assert.deepEqual(v.consoleErrors, []);
    assert.deepEqual(await v.violations(), []);
  } finally {
    await v.close();
  }
});

test('ticking rows is the shared selection, both ways; keyboard reaches rows', async () => {
  const v = await openView(web.browser, web.origin, 'dashboard', workspace());
  try {
    await v.page.click('tr[data-run-id=c] vscode-checkbox');
    await v.settle();
    assert.deepEqual(v.host.selection.get(), ['a', 'b', 'c']);
    assert.equal(await v.page.getAttribute('tr[data-run-id=c]', 'aria-selected'), 'true');

    v.host.selection.set(['b']);
    await v.settle();
    const ticked = await v.page.$$eval('table.runs tbody tr', (rows) => rows.filter((r) => r.getAttribute('aria-selected') === 'true').map((r) => (r as HTMLElement).dataset.runId));
    assert.deepEqual(ticked, ['b']);
    assert.deepEqual((await chartState(v.page, 'compare')).datasets.map((d) => d.label), ['run b', 'run b']);

    await v.page.focus('tr[data-run-id=c]');
    await v.page.keyboard.press('ArrowDown');
    await v.page.keyboard.press('Space');
    await v.settle();
    assert.deepEqual(v.host.selection.get(), [], 'Space on row b unticks it');
    await v.page.keyboard.press('ArrowDown');
    await v.page.keyboard.press('Enter');
    await v.settle();
    assert.equal(await v.page.textContent('.run-detail h2'), 'run a');
  } finally {
    await v.close();
  }
});

test('run detail: live parts of the loss, Stop/Rerun, per-class bars and confusion matrix', async () => {
  const host = workspace();
  host.addRun(makeRun('live', { status: 'running', startedAt: new Date(Date.now() - 30_000).toISOString(), config: { loss: { type: 'poly', epsilon: -1 } } }), lines(1, 50));
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['live'], tab: 'detail' } });
  try {
    host.append('live', lines(51, 120));
    await v.settle();
    const loss = await chartState(v.page, 'detail.loss');
    assert.deepEqual(loss.legend, ['loss', 'CE part', 'polynomial part']);
    assertClose(loss.datasets[1].points.map((p) => p[1]), stepValues(host, 'live', 'base'), 'CE part');
    assertClose(loss.datasets[2].points.map((p) => p[1]), stepValues(host, 'live', 'poly'), 'poly part');
    const pt = await chartState(v.page, 'detail.pt');
    assert.deepEqual(pt.datasets[1].points.map((p) => p[1]), [1 - 0.6 / 2]);
    const facts = await v.page.textContent('.facts');
    assert.match(facts ?? '', /Progress120 \/ 1000 steps/);
    assert.match(facts ?? '', /Time left\d/);

    await v.page.click('.run-detail vscode-button:has-text("Stop")');
    await v.page.click('.run-detail vscode-button:has-text("Rerun")');
    await v.settle();
    assert.deepEqual(host.calls.slice(-2), ['stop live', 'rerun live']);

    await v.page.evaluate(() => (document.querySelector('vscode-tabs') as HTMLElement & { selectedIndex: number }).selectedIndex = 0);
    await v.page.click('tr[data-run-id=a] td.name');
    await v.settle();
    const bars = await v.page.evaluate(() => {
      const w = window as unknown as { __polyloss: { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: number[] }[] } } } } };
      return w.__polyloss.Chart.getChart(document.querySelector('.results canvas') as HTMLCanvasElement)!.data.datasets[0].data;
    });
    assert.deepEqual(bars, [0.9, 0.8, 0.95]);
    const matrix = await v.page.$$eval('table.confusion tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.textContent))));
    assert.deepEqual(matrix, [[50, 2, 1], [5, 40, 3], [0, 1, 60]]);
    assert.equal(await v.page.getAttribute('.run-detail vscode-button:has-text("Stop")', 'disabled'), '');
  } finally {
    await v.close();
  }
});

test('run detail of a run with 3,000 classes: no chart or table of them, a line saying where they are', async () => {
  const host = workspace();
  host.addRun(makeRun('many', {
    data: { numClasses: 3000, train: 9000, validation: 1000, test: 3000, inputShape: [4] },
    summary: { steps: 10, epochs: 1, testAcc: 0.5, classResultsFile: 'confusion.json' },
  }), lines(1, 10));
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['many'], tab: 'detail' } });
  try {
    await v.settle();
    assert.equal(await v.page.textContent('.results'), 'Per-class accuracy and the confusion matrix of 3000 classes are in confusion.json in the run folder.');
    assert.equal(await v.page.$('.results canvas'), null);
    assert.equal(await v.page.$('table.confusion'), null);
  } finally {
    await v.close();
  }
});

test('exports: the chart as PNG and the drawn series as CSV go to the host', async () => {
  const v = await openCompare();
  try {
    await v.page.click('vscode-button:has-text("PNG")');
    await v.page.click('vscode-button:has-text("CSV")');
    await v.settle();
    const [png, csv] = v.handled.exports;
    assert.equal(png.kind, 'png');
    assert.equal(png.fileName, 'polyloss-loss.png');
    assert.match(png.data, /^data:image\/png;base64,/);
    assert.ok(Buffer.from(png.data.split(',')[1], 'base64').subarray(1, 4).toString() === 'PNG');
    const rows = csv.data.trim().split('\n');
    assert.equal(rows[0], 'run_id,run,legend,metric,step,value,smoothed');
    assert.equal(rows.length, 1 + 300 + 250);
    const first = rows[1].split(',');
    assert.deepEqual(first.slice(0, 5), ['a', 'run a', 'Poly-1 ε=2', 'loss', '1']);
    assert.equal(Number(first[5]), stepValues(v.host, 'a')[0]);
    assert.equal(Number(first[6]), stepValues(v.host, 'a')[0], 'debiased: the first smoothed value is the raw one');
  } finally {
    await v.close();
  }
});

test('restores tab and settings after a reload from the saved state', async () => {
  const first = await openCompare();
  await selectValue(first.page, 'Metric', 'acc');
  await setSmoothing(first.page, 0.3);
  await first.settle();
  const saved = await first.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  await first.close();

  const v = await openView(web.browser, web.origin, 'dashboard', workspace(), { state: saved });
  try {
    assert.equal(await v.page.evaluate(() => (document.querySelector('vscode-tabs') as HTMLElement & { selectedIndex: number }).selectedIndex), 1);
    const state = await chartState(v.page, 'compare');
    assertClose(state.datasets[0].points.map((p) => p[1]), smoothSeries(stepValues(v.host, 'a', 'acc'), 0.3), 'restored metric and smoothing');
  } finally {
    await v.close();
  }
});

test('CSP: an injected inline script is blocked and reported; our own code causes no violation', async () => {
  const v = await openCompare();
  try {
    await v.page.click('vscode-button:has-text("PNG")');
    await v.page.evaluate(() => (document.querySelector('vscode-tabs') as HTMLElement & { selectedIndex: number }).selectedIndex = 0);
    await v.settle();
    assert.deepEqual(await v.violations(), [], 'no violations from the page itself');
    await v.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
    });
    await v.page.waitForFunction(() => (window as unknown as { __violations: unknown[] }).__violations.length > 0);
    assert.equal(await v.page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan), undefined);
    const [violation] = await v.violations();
    assert.match(violation.directive, /^script-src/);
    assert.deepEqual(v.consoleErrors.filter((e) => !/Content Security Policy/.test(e)), []);
  } finally {
    await v.close();
  }
});

test('theme: colours follow the --vscode-* variables and change with the theme; screenshots in light, dark and high contrast', async () => {
  const host = workspace();
  const v = await openView(web.browser, web.origin, 'dashboard', host, { theme: 'dark', focus: { runIds: ['a', 'b'], tab: 'compare' } });
  try {
    await v.page.screenshot({ path: screenshotPath('dashboard-compare-dark.png') });
    const dark = await chartState(v.page, 'compare');
    // Swap the theme as VS Code does: new variables, then a new body class.
    await v.page.evaluate(async (href) => {
      const link = document.querySelector('link[href*="/themes/"]') as HTMLLinkElement;
      await new Promise((resolve) => { link.onload = resolve; link.href = href; });
      document.body.classList.replace('vscode-dark', 'vscode-light');
    }, `${web.origin}/test/webview/themes/light.css`);
    await v.settle();
    const light = await chartState(v.page, 'compare');
    assert.notEqual(light.datasets[0].color, dark.datasets[0].color, 'run colours re-read from the light theme');
    const legendColor = await v.page.evaluate(() => {
      const w = window as unknown as { __polyloss: { charts(): Record<string, { chart: { options: { plugins: { legend: { labels: { color: string } } } } } }> } };
      return w.__polyloss.charts().compare.chart.options.plugins.legend.labels.color;
    });
    assert.equal(legendColor, '#3b3b3b');
    await v.page.screenshot({ path: screenshotPath('dashboard-compare-light.png') });
  } finally {
    await v.close();
  }
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    const runs = await openView(web.browser, web.origin, 'dashboard', workspace(), { theme });
    await runs.page.screenshot({ path: screenshotPath(`dashboard-runs-${theme}.png`) });
    await runs.close();
    const detail = await openView(web.browser, web.origin, 'dashboard', workspace(), { theme, focus: { runIds: ['a'], tab: 'detail' } });
    await detail.page.screenshot({ path: screenshotPath(`dashboard-detail-${theme}.png`), fullPage: true });
    assert.deepEqual(await detail.violations(), []);
    await detail.close();
  }
});
