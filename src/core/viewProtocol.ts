import {
  isCoefficientHostMessage, isCoefficientWebviewMessage, isLossLike, type CoefficientHostMessage, type CoefficientWebviewMessage,
} from './coefficientProtocol';
import type { LossSpec } from './lossSpec';
import type { MetricLine, RunRecord } from './runFormat';
import type { SavedTune } from './tune/saved';

/**
 * The one protocol between the extension host and its webviews (dashboard panel, Compare view).
 *
 * Conversation: the webview posts `ready`; the host answers with a `snapshot` (runs + selection, no
 * metrics). The webview then `subscribe`s to the runs it draws; the host sends each run's `history`
 * once and afterwards only `append` deltas (coalesced on the host). Metrics travel as columns:
 * one Float64Array per field. VS Code (engines ≥ 1.57) transfers typed arrays in webview messages
 * as binary rather than JSON, so a long history costs a copy instead of a parse, and a diverged
 * loss (NaN/±Infinity) arrives as itself.
 */

export type ViewKind = 'dashboard' | 'compare';
export type DashboardTab = 'runs' | 'compare' | 'detail' | 'sweep';

/** A column of numbers, one per metric line. */
export type Column = Float64Array;

export const STEP_FIELDS = ['step', 'epoch', 't', 'loss', 'base', 'poly', 'acc'] as const;
export const EPOCH_FIELDS = ['epoch', 'step', 't', 'trainLoss', 'valLoss', 'valAcc', 'ptMean', 'ptQ25', 'ptQ50', 'ptQ75'] as const;
export type StepField = (typeof STEP_FIELDS)[number];
export type EpochField = (typeof EPOCH_FIELDS)[number];
export type StepColumns = Record<StepField, Column>;
export type EpochColumns = Record<EpochField, Column>;

/** Metric lines of one run in column form; `steps.step[i]` and `steps.loss[i]` belong to the same line. */
export interface MetricsChunk {
  runId: string;
  steps: StepColumns;
  epochs: EpochColumns;
  /**
   * Numeric keys a script logs beyond the format's own (e.g. `lr`, `top5Acc`), one column each, NaN
   * on the lines that lack them; absent when there are none.
   */
  extra?: { steps: Record<string, Column>; epochs: Record<string, Column> };
}

/** A run folder that cannot be read (invalid, newer-schema or missing run.json), with the reason. */
export interface BrokenRunInfo {
  runId: string;
  reason: string;
}

/** Host → webview. */
export type HostMessage =
  | { type: 'snapshot'; view: ViewKind; runs: RunRecord[]; selection: string[]; focus?: FocusRequest; broken?: BrokenRunInfo[] }
  /** Changed runs; with `replace` the list is complete and runs not in it are gone. `broken`, when sent, is the complete list. */
  | { type: 'runs'; runs: RunRecord[]; removed: string[]; replace: boolean; broken?: BrokenRunInfo[] }
  /** The full metrics so far of newly subscribed runs (replaces whatever the webview held for them). */
  | { type: 'history'; chunks: MetricsChunk[] }
  /** New metric lines since the last history/append of the same run. */
  | { type: 'append'; chunks: MetricsChunk[] }
  | { type: 'selection'; runIds: string[] }
  | { type: 'focus'; focus: FocusRequest }
  /** To the coefficient editor embedded in the dashboard (see coefficientProtocol). */
  | { type: 'coefficients'; message: CoefficientHostMessage }
  /** The answer to `getTune`: the tune's options and rounds from its sweep file; null for a sweep that is no tune. */
  | { type: 'tune'; sweepId: string; tune: SavedTune | null };

export interface FocusRequest {
  runIds: string[];
  tab: DashboardTab;
}

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  /** Additive: the host sends the history of runs it has not sent yet, then keeps them live. */
  | { type: 'subscribe'; runIds: string[] }
  | { type: 'setSelection'; runIds: string[] }
  | { type: 'stopRun'; runId: string }
  | { type: 'rerunRun'; runId: string }
  /** Open the run's output.log (runs of the user's command). */
  | { type: 'showOutput'; runId: string }
  | { type: 'exportPng'; dataUrl: string; fileName: string }
  | { type: 'exportCsv'; csv: string; fileName: string }
  | { type: 'exportJson'; json: string; fileName: string }
  | { type: 'openDashboard'; runIds: string[] }
  /** A new run from `runId`'s config with `loss` in place of its loss (see configWithLoss). */
  | { type: 'rerunWithLoss'; runId: string; loss: LossSpec }
  /** From the coefficient editor embedded in the dashboard; `runId` is the run it shows, whose settings a run uses. */
  | { type: 'coefficients'; runId: string; message: CoefficientWebviewMessage }
  /** The Sweep tab shows this sweep: if it is a tune, the host answers with its rounds (`tune`). */
  | { type: 'getTune'; sweepId: string }
  | { type: 'reportError'; message: string };

