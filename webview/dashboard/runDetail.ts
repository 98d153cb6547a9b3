import '@vscode-elements/elements/dist/vscode-button/index.js';
import { commandRunFacts } from '../../src/core/commandRun';
import { describeLoss } from '../../src/core/lossSpec';
import { TERMINAL_STATUSES, type RunRecord } from '../../src/core/runFormat';
import type { OutputTailText } from '../../src/core/viewProtocol';
import { createChart, applyTheme, baseOptions, themedScale, type Chart } from '../shared/charts';
import { select, smoothingSlider } from '../shared/controls';
import { el } from '../shared/dom';
import { fmtDate, fmtDuration, fmtNumber, fmtPercent } from '../shared/format';
import { LiveChart, type LineSpec } from '../shared/liveChart';
import { X_AXES, metricById, type MetricId, type XAxis } from '../shared/metrics';
import type { RunsStore, RunSeries } from '../shared/series';
import { withAlpha, type ChartTheme } from '../shared/theme';
import { describeDataset, describeModel, describeOptimizer } from './columns';

export interface DetailSettings {
  xAxis: XAxis;
  smoothing: number;
}

export interface RunDetailCallbacks {
  onStop(runId: string): void;
  onRerun(runId: string): void;
  /** Opens the run's output.log (runs of the user's command have one). */
  onShowOutput(runId: string): void;
  /** The detail shows this command run's output (undefined: no run's); its end comes back through showOutput. */
  onWatchOutput(runId: string | undefined): void;
  onSettings(settings: DetailSettings): void;
}

interface CurveDef {
  metric: MetricId;
  label: string;
  /** Index into the theme palette. */
  color: number;
  dash?: number[];
}

/** The live charts of one run: the loss and its two parts, accuracy, epoch losses, Pt quartiles. */
const CHARTS: { id: string; title: string; perEpoch?: boolean; curves: (run: RunRecord) => CurveDef[] }[] = [
  {
    id: 'loss', title: 'Training loss and its parts',
    curves: (run) => [
      { metric: 'loss', label: 'loss', color: 0 },
      { metric: 'base', label: run.config.loss.type.includes('focal') ? 'focal part' : 'CE part', color: 1 },
      { metric: 'poly', label: 'polynomial part', color: 2 },
    ],
  },
  {
    id: 'accuracy', title: 'Accuracy',
    curves: () => [{ metric: 'acc', label: 'batch accuracy', color: 0 }, { metric: 'valAcc', label: 'validation accuracy', color: 3 }],
  },
  {
    id: 'epochLoss', title: 'Loss per epoch', perEpoch: true,
    curves: () => [{ metric: 'trainLoss', label: 'training', color: 0 }, { metric: 'valLoss', label: 'validation', color: 3 }],
  },
  {
    id: 'pt', title: 'Validation Pt (probability of the true class)', perEpoch: true,
    curves: () => [
      // Each quartile its own colour and dash, so they read apart in colour and in grey.
      { metric: 'ptQ25', label: '25th percentile', color: 0, dash: [6, 3] },
      { metric: 'ptQ50', label: 'median', color: 4 },
      { metric: 'ptQ75', label: '75th percentile', color: 2, dash: [2, 2] },
      { metric: 'ptMean', label: 'mean', color: 5, dash: [8, 3, 2, 3] },
    ],
  },
];

/** A chart of per-epoch values counts epochs where the others count steps: one point per epoch. */
function chartAxis(def: (typeof CHARTS)[number], settings: DetailSettings): DetailSettings {
  return def.perEpoch && settings.xAxis === 'step' ? { ...settings, xAxis: 'epoch' } : settings;
}

/** Time left, extrapolated from the pace so far. */
export function estimateRemainingMs(run: RunRecord, series: RunSeries | undefined): number | undefined {
  if (run.status !== 'running' || !run.totalSteps || !series) return undefined;
  if (!series.steps.length) return undefined;
  const step = series.steps.last('step');
  const t = series.steps.last('t');
  return step > 0 ? ((run.totalSteps - step) * t) / step : undefined;
}

/** "270 examples" of a split, when the run recorded its sizes. */
function splitSize(run: RunRecord, split: 'validation' | 'test'): string {
  const n = run.data?.[split];
  return n === undefined ? `${split} split` : `${split} split, ${n} examples`;
}

/**
 * The results with the split each comes from. While a run trains (or when it ended without a
 * summary) the final loss and best validation accuracy are taken from the metrics received so far.
 */
