import type { WorkerEvent } from '../../core/protocol';
import type { RunConfig } from '../../core/runConfig';
import type { RunRecord, StepMetric } from '../../core/runFormat';
import { MetricsTail } from '../../store/metricsTail';
import { isTerminal, readRunDir, runDirOf } from '../../store/runStore';
import { Emitter, type Disposer } from '../../core/emitter';
import type { Executor, QueueChange } from '../executor';
import { reconcileSlurm, type SlurmSnapshot, type TaskState } from './status';
import { stopSlurmRuns } from './stop';
import { submitSlurmArray, type SlurmSubmission, type SlurmSubmitRequest } from './submit';

export interface SlurmExecutorOptions extends Omit<SlurmSubmitRequest, 'configs'> {
  /** How often the run folders are read (default 500 ms)… */
  pollMs?: number;
  /** …and how often Slurm is asked about the tasks (default 3 s). */
  slurmPollMs?: number;
  /** Asks Slurm; tests may pass their own. */
  query?: (jobIds: readonly string[]) => Promise<SlurmSnapshot | undefined>;
  /** Told once Slurm accepted an array (its job id is in every run.json by then). */
  onSubmitted?: (submission: SlurmSubmission) => void;
}

/** How long an end Slurm caused waits for Slurm's reason before it is reported without it. */
const REASON_WAIT_MS = 20_000;

interface Followed {
  status: RunRecord['status'];
  final?: RunRecord;
  resolve: (record: RunRecord) => void;
  promise: Promise<RunRecord>;
}

/**
 * Runs on a Slurm cluster: `submit` sends the runs as one job array (runner/slurm/submit); the
 * executor then follows their folders, which the tasks write on the shared file system, and turns
 * what appears there into the same live events a local worker sends. It asks Slurm every few
 * seconds, to record the ends Slurm causes and to know why tasks wait.
 */
export class SlurmExecutor implements Executor {
  readonly kind = 'slurm';
  private readonly runs = new Map<string, Followed>();
  private readonly events = new Emitter<WorkerEvent>();
  private readonly changes = new Emitter<QueueChange>();
  private readonly tail: MetricsTail;
  private readonly slurmStates = new Map<string, TaskState>();
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastAsked = 0;
  private polling = false;
  submissions: SlurmSubmission[] = [];

  constructor(private readonly opts: SlurmExecutorOptions) {
    this.tail = new MetricsTail(opts.runsDir);
  }

  async submit(configs: readonly RunConfig[]): Promise<string[]> {
    const submission = await submitSlurmArray({ ...this.opts, configs });
    this.submissions.push(submission);
    this.opts.onSubmitted?.(submission);
    this.follow(submission.runIds);
    return submission.runIds;
  }

  /** Follows runs already on Slurm (e.g. submitted by another process). */
  follow(runIds: readonly string[]): void {
    for (const runId of runIds) {
      if (this.runs.has(runId)) continue;
      let resolve!: (record: RunRecord) => void;
      const promise = new Promise<RunRecord>((r) => { resolve = r; });
      this.runs.set(runId, { status: 'queued', resolve, promise });
      this.changes.fire({ runId, state: 'queued' });
    }
    this.schedule(0);
  }

  onEvent(listener: (event: WorkerEvent) => void): Disposer {
    return this.events.on(listener);
  }

  onChange(listener: (change: QueueChange) => void): Disposer {
    return this.changes.on(listener);
  }

  runningIds(): string[] {
    return [...this.runs].filter(([, run]) => run.status === 'running').map(([id]) => id);
  }

  /** What Slurm last said about a followed run's task (state and, while it waits, why). */
  slurmState(runId: string): TaskState | undefined {
    return this.slurmStates.get(runId);
  }

  stop(runId: string): boolean {
    const run = this.runs.get(runId);
    if (!run || run.final) return false;
    void this.stopRuns([runId]);
    return true;
  }

