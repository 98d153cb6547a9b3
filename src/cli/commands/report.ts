import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeRuns, DEFAULT_LAST_K, SUMMARY_METRICS, type Analysis, type SummaryMetric } from '../../core/grouping';
import {
  groupCurves, groupStatistics, headline, plainText, groupsCsv, metricLabel, renderCurvesChart, renderEpsilonChart, renderHeadline, renderReport, renderResults,
  unitOf, type ReportChart, type SampleSizeHint,
} from '../../core/report';
import type { EpochMetric, RunRecord } from '../../core/runFormat';
import { readMetrics } from '../../store/runFiles';
import { listRuns, makeFolder, resolveRunId, runDirOf } from '../../store/runStore';
import { describeLoss } from '../../core/lossSpec';
import { UsageError, type FlagSpec } from '../args';
import { GLOBAL_FLAGS, reconcileBeforeReading, reconcileSlurmBeforeReading, writeJson, writeLine, writeOutput, type Command, type CliContext } from '../context';
import { noteSkipped, readRuns } from './compare';

const METRICS = Object.keys(SUMMARY_METRICS) as SummaryMetric[];
export const DEFAULT_METRIC: SummaryMetric = 'test';

export const METRIC_FLAG: FlagSpec = {
  name: 'metric', type: 'string', values: METRICS,
  description: `the one number per run that groups are compared on: ${METRICS.map((m) => `${m} = ${SUMMARY_METRICS[m].label}`).join(', ')} (default ${DEFAULT_METRIC})`,
};
export const K_FLAG: FlagSpec = {
  name: 'k', type: 'integer', min: 1, valueName: 'N', description: `lastK: how many of the last epochs to average (default ${DEFAULT_LAST_K})`,
};

export interface Selection {
  runs: RunRecord[];
  /** The sweep ids among the references. */
  sweepIds: string[];
}

/**
 * The runs that `refs` name: a sweep id stands for every run of that sweep, anything else is a run
 * id, prefix or suffix. Each run once, in the order given.
 */
export function selectRuns(runsDir: string, refs: readonly string[], ctx: CliContext): Selection {
  reconcileBeforeReading(runsDir, ctx);
  const all = listRuns(runsDir).runs;
  const chosen = new Map<string, RunRecord>();
  const sweepIds: string[] = [];
  const isSweep = (ref: string): boolean => all.some((r) => r.config.sweepId === ref);
  const named = refs.filter((ref) => !isSweep(ref));
  // Run ids never start with "sweep-" or "demo-": such a ref is a sweep none of these runs belongs to.
  const lostSweep = named.find((ref) => /^(sweep|demo)-/.test(ref));
  if (lostSweep) {
    const stamp = (id: string) => id.replace(/^[a-z]+-/, ''); // "sweep-20261207-…", "demo-20261207-…": by time
    const recent = [...new Set(all.map((r) => r.config.sweepId).filter((id): id is string => id !== undefined))]
      .sort((a, b) => stamp(a).localeCompare(stamp(b))).slice(-5);
    throw new UsageError(`no run of sweep '${lostSweep}' in ${runsDir}${recent.length ? `; recent sweeps: ${recent.join(', ')}` : ''}`);
  }
  const readable = new Map((named.length > 0 ? readRuns(runsDir, named, noteSkipped(ctx)) : []).map((r) => [r.id, r]));
  for (const ref of refs) {
    if (isSweep(ref)) sweepIds.push(ref);
    const runs = isSweep(ref) ? all.filter((r) => r.config.sweepId === ref) : [readable.get(resolveRunId(runsDir, ref))];
    for (const run of runs) if (run && !chosen.has(run.id)) chosen.set(run.id, run);
  }
  return { runs: [...chosen.values()], sweepIds };
}

/** Each run's epoch lines from metrics.jsonl, read once. */
export function epochReader(runsDir: string): (runId: string) => EpochMetric[] {
  const cache = new Map<string, EpochMetric[]>();
  return (runId) => {
    let epochs = cache.get(runId);
    if (!epochs) {
      epochs = readMetrics(runDirOf(runsDir, runId)).lines.filter((l): l is EpochMetric => l.kind === 'epoch');
      cache.set(runId, epochs);
    }
    return epochs;
  };
}

