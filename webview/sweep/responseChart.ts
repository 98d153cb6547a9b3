import type { ChartDataset, ChartOptions, TooltipItem } from 'chart.js';
import type { Analysis } from '../../src/core/grouping';
import { epsilonSeries, type EpsilonSeries } from '../../src/core/report/epsilonChart';
import { formatInterval, formatLevel, formatMeanStd, metricLabel, unitOf } from '../../src/core/report/format';
import { paddedExtent } from '../../src/core/report/svg';
import { applyTheme, baseOptions, createChart, themedScale, VisibleRender, type Chart } from '../shared/charts';
import type { ChartTheme } from '../shared/theme';
import { drawnBars, type DrawnBar, type IntervalPoint } from './errorBars';

/**
 * The ε-response chart of the dashboard: the summary metric of each ε group (mean over seeds) with
 * its confidence interval as a bar, one line per series of the sweep (γ, label smoothing…), each
 * series' baseline (CE, or ε = 0 standing in for it) as a dashed horizontal line and its best ε
 * ringed. The series, baselines and best ε come from core's epsilonSeries, as in the SVG report.
 */

type Role = 'response' | 'baseline' | 'best';
type Dataset = ChartDataset<'line', IntervalPoint[]> & { role: Role; errorBars?: boolean; series: number; tips: string[]; seeds?: number[] };

/** What the chart draws, in the metric's display unit (percent for accuracies). */
export interface ResponseChartState {
  unit: string;
  series: { label: string; color: string; points: { epsilon: number; mean: number; low?: number; high?: number; n: number }[] }[];
  baselines: { series: number; label: string; y: number; from: number; to: number }[];
  best: { series: number; epsilon: number; y: number; label: string }[];
  /** The interval bars as drawn on the canvas, in CSS pixels. */
  bars: DrawnBar[];
  legend: string[];
}

const MAX_EPSILON_TICKS = 12;

function epsilonText(epsilon: number): string {
  return String(Number(epsilon.toPrecision(6)));
}

export class ResponseChart {
  readonly chart: Chart<'line', IntervalPoint[]>;
  private readonly drawing: VisibleRender;
  private scale = 1;
  private unit = '';

