import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli as startCliIn, type CliResult, readRunFiles } from './reliabilityKit';

/**
 * `polyloss sweep` and `polyloss report` through the real CLI, worker and files: a 12-run ε sweep on
 * digits, the report checked against the runs' own run.json files, and a sweep stopped with Ctrl-C
 * (SIGINT) and resumed.
 */

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'polyloss.js');
/** Tiny runs: 400 digits, 1 epoch, a small MLP. */
const TINY_DATA = ['--dataset', 'digits', '--max-samples', '400', '--hidden', '32', '--backend', 'wasm'];
const TINY = [...TINY_DATA, '--epochs', '1'];

let workDir: string;
let runsDir: string;

/** The CLI on this file's runs folder. */
const startCli = (args: string[]) => startCliIn([...args, '--runs-dir', runsDir], workDir, undefined, '');
const cli = (args: string[]) => startCli(args).result;

function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    assert.fail(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** run.json files read with plain fs + JSON.parse: the test's own view of the runs. */
interface RunFile {
  id: string;
  status: string;
  config: { seed: number; sweepId?: string; loss: { type: string; epsilon?: number } };
  summary?: { testAcc?: number };
}

const runFiles = (): RunFile[] => readRunFiles<RunFile>(runsDir);

const ofSweep = (sweepId: string) => runFiles().filter((r) => r.config.sweepId === sweepId);
const epsilonOf = (r: RunFile) => r.config.loss.epsilon ?? 1;

before(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-sweep-'));
  runsDir = path.join(workDir, 'runs');
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface SweepJson {
  sweepId: string;
  sweepFile: string;
  planned: number;
  ran: RunFile[];
  interrupted: string | null;
  exitCode: number;
  analysis: { groups: { label: string; n: number; seeds: number[]; mean: number | null; runIds: string[] }[] };
}

describe('polyloss sweep and report', () => {
  let sweepId = '';

  it('refuses a large sweep without --yes when there is no terminal to ask on, before training anything', async () => {
    const result = await cli(['sweep', ...TINY, '--epsilon', '0:2:0.1', '--seeds', '2']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /this sweep has 42 runs, more than 20, and there is no terminal to ask on: add --yes/);
    assert.deepEqual(runFiles(), []);
    assert.equal(fs.existsSync(path.join(runsDir, '.sweeps')), false);
  });

  it('trains ε ∈ {−1, 0, 1, 2} × 3 seeds: 12 runs of one sweep in 4 groups of 3 seeds, after an ETA', async () => {
    const result = await cli(['sweep', ...TINY, '--loss', 'ce', '--epsilon', '-1:2:1', '--seeds', '3', '--concurrency', '2', '--yes', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const out = json<SweepJson>(result);
    sweepId = out.sweepId;
    assert.match(sweepId, /^sweep-\d{8}-\d{6}-[0-9a-f]{8}$/);
    assert.match(result.stderr, /12 runs \(4 settings × 3 seeds\), 2 at a time; about \d+ (s|min|h)( \d+ min)? on this machine \(from a short calibration run: [\d,]+ samples\/s/);
    assert.equal(out.planned, 12);
    assert.equal(out.ran.length, 12);

    const runs = runFiles();
    assert.equal(runs.length, 12, 'no calibration run is left in the runs folder');
    assert.ok(runs.every((r) => r.config.sweepId === sweepId && r.status === 'completed'));
    const byEpsilon = new Map<number, number[]>();
    for (const r of runs) byEpsilon.set(epsilonOf(r), [...(byEpsilon.get(epsilonOf(r)) ?? []), r.config.seed]);
    assert.deepEqual([...byEpsilon.keys()].sort((a, b) => a - b), [-1, 0, 1, 2]);
    for (const seeds of byEpsilon.values()) assert.deepEqual(seeds.sort(), [1, 2, 3]);

    assert.deepEqual(out.analysis.groups.map((g) => [g.label, g.n, g.seeds]), [
      ['ε=-1', 3, [1, 2, 3]], ['ε=0', 3, [1, 2, 3]], ['ε=1', 3, [1, 2, 3]], ['ε=2', 3, [1, 2, 3]],
    ]);
    const saved = JSON.parse(fs.readFileSync(path.join(runsDir, '.sweeps', `${sweepId}.json`), 'utf8'));
    assert.equal(out.sweepFile, path.join(runsDir, '.sweeps', `${sweepId}.json`));
    assert.deepEqual(saved.spec, { seeds: 3, epsilon: [-1, 0, 1, 2] });
    assert.equal(saved.base.loss.type, 'ce');
  });

  it('writes report.md with the results table and SVG charts; its statistics match the runs\' run.json files', async () => {
    assert.ok(sweepId, 'needs the sweep of the previous test');
    const out = path.join(workDir, 'report');
    const result = await cli(['report', sweepId, '--out', out, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    for (const file of ['report.md', 'epsilon-response.svg', 'curves-train-loss.svg', 'curves-val-acc.svg', 'groups.json']) {
      assert.ok(fs.existsSync(path.join(out, file)), `${file} is written`);
    }
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    assert.match(md, new RegExp(`^# Sweep ${sweepId}\\n`));
    for (const svg of ['epsilon-response.svg', 'curves-train-loss.svg', 'curves-val-acc.svg']) assert.ok(md.includes(`](${svg})`), `report.md links ${svg}`);
    assert.match(md, /\| group +\| +n \| test acc mean ± std \(%\) \| +95% CI \|/);
    assert.ok(result.stdout.includes('| group '), 'the same table is printed');

    // Mean test accuracy per ε, from the run.json files, by this test's own arithmetic.
    const expected = new Map<number, number>();
    for (const eps of [-1, 0, 1, 2]) {
      const accs = ofSweep(sweepId).filter((r) => epsilonOf(r) === eps).map((r) => r.summary!.testAcc!);
      assert.equal(accs.length, 3);
      expected.set(eps, accs.reduce((a, b) => a + b, 0) / accs.length);
    }
    const groups = JSON.parse(fs.readFileSync(path.join(out, 'groups.json'), 'utf8')) as { metric: string; groups: { epsilon: number[]; mean: number; n: number; runIds: string[] }[] };
    assert.equal(groups.metric, 'test');
    assert.equal(groups.groups.length, 4);
    for (const group of groups.groups) {
      const eps = group.epsilon[0];
      assert.equal(group.n, 3);
      assert.ok(Math.abs(group.mean - expected.get(eps)!) < 1e-12, `ε=${eps}: ${group.mean} vs ${expected.get(eps)}`);
      const row = md.split('\n').find((line) => line.startsWith(`| ε=${eps} `));
      assert.ok(row, `report.md has a row for ε=${eps}`);
      assert.match(row, new RegExp(`\\|\\s+3 \\|\\s+${(expected.get(eps)! * 100).toFixed(2)} ± `));
    }

    const chart = fs.readFileSync(path.join(out, 'epsilon-response.svg'), 'utf8');
    assert.equal(chart.match(/<g class="point"/g)?.length, 4);
    const best = /<g class="best" data-series="0" data-epsilon="([^"]+)" data-significant="(true|false)">/.exec(chart);
    assert.ok(best, 'the best ε is marked');
    // Called best only when it beat the baseline (ε=0 here) after Holm, and then the highest mean of those
    // that did; otherwise the highest mean, marked not significant.
    const winners = groups.groups.filter((g) => (g as { verdictKind?: string }).verdictKind === 'better').map((g) => g.epsilon[0]);
    assert.equal(best[2], String(winners.length > 0));
    const pool = winners.length > 0 ? winners : [...expected.keys()];
    const top = Math.max(...pool.map((eps) => expected.get(eps)!));
    assert.ok(expected.get(Number(best[1]))! >= top - 1e-12, `best ε=${best[1]} has the highest mean of ${pool.join(', ')}`);
    assert.ok(chart.includes(winners.length > 0 ? `>best ε=${best[1]}<` : `>highest mean ε=${best[1]} (not significant)<`));
    // The difference panel: one mark per ε compared with ε=0.
    assert.equal(chart.match(/<g class="difference"/g)?.length, 3);
    // The headline opens the report, as it opens the printed summary.
    const opening = md.split('\n')[2];
    assert.match(opening, /^\*\*(No ε beat ε=0 \(equal to CE\) with 3 seeds( \(Holm-adjusted over \d comparisons\))?\.|ε=-?\d beat ε=0 \(equal to CE\) by [^*]+)\*\*/);
    // The terminal shows it as plain text (no Markdown bold, "p<0.001" not "p&lt;0.001").
    assert.ok(result.stdout.startsWith(opening.replace(/\*\*/g, '').replace(/&lt;/g, '<')), result.stdout.slice(0, 300));
  });

  it('prints the analysis as JSON, and names the groups when --baseline is not one of them', async () => {
    const printed = await cli(['report', sweepId, '--metric', 'best', '--baseline', 'ε=-1', '--json']);
    assert.equal(printed.code, 0, printed.stderr);
    type Comparison = { baselineKey: string; p: number | null; pAdjusted: number | null; kind: string; adjustedCi: { low: number; high: number } | null };
    const { analysis, files } = json<{ analysis: { metric: string; comparisons: Comparison[]; groups: { key: string; label: string }[] }; files: string[] }>(printed);
    assert.equal(analysis.metric, 'best');
    assert.deepEqual(files, []);
    const baselineKey = analysis.groups.find((g) => g.label === 'ε=-1')!.key;
    assert.equal(analysis.comparisons.length, 3);
    assert.ok(analysis.comparisons.every((c) => c.baselineKey === baselineKey));
    // The loss in full names the same group as the table's short label.
    const byLoss = json<{ analysis: { comparisons: Comparison[] } }>(await cli(['report', sweepId, '--metric', 'best', '--baseline', 'Poly-1 ε=−1', '--json']));
    assert.ok(byLoss.analysis.comparisons.every((c) => c.baselineKey === baselineKey));

    // Every tested comparison has its Holm-adjusted p next to p (Holm worked out here from the p values),
    // and the verdict and its interval follow the adjusted p.
    const tested = analysis.comparisons.filter((c) => c.p !== null);
    const sorted = [...tested].sort((a, b) => a.p! - b.p!);
    let running = 0;
    for (const [rank, c] of sorted.entries()) {
      running = Math.max(running, Math.min(1, c.p! * (sorted.length - rank)));
      assert.ok(Math.abs(c.pAdjusted! - running) < 1e-12, `pAdjusted ${c.pAdjusted} vs Holm ${running}`);
      const significant = c.pAdjusted! < 0.05;
      assert.equal(['better', 'worse'].includes(c.kind), significant, `kind ${c.kind} with pAdjusted ${c.pAdjusted}`);
      assert.equal(c.adjustedCi!.low > 0 || c.adjustedCi!.high < 0, significant);
    }
    for (const c of analysis.comparisons.filter((x) => x.p === null)) assert.equal(c.pAdjusted, null);
    // The headline and the sample-size hint come along, as the page shows them.
    const { headline, sampleSize } = JSON.parse(printed.stdout) as { headline: string; sampleSize: { seeds: number | null; text: string } | null };
    assert.match(headline, /^(No ε beat ε=-1 |ε=\d beat ε=-1 by |Too few seeds|No ε differed)/);
    if (sampleSize) assert.match(sampleSize.text, /^(About \d+ seeds?|More than [\d,]+ seeds) would detect a 0\.5-point difference/);
    const text = await cli(['report', sweepId, '--metric', 'best', '--baseline', 'ε=-1', '--out', path.join(workDir, 'r-best')]);
    assert.equal(text.code, 0, text.stderr);
    if (tested.length > 1) assert.ok(text.stdout.includes(`Holm–Bonferroni adjusted over the ${tested.length} comparisons with a baseline`), text.stdout);

    const wrong = await cli(['report', sweepId, '--baseline', 'CE', '--out', path.join(workDir, 'r2')]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--baseline must name one of the groups: 'ε=-1', 'ε=0', 'ε=1', 'ε=2' \(got 'CE'\)/);
  });

  it('asks on a terminal before starting a large sweep, and starts nothing when the answer is no', async () => {
    // `script` gives the CLI a real pseudo-terminal as stdin, as when a person types the command.
    const command = [process.execPath, BIN, 'sweep', ...TINY, '--epsilon', '0:2:0.1', '--seeds', '2', '--runs-dir', runsDir]
      .map((arg) => `'${arg}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: workDir, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      if (output.includes('Start 42 runs? [y/N]') && child.stdin.writable) child.stdin.end('n\n');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.match(output, /42 runs \(21 settings × 2 seeds\), 2 at a time; about \d+ (s|min|h)( \d+ min)? on this machine \(from speed of \d+ recent runs like these/);
    assert.match(output, /Nothing was started\./);
    assert.equal(code, 1, output);
    assert.equal(runFiles().length, 12, 'no run was created');
    assert.deepEqual(fs.readdirSync(path.join(runsDir, '.sweeps')), [`${sweepId}.json`]);
  });

  it('after Ctrl-C stops a sweep midway, --resume trains only the runs it lacks', async () => {
    // Runs of a few seconds each: a warm worker trains TINY's in milliseconds, before any Ctrl-C lands.
    const first = startCli(['sweep', ...TINY_DATA, '--epochs', '150', '--loss', 'ce', '--epsilon', '0,2', '--seeds', '2', '--concurrency', '1', '--yes']);
    let resumedId = '';
    for (let waited = 0; !resumedId; waited += 100) {
      assert.ok(waited < 60_000, 'the sweep finished a run within a minute');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const done = runFiles().find((r) => r.config.sweepId && r.config.sweepId !== sweepId && r.status === 'completed');
      if (done) resumedId = done.config.sweepId!;
    }
    first.child.kill('SIGINT');
    const stopped = await first.result;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.ok(stopped.stderr.includes(`polyloss sweep --resume ${resumedId}`), stopped.stderr);

    const before = ofSweep(resumedId);
    const completedBefore = before.filter((r) => r.status === 'completed');
    assert.equal(before.length, 4, 'every run of the sweep was created');
    assert.ok(completedBefore.length >= 1 && completedBefore.length < 4, `stopped midway (${completedBefore.length} of 4 completed)`);
    assert.ok(before.filter((r) => r.status !== 'completed').every((r) => r.status === 'cancelled'));

    const resumed = await cli(['sweep', '--resume', resumedId, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const out = json<SweepJson>(resumed);
    assert.match(resumed.stderr, new RegExp(`${completedBefore.length} of 4 runs are done or still running; ${4 - completedBefore.length} to train`));
    assert.equal(out.ran.length, 4 - completedBefore.length);
    const key = (r: RunFile) => `${epsilonOf(r)}/${r.config.seed}`;
    const doneKeys = new Set(completedBefore.map(key));
    assert.ok(out.ran.every((r) => !doneKeys.has(key(r)) && r.status === 'completed' && r.config.sweepId === resumedId));

    const completed = ofSweep(resumedId).filter((r) => r.status === 'completed');
    assert.deepEqual(completed.map(key).sort(), ['0/1', '0/2', '2/1', '2/2']);
    assert.deepEqual(out.analysis.groups.map((g) => [g.label, g.n]), [['ε=0', 2], ['ε=2', 2]]);

    const again = await cli(['sweep', '--resume', resumedId, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(json<SweepJson>(again).ran.length, 0);
    assert.equal(ofSweep(resumedId).length, before.length + out.ran.length, 'nothing more was trained');
  });

  it('names what is wrong with a resume: unknown sweep, or settings given again', async () => {
    const unknown = await cli(['sweep', '--resume', 'sweep-nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--resume: no saved sweep 'sweep-nope' \(looked for .*sweep-nope\.json\); recent sweeps: sweep-/);
    const withFlags = await cli(['sweep', '--resume', sweepId, '--epsilon', '1', '--epochs', '2']);
    assert.equal(withFlags.code, 2);
    assert.match(withFlags.stderr, /--resume uses the sweep's saved settings; leave out --epsilon, --epochs/);
  });
});
