/**
 * Checks made before a run folder is created, so that a mistake in the data leaves no half-made run
 * behind: the dataset is loaded and split exactly as the worker will (a subsample too small to split
 * refused) — a large CSV file only by its first rows, as the worker parses it whole — and files named
 * by an experiment file must lie inside the workspace folder (store/datasetPaths). Runs in the CLI's process, or in a training worker for the
 * extension host (runner/preflightWorker).
 */
import type { DatasetSpec, RunConfig } from '../core/runConfig';
import { errorMessage } from '../core/errors';
import { datasetFilesOutside, outsideWorkspaceMessage } from '../store/datasetPaths';
import { checkDataset, type SourceCache } from './datasets/index';

/** A dataset that cannot be used; `field` is the config field to fix (e.g. dataset.path). */
export class PreflightError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

export interface PreflightOptions {
  /** Base of relative dataset paths (the worker's working folder). */
  baseDir: string;
  /** Set for configs from an experiment file: their dataset files must lie inside this folder. */
  confineTo?: string;
  /** Keeps what was parsed for the runs that follow in the same process (a worker's). */
  cache?: SourceCache;
}

/**
 * Refuses configs whose dataset cannot be used, before any run folder exists. Each distinct dataset
 * is loaded once (the first config's seed: whether a split is possible does not depend on it).
 */
export async function preflightConfigs(configs: readonly RunConfig[], opts: PreflightOptions): Promise<void> {
  const checked = new Set<string>();
  for (const config of configs) {
    if (config.dataset === undefined) continue; // a script loads its own data
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
    await checkDataset(spec, seed, { workspaceDir: opts.baseDir, cache: opts.cache });
  } catch (e) {
    throw new PreflightError('dataset', `the dataset cannot be used: ${errorMessage(e)}`);
  }
}
