import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  experimentNameOf, experimentRunName, parseExperimentFile, type ExperimentIssue, type ParsedExperiment, type TextRange,
} from '../../src/core/experimentFile';
import { starterExperimentFile } from '../../src/core/experimentStarter';
import { lineColumnAt } from '../../src/core/experimentTree';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { SWEEP_ID_PATTERN } from '../../src/core/sweep';
import { validateRunConfig } from '../../src/core/validate';

const fixtures = path.join(__dirname, '../fixtures/experiments');
const STUDY = '/study/exp/digits.polyloss.json';
const slice = (text: string, range: TextRange): string => text.slice(range.offset, range.offset + range.length);
const parse = (text: string, exists: (p: string) => boolean = () => true): ParsedExperiment => parseExperimentFile(text, STUDY, { exists });
const shown = (text: string, issues: ExperimentIssue[]): string[] => issues.map((i) => `${i.severity} ${slice(text, i.range)} ${i.message}`);

/** A file around the given runs (JSON text of each), with shared settings that are all valid. */
const fileWith = (runs: string[], extra = ''): string =>
  `{\n  "dataset": { "name": "digits" },\n  "model": { "type": "mlp", "hidden": [64] },${extra}\n  "runs": [\n    ${runs.join(',\n    ')}\n  ]\n}\n`;

test('the starter file parses with no issues into CE and three Poly-1 runs of 3 seeds each', () => {
  const text = starterExperimentFile();
  assert.match(text, /^\/\/ /, 'it starts with a comment');
  assert.match(text, /ε/);
  assert.match(text, /α_j = 1\/j/);
  assert.match(text, /experiment\.schema\.json/);
  const parsed = parseExperimentFile(text, '/w/starter.polyloss.json', { exists: fs.existsSync });
  assert.deepEqual(parsed.issues, []);
  assert.equal(parsed.experiment, 'starter');
  assert.deepEqual(parsed.runs.map((r) => [r.name, r.loss, r.seeds]), [
    ['ce', { type: 'ce' }, [1, 2, 3]],
    ['poly1-eps-1', { type: 'poly', epsilon: -1 }, [1, 2, 3]],
    ['poly1-eps1', { type: 'poly', epsilon: 1 }, [1, 2, 3]],
    ['poly1-eps2', { type: 'poly', epsilon: 2 }, [1, 2, 3]],
  ]);
  assert.deepEqual(parsed.runs[0].configs[0], {
    dataset: { name: 'digits', validationFraction: 0.15, testFraction: 0.15 },
    model: { type: 'mlp', hidden: [64] },
    loss: { type: 'ce' },
    optimizer: { type: 'adam', learningRate: 0.001 },
    batchSize: 64, epochs: 10, seed: 1, backend: 'auto',
    name: 'ce · seed 1', experiment: 'starter',
  });
  for (const run of parsed.runs) {
    assert.deepEqual(run.configs.map((c) => c.name), run.seeds.map((s) => experimentRunName(run.name, s)));
    for (const config of run.configs) assert.equal(validateRunConfig(config).ok, true);
  }
});

