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

export function describeDataset(c: RunConfig): string {
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
  const sizes = c.model.type === 'cnn' ? c.model.filters : c.model.hidden;
  return sizes?.length ? `${c.model.type} [${sizes.join(',')}]` : c.model.type;
}

export function describeOptimizer(c: RunConfig): string {
  return `${c.optimizer.type} lr=${fmtNumber(c.optimizer.learningRate)}`;
}

const prefix = (...ps: string[]) => (key: string) => ps.some((p) => key === p || key.startsWith(`${p}.`));
const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? undefined : v);

export const RUN_COLUMNS: readonly RunColumn[] = [
  { id: 'name', label: 'Run', value: (r) => r.name.toLowerCase(), text: (r) => r.name },
  { id: 'status', label: 'Status', value: (r) => r.status, text: (r) => r.status },
  { id: 'loss', label: 'Loss', configKeys: prefix('loss'), value: (r) => describeLoss(r.config.loss), text: (r) => describeLoss(r.config.loss) },
  { id: 'dataset', label: 'Dataset', configKeys: prefix('dataset'), value: (r) => describeDataset(r.config), text: (r) => describeDataset(r.config) },
  { id: 'model', label: 'Model', configKeys: prefix('model'), value: (r) => describeModel(r.config), text: (r) => describeModel(r.config) },
  { id: 'optimizer', label: 'Optimizer', configKeys: prefix('optimizer'), value: (r) => describeOptimizer(r.config), text: (r) => describeOptimizer(r.config) },
  { id: 'batch', label: 'Batch', numeric: true, configKeys: prefix('batchSize'), value: (r) => r.config.batchSize, text: (r) => String(r.config.batchSize) },
  { id: 'epochs', label: 'Epochs', numeric: true, configKeys: prefix('epochs'), value: (r) => r.config.epochs, text: (r) => String(r.config.epochs) },
  { id: 'seed', label: 'Seed', numeric: true, configKeys: prefix('seed'), value: (r) => r.config.seed, text: (r) => String(r.config.seed) },
  { id: 'finalLoss', label: 'Final loss', numeric: true, value: (r) => num(r.summary?.finalLoss), text: (r) => fmtNumber(r.summary?.finalLoss) },
  { id: 'bestValAcc', label: 'Best val acc', numeric: true, value: (r) => num(r.summary?.bestValAcc), text: (r) => fmtPercent(r.summary?.bestValAcc) },
  { id: 'testAcc', label: 'Test acc', numeric: true, value: (r) => num(r.summary?.testAcc), text: (r) => fmtPercent(r.summary?.testAcc) },
  { id: 'ece', label: 'ECE', numeric: true, value: (r) => num(r.summary?.ece), text: (r) => fmtNumber(r.summary?.ece, 3) },
  { id: 'created', label: 'Created', value: (r) => r.createdAt, text: (r) => fmtDate(r.createdAt) },
];

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

/** Runs whose visible text contains every word of the filter (case-insensitive). */
export function filterRuns(runs: readonly RunRecord[], filter: string): RunRecord[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...runs];
  return runs.filter((r) => {
    const haystack = [r.id, ...RUN_COLUMNS.map((c) => c.text(r))].join(' ').toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}
