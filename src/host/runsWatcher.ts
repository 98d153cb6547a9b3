// Follows the runs folder with VS Code's file watcher, so runs made by the CLI or another window
// appear and update live. Events go to RunsIndex, which gathers them and re-reads what changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunsIndex } from './runsModel';

/**
 * The deepest existing folder at or above `dir`, with the glob prefix that leads from it back to
 * `dir`: a watcher needs an existing base, and the runs folder is only created by the first run.
 */
function watchBase(dir: string): { base: string; prefix: string } {
  let base = dir;
  while (!fs.existsSync(base) && path.dirname(base) !== base) base = path.dirname(base);
  const rel = path.relative(base, dir).split(path.sep).join('/');
  return { base, prefix: rel ? `${rel}/` : '' };
}

export class RunsWatcher implements vscode.Disposable {
  private watcher: vscode.FileSystemWatcher | undefined;
  private watchingRunsDir = false;

  constructor(private readonly model: RunsIndex) {
    this.restart();
  }

  /** Call when the runs folder may have been created, or the setting points elsewhere. */
  restart(): void {
    const dir = this.model.runsDir;
    const { base, prefix } = watchBase(dir);
    if (this.watcher && this.watchingRunsDir && base === dir) return;
    this.watcher?.dispose();
    this.watchingRunsDir = base === dir;
    // Run folders (created/deleted) and the two files of each run; temp files of atomic writes are not matched.
    const pattern = new vscode.RelativePattern(vscode.Uri.file(base), `${prefix}{*,*/run.json,*/metrics.jsonl}`);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const report = (uri: vscode.Uri): void => {
      this.model.filesChanged([uri.fsPath]);
      if (!this.watchingRunsDir && fs.existsSync(dir)) this.restart();
    };
    watcher.onDidCreate(report);
    watcher.onDidChange(report);
    watcher.onDidDelete(report);
    this.watcher = watcher;
  }

  dispose(): void {
    this.watcher?.dispose();
  }
}
