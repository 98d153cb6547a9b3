// The status bar item: what is training (step, epoch, ETA) while anything is; click opens the dashboard.
import * as vscode from 'vscode';
import type { LiveRuns } from './liveProgress';
import { escapeMarkdown } from './treeModel';
import { COMMANDS } from './commandIds';

const REDRAW_MS = 500;

export class RunsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('polyloss.runs', vscode.StatusBarAlignment.Left, 10);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly live: LiveRuns) {
    this.item.name = 'PolyLoss Runs';
  }

  /** Redraws soon (step batches arrive many times a second). */
  update(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, REDRAW_MS);
  }

  private draw(): void {
    const text = this.live.statusText();
    if (!text) {
      this.item.hide();
      return;
    }
    const ids = this.live.activeIds();
    this.item.text = text;
    this.item.tooltip = new vscode.MarkdownString(['**PolyLoss**: click to open the dashboard', '', ...this.live.tooltipLines().map((l) => `- ${escapeMarkdown(l)}`)].join('\n'));
    // One run opens its detail; several open the dashboard as it is: the ticked runs stay ticked.
    this.item.command = { command: COMMANDS.openDashboard, title: 'Open Dashboard', arguments: ids.length === 1 ? [ids] : [] };
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.item.dispose();
  }
}
