/**
 * Checks made before a run folder is created, so that a mistake in the data leaves no half-made run
 * behind: the dataset is loaded and split exactly as the worker will (a user's file parsed, a
 * subsample too small to split refused), and files named by an experiment file must lie inside the
 * workspace folder.
 *
 * Where dataset files may be (one rule, used by the CLI and the extension):
 * - a path the user types (CLI flags, a --config file named on the command line, the New Run form)
 *   may point anywhere: the user named it;
 * - a path written in an experiment file (a file that travels with a repository) must resolve,
 *   symbolic links followed, to a file inside the workspace folder, unless the caller explicitly
 *   allows any path (`polyloss run --allow-outside-workspace`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetSpec, RunConfig } from '../core/runConfig';
import { loadDataset } from '../training/datasets/index';
import { errorMessage } from '../core/errors';

/** A dataset that cannot be used; `field` is the config field to fix (e.g. dataset.path). */
export class PreflightError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

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

export interface PreflightOptions {
  /** Base of relative dataset paths (the worker's working folder). */
  baseDir: string;
  /** Set for configs from an experiment file: their dataset files must lie inside this folder. */
  confineTo?: string;
}

/**
 * Refuses configs whose dataset cannot be used, before any run folder exists. Each distinct dataset
 * is loaded once (the first config's seed: whether a split is possible does not depend on it).
 */
export async function preflightConfigs(configs: readonly RunConfig[], opts: PreflightOptions): Promise<void> {
  const checked = new Set<string>();
  for (const config of configs) {
    const key = JSON.stringify(config.dataset);
    if (checked.has(key)) continue;
    checked.add(key);
    await preflightDataset(config.dataset, config.seed, opts);
  }
}

async function preflightDataset(spec: DatasetSpec, seed: number, opts: PreflightOptions): Promise<void> {
  if (opts.confineTo !== undefined) {
    const [outside] = datasetFilesOutside(spec, opts.baseDir, opts.confineTo);
    if (outside) throw new PreflightError(`dataset.${outside.field}`, outsideWorkspaceMessage(outside.field, outside.file, opts.confineTo));
  }
  try {
    await loadDataset(spec, seed, { workspaceDir: opts.baseDir });
  } catch (e) {
    throw new PreflightError('dataset', `the dataset cannot be used: ${errorMessage(e)}`);
  }
}
