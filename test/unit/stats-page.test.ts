import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { resultsText } from '../../src/cli/commands/report';
import { withDefaults, type PartialRunConfig } from '../../src/core/config';
import { SUMMARY_METRICS, analyzeRuns } from '../../src/core/grouping';
import {
  clippingNote, epsilonSeries, headline, renderEpsilonChart, renderReport, renderResults, resultsTable, sampleSizeHint,
} from '../../src/core/report';
import type { RunRecord } from '../../src/core/runFormat';
import { estimateText, fixed, formatEstimate, pairedSampleSize } from '../../src/core/stats';

/**
 * The statistics page as a whole (report.md, the terminal, the Sweep tab share it): numbers that
 * print one way everywhere, the headline and its sample-size hint, the difference panel, and
 * intervals cut at 0 % or 100 %.
 */

let nextId = 0;
function run(partial: PartialRunConfig, testAcc: number): RunRecord {
  const id = `run-${++nextId}`;
  return {
    schemaVersion: 1, id, name: id, config: withDefaults({ ...partial, sweepId: 'sweep-page' }), status: 'completed',
    createdAt: '2026-01-01T00:00:00Z', summary: { steps: 10, epochs: 1, testAcc },
  };
}

/** CE and Poly-1 ε on paired seeds 1..n: each ε's accuracy is CE's plus its gain on that seed. */
function pairedSweep(ce: number[], gains: Record<string, number[]>): RunRecord[] {
  const runs = ce.map((acc, i) => run({ loss: { type: 'ce' }, seed: i + 1 }, acc));
  for (const [epsilon, gain] of Object.entries(gains)) {
    gain.forEach((g, i) => runs.push(run({ loss: { type: 'poly', epsilon: Number(epsilon) }, seed: i + 1 }, ce[i] + g)));
  }
  return runs;
}

const ACCURACY = { percent: true };
const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const varianceOf = (values: number[]) => {
  const m = meanOf(values);
  return values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1);
};

// ── 1. Rounding ─────────────────────────────────────────────────────────────────────────────────

test('a bound of an interval that excludes 0 never prints as 0: +1.3 [0.0, 2.5] with a real bound of +0.017 points', () => {
  // Half-width 1.24 points gives 1 decimal, at which the lower bound 0.017 would read 0.0: one more decimal.
  assert.equal(estimateText(0.0126, { low: 0.00017, high: 0.025 }, ACCURACY), '+1.26 pts [0.02, 2.50]');
  assert.equal(estimateText(-0.0126, { low: -0.025, high: -0.00017 }, ACCURACY), '-1.26 pts [-2.50, -0.02]');
  // An interval that contains 0 keeps the decimals of its width.
  assert.equal(estimateText(0.0126, { low: -0.0001, high: 0.025 }, ACCURACY), '+1.3 pts [0.0, 2.5]');
  // A bound far closer to 0 than the width still shows its sign.
  assert.equal(formatEstimate(0.02, { low: 0.0000004, high: 0.04 }, ACCURACY).interval, '[0.00004, 4.00000]');
});

test('one number prints one way: 0.0175 is +1.8 however its float was computed, halves round away from 0', () => {
  // 0.9275 − 0.91 = 0.017499999999999960 and 0.93 − 0.9125 = 0.017500000000000071 in binary.
  assert.equal(estimateText(0.9275 - 0.91, null, ACCURACY), estimateText(0.93 - 0.9125, null, ACCURACY));
  assert.equal(formatEstimate(0.9275 - 0.91, { low: 0.0075, high: 0.0275 }, ACCURACY).value, '+1.8');
  assert.equal(formatEstimate(0.93 - 0.9125, { low: 0.0075, high: 0.0275 }, ACCURACY).value, '+1.8');
  assert.equal(fixed(1.45, 1), '1.5', '1.45 is 1.4499999999999999556 in binary; toFixed gives 1.4');
  assert.equal(fixed(-1.75, 1), '-1.8');
  assert.equal(fixed(-0.04, 1), '0.0', 'never -0.0');
  assert.equal(fixed(0.3, 2, true), '+0.30');
});

