import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { analyzeRuns, meanBand, type Analysis, type SummaryMetric } from '../../src/core/grouping';
import { adjustmentNote, epsilonSeries, groupStatistics, groupsCsv, headline, resultsTable } from '../../src/core/report';
import type { EpochMetric, MetricLine, RunRecord, StepMetric } from '../../src/core/runFormat';
import type { LossSpec } from '../../src/core/lossSpec';
import { smoothSeries } from '../../src/core/smoothing';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { assertBundlesBuilt, launchBrowser, openView, screenshotPath, selectValue, startServer, type ViewHarness } from './harness';

/**
 * The dashboard's Sweep tab and Compare's group means in headless Chromium: what the ε-response
 * chart and the results table show is checked against analyzeRuns / epsilonSeries / resultsTable
 * computed here from the same runs, including while the sweep's runs finish.
 */

let browser: Browser;
let server: Server;
let origin: string;

before(async () => {
  assertBundlesBuilt();
  ({ origin, server } = await startServer());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const SWEEP = 'sweep-20260301-101500-abc123';
const EPSILONS = [0, 1, 2];
const SEEDS = [1, 2, 3];

/** A test accuracy that rises with ε up to 1 and varies by seed, so groups differ and CIs are non-trivial. */
function accuracy(epsilon: number | undefined, seed: number): number {
  const e = epsilon ?? -0.4; // CE sits a little below ε = 0 in this made-up sweep
  return 0.8 + 0.03 * e - 0.012 * e * e + 0.004 * seed + 0.002 * ((seed * 7 + Math.round(e * 10)) % 3);
}

/** Three epochs whose validation accuracies depend on the run, for the lastK metric. */
function epochLines(acc: number): EpochMetric[] {
  return [1, 2, 3].map((epoch) => ({
    kind: 'epoch', epoch, step: epoch * 100, t: epoch * 2000, trainLoss: 1 / epoch, valLoss: 1.1 / epoch, valAcc: acc - 0.01 * (3 - epoch),
    pt: { mean: 0.8, q25: 0.7, q50: 0.8, q75: 0.9 },
  }));
}

function sweepRun(loss: LossSpec, seed: number, status: RunRecord['status'] = 'completed'): { record: RunRecord; lines: MetricLine[] } {
  const epsilon = loss.type === 'poly' ? (loss.epsilon as number) : undefined;
  const id = `${epsilon === undefined ? 'ce' : `e${epsilon}`}-s${seed}`;
  const acc = accuracy(epsilon, seed);
  const record = makeRun(id, {
    status,
    config: { loss, seed, sweepId: SWEEP, epochs: 3 },
    ...(status === 'completed' ? { summary: { steps: 300, epochs: 3, testAcc: acc, bestValAcc: acc + 0.01, finalValAcc: acc, ece: 0.05 - acc / 50 } } : {}),
  });
  return { record, lines: status === 'completed' ? epochLines(acc) : [] };
}

/** CE and Poly-1 ε ∈ {0, 1, 2}, seeds 1–3; ε = 2 with seed 3 still running. An unrelated run is not part of it. */
function sweepWorkspace(): FakeServices {
  const host = new FakeServices();
  for (const seed of SEEDS) {
    const ce = sweepRun({ type: 'ce' }, seed);
    host.addRun(ce.record, ce.lines);
    for (const epsilon of EPSILONS) {
      const run = sweepRun({ type: 'poly', epsilon }, seed, epsilon === 2 && seed === 3 ? 'running' : 'completed');
      host.addRun(run.record, run.lines);
    }
  }
  host.addRun(makeRun('loner', { config: { loss: { type: 'poly', epsilon: 5 } }, summary: { steps: 1, epochs: 1, testAcc: 0.1 } }));
  return host;
}

function expectedAnalysis(host: FakeServices, metric: SummaryMetric = 'test'): Analysis {
  const runs = [...host.records.values()].filter((r) => r.config.sweepId === SWEEP);
  const epochsOf = (run: RunRecord) => (host.metrics.get(run.id) ?? []).filter((l): l is EpochMetric => l.kind === 'epoch');
  return analyzeRuns(runs, { metric, k: 3, epochsOf });
}

interface PanelState {
  source: string;
  status: string;
  headline: string;
  hint: string;
  differences?: {
    unit: string;
    differences: { series: number; epsilon: number; difference: number; low?: number; high?: number; kind: string }[];
    bars: { x: number; yLow: number; yHigh: number; color: string }[];
  };
  chart: {
    unit: string;
    series: { label: string; color: string; points: { epsilon: number; mean: number; low?: number; high?: number; n: number }[] }[];
    baselines: { series: number; label: string; y: number; from: number; to: number }[];
    best: { series: number; epsilon: number; y: number; label: string; significant: boolean }[];
    bars: { x: number; yLow: number; yHigh: number; color: string }[];
    legend: string[];
  };
  table: { header: string[]; rows: string[][]; note: string; verdicts: string[] };
}

function panelState(page: Page): Promise<PanelState> {
  return page.evaluate(() => (window as unknown as { __polyloss: { sweep: { describe(): PanelState } } }).__polyloss.sweep.describe());
}

function close(actual: number | undefined, expected: number | undefined, what: string): void {
  assert.ok(actual !== undefined && expected !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} vs ${expected}`);
}

/** The chart's points, baseline and best ε are those of epsilonSeries; the table is resultsTable's. */
function assertShows(state: PanelState, analysis: Analysis): void {
  const [series] = epsilonSeries(analysis);
  const scale = analysis.metricInfo.percent ? 100 : 1;
  assert.equal(state.chart.series.length, 1);
  const shown = state.chart.series[0].points;
  assert.deepEqual(shown.map((p) => p.epsilon), series.points.map((p) => p.epsilon));
  series.points.forEach((p, i) => {
    close(shown[i].mean, p.group.mean! * scale, `mean at ε=${p.epsilon}`);
    close(shown[i].low, p.group.ci!.low * scale, `CI low at ε=${p.epsilon}`);
    close(shown[i].high, p.group.ci!.high * scale, `CI high at ε=${p.epsilon}`);
    assert.equal(shown[i].n, p.group.n);
  });
  assert.equal(state.chart.baselines.length, 1);
  close(state.chart.baselines[0].y, series.baseline!.mean! * scale, 'baseline');
  assert.match(state.chart.baselines[0].label, new RegExp(`^baseline ${series.baseline!.label}: `));
  assert.equal(state.chart.best.length, 1);
  assert.equal(state.chart.best[0].epsilon, series.best!.epsilon);
  assert.equal(state.chart.best[0].significant, series.best!.significant);
  close(state.chart.best[0].y, series.best!.group.mean! * scale, 'best');
  assert.equal(state.chart.bars.length, series.points.length, 'one CI bar per ε');

  const table = resultsTable(analysis);
  assert.deepEqual(state.table.header, table.columns.map((c) => c.header));
  assert.deepEqual(state.table.rows, table.rows);
  assert.deepEqual(state.table.verdicts, analysis.comparisons.map((c) => c.verdict));
}

async function openSweepTab(host: FakeServices, theme: 'dark' | 'light' = 'dark'): Promise<ViewHarness> {
  const runIds = [...host.records.values()].filter((r) => r.config.sweepId === SWEEP).map((r) => r.id);
  return openView(browser, origin, 'dashboard', host, { theme, focus: { runIds, tab: 'sweep' } });
}

test('Sweep tab: ε-response points with CI bars, the CE baseline and the best ε, and the table of analyzeRuns', async () => {
  const host = sweepWorkspace();
  const v = await openSweepTab(host);
  try {
    const state = await panelState(v.page);
    assert.equal(state.source, SWEEP);
    assert.equal(state.chart.unit, '%');
    assertShows(state, expectedAnalysis(host));
    assert.match(state.status, new RegExp(`^ε 0…2 \\+ CE × 3 seeds, digits \\(${SWEEP}\\): 12 runs: 11 completed, 1 running\\.`));
    // The Sweep selector names each sweep by its grid; the id is the option's description (shown under the open list).
    const options = await v.page.locator('vscode-single-select[aria-label="Sweep"] vscode-option').evaluateAll((nodes) =>
      nodes.map((n) => [n.textContent?.trim(), n.getAttribute('description') ?? '']));
    assert.deepEqual(options, [['ε 0…2 + CE × 3 seeds, digits (12 runs)', `Sweep ${SWEEP}`], ['Ticked runs (0)', '']]);
    assert.deepEqual(state.table.rows.map((r) => [r[0], r[1]]), [['CE', '3'], ['Poly-1 ε=0', '3'], ['Poly-1 ε=1', '3'], ['Poly-1 ε=2', '2']]);
    assert.equal(state.chart.best[0].epsilon, 1, 'this sweep peaks at ε = 1');
    assert.deepEqual(await v.page.evaluate(() => (window as unknown as { __polyloss: { sweep: { chart: { chart: { scales: { x: { ticks: { value: number }[] } } } } } } })
      .__polyloss.sweep.chart.chart.scales.x.ticks.map((t) => t.value)), EPSILONS, 'a tick at each ε');
    assert.ok(state.chart.legend.includes('best ε=1'));

    // The bars are drawn where the CIs are, in the series' colour.
    const colours = await v.page.evaluate(({ bars }) => {
      const w = window as unknown as { __polyloss: { sweep: { chart: { chart: { canvas: HTMLCanvasElement; currentDevicePixelRatio: number } } } } };
      const { canvas, currentDevicePixelRatio: ratio } = w.__polyloss.sweep.chart.chart;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim();
      const bgHex = String(ctx.fillStyle);
      const background = [1, 3, 5].map((i) => parseInt(bgHex.slice(i, i + 2), 16));
      return bars.map((bar) => {
        ctx.fillStyle = bar.color;
        const hex = String(ctx.fillStyle);
        const colour = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        const contrast = colour.reduce((sum, c, i) => sum + Math.abs(c - background[i]), 0);
        // The closest pixel to the series colour around the right end of the upper cap (a 1.5 px line is anti-aliased).
        const area = ctx.getImageData(Math.round((bar.x + 3) * ratio), Math.round((bar.yHigh - 1) * ratio), Math.ceil(2 * ratio), Math.ceil(3 * ratio)).data;
        let distance = Infinity;
        for (let i = 0; i < area.length; i += 4) {
          distance = Math.min(distance, Math.abs(area[i] - colour[0]) + Math.abs(area[i + 1] - colour[1]) + Math.abs(area[i + 2] - colour[2]));
        }
        return { distance, contrast, colour, tall: bar.yLow - bar.yHigh };
      });
    }, { bars: state.chart.bars });
    await v.page.screenshot({ path: screenshotPath('sweep-tab-dark.png') });
    for (const c of colours) {
      assert.ok(c.tall > 0, 'a bar spans from the CI low (below) to the CI high (above)');
      // Anti-aliased, but much nearer the series colour than the background is.
      assert.ok(c.distance < c.contrast / 3, `a pixel of the cap is near the series colour ${c.colour} (distance ${c.distance}, background ${c.contrast} away)`);
    }
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});

test('Sweep tab opens with the headline and sample-size hint, and draws the paired differences the verdicts use', async () => {
  const host = sweepWorkspace();
  const v = await openSweepTab(host);
  try {
    const state = await panelState(v.page);
    const analysis = expectedAnalysis(host);
    const head = headline(analysis);
    assert.ok(head.winner, 'in this sweep ε = 1 beats CE after Holm');
    assert.equal(state.headline, head.text);
    assert.match(state.headline, /^Poly-1 ε=1 beat CE by \+\d+\.\d+ pts \[\d+\.\d+, \d+\.\d+\] \(Holm p=0\.\d+, 3 seeds\)\./);
    assert.equal(state.hint, head.hint!.text);
    assert.match(state.hint, /^About \d+ seeds would detect a 0\.5-point difference \(power 0\.8, paired t-test at α = 0\.05\/2 = 0\.025; /);
    // ε=0 differs from CE by the same amount on every seed: no test, so Holm counts 2 comparisons.
    assert.equal(state.table.note, adjustmentNote(analysis));
    // The headline opens the page: above the charts and the table.
    const top = async (selector: string) => (await v.page.locator(selector).boundingBox())!.y;
    assert.ok(await top('.sweep-headline') < await top('.sweep-hint'));
    assert.ok(await top('.sweep-hint') < await top('.sweep-chart'));
    assert.ok(await top('.sweep-chart') < await top('.sweep-difference-chart'));
    assert.ok(await top('.sweep-difference-chart') < await top('.sweep-table'));

    // The difference panel: each ε's difference from CE with the Holm-level interval, in points.
    const [series] = epsilonSeries(analysis);
    const shown = state.differences!;
    assert.equal(shown.unit, 'pts');
    assert.deepEqual(shown.differences.map((d) => [d.epsilon, d.kind]), series.differences.map((d) => [d.epsilon, d.comparison.kind]));
    series.differences.forEach((d, i) => {
      close(shown.differences[i].difference, d.difference * 100, `difference at ε=${d.epsilon}`);
      if (!d.comparison.adjustedCi) {
        assert.equal(shown.differences[i].low, undefined, `no interval without a test (ε=${d.epsilon})`);
        return;
      }
      close(shown.differences[i].low, d.comparison.adjustedCi.low * 100, `interval low at ε=${d.epsilon}`);
      close(shown.differences[i].high, d.comparison.adjustedCi.high * 100, `interval high at ε=${d.epsilon}`);
    });
    const tested = series.differences.filter((d) => d.comparison.adjustedCi);
    assert.equal(tested.length, 2);
    assert.equal(shown.bars.length, tested.length, 'one interval bar per tested ε');
    assert.ok(shown.bars.every((b) => b.yLow > b.yHigh), 'bars run from the low end (below) to the high end (above)');
    await v.page.locator('.sweep-panel').screenshot({ path: screenshotPath('sweep-tab-headline-differences.png') });
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});

test('Sweep tab fills in live: a finished run joins its group, a new run shows in the status', async () => {
  const host = sweepWorkspace();
  const v = await openSweepTab(host, 'light');
  try {
    const before = await panelState(v.page);
    assert.equal(before.chart.series[0].points.find((p) => p.epsilon === 2)?.n, 2);

    const finished = sweepRun({ type: 'poly', epsilon: 2 }, 3);
    host.updateRun(finished.record);
    host.append(finished.record.id, finished.lines);
    const queued = makeRun('e3-s1', { status: 'queued', config: { loss: { type: 'poly', epsilon: 3 }, seed: 1, sweepId: SWEEP, epochs: 3 } });
    host.addRun(queued);
    await v.settle();

    const after = await panelState(v.page);
    assertShows(after, expectedAnalysis(host));
    assert.equal(after.chart.series[0].points.find((p) => p.epsilon === 2)?.n, 3);
    assert.equal(after.chart.series[0].points.some((p) => p.epsilon === 3), false, 'a queued run has no point yet');
    assert.match(after.status, /13 runs: 12 completed, 1 queued/);
    await v.page.screenshot({ path: screenshotPath('sweep-tab-light.png') });
  } finally {
    await v.close();
  }
});

test('Sweep tab: the summary metric picker (best, lastK from the epoch lines, ECE) and the sweep picker', async () => {
  const host = sweepWorkspace();
  const v = await openSweepTab(host);
  try {
    await selectValue(v.page, 'Summary metric', 'best');
    await v.settle();
    assertShows(await panelState(v.page), expectedAnalysis(host, 'best'));

    const subscribedBefore = (await v.posted()).filter((m) => m.type === 'subscribe').length;
    await selectValue(v.page, 'Summary metric', 'lastK');
    await v.settle();
    const posted = (await v.posted()).filter((m) => m.type === 'subscribe');
    assert.ok(posted.length > subscribedBefore, 'lastK asks for the runs\' histories');
    const lastK = await panelState(v.page);
    assertShows(lastK, expectedAnalysis(host, 'lastK'));
    assert.match(lastK.table.header[2], /val acc of the last 3 epochs mean ± std/);

    await selectValue(v.page, 'Summary metric', 'ece');
    await v.settle();
    const ece = await panelState(v.page);
    assertShows(ece, expectedAnalysis(host, 'ece'));
    // Lower is better for ECE: the best ε is the one with the lowest mean.
    const lowest = Math.min(...ece.chart.series[0].points.map((p) => p.mean));
    assert.equal(ece.chart.best[0].y, lowest);

    await selectValue(v.page, 'Sweep', 'ticked');
    await v.settle();
    assert.match(await v.page.textContent('.sweep-panel .empty-state') ?? '', /^No runs ticked\./);
    host.selection.set(['loner']);
    await v.settle();
    const ticked = await panelState(v.page);
    assert.equal(ticked.source, 'ticked');
    assert.deepEqual(ticked.table.rows.map((r) => r[0]), ['Poly-1 ε=5']);
    assert.deepEqual(await v.page.evaluate(() => (window as unknown as { __state: { sweep: unknown } }).__state.sweep), { source: 'ticked', metric: 'ece' });
  } finally {
    await v.close();
  }
});

test('Sweep tab exports the group statistics as the report writes them: groups.csv and groups.json', async () => {
  const host = sweepWorkspace();
  const v = await openSweepTab(host);
  try {
    await v.page.click('.sweep-panel vscode-button:has-text("CSV")');
    await v.page.click('.sweep-panel vscode-button:has-text("JSON")');
    await v.page.click('.sweep-panel vscode-button:has-text("PNG")');
    await v.settle();
    const analysis = expectedAnalysis(host);
    const [csv, json, png] = v.handled.exports;
    assert.deepEqual([csv.kind, csv.fileName], ['csv', `polyloss-${SWEEP}-test.csv`]);
    assert.equal(csv.data, groupsCsv(analysis));
    assert.deepEqual([json.kind, json.fileName], ['json', `polyloss-${SWEEP}-test.json`]);
    assert.deepEqual(JSON.parse(json.data), JSON.parse(JSON.stringify(groupStatistics(analysis))));
    assert.deepEqual([png.kind, png.fileName], ['png', `polyloss-${SWEEP}-test.png`]);
    assert.match(png.data, /^data:image\/png;base64,/);
  } finally {
    await v.close();
  }
});

test('with no sweep the tab says how to start one', async () => {
  const host = new FakeServices();
  host.addRun(makeRun('solo'));
  const v = await openView(browser, origin, 'dashboard', host, { focus: { runIds: [], tab: 'sweep' } });
  try {
    await v.page.click('vscode-tab-header:has-text("Sweep")');
    await v.settle();
    assert.match(await v.page.textContent('.sweep-panel .empty-state') ?? '', /PolyLoss: Run Sweep…/);
    assert.equal(await v.page.isVisible('.sweep-panel canvas'), false);
  } finally {
    await v.close();
  }
});

test('a sweep whose runs are all stopped says there is nothing to draw; one still queued says the chart is coming', async () => {
  const host = new FakeServices();
  for (const seed of [1, 2]) host.addRun(makeRun(`x${seed}`, { status: 'cancelled', config: { loss: { type: 'poly', epsilon: 1 }, seed, sweepId: SWEEP } }));
  const v = await openSweepTab(host);
  try {
    assert.equal(await v.page.isVisible('.sweep-panel canvas'), false);
    assert.equal(await v.page.textContent('.sweep-panel .chart-note'), 'No run of these finished with a test acc: nothing to draw.');
    host.addRun(makeRun('x3', { status: 'queued', config: { loss: { type: 'poly', epsilon: 1 }, seed: 3, sweepId: SWEEP } }));
    await v.settle();
    assert.equal(await v.page.textContent('.sweep-panel .chart-note'), 'No run has finished yet: the chart appears with the first results.');
  } finally {
    await v.close();
  }
});

// ── Compare: group means ────────────────────────────────────────────────────────────────────────

/** Two settings × two seeds, with different step counts so the band stops where the shorter run stops. */
function groupsWorkspace(): FakeServices {
  const host = new FakeServices();
  host.addRun(makeRun('a1', { config: { loss: { type: 'ce' }, seed: 1 } }), lines(1, 200, 100, 0));
  host.addRun(makeRun('a2', { config: { loss: { type: 'ce' }, seed: 2 } }), lines(1, 150, 100, 0.2));
  host.addRun(makeRun('b1', { config: { loss: { type: 'poly', epsilon: 2 }, seed: 1 } }), lines(1, 200, 100, 0.1));
  host.addRun(makeRun('b2', { config: { loss: { type: 'poly', epsilon: 2 }, seed: 2 } }), lines(1, 200, 100, 0.3));
  host.selection.set(['a1', 'a2', 'b1', 'b2']);
  return host;
}

function smoothedLoss(host: FakeServices, runId: string, weight: number): { x: number[]; y: number[] } {
  const steps = host.metrics.get(runId)!.filter((l): l is StepMetric => l.kind === 'step');
  return { x: steps.map((s) => s.step), y: smoothSeries(steps.map((s) => s.loss), weight) };
}

interface BandState {
  datasets: { label: string; part: string; points: [number, number][] }[];
  legend: string[];
}

function bandState(page: Page, panel: 'compare' | 'panel'): Promise<BandState> {
  return page.evaluate((name) => {
    const w = window as unknown as Record<string, Record<string, { groups: { chart: { data: { datasets: { label: string; part: string; _data?: { x: number; y: number }[]; data: { x: number; y: number }[] }[] }; legend?: { legendItems?: { text: string }[] } } } }>>;
    const chart = w.__polyloss[name].groups.chart;
    return {
      datasets: chart.data.datasets.map((d) => ({ label: d.label, part: d.part, points: (d._data ?? d.data).map((p) => [p.x, p.y] as [number, number]) })),
      legend: (chart.legend?.legendItems ?? []).map((i) => i.text),
    };
  }, panel);
}

test('Compare: "Group means" draws mean ± std over seeds per setting (meanBand of the smoothed runs), and exports the bands', async () => {
  const host = groupsWorkspace();
  const v = await openView(browser, origin, 'dashboard', host, { focus: { runIds: ['a1', 'a2', 'b1', 'b2'], tab: 'compare' } });
  try {
    await v.page.click('.compare-panel vscode-checkbox[label="Group means"]');
    await v.settle();
    assert.equal(await v.page.isVisible('.compare-panel .chart-box.tall canvas[aria-label="Comparison chart"]'), false, 'the run curves give way');
    const state = await bandState(v.page, 'compare');
    assert.deepEqual(state.legend, ['CE (2 runs)', 'Poly-1 ε=2 (2 runs)']);
    assert.deepEqual(state.datasets.map((d) => d.part), ['mean', 'lower', 'upper', 'mean', 'lower', 'upper']);
    for (const [g, ids] of [[0, ['a1', 'a2']], [1, ['b1', 'b2']]] as const) {
      const band = meanBand(ids.map((id) => smoothedLoss(host, id, 0.6)));
      const [mean, lower, upper] = state.datasets.slice(g * 3, g * 3 + 3);
      assert.deepEqual(mean.points.map((p) => p[0]), band.map((b) => b.x));
      band.forEach((b, i) => {
        close(mean.points[i][1], b.mean, `group ${g} mean at ${b.x}`);
        close(upper.points[i][1], b.mean + b.std!, `group ${g} upper at ${b.x}`);
        close(lower.points[i][1], b.mean - b.std!, `group ${g} lower at ${b.x}`);
      });
    }
    assert.equal(state.datasets[0].points.length, 150, 'CE stops where its shorter run stops');
    await v.page.screenshot({ path: screenshotPath('compare-group-means-dark.png') });

    await v.page.click('.compare-panel vscode-button:has-text("CSV")');
    await v.settle();
    const rows = v.handled.exports[0].data.trim().split('\n');
    assert.equal(rows[0], 'group,metric,step,n,mean,std');
    assert.equal(rows.length, 1 + 150 + 200);
    assert.deepEqual(await v.page.evaluate(() => (window as unknown as { __state: { compare: { groupMeans: boolean } } }).__state.compare.groupMeans), true);

    await v.page.click('.compare-panel vscode-checkbox[label="Group means"]');
    await v.settle();
    assert.equal(await v.page.isVisible('.compare-panel canvas[aria-label="Comparison chart"]'), true, 'the run curves are back');
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});

test('the sidebar Compare view has the toggle too, and follows live data in group mode', async () => {
  const host = groupsWorkspace();
  const v = await openView(browser, origin, 'compare', host, { width: 320, height: 560, state: { metric: 'loss', xAxis: 'step', yScale: 'linear', smoothing: 0, groupMeans: true } });
  try {
    let state = await bandState(v.page, 'panel');
    assert.equal(state.datasets[0].points.length, 150);
    host.append('a2', lines(151, 180, 100, 0.2));
    await v.settle();
    state = await bandState(v.page, 'panel');
    const band = meanBand(['a1', 'a2'].map((id) => smoothedLoss(host, id, 0)));
    assert.equal(state.datasets[0].points.length, 180);
    band.forEach((b, i) => close(state.datasets[0].points[i][1], b.mean, `mean at ${b.x}`));
    await v.page.screenshot({ path: screenshotPath('compare-view-group-means.png') });
  } finally {
    await v.close();
  }
});
