import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { FakeServices } from './fakeHost';
import { makeRun } from './fixtures';
import { openView, screenshotPath, useBrowser, type Theme } from './harness';

const web = useBrowser();

/**
 * Runs that differ in many settings (loss, dataset, model, optimizer, batch, epochs, seed), with
 * long names, as a first hour of trying things leaves them.
 */
function manyRuns(): FakeServices {
  const host = new FakeServices();
  const losses = [{ type: 'ce' as const }, { type: 'poly' as const, epsilon: 2 }, { type: 'focal' as const, gamma: 2 }];
  for (let i = 0; i < 6; i++) {
    const seed = [1, 2, 12, 1, 2, 3][i];
    host.addRun(makeRun(`r${i}`, {
      name: `${['CE', 'Poly-1 ε=2', 'Focal γ=2'][i % 3]} on the handwritten digits, seed ${seed}`,
      config: {
        loss: losses[i % 3], seed, epochs: 5 + i, batchSize: 32 * (1 + (i % 2)),
        dataset: { name: i < 3 ? 'digits' : 'mnist' }, model: i < 3 ? { type: 'mlp', hidden: [128] } : { type: 'cnn', filters: [16, 32] },
        optimizer: { type: 'adam', learningRate: 0.001 * (1 + i) },
      },
      summary: { steps: 300, epochs: 5 + i, finalLoss: 0.3 + i / 10, bestValAcc: 0.9 - i / 100, testAcc: 0.88 - i / 100, ece: 0.03 },
    }));
  }
  return host;
}

