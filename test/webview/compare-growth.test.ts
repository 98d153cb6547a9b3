import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { openView, useBrowser } from './harness';

const web = useBrowser();

test('sidebar Compare view: a run ticked while another streams joins the chart; appends keep drawing, without errors', async () => {
  const host = new FakeServices();
  host.addRun(makeRun('r31', { status: 'running', config: { seed: 31 } }), lines(1, 200));
  host.addRun(makeRun('r32', { status: 'running', config: { seed: 32 } }), lines(1, 200));
  host.selection.set(['r31']);
  const v = await openView(web.browser, web.origin, 'compare', host, { width: 320, height: 600 });
  try {
    let step = 200;
    for (let batch = 0; batch < 30; batch++) {
      // Ticking the second run re-orders the chart's datasets; appends arrive before the next frame draws.
      if (batch === 5) host.selection.set(['r31', 'r32']);
      for (const id of ['r31', 'r32']) host.append(id, lines(step + 1, step + 100));
      step += 100;
      if (batch % 3 === 0) await v.settle();
    }
    await v.settle();
    const state = await v.page.evaluate(() => (window as unknown as { __polyloss: { chartState(n: string): { legend: string[]; datasets: { points: unknown[] }[] } } }).__polyloss.chartState('compare'));
    assert.deepEqual(host.logs.filter((l) => l.startsWith('error')), []);
    assert.deepEqual(state.legend, ['seed 31', 'seed 32']);
  } finally {
    await v.close();
  }
});
