// Find Best ε…: the wizard, then the tune driven round by round through this window's run queue,
// in one cancellable progress notification (Cancel stops the round's runs; Resume Sweep, or the
// notification's Resume, continues where it stopped). The search is `polyloss tune`'s: the same
// driver and sweep file, so either can resume the other's tunes.
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { generateSweepId } from '../core/sweep';
import { SUMMARY_METRICS } from '../core/grouping';
import { describeLook, tuneAnswer, type TuneScale, type TuneState } from '../core/tune';
import { driveTune, type TuneOutcome, type TuneWork } from '../runner/tuneDriver';
import { readMetrics } from '../store/runFiles';
import { listRuns, runDirOf } from '../store/runStore';
import { loadSweep, removeSavedSweep, SweepFileError } from '../store/sweepFiles';
import { COMMANDS, INTERNAL_COMMANDS } from './commandIds';
import type { RunLauncher } from './runLauncher';
import type { RunsIndex } from './runsModel';
import type { PersistentRunSelection } from './selection';
import * as settings from './settings';
import { askForTune } from './tuneWizard';

export interface TuneCommandDeps {
  context: vscode.ExtensionContext;
  model: RunsIndex;
  selection: PersistentRunSelection;
  launcher: RunLauncher;
  log: vscode.LogOutputChannel;
}

/** "Round 2: 7 of 18 runs done · 36 of 40 runs planned · After round 1: best so far ε = −1, …" */
function progressText(state: TuneState, done: number, budget: number, scale: TuneScale): string {
  const lastLook = [...state.rounds].reverse().find((r) => r.look);
  const round = state.next.kind === 'run' ? `Round ${state.next.round}: ${done} of ${state.next.runs.length} runs done` : 'Deciding';
  return [round, `${state.runs} of ${budget} runs planned`, lastLook ? describeLook(lastLook, scale) : ''].filter(Boolean).join(' · ');
}

export function registerTuneCommands(deps: TuneCommandDeps): vscode.Disposable[] {
  const { context, model, selection, launcher, log } = deps;

  function drive(work: TuneWork): Thenable<TuneOutcome | undefined> {
    const runsDir = model.runsDir;
    const { options } = work.settings;
    const title = `PolyLoss: finding the best ε (${work.sweepId})`;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let current: string[] = [];
      let state: TuneState | undefined;
      let done = 0;
      const report = (): void => { if (state) progress.report({ message: progressText(state, done, options.budget, SUMMARY_METRICS[work.settings.metric]) }); };
      token.onCancellationRequested(() => current.forEach((id) => launcher.stop(id)));
      try {
        return await driveTune({
          runsDir, sweepId: work.sweepId, createdAt: work.createdAt, base: work.base, settings: work.settings,
          listRuns: () => listRuns(runsDir).runs,
          epochsOf: (run) => readMetrics(runDirOf(runsDir, run.id)).lines.filter((l) => l.kind === 'epoch'),
          onState: (next) => {
            state = next;
            done = 0;
            const look = [...next.rounds].reverse().find((r) => r.look);
            if (look) log.info(`tune ${work.sweepId}: ${describeLook(look, SUMMARY_METRICS[work.settings.metric])}`);
            report();
          },
          train: async (configs): Promise<RunRecord[]> => {
            if (token.isCancellationRequested) return [];
            current = await launcher.start(configs, { batchProgress: false });
            if (token.isCancellationRequested) current.forEach((id) => launcher.stop(id));
            for (const id of current) void launcher.ended([id]).then(() => { done++; report(); });
            return launcher.ended(current);
          },
        });
      } catch (e) {
        log.error(`tune ${work.sweepId}: ${errorMessage(e)}`);
        void vscode.window.showErrorMessage(`PolyLoss: Find Best ε stopped: ${errorMessage(e)}`);
        return undefined;
      } finally {
        // Not one run could be made (untrusted workspace, unusable data): leave nothing to resume.
        if (!work.resumed && !listRuns(runsDir).runs.some((r) => r.config.sweepId === work.sweepId)) removeSavedSweep(runsDir, work.sweepId);
      }
    }).then((outcome) => {
      if (outcome) announce(work, outcome);
      return outcome;
    });
  }

  function announce(work: TuneWork, outcome: TuneOutcome): void {
    const { state } = outcome;
    const show = (choice: string | undefined): void => {
      if (choice === 'Show Rounds') void vscode.commands.executeCommand(COMMANDS.showSweep, work.sweepId);
      if (choice === 'Resume') void vscode.commands.executeCommand(INTERNAL_COMMANDS.resumeTune, work.sweepId);
    };
    if (state.next.kind === 'stop') {
      const { options, metric } = work.settings;
      const answer = tuneAnswer({ reason: state.next.reason, best: state.next.best, runs: state.runs, budget: options.budget, minEffect: options.minEffect }, SUMMARY_METRICS[metric]);
      log.info(`tune ${work.sweepId}: ${answer}`);
      void vscode.window.showInformationMessage(`PolyLoss: ${answer}.`, 'Show Rounds').then(show);
      return;
    }
    if (state.runs === 0 || listRuns(model.runsDir).runs.every((r) => r.config.sweepId !== work.sweepId)) return;
    const why = outcome.failed.length > 0 ? `${outcome.failed.length} run${outcome.failed.length === 1 ? '' : 's'} failed (see the log)` : 'stopped';
    void vscode.window.showWarningMessage(`PolyLoss: Find Best ε ${why} in round ${state.next.round}; Resume continues where it stopped.`, 'Resume', 'Show Rounds').then(show);
  }

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    [COMMANDS.findBestEpsilon]: async () => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('PolyLoss: trust this workspace to start training runs (it reads dataset files and writes the runs folder).');
        return undefined;
      }
      const request = await askForTune({
        runs: model.list(), selection: selection.get(), settings: { ...settings.newRunDefaults(), backend: settings.backend() }, memento: context.workspaceState,
      });
      if (!request) return undefined;
      const base: RunConfig = { ...request.base, loss: { type: 'ce' } };
      return drive({ sweepId: generateSweepId(), createdAt: new Date().toISOString(), base, settings: request.settings, resumed: false });
    },

    [INTERNAL_COMMANDS.resumeTune]: async (sweepId) => {
      if (typeof sweepId !== 'string') return undefined;
      try {
        const saved = loadSweep(model.runsDir, sweepId);
        if (!saved.tune) throw new SweepFileError(`sweep ${sweepId} is not a tune`);
        const { options, metric, k } = saved.tune;
        return drive({ sweepId, createdAt: saved.createdAt, base: saved.base, settings: { options, metric, ...(k !== undefined ? { k } : {}) }, resumed: true });
      } catch (e) {
        if (!(e instanceof SweepFileError)) throw e;
        void vscode.window.showErrorMessage(`PolyLoss: cannot resume the tune: ${e.message}`);
        return undefined;
      }
    },
  };

  return Object.entries(commands).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