// ---------------------------------------------------------------------------------------------
// Column packing

function columns<F extends string>(fields: readonly F[], length: number): Record<F, Column> {
  const out = {} as Record<F, Column>;
  for (const f of fields) out[f] = new Float64Array(length);
  return out;
}

/** Keys of a metric line that are not numbers of the format's own: 'kind', the Pt object, and the named fields. */
const NOT_EXTRA = new Set<string>(['kind', 'pt', ...STEP_FIELDS, ...EPOCH_FIELDS]);

/** The extra numeric keys of these lines, one column each (NaN where a line lacks the key). */
function extraColumns(lines: readonly MetricLine[]): Record<string, Column> {
  const out: Record<string, Column> = {};
  lines.forEach((line, i) => {
    for (const [key, value] of Object.entries(line)) {
      if (NOT_EXTRA.has(key) || typeof value !== 'number') continue;
      (out[key] ??= new Float64Array(lines.length).fill(NaN))[i] = value;
    }
  });
  return out;
}

/** Packs metric lines (in file order) into the wire form. */
export function packMetrics(runId: string, lines: readonly MetricLine[]): MetricsChunk {
  let stepCount = 0;
  for (const line of lines) if (line.kind === 'step') stepCount++;
  const steps = columns(STEP_FIELDS, stepCount);
  const epochs = columns(EPOCH_FIELDS, lines.length - stepCount);
  const extra = {
    steps: extraColumns(lines.filter((line) => line.kind === 'step')),
    epochs: extraColumns(lines.filter((line) => line.kind === 'epoch')),
  };
  let s = 0;
  let e = 0;
  for (const line of lines) {
    if (line.kind === 'step') {
      for (const f of STEP_FIELDS) steps[f][s] = line[f];
      s++;
    } else {
      const pt = line.pt ?? { mean: NaN, q25: NaN, q50: NaN, q75: NaN };
      const row: Record<EpochField, number> = {
        epoch: line.epoch, step: line.step, t: line.t, trainLoss: line.trainLoss, valLoss: line.valLoss,
        valAcc: line.valAcc, ptMean: pt.mean, ptQ25: pt.q25, ptQ50: pt.q50, ptQ75: pt.q75,
      };
      for (const f of EPOCH_FIELDS) epochs[f][e] = row[f];
      e++;
    }
  }
  const hasExtra = Object.keys(extra.steps).length > 0 || Object.keys(extra.epochs).length > 0;
  return hasExtra ? { runId, steps, epochs, extra } : { runId, steps, epochs };
}

/** Where a receiver is in a run's metrics, so lines delivered twice (file read + live event) are dropped. */
export interface MetricsCursor {
  lastStep: number;
  lastEpoch: number;
}

export const START_CURSOR: MetricsCursor = { lastStep: -Infinity, lastEpoch: -Infinity };

/** The lines not yet seen by `cursor` (steps by step number, epochs by epoch number) and the advanced cursor. */
export function newLinesAfter(lines: readonly MetricLine[], cursor: MetricsCursor): { lines: MetricLine[]; cursor: MetricsCursor } {
  let { lastStep, lastEpoch } = cursor;
  const fresh: MetricLine[] = [];
  for (const line of lines) {
    if (line.kind === 'step') {
      if (line.step <= lastStep) continue;
      lastStep = line.step;
    } else {
      if (line.epoch <= lastEpoch) continue;
      lastEpoch = line.epoch;
    }
    fresh.push(line);
  }
  return { lines: fresh, cursor: { lastStep, lastEpoch } };
}

// ---------------------------------------------------------------------------------------------
// Validators: each side checks what it receives before acting on it.

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every(isString);
}

function isColumn(x: unknown): x is Column {
  return x instanceof Float64Array;
}