export function resultFacts(run: RunRecord, series: RunSeries | undefined): [string, string][] {
  const s = run.summary;
  const steps = series?.steps;
  const liveLoss = steps?.length ? steps.last('loss') : undefined;
  const valAccs = series?.epochs.values('valAcc').filter(Number.isFinite) ?? [];
  const liveBest = valAccs.length ? Math.max(...valAccs) : undefined;
  const training = !TERMINAL_STATUSES.includes(run.status);
  const sofar = training ? ', so far' : '';
  const finalLoss = s?.finalLoss ?? liveLoss;
  const bestValAcc = s?.bestValAcc ?? liveBest;
  const epochsSeen = valAccs.length;
  return [
    ['Final loss', finalLoss === undefined ? '—' : `${fmtNumber(finalLoss)} (last training batch${sofar})`],
    ['Best val acc', bestValAcc === undefined ? '—'
      : `${fmtPercent(bestValAcc)} (${splitSize(run, 'validation')}${training && epochsSeen ? `, best of ${epochsSeen} epoch${epochsSeen === 1 ? '' : 's'} so far` : ''})`],
    ['Test acc', s?.testAcc === undefined ? (training ? `after training (${splitSize(run, 'test')})` : '—') : `${fmtPercent(s.testAcc)} (${splitSize(run, 'test')})`],
    ['ECE', s?.ece === undefined ? '—' : `${fmtNumber(s.ece, 3)} (test split)`],
  ];
}

/** Header (config, backend, duration, status/ETA, Stop/Rerun), live charts, per-class results. */
export class RunDetail {
  readonly root: HTMLElement;
  readonly charts = new Map<string, LiveChart>();
  private runId: string | undefined;
  private readonly header = el('div', { class: 'detail-header' });
  private readonly facts = el('dl', { class: 'facts' });
  private readonly results = el('section', { class: 'results' });
  private readonly outputNote = el('p', { class: 'chart-note' });
  private readonly outputText = el('pre', { class: 'output-text', attrs: { tabindex: '0', 'aria-label': 'End of output.log' } });
  private readonly output = el('section', { class: 'output-tail' }, el('h3', { text: 'Output' }), this.outputNote, this.outputText);
  /** The command run whose output is asked for. */
  private watchedOutput: string | undefined;
  private readonly empty = el('p', { class: 'empty-state', text: 'Open a run from the Runs tab (click a row or press Enter on it) to see its details here.' });
  private readonly body: HTMLElement;
  private classChart: Chart<'bar'> | undefined;
  private resultsKey = '';

  constructor(private readonly store: RunsStore, private theme: ChartTheme, private settings: DetailSettings,
    private readonly callbacks: RunDetailCallbacks) {
    const controls = el('div', { class: 'toolbar' },
      select('X axis', X_AXES, settings.xAxis, (v) => this.configure({ xAxis: v as XAxis })),
      smoothingSlider(settings.smoothing, (v) => this.configure({ smoothing: v })));
    const grid = el('div', { class: 'chart-grid' });
    for (const def of CHARTS) {
      const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': def.title } });
      grid.append(el('div', { class: 'chart-card' }, el('h3', { text: def.title }), el('div', { class: 'chart-box' }, canvas)));
      this.charts.set(def.id, new LiveChart(canvas, store, { ...chartAxis(def, settings), yScale: 'linear' }, theme, undefined));
    }
    this.body = el('div', {}, this.header, this.facts, this.output, controls, grid, this.results);
    this.root = el('section', { class: 'run-detail' }, this.empty, this.body);
    this.show(undefined);
  }

  get shownRunId(): string | undefined {
    return this.runId;
  }

  show(runId: string | undefined): void {
    const run = runId ? this.store.runs.get(runId) : undefined;
    this.runId = run?.id;
    this.empty.hidden = run !== undefined;
    this.body.hidden = run === undefined;
    for (const def of CHARTS) this.charts.get(def.id)!.setLines(run ? this.lines(run, def.curves(run)) : []);
    this.watchOutput(run?.config.command !== undefined ? run.id : undefined);
    this.refresh();
  }

  /** The end of the shown run's output.log, as the host read it (null: there is none yet). Shown as text, never as HTML. */
  showOutput(runId: string, tail: OutputTailText | null): void {
    if (runId !== this.watchedOutput) return;
    const box = this.outputText;
    const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.textContent = tail?.text ?? '';
    box.hidden = !tail?.text;
    this.outputNote.textContent = !tail ? this.noOutputNote(runId)
      : !tail.text ? 'output.log is empty so far.'
        : tail.truncated ? 'The last lines of output.log; Output opens the whole file.' : 'output.log so far; Output opens it in an editor.';
    if (atEnd) box.scrollTop = box.scrollHeight; // follows new lines unless the reader scrolled up
  }

