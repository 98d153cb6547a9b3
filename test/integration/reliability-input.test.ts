/**
 * Reliability: bad input everywhere a user types or points, through the real CLI process. Every case
 * must exit with 2, say which field or flag is wrong and what it accepts, and write nothing: each case
 * gets its own runs folder, which must not even be created.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { resolveRunConfig } from '../../src/core/validate';
import { PreflightError, preflightConfigs } from '../../src/training/preflight';
import { build, cli, parseJson, tempDir, tiny } from './reliabilityKit';

let workDir: string;
let outsideDir: string;

/** Files the cases point at, written into the work folder (the CLI's current folder). */
const FILES: Record<string, string | Buffer> = {
  'ragged.csv': 'a,b,label\n1,2,x\n3,4\n5,6,y\n',
  'text-cell.csv': 'a,b,label\n1,2,x\n3,four,y\n5,6,x\n',
  'empty-cell.csv': 'a,b,label\n1,2,x\n3,,y\n5,6,x\n',
  'negative-label.csv': 'a,b,label\n1,2,0\n3,4,-1\n5,6,1\n',
  'fraction-label.csv': 'a,b,label\n1,2,0\n3,4,1.5\n5,6,1\n',
  'single-class.csv': 'a,b,label\n1,2,cat\n3,4,cat\n5,6,cat\n7,8,cat\n',
  'empty.csv': '',
  'header-only.csv': 'a,b,label\n',
  'one-column.csv': 'label\nx\ny\n',
  'tiny-classes.csv': 'a,label\n1,x\n2,y\n3,x\n4,y\n',
  'bad-gzip.csv': Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6]),
  'bad-magic-idx3-ubyte': Buffer.from([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1]),
  'float-idx3-ubyte': Buffer.from([0, 0, 0x0d, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]),
  'labels-idx1-ubyte': Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 0, 1]),
  'images-idx3-ubyte.gz': gzipSync(Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, ...new Array(12).fill(7)])),
  'truncated-idx3-ubyte': Buffer.from([0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3]),
  'bad.json': '{"loss": {"type": "poly",',
  'list.json': '[1, 2]',
  'nan-epsilon.json': JSON.stringify({ loss: { type: 'poly', epsilon: 'NaN' } }),
  'fractions.json': JSON.stringify({ dataset: { name: 'iris', validationFraction: 0.6, testFraction: 0.5 } }),
  'unknown-field.json': JSON.stringify({ dataset: { name: 'iris' }, optimiser: { type: 'adam' } }),
};

interface Case {
  name: string;
  args: string[];
  /** What stderr must say: the field or flag, and what it accepts. */
  says: RegExp;
}

const csv = (file: string, more: string[] = []) => ['train', '--dataset', 'csv', '--data', file, '--epochs', '1', ...more];
const idx = (images: string, labels: string) => ['train', '--dataset', 'idx', '--data', images, '--labels', labels, '--epochs', '1'];
const experiment = (file: string, more: string[] = []) => ['run', file, ...more];

