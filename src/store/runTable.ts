import { diffConfigs, type ConfigDiff } from '../core/configDiff';
import type { RunRecord, RunStatus } from '../core/runFormat';

/** One row of a run comparison: what sets the run apart and its headline results. */
export interface RunTableRow {
  id: string;
  name: string;
  status: RunStatus;
  /** e.g. "Poly-1 ε=2, seed 1": only the settings that differ between the compared runs. */
  legend: string;
  /** Values of `RunTable.columns`, in order ('' = not set). */
  settings: string[];
  epochs?: number;
  finalLoss?: number;
  bestValAcc?: number;
  testAcc?: number;
  ece?: number;
}

export interface RunTable {
  /** The config settings that differ between the runs. */
  columns: { key: string; label: string }[];
  /** The settings all runs share. */
  common: ConfigDiff['common'];
  rows: RunTableRow[];
}

export function summarizeForTable(records: readonly RunRecord[]): RunTable {
  const diff = diffConfigs(records.map((r) => r.config));
  return {
    columns: diff.differences.map(({ key, label }) => ({ key, label })),
    common: diff.common,
    rows: records.map((r, i) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      legend: diff.legend[i],
      settings: diff.differences.map((d) => d.values[i]),
      epochs: r.summary?.epochs,
      finalLoss: r.summary?.finalLoss,
      bestValAcc: r.summary?.bestValAcc,
      testAcc: r.summary?.testAcc,
      ece: r.summary?.ece,
    })),
  };
}
