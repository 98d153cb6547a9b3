import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli as startCliIn, type CliResult } from './reliabilityKit';

/**
 * `polyloss tune` through the real CLI, worker and files: refusals that train nothing, a whole
 * search with its JSON answer checked against the run folders and the sweep file, `report` on the
 * tune's sweep id, and a tune stopped with Ctrl-C and resumed where it stopped.
 */

const ROOT = path.resolve(__dirname, '../..');
/** Tiny runs: 400 digits, 1 epoch, a small MLP. */
const TINY_DATA = ['--dataset', 'digits', '--max-samples', '400', '--hidden', '32', '--backend', 'wasm'];
const TINY = [...TINY_DATA, '--epochs', '1'];
/** ε −1, −0.5, 0.5, 1 and CE on 2 seeds: a first round of 10 runs. */
const SMALL_SEARCH = ['--epsilon', '-1:1', '--seeds', '2', '--budget', '16'];

let workDir: string;
let runsDir: string;

/** The CLI on this file's runs folder. */
const startCli = (args: string[]) => startCliIn([...args, '--runs-dir', runsDir], workDir, undefined, '');
const cli = (args: string[]) => startCli(args).result;

interface RunFile {
  status: string;
  config: { seed: number; sweepId?: string; loss: { type: string; epsilon?: number } };
}

function runFiles(sweepId?: string): RunFile[] {
  if (!fs.existsSync(runsDir)) return [];
  return fs.readdirSync(runsDir).flatMap((name) => {
    try {
      return [JSON.parse(fs.readFileSync(path.join(runsDir, name, 'run.json'), 'utf8')) as RunFile];
    } catch {
      return [];
    }
  }).filter((r) => sweepId === undefined || r.config.sweepId === sweepId);
}

const settingOf = (r: RunFile): string => (r.config.loss.type === 'ce' ? 'CE' : String(r.config.loss.epsilon));

interface TuneJson {
  sweepId: string;
  sweepFile: string;
  unit: string;
  best: { epsilon: number; difference: number; ci: { low: number; high: number } | null; pAdjusted: number | null; significant: boolean } | null;
  runs: number;
  budget: number;
  stoppedBecause: string;
  answer: string | null;
  rounds: { round: number; added: number[]; runs: { epsilon: number | null; seed: number }[]; look?: { dropped: { epsilon: number; reason: string }[] } }[];
}