const CASES: Case[] = [
  // Loss coefficients
  { name: 'NaN ε', args: ['train', '--epsilon', 'nan'], says: /--epsilon: ε must be a number or a comma-separated list of at most 32 numbers \("nan" is not a number\)/ },
  { name: 'ε list of 33', args: ['train', '--epsilon', Array(33).fill('0.1').join(',')], says: /--epsilon: ε must be .* at most 32 numbers \(got 33\)/ },
  { name: 'ε too large for a number', args: ['train', '--epsilon', '1e999'], says: /--epsilon: ε must be a number .*\(a value is too large\)/ },
  { name: 'ε list with a hole', args: ['train', '--epsilon', '1,,2'], says: /--epsilon: .*\(found an empty entry\)/ },
  { name: 'ε NaN in a config file', args: ['train', '--config', 'nan-epsilon.json'], says: /nan-epsilon\.json: loss\.epsilon must be/ },
  { name: 'negative γ', args: ['train', '--loss', 'focal', '--gamma', '-1'], says: /--gamma: loss\.gamma must be ≥ 0 \(got -1\)/ },
  { name: 'label smoothing 1', args: ['train', '--label-smoothing', '1'], says: /--label-smoothing: loss\.labelSmoothing must be in \[0, 1\) \(got 1\)/ },
  { name: 'label smoothing with sigmoid', args: ['train', '--activation', 'sigmoid', '--label-smoothing', '0.1'], says: /--label-smoothing: loss\.labelSmoothing only works with activation "softmax"/ },
  { name: 'alpha with softmax', args: ['train', '--loss', 'focal', '--alpha', '0.25'], says: /--alpha: loss\.alpha is only used with activation "sigmoid" \(activation is "softmax"\)/ },
  { name: 'unknown loss type', args: ['train', '--loss', 'hinge'], says: /--loss must be one of ce, poly, focal, poly-focal \(got 'hinge'\)/ },
  // Numbers
  { name: '--epochs 0', args: ['train', '--epochs', '0'], says: /--epochs: epochs must be an integer in \[1, 10000\] \(got 0\)/ },
  { name: '--epochs too many', args: ['train', '--epochs', '10001'], says: /--epochs: epochs must be an integer in \[1, 10000\] \(got 10001\)/ },
  { name: '--lr -1', args: ['train', '--lr', '-1'], says: /--lr: optimizer\.learningRate must be > 0 \(got -1\)/ },
  { name: '--lr not a number', args: ['train', '--lr', 'fast'], says: /--lr must be a number \(got 'fast'\)/ },
  { name: '--batch-size 1.5', args: ['train', '--batch-size', '1.5'], says: /--batch-size must be an integer \(got '1\.5'\)/ },
  { name: '--batch-size 0', args: ['train', '--batch-size', '0'], says: /--batch-size: batchSize must be an integer in \[1, 65536\] \(got 0\)/ },
  { name: '--label-noise 1', args: ['train', '--label-noise', '1'], says: /--label-noise: dataset\.labelNoise must be .*< 1|--label-noise: dataset\.labelNoise must be in \[0, 1\)/ },
  { name: '--imbalance below 1', args: ['train', '--imbalance', '0.5'], says: /--imbalance: dataset\.imbalanceRatio must be ≥ 1 \(got 0\.5\)/ },
  { name: 'sgd momentum 1', args: ['train', '--optimizer', 'sgd', '--momentum', '1'], says: /--momentum: optimizer\.momentum must be in \[0, 1\) \(got 1\)/ },
  { name: '--seeds with text', args: ['train', '--seeds', '1,two'], says: /--seeds must be a comma-separated list of integers, e\.g\. 128,64 \(got '1,two'\)/ },
  { name: '--concurrency 0', args: ['train', '--concurrency', '0'], says: /--concurrency must be ≥ 1 \(got 0\)/ },
  { name: 'split fractions leave nothing', args: ['train', '--config', 'fractions.json'], says: /fractions\.json: dataset: validationFraction \+ testFraction must be < 1 to leave training data \(got 1\.1\)/ },
  // Flags and commands
  { name: 'misspelt flag', args: ['train', '--epoch', '3'], says: /unknown flag --epoch for 'polyloss train'; did you mean --epochs\?/ },
  { name: 'flag without its value', args: ['train', '--epochs'], says: /--epochs needs a value \(N\)/ },
  { name: 'flag given twice', args: ['train', '--epochs', '2', '--epochs', '3'], says: /--epochs is given more than once/ },
  { name: '--seed with --seeds', args: ['train', '--seed', '1', '--seeds', '1,2'], says: /--seed and --seeds cannot be used together/ },
  { name: 'unknown command', args: ['trian'], says: /unknown command 'trian'; commands are train, run, / },
  { name: 'unknown dataset', args: ['train', '--dataset', 'cifar'], says: /--dataset must be one of digits, mnist, iris, wine, breast-cancer, csv, idx \(got 'cifar'\)/ },
  { name: 'cnn on tabular data', args: ['train', '--model', 'cnn', '--dataset', 'iris'], says: /--model: model\.type "cnn" needs an image dataset \(digits, mnist, idx\), not "iris"; use "mlp"/ },
  { name: 'config file missing', args: ['train', '--config', 'nope.json'], says: /--config: cannot read nope\.json \(ENOENT\)/ },
  { name: 'config file not JSON', args: ['train', '--config', 'bad.json'], says: /--config: bad\.json is not valid JSON/ },
  { name: 'config file not an object', args: ['train', '--config', 'list.json'], says: /--config: list\.json must hold a JSON object \(a run config\)/ },
  { name: 'config file with an unknown section', args: ['train', '--config', 'unknown-field.json'], says: /unknown-field\.json: .*optimiser/ },
  // Dataset files
  { name: 'csv without --data', args: ['train', '--dataset', 'csv'], says: /dataset\.path is required for dataset "csv" \(the CSV file\)/ },
  { name: 'idx without --labels', args: ['train', '--dataset', 'idx', '--data', 'images-idx3-ubyte.gz'], says: /dataset\.labelsPath is required for dataset "idx" \(the labels file\)/ },
  { name: 'missing file', args: csv('nope.csv'), says: /Dataset file not found: nope\.csv \(looked for .*nope\.csv\)/ },
  { name: 'a folder as the file', args: csv('.'), says: /Dataset file \. is not a file/ },
  { name: 'empty file', args: csv('empty.csv'), says: /Dataset file empty\.csv is empty/ },
  { name: 'header without rows', args: csv('header-only.csv'), says: /header-only\.csv has a header row but no data rows/ },
  { name: 'one column', args: csv('one-column.csv'), says: /one-column\.csv has only 1 column .*it needs numeric feature columns and a label column/ },
  { name: 'ragged rows', args: csv('ragged.csv'), says: /ragged\.csv line 3 has 2 columns, expected 3/ },
  { name: 'non-numeric cell', args: csv('text-cell.csv'), says: /text-cell\.csv line 3, column 'b': 'four' is not a number/ },
  { name: 'empty cell', args: csv('empty-cell.csv'), says: /empty-cell\.csv line 3, column 'b': the cell is empty/ },
  { name: 'negative label', args: csv('negative-label.csv'), says: /negative-label\.csv line 3, column 'label': label -1 is out of range; numeric labels must be class indices \(whole numbers ≥ 0\)/ },
  { name: 'fractional label', args: csv('fraction-label.csv'), says: /fraction-label\.csv line 3, column 'label': label 1\.5 is not a whole number/ },
  { name: 'single class', args: csv('single-class.csv'), says: /single-class\.csv has only one class \('cat'\); classification needs at least 2/ },
  { name: 'too few examples to split', args: csv('tiny-classes.csv'), says: /class 'x' has only 2 example\(s\); it needs at least 3 to appear in the train, validation and test splits/ },
  { name: 'label column not in the header', args: csv('ragged.csv', ['--label-column', 'species']), says: /dataset\.labelColumn 'species' is not a column of ragged\.csv; its columns are: a, b, label/ },
  { name: 'label column index out of range', args: csv('text-cell.csv', ['--label-column', '7']), says: /dataset\.labelColumn 7 is out of range: text-cell\.csv has 3 columns \(indices 0\.\.2\)/ },
  { name: 'file over 1 GiB', args: csv('huge.csv'), says: /Dataset file huge\.csv is too large: 1\.50 GiB; the limit is 1\.00 GiB/ },
  { name: 'broken gzip', args: csv('bad-gzip.csv'), says: /Dataset file bad-gzip\.csv looks gzip-compressed but cannot be decompressed/ },
  { name: 'IDX bad magic', args: idx('bad-magic-idx3-ubyte', 'labels-idx1-ubyte'), says: /bad-magic-idx3-ubyte is not an IDX file \(expected the images magic number 0x00000803 at its start\)/ },
  { name: 'IDX of floats', args: idx('float-idx3-ubyte', 'labels-idx1-ubyte'), says: /float-idx3-ubyte holds float32 values .*only unsigned-byte IDX files \(0x00000803\) are supported/ },
  { name: 'IDX labels as images', args: idx('labels-idx1-ubyte', 'labels-idx1-ubyte'), says: /labels-idx1-ubyte is not an IDX images file: .*\(a labels file\?\); expected 0x00000803/ },
  { name: 'IDX truncated', args: idx('truncated-idx3-ubyte', 'labels-idx1-ubyte'), says: /truncated-idx3-ubyte has 3 bytes of data, but its header says 5×2×2 = 20 \(file truncated\?\)/ },
  { name: 'IDX counts differ', args: idx('images-idx3-ubyte.gz', 'labels-idx1-ubyte'), says: /images-idx3-ubyte\.gz has 3 images but labels-idx1-ubyte has 2 labels; they must match/ },
  // Experiment files: located errors, and dataset paths outside the workspace
  { name: 'experiment file missing', args: experiment('nope.polyloss.json'), says: /cannot read the experiment file nope\.polyloss\.json \(not found\)/ },
  { name: 'experiment file with a syntax error', args: experiment('syntax.polyloss.json'), says: /syntax\.polyloss\.json:3:\d+: error: JSON syntax/ },
  { name: 'experiment dataset outside the workspace', args: experiment('outside.polyloss.json'), says: /outside\.polyloss\.json:4:13: error: dataset\.path .*outside\.csv is outside the workspace folder/ },
  { name: 'experiment --only with an unknown run', args: experiment('inside.polyloss.json', ['--only', 'nope']), says: /--only: no run named 'nope' in the file; its runs are 'ce'/ },
];

