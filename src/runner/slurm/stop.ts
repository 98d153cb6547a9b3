import type { RunRecord } from '../../core/runFormat';
import { writeRunRecord } from '../../store/runFiles';
import { readRunDir, runDirOf } from '../../store/runStore';
import { taskKey } from './status';
import { slurmCommand, type SlurmRunOptions } from './tools';

export interface SlurmStopResult {
  /** Tasks cancelled before they started (their runs are recorded `cancelled`). */
  cancelled: string[];
  /** Running tasks asked to stop after their current step (SIGINT). */
  stopping: string[];
}

/**
 * Stops runs on Slurm with scancel: a waiting task is cancelled (its run recorded `cancelled`), a
 * running one gets SIGINT, so its run finishes the step and ends `cancelled` like a local Stop.
 * With `force`, running tasks are cancelled outright (Slurm's SIGTERM, then SIGKILL).
 */
export async function stopSlurmRuns(runsDir: string, runs: readonly RunRecord[], opts: SlurmRunOptions & { force?: boolean } = {}): Promise<SlurmStopResult> {
  const onSlurm = runs.filter((run) => run.slurm && (run.status === 'queued' || run.status === 'running'));
  const waiting = onSlurm.filter((run) => run.status === 'queued' || opts.force);
  const running = onSlurm.filter((run) => run.status === 'running' && !opts.force);
  if (waiting.length > 0) await slurmCommand('scancel', waiting.map(taskKey), opts);
  if (running.length > 0) await slurmCommand('scancel', ['--signal=INT', '--full', ...running.map(taskKey)], opts);
  const endedAt = new Date().toISOString();
  for (const run of waiting) {
    const runDir = runDirOf(runsDir, run.id);
    try {
      const fresh = readRunDir(runDir);
      if (fresh.status === 'queued') writeRunRecord(runDir, { ...fresh, status: 'cancelled', endedAt, error: `stopped before it started (scancel ${taskKey(fresh)})` });
    } catch {
      // deleted meanwhile
    }
  }
  return { cancelled: waiting.map(taskKey), stopping: running.map(taskKey) };
}
