import type { ChartDataset, ChartOptions, TooltipItem } from 'chart.js';
import type { Analysis } from '../../src/core/grouping';
import { bestLabel, epsilonSeries, type EpsilonSeries } from '../../src/core/report/epsilonSeries';
import { epsilonText } from '../../src/core/report/epsilonChart';
import { formatGroupInterval, formatLevel, formatMeanStd, metricLabel, unitOf } from '../../src/core/report/format';
import { paddedExtent } from '../../src/core/report/svg';
import { estimateText } from '../../src/core/stats/numbers';
import { applyTheme, baseOptions, createChart, themedScale, VisibleRender, type Chart } from '../shared/charts';
import type { ChartTheme } from '../shared/theme';
import { drawnBars, type DrawnBar, type IntervalPoint } from './errorBars';

/**
 * The ε-response charts of the dashboard, from core's epsilonSeries as in the SVG report. 'means':
 * the summary metric of each ε group (mean over seeds) with its confidence interval as a bar, one
 * line per series of the sweep (γ, label smoothing…), each series' baseline (CE, or ε = 0 standing in
 * for it) as a dashed line and its best ε ringed. 'differences': what the verdicts use, each ε's
 * difference from the baseline with its Holm-level interval, around a dashed line at 0.
 */

export type ResponseChartKind = 'means' | 'differences';
type Role = 'response' | 'baseline' | 'best' | 'difference' | 'zero';
type Dataset = ChartDataset<'line', IntervalPoint[]> & {
  role: Role; errorBars?: boolean; series: number; tips: string[]; seeds?: number[]; kinds?: string[]; significant?: boolean;
};

/** What the chart draws, in the metric's display unit (percent for accuracies, points for differences). */
export interface ResponseChartState {
  unit: string;
  series: { label: string; color: string; points: { epsilon: number; mean: number; low?: number; high?: number; n: number }[] }[];
  baselines: { series: number; label: string; y: number; from: number; to: number }[];
  best: { series: number; epsilon: number; y: number; label: string; significant: boolean }[];
  /** 'differences' only: each ε's difference from its baseline, its interval and verdict kind. */
  differences: { series: number; epsilon: number; difference: number; low?: number; high?: number; kind: string }[];
  /** The interval bars as drawn on the canvas, in CSS pixels. */
  bars: DrawnBar[];
  legend: string[];
}

const MAX_EPSILON_TICKS = 12;
const EPSILON_AXIS = 'ε (coefficient added to the first polynomial term)';

export class ResponseChart {
  readonly chart: Chart<'line', IntervalPoint[]>;
  private readonly drawing: VisibleRender;
  private scale = 1;
  private unit = '';