before(() => {
  build();
  workDir = tempDir('input');
  outsideDir = tempDir('input-outside');
  for (const [name, content] of Object.entries(FILES)) fs.writeFileSync(path.join(workDir, name), content);
  // A sparse file: 1.5 GiB long, no blocks written; refused from its size before any read.
  fs.writeFileSync(path.join(workDir, 'huge.csv'), '');
  fs.truncateSync(path.join(workDir, 'huge.csv'), 1.5 * 1024 ** 3);
  fs.writeFileSync(path.join(outsideDir, 'outside.csv'), 'a,label\n1,x\n2,y\n3,x\n4,y\n5,x\n6,y\n7,x\n8,y\n');
  const exp = (datasetPath: string) => JSON.stringify({
    dataset: { name: 'csv', path: datasetPath }, model: { type: 'mlp', hidden: [4] }, training: { epochs: 1 },
    runs: [{ name: 'ce', loss: { type: 'ce' } }],
  }, null, 2);
  fs.writeFileSync(path.join(workDir, 'outside.polyloss.json'), exp(path.join(outsideDir, 'outside.csv')));
  fs.writeFileSync(path.join(workDir, 'inside.polyloss.json'), exp('ragged.csv'));
  fs.writeFileSync(path.join(workDir, 'syntax.polyloss.json'), '{\n  "dataset": { "name": "iris" },\n  "model": { "type": "mlp" ]\n}\n');
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.rmSync(outsideDir, { recursive: true, force: true });
});

