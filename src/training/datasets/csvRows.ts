/**
 * The rows of a user's CSV file, parsed by Papa Parse as the file streams in: the text is never
 * whole in memory. Comma, semicolon or tab separated (the one most frequent in the first line);
 * double-quoted cells may hold the separator, doubled quotes and line breaks. Blank lines are
 * skipped. Each row comes with the file's line number of its first line, for messages.
 */
import { parse, type ParseStepResult, type Parser } from 'papaparse';
import { DatasetError } from './errors';
import { binaryContent, shownText } from './printable';
import { openUserText } from './userFiles';

const SEPARATORS = [',', ';', '\t'];

export function detectSeparator(firstLine: string): string {
  const counts = SEPARATORS.map((s) => firstLine.split(s).length - 1);
  const best = counts.indexOf(Math.max(...counts));
  return counts[best] > 0 ? SEPARATORS[best] : ',';
}

export function separatorName(separator: string): string {
  return separator === '\t' ? '\\t' : separator;
}

/** Where the parse is when a row arrives. */
export interface RowPosition {
  /** The file's line number of the row's first line. */
  line: number;
  separator: string;
  /** Characters of text parsed so far, and in all (undefined for gzip data). */
  charsRead: number;
  textChars?: number;
}

/** Gets each row's cells (untrimmed); throwing a DatasetError stops the parse with it. */
export type RowSink = (cells: string[], at: RowPosition) => void;

export interface CsvRowsOptions {
  /** Read only this many non-blank rows (header included): a check of the file's start. */
  maxRows?: number;
  workspaceDir?: string;
}

export interface CsvRowsResult {
  separator: string;
  /** False when rows beyond maxRows were left unread. */
  complete: boolean;
}

function lineBreaksIn(cells: string[], linebreak: string): number {
  let count = 0;
  for (const cell of cells) {
    for (let at = cell.indexOf(linebreak); at >= 0; at = cell.indexOf(linebreak, at + linebreak.length)) count++;
  }
  return count;
}

function isBlank(cells: string[]): boolean {
  return cells.length === 1 && cells[0].trim() === '';
}

const QUOTE_PROBLEMS: Record<string, string> = {
  MissingQuotes: 'a quoted cell is not closed (a " without its closing ")',
  InvalidQuotes: 'a quoted cell has text after its closing " (write "" for a quote inside a quoted cell)',
};

/** Streams the rows of `file` (path as the user wrote it) to `onRow`. */
export async function streamCsvRows(file: string, onRow: RowSink, opts: CsvRowsOptions = {}): Promise<CsvRowsResult> {
  const { text, textBytes, explain } = await openUserText(file, opts.workspaceDir);
  return new Promise((resolve, reject) => {
    let separator = ',';
    let problem: Error | undefined;
    let line = 1;
    let rows = 0;
    let stopped = false;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      text.destroy();
      if (problem) reject(problem);
      else resolve({ separator, complete: !stopped });
    };
    const stop = (parser: Parser, why?: Error): void => {
      problem ??= why;
      parser.abort();
    };
    parse<string[]>(text, {
      // Called once, with the first chunk of text.
      delimiter: (head: string) => {
        const binary = binaryContent(head);
        if (binary) problem = new DatasetError(`Dataset file ${file} is not a CSV file: ${binary}`);
        separator = detectSeparator(head.slice(0, head.search(/\r|\n|$/)));
        return separator;
      },
      skipEmptyLines: false,
      step: (results: ParseStepResult<string[]>, parser: Parser) => {
        if (problem) return stop(parser);
        const cells = results.data;
        const at = line;
        line += 1 + lineBreaksIn(cells, results.meta.linebreak || '\n');
        const quoteError = results.errors.find((e) => e.type === 'Quotes');
        if (quoteError) {
          return stop(parser, new DatasetError(`${file} line ${at}: ${QUOTE_PROBLEMS[quoteError.code] ?? shownText(quoteError.message)}`));
        }
        if (isBlank(cells)) return;
        if (opts.maxRows !== undefined && rows++ === opts.maxRows) {
          stopped = true;
          return stop(parser);
        }
        if (at === 1 && cells[0].startsWith('\ufeff')) cells[0] = cells[0].slice(1);
        try {
          onRow(cells, { line: at, separator, charsRead: results.meta.cursor, textChars: textBytes });
        } catch (e) {
          return stop(parser, e instanceof Error ? e : new Error(String(e)));
        }
      },
      complete: settle,
      error: (err: Error) => {
        problem ??= explain(err);
        settle();
      },
    });
  });
}