test('comments, trailing commas and overrides: the commented fixture, with its real CSV file', () => {
  const file = path.join(fixtures, 'commented.polyloss.json');
  const text = fs.readFileSync(file, 'utf8');
  const checked: string[] = [];
  const parsed = parseExperimentFile(text, file, { exists: (p) => (checked.push(p), fs.existsSync(p)) });
  assert.deepEqual(shown(text, parsed.issues), []);
  assert.equal(parsed.experiment, 'commented');
  const csv = path.join(fixtures, 'data/iris.csv');
  assert.ok(checked.length > 0 && checked.every((p) => p === csv), `checked ${checked.join(', ')}`);
  const [ce, poly, noisy] = parsed.runs;
  assert.deepEqual(ce.seeds, [1, 2]);
  assert.deepEqual(ce.configs[1], {
    dataset: { name: 'csv', path: csv, labelColumn: 'species', maxSamples: 120, validationFraction: 0.15, testFraction: 0.15 },
    model: { type: 'mlp', hidden: [16] },
    loss: { type: 'ce' },
    optimizer: { type: 'adam', learningRate: 0.01 },
    batchSize: 16, epochs: 3, seed: 2, backend: 'cpu', name: 'ce · seed 2', experiment: 'commented',
  });
  assert.deepEqual(poly.loss, { type: 'poly', epsilon: 2 });
  assert.equal(slice(text, poly.epsilonRange!), '2');
  assert.equal(ce.epsilonRange, undefined);
  // Overrides lay over the shared settings; a section of another kind starts from its own defaults.
  assert.deepEqual(noisy.seeds, [5]);
  const [config] = noisy.configs;
  assert.equal(config.dataset?.labelNoise, 0.2);
  assert.equal(config.dataset?.path, csv);
  assert.deepEqual(config.model, { type: 'mlp', hidden: [32, 16] });
  assert.deepEqual(config.optimizer, { type: 'sgd', learningRate: 0.01 });
  assert.equal(config.name, 'poly3-noisy · seed 5');
});

test('ranges of an entry, its name and its epsilon', () => {
  const text = fileWith(['{ "name": "ce", "loss": { "type": "ce" } }', '{ "name": "p2", "loss": { "type": "poly", "epsilon": [2, -0.5] } }']);
  const { runs, issues } = parse(text);
  assert.deepEqual(issues, []);
  assert.equal(slice(text, runs[0].range), '{ "name": "ce", "loss": { "type": "ce" } }');
  assert.equal(slice(text, runs[0].nameRange), '"ce"');
  assert.equal(slice(text, runs[1].nameRange), '"p2"');
  assert.equal(slice(text, runs[1].epsilonRange!), '[2, -0.5]');
});

test('seeds: the entry’s own, else training.seeds, else the default seed', () => {
  const entries = ['{ "name": "a", "loss": { "type": "ce" } }', '{ "name": "b", "loss": { "type": "ce" }, "seeds": [9, 8] }'];
  assert.deepEqual(parse(fileWith(entries)).runs.map((r) => r.seeds), [[DEFAULT_CONFIG.seed], [9, 8]]);
  assert.deepEqual(parse(fileWith(entries, '\n  "training": { "seeds": [4, 5, 6] },')).runs.map((r) => r.seeds), [[4, 5, 6], [9, 8]]);
});

test('ε1 < −1 warns that the loss stops decreasing at Pt = 0.5, on the epsilon value; the run stays runnable', () => {
  const text = fileWith(['{ "name": "steep", "loss": { "type": "poly", "epsilon": -2 } }']);
  const { runs, issues } = parse(text);
  assert.equal(issues.length, 1);
  const [w] = issues;
  assert.equal(w.severity, 'warning');
  assert.equal(w.path, 'runs[0].loss.epsilon');
  assert.equal(slice(text, w.range), '-2');
  assert.ok(w.message.startsWith('runs[0].loss.epsilon'), w.message);
  assert.ok(w.message.includes('the loss is no longer monotone in Pt: it decreases only while Pt < 0.5'), w.message);
  assert.equal(runs.length, 1);
  // Poly-N with ε1 = −4 turns where its own derivative vanishes, not at 0.25 of Poly-1.
  const polyN = fileWith(['{ "name": "n", "loss": { "type": "poly", "epsilon": [-4, 1] } }']);
  assert.match(parse(polyN).issues[0]?.message ?? '', /no longer monotone in Pt: it decreases only while Pt < 0\.\d+/);
  assert.deepEqual(parse(fileWith(['{ "name": "drop1", "loss": { "type": "poly", "epsilon": -1 } }'])).issues, []);
});

test('γ with a non-focal type warns on the gamma value', () => {
  const text = fileWith(['{ "name": "g", "loss": { "type": "poly", "epsilon": 1, "gamma": 3 } }']);
  const { issues, runs } = parse(text);
  assert.deepEqual(shown(text, issues), ['warning 3 runs[0].loss.gamma is ignored by type "poly"; it applies to "focal", "poly-focal"']);
  assert.equal(runs.length, 1);
});

