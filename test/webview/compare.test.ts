import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochMetric, StepMetric } from '../../src/core/runFormat';
import { smoothSeries } from '../../src/core/smoothing';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { chartState, openView, screenshotPath, selectValue, useBrowser } from './harness';

const web = useBrowser();

function twoRuns(): FakeServices {
  const host = new FakeServices();
  host.addRun(makeRun('p', { status: 'running', config: { loss: { type: 'poly', epsilon: 2 }, seed: 1 } }), lines(1, 120));
  host.addRun(makeRun('q', { status: 'running', config: { loss: { type: 'poly', epsilon: 2 }, seed: 2 } }), lines(1, 80, 100, 0.3));
  return host;
}

const SIDEBAR = { width: 320, height: 520 };

test('empty state says how to tick runs; ticking in the tree shows them, live', async () => {
  const host = twoRuns();
  const v = await openView(web.browser, web.origin, 'compare', host, SIDEBAR);
  try {
    assert.match(await v.page.textContent('.empty-state') ?? '', /Tick the checkboxes of runs in the Runs view/);
    assert.equal(await v.page.isVisible('canvas'), false);
    await v.page.screenshot({ path: screenshotPath('compare-empty-dark.png') });

    host.selection.set(['p', 'q']);
    await v.settle();
    assert.equal(await v.page.isVisible('.empty-state'), false);
    let state = await chartState(v.page, 'compare');
    assert.deepEqual(state.legend, ['seed 1', 'seed 2']);

    host.append('p', lines(121, 200));
    host.append('q', lines(81, 90, 100, 0.3));
    await v.settle();
    state = await chartState(v.page, 'compare');
    const rawP = state.datasets[2].points;
    assert.deepEqual(rawP.map((p) => p[0]), Array.from({ length: 200 }, (_, i) => i + 1));
    const expected = lines(1, 200).filter((l): l is StepMetric => l.kind === 'step').map((l) => l.loss);
    const smoothP = state.datasets[0].points.map((p) => p[1]);
    const reference = smoothSeries(expected, 0.6);
    assert.equal(smoothP.length, reference.length);
    smoothP.forEach((y, i) => assert.ok(Math.abs(y - reference[i]) < 1e-9, `smoothed point ${i}`));
    assert.equal(state.datasets[3].points.length, 90);
    await v.page.screenshot({ path: screenshotPath('compare-live-dark.png') });
  } finally {
    await v.close();
  }
});

test('metric picker switches to a per-epoch metric; Open in Dashboard asks the host', async () => {
  const host = twoRuns();
  host.selection.set(['p', 'q']);
  const v = await openView(web.browser, web.origin, 'compare', host, { ...SIDEBAR, theme: 'light' });
  try {
    await v.page.evaluate(() => {
      const select = document.querySelector('vscode-single-select[aria-label="Metric"]') as HTMLElement & { value: string };
      select.value = 'valLoss';
      select.dispatchEvent(new Event('change'));
    });
    await v.settle();
    const state = await chartState(v.page, 'compare');
    const epochs = host.metrics.get('p')!.filter((l): l is EpochMetric => l.kind === 'epoch');
    assert.deepEqual(state.datasets[0].points, epochs.map((e) => [e.step, e.valLoss]));
    assert.equal(state.datasets[1].points.length, 0, 'q has no finished epoch yet');
    assert.deepEqual(await v.page.evaluate(() => (window as unknown as { __state: unknown }).__state), { metric: 'valLoss', xAxis: 'step', yScale: 'linear', smoothing: 0.6 });
    await v.page.screenshot({ path: screenshotPath('compare-light.png') });

    await v.page.click('vscode-button:has-text("Open in Dashboard")');
    await v.settle();
    assert.deepEqual(v.handled.opened, [['p', 'q']]);
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});

test('keys a script logged (lr) join the metric picker once their run is shown, and draw like any metric', async () => {
  const host = new FakeServices();
  const scriptLines = lines(1, 30).map((l) => (l.kind === 'step' ? { ...l, lr: 0.01 / l.step } : l));
  host.addRun(makeRun('s', { status: 'running', config: { loss: { type: 'poly', epsilon: 1 }, seed: 1 } }), scriptLines);
  const v = await openView(web.browser, web.origin, 'compare', host, SIDEBAR);
  try {
    const offered = () => v.page.evaluate(() => [...document.querySelectorAll('vscode-single-select[aria-label="Metric"] vscode-option')]
      .map((o) => o.getAttribute('value')));
    assert.ok(!(await offered()).includes('step:lr'), 'nothing logged is offered before its run is shown');
    host.selection.set(['s']);
    await v.settle();
    const options = await offered();
    assert.ok(options.includes('loss') && options.includes('step:lr'), JSON.stringify(options));
    await selectValue(v.page, 'Metric', 'step:lr');
    await v.settle();
    const state = await chartState(v.page, 'compare');
    const steps = scriptLines.filter((l): l is StepMetric & { lr: number } => l.kind === 'step');
    assert.deepEqual(state.datasets.at(-1)!.points, steps.map((l) => [l.step, l.lr]));
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});
