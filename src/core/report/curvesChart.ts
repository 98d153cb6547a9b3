import { meanBand, type Analysis, type BandPoint } from '../grouping';
import type { MetricScale } from '../stats';
import type { EpochMetric } from '../runFormat';
import {
  COLORS, axes, element, legend, legendHeight, linearScale, niceTicks, paddedExtent, polyline, seriesColor, svgDocument, text, tickFormatter, tooltip,
  type PlotArea,
} from './svg';

/** Mean ± std curves per group across its seeds (one line and a shaded band per group). */

export interface GroupCurve {
  label: string;
  points: BandPoint[];
}

export type CurveField = 'trainLoss' | 'valLoss' | 'valAcc';

/**
 * The per-epoch curve of `field` of every group, averaged over the runs the analysis counted.
 * Epochs that not every run of a group reached are left out (meanBand 'common').
 */
export function groupCurves(
  analysis: Analysis, epochsOf: (runId: string) => readonly EpochMetric[] | undefined, field: CurveField,
): GroupCurve[] {
  return analysis.groups.flatMap((group) => {
    const series = group.runIds.map((id) => {
      const epochs = epochsOf(id) ?? [];
      return { x: epochs.map((e) => e.epoch), y: epochs.map((e) => e[field] ?? NaN) };
    });
    const points = series.length > 0 ? meanBand(series) : [];
    return points.length > 0 ? [{ label: group.label, points }] : [];
  });
}

export interface CurvesChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  scale: MetricScale;
  /** A line under the title, e.g. that the losses of different loss functions differ in scale. */
  note?: string;
}

const WIDTH = 720;
/** The plot's bottom edge; the axis title and the legend go below it. */
const PLOT_BOTTOM = 360;
/** Pixels between the dots of different groups at one epoch. */
const DODGE = 8;

export function renderCurvesChart(curves: readonly GroupCurve[], o: CurvesChartOptions): string {
  const area: PlotArea = { left: 70, top: o.note ? 60 : 44, right: WIDTH - 24, bottom: PLOT_BOTTOM };
  const height = PLOT_BOTTOM + 48 + legendHeight(curves.length);
  const points = curves.flatMap((c) => c.points);
  const xExtent = paddedExtent(points.map((p) => p.x), 0.04);
  const yExtent = paddedExtent(points.flatMap((p) => [p.mean, p.mean - (p.std ?? 0), p.mean + (p.std ?? 0)]));
  const x = linearScale(xExtent, [area.left, area.right]);
  const y = linearScale(yExtent, [area.bottom, area.top]);
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const yTicks = niceTicks(yExtent[0], yExtent[1], 6);
  const parts: string[] = [
    text(area.left, 24, o.title, { 'font-size': 14, 'font-weight': 600 }),
    ...(o.note ? [text(area.left, 42, o.note, { fill: COLORS.muted })] : []),
    axes({
      area, x, y,
      xTicks: xs.length <= 12 ? xs : niceTicks(xExtent[0], xExtent[1], 8).filter(Number.isInteger),
      yTicks,
      formatX: String,
      formatY: tickFormatter(yTicks, o.scale),
      xLabel: o.xLabel,
      yLabel: o.yLabel,
    }),
  ];
  curves.forEach((curve, i) => {
    const color = seriesColor(i);
    const upper = curve.points.map((p) => [x(p.x), y(p.mean + (p.std ?? 0))] as const);
    const lower = curve.points.map((p) => [x(p.x), y(p.mean - (p.std ?? 0))] as const);
    const content: string[] = [tooltip(curve.label)];
    if (curve.points.length > 1) {
      const outline = [...upper, ...lower.reverse()].map(([px, py]) => `${px.toFixed(2)},${py.toFixed(2)}`).join(' ');
      content.push(element('polygon', { class: 'band', points: outline, fill: color, 'fill-opacity': 0.18, stroke: 'none' }));
      content.push(polyline(curve.points.map((p) => [x(p.x), y(p.mean)]), { class: 'mean', stroke: color, 'stroke-width': 2 }));
    } else {
      // One epoch: a dot with its ± std bar, dodged sideways so groups at the same epoch stay apart.
      const [p] = curve.points;
      const px = x(p.x) + (i - (curves.length - 1) / 2) * DODGE;
      content.push(element('line', { class: 'band', x1: px, x2: px, y1: lower[0][1], y2: upper[0][1], stroke: color, 'stroke-width': 2 }));
      content.push(element('circle', { class: 'mean', cx: px, cy: y(p.mean), r: 4, fill: color }));
    }
    parts.push(element('g', { class: 'curve', 'data-label': curve.label }, content.join('')));
  });
  parts.push(legend(curves.map((c, i) => ({ label: c.label, color: seriesColor(i) })), area.left, PLOT_BOTTOM + 56));
  return svgDocument(WIDTH, height, o.title, parts);
}
