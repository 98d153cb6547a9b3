import type { ChartDataset, ChartOptions } from 'chart.js';
import { DebiasedEma } from '../../src/core/smoothing';
import { applyTheme, chartPng, createChart, curveOptions, curveScales, VisibleRender, type Chart, type PngBackground } from './charts';
import { fmtNumber } from './format';
import { rowCount, stepsPerEpoch, xColumn, yColumn, type MetricDef, type Point, type XAxis, type YScale, xAxisLabel } from './metrics';
import type { RunsStore } from './series';
import type { ChartTheme } from './theme';
import { withAlpha } from './theme';

/** One curve: a metric of a run. */
export interface LineSpec {
  key: string;
  runId: string;
  metric: MetricDef;
  label: string;
  color: string;
  dash?: number[];
}

export interface LiveChartSettings {
  xAxis: XAxis;
  yScale: YScale;
  /** Debiased EMA weight for per-step curves; 0 = off. Per-epoch curves are already averages. */
  smoothing: number;
}

type LineDataset = ChartDataset<'line', Point[]>;

interface Track {
  spec: LineSpec;
  generation: number;
  stepsPerEpoch: number | undefined;
  consumed: number;
  ema: DebiasedEma | undefined;
  /** Raw points; only built when the raw curve is drawn (no smoothing, or raw shown behind). */
  raw: Point[];
  keepRaw: boolean;
  smooth: Point[] | undefined;
  rawDataset: LineDataset;
  smoothDataset: LineDataset | undefined;
}

/** Appends in slices: spreading a huge array into push() can exceed the argument limit. */
/**
 * Appends `items` without Chart.js seeing the push. Chart.js hooks `push` on the array a dataset shows
 * and inserts elements at once; with decimation the dataset shows a decimated copy, and when the hook sat
 * on our full array while the elements were the copy's, the insert wrote past them ("Cannot set
 * properties of undefined (setting 'skip')") and the chart froze. The frame's `update` resyncs the
 * elements with the data anyway.
 */
function pushAll(target: Point[], items: Point[]): void {
  for (let i = 0; i < items.length; i += 8192) Array.prototype.push.apply(target, items.slice(i, i + 8192));
}

/**
 * A line chart fed from the store that grows in place: new rows are appended to the existing
 * point arrays (and through the incremental EMA), then one `update('none')` per frame redraws.
 * Histories are never re-read unless the x axis, smoothing or the run's data generation changes.
 */
