import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type RunRecord, type RunStatus } from '../../src/core/runFormat';
import { runIdsFromArgs } from '../../src/host/commandArgs';
import {
  BROKEN_RUN_CONTEXT, BROKEN_RUN_DESCRIPTION, BROKEN_RUN_ICON, brokenTooltipMarkdown, buildTree, carryRecords, escapeMarkdown, groupDescription, groupTooltip,
  headlineMetric, runContextValue, runDescription, runTooltipMarkdown, statusIcon,
  type BrokenNode, type GroupNode, type TreeNode,
} from '../../src/host/treeModel';
import { createRun, listRuns } from '../../src/store/runStore';

function record(id: string, createdAt: string, opts: { status?: RunStatus; config?: Partial<BuiltinRunConfig>; name?: string } = {}): RunRecord {
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    id,
    name: opts.name ?? id,
    config: { ...structuredClone(DEFAULT_CONFIG), ...opts.config },
    status: opts.status ?? 'completed',
    createdAt,
  };
}

describe('Runs tree shape', () => {
  it('lists runs newest first', () => {
    const tree = buildTree([
      record('a', '2026-01-01T10:00:00Z'),
      record('c', '2026-01-03T10:00:00Z'),
      record('b', '2026-01-02T10:00:00Z'),
    ]);
    assert.deepEqual(tree.map((n) => n.id), ['c', 'b', 'a']);
  });

  it('gathers a sweep under one group placed at its newest run, runs inside newest first, labelled by its grid', () => {
    const sweepRun = (id: string, createdAt: string, epsilon: number, seed: number) =>
      record(id, createdAt, { status: id === 's1' ? 'running' : 'completed', config: { sweepId: 'sweep-20260102-000000-0a1b2c3d', loss: { type: 'poly', epsilon }, seed } });
    const tree = buildTree([
      record('solo-old', '2026-01-01T00:00:00Z'),
      sweepRun('s1', '2026-01-02T00:00:00Z', -1, 1),
      sweepRun('s2', '2026-01-04T00:00:00Z', 2, 2),
      sweepRun('s3', '2026-01-04T00:00:00Z', 0.5, 1),
      record('solo-mid', '2026-01-03T00:00:00Z'),
    ]);
    assert.deepEqual(tree.map((n) => n.id), ['sweep:sweep-20260102-000000-0a1b2c3d', 'solo-mid', 'solo-old']);
    const group = tree[0] as GroupNode;
    assert.equal(group.kind, 'group');
    assert.deepEqual(group.runs.map((r) => r.id), ['s3', 's2', 's1']);
    assert.equal(group.label, `ε −1…2 × 2 seeds, ${DEFAULT_CONFIG.dataset.name}`);
    assert.equal(groupTooltip(group), 'Sweep sweep-20260102-000000-0a1b2c3d\n3 runs: 2 completed, 1 running', 'the id stays in the tooltip');
  });

  it('groups experiment runs by experiment name, and a sweep of an experiment by its sweep', () => {
    const tree = buildTree([
      record('e1', '2026-01-01T00:00:00Z', { config: { experiment: 'cifar-eps' } }),
      record('e2', '2026-01-02T00:00:00Z', { config: { experiment: 'cifar-eps' } }),
      record('e3', '2026-01-03T00:00:00Z', { config: { experiment: 'cifar-eps', sweepId: 'x1' } }),
    ]);
    assert.deepEqual(tree.map((n) => n.id), ['sweep:x1', 'experiment:cifar-eps']);
    assert.equal((tree[0] as GroupNode).label, `cifar-eps · Poly-1 ε=1 × 1 seed, ${DEFAULT_CONFIG.dataset.name}`);
    assert.equal(groupTooltip(tree[1] as GroupNode), 'cifar-eps');
    assert.deepEqual((tree[1] as GroupNode).runs.map((r) => r.id), ['e2', 'e1']);
  });

  it('orders runs created in the same millisecond by id, so the order does not flicker', () => {
    const t = '2026-01-01T00:00:00Z';
    assert.deepEqual(buildTree([record('x-2', t), record('x-1', t), record('x-3', t)]).map((n) => n.id), ['x-3', 'x-2', 'x-1']);
  });

  it('carries changed records into the drawn nodes while the layout holds, and says when it does not', () => {
    const runs = [
      record('s1', '2026-01-02T00:00:00Z', { status: 'queued', config: { sweepId: 'eps' } }),
      record('s2', '2026-01-03T00:00:00Z', { status: 'running', config: { sweepId: 'eps' } }),
      record('solo', '2026-01-01T00:00:00Z'),
    ];
    const drawn = buildTree(runs);
    const [group, solo] = drawn as [GroupNode, TreeNode];
    const started = { ...runs[0], status: 'running' as const };
    const renamed = { ...runs[2], name: 'renamed' };
    const changed = carryRecords(drawn, buildTree([started, runs[1], renamed]));
    assert.deepEqual(changed?.map((n) => n.id), ['s1', 'solo'], 'only the runs whose record changed');
    assert.equal(group.runs[1].record, started, 'the drawn node holds the new record');
    assert.equal(groupDescription(group), '2 runs, 2 running');
    assert.equal(solo.kind === 'run' && solo.record.name, 'renamed');
    assert.deepEqual(carryRecords(drawn, buildTree([started, runs[1], renamed])), [], 'nothing new, nothing to redraw');

    const added = record('new', '2026-01-04T00:00:00Z');
    assert.equal(carryRecords(drawn, buildTree([started, runs[1], renamed, added])), undefined, 'a new run changes the layout');
    assert.equal(carryRecords(drawn, buildTree([started, runs[1]])), undefined, 'so does a deleted one');
    const broken = { runId: 'bad', dir: '/x/bad', reason: 'truncated' };
    const withBroken = buildTree([started, runs[1], renamed], [broken]);
    assert.equal(carryRecords(drawn, withBroken), undefined, 'and a broken folder');
    assert.equal(carryRecords(withBroken, buildTree([started, runs[1], renamed], [{ ...broken, reason: 'unknown schema' }])), undefined,
      'and a broken folder\'s new reason');
  });

  it('counts runs and running runs of a group', () => {
    const group: GroupNode = {
      kind: 'group', id: 'sweep:s', label: 's',
      runs: [record('a', 't', { status: 'running' }), record('b', 't'), record('c', 't', { status: 'running' })].map((r) => ({ kind: 'run', id: r.id, record: r })),
    };
    assert.equal(groupDescription(group), '3 runs, 2 running');
    assert.equal(groupDescription({ ...group, runs: group.runs.slice(1, 2) }), '1 run');
  });
});

