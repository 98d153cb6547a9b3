import '@vscode-elements/elements/dist/vscode-button/index.js';
import { analyzeRuns, DEFAULT_LAST_K, SUMMARY_METRICS, type Analysis, type SummaryMetric } from '../../src/core/grouping';
import { groupStatistics, groupsCsv } from '../../src/core/report/groupsExport';
import type { EpochMetric, RunRecord } from '../../src/core/runFormat';
import { metricLabel } from '../../src/core/report/format';
import { headline } from '../../src/core/report/headline';
import { describeSweepGrid, describeSweepState, isLive, sweepsOf } from '../../src/core/sweepRuns';
import { select } from '../shared/controls';
import { el } from '../shared/dom';
import type { RunsStore, RunSeries, StoreChange } from '../shared/series';
import type { ChartTheme } from '../shared/theme';
import { ResponseChart, type ResponseChartState } from './responseChart';
import { SweepTable } from './sweepTable';
import { TuneRounds } from './tuneRounds';

/**
 * The dashboard's Sweep tab: for one sweep (or the ticked runs) the ε-response chart and the
 * results table of analyzeRuns, filling in as the sweep's runs finish, with the summary metric to
 * compare on and exports of the group statistics (the report's groups.csv / groups.json).
 */

/** `source`: a sweep id, TICKED for the ticked runs, or '' for the newest sweep. */
export interface SweepSettings {
  source: string;
  metric: SummaryMetric;
}

export const TICKED = 'ticked';
const NO_SWEEPS = 'No sweeps yet. Start one with "PolyLoss: Run Sweep…" (or `polyloss sweep` in a terminal), or tick runs and choose "Ticked runs".';
const NO_TICKED_RUNS = 'No runs ticked. Tick runs in the Runs tab or in the Runs view of the sidebar, or choose a sweep.';
export const DEFAULT_SWEEP_SETTINGS: SweepSettings = { source: '', metric: 'test' };

const METRIC_CHOICES = (Object.keys(SUMMARY_METRICS) as SummaryMetric[]).map((id) => ({
  id, label: id === 'lastK' ? `val acc of the last ${DEFAULT_LAST_K} epochs` : SUMMARY_METRICS[id].label,
}));

export interface SweepPanelCallbacks {
  onSettings(settings: SweepSettings): void;
  /** The lastK metric needs the runs' epoch lines: asks the host for their histories. */
  onSubscribe(runIds: string[]): void;
  onExportCsv(csv: string, fileName: string): void;
  onExportJson(json: string, fileName: string): void;
  onExportPng(dataUrl: string, fileName: string): void;
  /** Asks the host for the tune record of a sweep (answered with SweepPanel.showTune). */
  onGetTune(sweepId: string, requestId: string): void;
}

/** A run's epoch lines from the webview's columns (what summaryValue reads for lastK). */
function epochsOf(series: RunSeries | undefined): EpochMetric[] {
  if (!series) return [];
  const e = series.epochs;
  const out: EpochMetric[] = [];
  for (let i = 0; i < e.length; i++) {
    out.push({
      kind: 'epoch', epoch: e.col('epoch')[i], step: e.col('step')[i], t: e.col('t')[i], trainLoss: e.col('trainLoss')[i],
      valLoss: e.col('valLoss')[i], valAcc: e.col('valAcc')[i],
      pt: { mean: e.col('ptMean')[i], q25: e.col('ptQ25')[i], q50: e.col('ptQ50')[i], q75: e.col('ptQ75')[i] },
    });
  }
  return out;
}

export class SweepPanel {
  readonly root: HTMLElement;
  readonly chart: ResponseChart;
  /** What the verdicts use: each ε's difference from its baseline with the Holm-level interval. */
  readonly differenceChart: ResponseChart;
  readonly table: SweepTable;
  readonly tune: TuneRounds;
  private readonly headline: HTMLElement;
  private readonly hint: HTMLElement;
  private readonly differenceBox: HTMLElement;
  private readonly sourceSlot: HTMLElement;
  private readonly status: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly chartBox: HTMLElement;
  private readonly chartNote: HTMLElement;
  private sourceChoices = '';
  private analysis: Analysis | undefined;
  private dirty = true;
  private stale = false;
  private readonly subscribed = new Set<string>();

