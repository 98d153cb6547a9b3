import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import { DASHBOARD_TABS as TABS, isHostMessage, type DashboardTab, type FocusRequest } from '../src/core/viewProtocol';
import { RunCoefficients, type CoefficientsState } from './dashboard/runCoefficients';
import { RunDetail, type DetailSettings } from './dashboard/runDetail';
import { RunsTable, type TableState } from './dashboard/runsTable';
import { ComparePanel, DEFAULT_COMPARE, type CompareSettings } from './shared/comparePanel';
import { exposeDebugHandle } from './shared/debug';
import { el } from './shared/dom';
import { frames } from './shared/frames';
import { RunsStore } from './shared/series';
import { onThemeChange, readTheme } from './shared/theme';
import { HostConnection } from './shared/vscodeApi';
import { DEFAULT_SWEEP_SETTINGS, SweepPanel, type SweepSettings } from './sweep/sweepPanel';

/** What survives a reload of the panel (VS Code keeps it with the webview). */
interface DashboardState {
  tab: DashboardTab;
  detailRunId?: string;
  coefficients?: CoefficientsState;
  compare: CompareSettings;
  detail: DetailSettings;
  table: TableState;
  sweep: SweepSettings;
}

const host = new HostConnection<DashboardState>(isHostMessage);
const saved = host.savedState();
const state: DashboardState = {
  tab: saved.tab && TABS.includes(saved.tab) ? saved.tab : 'runs',
  detailRunId: saved.detailRunId,
  coefficients: saved.coefficients,
  compare: { ...DEFAULT_COMPARE, ...saved.compare },
  detail: { xAxis: 'step', smoothing: 0, ...saved.detail },
  table: { sort: { column: 'created', descending: true }, filter: '', ...saved.table },
  sweep: { ...DEFAULT_SWEEP_SETTINGS, ...saved.sweep },
};
const save = () => host.saveState(state);

const store = new RunsStore();
/** One function object, so any number of requests within a frame draw once. */
const renderCharts = () => {
  compare.chart.render();
  compare.groups.render();
  detail.render();
  sweep.render();
};
let theme = readTheme();
const subscribed = new Set<string>();

const table = new RunsTable(state.table, {
  onToggle: (runId, checked) => {
    const next = store.selection.filter((id) => id !== runId);
    if (checked) next.push(runId);
    host.post({ type: 'setSelection', runIds: next });
  },
  onOpen: (runId) => openDetail(runId),
  onRerunWithLoss: (runId, loss) => host.post({ type: 'rerunWithLoss', runId, loss }),
  onState: (s) => { state.table = s; save(); },
  // The ticked runs' swatches match their curves in the Compare tab.
  colorOf: (runId) => compare.colorOf(runId),
});

const compare = new ComparePanel(store, theme, state.compare, {
  compact: false,
  emptyText: 'No runs ticked. Tick runs in the Runs tab or in the Runs view of the sidebar to overlay them here.',
  onSettings: (s) => { state.compare = s; save(); },
  onExportPng: (dataUrl, fileName) => host.post({ type: 'exportPng', dataUrl, fileName }),
  onExportCsv: (csv, fileName) => host.post({ type: 'exportCsv', csv, fileName }),
});

// Below the run's charts in the Run tab.
const runCoefficients = new RunCoefficients(theme, state.coefficients, {
  post: (runId, message) => host.post({ type: 'coefficients', runId, message }),
  onState: (s) => { state.coefficients = s; save(); },
});

const detail = new RunDetail(store, theme, state.detail, {
  onStop: (runId) => host.post({ type: 'stopRun', runId }),
  onRerun: (runId) => host.post({ type: 'rerunRun', runId }),
  onShowOutput: (runId) => host.post({ type: 'showOutput', runId }),
  onWatchOutput: (runId) => host.post({ type: 'watchOutput', runId: runId ?? null }),
  onSettings: (s) => { state.detail = s; save(); },
});

const sweep = new SweepPanel(store, theme, state.sweep, {
  onSettings: (s) => { state.sweep = s; save(); },
  onSubscribe: (runIds) => host.post({ type: 'subscribe', runIds }),
  onExportCsv: (csv, fileName) => host.post({ type: 'exportCsv', csv, fileName }),
  onExportJson: (json, fileName) => host.post({ type: 'exportJson', json, fileName }),
  onExportPng: (dataUrl, fileName) => host.post({ type: 'exportPng', dataUrl, fileName }),
  onGetTune: (sweepId, requestId) => host.post({ type: 'getTune', sweepId, requestId }),
});