function isColumns(x: unknown, fields: readonly string[]): boolean {
  if (!isObj(x)) return false;
  const first = x[fields[0]];
  if (!isColumn(first)) return false;
  return fields.every((f) => isColumn(x[f]) && (x[f] as Column).length === first.length);
}

/** Extra columns, each as long as the named table's rows. */
function isExtraColumns(x: unknown, rows: number): boolean {
  return isObj(x) && Object.values(x).every((c) => isColumn(c) && c.length === rows);
}

export function isMetricsChunk(x: unknown): x is MetricsChunk {
  if (!(isObj(x) && isString(x.runId) && isColumns(x.steps, STEP_FIELDS) && isColumns(x.epochs, EPOCH_FIELDS))) return false;
  if (x.extra === undefined) return true;
  const steps = (x.steps as StepColumns).step.length;
  const epochs = (x.epochs as EpochColumns).epoch.length;
  return isObj(x.extra) && isExtraColumns(x.extra.steps, steps) && isExtraColumns(x.extra.epochs, epochs);
}

/** Enough of a RunRecord to render safely: ids, names and status are strings, config is an object. */
export function isRunRecordLike(x: unknown): x is RunRecord {
  return isObj(x) && isString(x.id) && isString(x.name) && isString(x.status) && isObj(x.config)
    && isObj((x.config as Obj).loss) && (x.summary === undefined || isObj(x.summary));
}

const TABS: readonly string[] = ['runs', 'compare', 'detail', 'sweep'];

function isBrokenList(x: unknown): boolean {
  return x === undefined || (Array.isArray(x) && x.every((b) => isObj(b) && isString(b.runId) && isString(b.reason)));
}

function isFocus(x: unknown): x is FocusRequest {
  return isObj(x) && isStringArray(x.runIds) && isString(x.tab) && TABS.includes(x.tab);
}

export function isHostMessage(x: unknown): x is HostMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'snapshot':
      return (x.view === 'dashboard' || x.view === 'compare') && Array.isArray(x.runs) && x.runs.every(isRunRecordLike)
        && isStringArray(x.selection) && (x.focus === undefined || isFocus(x.focus)) && isBrokenList(x.broken);
    case 'runs':
      return Array.isArray(x.runs) && x.runs.every(isRunRecordLike) && isStringArray(x.removed) && typeof x.replace === 'boolean'
        && isBrokenList(x.broken);
    case 'history':
    case 'append':
      return Array.isArray(x.chunks) && x.chunks.every(isMetricsChunk);
    case 'selection':
      return isStringArray(x.runIds);
    case 'focus':
      return isFocus(x.focus);
    case 'coefficients':
      return isCoefficientHostMessage(x.message);
    case 'tune':
      return isString(x.sweepId) && (x.tune === null || (isObj(x.tune) && Array.isArray(x.tune.rounds) && isObj(x.tune.options)));
    default:
      return false;
  }
}

/** Upper bounds on what a webview may ask the host to write, so a broken page cannot fill the disk. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
const FILE_NAME = /^[\w.,=+@() -]{1,120}$/u;

export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'ready':
      return true;
    case 'subscribe':
    case 'setSelection':
    case 'openDashboard':
      return isStringArray(x.runIds);
    case 'stopRun':
    case 'rerunRun':
    case 'showOutput':
      return isString(x.runId);
    case 'exportPng':
      return isString(x.dataUrl) && x.dataUrl.startsWith('data:image/png;base64,') && x.dataUrl.length <= MAX_EXPORT_CHARS
        && isString(x.fileName) && FILE_NAME.test(x.fileName);
    case 'exportCsv':
      return isString(x.csv) && x.csv.length <= MAX_EXPORT_CHARS && isString(x.fileName) && FILE_NAME.test(x.fileName);
    case 'exportJson':
      return isString(x.json) && x.json.length <= MAX_EXPORT_CHARS && isString(x.fileName) && FILE_NAME.test(x.fileName);
    case 'reportError':
      return isString(x.message);
    case 'getTune':
      return isString(x.sweepId);
    case 'rerunWithLoss':
      return isString(x.runId) && isLossLike(x.loss);
    case 'coefficients':
      return isString(x.runId) && isCoefficientWebviewMessage(x.message);
    default:
      return false;
  }
}
