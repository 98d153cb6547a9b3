import type { RunRecord } from '../../src/core/runFormat';
import {
  EPOCH_FIELDS, STEP_FIELDS,
  type BrokenRunInfo, type Column, type EpochField, type FocusRequest, type HostMessage, type MetricsChunk, type StepField,
} from '../../src/core/viewProtocol';

/**
 * A growable table of numeric columns: Float64Arrays with spare capacity, `length` rows in use.
 * A history arrives as typed arrays and is adopted as is (no copy); appends grow by doubling.
 * Besides its own fields it takes any extra column a chunk brings (a script's `lr`), NaN on the
 * rows that came without it.
 */
export class ColumnTable<F extends string> {
  length = 0;
  private readonly cols: Record<string, Float64Array> = {};
  private readonly fields: string[];

  constructor(own: readonly F[]) {
    this.fields = [...own];
    for (const f of own) this.cols[f] = new Float64Array(0);
  }

  /** The column's storage; only indices below `length` are rows. A column the table lacks reads as NaN. */
  col(field: F | string): Float64Array {
    return this.cols[field] ?? new Float64Array(this.length).fill(NaN);
  }

  /** The extra columns, in the order they first arrived. */
  extraFields(own: readonly string[]): string[] {
    return this.fields.filter((f) => !own.includes(f));
  }

  /** A copy of the rows in use, for callers that want a plain array. */
  values(field: F | string): number[] {
    return Array.from(this.col(field).subarray(0, this.length));
  }

  last(field: F): number {
    return this.length ? this.cols[field][this.length - 1] : -Infinity;
  }

  /** Appends the rows of `source` whose key is beyond the last held one; returns how many. */
  append(source: Record<string, Column>, key: F): number {
    const keys = source[key];
    let lastKey = this.last(key);
    // Rows arrive in order; one already held (delivered twice) is dropped.
    const kept: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (!(keys[i] > lastKey)) continue;
      lastKey = keys[i];
      kept.push(i);
    }
    if (!kept.length) return 0;
    for (const f of Object.keys(source)) if (!this.fields.includes(f)) this.addField(f);
    if (this.length === 0 && kept.length === keys.length) {
      for (const f of this.fields) this.cols[f] = source[f] ?? new Float64Array(keys.length).fill(NaN);
      this.length = keys.length;
      return keys.length;
    }
    this.reserve(this.length + kept.length);
    for (const f of this.fields) {
      const from = source[f];
      const to = this.cols[f];
      let n = this.length;
      for (const i of kept) to[n++] = from ? from[i] : NaN;
    }
    this.length += kept.length;
    return kept.length;
  }

  /** A new column, NaN on the rows held so far. */
  private addField(field: string): void {
    this.fields.push(field);
    this.cols[field] = new Float64Array(this.cols[this.fields[0]].length).fill(NaN);
  }

  private reserve(rows: number): void {
    const capacity = this.cols[this.fields[0]].length;
    if (rows <= capacity) return;
    const next = Math.max(rows, capacity * 2, 256);
    for (const f of this.fields) {
      const grown = new Float64Array(next);
      grown.set(this.cols[f].subarray(0, this.length));
      this.cols[f] = grown;
    }
  }
}

/** A run's metrics in the webview. */
export interface RunSeries {
  /** Bumped when a history replaces the content, so charts know to rebuild rather than extend. */
  generation: number;
  steps: ColumnTable<StepField>;
  epochs: ColumnTable<EpochField>;
}

export function emptySeries(): RunSeries {
  return { generation: 0, steps: new ColumnTable(STEP_FIELDS), epochs: new ColumnTable(EPOCH_FIELDS) };
}

/** Appends the new rows of a chunk; returns how many rows were added. */
export function appendChunk(series: RunSeries, chunk: MetricsChunk): number {
  return series.steps.append({ ...chunk.steps, ...chunk.extra?.steps }, 'step')
    + series.epochs.append({ ...chunk.epochs, ...chunk.extra?.epochs }, 'epoch');
}

/** What one host message changed, so the app redraws only that. */
export interface StoreChange {
  runs: boolean;
  selection: boolean;
  series: Set<string>;
  focus?: FocusRequest;
}

/** Everything the webview knows, fed only by host messages. */
export class RunsStore {
  readonly runs = new Map<string, RunRecord>();
  readonly series = new Map<string, RunSeries>();
  selection: string[] = [];
  /** Run folders the host cannot read, with the reason. */
  broken: BrokenRunInfo[] = [];

  apply(m: HostMessage): StoreChange {
    const change: StoreChange = { runs: false, selection: false, series: new Set() };
    switch (m.type) {
      case 'snapshot':
        this.runs.clear();
        this.series.clear();
        for (const r of m.runs) this.runs.set(r.id, r);
        this.selection = [...m.selection];
        this.broken = m.broken ?? [];
        Object.assign(change, { runs: true, selection: true, focus: m.focus });
        break;
      case 'runs':
        if (m.replace) this.runs.clear();
        for (const r of m.runs) this.runs.set(r.id, r);
        for (const id of m.removed) this.runs.delete(id);
        if (m.broken) this.broken = m.broken;
        change.runs = true;
        break;
      case 'history':
        for (const chunk of m.chunks) {
          const previous = this.series.get(chunk.runId);
          const fresh = emptySeries();
          fresh.generation = (previous?.generation ?? 0) + 1;
          appendChunk(fresh, chunk);
          this.series.set(chunk.runId, fresh);
          change.series.add(chunk.runId);
        }
        break;
      case 'append':
        for (const chunk of m.chunks) {
          const series = this.series.get(chunk.runId);
          if (series && appendChunk(series, chunk) > 0) change.series.add(chunk.runId);
        }
        break;
      case 'selection':
        this.selection = [...m.runIds];
        change.selection = true;
        break;
      case 'focus':
        change.focus = m.focus;
        break;
    }
    return change;
  }

  /** Runs newest first. */
  list(): RunRecord[] {
    return [...this.runs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  /** Selected runs that exist, in selection order. */
  selectedRuns(): RunRecord[] {
    return this.selection.map((id) => this.runs.get(id)).filter((r): r is RunRecord => r !== undefined);
  }
}
