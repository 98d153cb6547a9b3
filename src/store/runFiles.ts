import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLASS_RESULTS_FILE, type ClassResults } from '../core/classResults';
import { HISTORY_STEP_LIMIT, HistoryBuilder } from '../core/downsample';
import { summarizeMetrics } from '../core/metricsSummary';
import { isMetricLine, type MetricLine, type RunRecord } from '../core/runFormat';
import type { MetricsCursor } from '../core/viewProtocol';

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
/** Fields the user edits (the display name); written only by renames, never by the worker. */
export const USER_FILE = 'user.json';

/** Writes a file so that readers see the old or the new content, never a half-written one. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

export function writeRunRecord(runDir: string, record: RunRecord): void {
  // `renamed` is what the store read from user.json, not part of run.json.
  const { renamed: _renamed, ...stored } = record;
  writeFileAtomic(path.join(runDir, RUN_FILE), JSON.stringify(stored, null, 2) + '\n');
}

/** Appends whole lines in one write, so a crash leaves at most one truncated last line. */
export function appendMetrics(runDir: string, lines: readonly MetricLine[]): void {
  if (lines.length === 0) return;
  fs.appendFileSync(path.join(runDir, METRICS_FILE), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** Bytes read at a time: a metrics.jsonl of any size is read without ever holding it as one string. */
const READ_CHUNK = 1 << 20;
/** Bytes per streamed chunk: parsing one takes about a millisecond, so the event loop keeps turning. */
const STREAM_CHUNK = 64 * 1024;

export interface ReadMetrics {
  lines: MetricLine[];
  /** Corrupt or truncated lines that were skipped. */
  skipped: number;
}

/**
 * Parses metrics.jsonl as it arrives in chunks of bytes. A chunk may end inside a line or inside a
 * multi-byte character: only whole lines are decoded, the rest waits for the next chunk.
 */
export class MetricsParser {
  readonly result: ReadMetrics = { lines: [], skipped: 0 };
  private rest = Buffer.alloc(0);

  /** With `onLines`, each chunk's lines go there as they are parsed instead of into `result.lines`. */
  constructor(private readonly onLines?: (lines: MetricLine[]) => void) {}

  push(chunk: Buffer): void {
    const bytes = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = bytes.lastIndexOf(0x0a) + 1;
    if (end > 0) this.add(bytes.toString('utf8', 0, end));
    this.rest = Buffer.from(bytes.subarray(end));
  }

  /** The last line, which may lack its line feed. */
  end(): ReadMetrics {
    if (this.rest.length) this.add(this.rest.toString('utf8'));
    this.rest = Buffer.alloc(0);
    return this.result;
  }

  private add(text: string): void {
    const parsed = parseMetricLines(text);
    if (this.onLines) this.onLines(parsed.lines);
    else for (const line of parsed.lines) this.result.lines.push(line);
    this.result.skipped += parsed.skipped;
  }
}

/** Reads metrics.jsonl, tolerating a truncated or corrupt line (skipped and counted); none when it does not exist. */
export function readMetrics(runDir: string): ReadMetrics {
  let fd: number;
  try {
    fd = fs.openSync(path.join(runDir, METRICS_FILE), 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], skipped: 0 };
    throw e;
  }
  const parser = new MetricsParser();
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    for (let read; (read = fs.readSync(fd, buffer, 0, READ_CHUNK, null)) > 0;) parser.push(buffer.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return parser.end();
}

/**
 * readMetrics without blocking: the file is streamed in small chunks, so the extension host keeps
 * answering while a run of a million lines is read. With `onLines` the lines of each chunk go
 * there and are not kept.
 */
export async function readMetricsStreamed(runDir: string, onLines?: (lines: MetricLine[]) => void): Promise<ReadMetrics> {
  const parser = new MetricsParser(onLines);
  try {
    for await (const chunk of fs.createReadStream(path.join(runDir, METRICS_FILE), { highWaterMark: STREAM_CHUNK })) {
      parser.push(chunk as Buffer);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return parser.end();
}

/** Parses metrics.jsonl text; a corrupt line (a crash mid-write) is skipped and counted. */
export function parseMetricLines(text: string): { lines: MetricLine[]; skipped: number } {
  const lines: MetricLine[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isMetricLine(parsed)) lines.push(parsed);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { lines, skipped };
}

/**
 * The record with a summary of what was logged, when it has none of its own (a run that failed or
 * was interrupted before writing one): the views then show the epochs done, not 0 of them.
 */
export function withLoggedSummary(runDir: string, record: RunRecord): RunRecord {
  if (record.summary) return record;
  const { lines } = readMetrics(runDir);
  return lines.length > 0 ? { ...record, summary: summarizeMetrics(lines) } : record;
}

/**
 * When the run last showed it was alive: the latest write to its metrics.jsonl or run.json (never
 * later than `now`). An interrupted run ended then, not when someone noticed.
 */
export function lastSignOfLife(runDir: string, now: Date): Date {
  let latest = 0;
  for (const file of [METRICS_FILE, RUN_FILE]) {
    try {
      latest = Math.max(latest, fs.statSync(path.join(runDir, file)).mtimeMs);
    } catch {
      // a missing file tells nothing
    }
  }
  return new Date(Math.min(latest || now.getTime(), now.getTime()));
}

/** Writes the per-class results of a run with many classes to its side file (atomically). */
export function writeClassResults(runDir: string, results: ClassResults): void {
  writeFileAtomic(path.join(runDir, CLASS_RESULTS_FILE), JSON.stringify(results) + '\n');
}

/**
 * The per-class results of a run whose summary names a side file (`summary.classResultsFile`);
 * undefined for runs that keep them in run.json, or whose side file is missing or unreadable.
 */
export function readClassResults(runDir: string, record: RunRecord): ClassResults | undefined {
  if (record.summary?.classResultsFile !== CLASS_RESULTS_FILE) return undefined;
  try {
    const value = JSON.parse(fs.readFileSync(path.join(runDir, CLASS_RESULTS_FILE), 'utf8')) as ClassResults;
    return Array.isArray(value?.perClassAcc) && Array.isArray(value.confusionCells) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run's metrics for a chart, streamed and built up chunk by chunk (see HistoryBuilder), so
 * neither the time of any one step nor the memory grows with the run's length.
 */
export async function readMetricsHistory(runDir: string, limit = HISTORY_STEP_LIMIT): Promise<{ lines: MetricLine[]; cursor: MetricsCursor }> {
  const history = new HistoryBuilder(limit);
  await readMetricsStreamed(runDir, (lines) => history.push(lines));
  return history.result();
}
