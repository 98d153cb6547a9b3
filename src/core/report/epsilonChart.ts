import type { Analysis } from '../grouping';
import { estimateText } from '../stats';
import { bestLabel, epsilonSeries, type EpsilonSeries } from './epsilonSeries';
import { formatGroupInterval, formatLevel, formatMeanStd, metricLabel, unitOf } from './format';
import {
  COLORS, axes, element, legend, legendHeight, linearScale, niceTicks, paddedExtent, polyline, seriesColor, svgDocument, text,
  tickFormatter, tooltip, type PlotArea,
} from './svg';

/**
 * The ε-response chart, two panels over one ε axis. Above: the summary metric against ε with each
 * group's confidence interval, one series per setting the sweep also varies (γ, label smoothing…),
 * each series' baseline as a dashed line and its best ε ringed. Below: what the verdicts use, each
 * ε's difference from its baseline with the Holm-level interval, around a line at 0.
 */

const WIDTH = 720;
const MEANS_TOP = 44;
const MEANS_BOTTOM = 360;
/** The difference panel's title and plot, below the means panel's ε tick labels. */
const DIFFERENCE_TITLE = MEANS_BOTTOM + 44;
const DIFFERENCE_TOP = DIFFERENCE_TITLE + 16;
const DIFFERENCE_BOTTOM = DIFFERENCE_TOP + 220;

export function epsilonText(epsilon: number): string {
  return String(Number(epsilon.toPrecision(6)));
}

function intervalBar(px: number, low: number, high: number, color: string): string {
  return [
    element('line', { class: 'ci', x1: px, x2: px, y1: low, y2: high, stroke: color, 'stroke-width': 1.5 }),
    element('line', { class: 'ci-cap', x1: px - 5, x2: px + 5, y1: low, y2: low, stroke: color, 'stroke-width': 1.5 }),
    element('line', { class: 'ci-cap', x1: px - 5, x2: px + 5, y1: high, y2: high, stroke: color, 'stroke-width': 1.5 }),
  ].join('');
}

interface Panel {
  area: PlotArea;
  x: (value: number) => number;
  xTicks: number[];
}

