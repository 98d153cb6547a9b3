// One malformed run.json must not blank a view: the store checks every record when it reads it,
// lists the bad ones as "cannot be read" with the reason, and every view keeps the good ones.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import type { RunRecord } from '../../src/core/runFormat';
import { buildTree } from '../../src/host/treeModel';
import { RunsIndex } from '../../src/host/runsModel';
import { appendMetrics, writeRunRecord } from '../../src/store/runFiles';
import { createRun, listRuns } from '../../src/store/runStore';
import { runCliCaptured, type CapturedCli } from './cliCapture';

let runsDir: string;
beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-validation-'));
});
afterEach(() => {
  fs.rmSync(runsDir, { recursive: true, force: true });
});

/** A completed run of a sweep, with one epoch line, edited by `edit` as raw JSON. */
function run(runId: string, edit: (record: Record<string, unknown> & { config: Record<string, unknown> }) => void = () => {}): string {
  const { runDir, record } = createRun(runsDir, { ...structuredClone(DEFAULT_CONFIG), sweepId: 'sweep-x', seed: Number(runId.slice(-1)) || 1 }, { runId });
  const done: RunRecord = {
    ...record, status: 'completed', startedAt: record.createdAt, endedAt: record.createdAt,
    summary: { steps: 10, epochs: 1, finalLoss: 0.5, bestValAcc: 0.8, testAcc: 0.8 },
  };
  writeRunRecord(runDir, done);
  appendMetrics(runDir, [{ kind: 'epoch', epoch: 1, step: 10, t: 5, trainLoss: 0.6, valLoss: 0.5, valAcc: 0.8, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 } }]);
  const raw = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  edit(raw);
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(raw));
  return runId;
}

/** The three records of the reports, next to two good runs. */
function damagedFolder(): void {
  run('good-1');
  run('good-2');
  run('empty-dataset', (r) => { r.config.dataset = {}; });
  run('null-model', (r) => { r.config.model = null; });
  run('weird-loss', (r) => { r.config.loss = { type: 'weird' }; });
}

const EXPECTED_REASONS: Record<string, RegExp> = {
  'empty-dataset': /^run\.json is not a valid run record: config\.dataset\.name is required: one of "digits", /,
  'null-model': /^run\.json is not a valid run record: config\.model must be an object \(got null\)/,
  'weird-loss': /^run\.json is not a valid run record: config\.loss\.type must be one of "ce", "poly", "focal", "poly-focal" \(got "weird"\)/,
};

function cli(argv: string[]): Promise<CapturedCli> {
  return runCliCaptured(argv, runsDir);
}

describe('run records are checked when read', () => {
  it('the store lists the good runs and each malformed one with its reason', () => {
    damagedFolder();
    const { runs, broken } = listRuns(runsDir);
    assert.deepEqual(runs.map((r) => r.id).sort(), ['good-1', 'good-2']);
    assert.deepEqual(broken.map((b) => b.runId).sort(), Object.keys(EXPECTED_REASONS).sort());
    for (const b of broken) assert.match(b.reason, EXPECTED_REASONS[b.runId], b.runId);
  });

  it('accepts what valid writers write: a run of the user\'s command without dataset or model, unknown extra fields, NaN metrics as null', () => {
    run('command-run', (r) => {
      r.config = { command: { argv: ['python', 'train.py'], cwd: '/work' }, loss: { type: 'poly', epsilon: 1 }, seed: 3 };
      r.trainer = { kind: 'command', argv: ['python', 'train.py'], exitCode: 0 };
    });
    run('no-loss-command', (r) => { r.config = { command: { argv: ['/usr/bin/python3', '/x/fit.py'] } }; delete r.name; });
    run('nan-metrics', (r) => { (r.summary as Record<string, unknown>).finalValLoss = null; });
    const { runs, broken } = listRuns(runsDir);
    assert.deepEqual(broken, []);
    assert.deepEqual(runs.map((r) => r.id).sort(), ['command-run', 'nan-metrics', 'no-loss-command']);
    assert.equal(runs.find((r) => r.id === 'no-loss-command')?.name, 'fit.py');
  });

  it('refuses what a view would trip over elsewhere in the record, naming the field', () => {
    run('shape', (r) => { r.data = { numClasses: 3, train: 1, validation: 1, test: 1, inputShape: '4' }; });
    run('epochs', (r) => { (r.summary as Record<string, unknown>).epochs = 'many'; });
    run('argv', (r) => { r.config = { command: { argv: 'python train.py' } }; });
    const reasons = Object.fromEntries(listRuns(runsDir).broken.map((b) => [b.runId, b.reason]));
    assert.match(reasons.shape, /data\.inputShape must be a list of integers ≥ 0 \(got "4"\)/);
    assert.match(reasons.epochs, /summary\.epochs must be an integer ≥ 0 \(got "many"\)/);
    assert.match(reasons.argv, /config\.command\.argv must be a list of at least 1 strings \(got "python train\.py"\)/);
  });
});

