import { isCoefficientHostMessage, isCoefficientWebviewMessage, lossLike } from './coefficientProtocol';
import {
  arrayOf, bool, custom, guardOf, isObj, nullable, object, oneOf, optional, requestId, str, where, type MessageOf, type Proven,
} from './messages';
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

// ---------------------------------------------------------------------------------------------
// Messages: each declared once, giving its type and the guard each side checks what it receives with.

export const VIEW_KINDS = ['dashboard', 'compare'] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];
export const DASHBOARD_TABS = ['runs', 'compare', 'detail', 'sweep'] as const;
export type DashboardTab = (typeof DASHBOARD_TABS)[number];

const focusRequest = object({ runIds: arrayOf(str), tab: oneOf(...DASHBOARD_TABS) });
export type FocusRequest = Proven<typeof focusRequest>;

/** A run folder that cannot be read (invalid, newer-schema or missing run.json), with the reason. */
const brokenRun = object({ runId: str, reason: str });
export type BrokenRunInfo = Proven<typeof brokenRun>;

const runRecordLike = custom('a run record', isRunRecordLike);
const metricsChunk = custom('a metrics chunk', isMetricsChunk);
const savedTuneLike = custom('a saved tune', (x): x is SavedTune => isObj(x) && Array.isArray(x.rounds) && isObj(x.options));

/** The last lines of a command run's output.log; `truncated` when the file holds more before them. */
const outputTail = object({ text: str, truncated: bool });
export type OutputTailText = Proven<typeof outputTail>;

/** Upper bounds on what a webview may ask the host to write, so a broken page cannot fill the disk. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
const FILE_NAME = /^[\w.,=+@() -]{1,120}$/u;
const fileName = where('a file name without folders', str, (name) => FILE_NAME.test(name));
const exported = where('text of at most 64 MiB', str, (text) => text.length <= MAX_EXPORT_CHARS);
const pngDataUrl = where('a PNG data URL of at most 64 MiB', exported, (url) => url.startsWith('data:image/png;base64,'));

/** Host → webview. */
export const hostMessages = {
  snapshot: {
    view: oneOf(...VIEW_KINDS), runs: arrayOf(runRecordLike), selection: arrayOf(str),
    focus: optional(focusRequest), broken: optional(arrayOf(brokenRun)),
  },
  /** Changed runs; with `replace` the list is complete and runs not in it are gone. `broken`, when sent, is the complete list. */
  runs: { runs: arrayOf(runRecordLike), removed: arrayOf(str), replace: bool, broken: optional(arrayOf(brokenRun)) },
  /** The full metrics so far of newly subscribed runs (replaces whatever the webview held for them). */
  history: { chunks: arrayOf(metricsChunk) },
  /** New metric lines since the last history/append of the same run. */
  append: { chunks: arrayOf(metricsChunk) },
  selection: { runIds: arrayOf(str) },
  focus: { focus: focusRequest },
  /** To the coefficient editor embedded in the dashboard (see coefficientProtocol). */
  coefficients: { message: custom('a coefficient editor message to the page', isCoefficientHostMessage) },
  /** The answer to `getTune` `requestId`: the tune's options and rounds from its sweep file; null for a sweep that is no tune. */
  tune: { requestId, tune: nullable(savedTuneLike) },
  /** The end of the watched run's output.log, again whenever it grows; null while the run has none. */
  output: { runId: str, tail: nullable(outputTail) },
};
export type HostMessage = MessageOf<typeof hostMessages>;
export const isHostMessage = guardOf(hostMessages);

/** Webview → host. */
export const webviewMessages = {
  ready: {},
  /** Additive: the host sends the history of runs it has not sent yet, then keeps them live. */
  subscribe: { runIds: arrayOf(str) },
  setSelection: { runIds: arrayOf(str) },
  stopRun: { runId: str },
  rerunRun: { runId: str },
  /** Open the run's output.log (runs of the user's command). */
  showOutput: { runId: str },
  exportPng: { dataUrl: pngDataUrl, fileName },
  exportCsv: { csv: exported, fileName },
  exportJson: { json: exported, fileName },
  openDashboard: { runIds: arrayOf(str) },
  /** A new run from `runId`'s config with `loss` in place of its loss (see configWithLoss). */
  rerunWithLoss: { runId: str, loss: lossLike },
  /** From the coefficient editor embedded in the dashboard; `runId` is the run it shows, whose settings a run uses. */
  coefficients: { runId: str, message: custom('a coefficient editor message to the host', isCoefficientWebviewMessage) },
  /** The Sweep tab shows this sweep: if it is a tune, the host answers with its rounds (`tune`, naming `requestId`). */
  getTune: { requestId, sweepId: str },
  /** The run detail shows this run's output: the host sends its `output` while it grows (null: none). */
  watchOutput: { runId: nullable(str) },
  reportError: { message: str },
};
export type WebviewMessage = MessageOf<typeof webviewMessages>;
export const isWebviewMessage = guardOf(webviewMessages);

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
// Checks of the domain values inside messages

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
  if (!(isObj(x) && typeof x.runId === 'string' && isColumns(x.steps, STEP_FIELDS) && isColumns(x.epochs, EPOCH_FIELDS))) return false;
  if (x.extra === undefined) return true;
  const steps = (x.steps as StepColumns).step.length;
  const epochs = (x.epochs as EpochColumns).epoch.length;
  return isObj(x.extra) && isExtraColumns(x.extra.steps, steps) && isExtraColumns(x.extra.epochs, epochs);
}

/** Enough of a RunRecord to render safely: ids, names and status are strings, config is an object. */
export function isRunRecordLike(x: unknown): x is RunRecord {
  return isObj(x) && typeof x.id === 'string' && typeof x.name === 'string' && typeof x.status === 'string' && isObj(x.config)
    && isObj(x.config.loss) && (x.summary === undefined || isObj(x.summary));
}
