import { diffConfigs } from '../../src/core/configDiff';
import type { RunRecord } from '../../src/core/runFormat';

/** A name the user chose (a rename, or a name given at the start), not one made from the settings. */
export function hasUserName(run: RunRecord): boolean {
  return run.renamed === true || (run.config.name !== undefined && run.config.sweepId === undefined && run.config.experiment === undefined);
}

/**
 * Legend names: the run's name when the user chose one, else what sets each run apart
 * ("ε=2, seed 1"). Runs with identical settings fall back to their names, and identical names to a
 * short id, so no two entries read the same.
 */
export function legendLabels(runs: readonly RunRecord[]): Map<string, string> {
  const diff = runs.length > 1 ? diffConfigs(runs.map((r) => r.config)).legend : runs.map((r) => r.name);
  const labels = runs.map((run, i) => (hasUserName(run) ? run.name : diff[i]));
  const out = new Map<string, string>();
  const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;
  runs.forEach((run, i) => {
    let label = labels[i] || run.name;
    if (count(labels, labels[i]) > 1) {
      const names = runs.filter((_, j) => labels[j] === labels[i]).map((r) => r.name);
      label = count(names, run.name) > 1 ? `${label} · ${run.name} #${run.id.slice(-4)}` : `${label} · ${run.name}`;
    }
    out.set(run.id, label);
  });
  return out;
}