describe('every view keeps serving the good runs', () => {
  it('polyloss list: the table of good runs, then the folders that cannot be read', async () => {
    damagedFolder();
    const { code, out } = await cli(['list']);
    assert.equal(code, 0);
    assert.match(out, /good-1\s+completed/);
    assert.match(out, /good-2\s+completed/);
    assert.match(out, /3 run folder\(s\) cannot be read:/);
    for (const [id, reason] of Object.entries(EXPECTED_REASONS)) {
      const line = out.split('\n').find((l) => l.trim().startsWith(`${id}:`));
      assert.ok(line, id);
      assert.match(line.trim().slice(id.length + 2), reason);
    }
  });

  it('polyloss show: a good run shows; a malformed one exits 1 with the reason', async () => {
    damagedFolder();
    assert.equal((await cli(['show', 'good-1'])).code, 0);
    const bad = await cli(['show', 'null-model']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /polyloss: run null-model cannot be read: run\.json is not a valid run record: config\.model must be an object/);
  });

  it('polyloss compare and export: the good runs named, the malformed ones left out with a note', async () => {
    damagedFolder();
    const compared = await cli(['compare', 'good-1', 'weird-loss', 'good-2']);
    assert.equal(compared.code, 0, compared.err);
    assert.match(compared.out, /good-1 .*completed/);
    assert.match(compared.out, /good-2 .*completed/);
    assert.match(compared.err, /note: left out: run weird-loss cannot be read: .*config\.loss\.type must be one of/);
    const exported = await cli(['export', 'empty-dataset', 'good-2']);
    assert.equal(exported.code, 0, exported.err);
    assert.deepEqual(exported.out.trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['good-2']);
    const none = await cli(['compare', 'weird-loss']);
    assert.equal(none.code, 1);
    assert.match(none.err, /run weird-loss cannot be read/);
  });

  it('polyloss report of a sweep with malformed runs analyses the good ones', async () => {
    damagedFolder();
    const result = await cli(['report', 'sweep-x', '--json']);
    assert.equal(result.code, 0, result.err);
    const { analysis } = JSON.parse(result.out) as { analysis: { groups: { runIds: string[] }[] } };
    assert.deepEqual(analysis.groups.flatMap((g) => g.runIds).sort(), ['good-1', 'good-2']);
  });

  it('the extension\'s runs model (Runs tree and dashboard table) holds the good runs and lists the others as broken', () => {
    damagedFolder();
    const model = new RunsIndex(runsDir, 0);
    assert.deepEqual(model.list().map((r) => r.id).sort(), ['good-1', 'good-2']);
    assert.deepEqual(model.broken().map((b) => b.runId).sort(), Object.keys(EXPECTED_REASONS).sort());
    const tree = buildTree(model.list(), model.broken());
    const brokenNodes = tree.filter((n) => n.kind === 'broken');
    assert.equal(brokenNodes.length, 3);
    assert.ok(tree.some((n) => n.kind !== 'broken'), 'the good runs are in the tree');
  });
});

/** The control characters in `text`, by code (tabs and line feeds are layout, not counted). */
function controlChars(text: string): number[] {
  return [...text].map((c) => c.codePointAt(0)!).filter((n) => (n < 0x20 && n !== 0x09 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f));
}

describe('terminal output drops control characters from names and messages', () => {
  const HOSTILE = 'evil\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\r\u009b1m';
  const CLEAN = 'evil]0;pwned[2J[31mred1m';

  it('list, show and compare print names without ESC, BEL, CR or C1 controls', async () => {
    run('hostile-1', (r) => { r.name = HOSTILE; r.error = `failed: ${HOSTILE}`; });
    for (const argv of [['list'], ['show', 'hostile-1'], ['compare', 'hostile-1']]) {
      const { code, out, err } = await cli(argv);
      assert.equal(code, 0, err);
      assert.deepEqual(controlChars(out + err), [], argv[0]);
    }
    assert.ok((await cli(['show', 'hostile-1'])).out.includes(`failed: ${CLEAN}`));
    assert.ok((await cli(['list'])).out.includes(CLEAN));
  });

  it('error messages too (a broken run\'s reason quotes its file), while --json keeps the text escaped, not lost', async () => {
    run('hostile-2', (r) => { r.status = HOSTILE; });
    const listed = await cli(['list']);
    assert.deepEqual(controlChars(listed.out), []);
    assert.match(listed.out, /hostile-2: .*got "evil/);
    const shown = await cli(['show', 'hostile-2']);
    assert.equal(shown.code, 1);
    assert.deepEqual(controlChars(shown.err), []);
    const json = JSON.parse((await cli(['list', '--json'])).out) as { broken: { reason: string }[] };
    assert.ok(json.broken[0].reason.includes('\\u001b'), 'the reason quotes the status JSON-escaped');
  });
});