describe('run descriptions', () => {
  const poly2 = { loss: { type: 'poly' as const, epsilon: 2 } };

  it('show the test accuracy of a finished run first, then the loss, the dataset and the model', () => {
    const r = { ...record('r', 't', { config: poly2, name: 'baseline try' }), summary: { steps: 10, epochs: 2, testAcc: 0.9123, finalValAcc: 0.5 } };
    assert.equal(runDescription(r), 'test 91.2% · Poly-1 ε=2 · digits mlp');
    const cnn = { ...r, config: { ...(r.config as BuiltinRunConfig), dataset: { name: 'mnist' as const }, model: { type: 'cnn' as const } } };
    assert.equal(runDescription(cnn), 'test 91.2% · Poly-1 ε=2 · mnist cnn', 'an MNIST CNN run reads apart from a digits MLP run');
  });

  it('leave the loss out when the name already says it', () => {
    const r = { ...record('r', 't', { config: poly2, name: 'Poly-1 ε=2, seed 1' }), summary: { steps: 10, epochs: 2, testAcc: 0.5 } };
    assert.equal(runDescription(r), 'test 50.0% · digits mlp');
  });

  it('fall back to the last validation accuracy, live while running', () => {
    const r = record('r', 't', { status: 'running', config: { ...poly2, epochs: 10 }, name: 'mine' });
    assert.equal(runDescription(r, { step: 40, epoch: 3, lastValAcc: 0.75 }), 'epoch 3/10 · val 75.0% · Poly-1 ε=2 · digits mlp');
    assert.equal(headlineMetric({ ...r, summary: { steps: 1, epochs: 1, finalValAcc: 0.25 } }), 'val 25.0%');
    assert.equal(headlineMetric(r), undefined);
  });

  it('say queued while waiting for a worker', () => {
    assert.equal(runDescription(record('r', 't', { status: 'queued', config: { loss: { type: 'ce' } }, name: 'q' })), 'queued · CE · digits mlp');
  });
});

describe('status icons and context values', () => {
  it('give every status an icon; finished states carry a theme color', () => {
    assert.deepEqual(statusIcon('running'), { icon: 'loading~spin' });
    assert.equal(statusIcon('completed').icon, 'pass');
    assert.equal(statusIcon('failed').icon, 'error');
    assert.equal(statusIcon('cancelled').icon, 'circle-slash');
    assert.equal(statusIcon('diverged').icon, 'warning');
    for (const s of ['completed', 'failed', 'cancelled', 'diverged', 'interrupted'] as const) assert.ok(statusIcon(s).color, s);
  });

  it('name the status in the context value used by menus', () => {
    assert.equal(runContextValue('running'), 'run.running');
    assert.equal(runContextValue('completed'), 'run.completed');
  });
});

