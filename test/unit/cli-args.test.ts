import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { formatHelp, parseArgs, UsageError } from '../../src/cli/args';
import { runCliCaptured } from './cliCapture';
import { trainCommand } from '../../src/cli/commands/train';
import { sweepCommand, sweepSpecOf } from '../../src/cli/commands/sweep';
import { buildTrainConfigs, overrideConfig } from '../../src/cli/trainConfig';

const spec = trainCommand.spec;

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, booleans and lists', () => {
    const { flags, positionals } = parseArgs(['--epochs', '5', '--lr=0.01', '--json', '--hidden', '128,64', '--dataset', 'iris'], spec);
    assert.deepEqual(flags, { epochs: 5, lr: 0.01, json: true, hidden: [128, 64], dataset: 'iris' });
    assert.deepEqual(positionals, []);
  });

  it('takes negative numbers as values: a Poly-1 ε or a Poly-N list', () => {
    assert.equal(parseArgs(['--epsilon', '-1'], spec).flags.epsilon, -1);
    assert.deepEqual(parseArgs(['--epsilon', '-1,0.5'], spec).flags.epsilon, [-1, 0.5]);
    assert.deepEqual(parseArgs(['--epsilon=[1, −0.5]'], spec).flags.epsilon, [1, -0.5]);
  });

  it('refuses unknown flags, naming the flag and the closest one', () => {
    usageError(() => parseArgs(['--epoch', '3'], spec), /unknown flag --epoch for 'polyloss train'; did you mean --epochs\?/);
    usageError(() => parseArgs(['--frobnicate'], spec), /^unknown flag --frobnicate for 'polyloss train' \(see polyloss train --help\)$/);
    usageError(() => parseArgs(['-x'], spec), /unknown option -x/);
  });

  it('refuses values outside the allowed ones, listing them', () => {
    usageError(() => parseArgs(['--loss', 'mse'], spec), /^--loss must be one of ce, poly, focal, poly-focal \(got 'mse'\)$/);
    usageError(() => parseArgs(['--backend', 'gpu'], spec), /--backend must be one of auto, wasm, cpu, node/);
    usageError(() => parseArgs(['--dataset', 'cifar'], spec), /--dataset must be one of digits, mnist, iris, wine, breast-cancer, csv, idx/);
    usageError(() => parseArgs(['--epochs', '2.5'], spec), /^--epochs must be an integer \(got '2.5'\)$/);
    usageError(() => parseArgs(['--lr', 'fast'], spec), /^--lr must be a number \(got 'fast'\)$/);
    usageError(() => parseArgs(['--hidden', '128,x'], spec), /--hidden must be a comma-separated list of integers/);
    usageError(() => parseArgs(['--epsilon', '1,,2'], spec), /^--epsilon: ε must be a number or a comma-separated list/);
    usageError(() => parseArgs(['--concurrency', '0'], spec), /^--concurrency must be ≥ 1 \(got 0\)$/);
    usageError(() => parseArgs(['--seeds', '1,-2'], spec), /--seeds values must be ≥ 0 \(got -2\)/);
  });

  it('refuses a missing value, a repeated flag, a value for a boolean and stray arguments', () => {
    usageError(() => parseArgs(['--lr'], spec), /^--lr needs a value \(RATE\)$/);
    usageError(() => parseArgs(['--loss', '--epochs', '3'], spec), /^--loss needs a value: one of ce, poly, focal, poly-focal$/);
    usageError(() => parseArgs(['--seed', '1', '--seed', '2'], spec), /--seed is given more than once/);
    usageError(() => parseArgs(['--json=yes'], spec), /--json takes no value/);
    usageError(() => parseArgs(['extra'], spec), /'polyloss train' takes no arguments \(got 'extra'\)/);
  });

  it('counts positionals and honours --', () => {
    const show = { name: 'show', summary: '', positionals: { name: 'ID', min: 1, max: 1 }, flags: [] };
    usageError(() => parseArgs([], show), /'polyloss show' needs ID/);
    usageError(() => parseArgs(['a', 'b'], show), /takes at most 1 ID \(got 'b' too\)/);
    assert.deepEqual(parseArgs(['--', '-weird-id'], show).positionals, ['-weird-id']);
    assert.equal(parseArgs(['-h'], show).flags.help, true, 'help wins over missing positionals');
  });

  it('prints help with every flag and its allowed values', () => {
    const help = formatHelp(spec);
    assert.match(help, /^Usage: polyloss train \[flags\]/);
    for (const flag of spec.flags) assert.ok(help.includes(`--${flag.name}`), `help lists --${flag.name}`);
    assert.match(help, /--loss ce\|poly\|focal\|poly-focal/);
  });
});

