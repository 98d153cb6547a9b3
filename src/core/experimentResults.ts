/** The result shown next to an experiment entry: its test accuracy over its seeds. */
import { experimentRunName } from './experimentFile';
import type { RunRecord } from './runFormat';

/**
 * `acc 97.9% ± 0.2 · 3 seeds`: mean ± sample standard deviation (in percentage points) of the
 * test accuracy of the latest completed run of each seed of the entry; undefined when none has
 * finished. Pure: the caller passes the records it has.
 */
export function latestResultLabel(records: readonly RunRecord[], entryName: string, experiment: string): string | undefined {
  const latestBySeed = new Map<number, RunRecord>();
  for (const record of records) {
    const { config } = record;
    if (record.status !== 'completed' || record.summary?.testAcc === undefined) continue;
    if (config.experiment !== experiment || config.name !== experimentRunName(entryName, config.seed)) continue;
    const current = latestBySeed.get(config.seed);
    if (!current || finishedAt(record) > finishedAt(current)) latestBySeed.set(config.seed, record);
  }
  const accuracies = [...latestBySeed.values()].map((record) => 100 * record.summary!.testAcc!);
  if (accuracies.length === 0) return undefined;
  const n = accuracies.length;
  const mean = accuracies.reduce((sum, a) => sum + a, 0) / n;
  const spread = n > 1 ? ` ± ${Math.sqrt(accuracies.reduce((sum, a) => sum + (a - mean) ** 2, 0) / (n - 1)).toFixed(1)}` : '';
  return `acc ${mean.toFixed(1)}%${spread} · ${n} seed${n === 1 ? '' : 's'}`;
}

function finishedAt(record: RunRecord): string {
  return record.endedAt ?? record.createdAt;
}