describe('tooltips', () => {
  it('escape run names so that markdown and command links render literally', () => {
    const evil = '**bold** [click](command:polyloss.deleteRun) <img src=x>';
    const md = runTooltipMarkdown(record('r', '2026-01-01T00:00:00Z', { name: evil }));
    assert.ok(!md.includes('[click](command:'), md);
    assert.ok(md.includes(escapeMarkdown(evil)));
    assert.equal(escapeMarkdown('a*b_[c](d)'), 'a\\*b\\_\\[c\\]\\(d\\)');
  });

  it('show the config and the summary', () => {
    const r = { ...record('r', '2026-01-01T00:00:00Z', { config: { loss: { type: 'focal', gamma: 2 } } }), summary: { steps: 5, epochs: 1, testAcc: 0.8, ece: 0.0312 } };
    const md = runTooltipMarkdown(r);
    assert.match(md, /Loss: Focal γ=2/);
    assert.match(md, /Test accuracy: 80\\\.0%/);
    assert.match(md, /ECE: 0\\\.0312/);
    assert.match(md, /Dataset: digits/);
  });

  it('of a run on Slurm give its task, what Slurm last said and why it waits; its row says it waits on Slurm', () => {
    const slurm = { jobId: '4312', taskId: 7, script: '/s/array-1.sbatch', submittedAt: '2026-01-01T00:00:00Z' };
    const queued = { ...record('r', '2026-01-01T00:00:00Z', { status: 'queued', config: { loss: { type: 'ce' } } }), slurm };
    assert.equal(runDescription(queued), 'waiting on Slurm · CE · digits mlp');
    assert.match(runTooltipMarkdown(queued, undefined, { state: 'PENDING', reason: 'JobArrayTaskLimit' }), /^- Slurm: job 4312\\_7 · PENDING \\\(JobArrayTaskLimit\\\)$/m);
    assert.match(runTooltipMarkdown(queued), /^- Slurm: job 4312\\_7$/m, 'before Slurm was asked: the task only');
    const running = { ...queued, status: 'running' as const, slurm: { ...slurm, node: 'node7' } };
    assert.match(runTooltipMarkdown(running, undefined, { state: 'RUNNING', node: 'node7' }), /^- Slurm: job 4312\\_7 · RUNNING on node7$/m);
    const ended = { ...queued, status: 'interrupted' as const, slurm: { ...slurm, state: 'TIMEOUT' }, error: 'Slurm ended task 4312_7: TIMEOUT (time limit reached)' };
    assert.match(runTooltipMarkdown(ended), /^- Slurm: job 4312\\_7 · TIMEOUT$/m);
    assert.doesNotMatch(runTooltipMarkdown(record('local', '2026-01-01T00:00:00Z')), /Slurm/);
  });
});

describe('broken run folders', () => {
  it('come last, by folder name, each with the reason the store gave', () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-tree-broken-'));
    try {
      const good = createRun(runsDir, structuredClone(DEFAULT_CONFIG)).record;
      const newer = createRun(runsDir, structuredClone(DEFAULT_CONFIG));
      const runJson = path.join(newer.runDir, 'run.json');
      fs.writeFileSync(runJson, JSON.stringify({ ...JSON.parse(fs.readFileSync(runJson, 'utf8')), schemaVersion: RUN_SCHEMA_VERSION + 1 }));
      fs.mkdirSync(path.join(runsDir, 'b-no-record'));
      fs.mkdirSync(path.join(runsDir, 'a-bad-json'));
      fs.writeFileSync(path.join(runsDir, 'a-bad-json', 'run.json'), '{"status": ');

      const { runs, broken } = listRuns(runsDir);
      const tree = buildTree(runs, broken);
      assert.deepEqual(tree.map((n) => n.kind), ['run', 'broken', 'broken', 'broken']);
      assert.equal(tree[0].id, good.id);
      const nodes = tree.slice(1) as BrokenNode[];
      assert.deepEqual(nodes.map((n) => n.runId), ['a-bad-json', 'b-no-record', newer.runId].sort());
      const reason = (id: string) => nodes.find((n) => n.runId === id)?.reason ?? '';
      assert.match(reason('a-bad-json'), /^run\.json is not valid JSON/);
      assert.equal(reason('b-no-record'), 'run.json is missing');
      assert.match(reason(newer.runId), new RegExp(`schemaVersion ${RUN_SCHEMA_VERSION + 1}, newer than`));
      assert.equal(nodes.find((n) => n.runId === 'b-no-record')?.dir, path.join(runsDir, 'b-no-record'));
    } finally {
      fs.rmSync(runsDir, { recursive: true, force: true });
    }
  });

  it('are drawn as a warning saying broken, with a menu of their own', () => {
    assert.equal(BROKEN_RUN_DESCRIPTION, 'broken');
    assert.deepEqual(BROKEN_RUN_ICON, { icon: 'warning', color: 'problemsWarningIcon.foreground' });
    assert.equal(BROKEN_RUN_CONTEXT, 'run.broken');
    assert.ok(!(['queued', 'running', 'completed', 'failed', 'cancelled', 'diverged', 'interrupted'] as const)
      .some((s) => runContextValue(s) === BROKEN_RUN_CONTEXT), 'no run status shares it');
  });

  it('show the reason on hover, escaped, and hand their folder name to the commands', () => {
    const node: BrokenNode = { kind: 'broken', id: 'r_1', runId: 'r_1', dir: '/runs/r_1', reason: 'run.json has an unknown status "[x](command:polyloss.deleteRun)"' };
    const md = brokenTooltipMarkdown(node);
    assert.ok(!md.includes('[x](command:'), md);
    assert.ok(md.includes(escapeMarkdown(node.reason)));
    assert.ok(md.startsWith(`**${escapeMarkdown('r_1')}**`));
    assert.ok(md.includes(escapeMarkdown('/runs/r_1')));
    assert.deepEqual(runIdsFromArgs(node, [node]), ['r_1']);
  });
});
