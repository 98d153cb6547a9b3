/**
 * What Slurm says about the tasks of our job arrays, and the run ends it explains. squeue lists
 * pending, running and recently ended tasks (with -t all, for MinJobAge, 300 s by default); the
 * job-completion log (jobcomp/filetxt) keeps ended ones after that; sacct would too, but only where
 * accounting runs. Where no one can say (a node that died with the task), the worker's heartbeat in
 * run.json tells a run that still trains from one that ended unrecorded.
 */
import * as fs from 'node:fs';
import type { RunRecord } from '../../core/runFormat';
import { isLive } from '../../core/sweepRuns';
import { writeRunRecord } from '../../store/runFiles';
import { listRuns, readRunDir, runDirOf } from '../../store/runStore';
import { SlurmCommandError, slurmCommand, type SlurmRunOptions } from './tools';

export interface TaskState {
  /** Slurm's job state: PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT… */
  state: string;
  /** Why a task waits (PENDING): Priority, Resources, JobArrayTaskLimit, JobHeldUser… */
  reason?: string;
  node?: string;
}

export interface SlurmSnapshot {
  /** By task key `JOBID_TASK`. */
  tasks: Map<string, TaskState>;
  /** Array jobs of which squeue listed at least one task. */
  jobsListed: Set<string>;
}

/** States of a task that has not ended. */
const ACTIVE_STATES = new Set([
  'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED',
  'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED',
]);

const END_WORDS: Readonly<Record<string, string>> = {
  CANCELLED: 'cancelled with scancel or by an administrator',
  TIMEOUT: 'time limit reached',
  NODE_FAIL: 'its node failed',
  PREEMPTED: 'preempted by another job',
  OUT_OF_MEMORY: 'out of memory',
  BOOT_FAIL: 'its node failed to boot',
  DEADLINE: 'deadline passed',
  FAILED: 'the task failed before the run recorded its end',
  COMPLETED: 'the task ended before the run recorded its end',
};

/** End states that Slurm (or the cluster) caused, as opposed to the task ending by itself (COMPLETED, FAILED). */
const SLURM_CAUSES = new Set(['CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE']);

export function taskKey(run: Pick<RunRecord, 'slurm'>): string {
  return `${run.slurm!.jobId}_${run.slurm!.taskId}`;
}

export function isActiveState(state: string): boolean {
  return ACTIVE_STATES.has(state);
}

/** "Slurm ended task 4312_3: TIMEOUT (time limit reached)" */
export function slurmEndReason(key: string, state: string): string {
  const words = END_WORDS[state];
  return `Slurm ended task ${key}: ${state}${words ? ` (${words})` : ''}`;
}

/** Lines of `squeue -h -r -o '%i|%T|%r|%N'`: array tasks as JOBID_TASK. */
export function parseSqueue(stdout: string): Map<string, TaskState> {
  const tasks = new Map<string, TaskState>();
  for (const line of stdout.split('\n')) {
    const [id, state, reason, node] = line.trim().split('|');
    if (!id || !state || !/^\d+_\d+$/.test(id)) continue;
    tasks.set(id, { state, reason: reason && reason !== 'None' ? reason : undefined, node: node || undefined });
  }
  return tasks;
}

/** Ended array tasks of `jobIds` in a jobcomp/filetxt log ("JobId=… JobState=… ArrayJobId=… ArrayTaskId=…"). */
export function parseJobCompLog(text: string, jobIds: ReadonlySet<string>): Map<string, TaskState> {
  const tasks = new Map<string, TaskState>();
  for (const line of text.split('\n')) {
    const arrayJob = /\bArrayJobId=(\d+)/.exec(line)?.[1];
    if (!arrayJob || !jobIds.has(arrayJob)) continue;
    const task = /\bArrayTaskId=(\d+)/.exec(line)?.[1];
    const state = /\bJobState=([A-Z_]+)/.exec(line)?.[1];
    if (task === undefined || !state) continue;
    tasks.set(`${arrayJob}_${task}`, { state, node: /\bNodeList=(\S+)/.exec(line)?.[1] });
  }
  return tasks;
}

/** Only the end of a long log is read: the tasks asked about ended recently. */
const JOBCOMP_TAIL_BYTES = 4 * 1024 * 1024;
let jobCompLocation: Promise<string | undefined> | undefined;

/** The jobcomp/filetxt log file, when the cluster keeps one (asked once per process). */
function jobCompLog(opts: SlurmRunOptions): Promise<string | undefined> {
  jobCompLocation ??= slurmCommand('scontrol', ['show', 'config'], opts).then((text) => {
    if (!/^JobCompType\s*=\s*jobcomp\/filetxt/m.test(text)) return undefined;
    return /^JobCompLoc\s*=\s*(\S+)/m.exec(text)?.[1];
  }, () => undefined);
  return jobCompLocation;
}

