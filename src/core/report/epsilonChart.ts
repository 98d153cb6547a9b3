import { diffConfigs } from '../configDiff';
import { groupKey, type Analysis, type GroupSummary } from '../grouping';
import { epsilonList, type LossSpec } from '../lossSpec';
import type { RunConfig } from '../runConfig';
import { formatInterval, formatLevel, formatMeanStd, metricLabel, unitOf } from './format';
import {
  COLORS, axes, element, legend, legendHeight, linearScale, niceTicks, paddedExtent, polyline, seriesColor, svgDocument, text,
  tickFormatter, tooltip, type PlotArea,
} from './svg';

/**
 * The ε-response chart: the summary metric against ε with confidence-interval bars, one series per
 * setting the sweep also varies (γ, label smoothing…), each series' baseline as a dashed horizontal
 * line and its best ε ringed.
 */

export interface EpsilonPoint {
  /** ε1, the coefficient of (1−Pt) (for Poly-N the others stay as they are within a series). */
  epsilon: number;
  group: GroupSummary;
}

export interface EpsilonSeries {
  label: string;
  /** By ascending ε; only groups with a mean. */
  points: EpsilonPoint[];
  baseline?: GroupSummary;
  /** Highest mean (lowest when lower is better); the first ε on ties. */
  best?: EpsilonPoint;
}

function withFirstEpsilon(loss: LossSpec, epsilon: number): LossSpec {
  const rest = epsilonList(loss).slice(1);
  return { ...loss, epsilon: rest.length > 0 ? [epsilon, ...rest] : epsilon };
}

/** The config with ε1 set to 0: configs that differ only in ε1 share it. */
function seriesConfig(config: RunConfig): RunConfig {
  return { ...config, loss: withFirstEpsilon(config.loss, 0) };
}

/** Groups with an ε (Poly-1, Poly-N, Poly-1 focal) and a mean, bucketed into series. */
export function epsilonSeries(analysis: Analysis): EpsilonSeries[] {
  const buckets = new Map<string, { config: RunConfig; points: EpsilonPoint[] }>();
  for (const group of analysis.groups) {
    const epsilons = epsilonList(group.config.loss);
    if (epsilons.length === 0 || group.mean === null) continue;
    const config = seriesConfig(group.config);
    const key = groupKey(config);
    const bucket = buckets.get(key) ?? { config, points: [] };
    bucket.points.push({ epsilon: epsilons[0], group });
    buckets.set(key, bucket);
  }
  const list = [...buckets.values()];
  const labels = list.length > 1 ? diffConfigs(list.map((b) => b.config)).legend : [metricLabel(analysis)];
  const byKey = new Map(analysis.groups.map((g) => [g.key, g]));
  const better = (a: number, b: number) => (analysis.metricInfo.higherIsBetter ? a > b : a < b);
  return list.map((bucket, i) => {
    const points = [...bucket.points].sort((a, b) => a.epsilon - b.epsilon);
    const memberKeys = new Set(points.map((p) => p.group.key));
    const baselineKeys = analysis.comparisons
      .filter((c) => memberKeys.has(c.key) && c.baselineKey !== null)
      .map((c) => c.baselineKey as string);
    // A real baseline (CE, focal) before an ε = 0 group standing in for it.
    const baselineKey = baselineKeys.find((k) => !memberKeys.has(k)) ?? baselineKeys[0];
    const baseline = baselineKey === undefined ? undefined : byKey.get(baselineKey);
    const best = points.reduce<EpsilonPoint | undefined>((top, p) => (!top || better(p.group.mean!, top.group.mean!) ? p : top), undefined);
    return { label: labels[i], points, ...(baseline && baseline.mean !== null ? { baseline } : {}), ...(best ? { best } : {}) };
  });
}

const WIDTH = 720;
/** The plot's bottom edge; the axis title and the legend go below it. */
const PLOT_BOTTOM = 360;

function epsilonText(epsilon: number): string {
  return String(Number(epsilon.toPrecision(6)));
}