export class LiveChart {
  readonly chart: Chart<'line', Point[]>;
  private tracks = new Map<string, Track>();
  /** The datasets shown in the legend and tooltips (the smoothed one when smoothing is on). */
  private readonly primary = new WeakSet<object>();
  private readonly drawing: VisibleRender;
  /** Whether the faint raw curves are drawn behind smoothed ones. */
  private rawBehind = true;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly store: RunsStore,
    private settings: LiveChartSettings,
    private theme: ChartTheme,
    private yTitle: string | undefined,
    legend = true,
  ) {
    const base = curveOptions(theme, this.xTitle(), yTitle, settings.yScale);
    const options: ChartOptions<'line'> = {
      ...base,
      spanGaps: false,
      plugins: {
        ...base.plugins,
        legend: {
          display: legend, position: 'bottom',
          labels: { ...base.plugins?.legend?.labels, filter: (item, data) => this.primary.has(data.datasets[item.datasetIndex ?? 0]) },
        },
        tooltip: {
          filter: (item) => this.primary.has(item.dataset),
          callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmtNumber(ctx.parsed.y ?? undefined)}` },
        },
      },
    };
    this.chart = createChart(canvas, 'line', theme, [], options) as unknown as Chart<'line', Point[]>;
    this.drawing = new VisibleRender(canvas, this.chart as unknown as Chart);
  }

  private xTitle(): string {
    return xAxisLabel(this.settings.xAxis);
  }

  /** Sets which curves are drawn; curves already drawn with the same key keep their points. */
  setLines(specs: LineSpec[]): void {
    const next = new Map<string, Track>();
    for (const spec of specs) {
      const old = this.tracks.get(spec.key);
      const same = old && old.spec.runId === spec.runId && old.spec.metric.id === spec.metric.id;
      const track = same ? old : this.buildTrack(spec);
      if (same) this.restyle(track, spec);
      next.set(spec.key, track);
    }
    this.tracks = next;
    this.syncDatasets();
  }

  configure(settings: Partial<LiveChartSettings>): void {
    this.settings = { ...this.settings, ...settings };
    const scales = this.chart.options.scales!;
    Object.assign(scales, curveScales(this.theme, this.xTitle(), this.yTitle, this.settings.yScale));
    this.rebuildAll();
  }

  /** Many overlaid runs make the faint raw curves a haze (and double the drawing): callers turn them off. */
  setRawBehind(on: boolean): void {
    if (on === this.rawBehind) return;
    this.rawBehind = on;
    this.rebuildAll();
  }

  setYTitle(title: string | undefined): void {
    this.yTitle = title;
  }

  get currentSettings(): LiveChartSettings {
    return this.settings;
  }

  /** Pulls new rows of these runs into their curves; true if anything was added. */
  extend(runIds: Iterable<string>): boolean {
    const ids = new Set(runIds);
    let changed = false;
    for (const track of this.tracks.values()) {
      if (!ids.has(track.spec.runId)) continue;
      const series = this.store.series.get(track.spec.runId);
      if (!series) continue;
      if (series.generation !== track.generation) {
        this.tracks.set(track.spec.key, this.buildTrack(track.spec));
        changed = true;
      } else {
        changed = this.consume(track) || changed;
      }
    }
    if (changed) this.syncDatasets();
    return changed;
  }

  /** Run records changed: the epoch axis depends on each run's planned steps. */
  refreshRuns(): void {
    if (this.settings.xAxis !== 'epoch') return;
    let changed = false;
    for (const track of this.tracks.values()) {
      if (stepsPerEpoch(this.store.runs.get(track.spec.runId)) !== track.stepsPerEpoch) {
        this.tracks.set(track.spec.key, this.buildTrack(track.spec));
        changed = true;
      }
    }
    if (changed) this.syncDatasets();
  }

  setTheme(theme: ChartTheme, colors: (spec: LineSpec) => string): void {
    this.theme = theme;
    applyTheme(this.chart as never, theme);
    for (const track of this.tracks.values()) this.restyle(track, { ...track.spec, color: colors(track.spec) });
  }

  /** Draws now, or on the next `renderIfStale` after the chart becomes visible. */
  render(): void {
    this.drawing.render();
  }

  renderIfStale(): void {
    this.drawing.renderIfStale();
  }

  /** The curves drawn, in order. */
  lines(): LineSpec[] {
    return [...this.tracks.values()].map((t) => t.spec);
  }

  /** A clean PNG: a title, no tooltip, on the theme's background or white. */
  pngDataUrl(title: string[], background: PngBackground): string {
    return chartPng(this.chart as unknown as Chart, this.theme, { title, background });
  }

  destroy(): void {
    this.chart.destroy();
  }

  private rebuildAll(): void {
    for (const [key, track] of this.tracks) this.tracks.set(key, this.buildTrack(track.spec));
    this.syncDatasets();
  }

  private buildTrack(spec: LineSpec): Track {
    const smoothing = spec.metric.source === 'step' && this.settings.smoothing > 0;
    const raw: Point[] = [];
    const smooth = smoothing ? [] as Point[] : undefined;
    const track: Track = {
      spec, raw, smooth, keepRaw: !smoothing || this.rawBehind,
      generation: this.store.series.get(spec.runId)?.generation ?? -1,
      stepsPerEpoch: stepsPerEpoch(this.store.runs.get(spec.runId)),
      consumed: 0,
      ema: smoothing ? new DebiasedEma(this.settings.smoothing) : undefined,
      rawDataset: { label: spec.label, data: raw, borderWidth: 1 },
      smoothDataset: smooth ? { label: spec.label, data: smooth, borderWidth: 1.75 } : undefined,
    };
    this.restyle(track, spec);
    this.consume(track);
    return track;
  }

  private restyle(track: Track, spec: LineSpec): void {
    track.spec = spec;
    const pointRadius = spec.metric.source === 'epoch' ? 2 : 0;
    const raw = track.rawDataset;
    raw.label = spec.label;
    raw.borderColor = track.smoothDataset ? withAlpha(spec.color, 0.25) : spec.color;
    raw.backgroundColor = raw.borderColor;
    raw.borderDash = spec.dash;
    raw.pointRadius = pointRadius;
    const smooth = track.smoothDataset;
    if (smooth) {
      smooth.label = spec.label;
      smooth.borderColor = spec.color;
      smooth.backgroundColor = spec.color;
      smooth.borderDash = spec.dash;
      smooth.pointRadius = pointRadius;
    }
  }

  private consume(track: Track): boolean {
    const series = this.store.series.get(track.spec.runId);
    if (!series) return false;
    const { metric } = track.spec;
    const n = rowCount(series, metric);
    if (n <= track.consumed) return false;
    const xs = xColumn(series, metric, this.settings.xAxis, track.stepsPerEpoch);
    const ys = yColumn(series, metric);
    const { ema, keepRaw } = track;
    const raw: Point[] = keepRaw ? new Array(n - track.consumed) : [];
    const smooth: Point[] = ema ? new Array(n - track.consumed) : [];
    for (let i = track.consumed, j = 0; i < n; i++, j++) {
      const x = xs(i);
      if (keepRaw) raw[j] = { x, y: ys[i] };
      if (ema) smooth[j] = { x, y: ema.push(ys[i]) };
    }
    track.consumed = n;
    if (keepRaw) pushAll(track.raw, raw);
    if (track.smooth) pushAll(track.smooth, smooth);
    return true;
  }

  /**
   * Points the chart at our arrays. With decimation on, `dataset.data` reads back the decimated
   * copy and assigning it sets the source, so the full arrays are re-assigned rather than mutated
   * through `dataset.data`.
   */
  private syncDatasets(): void {
    const tracks = [...this.tracks.values()];
    const datasets: LineDataset[] = [];
    // Earlier datasets are drawn on top: smoothed curves first, faint raw curves behind them.
    for (const t of tracks) if (t.smoothDataset) datasets.push(t.smoothDataset);
    for (const t of tracks) if (t.keepRaw) datasets.push(t.rawDataset);
    for (const t of tracks) {
      t.rawDataset.data = t.raw;
      if (t.smoothDataset) t.smoothDataset.data = t.smooth!;
      this.primary.add(t.smoothDataset ?? t.rawDataset);
      if (t.smoothDataset) this.primary.delete(t.rawDataset);
    }
    this.chart.data.datasets = datasets;
  }
}
