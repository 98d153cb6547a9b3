/**
 * A user's CSV file: numeric feature columns plus one label column (names or whole numbers), read
 * row by row as it streams in (csvRows) into typed arrays, so a file near the 1 GiB limit needs
 * about as much memory as its numbers, not several copies of its text. The first line may be a
 * header, or the count line of scikit-learn's own CSV files ("178,13,class_0,class_1,class_2":
 * rows, features, class names). Line numbers in messages are the file's.
 */
import * as path from 'node:path';
import { separatorName, streamCsvRows, type RowPosition } from './csvRows';
import { DatasetError } from './errors';
import { describeMapping, indexIntegerLabels, indexNamedLabels, type IndexedLabels } from './labels';
import { escapeUnprintable, shownText } from './printable';
import type { LabelledData } from './types';

export interface CsvOptions {
  /** Header name or 0-based index; default: the last column. */
  labelColumn?: string | number;
  /** Whether the first row is a header; default: detected. */
  header?: boolean;
}

/** Rows read by the check before a run (the one full parse is the training worker's). */
export const CSV_CHECK_ROWS = 1000;

/** The first row, kept until the second shows what it is. */
interface FirstRow {
  cells: string[];
  line: number;
  separator: string;
}

/** After this many rows the rest of the file's rows are estimated from its size, to size the arrays. */
const ROWS_BEFORE_ESTIMATE = 256;

/** scikit-learn's first line: number of data rows, number of features, class names of labels 0, 1, … */
interface CountLine {
  rows: number;
  features: number;
  classNames: string[];
}

interface Layout {
  columns: number;
  labelColumn: number;
  /** Header names, as given. */
  names?: string[];
  countLine?: CountLine;
}

const isWholeNumber = (cell: string) => /^\d+$/.test(cell);

/** A finite number, or undefined for anything else (empty, text, NaN, Infinity). */
function parseNumber(cell: string): number | undefined {
  if (cell.trim() === '') return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/** A header row has text where the next row has numbers. */
function looksLikeHeader(first: string[], second: string[] | undefined): boolean {
  if (!second) return first.every((c) => parseNumber(c) === undefined);
  return first.some((c, j) => parseNumber(c) === undefined && second[j] !== undefined && parseNumber(second[j]) !== undefined);
}

/** "rows,features[,class names…]" followed by rows of features + 1 label. */
function readCountLine(first: string[], second: string[] | undefined): CountLine | undefined {
  if (!second || first.length < 2 || !isWholeNumber(first[0]) || !isWholeNumber(first[1])) return undefined;
  const features = Number(first[1]);
  const classNames = first.slice(2);
  if (features < 1 || second.length !== features + 1 || classNames.some((c) => c === '' || parseNumber(c) !== undefined)) return undefined;
  return { rows: Number(first[0]), features, classNames };
}

function describeCountLine(count: CountLine): string {
  const classes = count.classNames.length ? `, classes ${count.classNames.map(shownText).join(', ')}` : '';
  return `line 1 is a scikit-learn count line (${count.rows} rows, ${count.features} features${classes})`;
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
        ? `dataset.labelColumn '${shownText(requested)}' is not a column of ${label}; its columns are: ${names.map(shownText).join(', ')}`
        : `dataset.labelColumn '${shownText(requested)}' is a name, but ${label} has no header row; use a column index 0..${columns - 1}`);
    }
    requested = Number(requested.trim());
  }
  if (!Number.isInteger(requested) || requested < 0 || requested >= columns) {
    throw new DatasetError(`dataset.labelColumn ${requested} is out of range: ${label} has ${columns} columns (indices 0..${columns - 1})`);
  }
  return requested;
}

/** A Float32Array that grows as rows arrive (by half its size, so the copy costs at most 2.5× the data). */
class FeatureBuffer {
  values = new Float32Array(0);
  length = 0;

  /** Room for `count` more values. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed > this.values.length) this.resize(Math.max(needed, Math.ceil(this.values.length * 1.5), 1024));
  }

  /** Room for `total` values in all: a guess of the final size saves most regrowth. */
  expect(total: number): void {
    if (total > this.values.length) this.resize(total);
  }

  private resize(capacity: number): void {
    const grown = new Float32Array(capacity);
    grown.set(this.values.subarray(0, this.length));
    this.values = grown;
  }