/** The chart as an SVG document, or undefined when no group has an ε. */
export function renderEpsilonChart(analysis: Analysis): string | undefined {
  const series = epsilonSeries(analysis);
  if (series.length === 0) return undefined;
  const scale = analysis.metricInfo;
  const level = formatLevel(analysis.level);
  const unit = unitOf(scale);
  const label = metricLabel(analysis);
  const legendItems = [
    ...(series.length > 1 ? series.map((s, i) => ({ label: s.label, color: seriesColor(i) })) : []),
    ...series.filter((s) => s.baseline).map((s) => ({
      label: `baseline ${s.baseline!.label}: ${formatMeanStd(s.baseline!.mean, s.baseline!.std, scale)}${unit}`, color: COLORS.baseline,
    })),
  ];
  const area: PlotArea = { left: 70, top: 44, right: WIDTH - 24, bottom: PLOT_BOTTOM };
  const height = PLOT_BOTTOM + 48 + legendHeight(legendItems.length);

  const epsilons = [...new Set(series.flatMap((s) => s.points.map((p) => p.epsilon)))].sort((a, b) => a - b);
  const xExtent = paddedExtent(epsilons, 0.1);
  const yValues = series.flatMap((s) => [
    ...s.points.flatMap((p) => [p.group.mean!, p.group.ci?.low ?? NaN, p.group.ci?.high ?? NaN]),
    s.baseline?.mean ?? NaN,
  ]);
  const yExtent = paddedExtent(yValues);
  const x = linearScale(xExtent, [area.left, area.right]);
  const y = linearScale(yExtent, [area.bottom, area.top]);
  const yTicks = niceTicks(yExtent[0], yExtent[1], 6);
  const parts: string[] = [
    text(area.left, 24, `${label} vs ε: mean over seeds with ${level} confidence intervals`, { 'font-size': 14, 'font-weight': 600 }),
    axes({
      area, x, y,
      xTicks: epsilons.length <= 12 ? epsilons : niceTicks(xExtent[0], xExtent[1], 8),
      yTicks,
      formatX: epsilonText,
      formatY: tickFormatter(yTicks, scale),
      xLabel: 'ε (coefficient added to the first polynomial term)',
      yLabel: unit ? `${label} (${unit})` : label,
    }),
  ];

  series.forEach((s, i) => {
    const color = seriesColor(i);
    if (s.baseline) {
      const by = y(s.baseline.mean!);
      parts.push(element('g', { class: 'baseline', 'data-series': i }, [
        element('line', { x1: area.left, x2: area.right, y1: by, y2: by, stroke: COLORS.baseline, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' }),
        tooltip(`baseline ${s.baseline.label}: ${formatMeanStd(s.baseline.mean, s.baseline.std, scale)}${unit}, ${level} CI ${formatInterval(s.baseline.ci, scale)}, n=${s.baseline.n}`),
      ].join('')));
    }
    parts.push(polyline(s.points.map((p) => [x(p.epsilon), y(p.group.mean!)]), { class: 'response', stroke: color, 'stroke-width': 2 }));
    for (const p of s.points) {
      const px = x(p.epsilon);
      const bar = p.group.ci ? [
        element('line', { class: 'ci', x1: px, x2: px, y1: y(p.group.ci.low), y2: y(p.group.ci.high), stroke: color, 'stroke-width': 1.5 }),
        element('line', { class: 'ci-cap', x1: px - 5, x2: px + 5, y1: y(p.group.ci.low), y2: y(p.group.ci.low), stroke: color, 'stroke-width': 1.5 }),
        element('line', { class: 'ci-cap', x1: px - 5, x2: px + 5, y1: y(p.group.ci.high), y2: y(p.group.ci.high), stroke: color, 'stroke-width': 1.5 }),
      ].join('') : '';
      const summary = `${p.group.label}: ${formatMeanStd(p.group.mean, p.group.std, scale)}${unit}, ${level} CI ${formatInterval(p.group.ci, scale)}, n=${p.group.n}`;
      parts.push(element('g', { class: 'point', 'data-series': i, 'data-epsilon': epsilonText(p.epsilon) }, [
        bar,
        element('circle', { class: 'mean', cx: px, cy: y(p.group.mean!), r: 4, fill: color }),
        tooltip(summary),
      ].join('')));
    }
    if (s.best) {
      const bx = x(s.best.epsilon);
      const by = y(s.best.group.mean!);
      const words = `best ε=${epsilonText(s.best.epsilon)}`;
      // Left of the point in the right half of the plot, so the words stay inside it.
      const label = bx > (area.left + area.right) / 2
        ? text(bx - 12, by - 10, words, { fill: COLORS.best, 'font-weight': 600, 'text-anchor': 'end' })
        : text(bx + 12, by - 10, words, { fill: COLORS.best, 'font-weight': 600 });
      parts.push(element('g', { class: 'best', 'data-series': i, 'data-epsilon': epsilonText(s.best.epsilon) }, [
        element('circle', { cx: bx, cy: by, r: 9, fill: 'none', stroke: COLORS.best, 'stroke-width': 2 }),
        label,
      ].join('')));
    }
  });
  parts.push(legend(legendItems, area.left, PLOT_BOTTOM + 56));
  return svgDocument(WIDTH, height, `${label} vs ε`, parts);
}