  constructor(readonly canvas: HTMLCanvasElement, private theme: ChartTheme, readonly kind: ResponseChartKind = 'means') {
    const base = baseOptions(theme) as ChartOptions<'line'>;
    const options: ChartOptions<'line'> = {
      ...base,
      parsing: false,
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: themedScale(theme, EPSILON_AXIS, { type: 'linear' }) as never,
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

  /** Shows the ε groups of the analysis; false when there is nothing to draw (no ε group, or no difference to show). */
  show(analysis: Analysis): boolean {
    const series = epsilonSeries(analysis);
    const info = analysis.metricInfo;
    this.scale = info.percent ? 100 : 1;
    this.unit = unitOf(info, this.kind === 'differences');
    const label = this.kind === 'differences' ? 'difference' : metricLabel(analysis);
    const scales = this.chart.options.scales!;
    // The axis spans the intervals and the baselines (or 0) too, not only the points.
    const values = (this.kind === 'differences'
      ? [0, ...series.flatMap((s) => s.differences.flatMap((d) => [d.difference, d.ci?.low ?? NaN, d.ci?.high ?? NaN]))]
      : series.flatMap((sr) => [...sr.points.flatMap((p) => [p.group.mean!, p.group.ci?.low ?? NaN, p.group.ci?.high ?? NaN]), sr.baseline?.mean ?? NaN])
    ).filter(Number.isFinite).map((v) => v * this.scale);
    scales.y = themedScale(this.theme, this.unit ? `${label} (${this.unit})` : label, {
      type: 'linear', ...(values.length ? { suggestedMin: Math.min(...values), suggestedMax: Math.max(...values) } : {}),
    }) as never;
    const epsilons = [...new Set(series.flatMap((s) => s.points.map((p) => p.epsilon)))].sort((a, b) => a - b);
    const [xMin, xMax] = paddedExtent(epsilons, 0.1);
    scales.x = themedScale(this.theme, EPSILON_AXIS, {
      type: 'linear', min: xMin, max: xMax,
      // A tick at each ε of the sweep (as in the report's chart) unless there are too many to read.
      ...(epsilons.length <= MAX_EPSILON_TICKS ? { afterBuildTicks: (axis: { ticks: { value: number }[] }) => { axis.ticks = epsilons.map((value) => ({ value })); } } : {}),
    }) as never;
    this.chart.data.datasets = this.kind === 'differences'
      ? [this.zeroLine(xMin, xMax), ...series.flatMap((s, i) => this.differenceDatasets(s, i, analysis))]
      : series.flatMap((s, i) => this.meanDatasets(s, i, analysis, xMin, xMax));
    return this.kind === 'differences' ? series.some((s) => s.differences.length > 0) : series.length > 0;
  }

  private color(index: number): string {
    return this.theme.palette[index % this.theme.palette.length];
  }

  private meanDatasets(s: EpsilonSeries, index: number, analysis: Analysis, xMin: number, xMax: number): Dataset[] {
    const scale = analysis.metricInfo;
    const level = formatLevel(analysis.level);
    const unit = this.unit ? ` ${this.unit}` : '';
    const color = this.color(index);
    const k = this.scale;
    const summary = (g: EpsilonSeries['points'][number]['group']): string =>
      `${g.label}: ${formatMeanStd(g.mean, g.std, scale)}${unit}, ${level} CI ${formatGroupInterval(g, scale)}, n=${g.n}`;
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
      const words = bestLabel(s.best, scale.higherIsBetter, epsilonText);
      out.push({
        role: 'best', series: index, significant: s.best.significant,
        label: words,
        borderColor: s.best.significant ? this.theme.foreground : this.theme.muted, backgroundColor: 'transparent',
        borderWidth: 2, borderDash: s.best.significant ? [] : [3, 3], pointRadius: 9, pointHoverRadius: 9, showLine: false,
        data: [{ x: s.best.epsilon, y: s.best.group.mean! * k }], tips: [`${words}: ${summary(s.best.group)}`],
      });
    }
    return out;
  }

  private differenceDatasets(s: EpsilonSeries, index: number, analysis: Analysis): Dataset[] {
    if (s.differences.length === 0) return [];
    const color = this.color(index);
    const k = this.scale;
    return [{
      role: 'difference', series: index, errorBars: true, showLine: false,
      label: `${s.label}: difference from ${s.baseline?.label ?? 'the baseline'}`,
      // Filled where the verdict is better or worse, hollow where it is not (as in the SVG report).
      borderColor: color, backgroundColor: color,
      pointBackgroundColor: s.differences.map((d) => (d.comparison.kind === 'better' || d.comparison.kind === 'worse' ? color : 'transparent')),
      borderWidth: 1.5, pointRadius: 4, pointHoverRadius: 6,
      data: s.differences.map((d) => ({ x: d.epsilon, y: d.difference * k, ...(d.ci ? { low: d.ci.low * k, high: d.ci.high * k } : {}) })),
      tips: s.differences.map((d) => `${estimateText(d.difference, d.ci, analysis.metricInfo)}${d.comparison.adjustedLevel ? ` (${formatLevel(d.comparison.adjustedLevel)} CI)` : ''}: ${d.comparison.verdict}`),
      kinds: s.differences.map((d) => d.comparison.kind),
    }];
  }

  private zeroLine(xMin: number, xMax: number): Dataset {
    return {
      role: 'zero', series: -1, label: 'no difference',
      borderColor: this.theme.muted, backgroundColor: this.theme.muted, borderWidth: 1.5, borderDash: [6, 4], pointRadius: 0, pointHitRadius: 0,
      data: [{ x: xMin, y: 0 }, { x: xMax, y: 0 }], tips: ['', ''],
    };
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
      best: of('best').map((d) => ({ series: d.series, epsilon: d.data[0].x, y: d.data[0].y, label: String(d.label), significant: d.significant === true })),
      differences: of('difference').flatMap((d) => d.data.map((p, i) => ({
        series: d.series, epsilon: p.x, difference: p.y, low: p.low, high: p.high, kind: d.kinds?.[i] ?? '',
      }))),
      bars: drawnBars.get(this.chart as never) ?? [],
      legend: (this.chart.legend?.legendItems ?? []).map((item) => item.text),
    };
  }
}
