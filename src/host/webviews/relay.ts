import type { Disposable } from 'vscode';
import { configWithLoss } from '../../core/config';
import type { LossSpec } from '../../core/lossSpec';
import type { MetricLine } from '../../core/runFormat';
import { validateRunConfig } from '../../core/validate';
import {
  isWebviewMessage, newLinesAfter, packMetrics,
  type BrokenRunInfo, type FocusRequest, type HostMessage, type MetricsChunk, type MetricsCursor, type ViewKind, type WebviewMessage,
} from '../../core/viewProtocol';
import type { HostServices } from '../services';
import type { CoefficientEditorActions } from './coefficientEditorSession';
import { EmbeddedCoefficientEditor } from './dashboardCoefficients';
import { OutputWatch } from './outputWatch';
import type { WebviewPort } from './webviewPort';
import { errorMessage } from '../../core/errors';
import { savedTuneOf } from '../../store/sweepFiles';

/** What the relay cannot do itself because it needs vscode UI (dialogs, commands). */
export interface RelayHandlers {
  openDashboard(runIds: string[]): void;
  /** Opens a run's output.log. */
  showOutput?(runId: string): void;
  exportPng(dataUrl: string, fileName: string): Promise<void>;
  exportCsv(csv: string, fileName: string): Promise<void>;
  exportJson(json: string, fileName: string): Promise<void>;
  showError(message: string): void;
  /** What the coefficient editor embedded in the dashboard runs and saves with (the sidebar view's actions). */
  coefficients?: CoefficientEditorActions;
}

/** How long live deltas and run changes are gathered before one message goes out. */
export const COALESCE_MS = 100;

/**
 * One webview's conversation with the host: the ready handshake, a snapshot, histories on
 * subscription, then coalesced deltas. Every `ready` (a webview reloads when it is shown again)
 * starts the conversation over. Reads only from HostServices; never blocks on the webview.
 */
export class WebviewRelay implements Disposable {
  private ready = false;
  /** Runs whose history was sent, with how far the webview has them. */
  private cursors = new Map<string, MetricsCursor>();
  /** Runs whose history is being read; their live lines wait in pendingLines. */
  private loading = new Set<string>();
  /** Counts conversations: a history read for an earlier one is not sent. */
  private conversation = 0;
  private pendingLines = new Map<string, MetricLine[]>();
  private pendingRunIds = new Set<string>();
  private pendingAllRuns = false;
  private pendingFocus: FocusRequest | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: Disposable[] = [];
  private coefficientEditor: EmbeddedCoefficientEditor | undefined;
  private outputWatch: OutputWatch | undefined;

  constructor(
    private readonly port: WebviewPort,
    private readonly view: ViewKind,
    private readonly services: HostServices,
    private readonly handlers: RelayHandlers,
    initialFocus?: FocusRequest,
  ) {
    this.pendingFocus = initialFocus;
    services.followRuns?.();
    this.subscriptions.push(
      port.onDidReceiveMessage((m) => void this.receive(m)),
      services.runs.onDidAppendMetrics(({ runId, lines }) => this.onLines(runId, lines)),
      services.runs.onDidChangeRuns((ids) => this.onRunsChanged(ids)),
      services.selection.onDidChange((ids) => this.post({ type: 'selection', runIds: [...ids] })),
    );
  }

  /** Brings the given runs to the front (after the handshake if the webview is still loading). */
  focus(focus: FocusRequest): void {
    if (this.ready) this.post({ type: 'focus', focus });
    else this.pendingFocus = focus;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.coefficientEditor?.dispose();
    this.outputWatch?.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions.length = 0;
  }

  private post(message: HostMessage): void {
    if (!this.ready) return;
    this.port.postMessage(message).then(undefined, (e) => this.services.log.warn(`webview post failed: ${String(e)}`));
  }

