// Progress of the runs this window is training, fed by worker events: what the status bar and the
// tree descriptions show while a run is live. Plain TypeScript (no vscode) so it is unit-tested.
import type { WorkerEvent } from '../core/protocol';
import type { LiveProgress } from './treeModel';

interface Tracked extends LiveProgress {
  name: string;
  epochs: number;
  /** ms timestamp of the first step seen, for the ETA. */
  firstStepAt?: number;
  firstStep?: number;
  lastStepAt?: number;
}

export class LiveRuns {
  private readonly runs = new Map<string, Tracked>();
  private readonly queued = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  markQueued(runId: string): void {
    this.queued.add(runId);
  }

  /** Returns true when the event changed what is displayed. */
  apply(event: WorkerEvent): boolean {
    switch (event.type) {
      case 'started': {
        this.queued.delete(event.runId);
        this.runs.set(event.runId, {
          name: event.record.name,
          epochs: event.record.config.epochs ?? 0,
          step: 0,
          epoch: 0,
          totalSteps: event.totalSteps,
        });
        return true;
      }
      case 'steps': {
        const run = this.runs.get(event.runId);
        const last = event.steps[event.steps.length - 1];
        if (!run || !last) return false;
        const t = this.now();
        if (run.firstStepAt === undefined) {
          run.firstStepAt = t;
          run.firstStep = last.step;
        }
        run.step = last.step;
        run.epoch = last.epoch;
        run.lastStepAt = t;
        return true;
      }
      case 'epoch': {
        const run = this.runs.get(event.runId);
        if (!run) return false;
        run.lastValAcc = event.epoch.valAcc;
        run.epoch = Math.max(run.epoch, event.epoch.epoch);
        return true;
      }
      case 'finished':
      case 'failed':
        this.queued.delete(event.runId);
        return this.runs.delete(event.runId);
    }
  }

  /** A run that ended without a worker event (stopped while queued, worker never started). */
  forget(runId: string): void {
    this.queued.delete(runId);
    this.runs.delete(runId);
  }

  get(runId: string): LiveProgress | undefined {
    return this.runs.get(runId);
  }

  activeIds(): string[] {
    return [...this.runs.keys()];
  }

  queuedCount(): number {
    return this.queued.size;
  }

  /** Seconds left for one run, from its step rate so far; undefined until two step batches arrived. */
  etaSeconds(runId: string): number | undefined {
    const run = this.runs.get(runId);
    if (!run?.totalSteps || run.firstStepAt === undefined || run.lastStepAt === undefined) return undefined;
    const doneSteps = run.step - (run.firstStep ?? 0);
    const elapsed = run.lastStepAt - run.firstStepAt;
    if (doneSteps <= 0 || elapsed <= 0) return undefined;
    return Math.max(0, ((run.totalSteps - run.step) * elapsed) / doneSteps / 1000);
  }

  /** Status bar text, or undefined when nothing is running or waiting. */
  statusText(): string | undefined {
    const ids = this.activeIds();
    const queued = this.queuedCount();
    if (ids.length === 0 && queued === 0) return undefined;
    const queuedText = queued ? ` · ${queued} queued` : '';
    if (ids.length === 0) return `$(watch) PolyLoss: ${queued} queued`;
    if (ids.length === 1) {
      const run = this.runs.get(ids[0])!;
      return `$(loading~spin) ${run.name}: ${this.progressText(ids[0])}${queuedText}`;
    }
    // Several runs: the one that finishes last decides when the batch is done.
    const etas = ids.map((id) => this.etaSeconds(id));
    const known = etas.every((e) => e !== undefined);
    const eta = known && etas.length ? ` · ETA ${formatDuration(Math.max(...(etas as number[])))}` : '';
    return `$(loading~spin) PolyLoss: ${ids.length} running${queuedText}${eta}`;
  }

  /** "epoch 2/10 · step 340/1200 · ETA 0:42" for one run. */
  progressText(runId: string): string {
    const run = this.runs.get(runId);
    if (!run) return '';
    const parts = [`epoch ${Math.max(1, run.epoch)}/${run.epochs}`];
    parts.push(run.totalSteps ? `step ${run.step}/${run.totalSteps}` : `step ${run.step}`);
    const eta = this.etaSeconds(runId);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    return parts.join(' · ');
  }

  /** Markdown lines for the status bar tooltip, one per active run. */
  tooltipLines(): string[] {
    return this.activeIds().map((id) => `${this.runs.get(id)!.name}: ${this.progressText(id)}`);
  }
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