function json(result: CliResult): TuneJson {
  try {
    return JSON.parse(result.stdout) as TuneJson;
  } catch {
    assert.fail(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

before(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-tune-'));
  runsDir = path.join(workDir, 'runs');
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('polyloss tune', () => {
  it('refuses a budget too small for one round, an empty ε range, ε below −1 without the flag and fewer than 2 seeds, training nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--budget', '10'], /--budget: a budget of 10 runs is too small for the first round, which takes 18 runs \(5 ε: -1, 1, 2, 3, 4, and CE, × 3 seeds\)/],
      [['--epsilon', '3:1'], /--epsilon: the ε range 3\.\.1 is empty/],
      [['--epsilon', '-2:1'], /--epsilon: the ε range starts at -2, below -1, .*no longer monotone.*--allow-non-monotone/],
      [['--epsilon', '1'], /--epsilon: the ε range is two numbers MIN:MAX/],
      [['--seeds', '1'], /--seeds: seeds must be a whole number ≥ 2: a paired comparison with CE needs at least 2 seeds \(got 1\)/],
    ];
    for (const [flags, message] of cases) {
      const result = await cli(['tune', ...TINY, ...flags]);
      assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.equal(runFiles().length, 0);
    assert.equal(fs.existsSync(path.join(runsDir, '.sweeps')), false, 'no sweep file was written');
  });

  let sweepId = '';
  it('searches in rounds within its budget and answers in JSON; the runs and the sweep file agree with the answer', async () => {
    const result = await cli(['tune', ...TINY, ...SMALL_SEARCH, '--allow-non-monotone', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const out = json(result);
    sweepId = out.sweepId;
    assert.ok(['significant', 'no-effect', 'budget'].includes(out.stoppedBecause), out.stoppedBecause);
    assert.equal(out.budget, 16);
    assert.equal(out.unit, 'pts');
    const runs = runFiles(sweepId);
    assert.equal(runs.length, out.runs, 'every planned run was trained once');
    assert.ok(out.runs <= 16, `${out.runs} runs within the budget`);
    assert.ok(runs.every((r) => r.status === 'completed'));
    assert.deepEqual(out.rounds[0].added, [-1, -0.5, 0.5, 1]);
    assert.equal(out.rounds[0].runs.length, 10);
    // The runs are the rounds' runs, each (setting, seed) once.
    const planned = out.rounds.flatMap((r) => r.runs.map((run) => `${run.epsilon === null ? 'CE' : run.epsilon}/${run.seed}`)).sort();
    assert.deepEqual(runs.map((r) => `${settingOf(r)}/${r.config.seed}`).sort(), planned);
    assert.ok(out.best && out.answer);
    assert.equal(typeof out.best.significant, 'boolean');
    if (out.best.ci) assert.ok(out.best.ci.low <= out.best.difference && out.best.difference <= out.best.ci.high);
    assert.match(result.stderr, /Round 1: training 10 runs/);
    assert.match(result.stderr, /After round 1: best so far ε = /);

    const saved = JSON.parse(fs.readFileSync(out.sweepFile, 'utf8')) as { spec: { seeds: number[] }; tune: { stoppedBecause: string; answer: string; rounds: unknown[] } };
    assert.equal(saved.tune.stoppedBecause, out.stoppedBecause);
    assert.equal(saved.tune.answer, out.answer);
    assert.equal(saved.tune.rounds.length, out.rounds.length);
  });

  it('prints the rounds and the one-sentence answer, and report works on the tune\'s sweep id', async () => {
    const result = await cli(['tune', ...TINY, ...SMALL_SEARCH]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Round 1: 10 runs, new ε −1, −0\.5, 0\.5, 1; 2 seeds so far$/m);
    assert.match(result.stdout, /^ {2}ε = −1 vs CE: [+-]\d+\.\d pts \[/m);
    assert.match(result.stdout, /\n(ε = −?[\d.]+ beats CE by \+\d+\.\d pts \[.*\], Holm p [=<] .*, \d+ runs|no ε beat CE .*)\.\n$/);

    const report = await cli(['report', sweepId, '--json']);
    assert.equal(report.code, 0, report.stderr);
    const analysis = (JSON.parse(report.stdout) as { analysis: { groups: { label: string }[] } }).analysis;
    assert.ok(analysis.groups.some((g) => g.label === 'CE'));
    assert.ok(analysis.groups.some((g) => g.label.includes('ε=-1')));
  });

  it('after Ctrl-C stops a tune midway, --resume continues the same search and trains only what it lacks', async () => {
    // Runs of about half a second: a warm worker trains TINY's in milliseconds, before any Ctrl-C lands.
    const first = startCli(['tune', ...TINY_DATA, '--epochs', '30', ...SMALL_SEARCH, '--concurrency', '1']);
    let stoppedId = '';
    for (let waited = 0; !stoppedId; waited += 100) {
      assert.ok(waited < 60_000, 'the tune finished a run within a minute');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const done = runFiles().find((r) => r.config.sweepId && r.config.sweepId !== sweepId && r.status === 'completed'
        && !fs.readFileSync(path.join(runsDir, '.sweeps', `${r.config.sweepId}.json`), 'utf8').includes('stoppedBecause'));
      if (done) stoppedId = done.config.sweepId!;
    }
    first.child.kill('SIGINT');
    const stopped = await first.result;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, new RegExp(`Stopped in round 1\\. To continue where it stopped: polyloss tune --resume ${stoppedId}`));
    const completedBefore = runFiles(stoppedId).filter((r) => r.status === 'completed').map((r) => `${settingOf(r)}/${r.config.seed}`);
    assert.ok(completedBefore.length >= 1 && completedBefore.length < 10, `stopped midway (${completedBefore.length} of 10)`);

    const resumed = await cli(['tune', '--resume', stoppedId, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const out = json(resumed);
    assert.equal(out.sweepId, stoppedId);
    assert.match(resumed.stderr, /\(resumed\): ε from −1 to 1, budget 16 runs/);
    assert.match(resumed.stderr, new RegExp(`Round 1: training ${10 - completedBefore.length} runs`));
    const completed = runFiles(stoppedId).filter((r) => r.status === 'completed').map((r) => `${settingOf(r)}/${r.config.seed}`);
    assert.equal(new Set(completed).size, completed.length, 'no setting and seed trained twice');
    assert.equal(completed.length, out.runs);
    assert.ok(completedBefore.every((k) => completed.includes(k)));
  });

  it('names what is wrong with a resume: settings given again, a plain sweep, or a tune given to sweep --resume', async () => {
    const withFlags = await cli(['tune', '--resume', sweepId, '--budget', '50']);
    assert.equal(withFlags.code, 2);
    assert.match(withFlags.stderr, /--resume uses the tune's saved settings; leave out --budget/);
    const viaSweep = await cli(['sweep', '--resume', sweepId]);
    assert.equal(viaSweep.code, 2);
    assert.match(viaSweep.stderr, new RegExp(`sweep ${sweepId} is a tune: resume it with polyloss tune --resume ${sweepId}`));
    const plain = await cli(['sweep', ...TINY, '--loss', 'ce', '--epsilon', '1', '--seeds', '1', '--yes', '--json']);
    const plainId = (JSON.parse(plain.stdout) as { sweepId: string }).sweepId;
    const notTune = await cli(['tune', '--resume', plainId]);
    assert.equal(notTune.code, 2);
    assert.match(notTune.stderr, new RegExp(`sweep ${plainId} is not a tune \\(it was made by polyloss sweep\\)`));
  });
});

describe('polyloss tune --command', () => {
  it('tunes your own script: each run gets its loss and seed, and the winner is the ε the script rewards', { timeout: 120_000 }, async () => {
    fs.writeFileSync(path.join(workDir, 'reward_minus_one.py'), [
      'import math, polyloss_lab',
      'with polyloss_lab.init() as run:',
      '    eps = run.loss.get("epsilon", 0) if run.loss.get("type") == "poly" else 0',
      '    acc = 0.6 + (0.05 if eps == -1 else -0.01 * abs(eps)) + 0.002 * math.sin(run.seed * 5 + eps)',
      '    run.log_epoch(1, val_acc=acc)',
      '    run.finish(test_acc=acc)',
    ].join('\n'));
    const result = await cli(['tune', '--command', 'python3 reward_minus_one.py', '--python', '/usr/bin/python3', '--epsilon', '-1:1', '--budget', '15', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const out = json(result);
    assert.equal(out.stoppedBecause, 'significant');
    assert.equal(out.best?.epsilon, -1);
    assert.ok(Math.abs(out.best!.difference - 5) < 1, `about +5 points (${out.best!.difference})`);
    const runs = runFiles(out.sweepId);
    assert.equal(runs.length, 15);
    assert.ok(runs.every((r) => r.status === 'completed'));
    const refused = await cli(['tune', '--command', 'python3 reward_minus_one.py', '--dataset', 'iris']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--dataset is not used with --command/);
  });
});
