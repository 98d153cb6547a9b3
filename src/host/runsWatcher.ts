// Follows the runs folder, so runs made by the CLI or another window appear and update live:
// VS Code's file watcher, backed by direct watches on the runs folder and live run folders
// (runsFolderWatch.ts says why). Events go to RunsIndex, which gathers them and re-reads what changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ensureRunsDir, isTerminal } from '../store/runStore';
import { RunsFolderWatch } from './runsFolderWatch';
import type { RunsIndex } from './runsModel';
import { errorMessage } from '../core/errors';

/**
 * Where to watch from. A watcher needs an existing base and the runs folder only appears with the
 * first run, so inside a workspace folder the watch starts at the deepest existing folder with a
 * glob prefix down to the runs folder. The base is never moved afterwards: a watcher replaced by one
 * on a sub-folder of the old base was seen to receive no events at all. Outside the workspace the
 * runs folder is created now, rather than watching a large tree.
 */
function watchBase(dir: string): { base: string; prefix: string } {
  let base = dir;
  while (!fs.existsSync(base) && path.dirname(base) !== base) base = path.dirname(base);
  if (base !== dir && !vscode.workspace.getWorkspaceFolder(vscode.Uri.file(base))) {
    ensureRunsDir(dir);
    base = dir;
  }
  const rel = path.relative(base, dir).split(path.sep).join('/');
  return { base, prefix: rel ? `${rel}/` : '' };
}

export class RunsWatcher implements vscode.Disposable {
  private watcher: vscode.FileSystemWatcher | undefined;
  private direct: RunsFolderWatch | undefined;
  private readonly modelSubscription: vscode.Disposable;
  private started = false;

  /** Watches nothing until start(): activation (e.g. by an experiment file) costs no watcher. */
  constructor(private readonly model: RunsIndex, private readonly log: vscode.LogOutputChannel) {
    this.modelSubscription = model.onDidChangeRuns(() => this.followLiveRuns());
  }

  /** Starts watching, once: when a view shows the runs or a run starts. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.log.debug('following the runs folder');
    this.restart();
    // Changes made before the watch began (the CLI, another window) are read now.
    this.model.filesChanged([this.model.runsDir]);
  }

  /** Watches the model's runs folder again (the setting points elsewhere); nothing before start(). */
  restart(): void {
    if (!this.started) return;
    this.watcher?.dispose();
    this.direct?.dispose();
    this.direct = new RunsFolderWatch(this.model.runsDir, (paths) => this.model.filesChanged(paths));
    let base: string;
    let prefix: string;
    try {
      ({ base, prefix } = watchBase(this.model.runsDir));
    } catch (e) {
      this.log.error(`cannot watch ${this.model.runsDir}: ${errorMessage(e)}`);
      return;
    }
    // Run folders (created/deleted) and the files of each run (user.json holds a rename); temp files
    // of atomic writes are not matched.
    const pattern = new vscode.RelativePattern(vscode.Uri.file(base), `${prefix}{*,*/run.json,*/metrics.jsonl,*/user.json}`);
    this.log.debug(`watching ${base} for ${pattern.pattern}`);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const report = (uri: vscode.Uri): void => {
      this.log.trace(`file event: ${uri.fsPath}`);
      this.model.filesChanged([uri.fsPath]);
    };
    watcher.onDidCreate(report);
    watcher.onDidChange(report);
    watcher.onDidDelete(report);
    this.watcher = watcher;
  }

  /** Directly watches the folders of runs that may still change: live ones and ones not readable yet. */
  private followLiveRuns(): void {
    if (!this.direct) return;
    const ids = this.direct.folderNames().filter((id) => {
      const record = this.model.get(id);
      return !record || !isTerminal(record.status);
    });
    this.direct.watchRuns(ids);
  }

  dispose(): void {
    this.modelSubscription.dispose();
    this.watcher?.dispose();
    this.direct?.dispose();
  }
}
