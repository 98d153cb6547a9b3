import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { Filler, type ChartDataset, type ChartOptions, type TooltipItem } from 'chart.js';
import { diffConfigs } from '../../src/core/configDiff';
import { describeLoss } from '../../src/core/lossSpec';
import { groupByConfig, meanBand, type BandPoint, type Series } from '../../src/core/grouping';
import { smoothSeries } from '../../src/core/smoothing';
import { applyTheme, chartPng, createChart, curveOptions, curveScales, exportTitle, Chart, type PngBackground } from './charts';
import { toCsv } from './csv';
import { el } from './dom';
import { fmtNumber } from './format';
import { metricById, rowCount, stepsPerEpoch, xColumn, yColumn, type Point, type XAxis, type YScale, xAxisLabel } from './metrics';
import type { RunsStore } from './series';
import { withAlpha, type ChartTheme } from './theme';

/** The band between a group's lower and upper curves is filled. */
Chart.register(Filler);

/**
 * Compare's "Group means": the ticked runs that differ only in their seed become one curve, the
 * mean over seeds with a ± std band (core meanBand, over the x's every run of the group has), drawn
 * instead of the individual runs. Step metrics are smoothed per run first, as the runs are drawn.
 */

export interface GroupMeansSettings {
  metric: string;
  xAxis: XAxis;
  yScale: YScale;
  smoothing: number;
  groupMeans?: boolean;
}

export interface GroupBand {
  label: string;
  runIds: string[];
  color: string;
  points: BandPoint[];
}

type BandDataset = ChartDataset<'line', Point[]> & { part: 'mean' | 'lower' | 'upper'; band: number };

export class GroupMeans {
  readonly toggle: HTMLElement;
  readonly box: HTMLElement;
  readonly chart: Chart<'line', Point[]>;
  private readonly note: HTMLElement;
  private runIds: string[] = [];
  private bandsShown: GroupBand[] = [];
  /** What the drawn bands were computed from; unchanged data is not recomputed. */
  private signature = '';
  private stale = false;

  constructor(private readonly store: RunsStore, private theme: ChartTheme, private settings: GroupMeansSettings, private readonly compact: boolean,
    onToggle: (on: boolean) => void) {
    const box = el('vscode-checkbox', { attrs: { label: 'Group means', title: 'Draw the mean ± std over seeds of runs that differ only in their seed' } });
    box.checked = settings.groupMeans === true;
    box.addEventListener('change', () => onToggle(box.checked));
    this.toggle = el('span', { class: 'control group-means-toggle' }, box);
    const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': 'Mean ± std over seeds of each group of runs' } });
    this.note = el('p', { class: 'group-means-note' });
    this.box = el('div', {}, el('div', { class: compact ? 'chart-box compact' : 'chart-box tall' }, canvas), this.note);
    const base = curveOptions(theme, this.xTitle(), this.yTitle(), settings.yScale);
    const options: ChartOptions<'line'> = {
      ...base,
      plugins: {
        ...base.plugins,
        // The sidebar shows the legend too: with several groups the bands need their names.
        legend: { display: true, position: 'bottom', labels: { ...base.plugins?.legend?.labels, filter: (item, data) => (data.datasets[item.datasetIndex ?? 0] as BandDataset).part === 'mean' } },
        tooltip: {
          filter: (item) => (item.dataset as BandDataset).part === 'mean',
          callbacks: { label: (item: TooltipItem<'line'>) => this.tooltip(item) },
        },
      },
    };
    this.chart = createChart(canvas, 'line', theme, [], options) as unknown as Chart<'line', Point[]>;
    this.updateVisibility();
  }

  get active(): boolean {
    return this.settings.groupMeans === true;
  }

  showRuns(runIds: readonly string[]): void {
    this.runIds = [...runIds];
    this.updateVisibility();
  }

  configure(settings: GroupMeansSettings): void {
    this.settings = settings;
    const scales = this.chart.options.scales!;
    Object.assign(scales, curveScales(this.theme, this.xTitle(), this.yTitle(), settings.yScale));
    this.signature = '';
    this.updateVisibility();
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    applyTheme(this.chart as never, theme);
    this.signature = '';
  }

  /** Recomputes the bands when their runs' data changed, and draws (or waits until visible). */
  render(): void {
    if (!this.active) return;
    if (this.chart.canvas.offsetParent === null) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const signature = this.dataSignature();
    if (signature !== this.signature) {
      this.signature = signature;
      this.bandsShown = this.bands();
      this.chart.data.datasets = this.bandsShown.flatMap((band, i) => this.datasets(band, i));
      this.note.textContent = this.noteText();
      this.note.hidden = this.note.textContent === '';
    }
    this.chart.update('none');
  }

  renderIfStale(): void {
    if (this.stale) this.render();
  }

