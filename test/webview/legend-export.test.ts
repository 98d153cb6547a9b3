import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { chartState, openView, screenshotPath, selectValue, useBrowser, type ViewHarness } from './harness';

const web = useBrowser();

function twoSeeds(): FakeServices {
  const host = new FakeServices();
  host.addRun(makeRun('p', { config: { loss: { type: 'poly', epsilon: 2 }, seed: 1 } }), lines(1, 300));
  host.addRun(makeRun('q', { config: { loss: { type: 'poly', epsilon: 2 }, seed: 2 } }), lines(1, 300, 100, 0.3));
  host.selection.set(['p', 'q']);
  return host;
}

/** The host renames a run as the store reports it: the name from user.json, marked as the user's. */
function rename(host: FakeServices, runId: string, name: string): void {
  host.updateRun({ ...host.records.get(runId)!, name, renamed: true });
}

test('a renamed run is named by its new name in the legends of the Compare tab, the Compare view and the CSV export', async () => {
  const host = twoSeeds();
  const dashboard = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['p', 'q'], tab: 'compare' } });
  const sidebar = await openView(web.browser, web.origin, 'compare', host, { width: 320, height: 520 });
  try {
    assert.deepEqual((await chartState(dashboard.page, 'compare')).legend, ['seed 1', 'seed 2']);
    rename(host, 'p', 'my baseline');
    await dashboard.settle();
    await sidebar.settle();
    assert.deepEqual((await chartState(dashboard.page, 'compare')).legend, ['my baseline', 'seed 2']);
    assert.deepEqual((await chartState(sidebar.page, 'compare')).legend, ['my baseline', 'seed 2']);
    await dashboard.page.click('.compare-panel vscode-button:has-text("CSV")');
    await dashboard.settle();
    const csv = dashboard.handled.exports.find((e) => e.kind === 'csv')!.data.split('\n');
    assert.equal(csv[0].split(',')[2], 'legend');
    assert.deepEqual([...new Set(csv.slice(1).filter(Boolean).map((row) => row.split(',')[2]))], ['my baseline', 'seed 2']);
    await sidebar.page.screenshot({ path: screenshotPath('compare-renamed-legend.png') });
  } finally {
    await dashboard.close();
    await sidebar.close();
  }
});

/** Pixels of an exported PNG, decoded in the page. */
async function decodePng(page: Page, dataUrl: string): Promise<{ width: number; height: number; at(x: number, y: number): number[]; dark(y0: number, y1: number): number }> {
  const { width, height, data } = await page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    return { width: img.width, height: img.height, data: Array.from(ctx.getImageData(0, 0, img.width, img.height).data) };
  }, dataUrl);
  const at = (x: number, y: number) => data.slice((y * width + x) * 4, (y * width + x) * 4 + 3);
  return {
    width, height, at,
    /** Pixels darker than mid-grey in rows y0..y1. */
    dark: (y0, y1) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < width; x++) if (at(x, y).every((c) => c < 110)) n++;
      return n;
    },
  };
}

async function exportPng(v: ViewHarness): Promise<string> {
  const before = v.handled.exports.length;
  await v.page.click('.compare-panel vscode-button:has-text("PNG")');
  await v.settle();
  assert.equal(v.handled.exports.length, before + 1);
  const last = v.handled.exports[before];
  assert.equal(last.kind, 'png');
  return last.data;
}

test('PNG export: a title, no hover tooltip, on the theme background or white as chosen', async () => {
  const host = twoSeeds();
  rename(host, 'q', 'tuned');
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['p', 'q'], tab: 'compare' }, width: 1280, height: 800 });
  try {
    const canvas = await v.page.locator('.compare-panel canvas >> nth=0').boundingBox();
    assert.ok(canvas);
    const hover = { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height / 2 };
    await v.page.mouse.move(hover.x, hover.y);
    await v.page.waitForFunction(() => {
      const chart = (window as unknown as { __polyloss: { charts(): { compare: { chart: { tooltip: { opacity: number } } } } } }).__polyloss.charts().compare.chart;
      return chart.tooltip.opacity > 0;
    });
    await v.page.screenshot({ path: screenshotPath('export-hovered.png') });
    const hovered = await exportPng(v);
    await v.page.mouse.move(0, 0);
    await v.settle();
    const still = await exportPng(v);
    assert.equal(hovered, still, 'the export is the same with and without the mouse over the chart: no tooltip in it');
    assert.ok(await v.page.evaluate(() => {
      const chart = (window as unknown as { __polyloss: { charts(): { compare: { chart: { options: { plugins: { title?: { display: boolean } } } } } } } }).__polyloss.charts().compare.chart;
      return chart.options.plugins.title?.display !== true;
    }), 'the chart on screen keeps no title');

    const themed = await decodePng(v.page, hovered);
    assert.deepEqual(themed.at(2, 2), [0x1f, 0x1f, 0x1f], 'the dark theme\'s editor background');

    await selectValue(v.page, 'PNG background', 'light');
    await v.settle();
    const light = await decodePng(v.page, await exportPng(v));
    assert.deepEqual(light.at(2, 2), [255, 255, 255], 'white when chosen');
    assert.deepEqual(light.at(light.width - 3, light.height - 3), [255, 255, 255]);
    assert.ok(light.dark(0, 40) > 200, `a dark title at the top (${light.dark(0, 40)} dark pixels)`);
    const savedSettings = await v.page.evaluate(() => (window as unknown as { __state: { compare: { pngBackground: string } } }).__state.compare.pngBackground);
    assert.equal(savedSettings, 'light', 'the choice is kept');
    // Written out so a person can look at it.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(screenshotPath('export-light.png'), Buffer.from(v.handled.exports.at(-1)!.data.split(',')[1], 'base64'));
    writeFileSync(screenshotPath('export-theme.png'), Buffer.from(hovered.split(',')[1], 'base64'));
  } finally {
    await v.close();
  }
});

test('PNG and CSV are disabled while the Compare tab shows no run', async () => {
  const host = twoSeeds();
  host.selection.set([]);
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: [], tab: 'compare' } });
  try {
    for (const label of ['PNG', 'CSV']) {
      assert.equal(await v.page.locator(`.compare-panel vscode-button:has-text("${label}")`).getAttribute('disabled'), '', `${label} is disabled`);
    }
    await v.page.click('.compare-panel vscode-button:has-text("PNG")', { force: true });
    await v.settle();
    assert.deepEqual(v.handled.exports, []);
    host.selection.set(['p']);
    await v.settle();
    assert.equal(await v.page.locator('.compare-panel vscode-button:has-text("PNG")').getAttribute('disabled'), null, 'enabled once a run is ticked');
  } finally {
    await v.close();
  }
});
