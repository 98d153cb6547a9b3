import * as path from 'node:path';
import { csvLines } from '../../core/csv';
import type { MetricLine } from '../../core/runFormat';
import { readMetrics, writeFileAtomic } from '../../store/runFiles';
import { makeFolder, runDirOf } from '../../store/runStore';
import { UsageError } from '../args';
import { GLOBAL_FLAGS, writeJson, writeLine, writeOutput, type Command } from '../context';
import { noteSkipped, readRuns } from './compare';

type Row = { runId: string; line: MetricLine };

/** One CSV row per metrics.jsonl line; step and epoch lines share the table, unused cells stay empty. */
const CSV_COLUMNS: readonly { name: string; value: (row: Row) => string | number | undefined }[] = [
  { name: 'run_id', value: (r) => r.runId },
  { name: 'kind', value: (r) => r.line.kind },
  { name: 'step', value: (r) => r.line.step },
  { name: 'epoch', value: (r) => r.line.epoch },
  { name: 't_ms', value: (r) => r.line.t },
  { name: 'loss', value: (r) => (r.line.kind === 'step' ? r.line.loss : undefined) },
  { name: 'base', value: (r) => (r.line.kind === 'step' ? r.line.base : undefined) },
  { name: 'poly', value: (r) => (r.line.kind === 'step' ? r.line.poly : undefined) },
  { name: 'acc', value: (r) => (r.line.kind === 'step' ? r.line.acc : undefined) },
  { name: 'train_loss', value: (r) => (r.line.kind === 'epoch' ? r.line.trainLoss : undefined) },
  { name: 'val_loss', value: (r) => (r.line.kind === 'epoch' ? r.line.valLoss : undefined) },
  { name: 'val_acc', value: (r) => (r.line.kind === 'epoch' ? r.line.valAcc : undefined) },
  { name: 'pt_mean', value: (r) => (r.line.kind === 'epoch' ? r.line.pt?.mean : undefined) },
  { name: 'pt_q25', value: (r) => (r.line.kind === 'epoch' ? r.line.pt?.q25 : undefined) },
  { name: 'pt_q50', value: (r) => (r.line.kind === 'epoch' ? r.line.pt?.q50 : undefined) },
  { name: 'pt_q75', value: (r) => (r.line.kind === 'epoch' ? r.line.pt?.q75 : undefined) },
];

export function toCsv(rows: readonly Row[]): string {
  return csvLines([CSV_COLUMNS.map((c) => c.name), ...rows.map((row) => CSV_COLUMNS.map((c) => c.value(row)))]);
}

export const exportCommand: Command = {
  spec: {
    name: 'export',
    summary: 'Export the metric series (every step and epoch line) of one or more runs as CSV or JSON, to stdout or a file.',
    positionals: { name: 'ID…', min: 1, max: Infinity },
    flags: [
      { name: 'format', type: 'string', values: ['csv', 'json'], description: 'output format (default: csv; json with --json)' },
      { name: 'out', type: 'string', valueName: 'FILE', description: 'write to FILE instead of stdout' },
      ...GLOBAL_FLAGS,
    ],
    examples: ['polyloss export 3f9a --format csv --out metrics.csv', 'polyloss export 3f9a 7c21 --format json > runs.json'],
  },
  async run({ args, ctx, json, runsDir }) {
    const out = args.flags.out as string | undefined;
    const given = args.flags.format as 'csv' | 'json' | undefined;
    if (json && !out && given === 'csv') throw new UsageError('--json prints JSON on stdout; use --format json, or --out FILE to write CSV');
    const format = given ?? (json ? 'json' : 'csv');

    const runs = readRuns(runsDir, args.positionals, noteSkipped(ctx)).map((record) => {
      const { lines, skipped } = readMetrics(runDirOf(runsDir, record.id));
      if (skipped > 0) writeLine(ctx.stderr, `note: ${record.id}: ${skipped} unreadable line(s) in metrics.jsonl were skipped`);
      return { record, lines };
    });
    const rowCount = runs.reduce((n, r) => n + r.lines.length, 0);
    const content = format === 'csv'
      ? toCsv(runs.flatMap(({ record, lines }) => lines.map((line) => ({ runId: record.id, line }))))
      : JSON.stringify({
        runs: runs.map(({ record, lines }) => ({ id: record.id, name: record.name, status: record.status, config: record.config, summary: record.summary, metrics: lines })),
      }, null, 2) + '\n';

    if (!out) {
      ctx.stdout.write(content);
      return 0;
    }
    const file = path.resolve(ctx.cwd, out);
    writeOutput('--out', file, (target) => {
      makeFolder(path.dirname(target));
      writeFileAtomic(target, content);
    });
    if (json) writeJson(ctx, { out: file, format, runs: runs.map((r) => r.record.id), rows: rowCount });
    else writeLine(ctx.stdout, `Wrote ${rowCount} metric rows of ${runs.length} run(s) to ${file}`);
    return 0;
  },
};