test('a dataset file that does not exist is an error on its path, resolved from the file’s folder', () => {
  const text = fileWith(['{ "name": "a", "loss": { "type": "ce" } }']).replace('{ "name": "digits" }', '{ "name": "idx", "path": "imgs.gz", "labelsPath": "../labels.gz" }');
  const asked: string[] = [];
  const { issues, runs } = parse(text, (p) => (asked.push(p), p.endsWith('imgs.gz')));
  assert.deepEqual(asked, ['/study/exp/imgs.gz', '/study/labels.gz']);
  assert.deepEqual(shown(text, issues), [
    'error "../labels.gz" dataset.labelsPath: file not found: /study/labels.gz (relative paths start from the experiment file\'s folder, /study/exp)',
  ]);
  assert.equal(issues[0].kind, 'files');
  assert.deepEqual(runs, []);
});

test('a dataset path in a run’s overrides is checked and reported there', () => {
  const text = fileWith([
    '{ "name": "a", "loss": { "type": "ce" } }',
    '{ "name": "b", "loss": { "type": "ce" }, "overrides": { "dataset": { "name": "csv", "path": "/data/b.csv" } } }',
  ]);
  const { issues, runs } = parse(text, () => false);
  assert.deepEqual(shown(text, issues), [
    'error "/data/b.csv" runs[1].overrides.dataset.path: file not found: /data/b.csv (relative paths start from the experiment file\'s folder, /study/exp)',
  ]);
  assert.equal(issues[0].path, 'runs[1].overrides.dataset.path');
  assert.deepEqual(runs.map((r) => r.name), ['a']);
});

test('duplicate run names: an error on the second name; the first entry still runs', () => {
  const text = fileWith(['{ "name": "same", "loss": { "type": "ce" } }', '{ "name": "same", "loss": { "type": "poly", "epsilon": 2 } }']);
  const { issues, runs } = parse(text);
  assert.equal(issues.length, 1);
  assert.equal(issues[0].severity, 'error');
  assert.equal(issues[0].range.offset, text.lastIndexOf('"same"'));
  assert.equal(slice(text, issues[0].range), '"same"');
  assert.match(issues[0].message, /^runs\[1\]\.name "same" is already the name of runs\[0\]; run names must be unique/);
  assert.deepEqual(runs.map((r) => r.loss.type), ['ce']);
});

test('a seed listed twice is an error on the repeated seed', () => {
  const text = fileWith(['{ "name": "a", "loss": { "type": "ce" }, "seeds": [3, 4, 3] }']);
  const { issues, runs } = parse(text);
  assert.deepEqual(issues.map((i) => [i.path, i.range.offset]), [['runs[0].seeds[2]', text.lastIndexOf('3]')]]);
  assert.match(issues[0].message, /repeats seed 3/);
  assert.deepEqual(runs, []);
});

test('cross-field errors point at the override that causes them and block only that entry', () => {
  const text = fileWith([
    '{ "name": "ok", "loss": { "type": "ce" } }',
    '{ "name": "iris-cnn", "loss": { "type": "ce" }, "overrides": { "dataset": { "name": "iris" }, "model": { "type": "cnn" } } }',
  ]);
  const { issues, runs } = parse(text);
  assert.deepEqual(shown(text, issues), ['error "cnn" runs[1].overrides.model.type "cnn" needs an image dataset (digits, mnist, idx), not "iris"; use "mlp"']);
  assert.deepEqual(runs.map((r) => r.name), ['ok']);
});

test('an error in a shared section is reported once, and no entry runs', () => {
  const text = fileWith(['{ "name": "a", "loss": { "type": "ce" } }', '{ "name": "b", "loss": { "type": "ce" } }'])
    .replace('{ "name": "digits" }', '{ "name": "wine", "validationFraction": 0.5, "testFraction": 0.5 }');
  const { issues, runs } = parse(text);
  assert.deepEqual(shown(text, issues), ['error "dataset" dataset: validationFraction + testFraction must be < 1 to leave training data (got 1)']);
  assert.deepEqual(runs, []);
  const schemaBroken = parse(fileWith(['{ "name": "a", "loss": { "type": "ce" } }']).replace('"hidden": [64]', '"hidden": [0]'));
  assert.deepEqual(schemaBroken.issues.map((i) => [i.path, i.kind]), [['model.hidden[0]', 'schema']]);
  assert.deepEqual(schemaBroken.runs, []);
});