test('the table cell and the verdict print a difference alike (+0.4, not +0.37 in one and +0.4 in another)', () => {
  // ε=1: +0.37 points on average; by hand sd of the differences 0.816 pts, se 0.408, t(0.975, 3) = 3.182,
  // half-width 1.30 points → 2 significant digits → one decimal: [-0.93, 1.67] prints [-0.9, 1.7].
  const ce = [0.9, 0.91, 0.905, 0.915];
  const analysis = analyzeRuns(pairedSweep(ce, { 1: [0.0037 + 0.008, 0.0037 - 0.008, 0.0037 + 0.006, 0.0037 - 0.006] }), { metric: 'test' });
  const [comparison] = analysis.comparisons;
  const cell = resultsTable(analysis).rows[1][5];
  assert.equal(cell, '+0.4 [-0.9, 1.7]');
  const [value, interval] = [cell.slice(0, cell.indexOf(' ')), cell.slice(cell.indexOf(' ') + 1)];
  assert.ok(comparison.verdict.includes(`${value} pts ${interval}`), comparison.verdict);
  // Across a family, each comparison's verdict repeats its table cell to the digit.
  const family = analyzeRuns(pairedSweep(ce, {
    '-1': [-0.01, -0.012, -0.009, -0.0135], 0.5: [0.0017, 0.0041, -0.0002, 0.0031], 2: [0.006, 0.0091, 0.0043, 0.0072],
  }), { metric: 'test' });
  const rows = resultsTable(family).rows.slice(1);
  family.comparisons.forEach((c, i) => {
    const [v, ...rest] = rows[i][5].split(' ');
    assert.ok(c.verdict.includes(`${v} pts ${rest.join(' ')}`), `${rows[i][5]} vs ${c.verdict}`);
  });
});

// ── 5. Headline and sample-size hint ────────────────────────────────────────────────────────────

const CE = [0.9, 0.91, 0.905];
const NOISE = { '-1': [0.004, -0.006, 0.001], 1: [-0.003, 0.005, 0.002], 2: [0.006, -0.002, -0.005] };

test('headline when nothing beat the baseline: "No ε beat CE with 3 seeds (Holm-adjusted)", with the seeds a 0.5-point difference needs', () => {
  const analysis = analyzeRuns(pairedSweep(CE, NOISE), { metric: 'test' });
  const head = headline(analysis);
  assert.equal(head.text, 'No ε beat CE with 3 seeds (Holm-adjusted over 3 comparisons).');
  assert.equal(head.winner, undefined);
  // The pooled spread of the paired differences, worked out here: Σ(n−1)s² / Σ(n−1).
  const sd = Math.sqrt(meanOf(Object.values(NOISE).map(varianceOf)));
  const hint = sampleSizeHint(analysis)!;
  assert.ok(Math.abs(hint.sd - sd) < 1e-15, `${hint.sd} vs ${sd}`);
  assert.ok(Math.abs(hint.alpha - 0.05 / 3) < 1e-15);
  assert.equal(hint.seeds, pairedSampleSize(0.005, sd, hint.alpha, 0.8));
  assert.equal(hint.text, `About ${hint.seeds} seeds would detect a 0.5-point difference (power 0.8, paired t-test at α = 0.05/3 = 0.0167; `
    + `sd of the paired differences so far ${(sd * 100).toFixed(2)} pts).`);
  assert.deepEqual(head.hint, hint);
});

test('headline when an ε beat the baseline after Holm: its difference with the interval the verdict uses', () => {
  const ce = [0.9, 0.91, 0.905, 0.915, 0.9];
  const gain = [0.008, 0.007, 0.009, 0.0085, 0.0075];
  const analysis = analyzeRuns(pairedSweep(ce, { 2: gain, '-1': [0.004, -0.006, 0.001, 0.002, -0.003] }), { metric: 'test' });
  const head = headline(analysis);
  const c = analysis.comparisons.find((x) => x.kind === 'better')!;
  assert.equal(head.winner?.comparison, c);
  assert.equal(head.text, `Poly-1 ε=2 beat CE by ${estimateText(c.difference!, c.adjustedCi, ACCURACY)} (Holm p<0.001, 5 seeds).`);
  assert.match(head.text, /^Poly-1 ε=2 beat CE by \+0\.80 pts \[0\.\d+, 0\.\d+\] \(Holm p<0\.001, 5 seeds\)\.$/);
});

