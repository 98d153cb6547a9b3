import {
  BarController, BarElement, CategoryScale, Chart, Decimation, Legend, LineController, LineElement,
  LinearScale, LogarithmicScale, PointElement, Title, Tooltip,
  type ChartDataset, type ChartOptions, type Plugin,
} from 'chart.js';
import type { YScale } from './metrics';
import type { ChartTheme } from './theme';

/** Only what the webviews draw: lines (with decimation), bars, linear/log/category scales. */
Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale,
  CategoryScale, Legend, Title, Tooltip, Decimation);

/**
 * Above this many points in view a line is decimated, to about one point per pixel column (LTTB,
 * which keeps the visually important points such as a diverging spike). Set explicitly: Chart.js'
 * default (4 × width) varies with the panel size.
 */
const DECIMATION_THRESHOLD = 1000;

const backgrounds = new WeakMap<Chart, string>();

/** Paints the theme background under the chart, so an exported PNG looks like the view. */
const backgroundPlugin: Plugin = {
  id: 'polylossBackground',
  beforeDraw(chart) {
    const color = backgrounds.get(chart);
    if (!color) return;
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};
Chart.register(backgroundPlugin);

/** The scale options we set, loosely typed: Chart.js' own types want every field of every scale kind. */
export interface AnyScale {
  type?: string;
  min?: number;
  max?: number;
  ticks?: object;
  grid?: object;
  border?: object;
  title?: { display?: boolean; text?: string | string[]; [option: string]: unknown };
  [option: string]: unknown;
}

function themedScale(theme: ChartTheme, title: string | undefined, scale: AnyScale = {}): AnyScale {
  return {
    ...scale,
    ticks: { ...scale.ticks, color: theme.muted, font: { family: theme.fontFamily, size: theme.fontSize - 2 } },
    grid: { ...scale.grid, color: theme.grid },
    border: { ...scale.border, color: theme.grid },
    title: { display: title !== undefined, text: title ?? '', color: theme.foreground, font: { family: theme.fontFamily, size: theme.fontSize - 1 } },
  };
}

/** Re-colours an existing chart for a new theme. */
export function applyTheme(chart: Chart, theme: ChartTheme): void {
  backgrounds.set(chart, theme.background);
  const o = chart.options;
  o.color = theme.foreground;
  o.font = { family: theme.fontFamily, size: theme.fontSize - 1 };
  for (const [id, scale] of Object.entries(o.scales ?? {})) {
    const title = (scale as AnyScale).title;
    o.scales![id] = themedScale(theme, title?.display ? String(title.text) : undefined, scale as AnyScale) as never;
  }
  if (o.plugins?.legend?.labels) o.plugins.legend.labels.color = theme.foreground;
}

export function baseOptions(theme: ChartTheme): ChartOptions {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    color: theme.foreground,
    font: { family: theme.fontFamily, size: theme.fontSize - 1 },
    plugins: {
      legend: { labels: { color: theme.foreground, boxWidth: 12, boxHeight: 2 } },
      tooltip: { enabled: true },
    },
  };
}

/**
 * Labels of a log axis: only 1, 2 and 5 × 10^k, with two significant digits ("0.02", "0.5", "1"),
 * so they neither overlap nor carry long decimals.
 */
export function logTickLabel(value: number): string {
  if (!(value > 0)) return '';
  const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
  if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return '';
  return String(Number(value.toPrecision(2)));
}

/** The axes of a chart of curves: a linear x axis and a linear or logarithmic y axis, themed. */
export function curveScales(theme: ChartTheme, xTitle: string, yTitle: string | undefined, yScale: YScale): { x: never; y: never } {
  const y: AnyScale = yScale === 'logarithmic'
    ? { type: yScale, ticks: { autoSkip: true, callback: (value: number | string) => logTickLabel(Number(value)) } }
    : { type: yScale };
  return { x: themedScale(theme, xTitle, { type: 'linear' }) as never, y: themedScale(theme, yTitle, y) as never };
}

