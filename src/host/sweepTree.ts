// Sweeps as the Runs tree and the sweep commands see them: which sweep a command was invoked on,
// the context value of a sweep group (menus show Stop only while it has live runs), and the runs
// Stop Sweep can stop. No vscode import.
import type { RunRecord } from '../core/runFormat';
import { isLive } from '../core/sweepRuns';
import type { GroupNode } from './treeModel';

const SWEEP_GROUP_PREFIX = 'sweep:';

/** The Runs tree's group id of a sweep (read back by `sweepIdFromArg`). */
export function sweepGroupId(sweepId: string): string {
  return `${SWEEP_GROUP_PREFIX}${sweepId}`;
}

/** `runGroup` (experiment), `runGroup.sweep`, or `runGroup.sweep.active` while a run of the sweep is queued or running. */
export function groupContextValue(group: GroupNode): string {
  if (!group.id.startsWith(SWEEP_GROUP_PREFIX)) return 'runGroup';
  return group.runs.some((r) => isLive(r.record)) ? 'runGroup.sweep.active' : 'runGroup.sweep';
}

/**
 * The sweep a command was invoked on: a sweep group of the tree, a sweep id, or a run (node or
 * record) of a sweep. Undefined when invoked on nothing (the palette) or on something else.
 */
export function sweepIdFromArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg || undefined;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { kind?: unknown; id?: unknown; record?: unknown; config?: unknown };
  if (o.kind === 'group' && typeof o.id === 'string') return o.id.startsWith(SWEEP_GROUP_PREFIX) ? o.id.slice(SWEEP_GROUP_PREFIX.length) : undefined;
  const config = (o.kind === 'run' ? (o.record as RunRecord | undefined)?.config : o.config) as { sweepId?: unknown } | undefined;
  return typeof config?.sweepId === 'string' ? config.sweepId : undefined;
}

/**
 * The live runs of a sweep split by who can stop them: this process's (queued ones first, so no
 * stopping run frees a slot for one of them) and those another window or the CLI started.
 */
export function stoppableRuns(runs: readonly RunRecord[], sweepId: string, pid: number): { mine: RunRecord[]; elsewhere: RunRecord[] } {
  const live = runs.filter((r) => r.config.sweepId === sweepId && isLive(r));
  const mine = live.filter((r) => r.launcherPid === pid).sort((a, b) => Number(a.status === 'running') - Number(b.status === 'running'));
  return { mine, elsewhere: live.filter((r) => r.launcherPid !== pid) };
}