  stopAll(): void {
    void this.stopRuns([...this.runs].filter(([, run]) => !run.final).map(([id]) => id));
  }

  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  done(runId: string): Promise<RunRecord> {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`run ${runId} is not followed here`);
    return run.promise;
  }

  /** Stops following (the runs go on on the cluster); whenIdle resolves. */
  detach(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [runId, run] of this.runs) {
      if (!run.final) run.resolve(this.read(runId) ?? ({ status: run.status } as RunRecord));
    }
    this.runs.clear();
    this.wakeIdle();
  }

  private async stopRuns(runIds: string[]): Promise<void> {
    const records = runIds.map((id) => this.read(id)).filter((r): r is RunRecord => r !== undefined);
    try {
      await stopSlurmRuns(this.opts.runsDir, records, { env: this.opts.env });
    } catch (e) {
      console.error(`polyloss: scancel failed: ${(e as Error).message}`);
    }
    this.schedule(0);
  }

  private isIdle(): boolean {
    return [...this.runs.values()].every((run) => run.final !== undefined);
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  private read(runId: string): RunRecord | undefined {
    try {
      return readRunDir(runDirOf(this.opts.runsDir, runId));
    } catch {
      return undefined;
    }
  }

  private schedule(ms: number): void {
    if (this.timer || this.isIdle()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => {
        if (this.isIdle()) this.wakeIdle();
        else this.schedule(this.opts.pollMs ?? 500);
      });
    }, ms);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const live = [...this.runs].filter(([, run]) => !run.final);
      const records = live.map(([id]) => this.read(id)).filter((r): r is RunRecord => r !== undefined);
      if (Date.now() - this.lastAsked >= (this.opts.slurmPollMs ?? 3000)) {
        this.lastAsked = Date.now();
        const { changed, snapshot } = await reconcileSlurm(this.opts.runsDir, { runs: records, query: this.opts.query });
        if (snapshot) for (const record of records) this.noteSlurmState(record, snapshot);
        for (const record of changed) records[records.findIndex((r) => r.id === record.id)] = record;
      }
      for (const record of records) this.update(record);
    } finally {
      this.polling = false;
    }
  }

  private noteSlurmState(record: RunRecord, snapshot: SlurmSnapshot): void {
    const state = record.slurm && snapshot.tasks.get(`${record.slurm.jobId}_${record.slurm.taskId}`);
    if (state) this.slurmStates.set(record.id, state);
  }

  /** A task that Slurm ended records only the signal; Slurm's reason follows within seconds. */
  private awaitsSlurmReason(record: RunRecord): boolean {
    return record.status === 'interrupted' && record.slurm !== undefined && record.slurm.state === undefined
      && Date.now() - Date.parse(record.endedAt ?? '') < REASON_WAIT_MS;
  }

  /** Turns what changed in a run's folder into live events. */
  private update(record: RunRecord): void {
    const run = this.runs.get(record.id);
    if (!run || run.final) return;
    const runId = record.id;
    if (run.status === 'queued' && record.status !== 'queued' && record.environment && record.totalSteps !== undefined) {
      this.changes.fire({ runId, state: 'running' });
      this.events.fire({ type: 'started', runId, environment: record.environment, totalSteps: record.totalSteps, record });
    }
    run.status = record.status === 'queued' || record.status === 'running' ? record.status : run.status;
    const lines = this.tail.readNew(runId);
    const steps = lines.filter((l): l is StepMetric => l.kind === 'step');
    if (steps.length > 0) this.events.fire({ type: 'steps', runId, steps });
    for (const line of lines) if (line.kind === 'epoch') this.events.fire({ type: 'epoch', runId, epoch: line });
    if (!isTerminal(record.status) || this.awaitsSlurmReason(record)) return;
    run.final = record;
    if (record.status === 'failed' || record.status === 'interrupted') {
      this.events.fire({ type: 'failed', runId, error: `${record.status === 'interrupted' ? 'interrupted: ' : ''}${record.error ?? 'no reason recorded'}` });
    } else {
      this.events.fire({ type: 'finished', runId, status: record.status as 'completed' | 'cancelled' | 'diverged', summary: record.summary ?? { steps: 0, epochs: 0 } });
    }
    this.changes.fire({ runId, state: 'ended', record });
    run.resolve(record);
  }
}