test('headline where lower is better (ECE): the winner names the metric and its change, not "beat by -x"', () => {
  const ce = [0.08, 0.09, 0.085, 0.095, 0.082];
  const drop = [0.05, 0.052, 0.049, 0.051, 0.05];
  const runs = pairedSweep(ce, { 2: drop.map((d) => -d) }).map((r) => ({ ...r, summary: { ...r.summary!, ece: r.summary!.testAcc } }));
  const analysis = analyzeRuns(runs, { metric: 'ece' });
  const c = analysis.comparisons.find((x) => x.kind === 'better')!;
  assert.ok(c.difference! < 0, 'the comparison keeps ε − CE');
  assert.equal(headline(analysis).text, `Poly-1 ε=2 beat CE: test ECE ${estimateText(c.difference!, c.adjustedCi, SUMMARY_METRICS.ece)} (p<0.001, 5 seeds).`);
  assert.match(headline(analysis).text, /^Poly-1 ε=2 beat CE: test ECE -5\.0\d? pts \[-\d\.\d+, -\d\.\d+\] /);
});

test('headline when every paired difference is 0, and when no comparison has enough seeds', () => {
  const same = analyzeRuns(pairedSweep(CE, { 0: [0, 0, 0] }), { metric: 'test' });
  assert.equal(headline(same).text, 'No ε differed from CE on any seed.');
  assert.equal(same.comparisons[0].kind, 'no-difference');
  assert.equal(resultsTable(same).rows[1].at(-1), 'no difference on any seed');
  assert.equal(sampleSizeHint(same), null, 'no spread to plan from');
  const few = analyzeRuns(pairedSweep([0.9], { 1: [0.01] }), { metric: 'test' });
  assert.equal(headline(few).text, 'Too few seeds to compare with CE: a comparison needs at least 2 seeds on each side.');
  // Seeds enough, but every ε run failed (no value): the headline says the runs did not finish, not that seeds are few.
  const failed = pairedSweep([0.9, 0.95], { 1: [0.01, 0.01] }).map((r) => (r.config.loss.type === 'poly' ? { ...r, status: 'failed' as const, summary: undefined } : r));
  assert.equal(headline(analyzeRuns(failed, { metric: 'test' })).text, 'Nothing to compare with CE: no comparison has finished runs on both sides.');
  // Two seeds each, but ε=1 is exactly 0.37 points below CE on both: enough seeds, no spread.
  const flat = analyzeRuns(pairedSweep([0.9, 0.95], { 1: [-0.0037, -0.0037] }), { metric: 'test' });
  assert.equal(flat.comparisons[0].kind, 'insufficient');
  assert.equal(headline(flat).text,
    'No ε could be tested against CE: each difference is the same on every seed, so there is no spread to test against. More seeds would give one.');
});

test('the headline opens report.md and the terminal summary; the notes follow the table', () => {
  const runs = pairedSweep(CE, NOISE);
  const analysis = analyzeRuns(runs, { metric: 'test' });
  const md = renderReport({ title: 'Sweep', analysis, runs, charts: [] });
  const { text, hint } = headline(analysis);
  assert.ok(md.startsWith(`# Sweep\n\n**${text}** ${hint!.text}\n`), md.slice(0, 300));
  const terminal = resultsText(analysis);
  assert.ok(terminal.startsWith(`${text} ${hint!.text}\n\n| group`), terminal.slice(0, 300));
  assert.match(renderResults(analysis), /\|\n\np values are Holm–Bonferroni adjusted over the 3 comparisons with a baseline \("Holm p"\)/);
});

// ── 4. The difference panel ─────────────────────────────────────────────────────────────────────

