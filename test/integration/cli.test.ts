import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli as startCliIn, type CliResult } from './reliabilityKit';
import type { MetricLine, RunRecord } from '../../src/core/runFormat';
import { readMetrics } from '../../src/store/runFiles';
import { listRuns, readRunDir } from '../../src/store/runStore';

const ROOT = path.resolve(__dirname, '../..');

/** Flags of a tiny run (iris trains in well under a second per epoch), with some replaced. */
function tiny(overrides: Record<string, string> = {}): string[] {
  const flags = { dataset: 'iris', hidden: '16', epochs: '2', 'batch-size': '16', backend: 'wasm', ...overrides };
  return Object.entries(flags).flatMap(([name, value]) => [`--${name}`, value]);
}
const TINY = tiny();

let workDir: string;
let runsDir: string;

/** The CLI on this file's runs folder; `stdin` is its input. */
function startCli(args: string[], opts: { stdin?: string } = {}) {
  return startCliIn([...args, '--runs-dir', runsDir], workDir, undefined, opts.stdin ?? '');
}

function cli(args: string[], opts: { stdin?: string } = {}): Promise<CliResult> {
  return startCli(args, opts).result;
}

function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    assert.fail(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

before(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-cli-'));
  runsDir = path.join(workDir, 'runs');
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('polyloss CLI', () => {
  let trained: RunRecord[] = [];

  it('trains two seeds and reports them as JSON; progress goes to stderr, one line per epoch', async () => {
    const result = await cli(['train', ...TINY, '--loss', 'poly', '--epsilon', '2', '--seeds', '1,2', '--concurrency', '2', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const out = parseJson<{ runs: RunRecord[]; exitCode: number }>(result);
    trained = out.runs;
    assert.deepEqual(trained.map((r) => [r.status, r.config.seed, r.config.loss.epsilon]), [['completed', 1, 2], ['completed', 2, 2]]);
    for (const run of trained) {
      assert.equal(readRunDir(path.join(runsDir, run.id)).status, 'completed');
      const epochLines = result.stderr.split('\n').filter((l) => l.startsWith(`[${run.id}]`) && / epoch \d\/2 /.test(l));
      assert.equal(epochLines.length, 2, result.stderr);
    }
  });

  it('trains again from a run folder\'s run.json given as --config; flags still override', async () => {
    const source = path.join(runsDir, trained[0].id, 'run.json');
    const result = await cli(['train', '--config', source, '--epochs', '1', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const [again] = parseJson<{ runs: RunRecord[] }>(result).runs;
    assert.equal(again.status, 'completed');
    assert.deepEqual(again.config.loss, trained[0].config.loss);
    assert.deepEqual(again.config.dataset, trained[0].config.dataset);
    assert.deepEqual([again.config.seed, again.config.epochs], [trained[0].config.seed, 1]);
    assert.notEqual(again.id, trained[0].id);
    // The tests below count the runs of the first test.
    fs.rmSync(path.join(runsDir, again.id), { recursive: true, force: true });
  });

  it('lists, shows and compares the runs, as text and as JSON', async () => {
    const [a, b] = trained;
    const list = await cli(['list', '--json']);
    assert.equal(list.code, 0);
    assert.deepEqual(parseJson<{ runs: RunRecord[] }>(list).runs.map((r) => r.id), [a.id, b.id].sort());
    const fromEnv = await startCliIn(['list', '--json'], workDir, { POLYLOSS_RUNS_DIR: runsDir }).result;
    assert.deepEqual(parseJson<{ runs: RunRecord[] }>(fromEnv).runs.map((r) => r.id), [a.id, b.id].sort(), 'without --runs-dir, $POLYLOSS_RUNS_DIR');
    const listText = await cli(['list']);
    assert.match(listText.stdout, new RegExp(`${a.id}\\s+completed\\s+Poly-1 ε=2, seed 1\\s+iris`));

    const show = parseJson<{ record: RunRecord; epochs: MetricLine[] }>(await cli(['show', a.id.slice(-4), '--json']));
    assert.equal(show.record.id, a.id);
    assert.deepEqual(show.epochs.map((e) => e.epoch), [1, 2]);
    const showText = await cli(['show', a.id]);
    assert.match(showText.stdout, /status:\s+completed/);
    assert.match(showText.stdout, /EPOCH\s+STEP\s+TRAIN LOSS/);

    const compare = parseJson<{ table: { columns: { label: string }[]; rows: { id: string; settings: string[]; testAcc: number }[] } }>(
      await cli(['compare', a.id, b.id, '--json']));
    assert.deepEqual(compare.table.columns.map((c) => c.label), ['seed']);
    assert.deepEqual(compare.table.rows.map((r) => [r.id, r.settings]), [[a.id, ['1']], [b.id, ['2']]]);
    assert.equal(compare.table.rows[0].testAcc, a.summary?.testAcc);
    const compareText = await cli(['compare', a.id, b.id]);
    assert.match(compareText.stdout, /^ID\s+SEED\s+STATUS\s+EPOCHS\s+FINAL LOSS\s+BEST VAL ACC\s+TEST ACC\s+ECE/);
    assert.match(compareText.stdout, /Same in all runs: loss poly · ε 2/);
  });

  it('exports metrics.jsonl as CSV (header + one row per line) and JSON', async () => {
    const [a, b] = trained;
    const csv = await cli(['export', a.id, b.id, '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const [header, ...rows] = csv.stdout.trimEnd().split('\n');
    const columns = header.split(',');
    assert.deepEqual(columns.slice(0, 9), ['run_id', 'kind', 'step', 'epoch', 't_ms', 'loss', 'base', 'poly', 'acc']);
    const expected = [a, b].flatMap((r) => readMetrics(path.join(runsDir, r.id)).lines.map((line) => ({ id: r.id, line })));
    assert.equal(rows.length, expected.length);
    rows.forEach((row, i) => {
      const cells = Object.fromEntries(row.split(',').map((cell, j) => [columns[j], cell]));
      const { id, line } = expected[i];
      assert.equal(cells.run_id, id);
      assert.equal(cells.kind, line.kind);
      assert.equal(Number(cells.step), line.step);
      if (line.kind === 'step') assert.equal(Number(cells.loss), line.loss);
      else assert.equal(Number(cells.val_acc), line.valAcc);
    });

    const out = path.join(workDir, 'export.json');
    const written = parseJson<{ rows: number }>(await cli(['export', a.id, '--format', 'json', '--out', out, '--json']));
    assert.equal(written.rows, readMetrics(path.join(runsDir, a.id)).lines.length);
    const exported = JSON.parse(fs.readFileSync(out, 'utf8')) as { runs: { id: string; metrics: MetricLine[] }[] };
    assert.deepEqual(exported.runs[0].metrics, readMetrics(path.join(runsDir, a.id)).lines);
  });

  it('computes losses from JSON on stdin: the POLYLOSS.md sanity values', async () => {
    const logits = [[2, 1, 0.1, -1, 0.5], [0.3, -0.2, 2.5, 0, -1.5], [-1, 0, 1, 2, 3], [0, 0, 0, 0, 0]];
    const labels = [0, 2, 1, 4];
    const ce = await cli(['loss'], { stdin: JSON.stringify({ logits, labels, loss: { type: 'ce' } }) });
    assert.equal(ce.code, 0, ce.stderr);
    const ceOut = parseJson<{ mean: number; perExample: number[] }>(ce);
    assert.ok(Math.abs(ceOut.mean - 1.472347) < 1e-6, `CE mean ${ceOut.mean}`);
    [0.582420, 0.245617, 3.451914, 1.609438].forEach((v, i) => assert.ok(Math.abs(ceOut.perExample[i] - v) < 1e-6));

    const poly = parseJson<{ mean: number; grad: number[][] }>(
      await cli(['loss', '--json'], { stdin: JSON.stringify({ logits, labels, loss: { type: 'poly', epsilon: 2 }, grad: true }) }));
    assert.ok(Math.abs(poly.mean - 2.686121) < 1e-6, `Poly-1 ε=2 mean ${poly.mean}`);
    [-0.934600, 0.435014, 0.176864, 0.058873, 0.263849].forEach((v, j) => assert.ok(Math.abs(poly.grad[0][j] - v) < 1e-6));

    const bad = await cli(['loss'], { stdin: '{"logits": [[1, 2]], ' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /stdin must hold one JSON object/);

    const huge = parseJson<{ mean: number }>(await cli(['loss'], { stdin: JSON.stringify({ logits: [[1e16, 1e16, 0]], labels: [1], loss: { type: 'ce' } }) }));
    assert.equal(huge.mean, Math.LN2);
    const overflow = await cli(['loss'], { stdin: JSON.stringify({ logits: [[1e308, -1e308]], labels: [1], loss: { type: 'ce' } }) });
    assert.equal(overflow.code, 1);
    assert.equal(overflow.stdout, '');
    assert.match(overflow.stderr, /polyloss: perExample\[0\] is Infinity in float64/);
  });

  it('demo: CE and Poly-1 ε = 1, 2 over 3 seeds on digits, then the comparison with its headline', async () => {
    const demoRuns = path.join(workDir, 'demo-runs');
    const result = await startCliIn(['demo', '--epochs', '3', '--runs-dir', demoRuns], workDir).result;
    assert.equal(result.code, 0, result.stderr);
    const runs = listRuns(demoRuns).runs;
    const grid = runs.map((r) => `${r.config.loss.type}${r.config.loss.epsilon ?? ''}/${r.config.seed}/${r.status}`).sort();
    assert.deepEqual(grid, ['ce/1/completed', 'ce/2/completed', 'ce/3/completed', 'poly1/1/completed', 'poly1/2/completed', 'poly1/3/completed',
      'poly2/1/completed', 'poly2/2/completed', 'poly2/3/completed']);
    // Three seeds give the paired differences a spread: each ε is tested against CE.
    assert.match(result.stdout, /^(No ε beat CE with 3 seeds|Poly-1 ε=[12] beat CE by )/m);
    for (const group of ['CE', 'Poly-1 ε=1', 'Poly-1 ε=2']) assert.match(result.stdout, new RegExp(`^\\| ${group} +\\| +3 \\|`, 'm'));
    assert.doesNotMatch(result.stdout, /insufficient data/);
    const asJson = await startCliIn(['demo', '--epochs', '3', '--json', '--runs-dir', path.join(workDir, 'demo-json')], workDir).result;
    const out = parseJson<{ runs: RunRecord[]; headline: string; analysis: { comparisons: unknown[] } }>(asJson);
    assert.equal(out.runs.length, 9);
    assert.ok(result.stdout.includes(out.headline), 'the same headline as the text, in the JSON');
    assert.equal(out.analysis.comparisons.length, 2, 'ε = 1 and ε = 2 against CE');
  });

  it('lists the bundled datasets', async () => {
    const result = parseJson<{ bundled: { name: string; classes: number }[] }>(await cli(['datasets', '--json']));
    assert.deepEqual(result.bundled.map((d) => d.name), ['digits', 'mnist', 'iris', 'wine', 'breast-cancer']);
    assert.equal(result.bundled.find((d) => d.name === 'iris')?.classes, 3);
  });

  it('refuses bad usage with exit 2 and a message naming the flag', async () => {
    const bad = await cli(['train', '--loss', 'hinge']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--loss must be one of ce, poly, focal, poly-focal \(got 'hinge'\)/);
    const badJson = await cli(['train', ...TINY, '--lr', '0', '--json']);
    assert.equal(badJson.code, 2);
    assert.match(parseJson<{ error: string }>(badJson).error, /^--lr: optimizer\.learningRate/);
    assert.equal(listRuns(runsDir).runs.length, 2, 'a refused command leaves no run behind');
  });

  it('stops gracefully on SIGINT: exit 130, the run kept as cancelled with its metrics', async () => {
    const run = startCli(['train', ...tiny({ epochs: '500', 'batch-size': '4', name: 'to-interrupt' })]);
    const deadline = Date.now() + 30_000;
    while (!/ epoch 1\/500 /.test(run.stderr())) {
      assert.ok(Date.now() < deadline && run.child.exitCode === null, `no epoch line within 30 s:\n${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    run.child.kill('SIGINT');
    const result = await run.result;
    assert.equal(result.code, 130, result.stderr);
    const record = listRuns(runsDir).runs.find((r) => r.name === 'to-interrupt');
    assert.ok(record);
    assert.equal(record.status, 'cancelled');
    assert.ok(record.summary && record.summary.epochs >= 1 && record.summary.epochs < 500);
    const { lines, skipped } = readMetrics(path.join(runsDir, record.id));
    assert.equal(skipped, 0);
    assert.ok(lines.filter((l) => l.kind === 'epoch').length >= 1);
    assert.equal(lines.filter((l) => l.kind === 'step').at(-1)?.step, record.summary.steps);
  });

  it('keeps runs of two CLI processes writing the same folder at once intact and distinct', async () => {
    const before = new Set(listRuns(runsDir).runs.map((r) => r.id));
    const [first, second] = await Promise.all([
      cli(['train', ...TINY, '--loss', 'ce', '--seed', '5', '--json']),
      cli(['train', ...TINY, '--loss', 'ce', '--seed', '5', '--json']),
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    const ids = [...parseJson<{ runs: RunRecord[] }>(first).runs, ...parseJson<{ runs: RunRecord[] }>(second).runs].map((r) => r.id);
    assert.equal(new Set(ids).size, 2);
    const { runs, broken } = listRuns(runsDir);
    assert.deepEqual(broken, []);
    const fresh = runs.filter((r) => !before.has(r.id));
    assert.deepEqual(fresh.map((r) => r.id).sort(), [...ids].sort());
    for (const r of fresh) {
      assert.equal(r.status, 'completed');
      const { lines, skipped } = readMetrics(path.join(runsDir, r.id));
      assert.equal(skipped, 0);
      const steps = lines.filter((l) => l.kind === 'step').map((l) => l.step);
      assert.deepEqual(steps, Array.from({ length: r.summary!.steps }, (_, i) => i + 1), 'each run has its own complete series');
    }
  });
});
