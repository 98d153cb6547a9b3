// A window taking over from the one that had its workspace open before (itself before a reload):
// the runs that window had queued start here, and the runs it was training, interrupted as it closed,
// are announced with Resume and Show.
import * as os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import type { RunRecord } from '../core/runFormat';
import { isProcessAlive, listRuns, readRunFolder } from '../store/runStore';
import { COMMANDS } from './commandIds';
import { interruptedMessage, isHostMark, resumePlan, runsLeftBy, type HostMark, type LeftRuns } from './previousWindow';
import type { RunLauncher } from './runLauncher';
import type { RunsIndex } from './runsModel';

const HOST_KEY = 'polyloss.extensionHost';
/** How long to wait for the previous extension host to exit and its workers to record their end. */
const SETTLE_TIMEOUT_MS = 15_000;
const SETTLE_POLL_MS = 250;

export interface TakeoverDeps {
  model: RunsIndex;
  launcher: RunLauncher;
  log: vscode.LogOutputChannel;
}

/** Records this window's extension host in the workspace's state; returns the one recorded before. */
export function swapHostMark(state: vscode.Memento): HostMark | undefined {
  const previous = state.get<unknown>(HOST_KEY);
  void state.update(HOST_KEY, { pid: process.pid, host: os.hostname() } satisfies HostMark);
  return isHostMark(previous) && previous.pid !== process.pid ? previous : undefined;
}

/**
 * What the previous window left, once its host has exited and its workers have recorded their end;
 * undefined while that host lives on (another window of the same workspace, e.g. a second browser tab
 * of VS Code for the Web): its queue is its own.
 */
async function settledRunsLeftBy(runsDir: string, previous: HostMark): Promise<LeftRuns | undefined> {
  let left = runsLeftBy(listRuns(runsDir).runs, previous);
  const ids = [...left.queued, ...left.ending, ...left.interrupted].map((r) => r.id);
  const reread = (): LeftRuns => runsLeftBy(ids.flatMap((id) => {
    const folder = readRunFolder(runsDir, id);
    return folder && 'record' in folder ? [folder.record] : [];
  }), previous);
  // A reload may start this host before the old one has exited; its workers stop within a step.
  for (const deadline = Date.now() + SETTLE_TIMEOUT_MS; (isProcessAlive(previous.pid) || left.ending.length) && Date.now() < deadline;) {
    await sleep(SETTLE_POLL_MS);
    left = reread();
  }
  return isProcessAlive(previous.pid) ? undefined : left;
}

/**
 * Starts the runs the previous window of this workspace queued (they stay queued when it closes or
 * reloads), and tells about the runs it was training, which ended interrupted.
 */
export async function takeOverFromPreviousWindow(previous: HostMark | undefined, deps: TakeoverDeps): Promise<void> {
  if (!previous || previous.host !== os.hostname()) return;
  const left = await settledRunsLeftBy(deps.model.runsDir, previous);
  if (!left) return;
  const { queued, interrupted } = left;
  // In Restricted Mode nothing trains: the queued runs are then found interrupted like any left behind.
  if (queued.length && vscode.workspace.isTrusted) deps.launcher.adopt(queued.map((r) => r.id));
  deps.model.reloadRuns([...queued, ...interrupted].map((r) => r.id));
  if (interrupted.length) announceInterrupted(interrupted, deps);
}

function announceInterrupted(interrupted: RunRecord[], deps: TakeoverDeps): void {
  deps.log.warn(`interrupted when this window was last closed or reloaded: ${interrupted.map((r) => r.id).join(', ')}`);
  void vscode.window.showWarningMessage(interruptedMessage(interrupted), 'Resume', 'Show').then(async (choice) => {
    const { sweepIds, runs } = resumePlan(interrupted);
    if (choice === 'Resume') {
      for (const sweepId of sweepIds) await vscode.commands.executeCommand(COMMANDS.resumeSweep, sweepId);
      if (runs.length) await deps.launcher.start(runs.map((r) => structuredClone(r.config)));
    } else if (choice === 'Show') {
      if (sweepIds.length === 1 && runs.length === 0) await vscode.commands.executeCommand(COMMANDS.showSweep, sweepIds[0]);
      else await vscode.commands.executeCommand(COMMANDS.openDashboard, interrupted.map((r) => r.id));
    }
  });
}
