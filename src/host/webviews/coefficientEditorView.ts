// The sidebar view "Coefficients": edit ε, γ and label smoothing with a live loss-shape chart, run
// the loss or save it to an experiment file. The conversation is CoefficientEditorSession's.
import * as vscode from 'vscode';
import type { LossSpec } from '../../core/lossSpec';
import { saveLossToExperimentFile } from '../experiments';
// Shows a loss in the editor: `polyloss.editCoefficients(loss, source?)`, from the entries' lenses and other code.
import { configFor, initialChoices } from '../newRunFlow';
import type { HostServices } from '../services';
import * as settings from '../settings';
import { loadWebviewApp } from './assets';
import { CoefficientEditorSession, type CoefficientEditorActions } from './coefficientEditorSession';
import { INTERNAL_COMMANDS } from '../commandIds';

export const COEFFICIENTS_VIEW_ID = 'polyloss.coefficients';

/** Runs through the polyloss.startRuns command and saves through the experiment file editor; the dashboard's embedded editor uses them too. */
export const coefficientEditorActions: CoefficientEditorActions = {
  startRuns: async (configs) => (await vscode.commands.executeCommand<string[]>(INTERNAL_COMMANDS.startRuns, configs)) ?? [],
  saveToExperimentFile: saveLossToExperimentFile,
  defaultConfig: () => {
    const now = { ...settings.newRunDefaults(), backend: settings.backend() };
    return configFor(initialChoices(now), now, 1);
  },
};

class CoefficientEditorViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private session: CoefficientEditorSession | undefined;
  private pendingLoad: { loss: LossSpec; source: string } | undefined;

  constructor(private readonly services: HostServices) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.session?.dispose();
    const session = new CoefficientEditorSession(view.webview, this.services, coefficientEditorActions);
    this.session = session;
    if (this.pendingLoad) session.load(this.pendingLoad.loss, this.pendingLoad.source);
    this.pendingLoad = undefined;
    loadWebviewApp(view.webview, this.services.extensionUri, 'coefficients', 'Coefficients');
    view.onDidDispose(() => {
      session.dispose();
      if (this.session === session) this.session = undefined;
    });
  }

  /** Reveals the view and shows `loss` in it. */
  async edit(loss: LossSpec, source: string): Promise<void> {
    if (this.session) this.session.load(loss, source);
    else this.pendingLoad = { loss, source };
    await vscode.commands.executeCommand(`${COEFFICIENTS_VIEW_ID}.focus`);
  }

  dispose(): void {
    this.session?.dispose();
  }
}

export function registerCoefficientEditor(context: vscode.ExtensionContext, services: HostServices): void {
  const provider = new CoefficientEditorViewProvider(services);
  context.subscriptions.push(
    provider,
    // Kept alive while hidden, so typed coefficients and the chart survive switching views.
    vscode.window.registerWebviewViewProvider(COEFFICIENTS_VIEW_ID, provider, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand(INTERNAL_COMMANDS.editCoefficients, (loss: unknown, source: unknown) => {
      if (typeof loss !== 'object' || loss === null) return;
      return provider.edit(loss as LossSpec, typeof source === 'string' ? source : 'code');
    }),
  );
}