const tabs = el('vscode-tabs', {},
  el('vscode-tab-header', { text: 'Runs', attrs: { slot: 'header' } }), el('vscode-tab-panel', {}, table.root),
  el('vscode-tab-header', { text: 'Compare', attrs: { slot: 'header' } }), el('vscode-tab-panel', {}, compare.root),
  el('vscode-tab-header', { text: 'Run', attrs: { slot: 'header' } }), el('vscode-tab-panel', {}, detail.root),
  el('vscode-tab-header', { text: 'Sweep', attrs: { slot: 'header' } }), el('vscode-tab-panel', {}, sweep.root));
tabs.selectedIndex = TABS.indexOf(state.tab);
tabs.addEventListener('vsc-tabs-select', (e) => {
  state.tab = TABS[e.detail.selectedIndex] ?? 'runs';
  save();
  renderShownCharts();
});
document.getElementById('app')!.append(tabs);

detail.root.after(runCoefficients.root);

function showTab(tab: DashboardTab): void {
  state.tab = tab;
  tabs.selectedIndex = TABS.indexOf(tab);
  save();
  renderShownCharts();
}

/** Charts hidden while their tab was closed draw now that they have a size. */
function renderShownCharts(): void {
  requestAnimationFrame(() => { compare.chart.renderIfStale(); compare.groups.renderIfStale(); detail.renderIfStale(); sweep.renderIfStale(); });
}

function openDetail(runId: string): void {
  state.detailRunId = runId;
  subscribeWanted();
  detail.show(runId);
  runCoefficients.show(store.runs.get(runId));
  table.update(store.list(), store.selection, runId);
  showTab('detail');
  frames.request(renderCharts);
}

function applyFocus(focus: FocusRequest): void {
  if (focus.tab === 'detail' && focus.runIds[0]) openDetail(focus.runIds[0]);
  else showTab(focus.tab);
  if (focus.tab === 'sweep') sweep.focusRuns(focus.runIds);
}

/** Histories are asked for once per run: the ticked runs and the run shown in detail. */
function subscribeWanted(): void {
  const wanted = [...store.selection, ...(state.detailRunId ? [state.detailRunId] : [])]
    .filter((id) => store.runs.has(id) && !subscribed.has(id));
  for (const id of wanted) subscribed.add(id);
  if (wanted.length) host.post({ type: 'subscribe', runIds: [...new Set(wanted)] });
}

onThemeChange((t) => {
  theme = t;
  compare.setTheme(t);
  detail.setTheme(t);
  runCoefficients.setTheme(t);
  sweep.setTheme(t);
  table.update(store.list(), store.selection, state.detailRunId);
  frames.request(renderCharts);
});

host.start((message) => {
  if (message.type === 'coefficients') {
    runCoefficients.apply(message.message);
    return;
  }
  if (message.type === 'tune') {
    sweep.tune.apply(message.requestId, message.tune);
    return;
  }
  if (message.type === 'output') {
    detail.showOutput(message.runId, message.tail);
    return;
  }
  if (message.type === 'snapshot') subscribed.clear();
  const change = store.apply(message);
  sweep.update(change, message.type === 'snapshot');
  if (change.runs || change.selection) {
    subscribeWanted();
    // The comparison first: the table's swatches take their colours from it.
    compare.showRuns(store.selection);
    if (change.runs) compare.chart.refreshRuns();
    table.update(store.list(), store.selection, state.detailRunId);
    if (change.runs) table.showBroken(store.broken);
    if (message.type === 'snapshot') detail.show(state.detailRunId);
    else if (change.runs) detail.refresh();
    runCoefficients.show(detail.shownRunId ? store.runs.get(detail.shownRunId) : undefined);
  }
  if (change.series.size) {
    compare.seriesChanged(change.series);
    detail.extend(change.series);
  }
  if (change.focus) applyFocus(change.focus);
  frames.request(renderCharts);
});

exposeDebugHandle({
  store, table, compare, detail, sweep,
  coefficients: runCoefficients.editor,
  charts: () => ({ compare: compare.chart, ...Object.fromEntries([...detail.charts].map(([k, v]) => [`detail.${k}`, v])) }),
});
