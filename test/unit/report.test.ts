import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDefaults, type PartialRunConfig } from '../../src/core/config';
import { analyzeRuns, type Analysis, type SummaryMetric } from '../../src/core/grouping';
import {
  epsilonSeries, escapeMarkdown, escapeXml, groupCurves, groupStatistics, groupsCsv, niceTicks, renderCurvesChart,
  renderEpsilonChart, renderReport, renderResultsTable, renderVerdicts, resultsTable,
} from '../../src/core/report';
import type { EpochMetric, RunRecord, RunSummary } from '../../src/core/runFormat';

// ── Fixture: a sweep of CE and Poly-1 ε ∈ {−1, 1, 2} × seeds 1..3 with known test accuracies ───────

const TEST_ACC: Record<string, number[]> = {
  ce: [0.9, 0.91, 0.92],
  '-1': [0.88, 0.885, 0.895],
  '1': [0.92, 0.925, 0.94],
  '2': [0.915, 0.93, 0.935],
};
/** t quantile 0.975 with 2 degrees of freedom (tables: 4.302652729911275). */
const T_975_DF2 = 4.302652729911275;
const HOSTILE = '<script>alert("x")</script> | [click](javascript:alert(1)) *bold* `code`';

let nextId = 0;
function run(partial: PartialRunConfig, summary: Partial<RunSummary>, status: RunRecord['status'] = 'completed'): RunRecord {
  const id = `run-${String(++nextId).padStart(3, '0')}`;
  return {
    schemaVersion: 1, id, name: id, config: withDefaults({ ...partial, sweepId: 'sweep-test' }), status,
    createdAt: '2026-01-01T00:00:00Z', summary: { steps: 10, epochs: 3, ...summary },
  };
}

function sweepRuns(): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const [setting, accs] of Object.entries(TEST_ACC)) {
    accs.forEach((acc, i) => {
      const loss = setting === 'ce' ? { type: 'ce' as const } : { type: 'poly' as const, epsilon: Number(setting) };
      runs.push(run({ loss, seed: i + 1 }, { testAcc: acc, ece: 1 - acc - 0.05 }));
    });
  }
  runs.push(run({ loss: { type: 'poly', epsilon: 2 }, seed: 4 }, {}, 'cancelled'));
  return runs;
}

function analysisOf(metric: SummaryMetric = 'test', runs = sweepRuns()): Analysis {
  return analyzeRuns(runs, { metric });
}