test('the ε chart has a panel of each ε\'s difference from CE with the Holm-level interval, filled where the verdict is better or worse', () => {
  const ce = [0.9, 0.91, 0.905, 0.915, 0.9];
  const analysis = analyzeRuns(pairedSweep(ce, { 2: [0.008, 0.007, 0.009, 0.0085, 0.0075], ...{ '-1': [0.004, -0.006, 0.001, 0.002, -0.003] } }), { metric: 'test' });
  const [series] = epsilonSeries(analysis);
  assert.deepEqual(series.differences.map((d) => [d.epsilon, d.comparison.kind]), [[-1, 'not-distinguishable'], [2, 'better']]);
  for (const d of series.differences) assert.deepEqual(d.ci, d.comparison.adjustedCi);

  const svg = renderEpsilonChart(analysis)!;
  assert.match(svg, /Difference from the baseline, with the interval the verdicts use/);
  const zero = /<line class="zero" x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)"/.exec(svg);
  assert.ok(zero && zero[1] === zero[2], 'a horizontal line at 0');
  const marks = [...svg.matchAll(/<g class="difference" data-series="0" data-epsilon="([^"]+)" data-kind="([^"]+)"><line class="ci" x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)"[^]*?<circle class="mean" cx="[\d.]+" cy="([\d.]+)" r="4" fill="([^"]+)"/g)]
    .map((m) => ({ epsilon: m[1], kind: m[2], low: Number(m[3]), high: Number(m[4]), cy: Number(m[5]), fill: m[6] }));
  assert.deepEqual(marks.map((m) => [m.epsilon, m.kind]), [['-1', 'not-distinguishable'], ['2', 'better']]);
  const zeroY = Number(zero[1]);
  // ε=-1's interval crosses 0 and its dot is hollow; ε=2's lies wholly above 0 (smaller y) and is filled.
  assert.ok(marks[0].low > zeroY && marks[0].high < zeroY);
  assert.equal(marks[0].fill, '#ffffff');
  assert.ok(marks[1].low < zeroY && marks[1].high < zeroY && marks[1].cy < zeroY);
  assert.notEqual(marks[1].fill, '#ffffff');
  // Pixel scale: the bar's ends are where the interval's ends are, relative to the dot and 0.
  const d2 = series.differences[1];
  const perUnit = (zeroY - marks[1].cy) / d2.difference;
  assert.ok(Math.abs((zeroY - marks[1].low) / perUnit - d2.ci!.low) < 2e-5);
  assert.ok(Math.abs((zeroY - marks[1].high) / perUnit - d2.ci!.high) < 2e-5);
});

// ── 6. Intervals cut at 0 % or 100 % ────────────────────────────────────────────────────────────

test('an interval cut at 100 % is marked † in the table and named in a note under it', () => {
  const runs = [run({ loss: { type: 'ce' }, seed: 1 }, 0.998), run({ loss: { type: 'ce' }, seed: 2 }, 0.97)];
  const analysis = analyzeRuns(runs, { metric: 'test' });
  assert.equal(analysis.groups[0].ciClipped, 'high');
  assert.equal(analysis.groups[0].ci?.high, 1);
  assert.match(resultsTable(analysis).rows[0][3], /^\[\d+\.\d\d, 100\.00\]†$/);
  assert.equal(clippingNote(analysis), '† Cut where the t interval of few seeds reached past what the metric can be: CE at 100 %.');
  assert.ok(renderResults(analysis).includes(clippingNote(analysis)));
  const inside = analyzeRuns(pairedSweep(CE, {}), { metric: 'test' });
  assert.equal(inside.groups[0].ciClipped, undefined);
  assert.equal(clippingNote(inside), '');
});

test('the terminal summary is plain text: "p<0.001" and labels as they are, control characters dropped', () => {
  const ce = [0.9, 0.91, 0.905, 0.915, 0.9];
  const analysis = analyzeRuns(pairedSweep(ce, { 2: [0.008, 0.007, 0.009, 0.0085, 0.0075] }), { metric: 'test' });
  analysis.groups[1].label = 'ε=2 *tuned*\u001b[31m';
  const terminal = resultsText(analysis);
  assert.match(terminal, /^ε=2 \*tuned\*\[31m beat CE by \+0\.800 pts \[0\.\d{3}, 0\.\d{3}\] \(p<0\.001, 5 seeds\)\./);
  assert.ok(terminal.includes('| ε=2 *tuned*[31m'), 'the label as it is, without its escape character');
  assert.ok(!terminal.includes('&lt;') && !terminal.includes('\\*') && !terminal.includes('\u001b'), terminal);
  // report.md escapes the same text for Markdown.
  const md = renderResults(analysis);
  assert.ok(md.includes('p&lt;0.001') && md.includes('ε=2 \\*tuned\\*'));
});