  /** The values written, without the spare room (copied only when the spare room is large). */
  done(): Float32Array {
    const spare = this.values.length - this.length;
    return spare > this.length / 8 ? this.values.slice(0, this.length) : this.values.subarray(0, this.length);
  }
}

/** Label texts as small codes in order of first appearance, with the line where each first appears. */
class LabelCodes {
  readonly firstSeen = new Map<string, { code: number; line: number }>();
  private codes = new Int32Array(1024);
  length = 0;

  add(text: string, line: number): void {
    let entry = this.firstSeen.get(text);
    if (!entry) {
      entry = { code: this.firstSeen.size, line };
      this.firstSeen.set(text, entry);
    }
    if (this.length === this.codes.length) {
      const grown = new Int32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = entry.code;
  }

  /** Class indices per row, given the class index of each distinct text (in order of first appearance). */
  classes(classOfCode: ArrayLike<number>): Int32Array {
    const y = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) y[i] = classOfCode[this.codes[i]];
    return y;
  }
}

/** Builds a LabelledData from rows as they stream in. */
class CsvTable {
  private first?: FirstRow;
  private layout?: Layout;
  private readonly features = new FeatureBuffer();
  private readonly labels = new LabelCodes();
  private rows = 0;

  constructor(private readonly label: string, private readonly options: CsvOptions) {}

  add(cells: string[], at: RowPosition): void {
    if (this.layout) {
      if (this.rows === ROWS_BEFORE_ESTIMATE && at.textChars !== undefined) {
        this.features.expect(Math.ceil((at.textChars / at.charsRead) * this.rows * 1.02) * (this.layout.columns - 1));
      }
      return this.addData(cells, at.line);
    }
    if (!this.first) {
      this.first = { cells: cells.map((c) => c.trim()), line: at.line, separator: at.separator };
      return;
    }
    this.decideLayout(cells);
    this.addData(cells, at.line);
  }

  /** What the first row is (header, count line or data), once the second row is known. */
  private decideLayout(second: string[] | undefined): void {
    const first = this.first as FirstRow;
    const countLine = this.options.header === true ? undefined : readCountLine(first.cells, second);
    const hasHeader = !countLine && (this.options.header ?? looksLikeHeader(first.cells, second?.map((c) => c.trim())));
    const columns = countLine ? countLine.features + 1 : first.cells.length;
    if (columns < 2) {
      throw new DatasetError(`${this.label} has only 1 column (separator '${separatorName(first.separator)}'); it needs numeric feature columns and a label column`);
    }
    const names = hasHeader ? first.cells : undefined;
    this.layout = { columns, labelColumn: resolveLabelColumn(this.label, this.options.labelColumn, names, columns), names, countLine };
    if (!hasHeader && !countLine) this.addData(first.cells, first.line);
  }

  private columnName(j: number): string {
    const names = this.layout?.names;
    return names ? `column '${shownText(names[j])}'` : `column ${j} (counting from 0)`;
  }

  private addData(cells: string[], line: number): void {
    const { columns, labelColumn, countLine } = this.layout as Layout;
    if (cells.length !== columns) {
      throw new DatasetError(`${this.label} line ${line} has ${cells.length} columns, expected ${columns}${this.countLineHint(cells)}`);
    }
    this.features.reserve(columns - 1);
    const x = this.features.values;
    let f = this.features.length;
    for (let j = 0; j < columns; j++) {
      const cell = cells[j];
      if (j === labelColumn) {
        const text = cell.trim();
        if (text === '') throw new DatasetError(`${this.label} line ${line}: the label in ${this.columnName(j)} is empty`);
        this.labels.add(text, line);
        continue;
      }
      const value = Number(cell);
      if (!Number.isFinite(value) || (value === 0 && cell.trim() === '')) {
        const trimmed = cell.trim();
        throw new DatasetError(`${this.label} line ${line}, ${this.columnName(j)}: ${trimmed === '' ? 'the cell is empty' : `'${shownText(trimmed)}' is not a number`}`);
      }
      x[f++] = value;
    }
    this.features.length = f;
    this.rows++;
    if (countLine && countLine.classNames.length > 0) this.checkNamedClass(cells[labelColumn].trim(), line, countLine);
  }

