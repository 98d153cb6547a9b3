/** CSV cells for every CSV the project writes (run exports, metric series, group statistics). */

export type CsvValue = string | number | null | undefined;

/** Text made only of number characters ("-1 0 2", "-0.5"): a spreadsheet cannot run it as a formula. */
const NUMBER_TEXT = /^[-+0-9.eE ]*$/;

/**
 * One cell, RFC 4180: quoted when it holds a comma, quote or line break. Missing values and
 * non-finite numbers are empty. Text that a spreadsheet would run as a formula (a run named
 * "=HYPERLINK(…)": first character = + - @ tab or CR) gets a leading ' so it stays text.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) && !NUMBER_TEXT.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Lines of cells, each line ended by a newline. */
export function csvLines(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
