import type { RunRecord } from '../../src/core/runFormat';
import {
  EPOCH_FIELDS, STEP_FIELDS,
  type Column, type EpochField, type FocusRequest, type HostMessage, type MetricsChunk, type StepField,
} from '../../src/core/viewProtocol';

/** A run's metrics in the webview: one number array per field, NaN where the host sent null. */
export interface RunSeries {
  /** Bumped when a history replaces the content, so charts know to rebuild rather than extend. */
  generation: number;
  steps: Record<StepField, number[]>;
  epochs: Record<EpochField, number[]>;
}

function columns<F extends string>(fields: readonly F[]): Record<F, number[]> {
  const out = {} as Record<F, number[]>;
  for (const f of fields) out[f] = [];
  return out;
}

export function emptySeries(): RunSeries {
  return { generation: 0, steps: columns(STEP_FIELDS), epochs: columns(EPOCH_FIELDS) };
}

function last(xs: number[]): number {
  return xs.length ? xs[xs.length - 1] : -Infinity;
}

function appendRows<F extends string>(target: Record<F, number[]>, source: Record<F, Column>, fields: readonly F[], key: F): number {
  const keys = source[key];
  let lastKey = last(target[key]);
  let added = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] ?? NaN;
    // Rows arrive in order; one already held (delivered twice) or without a key is dropped.
    if (!(k > lastKey)) continue;
    lastKey = k;
    for (const f of fields) target[f].push(source[f][i] ?? NaN);
    added++;
  }
  return added;
}

/** Appends the new rows of a chunk; returns how many rows were added. */
export function appendChunk(series: RunSeries, chunk: MetricsChunk): number {
  return appendRows(series.steps, chunk.steps, STEP_FIELDS, 'step') + appendRows(series.epochs, chunk.epochs, EPOCH_FIELDS, 'epoch');
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

  apply(m: HostMessage): StoreChange {
    const change: StoreChange = { runs: false, selection: false, series: new Set() };
    switch (m.type) {
      case 'snapshot':
        this.runs.clear();
        this.series.clear();
        for (const r of m.runs) this.runs.set(r.id, r);
        this.selection = [...m.selection];
        Object.assign(change, { runs: true, selection: true, focus: m.focus });
        break;
      case 'runs':
        if (m.replace) this.runs.clear();
        for (const r of m.runs) this.runs.set(r.id, r);
        for (const id of m.removed) this.runs.delete(id);
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
