// Open Example Study…: the studies shipped in examples/studies (an experiment file each, with the
// report `polyloss report` made from its sweep), picked from a list and opened beside their report.
import * as vscode from 'vscode';
import { EXPERIMENT_FILE_SUFFIX } from '../core/experimentFile';
import { errorMessage } from '../core/errors';
import { COMMANDS } from './commandIds';

const STUDIES_FOLDER = ['examples', 'studies'];

/** The first line of the file's leading comment: what the study shows. */
function summaryOf(text: string): string {
  const first = text.split('\n').find((line) => line.trim().startsWith('//'));
  return first ? first.trim().replace(/^\/\/\s*/, '') : '';
}

async function pickStudy(extensionUri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = vscode.Uri.joinPath(extensionUri, ...STUDIES_FOLDER);
  const entries = await vscode.workspace.fs.readDirectory(folder);
  const files = entries.map(([name]) => name).filter((name) => name.endsWith(EXPERIMENT_FILE_SUFFIX)).sort();
  const items = await Promise.all(files.map(async (name) => {
    const uri = vscode.Uri.joinPath(folder, name);
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return { label: name.slice(0, -EXPERIMENT_FILE_SUFFIX.length), detail: summaryOf(text), uri };
  }));
  // The noisy digits study first: it is the one where ε matters.
  items.sort((a, b) => Number(b.label === 'noisy-digits') - Number(a.label === 'noisy-digits'));
  return (await vscode.window.showQuickPick(items, { placeHolder: 'A shipped study: its experiment file and its report', matchOnDetail: true }))?.uri;
}

export function registerStudyCommands(extensionUri: vscode.Uri): vscode.Disposable[] {
  return [vscode.commands.registerCommand(COMMANDS.openStudy, async (given?: unknown) => {
    try {
      const file = given instanceof vscode.Uri ? given : await pickStudy(extensionUri);
      if (!file) return undefined;
      await vscode.window.showTextDocument(file, { preview: false });
      const report = vscode.Uri.joinPath(file, '..', file.path.split('/').pop()!.slice(0, -EXPERIMENT_FILE_SUFFIX.length), 'report.md');
      await vscode.commands.executeCommand('markdown.showPreviewToSide', report);
      return file;
    } catch (e) {
      void vscode.window.showErrorMessage(`PolyLoss: cannot open the study: ${errorMessage(e)}`);
      return undefined;
    }
  })];
}
