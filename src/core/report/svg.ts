import type { MetricScale } from '../stats';
import { escapeXml } from './escape';

/**
 * Small building blocks of static SVG charts: scales, tick values, axes, a legend and the document
 * around them. Plain strings, no DOM, so the CLI, the host and webviews can all use them. Colours are
 * explicit on a white background: a committed report reads the same in light and dark viewers.
 */

export const COLORS = {
  background: '#ffffff',
  text: '#1f2328',
  muted: '#57606a',
  grid: '#e6e8eb',
  axis: '#8c959f',
  baseline: '#57606a',
  best: '#cf222e',
} as const;

/** Distinguishable series colours (Tableau 10). */
export const PALETTE: readonly string[] = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

/** Coordinates with at most 2 decimals keep the files small and diffs stable. */
export function coord(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export type Attributes = Readonly<Record<string, string | number | undefined>>;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? coord(v) : escapeXml(v as string)}"`)
    .join('');
}

/** An element; `content` is raw markup (already escaped), use `text()` for words. */
export function element(name: string, attrs: Attributes, content?: string): string {
  return content === undefined ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${content}</${name}>`;
}

export function text(x: number, y: number, words: string, attrs: Attributes = {}): string {
  return element('text', { x, y, ...attrs }, escapeXml(words));
}

/** A tooltip for the element it is placed in. */
export function tooltip(words: string): string {
  return element('title', {}, escapeXml(words));
}

export function polyline(points: readonly (readonly [number, number])[], attrs: Attributes): string {
  return element('polyline', { points: points.map(([x, y]) => `${coord(x)},${coord(y)}`).join(' '), fill: 'none', ...attrs });
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return (value) => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0));
}

/** Round tick values (1, 2 or 5 × 10^k apart) covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Tick labels with as many decimals as the tick spacing needs (percent scales show 0.9 as "90"). */
export function tickFormatter(ticks: readonly number[], scale: MetricScale): (value: number) => string {
  const factor = scale.percent ? 100 : 1;
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) * factor : Math.abs(ticks[0] ?? 1) * factor;
  const decimals = step > 0 ? Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9))) : 2;
  return (value) => {
    const text = (value * factor).toFixed(decimals);
    return Number(text) === 0 ? text.replace('-', '') : text;
  };
}

/** [min, max] of the values widened by `padding` of the span (a flat range gets a small one). */
export function paddedExtent(values: readonly number[], padding = 0.08): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (min === max) {
    const half = Math.abs(min) * 0.05 || 0.5;
    return [min - half, max + half];
  }
  const pad = (max - min) * padding;
  min -= pad;
  max += pad;
  return [min, max];
}

/** The plot area inside the chart. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface AxesOptions {
  area: PlotArea;
  xTicks: readonly number[];
  yTicks: readonly number[];
  x: (value: number) => number;
  y: (value: number) => number;
  formatX: (value: number) => string;
  formatY: (value: number) => string;
  xLabel: string;
  yLabel: string;
}

/** Grid lines, tick labels, the frame and the axis titles. */
export function axes(o: AxesOptions): string {
  const { area } = o;
  const parts: string[] = [];
  for (const tick of o.yTicks) {
    const y = o.y(tick);
    parts.push(element('line', { x1: area.left, x2: area.right, y1: y, y2: y, stroke: COLORS.grid }));
    parts.push(text(area.left - 6, y + 4, o.formatY(tick), { 'text-anchor': 'end', fill: COLORS.muted }));
  }
  for (const tick of o.xTicks) {
    const x = o.x(tick);
    parts.push(element('line', { x1: x, x2: x, y1: area.top, y2: area.bottom, stroke: COLORS.grid }));
    parts.push(text(x, area.bottom + 16, o.formatX(tick), { 'text-anchor': 'middle', fill: COLORS.muted }));
  }
  parts.push(element('rect', {
    x: area.left, y: area.top, width: area.right - area.left, height: area.bottom - area.top, fill: 'none', stroke: COLORS.axis,
  }));
  parts.push(text((area.left + area.right) / 2, area.bottom + 36, o.xLabel, { 'text-anchor': 'middle' }));
  const middle = (area.top + area.bottom) / 2;
  parts.push(text(16, middle, o.yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 16 ${coord(middle)})` }));
  return element('g', { class: 'axes' }, parts.join(''));
}

export interface LegendItem {
  label: string;
  color: string;
}

export const LEGEND_ROW = 18;
/** Longer legend labels are cut (the full text stays in the element's tooltip). */
const LEGEND_MAX_CHARS = 100;

/** Height of a legend of `count` items, with the space above it. */
export function legendHeight(count: number): number {
  return count > 0 ? 12 + count * LEGEND_ROW : 0;
}

/** A legend column starting at (x, y). */
export function legend(items: readonly LegendItem[], x: number, y: number): string {
  const rows = items.map((item, i) => {
    const top = y + i * LEGEND_ROW;
    const label = item.label.length > LEGEND_MAX_CHARS ? `${item.label.slice(0, LEGEND_MAX_CHARS - 1)}…` : item.label;
    return element('g', {}, tooltip(item.label)
      + element('rect', { x, y: top, width: 12, height: 12, fill: item.color })
      + text(x + 18, top + 10, label));
  });
  return element('g', { class: 'legend' }, rows.join(''));
}

/** The whole SVG document: viewBox, accessible title, white background, one font. */
export function svgDocument(width: number, height: number, title: string, body: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" `
    + `role="img" aria-label="${escapeXml(title)}" font-family="${FONT}" font-size="12" fill="${COLORS.text}">\n`
    + `${tooltip(title)}\n`
    + `${element('rect', { x: 0, y: 0, width, height, fill: COLORS.background })}\n`
    + `${body.join('\n')}\n</svg>\n`;
}
