import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { openView, screenshotPath, useBrowser } from './harness';

const web = useBrowser();

/** Two settings (CE and Poly-1 ε=2), two seeds each, all ticked. */
function fourRuns(): FakeServices {
  const host = new FakeServices();
  for (const [id, loss, seed, offset] of [['c1', 'ce', 1, 0], ['c2', 'ce', 2, 0.2], ['p1', 'poly', 1, 0.5], ['p2', 'poly', 2, 0.8]] as const) {
    host.addRun(makeRun(id, { config: { loss: loss === 'ce' ? { type: 'ce' } : { type: 'poly', epsilon: 2 }, seed } }), lines(1, 300, 100, offset));
  }
  host.selection.set(['c1', 'c2', 'p1', 'p2']);
  return host;
}

test('sidebar Compare view: group means have a legend and a visible ± std band; metric names fit; the empty hint is on top', async () => {
  const host = fourRuns();
  const v = await openView(web.browser, web.origin, 'compare', host, { width: 320, height: 600, state: { metric: 'loss', xAxis: 'step', yScale: 'linear', smoothing: 0.6, groupMeans: true } });
  try {
    const groups = await v.page.evaluate(() => {
      const chart = (window as unknown as { __polyloss: { panel: { groups: { chart: {
        options: { plugins: { legend: { display: boolean } } };
        legend: { legendItems: { text: string }[] };
        data: { datasets: { part: string; fill: unknown; backgroundColor: string; data: { y: number }[] }[] };
      } } } } }).__polyloss.panel.groups.chart;
      return {
        legend: chart.options.plugins.legend.display ? chart.legend.legendItems.map((i) => i.text) : [],
        bands: chart.data.datasets.filter((d) => d.part === 'upper').map((d) => ({ fill: d.fill, color: d.backgroundColor })),
        widths: chart.data.datasets.filter((d) => d.part === 'upper').map((u, i) => {
          const lower = chart.data.datasets.filter((d) => d.part === 'lower')[i];
          return u.data[150].y - lower.data[150].y;
        }),
      };
    });
    assert.deepEqual(groups.legend, ['CE (2 runs)', 'Poly-1 ε=2 (2 runs)'], 'each group is named in the legend');
    assert.equal(groups.bands.length, 2);
    for (const band of groups.bands) {
      assert.equal(band.fill, '-1', 'the upper edge fills down to the lower one');
      const alpha = Number(/rgba\([^)]*,\s*([\d.]+)\)/.exec(band.color)?.[1]);
      assert.ok(alpha >= 0.25, `the band is visible (alpha ${alpha})`);
    }
    assert.ok(groups.widths.every((w) => w > 0.1), `the bands have width (${groups.widths.map((w) => w.toFixed(3)).join(', ')})`);
    await v.page.screenshot({ path: screenshotPath('compare-sidebar-group-means.png') });

    // The metric picker is as wide as the view, wide enough for the longest metric name.
    const fit = await v.page.evaluate(() => {
      const select = document.querySelector('vscode-single-select[aria-label="Metric"]') as HTMLElement;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = getComputedStyle(select).font;
      const longest = Math.max(...[...select.querySelectorAll('vscode-option')].map((o) => ctx.measureText(o.textContent ?? '').width));
      return { width: select.getBoundingClientRect().width, longest };
    });
    assert.ok(fit.width >= fit.longest + 24, `metric picker ${fit.width.toFixed(0)} px holds the longest name (${fit.longest.toFixed(0)} px) and its arrow`);

    // Nothing ticked, in a short view: the hint is the first thing shown.
    host.selection.set([]);
    await v.page.setViewportSize({ width: 320, height: 260 });
    await v.settle();
    const hint = await v.page.locator('.empty-state').boundingBox();
    assert.ok(hint && hint.y + hint.height <= 260, `the hint is above the fold (bottom at ${hint && hint.y + hint.height} of 260 px)`);
    assert.match(await v.page.textContent('.empty-state') ?? '', /No runs ticked/);
    await v.page.screenshot({ path: screenshotPath('compare-sidebar-empty.png') });
  } finally {
    await v.close();
  }
});