  /** Why a command run has no output.log: it has not started, or PolyLoss Lab did not start it. */
  private noOutputNote(runId: string): string {
    return this.store.runs.get(runId)?.status === 'queued'
      ? 'No output yet: output.log appears once the command starts.'
      : 'No output.log: this script was not started by PolyLoss Lab, so what it printed went where it ran.';
  }

  /** Asks for the output of a command run shown (again after every show: the host forgets it on reload). */
  private watchOutput(runId: string | undefined): void {
    this.output.hidden = runId === undefined;
    if (runId !== this.watchedOutput) {
      this.outputText.textContent = '';
      this.outputText.hidden = true;
      this.outputNote.textContent = 'Reading output.log…';
    }
    if (runId === undefined && this.watchedOutput === undefined) return;
    this.watchedOutput = runId;
    this.callbacks.onWatchOutput(runId);
  }

  /** Re-reads the run record (status, summary) and redraws header and results. */
  refresh(): void {
    const run = this.runId ? this.store.runs.get(this.runId) : undefined;
    if (!run) {
      if (this.runId) this.show(undefined);
      return;
    }
    this.renderHeader(run);
    this.renderFacts(run);
    this.renderResults(run);
    for (const chart of this.charts.values()) chart.refreshRuns();
  }

  extend(runIds: Set<string>): void {
    if (!this.runId || !runIds.has(this.runId)) return;
    for (const chart of this.charts.values()) chart.extend(runIds);
    const run = this.store.runs.get(this.runId);
    if (run) this.renderFacts(run);
  }

  render(): void {
    for (const chart of this.charts.values()) chart.render();
  }

  renderIfStale(): void {
    for (const chart of this.charts.values()) chart.renderIfStale();
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    const run = this.runId ? this.store.runs.get(this.runId) : undefined;
    for (const def of CHARTS) {
      const curves = run ? def.curves(run) : [];
      this.charts.get(def.id)!.setTheme(theme, (spec) => theme.palette[curves.find((c) => c.metric === spec.metric.id)?.color ?? 0]);
    }
    if (run) {
      this.resultsKey = '';
      this.renderResults(run);
    }
  }

  private configure(patch: Partial<DetailSettings>): void {
    this.settings = { ...this.settings, ...patch };
    for (const def of CHARTS) {
      const chart = this.charts.get(def.id)!;
      chart.configure(chartAxis(def, this.settings));
      chart.render();
    }
    this.callbacks.onSettings(this.settings);
  }

  private lines(run: RunRecord, curves: CurveDef[]): LineSpec[] {
    return curves.map((c) => ({
      key: `${run.id}:${c.metric}`, runId: run.id, metric: metricById(c.metric), label: c.label,
      color: this.theme.palette[c.color], dash: c.dash,
    }));
  }

  private renderHeader(run: RunRecord): void {
    const active = !TERMINAL_STATUSES.includes(run.status);
    const stop = el('vscode-button', { text: 'Stop', attrs: { icon: 'debug-stop', secondary: '' } });
    if (!active) stop.setAttribute('disabled', '');
    stop.addEventListener('click', () => this.callbacks.onStop(run.id));
    const rerun = el('vscode-button', { text: 'Rerun', attrs: { icon: 'debug-restart', secondary: '' } });
    rerun.addEventListener('click', () => this.callbacks.onRerun(run.id));
    const output = el('vscode-button', { text: 'Output', attrs: { icon: 'output', secondary: '', title: 'Open output.log: what the command printed' } });
    output.addEventListener('click', () => this.callbacks.onShowOutput(run.id));
    this.header.replaceChildren(
      el('h2', { text: run.name }),
      el('span', { class: `status status-${run.status}`, text: run.status }),
      el('span', { class: 'toolbar-spacer' }), ...(run.config.command !== undefined ? [output] : []), stop, rerun);
  }

