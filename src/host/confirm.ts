import * as vscode from 'vscode';

/**
 * Asks before a destructive action, with Cancel focused so that Enter keeps everything as it is.
 * A quick pick rather than a modal message: VS Code's modal dialog always focuses the first button
 * an extension gives it and adds its own Cancel after them, so a modal would focus the action.
 * True only when the action was picked; Cancel, Escape and focus loss give false. `icon`: a codicon id.
 */
export async function confirmDestructive(question: string, detail: string, action: string, icon = 'trash'): Promise<boolean> {
  const cancel: vscode.QuickPickItem = { label: '$(close) Cancel' };
  const confirm: vscode.QuickPickItem = { label: `$(${icon}) ${action}`, detail };
  const picked = await vscode.window.showQuickPick([cancel, confirm], { title: `PolyLoss: ${question}`, placeHolder: `${action} cannot be undone` });
  return picked === confirm;
}
