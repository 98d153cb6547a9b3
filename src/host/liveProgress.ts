// Progress of the runs this window is training, fed by worker events: what the status bar and the
// tree descriptions show while a run is live. Plain TypeScript (no vscode) so it is unit-tested.
import type { WorkerEvent } from '../core/protocol';
import { isCommandConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { recentThroughput } from '../runner/sweepEstimate';
import type { LiveProgress } from './treeModel';
import { aboutDuration } from '../core/timeEstimate';
import { RecentStepRate } from '../core/stepRate';

interface Tracked extends LiveProgress {
  name: string;
  epochs: number;
  /** Steps per second that finished runs like this one trained at, when there are such runs. */
  expectedRate?: number;
  /** The run's own rate, over its last few seconds; until it has one, `expectedRate` says how long it takes. */
  rate: RecentStepRate;
}

/** Steps per second of finished runs that train like `record` (same data, model, batch size, backend), if any. */
export type ExpectedRate = (record: RunRecord) => number | undefined;

/**
 * The ExpectedRate of the runs in `runs`: the training speed (samples per second, validation left out)
 * of the recent completed runs like the record, in its steps. None for a script's runs.
 */
export function expectedStepRate(runs: readonly RunRecord[], record: RunRecord): number | undefined {
  if (isCommandConfig(record.config)) return undefined;
  const throughput = recentThroughput(runs, record.config);
  return throughput && throughput.samplesPerSec / record.config.batchSize;
}

export class LiveRuns {
  private readonly runs = new Map<string, Tracked>();
  private readonly queued = new Set<string>();

  constructor(private readonly expectedRate: ExpectedRate = () => undefined) {}

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
          expectedRate: this.expectedRate(event.record),
          rate: new RecentStepRate(),
        });
        return true;
      }
      case 'steps': {
        const run = this.runs.get(event.runId);
        const last = event.steps[event.steps.length - 1];
        if (!run || !last) return false;
        // The worker's own clock: how late a batch reaches this window does not change the rate.
        run.rate.mark(last.t, last.step);
        run.step = last.step;
        run.epoch = last.epoch;
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

  /**
   * Seconds left for one run: its steps left at its own rate over the last few seconds, or at the
   * rate of finished runs like it until two step batches give its own; undefined when neither is known.
   */
  etaSeconds(runId: string): number | undefined {
    const run = this.runs.get(runId);
    if (!run?.totalSteps) return undefined;
    const rate = run.rate.stepsPerSecond() ?? run.expectedRate;
    if (!rate) return undefined;
    return Math.max(0, (run.totalSteps - run.step) / rate);
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
    const eta = known && etas.length ? ` · ${aboutDuration(Math.max(...(etas as number[])))} left` : '';
    return `$(loading~spin) PolyLoss: ${ids.length} running${queuedText}${eta}`;
  }

  /** "epoch 2/10 · step 340/1200 · about 42 s left" for one run. */
  progressText(runId: string): string {
    const run = this.runs.get(runId);
    if (!run) return '';
    const parts = [`epoch ${Math.max(1, run.epoch)}/${run.epochs}`];
    parts.push(run.totalSteps ? `step ${run.step}/${run.totalSteps}` : `step ${run.step}`);
    const eta = this.etaSeconds(runId);
    if (eta !== undefined) parts.push(`${aboutDuration(eta)} left`);
    return parts.join(' · ');
  }

  /** Markdown lines for the status bar tooltip, one per active run. */
  tooltipLines(): string[] {
    return this.activeIds().map((id) => `${this.runs.get(id)!.name}: ${this.progressText(id)}`);
  }
}