  constructor(private readonly store: RunsStore, theme: ChartTheme, private settings: SweepSettings, private readonly callbacks: SweepPanelCallbacks) {
    this.sourceSlot = el('span', { class: 'sweep-source' });
    const png = el('vscode-button', { text: 'PNG', attrs: { icon: 'file-media', secondary: '', title: 'Save the ε-response chart as PNG' } });
    png.addEventListener('click', () => this.exportPng());
    const csv = el('vscode-button', { text: 'CSV', attrs: { icon: 'table', secondary: '', title: 'Save the group statistics as CSV' } });
    csv.addEventListener('click', () => this.exportStatistics('csv'));
    const json = el('vscode-button', { text: 'JSON', attrs: { icon: 'json', secondary: '', title: 'Save the group statistics as JSON' } });
    json.addEventListener('click', () => this.exportStatistics('json'));
    const controls = el('div', { class: 'toolbar' },
      this.sourceSlot,
      select('Summary metric', METRIC_CHOICES, settings.metric, (v) => this.change({ metric: v as SummaryMetric })),
      el('span', { class: 'toolbar-spacer' }), el('span', { class: 'toolbar-group' }, png, csv, json));
    this.status = el('p', { class: 'table-summary sweep-status', attrs: { 'aria-live': 'polite' } });
    this.empty = el('p', { class: 'empty-state', text: NO_SWEEPS });
    const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': 'Summary metric against ε with confidence intervals' } });
    this.chartBox = el('div', { class: 'chart-box sweep-chart' }, canvas);
    const differenceCanvas = el('canvas', { attrs: { role: 'img', 'aria-label': 'Difference from the baseline against ε, with the intervals the verdicts use' } });
    this.differenceBox = el('div', { class: 'chart-box sweep-difference-chart' }, differenceCanvas);
    this.chartNote = el('p', { class: 'chart-note' });
    this.headline = el('p', { class: 'sweep-headline', attrs: { 'aria-live': 'polite' } });
    this.hint = el('p', { class: 'sweep-hint' });
    this.table = new SweepTable();
    this.tune = new TuneRounds((sweepId, requestId) => this.callbacks.onGetTune(sweepId, requestId));
    this.root = el('section', { class: 'sweep-panel' },
      controls, this.headline, this.hint, this.status, this.empty, this.chartBox, this.differenceBox, this.chartNote, this.table.root, this.tune.root);
    this.chart = new ResponseChart(canvas, theme);
    this.differenceChart = new ResponseChart(differenceCanvas, theme, 'differences');
  }

  /** Takes in what a host message changed; the work happens at the next render. */
  update(change: StoreChange, snapshot: boolean): void {
    if (snapshot) this.subscribed.clear();
    if (change.runs || change.selection) this.dirty = true;
    if (this.settings.metric === 'lastK' && change.series.size > 0) this.dirty = true;
  }

  /** Shows the sweep of these runs (the host's Show Sweep Statistics), or the runs themselves when they are of no one sweep. */
  focusRuns(runIds: readonly string[]): void {
    const sweeps = new Set(runIds.map((id) => this.store.runs.get(id)?.config.sweepId));
    const [only] = sweeps;
    this.change({ source: sweeps.size === 1 && only ? only : TICKED });
  }

  setTheme(theme: ChartTheme): void {
    this.chart.setTheme(theme);
    this.differenceChart.setTheme(theme);
    this.dirty = true;
  }

  /** Recomputes the analysis if anything changed and draws, or waits until the tab is visible. */
  render(): void {
    if (this.root.offsetParent === null) {
      this.stale = true;
      return;
    }
    this.stale = false;
    if (this.dirty) this.refresh();
    this.chart.render();
    if (!this.differenceBox.hidden) this.differenceChart.render();
  }

  renderIfStale(): void {
    if (this.stale) this.render();
  }

  /** The sweep shown: the chosen one if it still exists, else the newest sweep, else the ticked runs. */
  currentSource(): string {
    const sweeps = sweepsOf(this.store.list());
    if (this.settings.source === TICKED || sweeps.some((s) => s.sweepId === this.settings.source)) return this.settings.source;
    return sweeps[0]?.sweepId ?? TICKED;
  }

  /** The ticked runs in selection order, or the sweep's runs oldest first (the order they were planned in). */
  private runsOf(source: string): RunRecord[] {
    if (source === TICKED) return this.store.selectedRuns();
    return this.store.list().filter((r) => r.config.sweepId === source).reverse();
  }

  private change(patch: Partial<SweepSettings>): void {
    this.settings = { ...this.settings, ...patch };
    this.dirty = true;
    this.callbacks.onSettings(this.settings);
    this.render();
  }

