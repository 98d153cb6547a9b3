// Which documents are experiment files.
import type * as vscode from 'vscode';
import { EXPERIMENT_FILE_SUFFIX } from '../../core/experimentFile';

/**
 * Experiment files on disk wherever they are (runs read their dataset files from the file's folder);
 * VS Code opens them as JSON with comments (see package.json).
 */
export const EXPERIMENT_SELECTOR: vscode.DocumentFilter = { scheme: 'file', pattern: `**/*${EXPERIMENT_FILE_SUFFIX}` };
export const EXPERIMENT_GLOB = `**/*${EXPERIMENT_FILE_SUFFIX}`;

export function isExperimentDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && document.uri.path.toLowerCase().endsWith(EXPERIMENT_FILE_SUFFIX);
}
