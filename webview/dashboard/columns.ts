import { scriptNameOf } from '../../src/core/commandRun';
import { describeLoss } from '../../src/core/lossSpec';
import type { RunConfig } from '../../src/core/runConfig';
import type { RunRecord } from '../../src/core/runFormat';
import { fmtDate, fmtNumber, fmtPercent } from '../shared/format';

/** One column of the runs table: how to sort it, how to show it, which config keys it covers. */
export interface RunColumn {
  id: string;
  label: string;
  numeric?: boolean;
  /** configDiff keys shown by this column; the column is highlighted when one of them differs. */
  configKeys?: (key: string) => boolean;
  value(run: RunRecord): string | number | undefined;
  text(run: RunRecord): string;
}

/** A script's run: its data and model are the script's, so the Dataset column names the script. */
export function describeDataset(c: RunConfig): string {
  if (c.command !== undefined) return `${scriptNameOf(c.command)} (script)`;
  const d = c.dataset;
  const extras = [
    d.imbalanceRatio && d.imbalanceRatio !== 1 ? `imbalance ${d.imbalanceRatio}` : '',
    d.labelNoise ? `noise ${d.labelNoise}` : '',
    d.maxSamples ? `≤${d.maxSamples}` : '',
  ].filter(Boolean);
  const name = d.path ? `${d.name}: ${d.path.split(/[\\/]/).pop()}` : d.name;
  return extras.length ? `${name} (${extras.join(', ')})` : name;
}

export function describeModel(c: RunConfig): string {
  if (c.model === undefined) return '—';
  const sizes = c.model.type === 'cnn' ? c.model.filters : c.model.hidden;
  return sizes?.length ? `${c.model.type} [${sizes.join(',')}]` : c.model.type;
}

export function describeOptimizer(c: RunConfig): string {
  if (c.optimizer === undefined) return '—';
  return `${c.optimizer.type} lr=${fmtNumber(c.optimizer.learningRate)}`;
}

const prefix = (...ps: string[]) => (key: string) => ps.some((p) => key === p || key.startsWith(`${p}.`));
const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? undefined : v);

/**
 * Results first (after the name and status), then the settings, as experiment tables do: at a
 * narrow width the numbers a run is judged by stay on screen.
 */
export const RUN_COLUMNS: readonly RunColumn[] = [
  { id: 'name', label: 'Run', value: (r) => r.name.toLowerCase(), text: (r) => r.name },
  { id: 'status', label: 'Status', value: (r) => r.status, text: (r) => r.status },
  { id: 'testAcc', label: 'Test acc', numeric: true, value: (r) => num(r.summary?.testAcc), text: (r) => fmtPercent(r.summary?.testAcc) },
  { id: 'bestValAcc', label: 'Best val acc', numeric: true, value: (r) => num(r.summary?.bestValAcc), text: (r) => fmtPercent(r.summary?.bestValAcc) },
  { id: 'finalLoss', label: 'Final loss', numeric: true, value: (r) => num(r.summary?.finalLoss), text: (r) => fmtNumber(r.summary?.finalLoss) },
  { id: 'ece', label: 'ECE', numeric: true, value: (r) => num(r.summary?.ece), text: (r) => fmtNumber(r.summary?.ece, 3) },
  { id: 'loss', label: 'Loss', configKeys: prefix('loss'), value: (r) => describeLoss(r.config.loss), text: (r) => describeLoss(r.config.loss) },
  { id: 'dataset', label: 'Dataset', configKeys: prefix('dataset'), value: (r) => describeDataset(r.config), text: (r) => describeDataset(r.config) },
  { id: 'model', label: 'Model', configKeys: prefix('model'), value: (r) => describeModel(r.config), text: (r) => describeModel(r.config) },
  { id: 'optimizer', label: 'Optimizer', configKeys: prefix('optimizer'), value: (r) => describeOptimizer(r.config), text: (r) => describeOptimizer(r.config) },
  { id: 'batch', label: 'Batch', numeric: true, configKeys: prefix('batchSize'), value: (r) => r.config.batchSize, text: (r) => String(r.config.batchSize ?? '—') },
  { id: 'epochs', label: 'Epochs', numeric: true, configKeys: prefix('epochs'), value: (r) => r.config.epochs, text: (r) => String(r.config.epochs ?? '—') },
  { id: 'seed', label: 'Seed', numeric: true, configKeys: prefix('seed'), value: (r) => r.config.seed, text: (r) => String(r.config.seed) },
  { id: 'created', label: 'Created', value: (r) => r.createdAt, text: (r) => fmtDate(r.createdAt) },
];

