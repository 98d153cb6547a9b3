// Runs of the user's own command: the PyTorch example through `polyloss run`, then the endings a
// script can have (raised, stopped, exited without finish, never attached, garbage lines) and the
// inputs refused before any run folder exists. Real processes, real /usr/bin/python3 (with torch).
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withDefaults } from '../../src/core/config';
import type { CommandRunConfig } from '../../src/core/runConfig';
import type { RunRecord } from '../../src/core/runFormat';
import { interpreterSearchOf } from '../../src/cli/commandRuns';
import { startCommandRun } from '../../src/runner/startCommandRun';
import { readMetrics } from '../../src/store/runFiles';
import { listRuns, readRunDir } from '../../src/store/runStore';
import { build, cli, parseJson, ROOT, tempDir, tree, waitFor } from './reliabilityKit';
import { assertRunFolderMatchesFormat, isValidMetricLine } from './runFormatSchemas';

const PYTHON = '/usr/bin/python3';
const EXAMPLE = path.join(ROOT, 'examples', 'pytorch-digits', 'digits.polyloss.json');
const CLIENT_DIR = path.join(ROOT, 'python');

let work: string;
before(() => {
  build();
  work = tempDir('command-runs');
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** A script in the work folder; its runs go to their own runs folder. */
function script(name: string, body: string): string {
  fs.writeFileSync(path.join(work, name), body);
  return name;
}

function commandConfig(argv: string[], loss: CommandRunConfig['loss'] = { type: 'ce' }): CommandRunConfig {
  return withDefaults({ command: { argv, cwd: work }, loss, seed: 3 }) as CommandRunConfig;
}

/** Launches a command run straight through the runner (as the queue does), in a fresh runs folder. */
function launch(argv: string[], runsDir = tempDir('command-runs-dir')) {
  return startCommandRun({
    runsDir, config: commandConfig(argv), baseDir: work, clientDir: CLIENT_DIR,
    interpreter: interpreterSearchOf(PYTHON), killGraceMs: 5000, pollMs: 50,
  });
}

describe('the PyTorch example through polyloss run', () => {
  it('trains 2 entries × 2 seeds: complete run folders in the format, and polyloss report compares them', { timeout: 300_000 }, async () => {
    const runsDir = path.join(work, 'example-runs');
    const result = await cli(['run', EXAMPLE, '--python', PYTHON, '--runs-dir', runsDir, '--concurrency', '2'], work);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Python: \/usr\/bin\/python3 \(--python flag\)/);
    const { runs } = listRuns(runsDir);
    assert.deepEqual(runs.map((r) => [r.name, r.status]).sort(), [
      ['ce · seed 1', 'completed'], ['ce · seed 2', 'completed'], ['poly1 · seed 1', 'completed'], ['poly1 · seed 2', 'completed'],
    ]);
    for (const run of runs) {
      const dir = path.join(runsDir, run.id);
      const { lines } = assertRunFolderMatchesFormat(dir);
      const steps = lines.filter((l) => l.kind === 'step');
      const epochs = lines.filter((l) => l.kind === 'epoch');
      assert.equal(epochs.length, 10, `${run.id}: one epoch line per epoch`);
      assert.equal(steps.length, run.totalSteps, `${run.id}: one step line per planned step`);
      assert.ok(steps.every((l) => typeof l.loss === 'number' && Math.abs((l.base as number) + (l.poly as number) - (l.loss as number)) < 1e-5));
      assert.ok(steps.every((l) => l.lr === 0.003), 'an extra metric key is kept');
      assert.ok(epochs.every((l) => typeof (l.pt as { q50: number }).q50 === 'number'));
      if (run.config.loss.type === 'ce') assert.ok(steps.every((l) => l.poly === 0), 'CE has no polynomial part');
      else assert.ok(steps.some((l) => (l.poly as number) > 0), 'Poly-1 has one');
      const s = run.summary!;
      assert.equal(s.epochs, 10);
      assert.ok(s.testAcc! > 0.8 && s.testAcc! <= 1, `${run.id}: test acc ${s.testAcc}`);
      assert.equal(s.confusion?.length, 10);
      assert.deepEqual(run.trainer, {
        kind: 'command', argv: [PYTHON, 'train.py'], cwd: path.dirname(EXAMPLE), interpreter: PYTHON, interpreterSource: '--python flag',
        python: (run.trainer as { python: string }).python, torch: (run.trainer as { torch: string }).torch, exitCode: 0,
      });
      assert.match((run.trainer as { python: string }).python, /^3\.\d+/);
      assert.match((run.trainer as { torch: string }).torch, /^\d+\.\d+/);
      const output = fs.readFileSync(path.join(dir, 'output.log'), 'utf8');
      assert.match(output.split('\n')[0], /^# polyloss: \/usr\/bin\/python3 train\.py .*python: \/usr\/bin\/python3 \(--python flag\)$/);
      assert.match(output, /test accuracy 0\.\d+/, 'the script\'s own output');
    }
    const report = await cli(['report', ...runs.map((r) => r.id), '--runs-dir', runsDir, '--json'], work);
    assert.equal(report.code, 0, report.stderr);
    const { analysis } = parseJson<{ analysis: { groups: { label: string; n: number }[]; comparisons: { kind: string }[] } }>(report);
    assert.deepEqual(analysis.groups.map((g) => [g.label, g.n]).sort(), [['CE', 2], ['Poly-1 ε=1', 2]]);
    assert.equal(analysis.comparisons.length, 1, 'Poly-1 is compared with CE');
  });
});

describe('how a script run ends', () => {
  it('a script that raises ends failed with its error and exit code', async () => {
    const name = script('raises.py', [
      'import polyloss_lab',
      'run = polyloss_lab.init()',
      'run.log_step(1, loss=0.5)',
      'raise ValueError("the data folder is empty")',
    ].join('\n'));
    const record = await launch([PYTHON, name]).done;
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /^ValueError: the data folder is empty \(raises\.py:4\)/);
    assert.equal(record.trainer?.kind === 'command' && record.trainer.exitCode, 1);
    assert.equal(record.summary?.steps, 1);
  });

  it('a script stopped mid-run ends cancelled with the metrics it logged', async () => {
    const name = script('endless.py', [
      'import time, polyloss_lab',
      'run = polyloss_lab.init()',
      'step = 0',
      'while True:',
      '    step += 1',
      '    run.log_step(step, epoch=1, loss=1.0 / step, acc=0.5)',
      '    time.sleep(0.02)',
    ].join('\n'));
    const handle = launch([PYTHON, name]);
    const events: string[] = [];
    handle.onEvent((e) => events.push(e.type));
    await waitFor(() => readMetrics(handle.runDir).lines.length >= 5, 'five step lines');
    assert.equal(readRunDir(handle.runDir).status, 'running');
    handle.stop();
    const record = await handle.done;
    assert.equal(record.status, 'cancelled');
    const logged = readMetrics(handle.runDir).lines.length;
    assert.ok(logged >= 5 && record.summary!.steps === logged, `summary ${JSON.stringify(record.summary)} of ${logged} lines`);
    assert.deepEqual([events[0], events.includes('steps'), events.at(-1)], ['started', true, 'finished']);
    assertRunFolderMatchesFormat(handle.runDir);
  });

  it('exit 0 without finish() is completed with a summary from what was logged', async () => {
    const name = script('nofinish.py', [
      'import polyloss_lab',
      'run = polyloss_lab.init()',
      'for s in range(1, 5): run.log_step(s, epoch=1, loss=1.0 / s)',
      'run.log_epoch(1, val_acc=0.75, val_loss=0.4)',
      'run.log_epoch(2, val_acc=0.5, val_loss=0.6)',
    ].join('\n'));
    const record = await launch([PYTHON, name]).done;
    assert.equal(record.status, 'completed');
    assert.deepEqual(record.summary, { steps: 4, epochs: 2, finalLoss: 0.25, finalValLoss: 0.6, finalValAcc: 0.5, bestValAcc: 0.75 });
  });

  it('a script whose import fails says which interpreter lacks the module and how to choose another', async () => {
    const name = script('needs_module.py', 'import no_such_module_xyz\nimport polyloss_lab\n');
    const record = await launch(['python3', name]).done;
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /ModuleNotFoundError: No module named 'no_such_module_xyz'\n/);
    assert.ok((record.error ?? '').endsWith(`\n${PYTHON} (--python flag) cannot import no_such_module_xyz: install it there, `
      + 'or use a Python that has it: set --python PATH or POLYLOSS_PYTHON'), record.error);
  });

  it('a missing module of the user\'s own (a folder of that name beside the script) gets no advice about interpreters', async () => {
    fs.mkdirSync(path.join(work, 'helpers'), { recursive: true });
    const name = script('needs_helpers.py', 'import helpers.missing_part\n');
    const record = await launch(['python3', name]).done;
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /No module named 'helpers\.missing_part'/);
    assert.doesNotMatch(record.error ?? '', /cannot import/);
  });

  it('a script that never calls init() fails with a message that says so', async () => {
    const name = script('noinit.py', 'print("training without the client")\n');
    const handle = launch([PYTHON, name]);
    const record = await handle.done;
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /never called polyloss_lab\.init\(\)/);
    assert.match(fs.readFileSync(path.join(handle.runDir, 'output.log'), 'utf8'), /training without the client/);
  });

  it('garbage lines in metrics.jsonl are skipped and counted; the run still completes with the good lines', async () => {
    const name = script('garbage.py', [
      'import os, polyloss_lab',
      'run = polyloss_lab.init()',
      'run.log_step(1, loss=0.9)',
      'with open(os.path.join(run.dir, "metrics.jsonl"), "a") as f:',
      '    f.write("epoch 1 done\\n")',
      '    f.write(\'{"kind": "step", "step": "two"}\\n\')',
      '    f.write(\'{"kind": "step", "step": 3, "t": 5, "loss": "low"}\\n\')',
      'run.log_step(4, loss=0.5)',
      'run.finish()',
    ].join('\n'));
    const handle = launch([PYTHON, name]);
    const record = await handle.done;
    assert.equal(record.status, 'completed');
    const { lines, skipped } = readMetrics(handle.runDir);
    assert.deepEqual([lines.map((l) => l.step), skipped], [[1, 4], 3]);
    assert.ok(lines.every(isValidMetricLine));
  });
});

