/**
 * Where dataset files may be (one rule, used by the CLI and the extension):
 * - a path the user types (CLI flags, a --config file named on the command line, the New Run form)
 *   may point anywhere: the user named it;
 * - a path written in an experiment file (a file that travels with a repository) must resolve,
 *   symbolic links followed, to a file inside the workspace folder, unless the caller explicitly
 *   allows any path (`polyloss run --allow-outside-workspace`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetSpec } from '../core/runConfig';

const FILE_FIELDS = ['path', 'labelsPath'] as const;
export type DatasetFileField = (typeof FILE_FIELDS)[number];

/** The files a dataset reads, by field, resolved against `baseDir`. */
export function datasetFiles(spec: DatasetSpec, baseDir: string): { field: DatasetFileField; file: string }[] {
  const fields: readonly DatasetFileField[] = spec.name === 'csv' ? ['path'] : spec.name === 'idx' ? FILE_FIELDS : [];
  return fields.flatMap((field) => {
    const value = spec[field];
    return typeof value === 'string' && value !== '' ? [{ field, file: path.resolve(baseDir, value) }] : [];
  });
}

/** The real path (links followed) of a file, or of the nearest existing folder above it plus the rest. */
function realPathOf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    const parent = path.dirname(file);
    return parent === file ? file : path.join(realPathOf(parent), path.basename(file));
  }
}

export function isInside(file: string, folder: string): boolean {
  const relative = path.relative(realPathOf(folder), realPathOf(file));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The dataset files of `spec` that lie outside `workspaceDir` (empty when all are inside). */
export function datasetFilesOutside(spec: DatasetSpec, baseDir: string, workspaceDir: string): { field: DatasetFileField; file: string }[] {
  return datasetFiles(spec, baseDir).filter(({ file }) => !isInside(file, workspaceDir));
}

export function outsideWorkspaceMessage(field: DatasetFileField, file: string, workspaceDir: string): string {
  return `dataset.${field} ${file} is outside the workspace folder ${workspaceDir}; an experiment file may only name `
    + 'dataset files inside it (copy or link the data into the workspace, or allow any path explicitly)';
}
