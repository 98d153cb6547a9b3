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

