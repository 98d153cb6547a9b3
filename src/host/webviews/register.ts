import * as vscode from 'vscode';
import type { DashboardTab } from '../../core/viewProtocol';
import type { HostServices } from '../services';
import { loadWebviewApp } from './assets';
import { coefficientEditorActions } from './coefficientEditorView';
import { savePng, saveCsv, saveJson } from './exports';
import { WebviewRelay, type RelayHandlers } from './relay';
import { runIdsFromArgs } from '../commandArgs';
import { COMMANDS } from '../commandIds';

export const DASHBOARD_VIEW_TYPE = 'polyloss.dashboard';
export const COMPARE_VIEW_ID = 'polyloss.compare';

/** One run opens its detail; several open the comparison (and become the selection). */
function tabFor(runIds: readonly string[]): DashboardTab {
  if (runIds.length === 0) return 'runs';
  return runIds.length === 1 ? 'detail' : 'compare';
}


class Dashboard {
  private panel: vscode.WebviewPanel | undefined;
  private relay: WebviewRelay | undefined;

  constructor(private readonly services: HostServices, private readonly handlers: RelayHandlers) {}

  /** `tab` 'sweep' shows the statistics of the runs' sweep and leaves the selection as it is; 'compare' compares even one run. */
  open(runIds: string[], tab: DashboardTab = tabFor(runIds)): void {
    if (runIds.length > 1 && tab !== 'sweep') this.services.selection.set(runIds);
    const focus = { runIds, tab };
    if (this.panel && this.relay) {
      this.panel.reveal();
      if (runIds.length) this.relay.focus(focus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'PolyLoss Dashboard', vscode.ViewColumn.Active, {});
    this.attach(panel, runIds.length ? focus : undefined);
  }

  /** Wires a new or restored panel: HTML, relay, cleanup. */
  attach(panel: vscode.WebviewPanel, focus?: { runIds: string[]; tab: DashboardTab }): void {
    this.panel?.dispose();
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.services.extensionUri, 'media', 'icons', 'polyloss.svg');
    this.relay = new WebviewRelay(panel.webview, 'dashboard', this.services, this.handlers, focus);
    loadWebviewApp(panel.webview, this.services.extensionUri, 'dashboard', 'PolyLoss Dashboard');
    panel.onDidDispose(() => {
      this.relay?.dispose();
      if (this.panel === panel) {
        this.panel = undefined;
        this.relay = undefined;
      }
    });
  }
}

class CompareViewProvider implements vscode.WebviewViewProvider {
  constructor(private readonly services: HostServices, private readonly handlers: RelayHandlers) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const relay = new WebviewRelay(view.webview, 'compare', this.services, this.handlers);
    loadWebviewApp(view.webview, this.services.extensionUri, 'compare', 'Compare');
    view.onDidDispose(() => relay.dispose());
  }
}

/** Registers the dashboard panel (command + restore after reload) and the sidebar Compare view. */
export function registerWebviews(context: vscode.ExtensionContext, services: HostServices): void {
  const handlers: RelayHandlers = {
    openDashboard: (runIds) => void vscode.commands.executeCommand(COMMANDS.openDashboard, runIds),
    showOutput: (runId) => void vscode.commands.executeCommand(COMMANDS.showOutput, runId),
    exportPng: (dataUrl, fileName) => savePng(services.runs.runsDir, dataUrl, fileName),
    exportCsv: (csv, fileName) => saveCsv(services.runs.runsDir, csv, fileName),
    exportJson: (json, fileName) => saveJson(services.runs.runsDir, json, fileName),
    showError: (message) => void vscode.window.showErrorMessage(`PolyLoss: ${message}`),
  };
  const dashboard = new Dashboard(services, { ...handlers, coefficients: coefficientEditorActions });
  context.subscriptions.push(
    // From code a third argument may name the tab (menus pass only the clicked and selected items).
    vscode.commands.registerCommand(COMMANDS.openDashboard, (arg?: unknown, multi?: unknown, tab?: unknown) =>
      dashboard.open(runIdsFromArgs(arg, multi), tab === 'sweep' || tab === 'compare' ? tab : undefined)),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => dashboard.attach(panel),
    }),
    vscode.window.registerWebviewViewProvider(COMPARE_VIEW_ID, new CompareViewProvider(services, handlers)),
  );
}
