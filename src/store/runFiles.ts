import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLASS_RESULTS_FILE, type ClassResults } from '../core/classResults';
import { summarizeMetrics } from '../core/metricsSummary';
import { isMetricLine, type MetricLine, type RunRecord } from '../core/runFormat';

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

/** Reads metrics.jsonl, tolerating a truncated or corrupt line (skipped and counted). */
export function readMetrics(runDir: string): { lines: MetricLine[]; skipped: number } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, METRICS_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], skipped: 0 };
    throw e;
  }
  return parseMetricLines(text);
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