  private refresh(): void {
    this.dirty = false;
    const source = this.currentSource();
    this.showSources(source);
    const runs = this.runsOf(source);
    if (this.settings.metric === 'lastK') this.subscribe(runs);
    this.analysis = runs.length > 0
      ? analyzeRuns(runs, { metric: this.settings.metric, k: DEFAULT_LAST_K, epochsOf: (run) => epochsOf(this.store.series.get(run.id)) })
      : undefined;
    const name = source === TICKED ? 'Ticked runs' : `${describeSweepGrid(runs.map((r) => r.config))} (${source})`;
    this.empty.hidden = runs.length > 0;
    this.empty.textContent = source === TICKED && sweepsOf(this.store.list()).length > 0 ? NO_TICKED_RUNS : NO_SWEEPS;
    this.status.hidden = runs.length === 0;
    this.status.textContent = `${name}: ${describeSweepState(runs)}. Groups count completed runs; the chart and table fill in as runs finish.`;
    const drawn = this.analysis ? this.chart.show(this.analysis) : false;
    this.chartBox.hidden = !drawn;
    this.differenceBox.hidden = !(drawn && this.differenceChart.show(this.analysis!));
    const head = this.analysis && this.analysis.groups.some((g) => g.mean !== null) ? headline(this.analysis) : undefined;
    this.headline.textContent = head?.text ?? '';
    this.headline.hidden = !head;
    this.headline.classList.toggle('has-winner', head?.winner !== undefined);
    this.hint.textContent = head?.hint?.text ?? '';
    this.hint.hidden = !head?.hint;
    this.chartNote.hidden = drawn || runs.length === 0;
    this.chartNote.textContent = this.analysis && this.analysis.groups.some((g) => g.mean !== null)
      ? 'No finished group of these runs has an ε (Poly-1, Poly-N or Poly-1 focal): nothing to draw against ε.'
      : runs.some(isLive)
        ? 'No run has finished yet: the chart appears with the first results.'
        : `No run of these finished with a ${metricLabel(this.analysis ?? { metric: this.settings.metric, metricInfo: SUMMARY_METRICS[this.settings.metric], k: DEFAULT_LAST_K })}: nothing to draw.`;
    this.table.root.hidden = !this.analysis;
    if (this.analysis) this.table.show(this.analysis);
    this.tune.showSweep(source === TICKED ? undefined : source, runs);
  }

  /** The Sweep picker: every sweep (newest first) and the ticked runs; rebuilt when the list changes. */
  private showSources(current: string): void {
    const sweeps = sweepsOf(this.store.list());
    const choices = [
      ...sweeps.map((s) => ({
        id: s.sweepId,
        label: `${describeSweepGrid(s.runs.map((r) => r.config))} (${s.runs.length} run${s.runs.length === 1 ? '' : 's'})`,
        description: `Sweep ${s.sweepId}`,
      })),
      { id: TICKED, label: `Ticked runs (${this.store.selectedRuns().length})` },
    ];
    const signature = JSON.stringify([choices, current]);
    if (signature === this.sourceChoices) return;
    this.sourceChoices = signature;
    this.sourceSlot.replaceChildren(select('Sweep', choices, current, (v) => this.change({ source: v })));
  }

  private subscribe(runs: readonly RunRecord[]): void {
    const wanted = runs.map((r) => r.id).filter((id) => !this.subscribed.has(id));
    if (wanted.length === 0) return;
    for (const id of wanted) this.subscribed.add(id);
    this.callbacks.onSubscribe(wanted);
  }

  private fileName(extension: string): string {
    return `polyloss-${this.currentSource()}-${this.settings.metric}.${extension}`;
  }

  private exportStatistics(format: 'csv' | 'json'): void {
    if (this.dirty) this.refresh();
    if (!this.analysis) return;
    if (format === 'csv') this.callbacks.onExportCsv(groupsCsv(this.analysis), this.fileName('csv'));
    else this.callbacks.onExportJson(JSON.stringify(groupStatistics(this.analysis), null, 2) + '\n', this.fileName('json'));
  }

  private exportPng(): void {
    this.render();
    this.callbacks.onExportPng(this.chart.pngDataUrl(), this.fileName('png'));
  }

  /** What the tab shows, for tests and the debug handle. */
  describe(): {
    source: string; status: string; headline: string; hint: string; analysis: Analysis | undefined;
    chart: ResponseChartState; differences: ResponseChartState | undefined; table: ReturnType<SweepTable['cells']>;
  } {
    return {
      source: this.currentSource(), status: this.status.textContent ?? '',
      headline: this.headline.hidden ? '' : this.headline.textContent ?? '', hint: this.hint.hidden ? '' : this.hint.textContent ?? '',
      analysis: this.analysis, chart: this.chart.describe(),
      differences: this.differenceBox.hidden ? undefined : this.differenceChart.describe(), table: this.table.cells(),
    };
  }
}
