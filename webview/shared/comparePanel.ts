import '@vscode-elements/elements/dist/vscode-button/index.js';
import { toCsv } from './csv';
import { select, smoothingSlider } from './controls';
import { el } from './dom';
import { GroupMeans } from './groupMeans';
import { legendLabels } from './legend';
import { LiveChart, type LineSpec } from './liveChart';
import { MAX_RUNS_WITH_RAW, METRICS, X_AXES, metricById, metricChoices, rowCount, stepsPerEpoch, xColumn, yColumn, type XAxis, type YScale } from './metrics';
import { smoothSeries } from '../../src/core/smoothing';
import type { RunSeries, RunsStore } from './series';
import { runColor, runColors, type ChartTheme } from './theme';
import { exportTitle, type PngBackground } from './charts';

export interface CompareSettings {
  /** A metric id of METRICS, or `step:<key>` / `epoch:<key>` for a key a script logged. */
  metric: string;
  xAxis: XAxis;
  yScale: YScale;
  smoothing: number;
  /** Draw the mean ± std over seeds of runs that differ only in their seed, instead of each run. */
  groupMeans?: boolean;
  /** The background of exported PNGs. */
  pngBackground?: PngBackground;
}

export const DEFAULT_COMPARE: CompareSettings = { metric: 'loss', xAxis: 'step', yScale: 'linear', smoothing: 0.6 };

export interface ComparePanelOptions {
  /** The sidebar shows only the metric picker and smoothing; the dashboard shows everything. */
  compact: boolean;
  emptyText: string;
  onSettings(settings: CompareSettings): void;
  onExportPng(dataUrl: string, fileName: string): void;
  onExportCsv(csv: string, fileName: string): void;
}

/** Selected runs overlaid on one chart for one metric, with axis, scale, smoothing and exports. */
export class ComparePanel {
  readonly root: HTMLElement;
  readonly chart: LiveChart;
  readonly groups: GroupMeans;
  private readonly empty: HTMLElement;
  private readonly note: HTMLElement;
  private readonly chartBox: HTMLElement;
  private runIds: string[] = [];
  /** PNG and CSV: nothing to export while no run is shown. */
  private exportButtons: HTMLElement[] = [];
  private metricControl: HTMLElement;
  /** The ids the metric picker offers, to rebuild it only when a shown run brings a new logged key. */
  private offeredMetrics = METRICS.map((m) => m.id).join('\n');

  constructor(private readonly store: RunsStore, private theme: ChartTheme, private settings: CompareSettings,
    private readonly options: ComparePanelOptions) {
    const set = (patch: Partial<CompareSettings>) => this.changeSettings(patch);
    this.metricControl = this.metricSelect(METRICS);
    const controls = el('div', { class: 'toolbar' }, this.metricControl);
    if (!options.compact) {
      controls.append(
        select('X axis', X_AXES, settings.xAxis, (v) => set({ xAxis: v as XAxis })),
        select('Y scale', [{ id: 'linear', label: 'Linear' }, { id: 'logarithmic', label: 'Log' }], settings.yScale, (v) => set({ yScale: v as YScale })),
      );
    }
    this.groups = new GroupMeans(store, theme, settings, options.compact, (on) => set({ groupMeans: on }));
    controls.append(smoothingSlider(settings.smoothing, (v) => set({ smoothing: v })), this.groups.toggle);
    if (!options.compact) {
      const png = el('vscode-button', { text: 'PNG', attrs: { icon: 'file-media', secondary: '', title: 'Save the chart as PNG, with a title and without the tooltip' } });
      png.addEventListener('click', () => this.exportPng());
      const csv = el('vscode-button', { text: 'CSV', attrs: { icon: 'table', secondary: '', title: 'Save the drawn series as CSV' } });
      csv.addEventListener('click', () => this.exportCsv());
      this.exportButtons = [png, csv];
      const background = select('PNG background', [{ id: 'theme', label: 'Theme' }, { id: 'light', label: 'White' }], settings.pngBackground ?? 'theme',
        (v) => set({ pngBackground: v as PngBackground }));
      controls.append(el('span', { class: 'toolbar-spacer' }), background, el('span', { class: 'toolbar-group' }, png, csv));
    }
    const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': 'Comparison chart' } });
    this.chartBox = el('div', { class: options.compact ? 'chart-box compact' : 'chart-box tall' }, canvas);
    this.empty = el('p', { class: 'empty-state', text: options.emptyText });
    this.note = el('p', { class: 'chart-note', text: `More than ${MAX_RUNS_WITH_RAW} runs: only the smoothed curves are drawn. Set smoothing to off to see the raw ones.` });
    // In the narrow sidebar the hint for an empty chart comes first, where it is seen without scrolling.
    const parts = options.compact ? [this.empty, controls] : [controls, this.empty];
    this.root = el('section', { class: options.compact ? 'compare-panel compact' : 'compare-panel' }, ...parts, this.chartBox, this.groups.box, this.note);
    this.chart = new LiveChart(canvas, store, settings, theme, options.compact ? undefined : metricById(settings.metric).label);
  }

