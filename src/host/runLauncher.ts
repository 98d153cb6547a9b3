// Starts and stops this window's runs through the runner's queue (at most maxConcurrentRuns workers,
// the rest queued), and tells everyone else what the workers report: the runs model, the live
// progress, the log, and a progress bar on the Runs view while a batch launched together trains
// (the status bar says how far; no notification lasts a whole run). Failures are announced together.
// Before queueing, the datasets are checked in a worker process, so that bad data leaves no run behind.
import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import type { PreflightReply, WorkerEvent } from '../core/protocol';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { preflightInWorker } from '../runner/preflightWorker';
import { checkSlurmOptions, type SlurmOptions } from '../runner/slurm/script';
import { stopSlurmRuns } from '../runner/slurm/stop';
import { interpreterTaskEnv, submitSlurmArray, unsharedFolderWarning, type SlurmSubmission } from '../runner/slurm/submit';
import { formatArgv } from '../core/commandRun';
import { prepareCommand } from '../runner/commandSetup';
import { clientDirBeside, RunQueue, type CommandLaunchSettings, type QueueChange } from '../runner/runQueue';
import { WorkerPool } from '../runner/workerPool';
import { interpreterSearch, selectedPython } from './pythonInterpreter';
import { preflightBatches, preflightFailureMessage } from './preflightPlan';
import { WINDOW_GONE } from './previousWindow';
import { percent } from './treeModel';
import type { LiveRuns } from './liveProgress';
import type { RunsIndex } from './runsModel';
import type { RunActions } from './services';
import { errorMessage } from '../core/errors';
import { FailureNotices } from './failureNotices';

export interface LauncherDeps {
  model: RunsIndex;
  live: LiveRuns;
  log: vscode.LogOutputChannel;
  /** dist/worker.js next to the extension bundle. */
  workerPath: string;
  maxConcurrent: () => number;
  /** Something a run shows changed (status, live progress): redraw the tree and status bar. */
  onDisplayChange: (runId: string) => void;
  /** dist/cli.js next to the extension bundle: what Slurm tasks run. */
  cliPath: string;
}

export interface SlurmRequest {
  /** Keeps the sbatch script and the tasks' output (the sweep's folder). */
  folder: string;
  jobName: string;
  options: SlurmOptions;
}

/** Command runs checked before they start: how to launch them and the Python chosen for them. */
interface CheckedCommands {
  settings?: CommandLaunchSettings;
  python?: string;
}

/** The Runs view, where a training batch shows its progress bar. */
const RUNS_VIEW_ID = 'polyloss.runs';
/** A dataset check that takes longer than this gets a cancellable notification. */
const CHECK_NOTICE_MS = 700;

export class RunLauncher implements RunActions, vscode.Disposable {
  /** One queue per runs folder: changing the setting sends new runs elsewhere while old ones finish. */
  private readonly queues = new Map<string, RunQueue>();
  /** Warm training workers, shared by the queues: a worker that ended a run takes the next one. */
  private readonly workers: WorkerPool;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly failures: FailureNotices;
  /** How command runs are launched: the interpreter chosen when they were started. */
  private commandSettings: CommandLaunchSettings | undefined;

  constructor(private readonly deps: LauncherDeps) {
    this.workers = new WorkerPool({ workerPath: deps.workerPath });
    this.failures = new FailureNotices({
      show: (message) => void vscode.window.showErrorMessage(message, 'Show').then((choice) => { if (choice) deps.log.show(true); }),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    });
  }

