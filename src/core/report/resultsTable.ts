import type { Analysis, BaselineComparison, GroupSummary } from '../grouping';
import { formatEstimate, formatP, type VerdictKind } from '../stats';
import { escapeMarkdown, type TextEscape } from './escape';
import { CLIPPED_MARK, formatGroupInterval, formatLevel, formatMeanStd, metricLabel, unitOf } from './format';
import { headline } from './headline';

/**
 * The results table of an analysis: one row per group with its mean ± std over seeds, confidence
 * interval and comparison with its baseline. Rendered as a padded Markdown table, which reads well
 * both in report.md and on a terminal.
 */

const VERDICT_WORDS: Readonly<Record<VerdictKind, string>> = {
  better: 'better',
  worse: 'worse',
  'not-distinguishable': 'not distinguishable',
  'no-difference': 'no difference on any seed',
  insufficient: 'insufficient data',
};

export interface TableColumn {
  header: string;
  rightAligned: boolean;
}

export interface ResultsTable {
  columns: TableColumn[];
  /** Plain text cells (not escaped). */
  rows: string[][];
}

function withUnit(text: string, unit: string): string {
  return unit ? `${text} (${unit})` : text;
}

/** "0.021" or "<0.001" under a "p" header. */
function pCell(p: number | null): string {
  return p === null ? '—' : formatP(p).replace(/^p=?/, '');
}

/** "+1.27 [0.02, 2.52]": the difference with the interval the verdict uses, as the verdict prints it. */
function differenceCell(comparison: BaselineComparison | undefined, analysis: Analysis): string {
  if (!comparison || comparison.difference === null) return '—';
  const e = formatEstimate(comparison.difference, comparison.adjustedCi ?? comparison.ci, analysis.metricInfo);
  return e.interval ? `${e.value} ${e.interval}` : e.value;
}

/** The number of comparisons adjusted together (those with a test). */
export function familySize(analysis: Pick<Analysis, 'comparisons'>): number {
  return analysis.comparisons.filter((c) => c.pAdjusted !== null).length;
}

/** Which group intervals were cut at 0 % or 100 % (marked † in the table); '' when none was. */
export function clippingNote(analysis: Analysis): string {
  const clipped = analysis.groups.filter((g) => g.ciClipped);
  if (clipped.length === 0) return '';
  const at = (g: GroupSummary) => (g.ciClipped === 'both' ? '0 % and 100 %' : g.ciClipped === 'low' ? '0 %' : '100 %');
  return `${CLIPPED_MARK} Cut where the t interval of few seeds reached past what the metric can be: ${clipped.map((g) => `${g.label} at ${at(g)}`).join(', ')}.`;
}

/** The line that says how the verdicts were reached; '' when nothing was tested. */
export function adjustmentNote(analysis: Analysis): string {
  const m = familySize(analysis);
  const alpha = Number((1 - analysis.level).toPrecision(3));
  if (m === 0) return '';
  if (m === 1) return `One comparison with a baseline, so no adjustment: "better" or "worse" need p below ${alpha}, when the ${formatLevel(analysis.level)} interval of the difference excludes 0.`;
  return `p values are Holm–Bonferroni adjusted over the ${m} comparisons with a baseline ("Holm p"): "better" or "worse" need a Holm p below ${alpha}. `
    + `Each difference's interval is at the level Holm tested it at ("CI level", at least ${formatLevel(analysis.level)}), so it excludes 0 exactly when the verdict is better or worse.`;
}

function verdictCell(group: GroupSummary, comparison: BaselineComparison | undefined, baselineKeys: ReadonlySet<string>): string {
  if (comparison) return VERDICT_WORDS[comparison.kind];
  return baselineKeys.has(group.key) ? 'baseline' : '—';
}

