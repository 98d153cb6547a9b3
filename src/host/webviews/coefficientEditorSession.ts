// The host's side of one coefficient editor webview: tells it what "Run with these coefficients"
// trains on (the first ticked run's settings, else the New Run defaults), and runs or saves the
// loss it sends. No vscode import: the browser tests drive it with in-memory services.
import type { Disposable } from 'vscode';
import {
  isCoefficientWebviewMessage, type CoefficientHostMessage, type CoefficientWebviewMessage, type RunBaseInfo,
} from '../../core/coefficientProtocol';
import { configWithLoss } from '../../core/config';
import { describeTraining } from '../../core/commandRun';
import { describeLoss, type LossSpec } from '../../core/lossSpec';
import type { RunConfig } from '../../core/runConfig';
import { formatIssues, validateLossSpec } from '../../core/validate';
import type { HostServices } from '../services';
import type { WebviewPort } from './webviewPort';
import { errorMessage } from '../../core/errors';

/** What the session needs from VS Code: the queue, the experiment file editor, the settings. */
export interface CoefficientEditorActions {
  /** Queues the runs (the polyloss.startRuns command: validated, then started); their ids. */
  startRuns(configs: RunConfig[]): Promise<string[]>;
  /** Adds a run entry to an experiment file; what was done, or undefined when the user cancelled. */
  saveToExperimentFile(loss: LossSpec): Promise<string | undefined>;
  /** A config with the New Run defaults from the settings, for when no run is ticked. */
  defaultConfig(): RunConfig;
}

export class CoefficientEditorSession implements Disposable {
  private ready = false;
  private pendingLoad: { loss: LossSpec; source: string } | undefined;
  private lastBase = '';
  private readonly subscriptions: Disposable[];

  constructor(
    private readonly port: WebviewPort,
    private readonly services: Pick<HostServices, 'runs' | 'selection' | 'log'>,
    private readonly actions: CoefficientEditorActions,
  ) {
    this.subscriptions = [
      port.onDidReceiveMessage((m) => void this.receive(m)),
      services.selection.onDidChange(() => this.postBase()),
      services.runs.onDidChangeRuns(() => this.postBase()),
    ];
  }

  /** Shows `loss` in the editor (once the webview is ready). */
  load(loss: LossSpec, source: string): void {
    if (this.ready) this.post({ type: 'load', loss, source });
    else this.pendingLoad = { loss, source };
  }

  /** The config a run from the editor starts from: the first ticked run that exists, else the defaults. */
  baseConfig(): { config: RunConfig; fromRun?: string } {
    const ticked = this.services.selection.get().map((id) => this.services.runs.get(id)).find((r) => r !== undefined);
    if (!ticked) return { config: this.actions.defaultConfig() };
    return { config: configWithLoss(ticked.config, ticked.config.loss), fromRun: ticked.name };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions.length = 0;
  }

  private post(message: CoefficientHostMessage): void {
    if (!this.ready) return;
    this.port.postMessage(message).then(undefined, (e) => this.services.log.warn(`coefficient editor post failed: ${String(e)}`));
  }

  /** Sends the run base when it changed since the last time (selection and run events come often). */
  private postBase(force = false): void {
    const { config, fromRun } = this.baseConfig();
    const base: RunBaseInfo = { what: describeTraining(config), ...(fromRun ? { fromRun } : {}) };
    const key = JSON.stringify(base);
    if (!force && key === this.lastBase) return;
    this.lastBase = key;
    this.post({ type: 'base', base });
  }

  private async receive(raw: unknown): Promise<void> {
    if (!isCoefficientWebviewMessage(raw)) {
      this.services.log.warn('ignored a malformed message from the coefficient editor');
      return;
    }
    try {
      await this.handle(raw);
    } catch (e) {
      const message = errorMessage(e);
      this.services.log.error(`coefficient editor: ${raw.type} failed: ${message}`);
      if (raw.type === 'run' || raw.type === 'save') this.post({ type: 'done', requestId: raw.requestId, ok: false, message });
    }
  }

  private async handle(m: CoefficientWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        this.postBase(true);
        const load = this.pendingLoad;
        this.pendingLoad = undefined;
        if (load) this.post({ type: 'load', ...load });
        return;
      }
      case 'run': return this.run(m.loss, m.requestId);
      case 'save': return this.save(m.loss, m.requestId);
      case 'reportError': this.services.log.error(`coefficient editor: ${m.message}`); return;
    }
  }

  private async run(loss: LossSpec, requestId: string): Promise<void> {
    const checked = validateLossSpec(loss);
    if (!checked.ok) {
      this.post({ type: 'done', requestId, ok: false, message: formatIssues(checked.errors) });
      return;
    }
    const { config, fromRun } = this.baseConfig();
    const ids = await this.actions.startRuns([{ ...config, loss: checked.value }]);
    const where = `${describeTraining(config)}${fromRun ? ` (settings of "${fromRun}")` : ''}`;
    this.post(ids.length > 0
      ? { type: 'done', requestId, ok: true, message: `Queued ${describeLoss(checked.value)} on ${where}: run ${ids.join(', ')}` }
      : { type: 'done', requestId, ok: false, message: 'The run was not started; see the error message or the PolyLoss log' });
  }

  private async save(loss: LossSpec, requestId: string): Promise<void> {
    const checked = validateLossSpec(loss);
    if (!checked.ok) {
      this.post({ type: 'done', requestId, ok: false, message: formatIssues(checked.errors) });
      return;
    }
    const message = await this.actions.saveToExperimentFile(checked.value);
    this.post({ type: 'done', requestId, ok: true, message: message ?? '' });
  }
}
