// The Runs tree: runs grouped by sweep/experiment, status icons, live progress in the description,
// and checkboxes that choose the runs to compare (the shared RunSelection).
import * as vscode from 'vscode';
import type { LiveRuns } from './liveProgress';
import type { RunsIndex } from './runsModel';
import type { PersistentRunSelection } from './selection';
import { groupContextValue, sweepIdFromArg } from './sweepTree';
import {
  BROKEN_RUN_CONTEXT, BROKEN_RUN_DESCRIPTION, BROKEN_RUN_ICON, brokenTooltipMarkdown, buildTree, carryRecords, groupDescription, groupTooltip,
  runContextValue, runDescription, runTooltipMarkdown, statusIcon, type SlurmTaskState,
  type BrokenNode, type GroupNode, type RunNode, type TreeNode,
} from './treeModel';
import { COMMANDS } from './commandIds';

export const RUNS_VIEW_ID = 'polyloss.runs';
/** Live progress redraws at most this often (a step batch arrives many times a second). */
const LIVE_REDRAW_MS = 500;

export class RunsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The nodes last handed to VS Code: a refresh of one run must pass the same object. */
  private top: TreeNode[] | undefined;
  private runNodes = new Map<string, RunNode>();
  private groupOf = new Map<string, GroupNode>();
  /** What each group item showed when drawn (description and menus), to redraw only groups that change. */
  private readonly drawnGroups = new Map<string, string>();
  /** The ticks as last drawn, to redraw only the items whose tick changed. */
  private drawnSelection: ReadonlySet<string>;
  private liveRedraw: NodeJS.Timeout | undefined;
  private readonly liveDirty = new Set<string>();

  constructor(
    private readonly model: RunsIndex,
    private readonly selection: PersistentRunSelection,
    private readonly live: LiveRuns,
    /** What Slurm said last about a run's task (tooltips of runs on a cluster). */
    private readonly slurmStateOf?: (runId: string) => SlurmTaskState | undefined,
  ) {
    this.drawnSelection = new Set(selection.get());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Redraws what the model's change touches: single items while the tree keeps its layout, else all. */
  runsChanged(runIds: readonly string[] | undefined): void {
    const changed = runIds && this.top && carryRecords(this.top, buildTree(this.model.list(), this.model.broken()));
    if (!changed) return this.refresh();
    const nodes = new Set<TreeNode>(changed);
    for (const run of changed) {
      const group = this.groupOf.get(run.id);
      if (group && this.drawnGroups.get(group.id) !== groupLook(group)) nodes.add(group);
    }
    if (nodes.size) this.changed.fire([...nodes]);
  }

  /** Redraws the runs whose tick changed (and their groups), e.g. after the dashboard changed the selection. */
  selectionChanged(): void {
    const now = new Set(this.selection.get());
    const flipped = [...new Set([...now, ...this.drawnSelection])].filter((id) => now.has(id) !== this.drawnSelection.has(id));
    this.drawnSelection = now;
    const nodes = new Set<TreeNode>();
    for (const id of flipped) {
      const node = this.runNodes.get(id);
      if (node) nodes.add(node);
      const group = this.groupOf.get(id);
      if (group) nodes.add(group);
    }
    if (nodes.size) this.changed.fire([...nodes]);
  }

  /** Redraws the descriptions of runs whose live progress changed, throttled. */
  liveChanged(runId: string): void {
    this.liveDirty.add(runId);
    this.liveRedraw ??= setTimeout(() => {
      this.liveRedraw = undefined;
      for (const id of this.liveDirty) {
        const node = this.runNodes.get(id);
        if (node) this.changed.fire(node);
      }
      this.liveDirty.clear();
    }, LIVE_REDRAW_MS);
  }

  getChildren(element?: TreeNode): TreeNode[] {
    if (element) return element.kind === 'group' ? element.runs : [];
    const top = buildTree(this.model.list(), this.model.broken());
    this.top = top;
    this.runNodes = new Map();
    this.groupOf = new Map();
    this.drawnSelection = new Set(this.selection.get());
    for (const node of top) {
      if (node.kind === 'broken') continue;
      for (const run of node.kind === 'group' ? node.runs : [node]) {
        this.runNodes.set(run.id, run);
        if (node.kind === 'group') this.groupOf.set(run.id, node);
      }
    }
    return top;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': return this.groupItem(node);
      case 'run': return this.runItem(node);
      case 'broken': return brokenItem(node);
    }
  }

  private runItem(node: RunNode): vscode.TreeItem {
    const { record } = node;
    const live = this.live.get(node.id);
    const item = new vscode.TreeItem(record.name, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${node.id}`;
    item.description = runDescription(record, live);
    const icon = statusIcon(record.status);
    item.iconPath = new vscode.ThemeIcon(icon.icon, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    const tooltip = new vscode.MarkdownString(runTooltipMarkdown(record, live, this.slurmStateOf?.(node.id)));
    tooltip.isTrusted = false;
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    item.contextValue = runContextValue(record.status);
    item.checkboxState = this.selection.get().includes(node.id)
      ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
    item.accessibilityInformation = { label: `${record.name}, ${record.status}, ${item.description}` };
    item.command = { command: COMMANDS.openDashboard, title: 'Open', arguments: [[node.id]] };
    return item;
  }

  private groupItem(node: GroupNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.id;
    item.description = groupDescription(node);
    item.tooltip = groupTooltip(node);
    // Read out as shown (a string tooltip would otherwise be the row's label for screen readers).
    item.accessibilityInformation = { label: `${node.label}, ${item.description}` };
    item.iconPath = new vscode.ThemeIcon(sweepIdFromArg(node) !== undefined ? 'layers' : 'beaker');
    item.contextValue = groupContextValue(node);
    this.drawnGroups.set(node.id, groupLook(node));
    const selected = new Set(this.selection.get());
    item.checkboxState = node.runs.every((r) => selected.has(r.id))
      ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
    return item;
  }

  /** Ticks and unticks from the tree (a group's box ticks all its runs). */
  applyCheckboxes(changes: readonly (readonly [TreeNode, vscode.TreeItemCheckboxState])[]): void {
    const add: string[] = [];
    const remove: string[] = [];
    for (const [node, state] of changes) {
      if (node.kind === 'broken') continue; // has no box
      const ids = node.kind === 'group' ? node.runs.map((r) => r.id) : [node.id];
      (state === vscode.TreeItemCheckboxState.Checked ? add : remove).push(...ids);
    }
    const removed = new Set(remove);
    this.selection.set([...this.selection.get().filter((id) => !removed.has(id)), ...add.filter((id) => !removed.has(id))]);
  }

  dispose(): void {
    if (this.liveRedraw) clearTimeout(this.liveRedraw);
    this.changed.dispose();
  }
}

/** A folder that cannot be read as a run: a warning, the reason on hover, Reveal and Delete in its menu, no tick box. */
function brokenItem(node: BrokenNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.runId, vscode.TreeItemCollapsibleState.None);
  item.id = `broken:${node.runId}`;
  item.description = BROKEN_RUN_DESCRIPTION;
  item.iconPath = new vscode.ThemeIcon(BROKEN_RUN_ICON.icon, new vscode.ThemeColor(BROKEN_RUN_ICON.color));
  const tooltip = new vscode.MarkdownString(brokenTooltipMarkdown(node));
  tooltip.isTrusted = false;
  tooltip.supportHtml = false;
  item.tooltip = tooltip;
  item.contextValue = BROKEN_RUN_CONTEXT;
  item.accessibilityInformation = { label: `${node.runId}, broken: ${node.reason}` };
  return item;
}

/** The parts of a group item that its runs' records decide (its tooltip counts them by status). */
function groupLook(group: GroupNode): string {
  return `${groupDescription(group)}\n${groupContextValue(group)}\n${groupTooltip(group)}`;
}

/** Creates the tree view and keeps it in step with the model, the selection and live progress. */
export function createRunsTreeView(provider: RunsTreeProvider, model: RunsIndex, selection: PersistentRunSelection, onFirstShown: () => void): vscode.Disposable {
  const view = vscode.window.createTreeView(RUNS_VIEW_ID, {
    treeDataProvider: provider,
    canSelectMany: true,
    showCollapseAll: true,
    manageCheckboxStateManually: true,
  });
  // The runs folder is followed from the moment the view shows runs.
  if (view.visible) onFirstShown();
  const shown = view.onDidChangeVisibility((e) => { if (e.visible) onFirstShown(); });
  const updateBadge = (): void => {
    const running = model.list().filter((r) => r.status === 'running').length;
    view.badge = running ? { value: running, tooltip: `${running} run${running === 1 ? '' : 's'} training` } : undefined;
  };
  return vscode.Disposable.from(
    view,
    shown,
    view.onDidChangeCheckboxState((e) => provider.applyCheckboxes(e.items)),
    model.onDidChangeRuns((runIds) => {
      provider.runsChanged(runIds);
      updateBadge();
    }),
    selection.onDidChange(() => provider.selectionChanged()),
  );
}