  get currentSettings(): CompareSettings {
    return this.settings;
  }

  /** New metrics of these runs arrived: the curves grow, and keys a script logged join the metric picker. */
  seriesChanged(runIds: Set<string>): void {
    this.chart.extend(runIds);
    this.offerLoggedMetrics();
  }

  private metricSelect(choices: readonly { id: string; label: string }[]): HTMLElement {
    return select('Metric', choices, this.settings.metric, (v) => this.changeSettings({ metric: metricById(v).id }));
  }

  private offerLoggedMetrics(): void {
    const shown = this.runIds.map((id) => this.store.series.get(id)).filter((s): s is RunSeries => s !== undefined);
    const choices = metricChoices(shown);
    const ids = choices.map((c) => c.id).join('\n');
    if (ids === this.offeredMetrics) return;
    this.offeredMetrics = ids;
    const fresh = this.metricSelect(choices);
    this.metricControl.replaceWith(fresh);
    this.metricControl = fresh;
  }

  /** Shows these runs (the selection); curves already drawn are kept. */
  showRuns(runIds: string[]): void {
    this.runIds = runIds.filter((id) => this.store.runs.has(id));
    this.empty.hidden = this.runIds.length > 0;
    this.chartBox.hidden = this.runIds.length === 0 || this.groups.active;
    for (const button of this.exportButtons) button.toggleAttribute('disabled', this.runIds.length === 0);
    this.groups.showRuns(this.runIds);
    this.chart.setLines(this.lineSpecs());
    this.updateRawBehind();
    this.offerLoggedMetrics();
  }

  /** A run's colour here: told apart from the other runs shown (runColors); the dashboard's swatches use it too. */
  colorOf(runId: string): string {
    return runColors(this.theme, this.runIds).get(runId) ?? runColor(this.theme, runId);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.chart.setTheme(theme, (spec) => this.colorOf(spec.runId));
    this.groups.setTheme(theme);
  }

  private updateRawBehind(): void {
    const many = this.runIds.length > MAX_RUNS_WITH_RAW;
    this.chart.setRawBehind(!many);
    this.note.hidden = !many || this.settings.smoothing === 0 || metricById(this.settings.metric).source !== 'step';
  }

  private lineSpecs(): LineSpec[] {
    const runs = this.runIds.map((id) => this.store.runs.get(id)!);
    const labels = legendLabels(runs);
    const metric = metricById(this.settings.metric);
    return runs.map((run) => ({ key: run.id, runId: run.id, metric, label: labels.get(run.id) ?? run.name, color: this.colorOf(run.id) }));
  }

  private changeSettings(patch: Partial<CompareSettings>): void {
    const metricChanged = patch.metric !== undefined && patch.metric !== this.settings.metric;
    this.settings = { ...this.settings, ...patch };
    if (metricChanged) {
      if (!this.options.compact) this.chart.setYTitle(metricById(this.settings.metric).label);
      this.chart.setLines([]);
    }
    this.chart.configure(this.settings);
    if (metricChanged) this.chart.setLines(this.lineSpecs());
    this.updateRawBehind();
    this.groups.configure(this.settings);
    this.chartBox.hidden = this.runIds.length === 0 || this.groups.active;
    this.chart.render();
    this.groups.render();
    this.options.onSettings(this.settings);
  }

  private exportPng(): void {
    if (this.runIds.length === 0) return;
    this.chart.render();
    this.groups.render();
    const what = metricById(this.settings.metric).label;
    const background = this.settings.pngBackground ?? 'theme';
    const url = this.groups.active ? this.groups.pngDataUrl(what, background)
      : this.chart.pngDataUrl(exportTitle(what, this.chart.lines().map((l) => l.label)), background);
    this.options.onExportPng(url, `polyloss-${this.settings.metric}.png`);
  }

  /** The series of the drawn curves, from the store: raw values, plus the smoothed ones when smoothing applies. */
  csv(): string {
    const { xAxis, smoothing } = this.settings;
    const metric = metricById(this.settings.metric);
    const smoothed = smoothing > 0 && metric.source === 'step';
    const header = ['run_id', 'run', 'legend', 'metric', xAxis, 'value', ...(smoothed ? ['smoothed'] : [])];
    const out: (string | number)[][] = [];
    for (const spec of this.chart.lines()) {
      const run = this.store.runs.get(spec.runId);
      const series = this.store.series.get(spec.runId);
      if (!series) continue;
      const n = rowCount(series, metric);
      const x = xColumn(series, metric, xAxis, stepsPerEpoch(run));
      const ys = Array.from(yColumn(series, metric).subarray(0, n));
      const smooth = smoothed ? smoothSeries(ys, smoothing) : [];
      ys.forEach((y, i) => out.push([spec.runId, run?.name ?? '', spec.label, metric.id, x(i), y, ...(smoothed ? [smooth[i]] : [])]));
    }
    return toCsv(header, out);
  }

  private exportCsv(): void {
    if (this.runIds.length === 0) return;
    this.options.onExportCsv(this.groups.active ? this.groups.csv() : this.csv(), `polyloss-${this.settings.metric}.csv`);
  }
}
