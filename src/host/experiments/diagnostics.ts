// Diagnostics of experiment files: the rules relating fields and missing dataset files, kept
// current while the file is typed (debounced), set on open, cleared on close.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { parseExperimentFile } from '../../core/experimentFile';
import { isExperimentDocument } from './documents';
import { experimentDiagnostics } from './editorModels';

/** Quiet time after a keystroke before the file is checked again. */
export const DIAGNOSTICS_DEBOUNCE_MS = 300;

export class ExperimentDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('polyloss');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.update(document)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      // A dataset file may have been created or renamed since: check again on save.
      vscode.workspace.onDidSaveTextDocument((document) => this.update(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
    ];
    for (const document of vscode.workspace.textDocuments) this.update(document);
  }

  update(document: vscode.TextDocument): void {
    if (!isExperimentDocument(document)) return;
    this.cancelTimer(document.uri);
    const parsed = parseExperimentFile(document.getText(), document.uri.fsPath, { exists: fs.existsSync });
    this.collection.set(document.uri, experimentDiagnostics(parsed).map((model) => {
      const range = new vscode.Range(document.positionAt(model.range.offset), document.positionAt(model.range.offset + model.range.length));
      const severity = model.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
      const diagnostic = new vscode.Diagnostic(range, model.message, severity);
      diagnostic.source = 'PolyLoss';
      diagnostic.code = model.code;
      return diagnostic;
    }));
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isExperimentDocument(document)) return;
    this.cancelTimer(document.uri);
    this.timers.set(document.uri.toString(), setTimeout(() => this.update(document), DIAGNOSTICS_DEBOUNCE_MS));
  }

  private clear(uri: vscode.Uri): void {
    this.cancelTimer(uri);
    this.collection.delete(uri);
  }

  private cancelTimer(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }
}
