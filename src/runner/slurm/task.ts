/**
 * One array task on a node (`polyloss task --run ID`): trains the queued run with the same worker
 * and run folder format as on any machine, and records the ends Slurm causes. Slurm ends a task with
 * SIGTERM (scancel, time limit, preemption), then SIGKILL after KillWait: the worker stops after its
 * step and the run is recorded `interrupted`; Slurm's own reason (CANCELLED, TIMEOUT…) is filled in
 * by whoever follows the array (runner/slurm/status) once Slurm has recorded it. SIGINT is the
 * polite stop that Stop Run / `polyloss sweep --stop` send to a running task: the run ends `cancelled`.
 */
import * as os from 'node:os';
import type { RunRecord } from '../../core/runFormat';
import { writeRunRecord } from '../../store/runFiles';
import { isTerminal, readRunDir, runDirOf } from '../../store/runStore';
import { startCommandRun } from '../startCommandRun';
import type { CommandLaunchSettings } from '../runQueue';
import { startRun, type RunHandle } from '../startRun';

export interface SlurmTaskOptions {
  runsDir: string;
  runId: string;
  workerPath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How runs of the user's own command are launched (the same launcher as on any machine). */
  commands: CommandLaunchSettings;
  /** Progress lines (the task's Slurm output file). */
  log: (line: string) => void;
}

/** The task's identity from Slurm's environment, merged into what the submitter recorded. */
function taskInfo(record: RunRecord, env: NodeJS.ProcessEnv): RunRecord['slurm'] {
  const jobId = env.SLURM_ARRAY_JOB_ID ?? record.slurm?.jobId;
  const taskId = env.SLURM_ARRAY_TASK_ID !== undefined ? Number(env.SLURM_ARRAY_TASK_ID) : record.slurm?.taskId;
  if (jobId === undefined || taskId === undefined) return record.slurm;
  return {
    script: record.slurm?.script ?? '', submittedAt: record.slurm?.submittedAt ?? new Date().toISOString(),
    ...record.slurm, jobId, taskId, node: env.SLURMD_NODENAME ?? os.hostname(),
  };
}

/** The run's launcher, as a RunQueue would choose it: the built-in worker, or the user's command. */
function launch(queued: RunRecord, opts: SlurmTaskOptions, env: NodeJS.ProcessEnv): RunHandle {
  const { config } = queued;
  if (config.command !== undefined) {
    return startCommandRun({ runsDir: opts.runsDir, runId: opts.runId, config, ...opts.commands, killGraceMs: 3000 });
  }
  return startRun({
    runsDir: opts.runsDir, runId: opts.runId, config, workerPath: opts.workerPath, cwd: opts.cwd,
    env: { POLYLOSS_HEARTBEAT_MS: env.POLYLOSS_HEARTBEAT_MS }, stopGraceMs: 3000, killGraceMs: 2000,
  });
}

/** Resolves to the process exit code: 0 when the run completed (or was stopped on request), else 1. */
export async function runSlurmTask(opts: SlurmTaskOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const runDir = runDirOf(opts.runsDir, opts.runId);
  const queued = readRunDir(runDir);
  if (queued.status !== 'queued') {
    opts.log(`run ${opts.runId} is already ${queued.status}: nothing to do (polyloss sweep --resume trains what did not finish)`);
    return 0;
  }
  const slurm = taskInfo(queued, env);
  writeRunRecord(runDir, { ...queued, slurm, launcherPid: process.pid, launcherHost: os.hostname() });
  const key = slurm ? `${slurm.jobId}_${slurm.taskId}` : opts.runId;
  opts.log(`task ${key}: training run ${opts.runId} on ${os.hostname()}`);

  const handle = launch(queued, opts, env);
  let endedBySlurm: NodeJS.Signals | undefined;
  const onTerm = (): void => {
    endedBySlurm = 'SIGTERM';
    handle.stop();
  };
  const onInt = (): void => handle.stop();
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  handle.onEvent((event) => {
    if (event.type === 'epoch') opts.log(`epoch ${event.epoch.epoch}: val acc ${event.epoch.valAcc.toFixed(4)}, val loss ${event.epoch.valLoss.toFixed(4)}`);
    if (event.type === 'failed') opts.log(`failed: ${event.error}`);
  });
  let record = await handle.done;
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  if (endedBySlurm && record.status !== 'completed' && record.status !== 'diverged') {
    // Slurm says why (CANCELLED, TIMEOUT, PREEMPTED…) only once the task is gone: the follower adds it.
    record = { ...record, status: 'interrupted', error: `Slurm ended task ${key} with ${endedBySlurm}` };
    writeRunRecord(runDir, record);
  } else if (record.status === 'failed' && /killed by SIGKILL/.test(record.error ?? '')) {
    // A worker killed outright on a node was most likely killed for its memory (the kernel, or the
    // cluster's limit): an end from outside, not a failure of the config. Slurm's word follows if it has one.
    record = { ...record, status: 'interrupted', error: `the training worker of task ${key} was killed (SIGKILL), as for running out of memory` };
    writeRunRecord(runDir, record);
  }
  opts.log(`run ${opts.runId} ${record.status}${record.error ? `: ${record.error}` : ''}`);
  return isTerminal(record.status) && record.status !== 'failed' && record.status !== 'interrupted' ? 0 : 1;
}
