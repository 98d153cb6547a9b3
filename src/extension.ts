// Wires the extension's parts (src/host) and nothing else. Activation stays cheap: no TensorFlow.js is
// loaded here (training runs in dist/worker.js), the runs folder is watched only once a view or a run
// needs it, and the one read of it at start-up (taking over the queue a reloaded window left, then
// marking runs whose worker is gone as interrupted) waits until activation has returned.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reconcileInterrupted } from './store/runStore';
import { registerCommands } from './host/commands';
import { LiveRuns, expectedStepRate } from './host/liveProgress';
import { RunLauncher } from './host/runLauncher';
import { RunsIndex } from './host/runsModel';
import { createRunsTreeView, RunsTreeProvider } from './host/runsTree';
import { RunsWatcher } from './host/runsWatcher';
import { PersistentRunSelection } from './host/selection';
import type { HostServices } from './host/services';
import * as settings from './host/settings';
import { RunsStatusBar } from './host/statusBar';
import { registerWebviews } from './host/webviews/register';
import { registerCoefficientEditor } from './host/webviews/coefficientEditorView';
import { registerExperimentFiles } from './host/experiments';
import { SlurmWatch } from './host/slurmWatch';
import { registerSweepCommands } from './host/sweepCommands';
import { registerTuneCommands } from './host/tuneCommands';
import { swapHostMark, takeOverFromPreviousWindow } from './host/windowTakeover';
import { registerStudyCommands } from './host/studies';
import { errorMessage } from './core/errors';

/** What activate() returns: the services (for tests and integrations) and how long activation took. */
export interface PolyLossApi extends HostServices {
  readonly activationMs: number;
}

export function activate(context: vscode.ExtensionContext): PolyLossApi {
  const started = performance.now();
  const previousWindow = swapHostMark(context.workspaceState);
  const log = vscode.window.createOutputChannel('PolyLoss', { log: true });
  const workerPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath;
  const model = new RunsIndex(settings.runsDirectory(context.globalStorageUri));
  const selection = new PersistentRunSelection(context.workspaceState);
  const live = new LiveRuns((record) => expectedStepRate(model.list(), record));
  const statusBar = new RunsStatusBar(live);
  const slurm = new SlurmWatch(model, (runIds) => runIds.forEach((id) => tree.liveChanged(id)), log);
  const tree = new RunsTreeProvider(model, selection, live, (runId) => slurm.stateOf(runId));
  const watcher = new RunsWatcher(model, log);
  let wasBusy = false;
  const launcher = new RunLauncher({
    model,
    live,
    log,
    workerPath,
    cliPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath,
    maxConcurrent: settings.maxConcurrentRuns,
    onDisplayChange: (runId) => {
      watcher.start();
      tree.liveChanged(runId);
      statusBar.update();
      const busy = launcher.isBusy();
      if (busy !== wasBusy) setContext('polyloss.hasActiveRuns', (wasBusy = busy));
    },
  });
  const services: HostServices = {
    extensionUri: context.extensionUri,
    runs: model,
    selection,
    actions: launcher,
    log,
    followRuns: () => watcher.start(),
  };

  context.subscriptions.push(
    log, model, selection, statusBar, tree, watcher, launcher, slurm,
    createRunsTreeView(tree, model, selection, () => watcher.start()),
    ...registerCommands({ context, model, selection, launcher, log }),
    ...registerSweepCommands({ context, model, selection, launcher, log, workerPath, slurm }),
    ...registerTuneCommands({ context, model, selection, launcher, log }),
    ...registerStudyCommands(context.extensionUri),
    // Ticks of runs deleted elsewhere are dropped, so Compare never asks for a missing run.
    model.onDidChangeRuns(() => selection.retain(new Set(model.list().map((r) => r.id)), (id) => fs.existsSync(path.join(model.runsDir, id)))),
    selection.onDidChange((ids) => setContext('polyloss.hasSelection', ids.length > 0)),
    // The walkthrough's "first runs" step is done once a run has completed, not when New Run opens.
    model.onDidChangeRuns(() => setContext('polyloss.hasCompletedRun', model.list().some((r) => r.status === 'completed'))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (settings.affects(e, 'maxConcurrentRuns')) launcher.setMaxConcurrent(settings.maxConcurrentRuns());
      if (settings.affects(e, 'runsDirectory')) {
        model.setRunsDir(settings.runsDirectory(context.globalStorageUri));
        watcher.restart();
        reconcile(model, log);
      }
    }),
  );
  registerWebviews(context, services);
  registerCoefficientEditor(context, services);
  registerExperimentFiles(context, services);
  setContext('polyloss.hasSelection', selection.get().length > 0);

  // After activation returns: the runs the previous window of this workspace queued start here, then
  // runs a closed window left `running` or `queued` (worker and launcher gone) become `interrupted`.
  const timer = setTimeout(() => {
    takeOverFromPreviousWindow(previousWindow, { model, launcher, log })
      .catch((e: unknown) => log.error(`could not take over the runs of the previous window: ${errorMessage(e)}`))
      .finally(() => reconcile(model, log));
  }, 0);
  context.subscriptions.push({ dispose: () => clearTimeout(timer) });
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms (runs folder ${model.runsDir})`);
  return { ...services, activationMs };
}

/** Marks interrupted the runs of the model's folder whose worker and launcher are gone, from the model's listing. */
function reconcile(model: RunsIndex, log: vscode.LogOutputChannel): void {
  try {
    const changed = reconcileInterrupted(model.runsDir, { runs: model.list() });
    for (const r of changed) log.warn(`run ${r.id} marked interrupted: ${r.error ?? 'its worker is gone'}`);
    model.reloadRuns(changed.map((r) => r.id));
  } catch (e) {
    log.error(`could not check for interrupted runs in ${model.runsDir}: ${errorMessage(e)}`);
  }
}

/** Sets a context key used in the manifest's `when` clauses. */
function setContext(key: string, value: boolean): void {
  void vscode.commands.executeCommand('setContext', key, value);
}

export function deactivate(): void {
  // Disposing the subscriptions stops this window's workers (RunLauncher.dispose).
}
