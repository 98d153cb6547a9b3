// The in-memory view of the runs folder (RunsModel of services.ts). Fed from two sides: file
// changes (a watcher reports paths; runs made by the CLI or another window) and this window's
// worker events (instant, before the files are even flushed). No vscode import at runtime, so it
// is tested with real files; runsWatcher.ts connects it to VS Code's file watcher.
import * as path from 'node:path';
import type { WorkerEvent } from '../core/protocol';
import type { MetricLine, RunRecord } from '../core/runFormat';
import type { MetricsCursor } from '../core/viewProtocol';
import { METRICS_FILE, RUN_FILE, USER_FILE, readMetricsHistory, readMetricsStreamed } from '../store/runFiles';
import { isRunFolderName, isTerminal, listRuns, readRunFolder, runDirOf, type BrokenRun } from '../store/runStore';
import { Emitter } from '../core/emitter';
import { MetricsTail } from '../store/metricsTail';
import { outputSizeOf, readOutputTail, type OutputTail } from '../store/outputLog';
import type { RunsModel } from './services';

/** Milliseconds to gather file events before reading: a step batch touches the same files many times. */
export const FILE_EVENT_DEBOUNCE_MS = 120;
/** How much of the end of output.log the run detail shows: some hundred lines. */
const OUTPUT_TAIL_BYTES = 16 * 1024;

export class RunsIndex implements RunsModel {
  private readonly changed = new Emitter<readonly string[] | undefined>();
  private readonly appended = new Emitter<{ runId: string; lines: MetricLine[] }>();
  readonly onDidChangeRuns = this.changed.event;
  readonly onDidAppendMetrics = this.appended.event;

  private records = new Map<string, RunRecord>();
  private brokenRuns: BrokenRun[] = [];
  private loaded = false;
  private tail: MetricsTail;
  private pending = { runs: new Set<string>(), metrics: new Set<string>(), all: false };
  private timer: NodeJS.Timeout | undefined;

  constructor(private dir: string, private readonly debounceMs = FILE_EVENT_DEBOUNCE_MS) {
    this.tail = new MetricsTail(dir);
  }

  get runsDir(): string {
    return this.dir;
  }

  /** Points the model at another folder (the setting changed); listeners hear "everything changed". */
  setRunsDir(dir: string): void {
    if (dir === this.dir) return;
    this.dir = dir;
    this.tail = new MetricsTail(dir);
    this.records.clear();
    this.loaded = false;
    this.changed.fire(undefined);
  }

  list(): readonly RunRecord[] {
    this.ensureLoaded();
    return [...this.records.values()];
  }

  get(runId: string): RunRecord | undefined {
    this.ensureLoaded();
    return this.records.get(runId);
  }

  /** Folders that look like runs but cannot be read, with the reason. */
  broken(): readonly BrokenRun[] {
    this.ensureLoaded();
    return this.brokenRuns;
  }

  async readMetrics(runId: string): Promise<MetricLine[]> {
    return (await readMetricsStreamed(runDirOf(this.dir, runId))).lines;
  }

  readOutput(runId: string): OutputTail | undefined {
    return readOutputTail(runDirOf(this.dir, runId), OUTPUT_TAIL_BYTES);
  }

  outputSize(runId: string): number | undefined {
    return outputSizeOf(runDirOf(this.dir, runId));
  }

  readHistory(runId: string): Promise<{ lines: MetricLine[]; cursor: MetricsCursor }> {
    return readMetricsHistory(runDirOf(this.dir, runId));
  }

  /** Re-reads the whole folder. */
  refresh(): void {
    const { runs, broken } = listRuns(this.dir);
    const firstLoad = !this.loaded;
    this.records = new Map(runs.map((r) => [r.id, r]));
    this.brokenRuns = broken;
    this.loaded = true;
    // Live runs already on disk are followed from their current end; their history is readMetrics'.
    if (firstLoad) for (const r of runs) if (!isTerminal(r.status)) this.tail.startAtEnd(r.id);
    this.changed.fire(undefined);
  }

