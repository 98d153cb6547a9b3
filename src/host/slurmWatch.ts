// Runs on a Slurm cluster, as this window sees them: every few seconds while some are waiting or
// training, Slurm is asked about their tasks (runner/slurm/status): the ends it caused are recorded
// in run.json (the runs folder watcher then redraws them), and its state of each task (PENDING and
// why, RUNNING on which node) is kept for the Runs tree's tooltips. Runs switch to training as their
// tasks write run.json on the shared file system, like runs of the CLI.
import type * as vscode from 'vscode';
import { needsSlurm, reconcileSlurm, type TaskState } from '../runner/slurm/status';
import { findOnPath } from '../runner/slurm/tools';
import type { RunsIndex } from './runsModel';

const POLL_MS = 5000;

export class SlurmWatch implements vscode.Disposable {
  private readonly states = new Map<string, TaskState>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;
  private disposed = false;

  constructor(
    private readonly model: RunsIndex,
    /** Runs whose Slurm state changed: redraw them. */
    private readonly onStatesChanged: (runIds: string[]) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = model.onDidChangeRuns(() => this.schedule(500));
    this.schedule(0);
  }

  stateOf(runId: string): TaskState | undefined {
    return this.states.get(runId);
  }

  /** Asks Slurm soon (e.g. right after a submission). */
  poke(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer || this.disposed) return;
    if (!this.model.list().some((run) => needsSlurm(run, Date.now()))) return;
    // Runs of a cluster opened where Slurm is not (e.g. a copy of the folder): nothing to ask.
    if (!findOnPath('squeue')) return;
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    try {
      const { changed, snapshot } = await reconcileSlurm(this.model.runsDir, { runs: this.model.list() });
      for (const run of changed) this.log.info(`run ${run.id}: ${run.error}`);
      if (snapshot) {
        const redraw: string[] = [];
        for (const run of this.model.list()) {
          if (!run.slurm) continue;
          const said = snapshot.tasks.get(`${run.slurm.jobId}_${run.slurm.taskId}`);
          const before = this.states.get(run.id);
          if (!said || (before && JSON.stringify(before) === JSON.stringify(said))) continue;
          this.states.set(run.id, said);
          redraw.push(run.id);
        }
        if (redraw.length) this.onStatesChanged(redraw);
      }
    } catch (e) {
      this.log.warn(`could not ask Slurm about the runs: ${(e as Error).message}`);
    } finally {
      this.timer = undefined;
      this.schedule(POLL_MS);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
  }
}
