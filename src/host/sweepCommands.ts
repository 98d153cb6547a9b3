// Sweep commands: Run Sweep… (quick input, or a sweep given by code such as an experiment file's
// sweep section; saved spec, runs queued under one sweep id), Stop Sweep
// (its queued and running runs), Resume Sweep (only the runs it lacks) and Show Sweep Statistics
// (the dashboard's Sweep tab). Saving, resuming and the ETA use the same code as `polyloss sweep`.
import * as vscode from 'vscode';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { SWEEP_CONFIRM_ABOVE, SweepError, describeSweepSize, generateSweepId, planSweep, resumeSweep, type SweepSpec } from '../core/sweep';
import { hasSbatch } from '../runner/slurm/tools';
import { runThreads } from '../runner/runQueue';
import { measureThroughput } from '../runner/sweepEstimate';
import {
  listSavedSweeps, loadSweep, newSavedSweep, recordSlurmSubmission, removeSavedSweep, saveSweep, sweepFolderOf, SweepFileError,
} from '../store/sweepFiles';
import { isGivenSweep, runIdsFromArgs } from './commandArgs';
import type { RunLauncher } from './runLauncher';
import type { RunsIndex } from './runsModel';
import type { PersistentRunSelection } from './selection';
import * as settings from './settings';
import { askForSweep } from './sweepWizard';
import { describeSweepGrid, describeSweepState, sweepsOf } from '../core/sweepRuns';
import type { SlurmWatch } from './slurmWatch';
import { stoppableRuns, sweepIdFromArg } from './sweepTree';
import { errorMessage } from '../core/errors';
import { COMMANDS, INTERNAL_COMMANDS } from './commandIds';

export interface SweepCommandDeps {
  context: vscode.ExtensionContext;
  model: RunsIndex;
  selection: PersistentRunSelection;
  launcher: RunLauncher;
  log: vscode.LogOutputChannel;
  /** dist/worker.js, for the calibration run of the ETA. */
  workerPath: string;
  /** Asked about runs on Slurm right after a submission. */
  slurm: SlurmWatch;
}

/** Where a sweep trains. */
export type SweepPlace = 'local' | 'slurm';

/** "This machine / Slurm cluster", asked only where sbatch is on PATH; undefined when the question is dismissed. */
async function askPlace(count: number): Promise<SweepPlace | undefined> {
  if (!hasSbatch()) return 'local';
  const slurm = settings.slurmOptions();
  const limits = [slurm.partition && `partition ${slurm.partition}`, slurm.time && `time ${slurm.time}`, slurm.maxParallel && `at most ${slurm.maxParallel} at once`]
    .filter(Boolean).join(', ');
  // The wizard's last question stays open when focus moves, as its other steps do (a run ending elsewhere must not dismiss it).
  const picked = await vscode.window.showQuickPick([
    { label: '$(vm) This machine', description: `${settings.maxConcurrentRuns()} at a time`, place: 'local' as const },
    { label: '$(server-environment) Slurm cluster', description: `one job array of ${count} task${count === 1 ? '' : 's'}${limits ? `: ${limits}` : ''}`, detail: 'Settings: polyloss.slurm.* (partition, time, extra sbatch arguments)', place: 'slurm' as const },
  ], { title: 'Run Sweep: where to train', placeHolder: 'Where should the runs train?', ignoreFocusOut: true });
  return picked?.place;
}

/** A sweep in a picker: named by its grid as in the Runs tree, with its state; its id is the detail, so typing the id finds it. */
function sweepItem(sweepId: string, runs: readonly RunRecord[]): vscode.QuickPickItem & { sweepId: string } {
  if (runs.length === 0) return { label: sweepId, description: 'no runs yet', sweepId };
  return { label: describeSweepGrid(runs.map((r) => r.config)), description: describeSweepState(runs), detail: sweepId, sweepId };
}

function sweepPickOptions(placeHolder: string): vscode.QuickPickOptions {
  return { placeHolder, matchOnDescription: true, matchOnDetail: true };
}