describe('buildTrainConfigs', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-args-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const build = (argv: string[]) => buildTrainConfigs(parseArgs(argv, spec).flags, dir);

  it('maps flags onto a full, validated run config', () => {
    const { configs, warnings } = build(['--dataset', 'iris', '--loss', 'poly', '--epsilon', '2', '--optimizer', 'sgd', '--lr', '0.05',
      '--momentum', '0.8', '--hidden', '32,16', '--batch-size', '16', '--epochs', '3', '--seed', '7', '--label-noise', '0.1', '--name', 'try']);
    assert.deepEqual(warnings, []);
    assert.equal(configs.length, 1);
    const c = configs[0];
    assert.equal(c.dataset?.name, 'iris');
    assert.equal(c.dataset?.labelNoise, 0.1);
    assert.deepEqual(c.loss, { type: 'poly', epsilon: 2 });
    assert.deepEqual(c.optimizer, { type: 'sgd', learningRate: 0.05, momentum: 0.8 });
    assert.deepEqual(c.model, { type: 'mlp', hidden: [32, 16] });
    assert.deepEqual([c.batchSize, c.epochs, c.seed, c.name], [16, 3, 7, 'try']);
  });

  it('--data without --dataset is the user\'s CSV, or IDX images with --labels; a missing file path names --data', () => {
    assert.equal(build(['--data', 'table.csv']).configs[0].dataset?.name, 'csv');
    const { name, path: images, labelsPath } = build(['--data', 'images-idx3-ubyte', '--labels', 'labels-idx1-ubyte']).configs[0].dataset ?? {};
    assert.deepEqual([name, images, labelsPath], ['idx', 'images-idx3-ubyte', 'labels-idx1-ubyte']);
    assert.equal(build(['--dataset', 'iris', '--data', 'table.csv']).configs[0].dataset?.name, 'iris', 'a dataset named stays');
    assert.throws(() => build(['--dataset', 'csv']), /^UsageError: dataset\.path is required for dataset "csv".* \(set with --data\)$/);
  });

  it('makes one config per seed', () => {
    const { configs } = build(['--loss', 'ce', '--seeds', '1,2,3', '--name', 'base']);
    assert.deepEqual(configs.map((c) => c.seed), [1, 2, 3]);
    assert.deepEqual(configs.map((c) => c.name), ['base, seed 1', 'base, seed 2', 'base, seed 3']);
    usageError(() => build(['--seed', '1', '--seeds', '2,3']), /--seed and --seeds cannot be used together/);
  });

  it('--seeds n means seeds 1…n as in sweep, and at most 100 seeds, as in experiment files', () => {
    assert.deepEqual(build(['--seeds', '3']).configs.map((c) => c.seed), [1, 2, 3]);
    assert.deepEqual(build(['--seeds', '0,0,5']).configs.map((c) => c.seed), [0, 5]);
    assert.equal(build(['--seeds', '100']).configs.length, 100);
    usageError(() => build(['--seeds', '101']), /^--seeds: at most 100 seeds per setting \(got 101\)/);
    usageError(() => build(['--seeds', Array.from({ length: 101 }, (_, i) => i).join(',')]), /at most 100 seeds per setting \(got 101\)/);
    usageError(() => build(['--seeds', '0']), /--seeds 0: one number is a count n of seeds \(seeds 1…n\) and must be ≥ 1/);
    assert.deepEqual(sweepSpecOf(parseArgs(['--seeds', '3'], sweepCommand.spec).flags).seeds, 3);
  });

  it('names the flag behind a validation error, and passes warnings on', () => {
    usageError(() => build(['--lr', '-1']), /^--lr: optimizer\.learningRate /);
    usageError(() => build(['--dataset', 'csv']), /dataset\.path is required for dataset "csv"/);
    const { warnings } = build(['--loss', 'poly', '--epsilon', '-2']);
    assert.ok(warnings.some((w) => w.startsWith('--epsilon: loss.epsilon') && /no longer monotone/.test(w)), warnings.join('\n'));
  });

  it('reads --config and lets flags override it, dropping fields of a replaced loss type', () => {
    const file = path.join(dir, 'run.json');
    fs.writeFileSync(file, JSON.stringify({ loss: { type: 'poly', epsilon: 2, labelSmoothing: 0.1 }, epochs: 4, dataset: { name: 'wine' } }));
    const same = build(['--config', 'run.json', '--epochs', '2']).configs[0];
    assert.deepEqual([same.loss, same.epochs, same.dataset?.name], [{ type: 'poly', epsilon: 2, labelSmoothing: 0.1 }, 2, 'wine']);
    const ce = build(['--config', file, '--loss', 'ce']);
    assert.deepEqual(ce.configs[0].loss, { type: 'ce', labelSmoothing: 0.1 });
    assert.deepEqual(ce.warnings, []);

    fs.writeFileSync(file, '{"epochs": 3,');
    usageError(() => build(['--config', file]), /--config: .*run\.json is not valid JSON/);
    usageError(() => build(['--config', 'missing.json']), /--config: cannot read missing\.json \(ENOENT\)/);
    fs.writeFileSync(file, JSON.stringify({ epochs: 0 }));
    usageError(() => build(['--config', file]), /run\.json: epochs must be an integer in \[1, 10000\] \(got 0\)/);
  });

  it('overrideConfig keeps the file fields the new kind still uses', () => {
    assert.deepEqual(
      overrideConfig({ dataset: { name: 'csv', path: 'a.csv', labelNoise: 0.2 }, seed: 3 }, { dataset: { name: 'digits' } }),
      { dataset: { name: 'digits', labelNoise: 0.2 }, seed: 3 },
    );
  });
});