  private renderFacts(run: RunRecord): void {
    const c = run.config;
    const env = run.environment;
    const series = this.store.series.get(run.id);
    const lastStep = series?.steps.length ? series.steps.last('step') : run.summary?.steps;
    const start = run.startedAt ? Date.parse(run.startedAt) : undefined;
    const end = run.endedAt ? Date.parse(run.endedAt) : Date.now();
    const setup: [string, string][] = c.command !== undefined ? commandRunFacts(run) : [
      ['Dataset', describeDataset(c)],
      ['Model', describeModel(c)],
      ['Optimizer', describeOptimizer(c)],
      ['Batch · epochs · seed', `${c.batchSize} · ${c.epochs} · ${c.seed}`],
      ['Backend', env ? `${env.backend} (tfjs ${env.tfjsVersion}, node ${env.nodeVersion})` : c.backend],
    ];
    const facts: [string, string][] = [
      ['Loss', describeLoss(c.loss)],
      ...setup,
      ['Started', fmtDate(run.startedAt ?? run.createdAt)],
      ['Duration', start === undefined ? '—' : fmtDuration(end - start)],
      ['Progress', `${lastStep ?? 0}${run.totalSteps ? ` / ${run.totalSteps}` : ''} steps`],
      ['Time left', run.status === 'running' ? fmtDuration(estimateRemainingMs(run, series)) : '—'],
      ...resultFacts(run, series),
      ['Run id', run.id],
    ];
    if (run.summary?.divergedAtStep !== undefined) facts.push(['Diverged at step', String(run.summary.divergedAtStep)]);
    const nodes = facts.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v })));
    if (run.error) nodes.push(el('div', { class: 'fact-wide' }, el('dt', { text: 'Error' }), el('dd', { class: 'error-text', text: run.error })));
    this.facts.replaceChildren(...nodes);
  }

  /** Per-class accuracy and the confusion matrix, once the run has them. */
  private renderResults(run: RunRecord): void {
    const perClass = run.summary?.perClassAcc;
    const confusion = run.summary?.confusion;
    const key = JSON.stringify([run.id, perClass, confusion]);
    if (key === this.resultsKey) return;
    this.resultsKey = key;
    this.classChart?.destroy();
    this.classChart = undefined;
    this.results.replaceChildren();
    const sideFile = run.summary?.classResultsFile;
    if (sideFile) {
      // Too many classes for a chart or a table here: the results are in the run folder.
      const classes = run.data?.numClasses;
      this.results.append(el('p', { class: 'chart-note', text: `Per-class accuracy and the confusion matrix${classes ? ` of ${classes} classes` : ''} are in ${sideFile} in the run folder.` }));
    }
    if (!perClass?.length && !confusion?.length) return;
    const names = (n: number) => Array.from({ length: n }, (_, i) => run.data?.classNames?.[i] ?? String(i));

    if (perClass?.length) {
      const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': 'Per-class test accuracy' } });
      this.results.append(el('h3', { text: 'Per-class test accuracy' }), el('div', { class: 'chart-box' }, canvas));
      const base = baseOptions(this.theme);
      this.classChart = createChart(canvas, 'bar', this.theme,
        [{ label: 'accuracy', data: perClass, backgroundColor: this.theme.palette[0] }],
        {
          ...base, plugins: { ...base.plugins, legend: { display: false } },
          scales: { x: themedScale(this.theme, 'class') as never, y: themedScale(this.theme, 'accuracy', { min: 0, max: 1 }) as never },
        } as never, names(perClass.length));
      applyTheme(this.classChart as unknown as Chart, this.theme);
    }
    if (confusion?.length) this.results.append(el('h3', { text: 'Confusion matrix (test split)' }), this.confusionTable(confusion, names(confusion.length)));
  }

  private confusionTable(m: number[][], names: string[]): HTMLTableElement {
    const max = Math.max(1, ...m.flat());
    const head = el('tr', {}, el('th', { text: 'true ╲ predicted' }), ...names.map((n) => el('th', { text: n, attrs: { scope: 'col' } })));
    const rows = m.map((row, i) => el('tr', {}, el('th', { text: names[i], attrs: { scope: 'row' } }), ...row.map((count, j) => {
      const td = el('td', { text: String(count), class: i === j ? 'diagonal' : '' });
      // Shade by count relative to the largest cell; set through the style object (CSP allows no style attributes).
      if (count > 0) td.style.backgroundColor = withAlpha(i === j ? this.theme.palette[2] : this.theme.palette[3], 0.08 + 0.6 * (count / max));
      return td;
    })));
    return el('table', { class: 'confusion' },
      el('caption', { class: 'matrix-caption', text: 'Rows: true class; columns: predicted class; counts on the test split.' }),
      el('thead', {}, head), el('tbody', {}, ...rows));
  }
}
