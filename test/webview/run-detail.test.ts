import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { EpochMetric, StepMetric } from '../../src/core/runFormat';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { chartState, openView, screenshotPath, selectValue, useBrowser } from './harness';

const web = useBrowser();

/** The run detail's facts as label → value. */
async function facts(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.facts > div', (divs) => Object.fromEntries(divs.map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent])));
}

const DATA = { numClasses: 10, train: 1257, validation: 270, test: 270, inputShape: [8, 8, 1] };

test('the detail of a training run shows the live final loss and best val acc, and names the split of every result', async () => {
  const host = new FakeServices();
  host.addRun(makeRun('live', { status: 'running', data: DATA }), lines(1, 250));
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['live'], tab: 'detail' }, width: 1280, height: 800 });
  try {
    const received = host.metrics.get('live')!;
    const lastLoss = (received.filter((l) => l.kind === 'step').at(-1) as StepMetric).loss;
    const valAccs = received.filter((l): l is EpochMetric => l.kind === 'epoch').map((e) => e.valAcc);
    let f = await facts(v.page);
    assert.equal(f['Final loss'], `${Number(lastLoss.toPrecision(4))} (last training batch, so far)`);
    assert.equal(f['Best val acc'], `${(Math.max(...valAccs) * 100).toFixed(1)}% (validation split, 270 examples, best of 2 epochs so far)`);
    assert.equal(f['Test acc'], 'after training (test split, 270 examples)');
    await v.page.screenshot({ path: screenshotPath('run-detail-live.png') });

    host.append('live', lines(251, 300));
    await v.settle();
    f = await facts(v.page);
    assert.match(f['Best val acc'], /best of 3 epochs so far/, 'a new epoch updates it');

    host.updateRun({ ...host.records.get('live')!, status: 'completed', summary: { steps: 300, epochs: 3, finalLoss: 0.25, bestValAcc: 0.969, testAcc: 0.957, ece: 0.021 } });
    await v.settle();
    f = await facts(v.page);
    assert.equal(f['Final loss'], '0.25 (last training batch)');
    assert.equal(f['Best val acc'], '96.9% (validation split, 270 examples)');
    assert.equal(f['Test acc'], '95.7% (test split, 270 examples)');
    assert.equal(f.ECE, '0.021 (test split)');
  } finally {
    await v.close();
  }
});

/** The WCAG contrast of two CSS colours given as #rrggbb, rgb() or rgba() (alpha ignored). */
function contrast(a: string, b: string): number {
  const rgb = (c: string): number[] => {
    const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(c);
    if (hex) return hex.slice(1, 4).map((h) => parseInt(h, 16));
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(c);
    if (!m) throw new Error(`not a colour: ${c}`);
    return m.slice(1, 4).map(Number);
  };
  const lum = (c: number[]) => {
    const [r, g, bl] = c.map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(rgb(a)), lum(rgb(b))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

for (const [theme, background] of [['dark', '#1f1f1f'], ['light', '#ffffff']] as const) {
  test(`detail charts (${theme}): distinct Pt quartiles, per-epoch charts count epochs, every curve stands out from the background`, async () => {
    const host = new FakeServices();
    host.addRun(makeRun('r', { status: 'completed', config: { loss: { type: 'poly', epsilon: 1 } }, data: DATA }), lines(1, 400));
    const v = await openView(web.browser, web.origin, 'dashboard', host, { theme, focus: { runIds: ['r'], tab: 'detail' }, width: 1280, height: 800 });
    try {
      const pt = await chartState(v.page, 'detail.pt');
      const color = (label: string) => pt.datasets.find((d) => d.label === label)!.color;
      assert.notEqual(color('25th percentile'), color('75th percentile'), 'the quartiles have their own colours');
      assert.equal(new Set(pt.datasets.map((d) => d.color)).size, 4);
      const dashes = await v.page.evaluate(() => (window as unknown as { __polyloss: { charts(): Record<string, { chart: { data: { datasets: { label: string; borderDash?: number[] }[] } } }> } })
        .__polyloss.charts()['detail.pt'].chart.data.datasets.map((d) => JSON.stringify(d.borderDash ?? [])));
      assert.equal(new Set(dashes).size, 4, `each Pt curve has its own dash (${dashes.join(' ')})`);

      assert.equal((await chartState(v.page, 'detail.loss')).xTitle, 'Step');
      for (const name of ['detail.epochLoss', 'detail.pt']) {
        const state = await chartState(v.page, name);
        assert.equal(state.xTitle, 'Epoch', `${name} counts epochs`);
        assert.deepEqual(state.datasets[0].points.map((p) => p[0]), [1, 2, 3, 4]);
      }

      for (const name of ['detail.loss', 'detail.accuracy', 'detail.epochLoss', 'detail.pt']) {
        for (const d of (await chartState(v.page, name)).datasets) {
          const ratio = contrast(d.color, background);
          assert.ok(ratio >= 3, `${name} "${d.label}" (${d.color}) has contrast ${ratio.toFixed(2)} on ${background}`);
        }
      }
      await v.page.screenshot({ path: screenshotPath(`run-detail-charts-${theme}.png`), fullPage: true });
    } finally {
      await v.close();
    }
  });
}

test('a log y axis labels only 1, 2 and 5 × 10^k, briefly, without overlapping', async () => {
  const host = new FakeServices();
  host.addRun(makeRun('a', { config: { loss: { type: 'ce' } } }), lines(1, 2000));
  host.selection.set(['a']);
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['a'], tab: 'compare' }, width: 1280, height: 800 });
  try {
    await selectValue(v.page, 'Y scale', 'logarithmic');
    await v.settle();
    const ticks = await v.page.evaluate(() => {
      const chart = (window as unknown as { __polyloss: { charts(): { compare: { chart: { scales: { y: { ticks: { value: number; label: string }[]; getPixelForValue(v: number): number } } } } } } })
        .__polyloss.charts().compare.chart;
      const y = chart.scales.y;
      return y.ticks.filter((t) => t.label !== '').map((t) => ({ label: String(t.label), px: y.getPixelForValue(t.value) }));
    });
    assert.ok(ticks.length >= 2, `labelled ticks: ${ticks.map((t) => t.label).join(' ')}`);
    for (const t of ticks) assert.match(t.label, /^(0\.0*[125]|[125]0*)$/, `"${t.label}" is 1, 2 or 5 × 10^k, briefly`);
    for (let i = 1; i < ticks.length; i++) assert.ok(Math.abs(ticks[i].px - ticks[i - 1].px) >= 12, `${ticks[i - 1].label} and ${ticks[i].label} do not overlap`);
    await v.page.screenshot({ path: screenshotPath('compare-log-axis.png') });
  } finally {
    await v.close();
  }
});