test('syntax errors carry their position and stop the file from running', () => {
  const missingComma = '{\n  "dataset": { "name": "digits" }\n  "model": { "type": "mlp" },\n  "runs": []\n}';
  const parsed = parse(missingComma);
  assert.deepEqual(parsed.runs, []);
  assert.ok(parsed.issues.length >= 1 && parsed.issues.every((i) => i.kind === 'syntax' && i.severity === 'error'));
  assert.equal(parsed.issues[0].message, "JSON syntax: ',' is expected between items");
  assert.deepEqual(lineColumnAt(missingComma, parsed.issues[0].range.offset), { line: 3, column: 3 });
  assert.equal(slice(missingComma, parsed.issues[0].range), '"model"');
  const unclosed = parse('/* never closed\n{ }');
  assert.ok(unclosed.issues.some((i) => i.message === "JSON syntax: the comment is not closed with '*/'"));
  assert.deepEqual(parse('').issues.map((i) => i.message), ['JSON syntax: a value is expected']);
});

test('the mistakes fixture: every diagnostic with its line, severity and text', () => {
  const file = path.join(fixtures, 'mistakes.polyloss.json');
  const text = fs.readFileSync(file, 'utf8');
  const { issues, runs } = parseExperimentFile(text, file, { exists: fs.existsSync });
  const lines = issues.map((i) => `${lineColumnAt(text, i.range.offset).line} ${i.severity} ${i.kind} ${slice(text, i.range)}`);
  assert.deepEqual(lines, [
    '3 error files "data/missing.csv"',
    '7 warning rules -2',
    '8 warning rules 2',
    '9 error rules "steep"',
    '10 error schema "x"',
    '11 error rules "cnn"',
  ]);
  assert.deepEqual(runs, []);
  assert.ok(issues[0].message.includes(path.join(fixtures, 'data/missing.csv')), issues[0].message);
});

test('issues come in text order', () => {
  const text = fileWith(['{ "name": "x", "loss": { "type": "poly", "epsilon": -3 } }', '{ "name": "x", "loss": { "type": "focal", "gamma": -1 } }'])
    .replace('{\n', '{\n  "notes": "a field the schema does not know",\n');
  const issues = parse(text).issues;
  assert.deepEqual(issues.map((i) => i.path), ['notes', 'runs[0].loss.epsilon', 'runs[1].name', 'runs[1].loss.gamma']);
  const offsets = issues.map((i) => i.range.offset);
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
});

test('experiment names come from the file name', () => {
  assert.equal(experimentNameOf('/a/b/digits-eps.polyloss.json'), 'digits-eps');
  assert.equal(experimentNameOf('C.POLYLOSS.JSON'), 'C');
  assert.equal(experimentNameOf('/a/plain.json'), 'plain');
});

/** A file with a CSV dataset next to it, one entry and the given sweep section. */
const withSweep = (sweep: string, shared = '"training": { "epochs": 2, "seeds": [9] },'): string =>
  `{\n  "dataset": { "name": "csv", "path": "data/iris.csv", "labelColumn": "species" },\n  "model": { "type": "mlp", "hidden": [8] },\n  ${shared}\n`
  + `  "runs": [ { "name": "ce", "loss": { "type": "ce" } } ],\n  "sweep": ${sweep}\n}\n`;

