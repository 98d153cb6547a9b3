import * as vscode from 'vscode';
import * as path from 'node:path';

/** Asks where to save and writes the file; `undefined` when the user cancels. */
async function saveAs(runsDir: string, fileName: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(path.dirname(runsDir)));
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, fileName), filters });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, bytes);
  void offerToOpen(target);
  return target;
}

/** "Saved …" with Open (in an editor) and Reveal (in the Explorer when in the workspace, else the OS). */
async function offerToOpen(target: vscode.Uri): Promise<void> {
  const choice = await vscode.window.showInformationMessage(`PolyLoss: saved ${vscode.workspace.asRelativePath(target)}`, 'Open', 'Reveal');
  if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
  if (choice === 'Reveal') {
    const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', target);
  }
}

export async function savePng(runsDir: string, dataUrl: string, fileName: string): Promise<void> {
  const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  await saveAs(runsDir, fileName, { 'PNG image': ['png'] }, Buffer.from(base64, 'base64'));
}

export async function saveCsv(runsDir: string, csv: string, fileName: string): Promise<void> {
  await saveAs(runsDir, fileName, { CSV: ['csv'] }, Buffer.from(csv, 'utf8'));
}

export async function saveJson(runsDir: string, json: string, fileName: string): Promise<void> {
  await saveAs(runsDir, fileName, { JSON: ['json'] }, Buffer.from(json, 'utf8'));
}