async function rowIds(page: Page): Promise<string[]> {
  return page.$$eval('table.runs tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.runId ?? ''));
}

async function filterBy(page: Page, text: string): Promise<void> {
  await page.fill('vscode-textfield[aria-label="Filter runs"] >> input', text);
}

/** The CSS colour a --vscode-* variable resolves to, as getComputedStyle reports colours. */
function resolvedColor(page: Page, variable: string): Promise<string> {
  return page.evaluate((v) => {
    const probe = document.createElement('span');
    probe.style.color = `var(${v})`;
    document.body.append(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  }, variable);
}

for (const theme of ['dark', 'light'] as Theme[]) {
  test(`runs table at 1280×800 (${theme}): results first, the name stays while scrolling, differing settings readable`, async () => {
    const v = await openView(web.browser, web.origin, 'dashboard', manyRuns(), { theme, width: 1280, height: 800 });
    try {
      const columns = await v.page.$$eval('table.runs thead th[data-column]', (ths) => ths.map((t) => (t as HTMLElement).dataset.column));
      assert.deepEqual(columns.slice(0, 6), ['name', 'status', 'testAcc', 'bestValAcc', 'finalLoss', 'ece'], 'the results come right after the name and status');
      for (const id of ['testAcc', 'bestValAcc', 'finalLoss']) {
        const box = await v.page.locator(`th[data-column=${id}]`).boundingBox();
        assert.ok(box && box.x + box.width <= 1280, `${id} is on screen at 1280 px (right edge ${box && box.x + box.width})`);
      }

      // Every setting differs somewhere: marked in the header, and the body stays on the editor background.
      const differing = await v.page.$$eval('th.differs', (ths) => ths.map((t) => (t as HTMLElement).dataset.column));
      assert.deepEqual(differing, ['loss', 'dataset', 'model', 'optimizer', 'batch', 'epochs', 'seed']);
      const cellBackgrounds = await v.page.$$eval('table.runs td.differs', (tds) => [...new Set(tds.map((td) => getComputedStyle(td).backgroundColor))]);
      assert.deepEqual(cellBackgrounds, ['rgba(0, 0, 0, 0)'], 'differing cells are not tinted');
      assert.equal(await v.page.$eval('th.differs', (th) => getComputedStyle(th).color), await resolvedColor(v.page, '--vscode-textLink-foreground'));
      await v.page.screenshot({ path: screenshotPath(`runs-table-${theme}.png`) });

      // Two runs that share some settings: the shared ones are dimmed, the differing ones marked.
      await filterBy(v.page, 'loss ce');
      assert.deepEqual(await rowIds(v.page), ['r3', 'r0']);
      const classes = await v.page.$$eval('tr[data-run-id=r0] td[data-column]', (tds) =>
        Object.fromEntries(tds.map((td) => [(td as HTMLElement).dataset.column, td.className])));
      assert.match(classes.seed, /\bsame\b/);
      assert.match(classes.loss, /\bsame\b/);
      assert.match(classes.dataset, /\bdiffers\b/);
      assert.doesNotMatch(classes.testAcc, /same|differs/, 'results are never dimmed');
      assert.equal(await v.page.$eval('tr[data-run-id=r0] td[data-column=seed]', (td) => getComputedStyle(td).color),
        await resolvedColor(v.page, '--vscode-descriptionForeground'));

      // Narrow and scrolled to the far right: the tick box and the name stay where they were, opaque.
      await filterBy(v.page, '');
      await v.page.setViewportSize({ width: 700, height: 800 });
      const name = v.page.locator('tr[data-run-id=r1] td.name');
      const before = await name.boundingBox();
      const scrolled = await v.page.$eval('.table-wrap', (w) => { w.scrollLeft = w.scrollWidth; return w.scrollLeft; });
      assert.ok(scrolled > 200, `the table scrolls sideways at 700 px (${scrolled} px)`);
      const after = await name.boundingBox();
      assert.equal(after?.x, before?.x, 'the name column does not move');
      assert.notEqual(await name.evaluate((td) => getComputedStyle(td).backgroundColor), 'rgba(0, 0, 0, 0)', 'and hides what scrolls under it');
      await v.page.screenshot({ path: screenshotPath(`runs-table-${theme}-scrolled.png`) });
    } catch (e) {
      await v.page.screenshot({ path: screenshotPath(`runs-table-${theme}-failed.png`) });
      throw e;
    } finally {
      await v.close();
    }
  });
}

test('runs table: the column chooser hides and shows columns, and the choice is kept', async () => {
  const host = manyRuns();
  const v = await openView(web.browser, web.origin, 'dashboard', host, { width: 1280, height: 800 });
  try {
    await v.page.click('.column-chooser summary');
    const offered = await v.page.$$eval('.column-chooser vscode-checkbox', (boxes) => boxes.map((b) => b.getAttribute('label')));
    assert.ok(!offered.includes('Run') && offered.includes('Optimizer') && offered.includes('Test acc'), `every column but the name is offered (${offered.join(', ')})`);
    await v.page.screenshot({ path: screenshotPath('runs-table-columns.png') });
    for (const label of ['Optimizer', 'Created']) await v.page.click(`.column-chooser vscode-checkbox[label="${label}"]`);
    const shown = await v.page.$$eval('table.runs thead th[data-column]', (ths) => ths.map((t) => (t as HTMLElement).dataset.column));
    assert.ok(!shown.includes('optimizer') && !shown.includes('created') && shown.includes('seed'), `Optimizer and Created are hidden (${shown.join(', ')})`);
    assert.equal(await v.page.$$eval('tr[data-run-id=r0] td[data-column]', (tds) => tds.length), shown.length, 'rows have the same columns as the header');
    const saved = await v.page.evaluate(() => (window as unknown as { __state: { table: { hidden: string[] } } }).__state.table.hidden);
    assert.deepEqual(saved, ['optimizer', 'created']);
    await v.page.click('.column-chooser vscode-checkbox[label="Optimizer"]');
    assert.equal(await v.page.locator('th[data-column=optimizer]').count(), 1, 'ticking it again brings it back');
  } finally {
    await v.close();
  }
  // Reopened with the saved state, the hidden column stays hidden.
  const again = await openView(web.browser, web.origin, 'dashboard', host, { state: { table: { sort: { column: 'created', descending: true }, filter: '', hidden: ['ece'] } } });
  try {
    assert.equal(await again.page.locator('th[data-column=ece]').count(), 0);
    assert.equal(await again.page.locator('.column-chooser vscode-checkbox[label="ECE"]').evaluate((b) => (b as HTMLElement & { checked: boolean }).checked), false);
  } finally {
    await again.close();
  }
});

test('runs table filter: a setting and its value match that setting only; clear button; a message when nothing matches', async () => {
  const v = await openView(web.browser, web.origin, 'dashboard', manyRuns(), { width: 1280, height: 800 });
  try {
    const clear = v.page.locator('.filter-clear');
    assert.equal(await clear.isVisible(), false, 'no clear button while the filter is empty');
    await filterBy(v.page, 'seed 1');
    assert.deepEqual((await rowIds(v.page)).sort(), ['r0', 'r3'], '"seed 1" is seed 1 only, not 2 or 12');
    await filterBy(v.page, 'seed:12');
    assert.deepEqual(await rowIds(v.page), ['r2']);
    await filterBy(v.page, 'focal mnist');
    assert.deepEqual(await rowIds(v.page), ['r5'], 'plain words must all match');
    await filterBy(v.page, 'poly');
    assert.deepEqual((await rowIds(v.page)).sort(), ['r1', 'r4']);
    await filterBy(v.page, 'epochs 7');
    assert.deepEqual(await rowIds(v.page), ['r2']);

    await filterBy(v.page, 'seed 9');
    assert.deepEqual(await rowIds(v.page), []);
    assert.equal((await v.page.locator('.table-empty').textContent())?.trim(), 'No run matches "seed 9". Clear the filter');
    assert.equal(await clear.isVisible(), true);
    await v.page.screenshot({ path: screenshotPath('runs-table-no-match.png') });
    await v.page.click('.table-empty button');
    assert.equal((await rowIds(v.page)).length, 6, 'the message\'s button clears the filter');
    await filterBy(v.page, 'ce');
    await clear.click();
    assert.equal((await rowIds(v.page)).length, 6, 'so does the clear button');
    assert.equal(await v.page.inputValue('vscode-textfield[aria-label="Filter runs"] >> input'), '');
    assert.equal(await v.page.locator('.table-empty p').count(), 0);
  } finally {
    await v.close();
  }
});