  /** Re-reads the run.json of these runs (a missing folder means the run was deleted, an unreadable run.json that it is broken). */
  reloadRuns(runIds: readonly string[]): void {
    if (!this.loaded) return this.refresh();
    const changed: string[] = [];
    for (const id of runIds) {
      const read = readRunFolder(this.dir, id);
      const wasListed = this.records.has(id);
      const wasBroken = this.brokenRuns.some((b) => b.runId === id);
      if (wasBroken) this.brokenRuns = this.brokenRuns.filter((b) => b.runId !== id);
      if (read && 'record' in read) {
        // A watcher reports the writes this window already knows of (a worker's start): no news, no redraw.
        if (wasListed && sameRecord(this.records.get(id), read.record)) continue;
        this.records.set(id, read.record);
      } else {
        if (read) this.brokenRuns = [...this.brokenRuns, read.broken];
        if (wasListed) {
          this.records.delete(id);
          this.tail.forget(id);
        }
        if (!read && !wasListed && !wasBroken) continue; // neither there nor known
      }
      changed.push(id);
    }
    if (changed.length) this.changed.fire(changed);
  }

  /** Sets a record known from elsewhere (a worker's `started` event, a record just written). */
  upsert(record: RunRecord): void {
    this.ensureLoaded();
    this.records.set(record.id, record);
    this.changed.fire([record.id]);
  }

  /** Reads what was appended to these runs' metrics.jsonl and announces the new lines. */
  readAppended(runIds: readonly string[]): void {
    for (const runId of runIds) this.announce(runId, this.tail.readNew(runId));
  }

  /** A worker event of this window: metrics are announced at once; status changes re-read run.json. */
  relay(event: WorkerEvent): void {
    switch (event.type) {
      case 'started':
        this.upsert(event.record);
        break;
      case 'steps':
        this.announce(event.runId, this.tail.filterLive(event.runId, event.steps));
        break;
      case 'epoch':
        this.announce(event.runId, this.tail.filterLive(event.runId, [event.epoch]));
        break;
      case 'finished':
      case 'failed':
        // The worker (or runner) records the end in run.json before it reports it.
        this.readAppended([event.runId]);
        this.reloadRuns([event.runId]);
        break;
    }
  }

  /**
   * Paths reported by a file watcher (files or folders under the runs folder); gathered for
   * `debounceMs`, then run.json changes re-read and metrics tailed.
   */
  filesChanged(paths: readonly string[]): void {
    for (const p of paths) {
      const rel = path.relative(this.dir, p);
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
        this.pending.all = true;
        continue;
      }
      const [runId, file] = rel.split(path.sep);
      if (!isRunFolderName(runId)) continue; // a run being created or deleted, not a run yet or any more
      if (file === METRICS_FILE) this.pending.metrics.add(runId);
      else if (file === RUN_FILE || file === USER_FILE || file === undefined) this.pending.runs.add(runId);
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.debounceMs);
  }

  /** Applies the gathered file events now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const { runs, metrics, all } = this.pending;
    this.pending = { runs: new Set(), metrics: new Set(), all: false };
    if (all || !this.loaded) this.refresh();
    else {
      // A metrics file of a run not listed yet means its run.json is new too.
      for (const id of metrics) if (!this.records.has(id)) runs.add(id);
      if (runs.size) this.reloadRuns([...runs]);
    }
    if (metrics.size) this.readAppended([...metrics]);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
    this.appended.dispose();
  }

  private ensureLoaded(): void {
    if (!this.loaded) this.refresh();
  }

  private announce(runId: string, lines: MetricLine[]): void {
    if (lines.length) this.appended.fire({ runId, lines });
  }
}

function sameRecord(a: RunRecord | undefined, b: RunRecord): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
