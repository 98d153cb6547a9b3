// The commands of experiment files: "New Experiment File", the run command behind the "▶ Run"
// lenses, which starts the entries' configs through the queue (polyloss.startRuns), and the one
// behind "▶ Run sweep", which hands the sweep section to Run Sweep (polyloss.runSweep: saved, resumable).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseExperimentFile, type ExperimentIssue } from '../../core/experimentFile';
import { starterExperimentFile } from '../../core/experimentStarter';
import type { RunConfig } from '../../core/runConfig';
import type { SeedChoice } from './editorModels';
import { experimentFileTarget, suggestExperimentName } from './newFileTarget';
import { runEntryNames } from './runEntryEdit';
import { COMMANDS, INTERNAL_COMMANDS } from '../commandIds';
import { confirmDestructive } from '../confirm';


/**
 * Asks for a name, writes the commented starter experiment into the workspace folder (asking
 * before it replaces a file) and opens it. Returns the opened document, undefined when cancelled.
 */
export async function newExperimentFile(): Promise<vscode.TextDocument | undefined> {
  const target = await askForExperimentFile();
  if (!target) return undefined;
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(target, '..'));
  await vscode.workspace.fs.writeFile(target, Buffer.from(starterExperimentFile(), 'utf8'));
  const document = await vscode.workspace.openTextDocument(target);
  await vscode.window.showTextDocument(document);
  return document;
}

async function askForExperimentFile(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders?.filter((f) => f.uri.scheme === 'file') ?? [];
  const folder = folders.length > 1 ? await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder of the new experiment file' }) : folders[0];
  if (folders.length > 1 && !folder) return undefined;
  if (!folder) {
    // No folder open: a save dialog is the only way to say where.
    const chosen = await vscode.window.showSaveDialog({ title: 'PolyLoss: New Experiment File', filters: { 'PolyLoss experiment': ['json'] } });
    if (!chosen) return undefined;
    return chosen.path.toLowerCase().endsWith('.polyloss.json') ? chosen : chosen.with({ path: chosen.path.replace(/(\.json)?$/i, '.polyloss.json') });
  }
  const root = folder.uri.fsPath;
  const typed = await vscode.window.showInputBox({
    title: 'PolyLoss: New Experiment File',
    prompt: `Name of the experiment; the file is <name>.polyloss.json in ${folder.name} (use / for a sub-folder)`,
    value: suggestExperimentName(root, fs.existsSync),
    validateInput: (value) => {
      const target = experimentFileTarget(value, root, fs.existsSync);
      if (!target.ok) return target.message;
      if (target.exists) return { message: `${path.relative(root, target.path)} exists: you will be asked before it is replaced`, severity: vscode.InputBoxValidationSeverity.Warning };
      return undefined;
    },
  });
  if (typed === undefined) return undefined;
  const target = experimentFileTarget(typed, root, fs.existsSync);
  if (!target.ok) return undefined;
  if (target.exists && !(await confirmDestructive(`Replace ${path.relative(root, target.path)} with a new starter experiment?`,
    'Its current content is lost.', 'Replace', 'replace-all'))) {
    return undefined;
  }
  return vscode.Uri.file(target.path);
}

/**
 * Starts entries of an experiment file as it is in the editor now (saved or not): each entry's
 * first seed or all its seeds. Entries with errors are not started; the first error of each is shown.
 */
export async function runExperimentEntries(fileUri: unknown, names: unknown, seeds: unknown): Promise<string[]> {
  if (typeof fileUri !== 'string' || !Array.isArray(names)) return [];
  const uri = vscode.Uri.parse(fileUri);
  const document = await vscode.workspace.openTextDocument(uri);
  const text = document.getText();
  const parsed = parseExperimentFile(text, uri.fsPath, { exists: fs.existsSync });
  const allNames = runEntryNames(text);
  const configs: RunConfig[] = [];
  const problems: string[] = [];
  for (const name of names.filter((n): n is string => typeof n === 'string')) {
    const entry = parsed.runs.find((e) => e.name === name);
    if (entry) configs.push(...(seeds === ('first' satisfies SeedChoice) ? entry.configs.slice(0, 1) : entry.configs));
    else problems.push(`"${name}" not started: ${firstErrorOf(parsed.issues, allNames.indexOf(name))}`);
  }
  if (problems.length > 0) void showProblems(problems);
  if (configs.length === 0) return [];
  return (await vscode.commands.executeCommand<string[]>(INTERNAL_COMMANDS.startRuns, configs)) ?? [];
}

/**
 * Starts the sweep section of an experiment file as it is in the editor now, under a new sweep id.
 * A section with errors is not started; its first error is shown.
 */
export async function runExperimentSweep(fileUri: unknown): Promise<string[]> {
  if (typeof fileUri !== 'string') return [];
  const uri = vscode.Uri.parse(fileUri);
  const document = await vscode.workspace.openTextDocument(uri);
  const parsed = parseExperimentFile(document.getText(), uri.fsPath, { exists: fs.existsSync });
  if (!parsed.sweep) {
    const errors = parsed.issues.filter((issue) => issue.severity === 'error');
    const about = errors.find((issue) => !issue.path.startsWith('runs')) ?? errors[0];
    void showProblems([`sweep not started: ${about?.message ?? 'the file has no "sweep" section'}`]);
    return [];
  }
  const { spec, base } = parsed.sweep;
  return (await vscode.commands.executeCommand<string[]>(COMMANDS.runSweep, { spec, base })) ?? [];
}

/** The first error about entry `index` (or about what every entry shares). */
function firstErrorOf(issues: readonly ExperimentIssue[], index: number): string {
  const errors = issues.filter((issue) => issue.severity === 'error');
  const own = errors.find((issue) => issue.path.startsWith(`runs[${index}]`) || !issue.path.startsWith('runs'));
  return (own ?? errors[0])?.message ?? 'the entry is no longer in the file';
}

async function showProblems(problems: string[]): Promise<void> {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more entries)` : '';
  const choice = await vscode.window.showErrorMessage(`PolyLoss: ${problems[0]}${more}`, 'Show Problems');
  if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
}
