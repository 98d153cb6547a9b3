/** The result shown next to an experiment entry: its test accuracy over its seeds. */
import { experimentRunName } from './experimentFile';
import type { RunRecord } from './runFormat';
import { mean, sampleStd } from './stats/summary';

/**
 * `acc 97.9% ± 0.2 · 3 seeds`: mean ± sample standard deviation (in percentage points) of the
 * test accuracy of the latest completed run of each seed of the entry; undefined when none has
 * finished. Pure: the caller passes the records it has.
 */
export function latestResultLabel(records: readonly RunRecord[], entryName: string, experiment: string): string | undefined {
  const accuracies = latestResults(records, entryName, experiment).map((record) => 100 * record.summary!.testAcc!);
  if (accuracies.length === 0) return undefined;
  const n = accuracies.length;
  const spread = n > 1 ? ` ± ${sampleStd(accuracies).toFixed(1)}` : '';
  return `acc ${mean(accuracies).toFixed(1)}%${spread} · ${n} seed${n === 1 ? '' : 's'}`;
}

/** The latest completed run with a test accuracy of each seed of the entry, the runs the label summarises. */
export function latestResults(records: readonly RunRecord[], entryName: string, experiment: string): RunRecord[] {
  const latestBySeed = new Map<number, RunRecord>();
  for (const record of records) {
    const { config } = record;
    if (record.status !== 'completed' || record.summary?.testAcc === undefined) continue;
    if (!isEntryRun(record, entryName, experiment)) continue;
    const current = latestBySeed.get(config.seed);
    if (!current || finishedAt(record) > finishedAt(current)) latestBySeed.set(config.seed, record);
  }
  return [...latestBySeed.values()];
}

/**
 * Whether a run was trained from the entry `entryName` of the experiment file `experiment` (runs of
 * the file's sweep section have a sweep id, and may be named like an entry: "CE · seed 1").
 */
export function isEntryRun(record: RunRecord, entryName: string, experiment: string): boolean {
  const { config } = record;
  return config.experiment === experiment && config.sweepId === undefined && config.name === experimentRunName(entryName, config.seed);
}

function finishedAt(record: RunRecord): string {
  return record.endedAt ?? record.createdAt;
}