function readTail(file: string): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, JOBCOMP_TAIL_BYTES);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** What Slurm says about the tasks of these array jobs; undefined when Slurm cannot be asked (controller down). */
export async function querySlurm(jobIds: readonly string[], opts: SlurmRunOptions = {}): Promise<SlurmSnapshot | undefined> {
  const ids = [...new Set(jobIds)];
  let stdout = '';
  try {
    stdout = await slurmCommand('squeue', ['-h', '-r', '-t', 'all', '-j', ids.join(','), '-o', '%i|%T|%r|%N'], opts);
  } catch (e) {
    // Every id forgotten: squeue refuses the list. Anything else: Slurm is not reachable.
    if (!(e instanceof SlurmCommandError && /Invalid job id/i.test(e.stderr))) return undefined;
  }
  const tasks = parseSqueue(stdout);
  const jobsListed = new Set([...tasks.keys()].map((key) => key.split('_')[0]));
  const log = await jobCompLog(opts);
  if (log) {
    for (const [key, state] of parseJobCompLog(readTail(log), new Set(ids))) if (!tasks.has(key)) tasks.set(key, state);
  }
  return { tasks, jobsListed };
}

export interface VerdictOptions {
  now: number;
  /** A live run with no sign of life for longer than this, that Slurm no longer lists, has ended. */
  staleMs: number;
}

/** How long after its end an interrupted run may still get Slurm's reason (the task could only record a signal). */
const REFINE_WITHIN_MS = 60 * 60 * 1000;

/** Whether Slurm may still have something to say about the run: it is live on Slurm, or ended by Slurm without its reason yet. */
export function needsSlurm(run: RunRecord, now: number): boolean {
  if (!run.slurm) return false;
  if (isLive(run)) return true;
  return run.status === 'interrupted' && run.slurm.state === undefined && now - Date.parse(run.endedAt ?? '') < REFINE_WITHIN_MS;
}

/** The change Slurm's answer calls for, if any: an end Slurm caused recorded as `interrupted` with its reason. */
export function slurmVerdict(run: RunRecord, snapshot: SlurmSnapshot, opts: VerdictOptions): Partial<RunRecord> | undefined {
  if (!needsSlurm(run, opts.now)) return undefined;
  const slurm = run.slurm!;
  const key = taskKey(run);
  const task = snapshot.tasks.get(key);
  const ended = (state: string, error: string): Partial<RunRecord> => ({
    status: 'interrupted', error, endedAt: run.endedAt ?? new Date(opts.now).toISOString(), slurm: { ...slurm, state },
  });
  if (task && !isActiveState(task.state)) {
    // A run that recorded its own end keeps its words unless Slurm names a cause of its own.
    const keepOwn = !isLive(run) && !SLURM_CAUSES.has(task.state) && run.error !== undefined;
    return ended(task.state, keepOwn ? run.error! : slurmEndReason(key, task.state));
  }
  if (task || !isLive(run)) return undefined;
  if (run.status === 'queued' && snapshot.jobsListed.has(slurm.jobId)) {
    // Slurm drops a pending task that is cancelled without a trace, while its siblings stay listed.
    return ended('CANCELLED', `${slurmEndReason(key, 'CANCELLED')}, before it started`);
  }
  const lastSign = run.heartbeatAt ?? run.startedAt ?? slurm.submittedAt;
  if (opts.now - Date.parse(lastSign) <= opts.staleMs) return undefined;
  return ended('UNKNOWN', `Slurm no longer lists task ${key}, and the run gave no sign of life since ${lastSign}`);
}

export interface ReconcileSlurmOptions {
  runs?: readonly RunRecord[];
  query?: (jobIds: readonly string[]) => Promise<SlurmSnapshot | undefined>;
  now?: () => number;
  staleMs?: number;
}

/** Heartbeat period the tasks' workers are asked for, and the silence after which a run counts as ended. */
export const HEARTBEAT_MS = 15_000;
export const STALE_MS = 8 * HEARTBEAT_MS;

/**
 * Asks Slurm about the runs of the folder that are on Slurm and still live (or interrupted without
 * Slurm's reason yet), and records the ends Slurm caused. Returns what it changed and what Slurm said.
 */
export async function reconcileSlurm(runsDir: string, opts: ReconcileSlurmOptions = {}): Promise<{ changed: RunRecord[]; snapshot?: SlurmSnapshot }> {
  const now = opts.now ?? Date.now;
  const candidates = (opts.runs ?? listRuns(runsDir).runs).filter((run) => needsSlurm(run, now()));
  if (candidates.length === 0) return { changed: [] };
  const snapshot = await (opts.query ?? querySlurm)(candidates.map((run) => run.slurm!.jobId));
  if (!snapshot) return { changed: [] };
  const changed: RunRecord[] = [];
  for (const listed of candidates) {
    const verdictOpts = { now: now(), staleMs: opts.staleMs ?? STALE_MS };
    if (!slurmVerdict(listed, snapshot, verdictOpts)) continue;
    const runDir = runDirOf(runsDir, listed.id);
    try {
      // Re-read just before writing: the task may have recorded the end meanwhile.
      const fresh = readRunDir(runDir);
      const changes = slurmVerdict(fresh, snapshot, verdictOpts);
      if (!changes) continue;
      const updated = { ...fresh, ...changes };
      writeRunRecord(runDir, updated);
      changed.push(updated);
    } catch {
      // deleted or unreadable meanwhile: nothing to record
    }
  }
  return { changed, snapshot };
}