/** Columns that cannot be hidden: the run's name and its tick box identify the row. */
export const FIXED_COLUMNS: ReadonlySet<string> = new Set(['name']);

export interface SortState {
  column: string;
  descending: boolean;
}

/** Sorted copy; runs without a value sort last in both directions. */
export function sortRuns(runs: readonly RunRecord[], sort: SortState): RunRecord[] {
  const column = RUN_COLUMNS.find((c) => c.id === sort.column) ?? RUN_COLUMNS[RUN_COLUMNS.length - 1];
  const sign = sort.descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const va = column.value(a);
    const vb = column.value(b);
    if (va === undefined || vb === undefined) return va === vb ? 0 : va === undefined ? 1 : -1;
    const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return sign * d || a.id.localeCompare(b.id);
  });
}

/** A filter term: a word anywhere, or a setting compared with its column ("seed 1", "seed:1", "loss ce"). */
type FilterTerm = { word: string } | { column: RunColumn; value: string };

/** Columns a filter can name ("seed 1"), by id and by label. */
function columnNamed(word: string): RunColumn | undefined {
  const w = word.replace(/:$/, '');
  // "run" stays a plain word: it is in most run names.
  return RUN_COLUMNS.find((c) => c.id.toLowerCase() === w || (c.id !== 'name' && c.label.toLowerCase() === w));
}

export function parseFilter(filter: string): FilterTerm[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const terms: FilterTerm[] = [];
  for (let i = 0; i < words.length; i++) {
    const pair = /^([^:]+):(.+)$/.exec(words[i]);
    const named = pair ? columnNamed(pair[1]) : columnNamed(words[i]);
    if (pair && named) terms.push({ column: named, value: pair[2] });
    else if (named && i + 1 < words.length && !columnNamed(words[i + 1])) terms.push({ column: named, value: words[++i] });
    else terms.push({ word: words[i] });
  }
  return terms;
}

/** Whether a word of `text` starts with `word`: "1" is in "seed 1" and "Poly-1", not in "21" or "0.1". */
function hasWordStart(text: string, word: string): boolean {
  let at = text.indexOf(word);
  while (at >= 0) {
    if (at === 0 || !/[\p{L}\p{N}.]/u.test(text[at - 1])) return true;
    at = text.indexOf(word, at + 1);
  }
  return false;
}

function matches(run: RunRecord, term: FilterTerm): boolean {
  if ('word' in term) return RUN_COLUMNS.some((c) => hasWordStart(c.text(run).toLowerCase(), term.word)) || run.id.toLowerCase().startsWith(term.word);
  const text = term.column.text(run).toLowerCase();
  // A number is compared whole ("seed 1" is not seed 12); text by the start of a word ("loss poly").
  return term.column.numeric ? text === term.value : hasWordStart(text, term.value);
}

/**
 * Runs that match every term of the filter (case-insensitive): a word matches the start of a word
 * in any column, and a column name followed by a value ("seed 1", "epochs:10", "loss ce") matches
 * that column only.
 */
export function filterRuns(runs: readonly RunRecord[], filter: string): RunRecord[] {
  const terms = parseFilter(filter);
  if (!terms.length) return [...runs];
  return runs.filter((r) => terms.every((t) => matches(r, t)));
}