describe('refused before any run folder exists', () => {
  const experiment = (body: object): string => {
    const file = path.join(work, `bad-${Math.random().toString(16).slice(2)}.polyloss.json`);
    fs.writeFileSync(file, JSON.stringify({ training: { seeds: [1] }, runs: [{ name: 'ce', loss: { type: 'ce' } }], ...body }));
    return file;
  };
  const refused = async (args: string[], message: RegExp, env?: NodeJS.ProcessEnv): Promise<void> => {
    const runsDir = tempDir('refused');
    const result = await cli([...args, '--runs-dir', runsDir], work, env);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.deepEqual(tree(runsDir), [], 'no run folder');
  };

  it('a program that is not found', async () => {
    await refused(['run', experiment({ command: ['no-such-trainer-xyz', '--fast'] })], /command not found: no-such-trainer-xyz is not on PATH; nothing was started/);
  });
  it('a script file that is not there', async () => {
    await refused(['run', experiment({ command: ['python3', 'missing.py'] }), '--python', PYTHON], /script not found: missing\.py \(in .*\)/);
  });
  it('an interpreter that is missing: the flag, the environment variable, and none on PATH', async () => {
    script('ok.py', 'print(1)\n');
    const file = experiment({ command: ['python3', 'ok.py'] });
    await refused(['run', file, '--python', '/nowhere/python3'], /the --python flag names \/nowhere\/python3, which is not an executable file/);
    await refused(['run', file], /POLYLOSS_PYTHON environment variable names \/nowhere\/py/, { POLYLOSS_PYTHON: '/nowhere/py' });
    await refused(['run', file], /no Python interpreter found: neither python3 nor python is on PATH; set --python PATH or POLYLOSS_PYTHON/, { PATH: '/nonexistent' });
  });
  it('a cwd that is missing', async () => {
    await refused(['run', experiment({ command: ['python3', 'ok.py'], cwd: 'gone' })], /cwd: folder not found: .*gone/);
  });
  it('a sweep whose command is not closed, or that names built-in settings', async () => {
    await refused(['sweep', '--command', 'python3 "ok.py', '--epsilon', '1', '--seeds', '1'], /--command: the command has an unclosed " quote/);
    await refused(['sweep', '--command', 'python3 ok.py', '--dataset', 'iris', '--epsilon', '1', '--seeds', '1'], /--dataset is not used with --command/);
  });
});

describe('polyloss sweep --command', () => {
  it('sweeps a script over ε and seeds with the baseline, each run given its loss and seed', { timeout: 120_000 }, async () => {
    script('echo_loss.py', [
      'import polyloss_lab',
      'with polyloss_lab.init() as run:',
      '    eps = run.loss.get("epsilon", 0)',
      '    run.log_step(1, epoch=1, loss=1.0)',
      '    run.log_epoch(1, val_acc=0.5 + 0.1 * eps + 0.01 * run.seed)',
      '    run.finish(test_acc=0.5 + 0.1 * eps + 0.01 * run.seed)',
    ].join('\n'));
    const runsDir = tempDir('command-sweep');
    const result = await cli(['sweep', '--command', 'python3 echo_loss.py', '--epsilon', '1,2', '--seeds', '2', '--baseline', '--python', PYTHON,
      '--runs-dir', runsDir, '--json'], work);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /time unknown \(the time of your own script is not known beforehand\)/);
    const { runs } = listRuns(runsDir);
    const seen = runs.map((r: RunRecord) => [r.config.loss.type, r.config.loss.epsilon ?? 0, r.config.seed, r.status, r.summary?.testAcc]);
    assert.deepEqual(seen.sort(), [
      ['ce', 0, 1, 'completed', 0.51], ['ce', 0, 2, 'completed', 0.52],
      ['poly', 1, 1, 'completed', 0.61], ['poly', 1, 2, 'completed', 0.62],
      ['poly', 2, 1, 'completed', 0.71], ['poly', 2, 2, 'completed', 0.72],
    ].sort());
    assert.ok(runs.every((r) => r.config.sweepId && r.config.sweepId === runs[0].config.sweepId));
  });
});
