// The Runs tree provider with a stand-in for `vscode`: which items it redraws when a run changes.
import { strict as assert } from 'node:assert';
import Module from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import type { RunsTreeProvider as Provider } from '../../src/host/runsTree';
import type { TreeNode } from '../../src/host/treeModel';
import { makeRun } from '../webview/fixtures';

class FakeEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  readonly event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(e: T): void {
    this.listeners.forEach((l) => l(e));
  }
  dispose(): void {
    this.listeners = [];
  }
}

class TreeItem {
  [key: string]: unknown;
  constructor(readonly label: string, readonly collapsibleState: number) {}
}

const fakeVscode = {
  EventEmitter: FakeEmitter,
  TreeItem,
  ThemeIcon: class { constructor(readonly id: string, readonly color?: unknown) {} },
  ThemeColor: class { constructor(readonly id: string) {} },
  MarkdownString: class { constructor(readonly value: string) {} },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  TreeItemCheckboxState: { Unchecked: 0, Checked: 1 },
};

const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = loader._load;
let RunsTreeProvider: typeof Provider;

before(async () => {
  loader._load = function load(request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakeVscode : originalLoad.call(this, request, ...rest);
  };
  ({ RunsTreeProvider } = await import('../../src/host/runsTree'));
});

after(() => {
  loader._load = originalLoad;
});

const SWEEP = 'sweep-20261206-101500-abc123';
const sweepRun = (id: string, status: RunStatus, seed: number): RunRecord => makeRun(id, { status, config: { sweepId: SWEEP, seed, loss: { type: 'poly', epsilon: 1 } } });

describe('Runs tree redraws', () => {
  it('redraws a sweep group whose tooltip changed though its description and menus did not (a queued run cancelled while another trains)', () => {
    const records = new Map([['a', sweepRun('a', 'completed', 1)], ['b', sweepRun('b', 'queued', 2)], ['c', sweepRun('c', 'running', 3)]]);
    const model = { list: () => [...records.values()], broken: () => [] };
    const tree = new RunsTreeProvider(model as never, { get: () => [] } as never, { get: () => undefined } as never);
    const redrawn: (TreeNode[] | TreeNode | undefined)[] = [];
    tree.onDidChangeTreeData((nodes) => redrawn.push(nodes));
    const [group] = tree.getChildren();
    assert.equal(group.kind, 'group');
    const before = tree.getTreeItem(group);
    assert.match(String(before.tooltip), /queued/);

    records.set('b', { ...records.get('b')!, status: 'cancelled' });
    tree.runsChanged(['b']);
    const nodes = redrawn.at(-1) as TreeNode[];
    assert.ok(Array.isArray(nodes) && nodes.some((n) => n.kind === 'group'), 'the group is among the redrawn items');
    const after = tree.getTreeItem(nodes.find((n) => n.kind === 'group')!);
    assert.equal(after.description, before.description, 'the description alone would not have shown the change');
    assert.equal(after.contextValue, before.contextValue, 'nor the menus');
    assert.match(String(after.tooltip), /cancelled/);
    assert.doesNotMatch(String(after.tooltip), /queued/);
  });
});