export interface AnalysisRequest {
  metric: SummaryMetric;
  k?: number;
  /** A group's label (as the results table shows it) or key to compare every group with. */
  baseline?: string;
}

export function analysisRequestOf(flags: Record<string, unknown>): AnalysisRequest {
  const metric = (flags.metric as SummaryMetric | undefined) ?? DEFAULT_METRIC;
  if (flags.k !== undefined && metric !== 'lastK') throw new UsageError(`--k applies only to --metric lastK (got --metric ${metric})`);
  return { metric, k: flags.k as number | undefined, baseline: typeof flags.baseline === 'string' ? flags.baseline : undefined };
}

const normalize = (text: string): string => text.replace(/\u2212/g, '-').replace(/\s+/g, ' ').trim().toLowerCase();

export function analyze(runs: readonly RunRecord[], epochsOf: (runId: string) => EpochMetric[], request: AnalysisRequest): Analysis {
  const options = { metric: request.metric, k: request.k, epochsOf: (run: RunRecord) => epochsOf(run.id) };
  const analysis = analyzeRuns(runs, options);
  if (request.baseline === undefined) return analysis;
  const wanted = normalize(request.baseline);
  // The table's label ("ε=0" among ε only, "Poly-1 ε=0" beside CE), else the loss in full when one group has it.
  const byLoss = analysis.groups.filter((g) => normalize(describeLoss(g.config.loss)) === wanted);
  const group = analysis.groups.find((g) => g.key === request.baseline || normalize(g.label) === wanted) ?? (byLoss.length === 1 ? byLoss[0] : undefined);
  if (!group) {
    throw new UsageError(`--baseline must name one of the groups: ${analysis.groups.map((g) => `'${g.label}'`).join(', ')} (got '${request.baseline}')`);
  }
  return analyzeRuns(runs, { ...options, baselineKey: group.key });
}

/** The analysis as `--json` prints it (report, demo): the headline, the sample-size hint and the analysis itself. */
export function analysisJson(analysis: Analysis): { headline: string; sampleSize: SampleSizeHint | null; analysis: Analysis } {
  const { text, hint } = headline(analysis);
  return { headline: text, sampleSize: hint, analysis };
}

/** The grouped results as the terminal shows them, as report.md does but without Markdown escapes: the headline, the table, its notes and the verdicts. */
export function resultsText(analysis: Analysis): string {
  return `${renderHeadline(analysis, plainText)}\n\n${renderResults(analysis, plainText)}`;
}

export type ExportFormat = 'json' | 'csv';

export interface WrittenReport {
  report: string;
  files: string[];
}

/** Writes report.md, its SVG charts and (with `format`) groups.json or groups.csv into `dir`. */
export function writeReport(
  dir: string, title: string, analysis: Analysis, runs: readonly RunRecord[], epochsOf: (runId: string) => EpochMetric[],
  opts: { format?: ExportFormat; command?: string } = {},
): WrittenReport {
  makeFolder(dir);
  const files: string[] = [];
  const write = (name: string, content: string): void => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    files.push(file);
  };
  const charts: ReportChart[] = [];
  const epsilonChart = renderEpsilonChart(analysis);
  if (epsilonChart) {
    write('epsilon-response.svg', epsilonChart);
    charts.push({ file: 'epsilon-response.svg', alt: `${metricLabel(analysis)} vs ε` });
  }
  const curveCharts = [
    { file: 'curves-train-loss.svg', field: 'trainLoss', title: 'Training loss per epoch (mean ± std over seeds)', yLabel: 'training loss',
      scale: { percent: false, higherIsBetter: false }, note: 'each run reports the loss it trains with: Poly-1 and CE values are not on one scale' },
    { file: 'curves-val-acc.svg', field: 'valAcc', title: 'Validation accuracy per epoch (mean ± std over seeds)', yLabel: `validation accuracy (${unitOf(SUMMARY_METRICS.final)})`,
      scale: SUMMARY_METRICS.final },
  ] as const;
  for (const chart of curveCharts) {
    const curves = groupCurves(analysis, epochsOf, chart.field);
    if (curves.length === 0) continue;
    write(chart.file, renderCurvesChart(curves, { title: chart.title, xLabel: 'epoch', yLabel: chart.yLabel, scale: chart.scale, note: 'note' in chart ? chart.note : undefined }));
    charts.push({ file: chart.file, alt: chart.title });
  }
  if (opts.format === 'json') write('groups.json', JSON.stringify(groupStatistics(analysis), null, 2) + '\n');
  if (opts.format === 'csv') write('groups.csv', groupsCsv(analysis));
  const report = path.join(dir, 'report.md');
  fs.writeFileSync(report, renderReport({ title, analysis, runs, charts, generatedAt: new Date().toISOString(), command: opts.command }));
  return { report, files: [report, ...files] };
}

