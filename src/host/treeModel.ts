// The shape of the Runs tree as plain data: grouping, ordering, labels, icons and tooltips.
// No vscode import, so the rules are unit-tested directly; runsTree.ts turns nodes into TreeItems.
import { formatArgv, scriptNameOf } from '../core/commandRun';
import { describeLoss } from '../core/lossSpec';
import { isCommandConfig, type BuiltinRunConfig } from '../core/runConfig';
import type { RunRecord, RunStatus } from '../core/runFormat';
import { describeSweepGrid, describeSweepState } from '../core/sweepRuns';
import { sweepGroupId, sweepIdFromArg } from './sweepTree';
import type { BrokenRun } from '../store/runStore';

/** What the tree knows about a run that is training right now (from worker events). */
export interface LiveProgress {
  step: number;
  totalSteps?: number;
  epoch: number;
  lastValAcc?: number;
}

export interface RunNode {
  kind: 'run';
  id: string;
  record: RunRecord;
}

export interface GroupNode {
  kind: 'group';
  /** `sweep:<id>` or `experiment:<name>`: stable across refreshes, so expansion state survives. */
  id: string;
  label: string;
  runs: RunNode[];
}

/** A run folder whose run.json cannot be read; `runId` is what Reveal and Delete act on. */
export interface BrokenNode extends BrokenRun {
  kind: 'broken';
  /** The folder name, like a run node's id. */
  id: string;
}

export type TreeNode = RunNode | GroupNode | BrokenNode;

function createdTime(record: RunRecord): number {
  const t = Date.parse(record.createdAt);
  return Number.isNaN(t) ? 0 : t;
}

