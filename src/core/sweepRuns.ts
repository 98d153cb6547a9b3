import { scriptNameOf } from './commandRun';
import { describeLoss, epsilonList, gammaOf, shortNumber, type LossSpec } from './lossSpec';
import type { RunConfig } from './runConfig';
import type { RunRecord, RunStatus } from './runFormat';

/** The sweeps among runs, as lists and words: shared by the Runs tree, the sweep commands and the dashboard. */

export function isLive(record: Pick<RunRecord, 'status'>): boolean {
  return record.status === 'queued' || record.status === 'running';
}

export interface SweepSummary {
  sweepId: string;
  runs: RunRecord[];
  live: number;
  /** Newest createdAt of its runs (ISO). */
  latest: string;
}

/** Every sweep among the runs, newest first. */
export function sweepsOf(runs: readonly RunRecord[]): SweepSummary[] {
  const bySweep = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const id = run.config.sweepId;
    if (!id) continue;
    const list = bySweep.get(id);
    if (list) list.push(run);
    else bySweep.set(id, [run]);
  }
  return [...bySweep].map(([sweepId, list]) => ({
    sweepId, runs: list, live: list.filter(isLive).length,
    latest: list.reduce((max, r) => (r.createdAt > max ? r.createdAt : max), ''),
  })).sort((a, b) => b.latest.localeCompare(a.latest) || b.sweepId.localeCompare(a.sweepId));
}

const STATUS_ORDER: readonly RunStatus[] = ['completed', 'diverged', 'running', 'queued', 'failed', 'cancelled', 'interrupted'];

/** "12 runs: 7 completed, 2 running, 3 queued" */
export function describeSweepState(runs: readonly RunRecord[]): string {
  const parts = STATUS_ORDER.map((status) => [status, runs.filter((r) => r.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return `${runs.length} run${runs.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}


/** 0.25 → "0.25", −1 → "−1" (typographic minus), at most 4 significant digits. */
function gridNumber(n: number): string {
  return shortNumber(n).replace('-', '\u2212');
}

/** "ε 2", "ε −1, 2" or "ε −1…2" for the distinct values of one swept setting. */
function gridAxis(symbol: string, values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length <= 2) return `${symbol} ${sorted.map(gridNumber).join(', ')}`;
  return `${symbol} ${gridNumber(sorted[0])}…${gridNumber(sorted[sorted.length - 1])}`;
}

/** The loss settings a grid can vary, with the value each loss has (undefined: the loss has none). */
const GRID_SETTINGS: readonly { symbol: string; value: (loss: LossSpec) => number | undefined }[] = [
  { symbol: 'ε', value: (loss) => epsilonList(loss)[0] },
  { symbol: 'γ', value: (loss) => (loss.type === 'focal' || loss.type === 'poly-focal' ? gammaOf(loss) : undefined) },
  { symbol: 'ls', value: (loss) => loss.labelSmoothing ?? 0 },
  { symbol: 'α', value: (loss) => loss.alpha },
];

/**
 * A sweep named by its grid rather than its id, e.g. "ε −1…2 + CE × 3 seeds, digits": the loss
 * settings that vary among its runs (or the loss when none does), the baseline runs without ε, the
 * number of seeds, and the dataset or the script. The configs are the sweep's runs, or the configs
 * planSweep makes of a sweep spec.
 */
export function describeSweepGrid(configs: readonly RunConfig[]): string {
  if (configs.length === 0) return 'empty sweep';
  const losses = configs.map((c) => c.loss);
  const varying = GRID_SETTINGS.map(({ symbol, value }) => {
    const values = losses.map(value).filter((v): v is number => v !== undefined);
    return { symbol, values, distinct: new Set(values).size };
  }).filter((axis) => axis.distinct > 1 || (axis.symbol === 'ε' && axis.distinct === 1 && losses.some((l) => epsilonList(l).length === 0)));
  const parts = varying.map((axis) => gridAxis(axis.symbol, axis.values));
  if (parts.length === 0) parts.push(describeLoss(losses[0]));
  // Runs without ε beside runs with ε are the sweep's baseline (CE, or focal for Poly-1 focal).
  const baselines = [...new Set(losses.filter((l) => epsilonList(l).length === 0).map((l) => (l.type === 'focal' ? 'focal' : 'CE')))];
  if (varying.some((axis) => axis.symbol === 'ε') && baselines.length) parts[0] += ` + ${baselines.join(', ')}`;
  const seeds = new Set(configs.map((c) => c.seed)).size;
  const subjects = [...new Set(configs.map((c) => (c.command !== undefined ? scriptNameOf(c.command) : c.dataset.name)))];
  return `${parts.join(' × ')} × ${seeds} seed${seeds === 1 ? '' : 's'}, ${subjects.join(', ')}`;
}
