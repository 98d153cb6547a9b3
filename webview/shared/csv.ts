import { csvLines } from '../../src/core/csv';

/** CSV text from rows; text cells are quoted as needed and guarded against spreadsheet formulas. */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  return csvLines([header, ...rows]);
}
