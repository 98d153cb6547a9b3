// What the window that had this workspace open before (the same window before a reload, or one closed
// earlier) left in the runs folder: the runs it had queued, which this window takes over, and the runs
// it was training, which ended `interrupted` as it closed. No vscode import.
import type { RunRecord } from '../core/runFormat';

/** The extension host of a window, recorded in the workspace's state so that the next one knows it. */
export interface HostMark {
  pid: number;
  host: string;
}

export function isHostMark(value: unknown): value is HostMark {
  const mark = value as Partial<HostMark> | undefined;
  return typeof mark?.pid === 'number' && Number.isInteger(mark.pid) && mark.pid > 0 && typeof mark.host === 'string';
}

/** Why a window's training runs end when it goes away (recorded as the runs' error). */
export const WINDOW_GONE = 'the VS Code window that started it was closed or reloaded';

export interface LeftRuns {
  /** Queued by that window and never started: to adopt, oldest first. */
  queued: RunRecord[];
  /** Still recorded running by that window's workers, which are stopping. */
  ending: RunRecord[];
  /** Ended interrupted as that window went away. */
  interrupted: RunRecord[];
}

/** Whether a worker was already handed the run (its pid recorded), so it is no longer only queued. */
function hasWorker(record: RunRecord): boolean {
  return record.environment?.pid !== undefined || record.workerPid !== undefined;
}

/** The runs of `runs` that the window whose extension host was `previous` launched and left behind. */
export function runsLeftBy(runs: readonly RunRecord[], previous: HostMark): LeftRuns {
  const mine = runs.filter((r) => r.launcherPid === previous.pid && r.launcherHost === previous.host);
  const byAge = (a: RunRecord, b: RunRecord) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
  return {
    queued: mine.filter((r) => r.status === 'queued' && !hasWorker(r)).sort(byAge),
    ending: mine.filter((r) => r.status === 'running' || (r.status === 'queued' && hasWorker(r))),
    interrupted: mine.filter((r) => r.status === 'interrupted').sort(byAge),
  };
}

/** What Resume trains again: each sweep through its own resume (what it lacks), the other runs as they were. */
export function resumePlan(interrupted: readonly RunRecord[]): { sweepIds: string[]; runs: RunRecord[] } {
  const sweepIds = [...new Set(interrupted.flatMap((r) => (r.config.sweepId ? [r.config.sweepId] : [])))];
  return { sweepIds, runs: interrupted.filter((r) => !r.config.sweepId) };
}

/** The notification about runs that the window's closing interrupted. */
export function interruptedMessage(interrupted: readonly RunRecord[]): string {
  const { sweepIds, runs } = resumePlan(interrupted);
  const one = interrupted.length === 1;
  const first = interrupted[0];
  const parts = [
    ...runs.slice(0, 2).map((r) => `"${r.name}"`),
    ...(runs.length > 2 ? [`${runs.length - 2} more`] : []),
    ...sweepIds.map((id) => `runs of sweep ${id}`),
  ];
  const what = one
    ? `Run "${first.name}"${first.config.sweepId ? ` of sweep ${first.config.sweepId}` : ''} was`
    : `${interrupted.length} runs (${parts.join(', ')}) were`;
  return `PolyLoss: ${what} interrupted when this window was last closed or reloaded; what ${one ? 'it' : 'they'} logged is kept. `
    + `Resume trains ${one ? 'it' : 'them'} again${sweepIds.length ? ' (for a sweep: the runs it lacks)' : ''}.`;
}