function meansPanel(analysis: Analysis, series: readonly EpsilonSeries[], panel: Panel, xLabel: string): string[] {
  const scale = analysis.metricInfo;
  const level = formatLevel(analysis.level);
  const unit = unitOf(scale);
  const label = metricLabel(analysis);
  const { area, x } = panel;
  const yValues = series.flatMap((s) => [
    ...s.points.flatMap((p) => [p.group.mean!, p.group.ci?.low ?? NaN, p.group.ci?.high ?? NaN]),
    s.baseline?.mean ?? NaN,
  ]);
  const yExtent = paddedExtent(yValues);
  const y = linearScale(yExtent, [area.bottom, area.top]);
  const yTicks = niceTicks(yExtent[0], yExtent[1], 6);
  const parts: string[] = [
    text(area.left, 24, `${label} vs ε: mean over seeds with ${level} confidence intervals`, { 'font-size': 14, 'font-weight': 600 }),
    axes({
      area, x, y, xTicks: panel.xTicks, yTicks, formatX: epsilonText, formatY: tickFormatter(yTicks, scale), xLabel,
      yLabel: unit ? `${label} (${unit})` : label,
    }),
  ];
  series.forEach((s, i) => {
    const color = seriesColor(i);
    if (s.baseline) {
      const by = y(s.baseline.mean!);
      parts.push(element('g', { class: 'baseline', 'data-series': i }, [
        element('line', { x1: area.left, x2: area.right, y1: by, y2: by, stroke: COLORS.baseline, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' }),
        tooltip(`baseline ${s.baseline.label}: ${formatMeanStd(s.baseline.mean, s.baseline.std, scale)}${unit}, ${level} CI ${formatGroupInterval(s.baseline, scale)}, n=${s.baseline.n}`),
      ].join('')));
    }
    parts.push(polyline(s.points.map((p) => [x(p.epsilon), y(p.group.mean!)]), { class: 'response', stroke: color, 'stroke-width': 2 }));
    for (const p of s.points) {
      const px = x(p.epsilon);
      const summary = `${p.group.label}: ${formatMeanStd(p.group.mean, p.group.std, scale)}${unit}, ${level} CI ${formatGroupInterval(p.group, scale)}, n=${p.group.n}`;
      parts.push(element('g', { class: 'point', 'data-series': i, 'data-epsilon': epsilonText(p.epsilon) }, [
        p.group.ci ? intervalBar(px, y(p.group.ci.low), y(p.group.ci.high), color) : '',
        element('circle', { class: 'mean', cx: px, cy: y(p.group.mean!), r: 4, fill: color }),
        tooltip(summary),
      ].join('')));
    }
    if (s.best) {
      const bx = x(s.best.epsilon);
      const by = y(s.best.group.mean!);
      const words = bestLabel(s.best, scale.higherIsBetter, epsilonText);
      const color = s.best.significant ? COLORS.best : COLORS.muted;
      // Left of the point in the right half of the plot, so the words stay inside it.
      const label = bx > (area.left + area.right) / 2
        ? text(bx - 12, by - 10, words, { fill: color, 'font-weight': 600, 'text-anchor': 'end' })
        : text(bx + 12, by - 10, words, { fill: color, 'font-weight': 600 });
      parts.push(element('g', { class: 'best', 'data-series': i, 'data-epsilon': epsilonText(s.best.epsilon), 'data-significant': String(s.best.significant) }, [
        element('circle', { cx: bx, cy: by, r: 9, fill: 'none', stroke: color, 'stroke-width': 2 }),
        label,
      ].join('')));
    }
  });
  return parts;
}

function differencePanel(analysis: Analysis, series: readonly EpsilonSeries[], panel: Panel): string[] {
  const scale = analysis.metricInfo;
  const unit = unitOf(scale, true);
  const { area, x } = panel;
  const yValues = [0, ...series.flatMap((s) => s.differences.flatMap((d) => [d.difference, d.ci?.low ?? NaN, d.ci?.high ?? NaN]))];
  const yExtent = paddedExtent(yValues);
  const y = linearScale(yExtent, [area.bottom, area.top]);
  const yTicks = niceTicks(yExtent[0], yExtent[1], 5);
  const parts: string[] = [
    text(area.left, DIFFERENCE_TITLE, 'Difference from the baseline, with the interval the verdicts use (Holm-adjusted level)', { 'font-size': 13, 'font-weight': 600 }),
    axes({
      area, x, y, xTicks: panel.xTicks, yTicks, formatX: epsilonText, formatY: tickFormatter(yTicks, scale),
      xLabel: 'ε (coefficient added to the first polynomial term)', yLabel: unit ? `difference (${unit})` : 'difference',
    }),
    element('line', { class: 'zero', x1: area.left, x2: area.right, y1: y(0), y2: y(0), stroke: COLORS.baseline, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' }),
  ];
  series.forEach((s, i) => {
    const color = seriesColor(i);
    for (const d of s.differences) {
      const px = x(d.epsilon);
      const significant = d.comparison.kind === 'better' || d.comparison.kind === 'worse';
      const level = d.comparison.adjustedLevel === null ? '' : ` (${formatLevel(d.comparison.adjustedLevel)} CI)`;
      parts.push(element('g', { class: 'difference', 'data-series': i, 'data-epsilon': epsilonText(d.epsilon), 'data-kind': d.comparison.kind }, [
        d.ci ? intervalBar(px, y(d.ci.low), y(d.ci.high), color) : '',
        // Filled when the verdict is better or worse, hollow when it is not.
        element('circle', { class: 'mean', cx: px, cy: y(d.difference), r: 4, fill: significant ? color : COLORS.background, stroke: color, 'stroke-width': 1.5 }),
        tooltip(`${d.group.label} − ${s.baseline?.label ?? 'baseline'}: ${estimateText(d.difference, d.ci, scale)}${level}. ${d.comparison.verdict}`),
      ].join('')));
    }
  });
  return parts;
}

/** The chart as an SVG document, or undefined when no group has an ε. */
export function renderEpsilonChart(analysis: Analysis): string | undefined {
  const series = epsilonSeries(analysis);
  if (series.length === 0) return undefined;
  const scale = analysis.metricInfo;
  const unit = unitOf(scale);
  const withDifferences = series.some((s) => s.differences.length > 0);
  const legendItems = [
    ...(series.length > 1 ? series.map((s, i) => ({ label: s.label, color: seriesColor(i) })) : []),
    ...series.filter((s) => s.baseline).map((s) => ({
      label: `baseline ${s.baseline!.label}: ${formatMeanStd(s.baseline!.mean, s.baseline!.std, scale)}${unit}`, color: COLORS.baseline,
    })),
  ];
  const plotBottom = withDifferences ? DIFFERENCE_BOTTOM : MEANS_BOTTOM;
  const height = plotBottom + 48 + legendHeight(legendItems.length);

  const epsilons = [...new Set(series.flatMap((s) => s.points.map((p) => p.epsilon)))].sort((a, b) => a - b);
  const xExtent = paddedExtent(epsilons, 0.1);
  const left = 70;
  const right = WIDTH - 24;
  const x = linearScale(xExtent, [left, right]);
  const xTicks = epsilons.length <= 12 ? epsilons : niceTicks(xExtent[0], xExtent[1], 8);
  const xLabel = 'ε (coefficient added to the first polynomial term)';
  const parts = [
    ...meansPanel(analysis, series, { area: { left, right, top: MEANS_TOP, bottom: MEANS_BOTTOM }, x, xTicks }, withDifferences ? '' : xLabel),
    ...(withDifferences ? differencePanel(analysis, series, { area: { left, right, top: DIFFERENCE_TOP, bottom: DIFFERENCE_BOTTOM }, x, xTicks }) : []),
    legend(legendItems, left, plotBottom + 56),
  ];
  return svgDocument(WIDTH, height, `${metricLabel(analysis)} vs ε`, parts);
}