describe('bad input through the CLI: exit 2, a message naming the field, nothing written', { concurrency: 4 }, () => {
  it('has a table of at least 30 cases', () => assert.ok(CASES.length >= 30));

  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const runsDir = path.join(workDir, 'runs', String(i));
      const result = await cli([...c.args, '--runs-dir', runsDir], workDir);
      assert.equal(result.code, 2, `exit code of ${c.args.join(' ')}\n${result.stderr}`);
      assert.match(result.stderr, c.says);
      assert.match(result.stderr, /^polyloss: /m, 'the refusal is said in one line starting with polyloss:');
      assert.equal(fs.existsSync(runsDir), false, 'a refused command creates no runs folder and no run');
    });
  });

  it('reports the refusal as JSON with --json', async () => {
    const runsDir = path.join(workDir, 'runs', 'json');
    const result = await cli(['train', ...tiny({ dataset: 'csv', data: 'ragged.csv' }), '--json', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 2);
    const out = parseJson<{ error: string; exitCode: number }>(result);
    assert.equal(out.exitCode, 2);
    assert.match(out.error, /ragged\.csv line 3 has 2 columns, expected 3/);
    assert.equal(fs.existsSync(runsDir), false);
  });

  it('accepts a dataset outside the workspace when the user names it, or allows it explicitly', async () => {
    const outsideCsv = path.join(outsideDir, 'outside.csv');
    const named = await cli(['train', ...tiny({ dataset: 'csv', data: outsideCsv }), '--json', '--runs-dir', path.join(workDir, 'runs', 'named')], workDir);
    assert.equal(named.code, 0, named.stderr);
    assert.equal(parseJson<{ runs: { status: string }[] }>(named).runs[0].status, 'completed');
    const allowed = await cli(['run', 'outside.polyloss.json', '--allow-outside-workspace', '--json', '--runs-dir', path.join(workDir, 'runs', 'allowed')], workDir);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(parseJson<{ runs: { status: string }[] }>(allowed).runs[0].status, 'completed');
  });
});

describe('the validation entry points the extension uses', () => {
  it('resolveRunConfig names the field and the range', () => {
    const result = resolveRunConfig({ loss: { type: 'poly-focal', gamma: -1 }, epochs: 0 });
    assert.equal(result.ok, false);
    const messages = result.ok ? [] : result.errors.map((e) => e.message);
    assert.ok(messages.some((m) => /loss\.gamma must be ≥ 0/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /epochs must be an integer in \[1, 10000\]/.test(m)), messages.join('\n'));
  });

  it('preflightConfigs refuses bad files and, when confined, paths outside the workspace', async () => {
    const base = resolveRunConfig({ dataset: { name: 'csv', path: 'ragged.csv' }, epochs: 1 });
    assert.ok(base.ok && base.value.command === undefined);
    await assert.rejects(preflightConfigs([base.value], { baseDir: workDir }),
      (e: unknown) => e instanceof PreflightError && /ragged\.csv line 3 has 2 columns/.test(e.message));
    const outside = { ...base.value, dataset: { name: 'csv' as const, path: path.join(outsideDir, 'outside.csv') } };
    await preflightConfigs([outside], { baseDir: workDir }); // the user named it: accepted
    await assert.rejects(preflightConfigs([outside], { baseDir: workDir, confineTo: workDir }),
      (e: unknown) => e instanceof PreflightError && e.field === 'dataset.path' && /is outside the workspace folder/.test(e.message));
    // A link inside the workspace that leads outside is outside.
    fs.symlinkSync(path.join(outsideDir, 'outside.csv'), path.join(workDir, 'link.csv'));
    const linked = { ...base.value, dataset: { name: 'csv' as const, path: 'link.csv' } };
    await assert.rejects(preflightConfigs([linked], { baseDir: workDir, confineTo: workDir }), /is outside the workspace folder/);
    const escaping = { ...base.value, dataset: { name: 'csv' as const, path: '../x/../' + path.basename(outsideDir) + '/outside.csv' } };
    await assert.rejects(preflightConfigs([escaping], { baseDir: workDir, confineTo: workDir }), /is outside the workspace folder/);
  });
});
