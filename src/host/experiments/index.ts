// Experiment files in the editor: CodeLenses, α inlay hints, diagnostics and their commands.
import * as vscode from 'vscode';
import type { HostServices } from '../services';
import { newExperimentFile, runExperimentEntries, runExperimentSweep } from './commands';
import { ExperimentDiagnostics } from './diagnostics';
import { EXPERIMENT_SELECTOR } from './documents';
import { ExperimentCodeLenses, ExperimentInlayHints } from './providers';
import { COMMANDS, INTERNAL_COMMANDS } from '../commandIds';

export { saveLossToExperimentFile } from './saveToExperiment';

export function registerExperimentFiles(context: vscode.ExtensionContext, services: HostServices): void {
  const lenses = new ExperimentCodeLenses(services.runs);
  context.subscriptions.push(
    lenses,
    vscode.languages.registerCodeLensProvider(EXPERIMENT_SELECTOR, lenses),
    vscode.languages.registerInlayHintsProvider(EXPERIMENT_SELECTOR, new ExperimentInlayHints()),
    new ExperimentDiagnostics(),
    vscode.commands.registerCommand(COMMANDS.newExperimentFile, () => newExperimentFile()),
    vscode.commands.registerCommand(INTERNAL_COMMANDS.runExperimentEntries, runExperimentEntries),
    vscode.commands.registerCommand(INTERNAL_COMMANDS.runExperimentSweep, runExperimentSweep),
  );
}
