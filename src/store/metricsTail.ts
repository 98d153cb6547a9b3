// Delivers each metric line of a run once, whichever source reports it first: the worker's IPC
// events (this window's runs) or metrics.jsonl growing on disk (the CLI, another window).
// The file is read from the last byte offset, whole lines only; a line already delivered
// (same kind and step/epoch, which only grow) is dropped. No vscode import: unit-tested directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricLine } from '../core/runFormat';
import { newLinesAfter, START_CURSOR, type MetricsCursor } from '../core/viewProtocol';
import { METRICS_FILE, parseMetricLines } from '../store/runFiles';

/** How much of the end of a file startAtEnd reads: many step lines, and an epoch line in most runs. */
const START_TAIL_BYTES = 1 << 20;

interface TailState {
  /** Bytes of metrics.jsonl consumed, always at a line boundary. */
  offset: number;
  /** The last step and epoch delivered. */
  cursor: MetricsCursor;
}

export class MetricsTail {
  private readonly states = new Map<string, TailState>();

  constructor(private readonly runsDir: string) {}

  /**
   * Starts following a run from the current end of its file (history is read with readMetrics,
   * not replayed as deltas). A run never seen before starts at offset 0 when first tailed.
   */
  startAtEnd(runId: string): void {
    if (this.states.has(runId)) return;
    const state = this.fresh();
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file(runId), 'r');
      // Only the end of the file: steps and epochs only grow, so its last lines give the cursor,
      // and a run of a million lines costs no more than a short one.
      const size = fs.fstatSync(fd).size;
      const from = Math.max(0, size - START_TAIL_BYTES);
      const buf = Buffer.alloc(size - from);
      const read = fs.readSync(fd, buf, 0, buf.length, from);
      const end = buf.lastIndexOf(0x0a, read - 1) + 1;
      const start = from > 0 ? buf.indexOf(0x0a) + 1 : 0; // the first line may be cut
      state.offset = from + end;
      if (end > start) state.cursor = newLinesAfter(parseMetricLines(buf.toString('utf8', start, end)).lines, state.cursor).cursor;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    this.states.set(runId, state);
  }

  /** New complete lines appended to the run's metrics.jsonl since the last call. */
  readNew(runId: string): MetricLine[] {
    const state = this.state(runId);
    let fd: number;
    try {
      fd = fs.openSync(this.file(runId), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < state.offset) state.offset = 0; // file replaced (rare): the step filter drops repeats
      if (size === state.offset) return [];
      const buf = Buffer.alloc(size - state.offset);
      const read = fs.readSync(fd, buf, 0, buf.length, state.offset);
      const end = buf.lastIndexOf(0x0a, read - 1) + 1; // keep a partial last line for the next call
      if (end === 0) return [];
      state.offset += end;
      return this.accept(state, parseMetricLines(buf.subarray(0, end).toString('utf8')).lines);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Lines from a live event: returns those not yet delivered, and records them as delivered. */
  filterLive(runId: string, lines: readonly MetricLine[]): MetricLine[] {
    return this.accept(this.state(runId), lines);
  }

  forget(runId: string): void {
    this.states.delete(runId);
  }

  private accept(state: TailState, lines: readonly MetricLine[]): MetricLine[] {
    const fresh = newLinesAfter(lines, state.cursor);
    state.cursor = fresh.cursor;
    return fresh.lines;
  }

  private state(runId: string): TailState {
    let state = this.states.get(runId);
    if (!state) {
      state = this.fresh();
      this.states.set(runId, state);
    }
    return state;
  }

  private fresh(): TailState {
    return { offset: 0, cursor: START_CURSOR };
  }

  private file(runId: string): string {
    return path.join(this.runsDir, runId, METRICS_FILE);
  }
}
