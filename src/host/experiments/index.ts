// Experiment files in the editor: CodeLenses, α inlay hints, diagnostics and their commands.
import * as vscode from 'vscode';
import type { HostServices } from '../services';
import { NEW_EXPERIMENT_FILE_COMMAND, newExperimentFile, runExperimentEntries, runExperimentSweep } from './commands';
import { ExperimentDiagnostics } from './diagnostics';
import { EXPERIMENT_SELECTOR } from './documents';
import { RUN_ENTRIES_COMMAND, RUN_SWEEP_COMMAND } from './editorModels';
import { ExperimentCodeLenses, ExperimentInlayHints } from './providers';

export { saveLossToExperimentFile } from './saveToExperiment';

export function registerExperimentFiles(context: vscode.ExtensionContext, services: HostServices): void {
  const lenses = new ExperimentCodeLenses(services.runs);
  context.subscriptions.push(
    lenses,
    vscode.languages.registerCodeLensProvider(EXPERIMENT_SELECTOR, lenses),
    vscode.languages.registerInlayHintsProvider(EXPERIMENT_SELECTOR, new ExperimentInlayHints()),
    new ExperimentDiagnostics(),
    vscode.commands.registerCommand(NEW_EXPERIMENT_FILE_COMMAND, () => newExperimentFile()),
    vscode.commands.registerCommand(RUN_ENTRIES_COMMAND, runExperimentEntries),
    vscode.commands.registerCommand(RUN_SWEEP_COMMAND, runExperimentSweep),
  );
}