describe('runCli usage errors', () => {
  async function run(argv: string[]) {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-cli-'));
    try {
      return await runCliCaptured(argv, runsDir);
    } finally {
      fs.rmSync(runsDir, { recursive: true, force: true });
    }
  }

  it('exits 2 with a message naming the problem', async () => {
    const unknown = await run(['trian']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command 'trian'; commands are train, .*list, show, compare, .*\(see polyloss --help\)/);

    const badValue = await run(['train', '--loss', 'mse']);
    assert.equal(badValue.code, 2);
    assert.match(badValue.err, /^polyloss: --loss must be one of ce, poly, focal, poly-focal \(got 'mse'\)/);

    for (const effect of ['-1', '150']) {
      const badEffect = await run(['tune', '--min-effect', effect]);
      assert.equal(badEffect.code, 2);
      assert.equal(badEffect.err, `polyloss: --min-effect: the minimum effect must be a number of points in [0, 100] for test acc (got ${effect})\n`,
        'the value as typed, in points');
    }

    const lostSweep = await run(['report', 'sweep-20990101-000000-deadbeef', '--json']);
    assert.equal(lostSweep.code, 2);
    assert.match(JSON.parse(lostSweep.out).error, /^no run of sweep 'sweep-20990101-000000-deadbeef' in /);

    const missing = await run(['show', 'nope', '--json']);
    assert.equal(missing.code, 2);
    assert.match(JSON.parse(missing.out).error, /no run matches 'nope'/);
  });

  it('prints per-command help and exits 0', async () => {
    const help = await run(['compare', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: polyloss compare ID… \[flags\]/);
  });
});