  constructor(readonly canvas: HTMLCanvasElement, private theme: ChartTheme) {
    const base = baseOptions(theme) as ChartOptions<'line'>;
    const options: ChartOptions<'line'> = {
      ...base,
      parsing: false,
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: themedScale(theme, 'ε (coefficient added to the first polynomial term)', { type: 'linear' }) as never,
        y: themedScale(theme, '', { type: 'linear' }) as never,
      },
      plugins: {
        ...base.plugins,
        legend: { position: 'bottom', labels: { ...base.plugins?.legend?.labels, boxHeight: 8 } },
        tooltip: { callbacks: { label: (item: TooltipItem<'line'>) => (item.dataset as Dataset).tips[item.dataIndex] ?? '' } },
      },
    };
    this.chart = createChart(canvas, 'line', theme, [], options) as unknown as Chart<'line', IntervalPoint[]>;
    this.drawing = new VisibleRender(canvas, this.chart as unknown as Chart);
  }

  /** Shows the ε groups of the analysis; false when no group has an ε (nothing to draw). */
  show(analysis: Analysis): boolean {
    const series = epsilonSeries(analysis);
    const info = analysis.metricInfo;
    this.scale = info.percent ? 100 : 1;
    this.unit = unitOf(info);
    const label = metricLabel(analysis);
    const scales = this.chart.options.scales!;
    // The axis spans the intervals and the baselines too, not only the means.
    const values = series.flatMap((sr) => [
      ...sr.points.flatMap((p) => [p.group.mean!, p.group.ci?.low ?? NaN, p.group.ci?.high ?? NaN]), sr.baseline?.mean ?? NaN,
    ]).filter(Number.isFinite).map((v) => v * this.scale);
    scales.y = themedScale(this.theme, this.unit ? `${label} (${this.unit})` : label, {
      type: 'linear', ...(values.length ? { suggestedMin: Math.min(...values), suggestedMax: Math.max(...values) } : {}),
    }) as never;
    const epsilons = [...new Set(series.flatMap((s) => s.points.map((p) => p.epsilon)))].sort((a, b) => a - b);
    const [xMin, xMax] = paddedExtent(epsilons, 0.1);
    scales.x = themedScale(this.theme, 'ε (coefficient added to the first polynomial term)', {
      type: 'linear', min: xMin, max: xMax,
      // A tick at each ε of the sweep (as in the report's chart) unless there are too many to read.
      ...(epsilons.length <= MAX_EPSILON_TICKS ? { afterBuildTicks: (axis: { ticks: { value: number }[] }) => { axis.ticks = epsilons.map((value) => ({ value })); } } : {}),
    }) as never;
    this.chart.data.datasets = series.flatMap((s, i) => this.datasets(s, i, analysis, xMin, xMax));
    return series.length > 0;
  }

  private datasets(s: EpsilonSeries, index: number, analysis: Analysis, xMin: number, xMax: number): Dataset[] {
    const scale = analysis.metricInfo;
    const level = formatLevel(analysis.level);
    const unit = this.unit ? ` ${this.unit}` : '';
    const color = this.theme.palette[index % this.theme.palette.length];
    const k = this.scale;
    const summary = (g: EpsilonSeries['points'][number]['group']): string =>
      `${g.label}: ${formatMeanStd(g.mean, g.std, scale)}${unit}, ${level} CI ${formatInterval(g.ci, scale)}, n=${g.n}`;
    const out: Dataset[] = [{
      role: 'response', series: index, errorBars: true,
      label: s.label, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 4, pointHoverRadius: 6,
      data: s.points.map((p) => ({
        x: p.epsilon, y: p.group.mean! * k,
        ...(p.group.ci ? { low: p.group.ci.low * k, high: p.group.ci.high * k } : {}),
      })),
      tips: s.points.map((p) => summary(p.group)),
      seeds: s.points.map((p) => p.group.n),
    }];
    if (s.baseline) {
      const b = s.baseline;
      const tip = `baseline ${summary(b)}`;
      out.push({
        role: 'baseline', series: index,
        label: `baseline ${b.label}: ${formatMeanStd(b.mean, b.std, scale)}${unit}`,
        borderColor: this.theme.muted, backgroundColor: this.theme.muted, borderWidth: 1.5, borderDash: [6, 4], pointRadius: 0, pointHitRadius: 6,
        data: [{ x: xMin, y: b.mean! * k }, { x: xMax, y: b.mean! * k }], tips: [tip, tip],
      });
    }
    if (s.best) {
      out.push({
        role: 'best', series: index,
        label: `best ε=${epsilonText(s.best.epsilon)}`,
        borderColor: this.theme.foreground, backgroundColor: 'transparent', borderWidth: 2, pointRadius: 9, pointHoverRadius: 9, showLine: false,
        data: [{ x: s.best.epsilon, y: s.best.group.mean! * k }], tips: [`best: ${summary(s.best.group)}`],
      });
    }
    return out;
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    applyTheme(this.chart as never, theme);
  }

  /** Draws now, or on the next `renderIfStale` after the chart becomes visible. */
  render(): void {
    this.drawing.render();
  }

  renderIfStale(): void {
    this.drawing.renderIfStale();
  }

  pngDataUrl(): string {
    return this.chart.toBase64Image('image/png', 1);
  }

  describe(): ResponseChartState {
    const datasets = this.chart.data.datasets as Dataset[];
    const of = (role: Role) => datasets.filter((d) => d.role === role);
    return {
      unit: this.unit,
      series: of('response').map((d) => ({
        label: String(d.label), color: String(d.borderColor),
        points: d.data.map((p, i) => ({ epsilon: p.x, mean: p.y, low: p.low, high: p.high, n: d.seeds?.[i] ?? 0 })),
      })),
      baselines: of('baseline').map((d) => ({ series: d.series, label: String(d.label), y: d.data[0].y, from: d.data[0].x, to: d.data[1].x })),
      best: of('best').map((d) => ({ series: d.series, epsilon: d.data[0].x, y: d.data[0].y, label: String(d.label) })),
      bars: drawnBars.get(this.chart as never) ?? [],
      legend: (this.chart.legend?.legendItems ?? []).map((item) => item.text),
    };
  }
}