  private async receive(raw: unknown): Promise<void> {
    if (!isWebviewMessage(raw)) {
      this.services.log.warn(`ignored malformed message from the ${this.view} webview`);
      return;
    }
    try {
      await this.handle(raw);
    } catch (e) {
      const message = errorMessage(e);
      this.services.log.error(`${this.view} webview: ${raw.type} failed: ${message}`);
      this.handlers.showError(message);
    }
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready': return this.start();
      case 'subscribe': return this.subscribe(m.runIds);
      case 'setSelection': return this.services.selection.set(m.runIds);
      case 'stopRun': return this.services.actions.stop(m.runId);
      case 'rerunRun': await this.services.actions.rerun(m.runId); return;
      case 'showOutput': return this.handlers.showOutput?.(m.runId);
      case 'exportPng': return this.handlers.exportPng(m.dataUrl, m.fileName);
      case 'exportCsv': return this.handlers.exportCsv(m.csv, m.fileName);
      case 'exportJson': return this.handlers.exportJson(m.json, m.fileName);
      case 'openDashboard': return this.handlers.openDashboard(m.runIds);
      case 'rerunWithLoss': await this.rerunWithLoss(m.runId, m.loss); return;
      case 'coefficients': return this.embeddedEditor().receive(m.runId, m.message);
      case 'reportError': this.services.log.error(`${this.view} webview: ${m.message}`); return;
      case 'getTune': {
        const tune = savedTuneOf(this.services.runs.runsDir, m.sweepId);
        return this.post({ type: 'tune', requestId: m.requestId, tune });
      }
      case 'watchOutput': return this.watchOutput(m.runId);
    }
  }

  /** Starts run `runId`'s config with `loss`; a config that does not validate is refused with the reason. */
  private async rerunWithLoss(runId: string, loss: LossSpec): Promise<void> {
    const run = this.services.runs.get(runId);
    if (!run) throw new Error(`no run ${runId} in ${this.services.runs.runsDir}`);
    const checked = validateRunConfig(configWithLoss(run.config, loss));
    if (!checked.ok) throw new Error(`run "${run.name}" was not rerun: ${checked.errors.map((e) => e.message).join('; ')}`);
    await this.services.actions.start([checked.value]);
  }

  /** Follows one run's output.log for the run detail (one at a time); null stops. */
  private watchOutput(runId: string | null): void {
    this.outputWatch?.dispose();
    this.outputWatch = runId === null ? undefined
      : new OutputWatch(runId, this.services.runs, (tail) => this.post({ type: 'output', runId, tail }));
  }

  private embeddedEditor(): EmbeddedCoefficientEditor {
    const actions = this.handlers.coefficients;
    if (!actions) throw new Error(`the ${this.view} webview has no coefficient editor`);
    this.coefficientEditor ??= new EmbeddedCoefficientEditor((message) => this.post({ type: 'coefficients', message }), this.services, actions);
    return this.coefficientEditor;
  }

  private start(): void {
    this.ready = true;
    this.watchOutput(null); // a reloaded page asks again for what it shows
    this.conversation++;
    this.cursors.clear();
    this.loading.clear();
    this.pendingLines.clear();
    this.pendingRunIds.clear();
    this.pendingAllRuns = false;
    const focus = this.pendingFocus;
    this.pendingFocus = undefined;
    this.post({
      type: 'snapshot', view: this.view, runs: [...this.services.runs.list()],
      selection: [...this.services.selection.get()], focus, broken: this.brokenRuns(),
    });
  }

  /** The unreadable run folders, complete; sent with every change of the runs (the list is short, usually empty). */
  private brokenRuns(): BrokenRunInfo[] {
    return this.services.runs.broken().map(({ runId, reason }) => ({ runId, reason }));
  }

  /**
   * Sends the histories of these runs: read without blocking the host, and downsampled (keeping
   * every extreme) when a run is long. Lines that arrive meanwhile wait and follow as deltas, less
   * those the history already held.
   */
  private async subscribe(runIds: string[]): Promise<void> {
    const wanted = runIds.filter((id) => !this.cursors.has(id) && !this.loading.has(id) && this.services.runs.get(id));
    if (wanted.length === 0) return;
    const conversation = this.conversation;
    for (const runId of wanted) this.loading.add(runId);
    const histories = await Promise.all(wanted.map(async (runId) => ({ runId, ...await this.services.runs.readHistory(runId) })));
    if (conversation !== this.conversation) return;
    const chunks: MetricsChunk[] = histories.map(({ runId, lines, cursor }) => {
      this.loading.delete(runId);
      this.cursors.set(runId, cursor);
      return packMetrics(runId, lines);
    });
    this.post({ type: 'history', chunks });
    if (wanted.some((runId) => this.pendingLines.has(runId))) this.schedule();
  }

  private onLines(runId: string, lines: MetricLine[]): void {
    if (!this.ready || !(this.cursors.has(runId) || this.loading.has(runId))) return;
    const queue = this.pendingLines.get(runId);
    if (queue) queue.push(...lines);
    else this.pendingLines.set(runId, [...lines]);
    this.schedule();
  }

  private onRunsChanged(ids: readonly string[] | undefined): void {
    if (!this.ready) return;
    if (ids === undefined) this.pendingAllRuns = true;
    else for (const id of ids) this.pendingRunIds.add(id);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  /** Sends what gathered since the last flush: run changes first, so deltas never precede their run. */
  flush(): void {
    this.timer = undefined;
    if (this.pendingAllRuns) {
      this.post({ type: 'runs', runs: [...this.services.runs.list()], removed: [], replace: true, broken: this.brokenRuns() });
    } else if (this.pendingRunIds.size) {
      const ids = [...this.pendingRunIds];
      const records = ids.map((id) => this.services.runs.get(id));
      this.post({
        type: 'runs', replace: false,
        runs: records.filter((r) => r !== undefined),
        removed: ids.filter((_, i) => records[i] === undefined),
        broken: this.brokenRuns(),
      });
    }
    this.pendingAllRuns = false;
    this.pendingRunIds.clear();

    const chunks: MetricsChunk[] = [];
    for (const [runId, queued] of this.pendingLines) {
      const cursor = this.cursors.get(runId);
      if (!cursor) continue; // its history is still being read
      this.pendingLines.delete(runId);
      const { lines, cursor: next } = newLinesAfter(queued, cursor);
      this.cursors.set(runId, next);
      if (lines.length) chunks.push(packMetrics(runId, lines));
    }
    if (chunks.length) this.post({ type: 'append', chunks });
  }
}