/** Newest first; ties (same millisecond, e.g. a seed sweep) broken by id so the order is stable. */
function newestFirst(a: RunRecord, b: RunRecord): number {
  return createdTime(b) - createdTime(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function groupKey(record: RunRecord): string | undefined {
  const { sweepId, experiment } = record.config;
  if (sweepId) return sweepGroupId(sweepId);
  if (experiment) return `experiment:${experiment}`;
  return undefined;
}

/** A sweep by its grid ("ε −1…2 × 3 seeds, digits"), after its experiment's name when it has one; an experiment by its name. */
function groupLabel(group: GroupNode): string {
  const { experiment } = group.runs[0].record.config;
  if (sweepIdFromArg(group) === undefined) return experiment ?? group.id;
  const grid = describeSweepGrid(group.runs.map((r) => r.record.config));
  return experiment ? `${experiment} · ${grid}` : grid;
}

/**
 * Top level of the tree: runs that belong to a sweep or experiment are gathered under one group
 * node, placed where its newest run would be; everything is newest first. Broken run folders come
 * last, by name: without a readable run.json they have no date or group.
 */
export function buildTree(records: readonly RunRecord[], broken: readonly BrokenRun[] = []): TreeNode[] {
  const sorted = [...records].sort(newestFirst);
  const top: TreeNode[] = [];
  const groups = new Map<string, GroupNode>();
  for (const record of sorted) {
    const node: RunNode = { kind: 'run', id: record.id, record };
    const key = groupKey(record);
    if (!key) {
      top.push(node);
      continue;
    }
    let group = groups.get(key);
    if (!group) {
      group = { kind: 'group', id: key, label: '', runs: [] };
      groups.set(key, group);
      top.push(group);
    }
    group.runs.push(node);
  }
  for (const group of groups.values()) group.label = groupLabel(group);
  const byName = [...broken].sort((x, y) => (x.runId < y.runId ? -1 : 1)); // folder names are unique
  for (const { runId, dir, reason } of byName) top.push({ kind: 'broken', id: runId, runId, dir, reason });
  return top;
}

/** Which nodes a tree shows and where: ids in order, group labels and members, broken reasons. */
function treeLayout(top: readonly TreeNode[]): string {
  return JSON.stringify(top.map((n) => {
    if (n.kind === 'group') return [n.id, n.label, n.runs.map((r) => r.id)];
    return n.kind === 'broken' ? [n.id, n.reason] : n.id;
  }));
}

/**
 * When `next` lays out the same nodes as `drawn`, moves its records into the drawn run nodes and
 * returns those whose record changed, so only their items are redrawn; undefined when the layout
 * differs. (VS Code forgets every element of a tree it redraws whole until it has fetched them
 * again, and a context-menu command chosen meanwhile gets no element.)
 */
export function carryRecords(drawn: readonly TreeNode[], next: readonly TreeNode[]): RunNode[] | undefined {
  if (treeLayout(drawn) !== treeLayout(next)) return undefined;
  const nextRuns = new Map(next.flatMap(runsOf).map((r) => [r.id, r.record]));
  const changed: RunNode[] = [];
  for (const node of drawn.flatMap(runsOf)) {
    const record = nextRuns.get(node.id)!;
    if (record === node.record) continue;
    node.record = record;
    changed.push(node);
  }
  return changed;
}

function runsOf(node: TreeNode): RunNode[] {
  if (node.kind === 'group') return node.runs;
  return node.kind === 'run' ? [node] : [];
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The number shown next to a run: test accuracy when known, else the latest validation accuracy. */
export function headlineMetric(record: RunRecord, live?: LiveProgress): string | undefined {
  const s = record.summary;
  if (s?.testAcc !== undefined) return `test ${percent(s.testAcc)}`;
  const val = live?.lastValAcc ?? s?.finalValAcc;
  return val !== undefined ? `val ${percent(val)}` : undefined;
}

/**
 * The grey text after a run's name, most telling first so a narrow view cuts the least useful
 * part: the result (or progress), the loss unless the name says it, then the data and the model
 * ("test 96.9% · Poly-1 ε=2 · mnist cnn").
 */
export function runDescription(record: RunRecord, live?: LiveProgress): string {
  const parts: string[] = [];
  if (record.status === 'running' && live) parts.push(`epoch ${Math.max(1, live.epoch)}${record.config.epochs ? `/${record.config.epochs}` : ''}`);
  else if (record.status === 'queued') parts.push(record.slurm ? 'waiting on Slurm' : 'queued');
  const metric = headlineMetric(record, live);
  if (metric) parts.push(metric);
  const loss = describeLoss(record.config.loss);
  if (!record.name.includes(loss)) parts.push(loss);
  parts.push(isCommandConfig(record.config) ? scriptNameOf(record.config.command) : `${record.config.dataset.name} ${record.config.model.type}`);
  return parts.join(' · ');
}

/**
 * "Sweep sweep-20260301-101500-abc12345" and its runs by status on a second line (sweeps are labelled by
 * their grid; the id stays findable); other groups: their label.
 */
export function groupTooltip(group: GroupNode): string {
  const sweepId = sweepIdFromArg(group);
  return sweepId ? `Sweep ${sweepId}\n${describeSweepState(group.runs.map((r) => r.record))}` : group.label;
}

export function groupDescription(group: GroupNode): string {
  const running = group.runs.filter((r) => r.record.status === 'running').length;
  const count = `${group.runs.length} run${group.runs.length === 1 ? '' : 's'}`;
  return running ? `${count}, ${running} running` : count;
}

/** Codicon id and theme color id per status; the color is undefined where the default fits. */
export function statusIcon(status: RunStatus): { icon: string; color?: string } {
  switch (status) {
    case 'queued': return { icon: 'watch' };
    case 'running': return { icon: 'loading~spin' };
    case 'completed': return { icon: 'pass', color: 'testing.iconPassed' };
    case 'failed': return { icon: 'error', color: 'testing.iconFailed' };
    case 'cancelled': return { icon: 'circle-slash', color: 'disabledForeground' };
    case 'diverged': return { icon: 'warning', color: 'list.warningForeground' };
    case 'interrupted': return { icon: 'warning', color: 'list.warningForeground' };
  }
}

/** `run.<status>`: menus use it in `when` clauses (e.g. Stop only on running or queued runs). */
export function runContextValue(status: RunStatus): string {
  return `run.${status}`;
}

/** The context value of a broken run folder: its menus offer Reveal and Delete only. */
export const BROKEN_RUN_CONTEXT = 'run.broken';
export const BROKEN_RUN_DESCRIPTION = 'broken';
export const BROKEN_RUN_ICON = { icon: 'warning', color: 'problemsWarningIcon.foreground' } as const;

const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~&]/g;

/** Escapes text so a run name like `**[x](command:…)**` renders literally in a MarkdownString. */
export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function fmtNumber(n: number | undefined, digits = 4): string | undefined {
  return n === undefined ? undefined : String(Number(n.toPrecision(digits)));
}

function datasetLabel(config: BuiltinRunConfig): string {
  const d = config.dataset;
  return d.path ? `${d.name} (${d.path})` : d.name;
}

function modelLabel(config: BuiltinRunConfig): string {
  const m = config.model;
  const layers = m.type === 'cnn' ? m.filters : m.hidden;
  return layers?.length ? `${m.type} [${layers.join(', ')}]` : m.type;
}

/** Markdown for the hover: every value that comes from a run file goes through escapeMarkdown. */
export function runTooltipMarkdown(record: RunRecord, live?: LiveProgress, slurm?: SlurmTaskState): string {
  const c = record.config;
  const trainer = record.trainer?.kind === 'command' ? record.trainer : undefined;
  const rows: [string, string | undefined][] = c.command !== undefined ? [
    ['Id', record.id],
    ['Status', record.status],
    ['Loss', describeLoss(c.loss)],
    ['Command', formatArgv(trainer?.argv ?? c.command.argv)],
    ['Folder', trainer?.cwd ?? c.command.cwd],
    ['Python', trainer?.interpreter && `${trainer.interpreter}${trainer.python ? ` (${trainer.python}${trainer.torch ? `, torch ${trainer.torch}` : ''})` : ''}`],
    ['Exit code', trainer?.exitCode === undefined ? undefined : String(trainer.exitCode ?? 'killed')],
    ['Seed', String(c.seed)],
    ['Created', record.createdAt],
  ] : [
    ['Id', record.id],
    ['Status', record.status],
    ['Loss', describeLoss(c.loss)],
    ['Dataset', datasetLabel(c)],
    ['Model', modelLabel(c)],
    ['Optimizer', `${c.optimizer.type}, lr ${c.optimizer.learningRate}`],
    ['Epochs · batch · seed', `${c.epochs} · ${c.batchSize} · ${c.seed}`],
    ['Backend', record.environment?.backend ?? c.backend],
    ['Created', record.createdAt],
  ];
  if (c.experiment) rows.push(['Experiment', c.experiment]);
  if (c.sweepId) rows.push(['Sweep', c.sweepId]);
  if (record.slurm) rows.push(['Slurm', slurmLine(record, slurm)]);
  const s = record.summary;
  if (record.status === 'running' && live) {
    rows.push(['Progress', live.totalSteps ? `step ${live.step}/${live.totalSteps}` : `step ${live.step}`]);
  }
  if (s) {
    rows.push(
      ['Test accuracy', s.testAcc === undefined ? undefined : percent(s.testAcc)],
      ['Best val accuracy', s.bestValAcc === undefined ? undefined : percent(s.bestValAcc)],
      ['Final train loss', fmtNumber(s.finalLoss)],
      ['Final val loss', fmtNumber(s.finalValLoss)],
      ['ECE', fmtNumber(s.ece, 3)],
      ['Diverged at step', s.divergedAtStep === undefined ? undefined : String(s.divergedAtStep)],
    );
  }
  if (record.error) rows.push(['Error', record.error]);
  const lines = [`**${escapeMarkdown(record.name)}**`, ''];
  for (const [key, value] of rows) {
    if (value !== undefined) lines.push(`- ${key}: ${escapeMarkdown(value)}`);
  }
  return lines.join('\n');
}

/** What Slurm said last about a run's task: its state and, while it waits, why. */
export interface SlurmTaskState {
  state: string;
  reason?: string;
  node?: string;
}

/** "job 4312_3 · PENDING (Priority)", "job 4312_3 · RUNNING on node7" */
export function slurmLine(record: RunRecord, said?: SlurmTaskState): string {
  const info = record.slurm!;
  const state = said?.state ?? info.state;
  const node = said?.node ?? info.node;
  return [`job ${info.jobId}_${info.taskId}`, state && `${state}${said?.reason ? ` (${said.reason})` : ''}`, node && `on ${node}`]
    .filter(Boolean).join(' · ').replace(' · on ', ' on ');
}

/** Markdown for the hover of a broken run folder: why it cannot be read, escaped like every value from a run file. */
export function brokenTooltipMarkdown(broken: BrokenRun): string {
  return [
    `**${escapeMarkdown(broken.runId)}**`,
    '',
    `- Cannot be read: ${escapeMarkdown(broken.reason)}`,
    `- Folder: ${escapeMarkdown(broken.dir)}`,
  ].join('\n');
}
