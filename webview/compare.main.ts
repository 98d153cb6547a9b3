import '@vscode-elements/elements/dist/vscode-button/index.js';
import { ComparePanel, DEFAULT_COMPARE, type CompareSettings } from './shared/comparePanel';
import { el } from './shared/dom';
import { frames } from './shared/frames';
import { RunsStore } from './shared/series';
import { onThemeChange, readTheme } from './shared/theme';
import { isHostMessage } from '../src/core/viewProtocol';
import { HostConnection } from './shared/vscodeApi';
import { exposeDebugHandle } from './shared/debug';

/** The sidebar Compare view: the runs ticked in the Runs tree, overlaid, live. */
const host = new HostConnection<CompareSettings>(isHostMessage);
const store = new RunsStore();
const subscribed = new Set<string>();
const settings: CompareSettings = { ...DEFAULT_COMPARE, ...host.savedState() };

const panel = new ComparePanel(store, readTheme(), settings, {
  compact: true,
  emptyText: 'No runs ticked. Tick the checkboxes of runs in the Runs view to overlay their curves here.',
  onSettings: (s) => host.saveState(s),
  onExportPng: (dataUrl, fileName) => host.post({ type: 'exportPng', dataUrl, fileName }),
  onExportCsv: (csv, fileName) => host.post({ type: 'exportCsv', csv, fileName }),
});
const open = el('vscode-button', { text: 'Open in Dashboard', attrs: { icon: 'graph-line', secondary: '' } });
open.addEventListener('click', () => host.post({ type: 'openDashboard', runIds: store.selection }));
document.getElementById('app')!.append(panel.root, el('div', { class: 'footer' }, open));

/** One function object, so any number of requests within a frame draw once. */
const renderChart = () => {
  panel.chart.render();
  panel.groups.render();
};

onThemeChange((theme) => {
  panel.setTheme(theme);
  frames.request(renderChart);
});
new ResizeObserver(() => { panel.chart.renderIfStale(); panel.groups.renderIfStale(); }).observe(document.body);

function subscribeSelection(): void {
  const wanted = store.selection.filter((id) => store.runs.has(id) && !subscribed.has(id));
  for (const id of wanted) subscribed.add(id);
  if (wanted.length) host.post({ type: 'subscribe', runIds: wanted });
}

host.start((message) => {
  if (message.type === 'snapshot') subscribed.clear();
  const change = store.apply(message);
  if (change.runs || change.selection) {
    subscribeSelection();
    panel.showRuns(store.selection);
    if (change.runs) panel.chart.refreshRuns();
  }
  if (change.series.size) panel.seriesChanged(change.series);
  frames.request(renderChart);
});

exposeDebugHandle({ store, charts: () => ({ compare: panel.chart }), panel });