/** Relative dataset paths of a base config resolve against the first workspace folder. */
function workspaceDir(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

export function registerSweepCommands(deps: SweepCommandDeps): vscode.Disposable[] {
  const { context, model, selection, launcher, log, slurm } = deps;

  /** Asks before starting many runs; true to go ahead. */
  async function confirmMany(count: number, what: string, detail: string): Promise<boolean> {
    if (count <= SWEEP_CONFIRM_ABOVE) return true;
    const choice = await vscode.window.showWarningMessage(`Start ${count} runs ${what}?`, { modal: true, detail }, 'Start');
    return choice === 'Start';
  }

  /** Queues the configs; the saved sweep is removed again when not one run could be created. */
  async function startSweep(sweepId: string, configs: RunConfig[], savedNow: boolean): Promise<string[]> {
    const ids = await launcher.start(configs);
    if (ids.length === 0 && savedNow) removeSavedSweep(model.runsDir, sweepId);
    if (ids.length > 0) {
      log.info(`sweep ${sweepId}: ${ids.length} run${ids.length === 1 ? '' : 's'} queued`);
      void vscode.window.showInformationMessage(`PolyLoss: sweep ${sweepId}: ${ids.length} run${ids.length === 1 ? '' : 's'} queued.`, 'Show Statistics')
        .then((choice) => { if (choice) void vscode.commands.executeCommand(COMMANDS.showSweep, sweepId); });
    }
    return ids;
  }

  /**
   * Asks before many runs, then saves the sweep (for Resume) and queues its runs under a new sweep
   * id. `eta` says how long they take, when it is known.
   */
  async function launchSweep(spec: SweepSpec, base: RunConfig, eta?: string, place: SweepPlace = 'local'): Promise<string[]> {
    const sweepId = generateSweepId();
    let configs: RunConfig[];
    try {
      configs = planSweep(spec, base, sweepId).configs;
    } catch (e) {
      if (!(e instanceof SweepError)) throw e;
      void vscode.window.showErrorMessage(`PolyLoss: sweep not started: ${e.issues[0]?.message ?? e.message}`);
      return [];
    }
    const size = eta && place === 'local' ? `${describeSweepSize(configs)}, ${eta}` : describeSweepSize(configs);
    const detail = place === 'slurm'
      ? `${size}. They go to Slurm as one job array.`
      : `${size}. They wait in the queue and train ${settings.maxConcurrentRuns()} at a time.`;
    if (!(await confirmMany(configs.length, 'for this sweep', detail))) return [];
    try {
      const file = saveSweep(model.runsDir, newSavedSweep(sweepId, spec, base));
      log.info(`sweep ${sweepId}: ${size}; settings saved to ${file}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`PolyLoss: could not save the sweep settings next to ${model.runsDir}: ${errorMessage(e)}`);
      return [];
    }
    return place === 'slurm' ? submitSweep(sweepId, configs, true) : startSweep(sweepId, configs, true);
  }

  /** Submits the sweep's configs to Slurm as one job array; its job id goes into the saved sweep. */
  async function submitSweep(sweepId: string, configs: RunConfig[], savedNow: boolean): Promise<string[]> {
    const options = settings.slurmOptions();
    const submission = await launcher.submitToSlurm(configs, { folder: sweepFolderOf(model.runsDir, sweepId), jobName: `polyloss-${sweepId}`, options });
    if (!submission) {
      if (savedNow) removeSavedSweep(model.runsDir, sweepId);
      return [];
    }
    recordSlurmSubmission(model.runsDir, sweepId, { ...submission, options });
    log.info(`sweep ${sweepId}: ${submission.runIds.length} runs submitted to Slurm as job ${submission.jobId} (array ${submission.array}); script ${submission.script}`);
    slurm.poke();
    void vscode.window.showInformationMessage(`PolyLoss: sweep ${sweepId} submitted to Slurm as job ${submission.jobId} (${submission.runIds.length} tasks).`, 'Open Script')
      .then((choice) => { if (choice) void vscode.window.showTextDocument(vscode.Uri.file(submission.script)); });
    return submission.runIds;
  }

  function onSlurmBefore(sweepId: string): boolean {
    try {
      return (loadSweep(model.runsDir, sweepId).slurm?.submissions.length ?? 0) > 0;
    } catch {
      return false;
    }
  }

  /** A sweep among those `filter` keeps, picked in a quick pick (newest first). */
  async function pickSweep(placeholder: string, filter: (summary: ReturnType<typeof sweepsOf>[number]) => boolean): Promise<string | undefined> {
    const sweeps = sweepsOf(model.list()).filter(filter);
    if (sweeps.length === 0) {
      void vscode.window.showInformationMessage('PolyLoss: no sweep to choose from.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(sweeps.map((s) => sweepItem(s.sweepId, s.runs)), sweepPickOptions(placeholder));
    return picked?.sweepId;
  }

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    [COMMANDS.runSweep]: async (arg, multi) => {
      // Given by code ({ spec, base }): started as it is, after the question above SWEEP_CONFIRM_ABOVE runs.
      if (isGivenSweep(arg)) return launchSweep(arg.spec, arg.base);
      // Invoked on a run (tree menu, or an id from code): that run is offered first as the base.
      const clicked = (arg as { kind?: unknown } | undefined)?.kind === 'group' ? undefined : runIdsFromArgs(arg, multi)[0];
      const concurrency = settings.maxConcurrentRuns();
      const request = await askForSweep({
        runs: model.list(),
        selection: selection.get(),
        clickedRunId: clicked,
        settings: { ...settings.newRunDefaults(), backend: settings.backend() },
        concurrency,
        memento: context.workspaceState,
        measure: (config, signal) => measureThroughput(model.list(), config, { workerPath: deps.workerPath, cwd: workspaceDir(), signal, threads: runThreads(concurrency === 1) }),
      });
      if (!request) return [];
      const place = await askPlace(planSweep(request.spec, request.base, 'sweep-preview').configs.length);
      if (!place) return [];
      return launchSweep(request.spec, request.base, `${request.eta} (${request.etaBasis})`, place);
    },

    [COMMANDS.stopSweep]: async (arg) => {
      const sweepId = sweepIdFromArg(arg) ?? await pickSweep('Sweep to stop', (s) => s.live > 0);
      if (!sweepId) return 0;
      const onSlurm = model.list().filter((r) => r.config.sweepId === sweepId && r.slurm && (r.status === 'queued' || r.status === 'running'));
      if (onSlurm.length) {
        await launcher.stopOnSlurm(onSlurm);
        log.info(`sweep ${sweepId}: stopping ${onSlurm.length} run${onSlurm.length === 1 ? '' : 's'} on Slurm`);
        return onSlurm.length;
      }
      const { mine, elsewhere } = stoppableRuns(model.list(), sweepId, process.pid);
      for (const run of mine) launcher.stop(run.id);
      if (mine.length) log.info(`sweep ${sweepId}: stopping ${mine.length} run${mine.length === 1 ? '' : 's'}`);
      if (elsewhere.length) {
        void vscode.window.showWarningMessage(`PolyLoss: ${elsewhere.length} run${elsewhere.length === 1 ? '' : 's'} of sweep ${sweepId} `
          + `${elsewhere.length === 1 ? 'was' : 'were'} started by another window or the CLI; stop ${elsewhere.length === 1 ? 'it' : 'them'} there.`);
      } else if (!mine.length) {
        void vscode.window.showInformationMessage(`PolyLoss: sweep ${sweepId} has no queued or running runs.`);
      }
      return mine.length;
    },

    [COMMANDS.resumeSweep]: async (arg) => {
      const runsDir = model.runsDir;
      let sweepId = sweepIdFromArg(arg);
      if (!sweepId) {
        const saved = listSavedSweeps(runsDir).reverse();
        if (saved.length === 0) return void vscode.window.showInformationMessage(`PolyLoss: no saved sweeps next to ${runsDir}.`);
        const runsOf = new Map(sweepsOf(model.list()).map((s) => [s.sweepId, s.runs]));
        sweepId = (await vscode.window.showQuickPick(saved.map((id) => sweepItem(id, runsOf.get(id) ?? [])), sweepPickOptions('Sweep to resume')))?.sweepId;
        if (!sweepId) return [];
      }
      let todo: RunConfig[];
      let planned: number;
      try {
        const saved = loadSweep(runsDir, sweepId);
        if (saved.tune) return vscode.commands.executeCommand(INTERNAL_COMMANDS.resumeTune, sweepId);
        const resumed = resumeSweep(saved.spec, saved.base, sweepId, model.list());
        todo = resumed.todo;
        planned = resumed.plan.configs.length;
      } catch (e) {
        if (!(e instanceof SweepFileError || e instanceof SweepError)) throw e;
        void vscode.window.showErrorMessage(`PolyLoss: cannot resume sweep ${sweepId}: ${e.message}`);
        return [];
      }
      if (todo.length === 0) {
        void vscode.window.showInformationMessage(`PolyLoss: sweep ${sweepId}: all ${planned} runs are done or still running.`);
        return [];
      }
      const detail = `${planned - todo.length} of ${planned} runs are done or still running; ${describeSweepSize(todo)} to train.`;
      if (!(await confirmMany(todo.length, `to resume sweep ${sweepId}`, detail))) return [];
      log.info(`sweep ${sweepId}: resuming, ${detail}`);
      // A sweep submitted to Slurm resumes there, as a new array of what it lacks.
      return onSlurmBefore(sweepId) ? submitSweep(sweepId, todo, false) : startSweep(sweepId, todo, false);
    },

    [COMMANDS.showSweep]: async (arg) => {
      const sweepId = sweepIdFromArg(arg) ?? await pickSweep('Sweep to show', () => true);
      if (!sweepId) return;
      const runIds = model.list().filter((r) => r.config.sweepId === sweepId).map((r) => r.id);
      return vscode.commands.executeCommand(COMMANDS.openDashboard, runIds, undefined, 'sweep');
    },
  };

  return Object.entries(commands).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
