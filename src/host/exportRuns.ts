// "Export Runs…" formats: CSV with one row per run (what differs between them and their results),
// JSON with each run's record and metric lines. No vscode import.
import type { MetricLine, RunRecord } from '../core/runFormat';
import { summarizeForTable } from '../store/runTable';

/** Quotes a CSV cell when needed; a leading = + - @ is neutralised so spreadsheets do not run it as a formula. */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function runsToCsv(records: readonly RunRecord[]): string {
  const table = summarizeForTable(records);
  const header = ['id', 'name', 'status', 'legend', ...table.columns.map((c) => c.label),
    'epochs', 'final_loss', 'best_val_acc', 'test_acc', 'ece', 'created_at'];
  const rows = table.rows.map((row, i) => [
    row.id, row.name, row.status, row.legend, ...row.settings,
    row.epochs, row.finalLoss, row.bestValAcc, row.testAcc, row.ece, records[i].createdAt,
  ]);
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\n') + '\n';
}

export function runsToJson(records: readonly RunRecord[], metricsOf: (runId: string) => MetricLine[]): string {
  return JSON.stringify(records.map((record) => ({ record, metrics: metricsOf(record.id) })), null, 2) + '\n';
}
