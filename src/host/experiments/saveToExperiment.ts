// "Save to experiment file": appends a run with a given loss to an experiment file through a
// WorkspaceEdit (undoable, comments kept), in the open experiment editor or one the user picks.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LossSpec } from '../../core/lossSpec';
import { newExperimentFile } from './commands';
import { EXPERIMENT_GLOB, isExperimentDocument } from './documents';
import { addRunEntry, runEntryNames, runNameProblem, suggestRunName } from './runEntryEdit';

/**
 * Adds a run entry with `loss` and a name the user confirms; returns what was done, or undefined
 * when the user cancelled. Throws with the reason when the file cannot take the entry.
 */
export async function saveLossToExperimentFile(loss: LossSpec): Promise<string | undefined> {
  const document = await pickExperimentDocument();
  if (!document) return undefined;
  const shownPath = vscode.workspace.asRelativePath(document.uri);
  const taken = runEntryNames(document.getText());
  const typed = await vscode.window.showInputBox({
    title: `PolyLoss: Save to ${path.basename(document.uri.fsPath)}`,
    prompt: `Name of the new run in ${shownPath}`,
    value: suggestRunName(loss, taken),
    validateInput: (value) => runNameProblem(value.trim(), runEntryNames(document.getText())),
  });
  if (typed === undefined) return undefined;
  const name = typed.trim();
  const wasDirty = document.isDirty;
  const result = addRunEntry(document.getText(), { name, loss }, formattingOf(document));
  if (!result.ok) throw new Error(`${shownPath}: ${result.message}`);
  const edit = new vscode.WorkspaceEdit();
  for (const e of result.edits) edit.replace(document.uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`${shownPath} could not be edited (is it read-only?)`);
  // Saved when it had no other unsaved changes, so the run is in the file for the CLI too.
  if (!wasDirty) await document.save();
  const editor = await vscode.window.showTextDocument(document, { preserveFocus: true });
  const added = new vscode.Range(document.positionAt(result.entryRange.offset), document.positionAt(result.entryRange.offset + result.entryRange.length));
  editor.selection = new vscode.Selection(added.start, added.end);
  editor.revealRange(added, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return `Added run "${name}" to ${shownPath}${wasDirty ? ' (not saved: the file had other unsaved changes)' : ''}`;
}

/** The experiment file in the active editor, else the only visible one, else the user's pick. */
async function pickExperimentDocument(): Promise<vscode.TextDocument | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && isExperimentDocument(active)) return active;
  const visible = vscode.window.visibleTextEditors.map((e) => e.document).filter(isExperimentDocument);
  if (visible.length === 1) return visible[0];
  const found = await vscode.workspace.findFiles(EXPERIMENT_GLOB, '**/node_modules/**', 500);
  const uris = new Map([...visible.map((d) => d.uri), ...found].map((uri) => [uri.toString(), uri]));
  const NEW = 'New Experiment File…';
  const CHOOSE = 'Choose a File…';
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [
    ...[...uris.values()].map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(path.dirname(uri.fsPath)), uri })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: `$(new-file) ${NEW}` },
    { label: `$(folder-opened) ${CHOOSE}` },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'PolyLoss: Save to experiment file', placeHolder: 'The experiment file that gets the new run' });
  if (!picked) return undefined;
  if (picked.uri) return vscode.workspace.openTextDocument(picked.uri);
  if (picked.label.endsWith(NEW)) return newExperimentFile();
  const [chosen] = await vscode.window.showOpenDialog({ title: 'PolyLoss: experiment file', filters: { 'PolyLoss experiment': ['json'] }, canSelectMany: false }) ?? [];
  return chosen && vscode.workspace.openTextDocument(chosen);
}

/** The indentation the file's editor uses, else two spaces; the document's line ends. */
function formattingOf(document: vscode.TextDocument): { insertSpaces: boolean; tabSize: number; eol: string } {
  const options = vscode.window.visibleTextEditors.find((e) => e.document === document)?.options;
  return {
    insertSpaces: options?.insertSpaces !== false,
    tabSize: typeof options?.tabSize === 'number' ? options.tabSize : 2,
    eol: document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n',
  };
}