/**
 * A line chart of {x, y} points (curves over steps, epochs or time): no parsing, no point markers,
 * nearest-x tooltips, long curves decimated.
 */
export function curveOptions(theme: ChartTheme, xTitle: string, yTitle: string | undefined, yScale: YScale): ChartOptions<'line'> {
  const base = baseOptions(theme) as ChartOptions<'line'>;
  return {
    ...base,
    parsing: false,
    normalized: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    elements: { point: { radius: 0, hoverRadius: 3 }, line: { tension: 0 } },
    scales: curveScales(theme, xTitle, yTitle, yScale),
    plugins: { ...base.plugins, decimation: { enabled: true, algorithm: 'lttb', threshold: DECIMATION_THRESHOLD } },
  };
}

export function createChart<T extends 'line' | 'bar'>(canvas: HTMLCanvasElement, type: T, theme: ChartTheme,
  datasets: ChartDataset<T>[], options: ChartOptions<T>, labels?: string[]): Chart<T> {
  const chart = new Chart<T>(canvas, { type, data: { labels, datasets } as never, options });
  backgrounds.set(chart as Chart, theme.background);
  return chart;
}

/**
 * Redraws a chart now if its canvas is on screen, else when asked again after it is shown:
 * Chart.js cannot lay out a hidden canvas, and hidden tabs need no drawing.
 */
export class VisibleRender {
  private stale = false;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly chart: Chart) {}

  render(): void {
    if (this.canvas.offsetParent === null) {
      this.stale = true;
      return;
    }
    this.stale = false;
    this.chart.update('none');
  }

  renderIfStale(): void {
    if (this.stale) this.render();
  }
}

/** The background of an exported PNG: the theme's, or white for documents and slides. */
export type PngBackground = 'theme' | 'light';

/** Text and grid colours on a white background (the curves keep their colours). */
const LIGHT_EXPORT: Pick<ChartTheme, 'foreground' | 'muted' | 'grid' | 'background'> = {
  foreground: '#1f1f1f', muted: '#555555', grid: 'rgba(0, 0, 0, 0.12)', background: '#ffffff',
};

/**
 * The chart as a PNG data URL the way a report wants it: a title (what is plotted, which runs),
 * no hover tooltip, on the theme's background or white. The chart on screen is put back as it was.
 */
export function chartPng(chart: Chart, theme: ChartTheme, o: { title: string[]; background: PngBackground }): string {
  const look = o.background === 'light' ? { ...theme, ...LIGHT_EXPORT } : theme;
  const plugins = (chart.options.plugins ??= {});
  const tooltip = plugins.tooltip ?? {};
  const tooltipWas = tooltip.enabled;
  const active = chart.getActiveElements();
  chart.setActiveElements([]);
  chart.tooltip?.setActiveElements([], { x: 0, y: 0 });
  plugins.tooltip = { ...tooltip, enabled: false };
  plugins.title = {
    display: true, text: o.title, color: look.foreground, align: 'start',
    font: { family: theme.fontFamily, size: theme.fontSize, weight: 'bold' }, padding: { top: 4, bottom: 8 },
  } as never;
  applyTheme(chart, look);
  chart.update('none');
  const url = chart.toBase64Image('image/png', 1);
  plugins.title = { display: false } as never;
  plugins.tooltip = { ...tooltip, enabled: tooltipWas };
  applyTheme(chart, theme);
  chart.setActiveElements(active);
  chart.update('none');
  return url;
}

/** "Training loss" / "CE, Poly-1 ε=2 and 3 more": the title lines of an exported chart. */
export function exportTitle(what: string, labels: readonly string[], most = 4): string[] {
  if (labels.length === 0) return [what];
  const shown = labels.slice(0, most).join(', ');
  return [what, labels.length > most ? `${shown} and ${labels.length - most} more` : shown];
}

export { Chart, themedScale };