const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const stdOf = (values: number[]) => {
  const m = meanOf(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
};
const pct = (x: number) => (x * 100).toFixed(2);

// ── Escaping ────────────────────────────────────────────────────────────────────────────────────

test('escapeXml makes markup inert in element text and attributes', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('escapeMarkdown keeps HTML, links, definitions, emphasis and table pipes from forming', () => {
  const escaped = escapeMarkdown(HOSTILE);
  assert.ok(!escaped.includes('<'), escaped);
  assert.ok(escaped.includes('&lt;script&gt;'));
  assert.ok(!/(^|[^\\])\|/.test(escaped), `unescaped pipe in ${escaped}`);
  assert.ok(!/[^\\]\]\(/.test(escaped), `a link can still form in ${escaped}`);
  assert.ok(escaped.includes('\\*bold\\*') && escaped.includes('\\`code\\`'));
  assert.equal(escapeMarkdown('![img](http://t/x.png)'), '\\![img\\](http://t/x.png)');
  assert.equal(escapeMarkdown('[x]: http://evil'), '[x\\]: http://evil');
  assert.equal(escapeMarkdown('line\nbreak'), 'line break');
  // What reports write themselves stays readable: intervals, signs, ε labels.
  assert.equal(escapeMarkdown('+0.56 [-4.23, 5.34]'), '+0.56 [-4.23, 5.34]');
  assert.equal(escapeMarkdown('ε=-1'), 'ε=-1');
});

// ── Results table ───────────────────────────────────────────────────────────────────────────────

/** Student's t with 2 df in closed form (independent of the library's incomplete beta): two-sided p and quantile. */
const twoSidedPDf2 = (t: number) => 1 - Math.abs(t) / Math.sqrt(2 + t * t);
const quantileDf2 = (p: number) => (2 * p - 1) / Math.sqrt(2 * p * (1 - p));

/** The paired comparison of ε with CE worked out here: p, and the interval at `level`. */
function pairedByHand(setting: string, level: number) {
  const diffs = TEST_ACC[setting].map((v, i) => v - TEST_ACC.ce[i]);
  const se = stdOf(diffs) / Math.sqrt(3);
  const half = quantileDf2((1 + level) / 2) * se;
  return { diff: meanOf(diffs), p: twoSidedPDf2(meanOf(diffs) / se), low: meanOf(diffs) - half, high: meanOf(diffs) + half };
}

test('the results table shows mean ± std, the t interval and the comparison with CE, in percent', () => {
  const analysis = analysisOf();
  const { columns, rows } = resultsTable(analysis);
  assert.deepEqual(columns.map((c) => c.header), [
    'group', 'n', 'test acc mean ± std (%)', '95% CI', 'baseline', 'difference [CI] (pts)', 'CI level', 'test', 'p', 'Holm p', 'verdict',
  ]);
  assert.deepEqual(rows.map((r) => r[0]), ['CE', 'Poly-1 ε=-1', 'Poly-1 ε=1', 'Poly-1 ε=2']);

  const ce = TEST_ACC.ce;
  const half = (T_975_DF2 * stdOf(ce)) / Math.sqrt(3);
  assert.deepEqual(rows[0], [
    'CE', '3', `${pct(meanOf(ce))} ± ${pct(stdOf(ce))}`, `[${pct(meanOf(ce) - half)}, ${pct(meanOf(ce) + half)}]`, '—', '—', '—', '—', '—', '—', 'baseline',
  ]);
  assert.equal(rows[0][2], '91.00 ± 1.00');

  // Three paired comparisons with CE; by hand their p order ε=-1 < ε=1 < ε=2, so Holm tests ε=1
  // second, at α/2: its interval is the 97.5 % one, and its Holm p is max(3·p(ε=-1), 2·p(ε=1)).
  const [minus1, plus1, plus2] = ['-1', '1', '2'].map((e) => pairedByHand(e, 0.95));
  assert.ok(minus1.p < plus1.p && plus1.p < plus2.p);
  const at975 = pairedByHand('1', 0.975);
  const row = rows[2];
  assert.equal(row[1], '3');
  assert.equal(row[4], 'CE');
  // Half-width 1.0 points → 2 significant digits → 1 decimal (+1.8333 → +1.8).
  assert.equal(row[5], `+${(at975.diff * 100).toFixed(1)} [${(at975.low * 100).toFixed(1)}, ${(at975.high * 100).toFixed(1)}]`);
  assert.equal(row[5], '+1.8 [0.8, 2.9]');
  assert.equal(row[6], '97.5%');
  assert.equal(row[7], 'paired');
  assert.equal(row[8], String(Number(plus1.p.toPrecision(2))));
  assert.equal(row[9], String(Number(Math.max(3 * minus1.p, 2 * plus1.p).toPrecision(2))));
  assert.equal(row[10], 'better');
  assert.equal(rows[1][6], '98.3%');
  assert.equal(rows[3][6], '95%');
  assert.equal(rows[3][9], String(Number(Math.max(3 * minus1.p, 2 * plus1.p, plus2.p).toPrecision(2))));
  // ε = −1 is lower than CE on every seed, with a negative sign and no "-0.0" anywhere.
  assert.match(rows[1][5], /^-\d+\.\d+ \[-\d+\.\d+, -\d+\.\d+\]$/);
  assert.ok(!rows.flat().some((cell) => /-0\.0+(\D|$)/.test(cell)));
});

test('the Markdown table is aligned, escapes hostile labels and has one line per group', () => {
  const analysis = analysisOf();
  analysis.groups[1].label = HOSTILE;
  const table = renderResultsTable(analysis);
  const lines = table.split('\n');
  assert.equal(lines.length, 2 + analysis.groups.length);
  assert.ok(lines.every((l) => l.length === lines[0].length), 'cells are padded to one width per column');
  assert.match(lines[1], /^\| -+ \| -+: \|/);
  assert.ok(!table.includes('<script'), table);
  assert.ok(table.includes('&lt;script&gt;'));
  // Every row has exactly as many unescaped pipes as the header: the label did not add a column.
  const pipes = (line: string) => line.replace(/\\\|/g, '').split('|').length;
  assert.ok(lines.every((l) => pipes(l) === pipes(lines[0])));
});

test('a lastK analysis names its k in the table, the chart and the export', () => {
  const runs = sweepRuns();
  const analysis = analyzeRuns(runs, { metric: 'lastK', k: 2, epochsOf: (r) => epochsFor(r.summary?.testAcc ?? 0, r.config.seed) });
  assert.equal(resultsTable(analysis).columns[2].header, 'val acc of the last 2 epochs mean ± std (%)');
  assert.match(renderEpsilonChart(analysis)!, /aria-label="val acc of the last 2 epochs vs ε"/);
  assert.equal(groupStatistics(analysis).k, 2);
  // The mean of the last 2 of 3 epochs of CE seed 1: valAcc = 0.5 + 0.9 + epoch/10 + 0.01.
  assert.ok(Math.abs(analysis.groups[0].values[0] - meanOf([2, 3].map((e) => 0.5 + 0.9 + e / 10 + 0.01))) < 1e-12);
});

test('verdicts list every comparison as a sentence with its numbers', () => {
  const analysis = analysisOf();
  const verdicts = renderVerdicts(analysis).split('\n');
  assert.equal(verdicts.length, analysis.comparisons.length);
  assert.equal(verdicts.length, 3);
  assert.match(verdicts[1], /^- Poly-1 ε=1 is better than CE: \+1\.\d+ pts \[/);
});

test('report.md has the table, verdicts, linked charts, shared settings and every run, counted or not', () => {
  const runs = sweepRuns();
  const analysis = analysisOf('test', runs);
  const md = renderReport({
    title: 'Sweep <b>sweep-test</b>', analysis, runs,
    charts: [{ file: 'epsilon-response.svg', alt: 'test acc vs ε' }, { file: 'curves val acc.svg', alt: 'curves' }],
    generatedAt: '2026-01-02T03:04:05Z', command: 'polyloss report sweep-test --out r',
  });
  assert.match(md, /^# Sweep &lt;b&gt;sweep-test&lt;\/b&gt;\n/);
  assert.ok(md.includes(renderResultsTable(analysis)));
  assert.ok(md.includes(renderVerdicts(analysis)));
  assert.ok(md.includes('![test acc vs ε](epsilon-response.svg)'));
  assert.ok(md.includes('![curves](curves%20val%20acc.svg)'));
  assert.match(md, /\| dataset +\| digits +\|/);
  assert.match(md, /Varies between runs: loss, seed\./);
  const cancelled = runs.find((r) => r.status === 'cancelled')!;
  assert.match(md, new RegExp(`\\| ${cancelled.id} \\| cancelled +\\| +not counted: status cancelled \\|`));
  const first = runs.find((r) => r.config.loss.type === 'ce' && r.config.seed === 1)!;
  assert.match(md, new RegExp(`\\| CE +\\| +1 \\| ${first.id} \\| completed +\\| +90\\.00 \\|`));
  assert.match(md, /13 runs \(12 counted\) in 4 groups/);
  assert.ok(md.includes('with polyloss report sweep-test --out r.'));
});

test('report.md footer escapes the command line like the rest: no line break, HTML, code span or control character gets through', () => {
  const runs = sweepRuns();
  const md = renderReport({
    title: 'Sweep', analysis: analysisOf('test', runs), runs, charts: [],
    command: 'polyloss report a --out "x`\n\n# Owned\n<img src=x onerror=alert(1)>\u001b[31m\u0007"',
  });
  const footer = md.trimEnd().split('\n').pop()!;
  assert.equal(footer, 'with polyloss report a --out "x\\`  # Owned &lt;img src=x onerror=alert(1)&gt;[31m".');
  assert.doesNotMatch(md, /^# Owned/m);
});

// ── ε-response chart ────────────────────────────────────────────────────────────────────────────

interface PointMarks {
  epsilon: number;
  cx: number;
  cy: number;
  ciX: number;
  ciLowY: number;
  ciHighY: number;
}

function pointMarks(svg: string): PointMarks[] {
  const groups = [...svg.matchAll(/<g class="point" data-series="0" data-epsilon="([^"]+)">(.*?)<\/g>/g)];
  return groups.map(([, epsilon, body]) => {
    const ci = /<line class="ci" x1="([\d.]+)" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)"/.exec(body);
    const mean = /<circle class="mean" cx="([\d.]+)" cy="([\d.]+)"/.exec(body);
    assert.ok(ci && mean, `point ε=${epsilon} lacks its CI bar or mean: ${body}`);
    return { epsilon: Number(epsilon), cx: Number(mean[1]), cy: Number(mean[2]), ciX: Number(ci[1]), ciLowY: Number(ci[2]), ciHighY: Number(ci[3]) };
  });
}

test('the ε chart draws each ε at its mean with its CI bar, in order, the baseline and the best ε', () => {
  const analysis = analysisOf();
  const svg = renderEpsilonChart(analysis)!;
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 720 \d+"/);
  assert.match(svg, /<rect x="0" y="0" width="720" height="\d+" fill="#ffffff"\/>/);

  const marks = pointMarks(svg);
  assert.deepEqual(marks.map((m) => m.epsilon), [-1, 1, 2]);
  for (const m of marks) {
    assert.equal(m.ciX, m.cx, 'the CI bar stands on its point');
    // SVG y grows downwards: the upper end of the interval is drawn above the mean, the lower below.
    assert.ok(m.ciHighY < m.cy && m.cy < m.ciLowY, `ε=${m.epsilon}: ${m.ciHighY} < ${m.cy} < ${m.ciLowY}`);
    // The t interval is symmetric around the mean.
    assert.ok(Math.abs((m.ciLowY - m.cy) - (m.cy - m.ciHighY)) < 0.02);
  }
  assert.ok(marks[0].cx < marks[1].cx && marks[1].cx < marks[2].cx, 'ε increases to the right');
  // Positions are proportional to ε: the gap from 1 to 2 is half the gap from −1 to 1.
  assert.ok(Math.abs((marks[2].cx - marks[1].cx) * 2 - (marks[1].cx - marks[0].cx)) < 0.05);
  // Higher means sit higher: ε=1 (92.83) above ε=2 (92.67) above ε=−1 (88.67).
  assert.ok(marks[1].cy < marks[2].cy && marks[2].cy < marks[0].cy);

  // ε=1 and ε=2 both beat CE after Holm; ε=1 has the higher mean.
  const best = [...svg.matchAll(/<g class="best" data-series="0" data-epsilon="([^"]+)" data-significant="true">/g)];
  assert.deepEqual(best.map((b) => b[1]), ['1']);
  assert.match(svg, /best ε=1</);

  const baseline = /<g class="baseline" data-series="0"><line x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)"/.exec(svg);
  assert.ok(baseline, 'the CE line is drawn');
  const baselineY = Number(baseline[1]);
  assert.equal(baseline[2], baseline[1], 'the baseline is horizontal');
  assert.ok(marks[0].cy > baselineY && marks[1].cy < baselineY, 'CE (91.00) lies between ε=−1 and ε=1');
  assert.match(svg, /baseline CE: 91\.00 ± 1\.00%/);
});

test('with a lower-is-better metric the best ε is the lowest mean among those that beat the baseline', () => {
  const analysis = analysisOf('ece');
  const [series] = epsilonSeries(analysis);
  // ECE = 0.95 − acc, so the most accurate ε (1) has the lowest ECE, and beats CE after Holm.
  assert.equal(series.best?.epsilon, 1);
  assert.equal(series.best?.significant, true);
  // A lower mean that is not significantly better than CE does not make ε=-1 the best ...
  const low = analysisOf('ece');
  low.groups.find((g) => g.label === 'Poly-1 ε=-1')!.mean = 0.0001;
  assert.equal(epsilonSeries(low)[0].best?.epsilon, 1);
  // ... but when no ε beat CE, the lowest mean is marked, as not significant.
  for (const c of low.comparisons) c.kind = 'not-distinguishable';
  const [none] = epsilonSeries(low);
  assert.deepEqual([none.best?.epsilon, none.best?.significant], [-1, false]);
  const svg = renderEpsilonChart(low)!;
  assert.match(svg, /<g class="best" data-series="0" data-epsilon="-1" data-significant="false">/);
  assert.match(svg, />lowest mean ε=-1 \(not significant\)</);
  assert.ok(!svg.includes('>best ε='), 'nothing is called best');
});

test('the ε chart escapes every label and has balanced markup', () => {
  const analysis = analysisOf();
  analysis.groups[0].label = HOSTILE; // the CE baseline: shown in the legend and the tooltip
  analysis.groups[2].label = HOSTILE; // a point: shown in its tooltip
  const svg = renderEpsilonChart(analysis)!;
  assert.ok(!svg.includes('<script'), 'no markup from labels');
  assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  for (const tag of ['g', 'text', 'title']) {
    const opened = svg.match(new RegExp(`<${tag}[ >]`, 'g'))?.length ?? 0;
    assert.equal(svg.match(new RegExp(`</${tag}>`, 'g'))?.length ?? 0, opened, `<${tag}> open/close`);
  }
});

test('series per γ: each sweep setting besides ε gets its own line, labelled by what differs', () => {
  const runs: RunRecord[] = [];
  for (const gamma of [1, 2]) {
    for (const epsilon of [-1, 1]) {
      for (const seed of [1, 2]) runs.push(run({ loss: { type: 'poly-focal', gamma, epsilon }, seed }, { testAcc: 0.8 + gamma / 100 + epsilon / 1000 + seed / 10000 }));
    }
  }
  const series = epsilonSeries(analyzeRuns(runs, { metric: 'test' }));
  assert.deepEqual(series.map((s) => s.label), ['γ=1', 'γ=2']);
  assert.deepEqual(series.map((s) => s.points.map((p) => p.epsilon)), [[-1, 1], [-1, 1]]);
  assert.deepEqual(series.map((s) => s.best?.epsilon), [1, 1]);
});

test('no ε chart without ε groups', () => {
  const runs = [1, 2].flatMap((seed) => [run({ loss: { type: 'ce' }, seed }, { testAcc: 0.9 }), run({ loss: { type: 'focal' }, seed }, { testAcc: 0.91 })]);
  assert.equal(renderEpsilonChart(analyzeRuns(runs, { metric: 'test' })), undefined);
});

// ── Curves ──────────────────────────────────────────────────────────────────────────────────────

function epochsFor(offset: number, seed: number): EpochMetric[] {
  return [1, 2, 3].map((epoch) => ({
    kind: 'epoch', epoch, step: epoch * 10, t: epoch * 100, trainLoss: 2 / epoch, valLoss: 1 / epoch,
    valAcc: 0.5 + offset + epoch * 0.1 + seed * 0.01, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 },
  }));
}

test('curves are the mean ± std over a group\'s runs at each epoch, drawn as a band around a line', () => {
  const analysis = analysisOf();
  const byId = new Map<string, EpochMetric[]>();
  for (const group of analysis.groups) {
    const offset = group.label === 'Poly-1 ε=1' ? 0.05 : 0;
    group.runIds.forEach((id, i) => byId.set(id, epochsFor(offset, i + 1)));
  }
  const curves = groupCurves(analysis, (id) => byId.get(id), 'valAcc');
  assert.equal(curves.length, 4);
  const eps1 = curves.find((c) => c.label === 'Poly-1 ε=1')!;
  const seedsAt2 = [1, 2, 3].map((seed) => 0.5 + 0.05 + 0.2 + seed * 0.01);
  assert.deepEqual(eps1.points.map((p) => p.x), [1, 2, 3]);
  assert.ok(Math.abs(eps1.points[1].mean - meanOf(seedsAt2)) < 1e-12);
  assert.ok(Math.abs(eps1.points[1].std! - stdOf(seedsAt2)) < 1e-12);

  curves[0].label = HOSTILE;
  const svg = renderCurvesChart(curves, { title: 'Validation accuracy', xLabel: 'epoch', yLabel: 'val acc (%)', scale: { percent: true, higherIsBetter: true } });
  assert.ok(!svg.includes('<script'));
  const bands = [...svg.matchAll(/<polygon class="band" points="([^"]+)"/g)];
  assert.equal(bands.length, 4);
  assert.equal(bands[0][1].split(' ').length, 6, 'upper and lower edge at 3 epochs');
  const lines = [...svg.matchAll(/<polyline points="([^"]+)" fill="none" class="mean"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number)));
  assert.equal(lines.length, 4);
  // The better group's line lies above (smaller y) the others at every epoch.
  const better = lines[curves.indexOf(eps1)];
  const other = lines[curves.findIndex((c) => c.label === 'Poly-1 ε=-1')];
  assert.ok(better.every(([, y], i) => y < other[i][1]));
  // The band encloses its line: upper edge above the mean, lower edge below.
  const band = bands[curves.indexOf(eps1)][1].split(' ').map((p) => p.split(',').map(Number));
  better.forEach(([, y], i) => assert.ok(band[i][1] < y && y < band[band.length - 1 - i][1]));
});

test('a one-epoch curve is a dot with its ± std bar', () => {
  const analysis = analysisOf();
  const curves = groupCurves(analysis, (id) => epochsFor(0, Number(id.slice(-1))).slice(0, 1), 'valAcc');
  const svg = renderCurvesChart(curves, { title: 't', xLabel: 'epoch', yLabel: 'y', scale: { percent: true, higherIsBetter: true } });
  assert.equal(svg.match(/<circle class="mean"/g)?.length, 4);
  assert.equal(svg.match(/<line class="band"/g)?.length, 4);
  assert.ok(!svg.includes('<polygon'));
});

test('tick values are round numbers covering the range', () => {
  assert.deepEqual(niceTicks(0.862, 0.951, 5), [0.88, 0.9, 0.92, 0.94]);
  assert.deepEqual(niceTicks(-1.2, 2.3, 6), [-1, 0, 1, 2]);
  assert.deepEqual(niceTicks(-1.2, 2.3, 10), [-1, -0.5, 0, 0.5, 1, 1.5, 2]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

// ── Group statistics export ─────────────────────────────────────────────────────────────────────

test('groups.json holds each group\'s statistics and comparison, in the metric\'s own unit', () => {
  const analysis = analysisOf();
  const exported = groupStatistics(analysis);
  assert.equal(exported.metric, 'test');
  assert.equal(exported.higherIsBetter, true);
  assert.deepEqual(exported.groups.map((g) => [g.label, g.n, g.baseline]), [
    ['CE', 3, null], ['Poly-1 ε=-1', 3, 'CE'], ['Poly-1 ε=1', 3, 'CE'], ['Poly-1 ε=2', 3, 'CE'],
  ]);
  const eps2 = exported.groups[3];
  assert.ok(Math.abs(eps2.mean! - meanOf(TEST_ACC['2'])) < 1e-15);
  assert.deepEqual(eps2.values, TEST_ACC['2']);
  assert.deepEqual(eps2.epsilon, [2]);
  assert.equal(eps2.skipped.length, 1);
  assert.equal(eps2.test, 'paired');
  assert.ok(Math.abs(eps2.difference! - meanOf(TEST_ACC['2'].map((v, i) => v - TEST_ACC.ce[i]))) < 1e-15);
  assert.deepEqual(JSON.parse(JSON.stringify(exported)), exported, 'plain JSON');
});

/** A small RFC 4180 reader, enough to check what groupsCsv writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  return rows;
}

test('groups.csv has one row per group with quoted text and plain numbers', () => {
  const analysis = analysisOf();
  analysis.groups[1].label = 'ε=-1, "odd"\nlabel';
  const rows = parseCsv(groupsCsv(analysis));
  const [header, ...body] = rows;
  assert.equal(body.length, 4);
  assert.ok(body.every((r) => r.length === header.length));
  const col = (name: string) => header.indexOf(name);
  assert.equal(body[1][col('group')], 'ε=-1, "odd"\nlabel');
  assert.equal(body[2][col('baseline')], 'CE');
  assert.equal(body[0][col('metric')], 'test');
  assert.ok(Math.abs(Number(body[3][col('mean')]) - meanOf(TEST_ACC['2'])) < 1e-15);
  assert.equal(body[3][col('seeds')], '1 2 3');
  assert.equal(body[3][col('skipped_runs')], '1');
  assert.equal(body[0][col('difference')], '', 'the baseline has no difference');
});
