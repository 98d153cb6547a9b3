// "Export Runs…" formats: CSV with one row per run (what differs between them and their results),
// JSON with each run's record and metric lines. No vscode import.
import { csvLines } from '../core/csv';
import type { MetricLine, RunRecord } from '../core/runFormat';
import { summarizeForTable } from '../store/runTable';

export { csvCell } from '../core/csv';

export function runsToCsv(records: readonly RunRecord[]): string {
  const table = summarizeForTable(records);
  const header = ['id', 'name', 'status', 'legend', ...table.columns.map((c) => c.label),
    'epochs', 'final_loss', 'best_val_acc', 'test_acc', 'ece', 'created_at'];
  const rows = table.rows.map((row, i) => [
    row.id, row.name, row.status, row.legend, ...row.settings,
    row.epochs, row.finalLoss, row.bestValAcc, row.testAcc, row.ece, records[i].createdAt,
  ]);
  return csvLines([header, ...rows]);
}

export function runsToJson(records: readonly RunRecord[], metricsOf: (runId: string) => MetricLine[]): string {
  return JSON.stringify(records.map((record) => ({ record, metrics: metricsOf(record.id) })), null, 2) + '\n';
}
