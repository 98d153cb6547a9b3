import { diffConfigs } from '../configDiff';
import type { Analysis } from '../grouping';
import type { RunRecord } from '../runFormat';
import { escapeMarkdown } from './escape';
import { formatLevel, formatMetric, metricLabel, unitOf } from './format';
import { markdownTable, renderHeadline, renderResults } from './resultsTable';

/** report.md: results table and verdicts, charts, the configuration all runs share, and every run. */

export interface ReportChart {
  /** Path relative to report.md. */
  file: string;
  alt: string;
}

export interface ReportInput {
  title: string;
  analysis: Analysis;
  /** Every run the report was asked about, counted or not. */
  runs: readonly RunRecord[];
  charts: readonly ReportChart[];
  /** ISO time, shown so a committed report says when it was made. */
  generatedAt?: string;
  /** How to make the report again, e.g. the command line. */
  command?: string;
}

function metricDescription(analysis: Analysis): string {
  const info = analysis.metricInfo;
  return `${metricLabel(analysis)} (${info.higherIsBetter ? 'higher' : 'lower'} is better${info.percent ? ', in %' : ''})`;
}

/** Markdown link targets: relative file names with spaces and parentheses encoded. */
function linkTarget(file: string): string {
  return encodeURI(file).replace(/\(/g, '%28').replace(/\)/g, '%29');
}

function sharedConfiguration(runs: readonly RunRecord[]): string[] {
  if (runs.length === 0) return [];
  const diff = diffConfigs(runs.map((r) => r.config));
  const common = diff.common.filter((c) => c.value !== '');
  const lines = [
    markdownTable(
      [{ header: 'setting', rightAligned: false }, { header: 'value', rightAligned: false }],
      common.map((c) => [c.label, c.value]),
    ),
  ];
  if (diff.differences.length > 0) {
    lines.push('', `Varies between runs: ${diff.differences.map((d) => escapeMarkdown(d.label)).join(', ')}.`);
  }
  return lines;
}

function runsTable(analysis: Analysis, runs: readonly RunRecord[]): string {
  const scale = analysis.metricInfo;
  const byId = new Map(runs.map((r) => [r.id, r]));
  const rows: string[][] = [];
  for (const group of analysis.groups) {
    for (const id of group.runIds) {
      const run = byId.get(id);
      const seed = run?.config.seed;
      const value = seed === undefined ? undefined : group.values[group.seeds.indexOf(seed)];
      rows.push([group.label, seed === undefined ? '—' : String(seed), id, run?.status ?? '—', formatMetric(value, scale)]);
    }
    for (const skipped of group.skipped) {
      const run = byId.get(skipped.runId);
      rows.push([group.label, run ? String(run.config.seed) : '—', skipped.runId, run?.status ?? '—', `not counted: ${skipped.reason}`]);
    }
  }
  const unit = unitOf(scale);
  return markdownTable(
    [
      { header: 'group', rightAligned: false },
      { header: 'seed', rightAligned: true },
      { header: 'run', rightAligned: false },
      { header: 'status', rightAligned: false },
      { header: unit ? `${metricLabel(analysis)} (${unit})` : metricLabel(analysis), rightAligned: true },
    ],
    rows,
  );
}

export function renderReport(input: ReportInput): string {
  const { analysis, runs } = input;
  const counted = analysis.groups.reduce((sum, g) => sum + g.runIds.length, 0);
  const level = formatLevel(analysis.level);
  const lines: string[] = [
    `# ${escapeMarkdown(input.title)}`,
    '',
    renderHeadline(analysis, escapeMarkdown, true),
    '',
    `${runs.length} runs (${counted} counted) in ${analysis.groups.length} groups of runs that differ only in their seed. `
      + `Metric: ${escapeMarkdown(metricDescription(analysis))}. `
      + `Intervals are ${level} t intervals over seeds; each group is compared with its baseline by a paired t-test `
      + 'when they share at least 2 seeds (same seed: same data split and initialisation), Welch\'s test otherwise.',
    '',
    '## Results',
    '',
    renderResults(analysis),
  ];
  if (input.charts.length > 0) {
    lines.push('', '## Charts', '');
    for (const chart of input.charts) lines.push(`![${escapeMarkdown(chart.alt)}](${linkTarget(chart.file)})`, '');
    lines.pop();
  }
  const shared = sharedConfiguration(runs);
  if (shared.length > 0) lines.push('', '## Shared configuration', '', ...shared);
  lines.push('', '## Runs', '', runsTable(analysis, runs));
  const footer = [
    input.generatedAt ? `Generated ${escapeMarkdown(input.generatedAt)}` : '',
    input.command ? `with ${escapeMarkdown(input.command)}` : '',
  ].filter(Boolean).join(' ');
  if (footer) lines.push('', `${footer}.`);
  return lines.join('\n') + '\n';
}