test('the detail of a script run shows the end of output.log, follows it as it grows, and shows markup in it as text', async () => {
  const host = new FakeServices();
  const script = makeRun('script', { status: 'running' });
  host.outputs.set('script', '# polyloss: python3 train.py\nepoch 1: loss 0.91\n');
  host.addRun({ ...script, config: { command: { argv: ['python3', 'train.py'], cwd: '/work/project' }, loss: { type: 'poly', epsilon: 1 }, seed: 1 } }, lines(1, 50));
  host.addRun(makeRun('builtin', { status: 'completed' }), lines(1, 50));
  const v = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['script'], tab: 'detail' }, width: 1280, height: 800 });
  const shown = (): Promise<string> => v.page.locator('.run-detail .output-tail .output-text').textContent().then((t) => t ?? '');
  try {
    await v.page.waitForFunction(() => document.querySelector('.output-tail .output-text')?.textContent?.includes('epoch 1: loss 0.91'), undefined, { timeout: 5000 });
    assert.equal(await shown(), '# polyloss: python3 train.py\nepoch 1: loss 0.91\n');
    assert.equal(await v.page.locator('.run-detail .output-tail').isVisible(), true);
    assert.equal(await v.page.locator('.run-detail vscode-button:has-text("Output")').isVisible(), true, 'the Output button opens the whole file');

    // The script prints on, markup and all: the detail follows within the host's poll, as plain text.
    const hostile = '<script>window.__injected = 1</script><img src=x onerror="window.__injected = 2"><b>bold</b>';
    host.outputs.set('script', `${host.outputs.get('script')}epoch 2: loss 0.52\n${hostile}\n`);
    await v.page.waitForFunction(() => document.querySelector('.output-tail .output-text')?.textContent?.includes('epoch 2: loss 0.52'), undefined, { timeout: 5000 });
    assert.equal(await shown(), `# polyloss: python3 train.py\nepoch 1: loss 0.91\nepoch 2: loss 0.52\n${hostile}\n`);
    assert.equal(await v.page.locator('.output-tail .output-text *').count(), 0, 'no element was made from the log');
    assert.equal(await v.page.evaluate(() => (window as unknown as { __injected?: number }).__injected), undefined, 'nothing in the log ran');
    assert.deepEqual(await v.violations(), []);
    await v.page.screenshot({ path: screenshotPath('run-detail-output.png') });

    await v.page.click('.run-detail vscode-button:has-text("Output")');
    await v.settle();
    assert.ok((await v.posted()).some((m) => m.type === 'showOutput' && m.runId === 'script'));

    // A built-in run has no output.log: no output section, and the host stops reading the script's.
    const showInDetail = async (runId: string): Promise<void> => {
      await v.page.evaluate((id) => (window as unknown as { __polyloss: { detail: { show(id: string): void } } }).__polyloss.detail.show(id), runId);
      await v.settle();
    };
    await showInDetail('builtin');
    assert.equal(await v.page.locator('.run-detail .output-tail').isVisible(), false);
    assert.deepEqual((await v.posted()).filter((m) => m.type === 'watchOutput').map((m) => m.runId), ['script', null]);

    // A script run without output.log says why: it has not started yet, or it was started by hand.
    const command = host.records.get('script')!.config;
    host.addRun({ ...makeRun('by-hand', { status: 'completed' }), config: command });
    host.addRun({ ...makeRun('waiting', { status: 'queued' }), config: command });
    await v.settle();
    const note = async (runId: string): Promise<string> => {
      await showInDetail(runId);
      return await v.page.locator('.run-detail .output-tail .chart-note').textContent() ?? '';
    };
    assert.equal(await note('by-hand'), 'No output.log: this script was not started by PolyLoss Lab, so what it printed went where it ran.');
    assert.equal(await note('waiting'), 'No output yet: output.log appears once the command starts.');
    assert.equal(await v.page.locator('.run-detail .output-tail .output-text').isVisible(), false);
  } finally {
    await v.close();
  }
});
