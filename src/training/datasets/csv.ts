/**
 * A user's CSV file: numeric feature columns plus one label column (names or whole numbers).
 * Comma, semicolon or tab separated (detected from the first row); double-quoted cells may contain
 * the separator but not line breaks. Blank lines are ignored; line numbers in messages are the file's.
 */
import * as path from 'node:path';
import { DatasetError } from './errors';
import { readUserFile } from './userFiles';
import { indexIntegerLabels, indexNamedLabels, type IndexedLabels } from './labels';
import type { LabelledData } from './types';

export interface CsvOptions {
  /** Header name or 0-based index; default: the last column. */
  labelColumn?: string | number;
  /** Whether the first row is a header; default: detected. */
  header?: boolean;
}

interface Row {
  line: number;
  cells: string[];
}

const SEPARATORS = [',', ';', '\t'];

function splitRow(line: string, separator: string): string[] {
  if (!line.includes('"')) return line.split(separator).map((c) => c.trim());
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === separator) {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

function detectSeparator(firstLine: string): string {
  const counts = SEPARATORS.map((s) => firstLine.split(s).length - 1);
  const best = counts.indexOf(Math.max(...counts));
  return counts[best] > 0 ? SEPARATORS[best] : ',';
}

/** A finite number, or undefined for anything else (empty, text, NaN, Infinity). */
function parseNumber(cell: string): number | undefined {
  if (cell === '') return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/** A header row has text where the next row has numbers. */
function looksLikeHeader(first: Row, second: Row | undefined): boolean {
  if (!second) return first.cells.every((c) => parseNumber(c) === undefined);
  return first.cells.some((c, j) => parseNumber(c) === undefined && second.cells[j] !== undefined && parseNumber(second.cells[j]) !== undefined);
}

function resolveLabelColumn(label: string, requested: string | number | undefined, names: string[] | undefined, columns: number): number {
  if (requested === undefined) return columns - 1;
  if (typeof requested === 'string') {
    const exact = names?.indexOf(requested) ?? -1;
    if (exact >= 0) return exact;
    const wanted = requested.trim().toLowerCase();
    const loose = names?.findIndex((n) => n.toLowerCase() === wanted) ?? -1;
    if (loose >= 0) return loose;
    if (!/^\d+$/.test(requested.trim())) {
      throw new DatasetError(names
        ? `dataset.labelColumn '${requested}' is not a column of ${label}; its columns are: ${names.join(', ')}`
        : `dataset.labelColumn '${requested}' is a name, but ${label} has no header row; use a column index 0..${columns - 1}`);
    }
    requested = Number(requested.trim());
  }
  if (!Number.isInteger(requested) || requested < 0 || requested >= columns) {
    throw new DatasetError(`dataset.labelColumn ${requested} is out of range: ${label} has ${columns} columns (indices 0..${columns - 1})`);
  }
  return requested;
}

function indexLabels(label: string, rows: Row[], values: string[], columnName: string): IndexedLabels {
  const numbers = values.map(parseNumber);
  if (numbers.some((v) => v === undefined)) return indexNamedLabels(values);
  numbers.forEach((v, i) => {
    if (!Number.isInteger(v) || (v as number) < 0) {
      const problem = Number.isInteger(v) ? 'is out of range' : 'is not a whole number';
      throw new DatasetError(`${label} line ${rows[i].line}, ${columnName}: label ${values[i]} ${problem}; numeric labels must be class indices (whole numbers ≥ 0), or use class names`);
    }
  });
  return indexIntegerLabels(numbers as number[]);
}

export function parseCsv(text: string, label: string, options: CsvOptions = {}): LabelledData {
  const lines: { line: number; text: string }[] = [];
  text.replace(/^\uFEFF/, '').split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') lines.push({ line: i + 1, text: line });
  });
  if (lines.length === 0) throw new DatasetError(`Dataset file ${label} is empty`);
  const separator = detectSeparator(lines[0].text);
  const rows: Row[] = lines.map(({ line, text: rowText }) => ({ line, cells: splitRow(rowText, separator) }));

  const hasHeader = options.header ?? looksLikeHeader(rows[0], rows[1]);
  const names = hasHeader ? rows[0].cells : undefined;
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new DatasetError(`Dataset file ${label} has a header row but no data rows`);
  const columns = rows[0].cells.length;
  if (columns < 2) {
    throw new DatasetError(`${label} has only 1 column (separator '${separator === '\t' ? '\\t' : separator}'); it needs numeric feature columns and a label column`);
  }
  const labelColumn = resolveLabelColumn(label, options.labelColumn, names, columns);
  const columnName = (j: number) => (names ? `column '${names[j]}'` : `column ${j} (counting from 0)`);

  const width = columns - 1;
  const x = new Float32Array(data.length * width);
  const labelValues: string[] = [];
  data.forEach((row, i) => {
    if (row.cells.length !== columns) {
      throw new DatasetError(`${label} line ${row.line} has ${row.cells.length} columns, expected ${columns}`);
    }
    let f = i * width;
    row.cells.forEach((cell, j) => {
      if (j === labelColumn) {
        if (cell === '') throw new DatasetError(`${label} line ${row.line}: the label in ${columnName(j)} is empty`);
        labelValues.push(cell);
        return;
      }
      const value = parseNumber(cell);
      if (value === undefined) {
        throw new DatasetError(`${label} line ${row.line}, ${columnName(j)}: ${cell === '' ? 'the cell is empty' : `'${cell}' is not a number`}`);
      }
      x[f++] = value;
    });
  });

  const { y, classNames, note } = indexLabels(label, data, labelValues, columnName(labelColumn));
  return {
    name: path.basename(label),
    x,
    y,
    n: data.length,
    inputShape: [width],
    isImage: false,
    classNames,
    notes: [
      `${label}: ${data.length} rows, ${width} features, label ${columnName(labelColumn)}${hasHeader ? '' : ', no header row'}`,
      ...(note ? [note] : []),
    ],
  };
}

export async function loadCsv(file: string, options: CsvOptions, workspaceDir?: string): Promise<LabelledData> {
  const bytes = await readUserFile(file, workspaceDir);
  return parseCsv(bytes.toString('utf8'), file, options);
}
