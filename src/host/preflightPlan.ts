// What the extension checks before it queues runs (the datasets, in a worker process: see
// runner/preflightWorker.ts), and what it says when a check fails. No vscode import.
import type { PreflightBatch, PreflightReply } from '../core/protocol';
import type { RunConfig } from '../core/runConfig';
import { datasetFiles, isInside } from '../store/datasetPaths';

/**
 * The batches of one start. Configs the user typed (New Run, a rerun, a sweep) go in one batch whose
 * dataset files may be anywhere. Configs of an experiment file (`experiment` set), a file that travels
 * with a repository, are confined to the workspace folder holding their dataset files, or to the
 * first folder when none does, so that the check names it. Without a workspace folder there is
 * nothing to confine them to.
 */
export function preflightBatches(configs: readonly RunConfig[], workspaceFolders: readonly string[], baseDir: string): PreflightBatch[] {
  const batches = new Map<string | undefined, RunConfig[]>();
  for (const config of configs) {
    const confineTo = config.experiment === undefined || workspaceFolders.length === 0 ? undefined : folderOf(config, workspaceFolders, baseDir);
    const batch = batches.get(confineTo);
    if (batch) batch.push(config);
    else batches.set(confineTo, [config]);
  }
  return [...batches].map(([confineTo, batch]) => (confineTo === undefined ? { configs: batch } : { configs: batch, confineTo }));
}

function folderOf(config: RunConfig, folders: readonly string[], baseDir: string): string {
  const files = config.dataset ? datasetFiles(config.dataset, baseDir) : [];
  return folders.find((folder) => files.every(({ file }) => isInside(file, folder))) ?? folders[0];
}

/** The message shown instead of starting `count` runs whose check failed (the check's message names the field and file). */
export function preflightFailureMessage(reply: Extract<PreflightReply, { type: 'preflight-failed' }>, count: number): string {
  const what = count === 1 ? 'the run was not started' : `none of the ${count} runs was started`;
  return `PolyLoss: ${what}: ${reply.message}`;
}
