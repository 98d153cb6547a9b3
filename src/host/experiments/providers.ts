// The CodeLenses and inlay hints of experiment files: the models of editorModels.ts placed in the
// document with its own positionAt.
import * as vscode from 'vscode';
import { experimentNameOf } from '../../core/experimentFile';
import type { RunsModel } from '../services';
import { experimentHints, experimentLenses } from './editorModels';

function rangeAt(document: vscode.TextDocument, offset: number, length: number): vscode.Range {
  return new vscode.Range(document.positionAt(offset), document.positionAt(offset + length));
}

/** "▶ Run" lenses and each entry's state; redrawn whenever a run changes (queued, finished, deleted). */
export class ExperimentCodeLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunsModel) {
    this.subscription = runs.onDidChangeRuns(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const models = experimentLenses(document.getText(), experimentNameOf(document.uri.fsPath), this.runs.list(), document.uri.toString());
    return models.map((lens) => new vscode.CodeLens(rangeAt(document, lens.range.offset, lens.range.length), {
      title: lens.title, tooltip: lens.tooltip, command: lens.command, arguments: lens.args,
    }));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** `α = [3, 0.5, 0.33]` after each ε. */
export class ExperimentInlayHints implements vscode.InlayHintsProvider {
  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    return experimentHints(document.getText()).flatMap((model) => {
      const position = document.positionAt(model.offset);
      if (!range.contains(position)) return [];
      const hint = new vscode.InlayHint(position, model.label);
      hint.paddingLeft = true;
      hint.tooltip = model.tooltip;
      return [hint];
    });
  }
}