  /** When a count line was taken for a header (dataset.header true), how to read it instead. */
  private countLineHint(second: string[]): string {
    const countLine = this.rows === 0 && this.layout?.names ? readCountLine(this.layout.names, second) : undefined;
    return countLine ? `; ${describeCountLine(countLine)}, not a header: leave dataset.header unset to read it as one` : '';
  }

  private checkNamedClass(text: string, line: number, countLine: CountLine): void {
    const value = Number(text);
    if (!isWholeNumber(text) || value >= countLine.classNames.length) {
      throw new DatasetError(`${this.label} line ${line}: label ${shownText(text)} is not one of the classes 0..${countLine.classNames.length - 1} named on ${describeCountLine(countLine)}`);
    }
  }

  /** The table, after the last row; `complete` is false when only the file's start was read. */
  finish(complete: boolean): LabelledData {
    if (!this.first) throw new DatasetError(`Dataset file ${this.label} is empty`);
    if (!this.layout) this.decideLayout(undefined);
    const { columns, labelColumn, names, countLine } = this.layout as Layout;
    if (this.rows === 0) throw new DatasetError(`Dataset file ${this.label} has a header row but no data rows`);
    if (complete && countLine && countLine.rows !== this.rows) {
      throw new DatasetError(`${this.label}: ${describeCountLine(countLine)}, but the file has ${this.rows} data rows; correct that line or delete it`);
    }
    const { y, classNames, note } = this.indexLabels(countLine);
    const width = columns - 1;
    return {
      name: path.basename(this.label),
      x: this.features.done(),
      y,
      n: this.rows,
      inputShape: [width],
      isImage: false,
      classNames,
      notes: [
        `${this.label}: ${this.rows} rows, ${width} features, label ${this.columnName(labelColumn)}${names || countLine ? '' : ', no header row'}`,
        ...(countLine ? [`${this.label}: ${describeCountLine(countLine)}`] : []),
        ...(note ? [note] : []),
      ],
    };
  }

  private indexLabels(countLine: CountLine | undefined): IndexedLabels {
    const texts = [...this.labels.firstSeen.keys()];
    const numbers = texts.map(parseNumber);
    let indexed: IndexedLabels;
    if (numbers.some((v) => v === undefined)) {
      indexed = indexNamedLabels(texts);
    } else {
      const bad = texts
        .map((text, i) => ({ text, value: numbers[i] as number, line: (this.labels.firstSeen.get(text) as { line: number }).line }))
        .filter(({ value }) => !Number.isInteger(value) || value < 0)
        .sort((a, b) => a.line - b.line)[0];
      if (bad) {
        const problem = Number.isInteger(bad.value) ? 'is out of range' : 'is not a whole number';
        throw new DatasetError(`${this.label} line ${bad.line}, ${this.columnName((this.layout as Layout).labelColumn)}: label ${shownText(bad.text)} ${problem}; numeric labels must be class indices (whole numbers ≥ 0), or use class names`);
      }
      indexed = indexIntegerLabels(numbers as number[]);
      if (countLine && countLine.classNames.length > 0) {
        const classNames = indexed.classNames.map((v) => countLine.classNames[Number(v)]);
        indexed = { ...indexed, classNames, note: describeMapping(classNames) };
      }
    }
    return { ...indexed, y: this.labels.classes(indexed.y), classNames: indexed.classNames.map(escapeUnprintable) };
  }
}

/** Reads a CSV file into memory, whole, as training does. */
export async function loadCsv(file: string, options: CsvOptions, workspaceDir?: string): Promise<LabelledData> {
  return (await readCsv(file, options, workspaceDir)).data;
}

/**
 * Reads a CSV file, or with `maxRows` only its first rows: enough to catch a wrong file, separator,
 * header or label column before a run is made, without parsing a large file twice. `complete`
 * tells whether that was the whole file.
 */
export async function readCsv(file: string, options: CsvOptions, workspaceDir?: string, maxRows?: number): Promise<{ data: LabelledData; complete: boolean }> {
  const table = new CsvTable(file, options);
  const { complete } = await streamCsvRows(file, (cells, at) => table.add(cells, at), { workspaceDir, maxRows });
  return { data: table.finish(complete), complete };
}