/** The command line that makes this report again, for its footer. */
function commandLine(positionals: readonly string[], flags: Record<string, unknown>): string {
  const shown = Object.entries(flags).filter(([name]) => name !== 'json').map(([name, value]) => (value === true ? `--${name}` : `--${name} ${String(value)}`));
  return ['polyloss report', ...positionals, ...shown].join(' ');
}

export const reportCommand: Command = {
  spec: {
    name: 'report',
    summary: 'Write a Markdown report of runs grouped by config: mean ± std over seeds, confidence intervals, a t-test against the baseline '
      + 'with a plain-words verdict, the ε-response chart and mean ± std curves as SVG files next to report.md.',
    positionals: { name: 'SWEEP_ID|ID…', min: 1, max: Infinity },
    flags: [
      { name: 'out', type: 'string', valueName: 'DIR', description: 'folder for report.md and its charts (needed unless --json)' },
      METRIC_FLAG,
      K_FLAG,
      { name: 'baseline', type: 'string', valueName: 'GROUP', description: 'compare every group with this one (its label in the table, e.g. CE or "Poly-1 ε=0"); default: each group\'s own CE (or focal) baseline' },
      { name: 'format', type: 'string', values: ['json', 'csv'], description: 'also write the group statistics as groups.json or groups.csv' },
      ...GLOBAL_FLAGS,
    ],
    examples: [
      'polyloss report sweep-20261128-105300-3f9a1c --out reports/eps',
      'polyloss report 3f9a 7c21 0b5e 9d4f --metric best --baseline CE --out reports/ce-vs-poly --format csv',
      'polyloss report sweep-20261128-105300-3f9a1c --metric lastK --k 5 --json',
    ],
  },
  async run({ args, ctx, json, runsDir }) {
    const out = args.flags.out as string | undefined;
    const format = args.flags.format as ExportFormat | undefined;
    if (!out && !json) throw new UsageError('--out DIR is needed: the folder to write report.md and its charts into (or use --json to print the analysis)');
    if (!out && format) throw new UsageError(`--format ${format} writes groups.${format} next to report.md: give --out DIR too`);
    const request = analysisRequestOf(args.flags);
    await reconcileSlurmBeforeReading(runsDir, ctx);
    const { runs, sweepIds } = selectRuns(runsDir, args.positionals, ctx);
    const epochsOf = epochReader(runsDir);
    const analysis = analyze(runs, epochsOf, request);
    const title = sweepIds.length === 1 && runs.every((r) => r.config.sweepId === sweepIds[0]) ? `Sweep ${sweepIds[0]}` : `Report of ${runs.length} runs`;
    const written = out
      ? writeOutput('--out', path.resolve(ctx.cwd, out), (dir) => writeReport(dir, title, analysis, runs, epochsOf, { format, command: commandLine(args.positionals, args.flags) }))
      : undefined;
    if (json) {
      writeJson(ctx, { ...analysisJson(analysis), files: written?.files ?? [] });
      return 0;
    }
    writeLine(ctx.stdout, resultsText(analysis));
    if (written) writeLine(ctx.stdout, `\nWrote ${written.report} (${written.files.length - 1} more file${written.files.length === 2 ? '' : 's'} next to it)`);
    return 0;
  },
};
