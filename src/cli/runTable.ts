import { describeLoss } from '../core/lossSpec';
import type { RunRecord } from '../core/runFormat';
import { summarizeForTable } from '../store/runTable';
import { formatNumber, formatPercent, formatTable, orMissing } from './format';

/** A column header in the table's capitals; Greek letters keep their case, so "ε" does not become "Ε". */
export function headerOf(label: string): string {
  return label.replace(/[a-z]+/g, (word) => word.toUpperCase());
}

/** The comparison table: settings that differ between the runs, then their headline results. */
export function renderRunTable(records: readonly RunRecord[], opts: { showCommon?: boolean } = {}): string {
  const table = summarizeForTable(records);
  const headers = ['ID', ...table.columns.map((c) => headerOf(c.label)), 'STATUS', 'EPOCHS', 'FINAL LOSS', 'BEST VAL ACC', 'TEST ACC', 'ECE'];
  const rows = table.rows.map((row) => [
    row.id,
    ...row.settings.map(orMissing),
    row.status,
    row.epochs === undefined ? '—' : String(row.epochs),
    formatNumber(row.finalLoss),
    formatPercent(row.bestValAcc),
    formatPercent(row.testAcc),
    formatNumber(row.ece),
  ]);
  const settingsCount = table.columns.length;
  const right = headers.map((_, i) => i > settingsCount + 1);
  let text = formatTable(headers, rows, right);
  if (opts.showCommon && table.common.length > 0) {
    const shared = table.common.filter((c) => c.value !== '').map((c) => `${c.label} ${c.value}`).join(' · ');
    text += `\n\n${records.length > 1 ? 'Same in all runs' : 'Settings'}: ${shared}`;
  }
  // A script's run may carry no loss of ours: its script names one.
  if (new Set(records.map((r) => (r.config.loss ? describeLoss(r.config.loss) : ''))).size > 1) {
    text += '\n\nFINAL LOSS is each run\'s own loss (Poly-1 adds ε·(1−Pt) to CE): compare it between runs of one loss only.';
  }
  return text;
}