  /** One band per group of the shown runs that differ only in their seed. */
  bands(): GroupBand[] {
    if (this.settings.xAxis === 'time') return [];
    const runs = this.runIds.map((id) => this.store.runs.get(id)).filter((r) => r !== undefined);
    const groups = groupByConfig(runs);
    const labels = groups.length > 1 ? diffConfigs(groups.map((g) => ({ ...g.members[0].config, seed: 0 }))).legend : groups.map((g) => describeLoss(g.members[0].config.loss));
    return groups.map((group, i) => {
      const series = group.members.map((run) => this.curve(run.id)).filter((s): s is Series => s !== undefined && s.x.length > 0);
      return {
        label: `${labels[i] || describeLoss(group.members[0].config.loss)} (${group.members.length} run${group.members.length === 1 ? '' : 's'})`,
        runIds: group.members.map((r) => r.id),
        color: this.theme.palette[i % this.theme.palette.length],
        points: series.length > 0 ? meanBand(series) : [],
      };
    });
  }

  /** The bands as drawn: one row per group and x with n, mean and std. */
  csv(): string {
    const metric = metricById(this.settings.metric);
    const rows = this.bandsShown.flatMap((band) => band.points.map((p) => [band.label, metric.id, p.x, p.n, p.mean, p.std ?? NaN]));
    return toCsv(['group', 'metric', this.settings.xAxis, 'n', 'mean', 'std'], rows);
  }

  /** A clean PNG (see chartPng); the title's second line names the groups. */
  pngDataUrl(what: string, background: PngBackground): string {
    return chartPng(this.chart as unknown as Chart, this.theme, { title: exportTitle(`${what}: mean ± std over seeds`, this.bandsShown.map((b) => b.label)), background });
  }

  /** A run's curve as the Compare chart draws it: on the chosen x axis, smoothed for step metrics. */
  private curve(runId: string): Series | undefined {
    const series = this.store.series.get(runId);
    if (!series) return undefined;
    const metric = metricById(this.settings.metric);
    const n = rowCount(series, metric);
    const xOf = xColumn(series, metric, this.settings.xAxis, stepsPerEpoch(this.store.runs.get(runId)));
    const raw = Array.from(yColumn(series, metric).subarray(0, n));
    const y = metric.source === 'step' && this.settings.smoothing > 0 ? smoothSeries(raw, this.settings.smoothing) : raw;
    return { x: Array.from({ length: n }, (_, i) => xOf(i)), y };
  }

  private datasets(band: GroupBand, index: number): BandDataset[] {
    const line = (part: BandDataset['part'], y: (p: BandPoint) => number): BandDataset => ({
      part, band: index, label: band.label, data: band.points.map((p) => ({ x: p.x, y: y(p) })),
      borderColor: part === 'mean' ? band.color : withAlpha(band.color, 0.45), backgroundColor: withAlpha(band.color, 0.3),
      // The band's edges are drawn thin, so the ± std reads even where the fill is faint.
      borderWidth: part === 'mean' ? 1.75 : 0.75, pointRadius: 0, fill: part === 'upper' ? '-1' : false,
    });
    // Lower before upper: the upper curve fills down to the one before it.
    return [line('mean', (p) => p.mean), line('lower', (p) => p.mean - (p.std ?? 0)), line('upper', (p) => p.mean + (p.std ?? 0))];
  }

  private tooltip(item: TooltipItem<'line'>): string {
    const dataset = item.dataset as BandDataset;
    const point = this.bandsShown[dataset.band]?.points[item.dataIndex];
    if (!point) return String(dataset.label);
    return `${dataset.label}: ${fmtNumber(point.mean)}${point.std === null ? '' : ` ± ${fmtNumber(point.std)}`} (n=${point.n})`;
  }

  private dataSignature(): string {
    const parts = this.runIds.map((id) => {
      const series = this.store.series.get(id);
      return `${id}:${series?.generation ?? -1}:${series?.steps.length ?? 0}:${series?.epochs.length ?? 0}:${this.store.runs.get(id)?.totalSteps ?? ''}`;
    });
    return JSON.stringify([this.settings, this.theme.palette, parts]);
  }

  private noteText(): string {
    if (this.settings.xAxis === 'time') return 'Group means are drawn against step or epoch: runs of a group do not share wall-clock times.';
    const single = this.bandsShown.filter((b) => b.runIds.length === 1).length;
    return single > 0 ? `${single} group${single === 1 ? ' has' : 's have'} a single run: no ± std band there.` : '';
  }

  private xTitle(): string {
    return xAxisLabel(this.settings.xAxis);
  }

  /** The metric's name, except on the compact sidebar chart. */
  private yTitle(): string | undefined {
    return this.compact ? undefined : metricById(this.settings.metric).label;
  }

  private updateVisibility(): void {
    this.box.hidden = !this.active || this.runIds.length === 0;
  }
}