test('a sweep section plans its grid over the shared settings: seeds outermost, one sweep id, the experiment set', () => {
  const text = withSweep('{ "epsilon": "0:2:2", "seeds": [3, 4], "baseline": true }');
  const parsed = parse(text);
  assert.deepEqual(parsed.issues, []);
  const sweep = parsed.sweep!;
  assert.match(sweep.sweepId, SWEEP_ID_PATTERN);
  assert.deepEqual(sweep.spec, { epsilon: '0:2:2', seeds: [3, 4], baseline: true });
  assert.deepEqual(sweep.configs.map((c) => [c.name, c.seed, c.loss]), [
    ['CE · seed 3', 3, { type: 'ce' }], ['Poly-1 ε=0 · seed 3', 3, { type: 'poly', epsilon: 0 }], ['Poly-1 ε=2 · seed 3', 3, { type: 'poly', epsilon: 2 }],
    ['CE · seed 4', 4, { type: 'ce' }], ['Poly-1 ε=0 · seed 4', 4, { type: 'poly', epsilon: 0 }], ['Poly-1 ε=2 · seed 4', 4, { type: 'poly', epsilon: 2 }],
  ]);
  for (const config of sweep.configs) {
    assert.equal(config.sweepId, sweep.sweepId);
    assert.equal(config.experiment, 'digits');
    assert.equal(config.epochs, 2, 'the shared training settings; training.seeds is the entries\' only');
    assert.deepEqual(config.model, { type: 'mlp', hidden: [8] });
    assert.equal(config.dataset.path, '/study/exp/data/iris.csv', 'paths start from the file\'s folder');
    assert.equal(validateRunConfig(config).ok, true);
  }
  // The base is what a saved sweep resumes from: the shared settings with CE, no sweep id of its own.
  assert.deepEqual(sweep.base.loss, { type: 'ce' });
  assert.equal(sweep.base.sweepId, undefined);
  assert.equal(sweep.base.experiment, 'digits');
  assert.match(slice(text, sweep.range), /^"sweep": \{ "epsilon".*\}$/);
  assert.ok(sweep.notes.some((n) => /ε=0 is exactly CE/.test(n)), sweep.notes.join('\n'));
  // The entries are planned as before.
  assert.deepEqual(parsed.runs.map((r) => r.configs.map((c) => c.name)), [['ce · seed 9']]);
  // Each parse draws a new id unless the caller gives one.
  assert.notEqual(parse(text).sweep!.sweepId, sweep.sweepId);
  const given = parseExperimentFile(text, STUDY, { exists: () => true, sweepId: 'sweep-20240101-000000-abcdef' }).sweep!;
  assert.ok(given.configs.every((c) => c.sweepId === 'sweep-20240101-000000-abcdef'));
  assert.equal(parse(fileWith(['{ "name": "a", "loss": { "type": "ce" } }'])).sweep, undefined, 'no section, no sweep');
});

test('sweep problems are located in the section and keep only the sweep from running; shared errors keep both', () => {
  const badRange = withSweep('{ "epsilon": "0:2:0", "seeds": 2 }');
  let parsed = parse(badRange);
  assert.equal(parsed.sweep, undefined);
  assert.deepEqual(parsed.runs.map((r) => r.name), ['ce'], 'the entries still run');
  assert.deepEqual(parsed.issues.map((i) => [i.path, i.kind, slice(badRange, i.range)]), [['sweep.epsilon', 'rules', '"0:2:0"']]);
  assert.match(parsed.issues[0].message, /step must be > 0/);

  const tooMany = withSweep('{ "epsilon": "0:99:1", "labelSmoothing": [0, 0.1, 0.2], "seeds": 5 }');
  parsed = parse(tooMany);
  assert.equal(parsed.sweep, undefined);
  assert.deepEqual(parsed.issues.map((i) => [i.path, slice(tooMany, i.range)]), [['sweep', '"sweep"']]);
  assert.match(parsed.issues[0].message, /1500 runs; at most 1000/);

  const steep = withSweep('{ "epsilon": [-3, 1], "seeds": 1 }');
  parsed = parse(steep);
  assert.equal(parsed.sweep?.configs.length, 2, 'a warning does not stop the sweep');
  assert.deepEqual(parsed.issues.map((i) => [i.severity, i.path, slice(steep, i.range)]), [['warning', 'sweep.epsilon', '"epsilon"']]);
  assert.match(parsed.issues[0].message, /^sweep\.epsilon: ε = -3 < −1/);

  const schema = withSweep('{ "epsilon": [1], "seeds": 0 }');
  assert.equal(parse(schema).sweep, undefined);
  assert.deepEqual(parse(schema).runs.map((r) => r.name), ['ce']);

  const missingData = withSweep('{ "epsilon": [1], "seeds": 1 }');
  parsed = parse(missingData, () => false);
  assert.equal(parsed.sweep, undefined, 'the shared dataset file is missing');
  assert.deepEqual(parsed.runs, []);
  assert.deepEqual(parsed.issues.map((i) => [i.kind, i.path]), [['files', 'dataset.path']], 'reported once for the entry and the sweep');

  const badEntry = withSweep('{ "epsilon": [1], "seeds": 1 }').replace('"loss": { "type": "ce" }', '"loss": { "type": "nope" }');
  parsed = parse(badEntry);
  assert.deepEqual(parsed.runs, []);
  assert.equal(parsed.sweep?.configs.length, 1, 'an entry\'s error does not concern the sweep');
});

