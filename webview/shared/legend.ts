import { diffConfigs } from '../../src/core/configDiff';
import type { RunRecord } from '../../src/core/runFormat';

/**
 * Legend names that say what sets each run apart ("ε=2, seed 1"). Runs with identical settings
 * fall back to their names, and identical names to a short id, so no two entries read the same.
 */
export function legendLabels(runs: readonly RunRecord[]): Map<string, string> {
  const labels = runs.length > 1 ? diffConfigs(runs.map((r) => r.config)).legend : runs.map((r) => r.name);
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
