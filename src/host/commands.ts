// The PolyLoss commands (palette, view title and context menus, and code such as CodeLens and
// webview buttons). Each resolves what it was invoked on and delegates to the model or launcher.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { formatIssues, validateRunConfig } from '../core/validate';
import { outputFileOf } from '../store/outputLog';
import { deleteRun, isTerminal, renameRun, runDirOf, type BrokenRun } from '../store/runStore';
import { isRunConfigLike, runIdsFromArgs } from './commandArgs';
import { confirmDestructive } from './confirm';
import { runsToCsv, runsToJson } from './exportRuns';
import { askForNewRun } from './newRunWizard';
import type { RunLauncher } from './runLauncher';
import type { RunsIndex } from './runsModel';
import type { PersistentRunSelection } from './selection';
import * as settings from './settings';
import { errorMessage } from '../core/errors';
import { COMMANDS, INTERNAL_COMMANDS } from './commandIds';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  model: RunsIndex;
  selection: PersistentRunSelection;
  launcher: RunLauncher;
  log: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { context, model, selection, launcher, log } = deps;

  /** The records of the runs a menu/palette command applies to; asks with a pick when invoked on nothing. */
  async function targetRuns(arg: unknown, multi: unknown, placeholder: string, filter: (r: RunRecord) => boolean = () => true): Promise<RunRecord[]> {
    const ids = runIdsFromArgs(arg, multi);
    if (ids.length) {
      const broken = new Set(model.broken().map((b) => b.runId));
      const missing = ids.filter((id) => !model.get(id) && !broken.has(id));
      if (missing.length) void vscode.window.showErrorMessage(`PolyLoss: no run ${missing.join(', ')} in ${model.runsDir}`);
      return ids.map((id) => model.get(id)).filter((r): r is RunRecord => r !== undefined);
    }
    const candidates = [...model.list()].filter(filter).reverse();
    if (!candidates.length) {
      void vscode.window.showInformationMessage('PolyLoss: no runs to choose from.');
      return [];
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: r.name, description: r.status, detail: r.id, record: r })),
      { placeHolder: placeholder, canPickMany: true, matchOnDetail: true },
    );
    return picked?.map((p) => p.record) ?? [];
  }

  /** The broken run folders among what a menu command was invoked on (the tree offers only Reveal and Delete on them). */
  function brokenTargets(arg: unknown, multi: unknown): BrokenRun[] {
    const ids = new Set(runIdsFromArgs(arg, multi));
    return model.broken().filter((b) => ids.has(b.runId));
  }

  /** Validates configs from code before queueing them; reports the first problem of each bad one. */
  async function startConfigs(configs: unknown[]): Promise<string[]> {
    const valid: RunConfig[] = [];
    for (const [i, config] of configs.entries()) {
      const result = validateRunConfig(config);
      if (result.ok) valid.push(result.value);
      else {
        const message = formatIssues(result.errors);
        log.error(`config ${i + 1} of ${configs.length} not started:\n${message}`);
        void vscode.window.showErrorMessage(`PolyLoss: config ${i + 1} not started: ${result.errors[0].message}`);
      }
    }
    return valid.length ? launcher.start(valid) : [];
  }

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    [COMMANDS.newRun]: async () => {
      const settingsNow = { ...settings.newRunDefaults(), backend: settings.backend() };
      const configs = await askForNewRun(context.workspaceState, settingsNow);
      return configs ? launcher.start(configs) : [];
    },

    [COMMANDS.rerun]: async (arg, multi) => {
      if (isRunConfigLike(arg)) return startConfigs([arg]);
      const runs = await targetRuns(arg, multi, 'Runs to repeat with the same config');
      return launcher.start(runs.map((r) => structuredClone(r.config)));
    },

    [INTERNAL_COMMANDS.startRuns]: (configs) => startConfigs(Array.isArray(configs) ? configs : [configs]),

    [COMMANDS.stopRun]: async (arg, multi) => {
      const runs = await targetRuns(arg, multi, 'Runs to stop', (r) => !isTerminal(r.status));
      for (const run of runs) launcher.stop(run.id);
    },

    [COMMANDS.stopAll]: () => launcher.stopAll(),

    [COMMANDS.openRun]: (arg, multi) => vscode.commands.executeCommand(COMMANDS.openDashboard, runIdsFromArgs(arg, multi)),

    [COMMANDS.compareSelected]: () => {
      const ids = selection.get().filter((id) => model.get(id));
      if (ids.length === 0) {
        void vscode.window.showInformationMessage('PolyLoss: tick the runs to compare in the Runs view first.');
        return;
      }
      // The Compare tab even for one ticked run: that is what was asked for.
      return vscode.commands.executeCommand(COMMANDS.openDashboard, ids, undefined, 'compare');
    },

    [COMMANDS.untickAll]: () => selection.set([]),

    [COMMANDS.deleteRun]: async (arg, multi) => {
      const runs = await targetRuns(arg, multi, 'Runs to delete');
      const broken = brokenTargets(arg, multi);
      const targets = [...runs.map((r) => ({ id: r.id, name: r.name })), ...broken.map((b) => ({ id: b.runId, name: b.runId }))];
      if (!targets.length) return;
      const what = targets.length > 1 ? `${targets.length} runs` : runs.length ? `run "${runs[0].name}"` : `broken run folder "${broken[0].runId}"`;
      const active = runs.filter((r) => !isTerminal(r.status));
      const detail = `This deletes ${targets.length === 1 ? 'its folder' : 'their folders'} with the metrics from ${model.runsDir}.`
        + (active.length ? ` ${active.length} still ${active.length === 1 ? 'runs and is' : 'run and are'} stopped first.` : '');
      if (!(await confirmDestructive(`Delete ${what}?`, detail, 'Delete'))) return;
      await Promise.all(active.map((r) => launcher.stopAndWait(r.id)));
      const failed: string[] = [];
      for (const target of targets) {
        try {
          deleteRun(model.runsDir, target.id);
        } catch (e) {
          failed.push(`${target.name}: ${errorMessage(e)}`);
        }
      }
      selection.remove(targets.map((t) => t.id));
      model.reloadRuns(targets.map((t) => t.id));
      if (failed.length) void vscode.window.showErrorMessage(`PolyLoss: could not delete ${failed.join('; ')}`);
    },

    [COMMANDS.renameRun]: async (arg, multi) => {
      const [run] = await targetRuns(arg, multi, 'Run to rename');
      if (!run) return;
      const name = await vscode.window.showInputBox({
        title: 'PolyLoss: Rename Run',
        prompt: `New name for ${run.id}`,
        value: run.name,
        validateInput: (v) => (v.trim() ? undefined : 'name must not be empty'),
      });
      if (name === undefined) return;
      try {
        model.upsert(renameRun(model.runsDir, run.id, name));
      } catch (e) {
        void vscode.window.showErrorMessage(`PolyLoss: could not rename: ${errorMessage(e)}`);
      }
    },

    [COMMANDS.exportRuns]: async (arg, multi) => {
      let runs = runIdsFromArgs(arg, multi).map((id) => model.get(id)).filter((r): r is RunRecord => r !== undefined);
      if (!runs.length) runs = selection.get().map((id) => model.get(id)).filter((r): r is RunRecord => r !== undefined);
      if (!runs.length) runs = await targetRuns(undefined, undefined, 'Runs to export');
      if (!runs.length) return;
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(model.runsDir));
      const target = await vscode.window.showSaveDialog({
        title: `Export ${runs.length} run${runs.length === 1 ? '' : 's'}`,
        defaultUri: vscode.Uri.joinPath(folder, 'polyloss-runs.csv'),
        filters: { 'CSV (one row per run)': ['csv'], 'JSON (records and metrics)': ['json'] },
      });
      if (!target) return;
      const metrics = target.path.toLowerCase().endsWith('.json')
        ? new Map(await Promise.all(runs.map(async (r) => [r.id, await model.readMetrics(r.id)] as const)))
        : undefined;
      const text = metrics ? runsToJson(runs, (id) => metrics.get(id) ?? []) : runsToCsv(runs);
      await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
      void vscode.window.showInformationMessage(`PolyLoss: exported ${runs.length} run${runs.length === 1 ? '' : 's'} to ${vscode.workspace.asRelativePath(target)}`);
    },

    [COMMANDS.revealRun]: async (arg, multi) => {
      const [broken] = brokenTargets(arg, multi);
      const runId = broken ? broken.runId : (await targetRuns(arg, multi, 'Run folder to reveal'))[0]?.id;
      if (!runId) return;
      const dir = runDirOf(model.runsDir, runId);
      if (!fs.existsSync(dir)) return void vscode.window.showErrorMessage(`PolyLoss: ${dir} no longer exists`);
      const uri = vscode.Uri.file(dir);
      // Inside the workspace the Explorer can show it (also in a remote window); elsewhere the OS file manager.
      const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
      return vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
    },

    [COMMANDS.refresh]: () => model.refresh(),

    [COMMANDS.showLog]: () => log.show(),

    [COMMANDS.showOutput]: async (arg, multi) => {
      const [run] = await targetRuns(arg, multi, 'Run whose output to show', (r) => r.config.command !== undefined);
      if (!run) return;
      const file = outputFileOf(runDirOf(model.runsDir, run.id));
      if (!fs.existsSync(file)) {
        return void vscode.window.showInformationMessage(run.config.command === undefined
          ? `PolyLoss: "${run.name}" was trained by the built-in engine, which writes to the PolyLoss log (Show Log), not to an output.log.`
          : `PolyLoss: "${run.name}" has no output.log (it was not started by PolyLoss Lab, or its command has not started yet).`);
      }
      // An editor on the file: it follows the file as the command writes it.
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
    },
  };

  return Object.entries(commands).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
