// Direct (non-recursive) watches on the runs folder and on the folders of live runs, alongside VS
// Code's file watcher. VS Code watches a workspace recursively, and a recursive inotify watch can
// miss a subtree created in one go (`mkdir -p .polyloss/runs/<id>` by the CLI in a fresh
// workspace): everything below it then goes unreported until the window reloads. A plain watch on
// each folder that matters has no such gap and costs one inotify watch per live run.
// No vscode import: unit-tested on real folders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRunFolderName } from '../store/runStore';

export class RunsFolderWatch {
  private dirWatcher: fs.FSWatcher | undefined;
  private readonly runWatchers = new Map<string, fs.FSWatcher>();
  /** While the runs folder is missing: a watch on its nearest existing ancestor (no polling). */
  private ancestorWatcher: fs.FSWatcher | undefined;
  private disposed = false;

  /**
   * @param runsDir the runs folder
   * @param report receives changed paths (a run folder, or a file inside one; the runs folder itself
   *   when it appears or vanishes, meaning "re-read everything")
   */
  constructor(
    private readonly runsDir: string,
    private readonly report: (paths: string[]) => void,
  ) {
    this.watchRunsDir();
  }

  /** Watches exactly these run folders (the live ones and those without a readable record yet). */
  watchRuns(runIds: Iterable<string>): void {
    const wanted = new Set(runIds);
    for (const [id, watcher] of this.runWatchers) {
      if (!wanted.has(id)) {
        watcher.close();
        this.runWatchers.delete(id);
      }
    }
    for (const id of wanted) if (!this.runWatchers.has(id)) this.watchRun(id);
  }

  /** Run folders in the runs folder (for callers deciding which to watch). */
  folderNames(): string[] {
    try {
      return fs.readdirSync(this.runsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && isRunFolderName(e.name)).map((e) => e.name);
    } catch {
      return [];
    }
  }

  watchedRuns(): string[] {
    return [...this.runWatchers.keys()];
  }

  dispose(): void {
    this.disposed = true;
    this.ancestorWatcher?.close();
    this.dirWatcher?.close();
    for (const w of this.runWatchers.values()) w.close();
    this.runWatchers.clear();
  }

  private watchRunsDir(): void {
    if (this.disposed) return;
    try {
      this.dirWatcher = fs.watch(this.runsDir, (_event, name) => {
        if (!name) return this.report([this.runsDir]);
        const id = name.toString();
        if (!isRunFolderName(id)) return; // a run being created or deleted: its final name is reported
        this.report([path.join(this.runsDir, id)]);
        // A new run folder: follow its files at once, before anyone has read its record.
        if (!this.runWatchers.has(id) && isDirectory(path.join(this.runsDir, id))) this.watchRun(id);
      });
      this.dirWatcher.on('error', () => this.restartWhenBack());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.restartWhenBack();
    }
  }

  /**
   * The runs folder is missing (not created yet, or deleted): watch its nearest existing ancestor
   * and step down as folders appear, then re-read everything. Events, not a timer: nothing runs
   * while no folder on the way changes.
   */
  private restartWhenBack(): void {
    this.dirWatcher?.close();
    this.dirWatcher = undefined;
    this.ancestorWatcher?.close();
    this.ancestorWatcher = undefined;
    if (this.disposed) return;
    if (isDirectory(this.runsDir)) {
      this.watchRunsDir();
      this.report([this.runsDir]);
      return;
    }
    let base = path.dirname(this.runsDir);
    while (!isDirectory(base) && path.dirname(base) !== base) base = path.dirname(base);
    try {
      const watcher = fs.watch(base, () => {
        if (this.ancestorWatcher === watcher) this.restartWhenBack();
      });
      watcher.on('error', () => {
        if (this.ancestorWatcher === watcher) this.restartWhenBack();
      });
      this.ancestorWatcher = watcher;
    } catch {
      return; // the ancestor vanished meanwhile or cannot be watched: VS Code's watcher still reports
    }
    // A folder on the way may have appeared before the watch began (`mkdir -p` in one go).
    const next = path.join(base, path.relative(base, this.runsDir).split(path.sep)[0]);
    if (isDirectory(next)) this.restartWhenBack();
  }

  private watchRun(id: string): void {
    const dir = path.join(this.runsDir, id);
    try {
      const watcher = fs.watch(dir, (_event, name) => this.report([name ? path.join(dir, name.toString()) : dir]));
      watcher.on('error', () => {
        watcher.close();
        if (this.runWatchers.get(id) === watcher) this.runWatchers.delete(id);
      });
      this.runWatchers.set(id, watcher);
    } catch {
      // The folder vanished before it could be watched; the runs folder watch reports that.
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