export function resultsTable(analysis: Analysis): ResultsTable {
  const scale = analysis.metricInfo;
  const level = formatLevel(analysis.level);
  const columns: TableColumn[] = [
    { header: 'group', rightAligned: false },
    { header: 'n', rightAligned: true },
    { header: withUnit(`${metricLabel(analysis)} mean ± std`, unitOf(scale)), rightAligned: true },
    { header: `${level} CI`, rightAligned: true },
    { header: 'baseline', rightAligned: false },
    { header: withUnit('difference [CI]', unitOf(scale, true)), rightAligned: true },
    { header: 'CI level', rightAligned: true },
    { header: 'test', rightAligned: false },
    { header: 'p', rightAligned: true },
    { header: 'Holm p', rightAligned: true },
    { header: 'verdict', rightAligned: false },
  ];
  const byKey = new Map(analysis.groups.map((g) => [g.key, g]));
  const comparisons = new Map(analysis.comparisons.map((c) => [c.key, c]));
  const baselineKeys = new Set(analysis.comparisons.map((c) => c.baselineKey).filter((k): k is string => k !== null));
  const rows = analysis.groups.map((group) => {
    const comparison = comparisons.get(group.key);
    const baseline = comparison?.baselineKey ? byKey.get(comparison.baselineKey) : undefined;
    return [
      group.label,
      String(group.n),
      formatMeanStd(group.mean, group.std, scale),
      formatGroupInterval(group, scale),
      baseline?.label ?? '—',
      differenceCell(comparison, analysis),
      comparison?.adjustedLevel ? formatLevel(comparison.adjustedLevel) : '—',
      comparison?.test ?? '—',
      pCell(comparison?.p ?? null),
      pCell(comparison?.pAdjusted ?? null),
      verdictCell(group, comparison, baselineKeys),
    ];
  });
  return { columns, rows };
}

/** A Markdown table with cells escaped and padded to their column's width. */
export function markdownTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], escape: TextEscape = escapeMarkdown): string {
  const escaped = rows.map((row) => row.map(escape));
  const headers = columns.map((c) => escape(c.header));
  const widths = headers.map((h, i) => Math.max(3, h.length, ...escaped.map((r) => (r[i] ?? '').length)));
  const pad = (cell: string, i: number) => (columns[i].rightAligned ? cell.padStart(widths[i]) : cell.padEnd(widths[i]));
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (columns[i].rightAligned ? ` ${'-'.repeat(w - 1)}: ` : ` ${'-'.repeat(w)} `)).join('|')}|`;
  return [line(headers), rule, ...escaped.map(line)].join('\n');
}

/** The results table as Markdown. */
export function renderResultsTable(analysis: Analysis, escape: TextEscape = escapeMarkdown): string {
  const { columns, rows } = resultsTable(analysis);
  return markdownTable(columns, rows, escape);
}

/** One Markdown list item per comparison: the verdict sentence with its numbers. */
export function renderVerdicts(analysis: Analysis, escape: TextEscape = escapeMarkdown): string {
  return analysis.comparisons.map((c) => `- ${escape(c.verdict)}`).join('\n');
}

/** The lines under the results table: intervals cut at 0 % or 100 %, and how the verdicts were reached. */
export function resultsNotes(analysis: Analysis): string[] {
  return [clippingNote(analysis), adjustmentNote(analysis)].filter(Boolean);
}

/** The headline sentence (in Markdown bold with `bold`), then the sample-size hint. */
export function renderHeadline(analysis: Analysis, escape: TextEscape = escapeMarkdown, bold = false): string {
  const { text, hint } = headline(analysis);
  const sentence = bold ? `**${escape(text)}**` : escape(text);
  return hint ? `${sentence} ${escape(hint.text)}` : sentence;
}

/** The results as report.md (escapeMarkdown) and the terminal (plainText) show them: the table, the notes, the verdicts. */
export function renderResults(analysis: Analysis, escape: TextEscape = escapeMarkdown): string {
  return [renderResultsTable(analysis, escape), ...resultsNotes(analysis).map(escape), renderVerdicts(analysis, escape)].filter(Boolean).join('\n\n');
}