test('a command file: each entry × seed becomes a command run in the file\'s folder (or its cwd), with the params and the sweep', () => {
  const text = `{
  // your own script instead of dataset and model
  "command": ["python3", "train.py", "--epochs", "3"],
  "cwd": "scripts",
  "params": { "lr": 0.01 },
  "training": { "seeds": [1, 2] },
  "runs": [
    { "name": "ce", "loss": { "type": "ce" } },
    { "name": "poly1", "loss": { "type": "poly", "epsilon": 1 } }
  ],
  "sweep": { "epsilon": [0, 2], "seeds": 1 }
}`;
  const parsed = parse(text);
  assert.deepEqual(parsed.issues, []);
  assert.deepEqual(parsed.runs[1].configs[0], {
    command: { argv: ['python3', 'train.py', '--epochs', '3'], cwd: '/study/exp/scripts', params: { lr: 0.01 } },
    loss: { type: 'poly', epsilon: 1 }, seed: 1, name: 'poly1 · seed 1', experiment: 'digits',
  });
  assert.deepEqual(parsed.runs.map((r) => r.seeds), [[1, 2], [1, 2]]);
  for (const config of parsed.runs.flatMap((r) => r.configs)) assert.equal(validateRunConfig(config).ok, true);
  assert.deepEqual(parsed.sweep?.configs.map((c) => [c.command?.argv[1], c.loss.epsilon]), [['train.py', 0], ['train.py', 2]]);
  const noCwd = parse(text.replace('"cwd": "scripts",', ''));
  assert.equal(noCwd.runs[0].configs[0].command?.cwd, '/study/exp', 'default: the experiment file\'s folder');
});

test('a command file with built-in settings, a missing cwd, or a file with neither gets errors where they are written', () => {
  const text = `{
  "command": ["python3", "train.py"],
  "cwd": "gone",
  "model": { "type": "mlp" },
  "training": { "epochs": 3, "seeds": [1] },
  "runs": [{ "name": "ce", "loss": { "type": "ce" }, "overrides": { "epochs": 2 } }]
}`;
  const parsed = parse(text, (p) => !p.endsWith('gone'));
  assert.deepEqual(parsed.runs, [], 'nothing runs');
  assert.deepEqual(shown(text, parsed.issues), [
    'error "gone" cwd: folder not found: /study/exp/gone (relative paths start from the experiment file\'s folder, /study/exp)',
    'error "model" model is not used with "command": your script sets it (pass values in "params")',
    'error 3 training.epochs is not used with "command": your script sets it (pass values in "params")',
    'error "overrides" runs[0].overrides is not used with "command": give the script what differs in "params"',
  ]);
  const neither = '{ "params": { "a": 1 }, "runs": [{ "name": "ce", "loss": { "type": "ce" } }] }';
  assert.deepEqual(parse(neither).issues.map((i) => i.message), [
    'the experiment file needs "dataset" and "model" (built-in training) or "command" (your own script)',
    'params only applies with "command"',
  ]);
});