  /**
   * Queues the configs (one run each) and returns their ids; shows progress on the Runs view until
   * they end unless `batchProgress` is false (the caller shows its own, e.g. Find Best ε).
   */
  async start(configs: RunConfig[], { batchProgress = true }: { batchProgress?: boolean } = {}): Promise<string[]> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('PolyLoss: trust this workspace to start training runs (it reads dataset files and writes the runs folder).');
      return [];
    }
    const commands = await this.commandsUsable(configs);
    if (!commands) return [];
    if (commands.settings) this.commandSettings = commands.settings;
    this.workers.warmUp(configs, this.deps.maxConcurrent()); // the workers load while the data is checked
    if (!(await this.datasetsUsable(configs.filter((c) => c.command === undefined)))) return [];
    const queue = this.queue();
    const ids: string[] = [];
    // Queued as one batch: its first run must see its siblings waiting, or it would take every core.
    queue.batch(() => {
      for (const config of configs) {
        try {
          ids.push(queue.enqueue(config));
        } catch (e) {
          const message = errorMessage(e);
          this.deps.log.error(`could not create a run in ${this.deps.model.runsDir}: ${message}`);
          void vscode.window.showErrorMessage(`PolyLoss: could not create the run: ${message}`);
        }
      }
    });
    if (ids.length && batchProgress) this.showBatchProgress(queue, ids);
    return ids;
  }

  /**
   * Runs of the user's command: chooses the interpreter (Python extension, setting, PATH) and checks
   * each command's folder, program and script before any run folder exists; says what to fix instead
   * of starting (undefined). The launch settings are undefined when no config is a command run.
   */
  private async commandsUsable(configs: RunConfig[]): Promise<CheckedCommands | undefined> {
    const commands = configs.filter((c) => c.command !== undefined);
    if (commands.length === 0) return {};
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    const interpreter = interpreterSearch(await selectedPython(folder?.uri));
    const settings: CommandLaunchSettings = {
      baseDir: folder?.uri.fsPath ?? process.cwd(), interpreter, clientDir: clientDirBeside(this.deps.workerPath),
    };
    let python: string | undefined;
    for (const config of commands) {
      try {
        const prepared = prepareCommand(config.command!, settings.baseDir, interpreter);
        if (prepared.interpreter) this.deps.log.info(`Python for ${formatArgv(config.command!.argv)}: ${prepared.interpreter.path} (${prepared.interpreter.source})`);
        python ??= prepared.interpreter?.path;
      } catch (e) {
        const message = errorMessage(e);
        this.deps.log.error(`not started: ${message}`);
        void vscode.window.showErrorMessage(`PolyLoss: ${commands.length === 1 ? 'the run was not started' : 'no run was started'}: ${message}`, 'Show Log')
          .then((choice) => { if (choice) this.deps.log.show(true); });
        return undefined;
      }
    }
    return { settings, python };
  }

  /**
   * Loads each dataset of the configs as training will, in a worker process (the host thread stays
   * free; a warm one, which keeps the parsed data for the runs), before any run folder exists; says
   * what is wrong instead of starting. Dataset files named
   * by an experiment file must lie in the workspace (preflightBatches).
   */
  private async datasetsUsable(configs: RunConfig[]): Promise<boolean> {
    if (configs.length === 0) return true;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    // The training workers are forked without a cwd, so relative paths resolve against this process's.
    const batches = preflightBatches(configs, folders, process.cwd());
    const abort = new AbortController();
    const check = preflightInWorker(batches, { workerPath: this.deps.workerPath, signal: abort.signal, workers: this.workers });
    let reply: PreflightReply | 'cancelled';
    try {
      reply = await Promise.race([check, sleep(CHECK_NOTICE_MS, undefined, { ref: false })]) ?? await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'PolyLoss: checking the data before training', cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          return check;
        },
      );
    } catch (e) {
      const message = errorMessage(e);
      this.deps.log.error(`could not check the data: ${message}`);
      void vscode.window.showErrorMessage(`PolyLoss: could not check the data: ${message}`);
      return false;
    }
    if (reply === 'cancelled') {
      this.deps.log.info('cancelled while checking the data: nothing was started');
      return false;
    }
    if (reply.type === 'preflight-failed') {
      this.deps.log.error(`not started (${reply.field}): ${reply.message}`);
      void vscode.window.showErrorMessage(preflightFailureMessage(reply, configs.length), 'Show Log')
        .then((choice) => { if (choice) this.deps.log.show(true); });
      return false;
    }
    return true;
  }

  /**
   * Submits the configs to Slurm as one job array, after the same data check as local runs; the runs
   * appear queued at once and train as their tasks start. Undefined when nothing was submitted.
   */
  async submitToSlurm(configs: RunConfig[], request: SlurmRequest): Promise<SlurmSubmission | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('PolyLoss: trust this workspace to start training runs (it reads dataset files and writes the runs folder).');
      return undefined;
    }
    try {
      checkSlurmOptions(request.options);
    } catch (e) {
      void vscode.window.showErrorMessage(`PolyLoss: the polyloss.slurm settings are not valid: ${(e as Error).message}`, 'Open Settings')
        .then((choice) => { if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'polyloss.slurm'); });
      return undefined;
    }
    const commands = await this.commandsUsable(configs);
    if (!commands) return undefined;
    if (!(await this.datasetsUsable(configs.filter((c) => c.command === undefined)))) return undefined;
    const unshared = unsharedFolderWarning(this.deps.model.runsDir);
    if (unshared) {
      this.deps.log.warn(unshared);
      void vscode.window.showWarningMessage(`PolyLoss: ${unshared} (setting polyloss.runsDirectory).`);
    }
    try {
      // The tasks resolve relative dataset paths like local workers do (against this process's
      // folder) and a command's folder like this window does (against the workspace folder); they
      // read no settings, so the interpreter chosen here goes into the script.
      return await submitSlurmArray({
        runsDir: this.deps.model.runsDir, configs, ...request, cliPath: this.deps.cliPath,
        cwd: commands.settings?.baseDir ?? process.cwd(),
        taskEnv: commands.python ? interpreterTaskEnv(commands.python) : undefined,
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.log.error(`Slurm did not take the sweep: ${message}`);
      void vscode.window.showErrorMessage(`PolyLoss: Slurm did not take the runs: ${message}`, 'Show Log')
        .then((choice) => { if (choice) this.deps.log.show(true); });
      return undefined;
    }
  }

  async rerun(runId: string): Promise<string | undefined> {
    const record = this.deps.model.get(runId);
    if (!record) {
      void vscode.window.showErrorMessage(`PolyLoss: no run ${runId} in ${this.deps.model.runsDir}`);
      return undefined;
    }
    const [id] = await this.start([structuredClone(record.config)]);
    return id;
  }

  /**
   * Takes over runs that the previous window of this workspace queued and left as it closed or
   * reloaded: they keep their folders and start here as slots free up. Returns the ids taken.
   */
  adopt(runIds: readonly string[]): string[] {
    const queue = this.queue();
    const adopted = runIds.filter((id) => {
      try {
        return queue.adopt(id);
      } catch (e) {
        this.deps.log.error(`could not take over queued run ${id}: ${errorMessage(e)}`);
        return false;
      }
    });
    if (adopted.length) {
      this.deps.log.info(`took over ${adopted.length} queued run${adopted.length === 1 ? '' : 's'} left by the previous window: ${adopted.join(', ')}`);
      this.showBatchProgress(queue, adopted);
    }
    return adopted;
  }

  /** Stops a run of this window: a queued run is cancelled, a running one ends as `cancelled` with its metrics. */
  stop(runId: string): void {
    for (const queue of this.queues.values()) if (queue.stop(runId)) return;
    const record = this.deps.model.get(runId);
    if (record?.slurm && (record.status === 'running' || record.status === 'queued')) {
      void this.stopOnSlurm([record]);
      return;
    }
    const owner = record?.environment?.pid ?? record?.launcherPid;
    void vscode.window.showWarningMessage(record && (record.status === 'running' || record.status === 'queued')
      ? `PolyLoss: run "${record.name}" was started by another window or the CLI${owner ? ` (pid ${owner})` : ''}; stop it there.`
      : `PolyLoss: run ${runId} is not running.`);
  }

  /** scancel for runs on Slurm: waiting tasks are cancelled, running ones stop after their step. */
  async stopOnSlurm(records: RunRecord[]): Promise<void> {
    try {
      const { cancelled, stopping } = await stopSlurmRuns(this.deps.model.runsDir, records);
      this.deps.log.info(`Slurm: cancelled ${cancelled.join(', ') || 'no waiting task'}; asked ${stopping.join(', ') || 'no running task'} to stop`);
    } catch (e) {
      void vscode.window.showErrorMessage(`PolyLoss: could not stop the runs on Slurm: ${(e as Error).message}`);
    }
  }

  /** Stops a run of this window and resolves once its worker has exited (at once for other runs). */
  async stopAndWait(runId: string): Promise<void> {
    for (const queue of this.queues.values()) {
      if (queue.runningIds().includes(runId) || queue.queuedIds().includes(runId)) {
        queue.stop(runId);
        await queue.done(runId);
        return;
      }
    }
  }

  /** The final records of runs this window queued, once each has ended. */
  ended(runIds: readonly string[]): Promise<RunRecord[]> {
    return Promise.all(runIds.map((id) => {
      const queue = [...this.queues.values()].find((q) => q.knows(id));
      if (!queue) throw new Error(`run ${id} was not started by this window`);
      return queue.done(id);
    }));
  }

  stopAll(): void {
    for (const queue of this.queues.values()) queue.stopAll();
  }

  /** Whether this window is training or waiting to train something. */
  isBusy(): boolean {
    return [...this.queues.values()].some((q) => q.runningIds().length + q.queuedIds().length > 0);
  }

  setMaxConcurrent(n: number): void {
    for (const queue of this.queues.values()) queue.setMaxConcurrent(n);
  }

  /** The window closes or reloads: queued runs stay queued for the next window; training ones end interrupted. */
  dispose(): void {
    this.failures.dispose();
    for (const queue of this.queues.values()) queue.leave(WINDOW_GONE);
    this.workers.dispose();
    this.unsubscribe.forEach((u) => u());
  }

  private queue(): RunQueue {
    const runsDir = this.deps.model.runsDir;
    let queue = this.queues.get(runsDir);
    if (!queue) {
      queue = new RunQueue({
        runsDir, workerPath: this.deps.workerPath, workers: this.workers, maxConcurrent: this.deps.maxConcurrent(), commands: () => this.commandSettings,
      });
      this.unsubscribe.push(
        queue.onEvent((event) => this.onWorkerEvent(runsDir, event)),
        queue.onChange((change) => this.onQueueChange(runsDir, change)),
      );
      this.queues.set(runsDir, queue);
    }
    return queue;
  }

  /** Runs of a folder the settings no longer point at still train and log, but the model shows another folder. */
  private onWorkerEvent(runsDir: string, event: WorkerEvent): void {
    this.logEvent(event);
    this.deps.live.apply(event);
    if (this.deps.model.runsDir === runsDir) this.deps.model.relay(event);
    this.deps.onDisplayChange(event.runId);
  }

  private onQueueChange(runsDir: string, change: QueueChange): void {
    if (change.state === 'queued') {
      this.deps.live.markQueued(change.runId);
      this.deps.log.info(`run ${change.runId} queued`);
    }
    if (change.state === 'ended') this.deps.live.forget(change.runId);
    if (this.deps.model.runsDir === runsDir) this.deps.model.reloadRuns([change.runId]);
    this.deps.onDisplayChange(change.runId);
  }

  private logEvent(event: WorkerEvent): void {
    const log = this.deps.log;
    const id = event.runId;
    switch (event.type) {
      case 'started': {
        const env = event.environment;
        const trainer = event.record.trainer;
        const by = trainer?.kind === 'command'
          ? `${formatArgv(trainer.argv)} (${env.backend}, pid ${env.pid ?? '?'})`
          : `backend ${env.backend} (tfjs ${env.tfjsVersion}, node ${env.nodeVersion}, pid ${env.pid ?? '?'})`;
        log.info(`run ${id} started: "${event.record.name}", ${event.totalSteps || 'unknown'} steps, ${by}`);
        break;
      }
      case 'steps': {
        const last = event.steps[event.steps.length - 1];
        if (last) log.trace(`run ${id} step ${last.step}: loss ${fmt(last.loss)}, acc ${Number.isFinite(last.acc) ? percent(last.acc) : 'n/a'}`);
        break;
      }
      case 'epoch': {
        const e = event.epoch;
        log.info(`run ${id} epoch ${e.epoch}: train loss ${fmt(e.trainLoss)}, val loss ${fmt(e.valLoss)}, val acc ${Number.isFinite(e.valAcc) ? percent(e.valAcc) : 'n/a'}`);
        break;
      }
      case 'finished': {
        const s = event.summary;
        const parts = [`${s.epochs} epochs`, `${s.steps} steps`];
        if (s.testAcc !== undefined) parts.push(`test acc ${percent(s.testAcc)}`);
        if (s.bestValAcc !== undefined) parts.push(`best val acc ${percent(s.bestValAcc)}`);
        if (s.divergedAtStep !== undefined) parts.push(`loss not finite at step ${s.divergedAtStep}`);
        (event.status === 'completed' ? log.info : log.warn).call(log, `run ${id} ${event.status}: ${parts.join(', ')}`);
        break;
      }
      case 'failed':
        log.error(`run ${id} failed: ${event.error}`);
        this.failures.add({ runId: id, name: this.deps.model.get(id)?.name ?? id, error: event.error });
        break;
    }
  }

  /**
   * A progress bar on the Runs view until every run of the batch has ended. The status bar and the
   * tree say how far each run is; Stop Run and Stop All stop them.
   */
  private showBatchProgress(queue: RunQueue, ids: string[]): void {
    void vscode.window.withProgress({ location: { viewId: RUNS_VIEW_ID } }, () => Promise.all(ids.map((id) => queue.done(id))));
  }
}

function fmt(n: number | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toPrecision(4) : 'n/a';
}
