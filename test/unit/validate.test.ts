import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { withDefaults, type PartialRunConfig } from '../../src/core/config';
import { ANNOTATION_KEYWORDS, VALIDATION_KEYWORDS } from '../../src/core/jsonSchema';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import {
  formatIssues, parseEpsilonText, resolveRunConfig, validateLossSpec, validateRunConfig,
  type Issue, type Validation,
} from '../../src/core/validate';

const schemaDir = path.join(__dirname, '../../media/schemas');
const readSchema = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8'));

// The reference: ajv compiling the same schema files (test-only; ajv cannot run in the webviews).
const ajv = new Ajv({ strict: true, strictNumbers: true, allErrors: true });
// Editor-only keywords VS Code understands; strict ajv would refuse them as unknown.
ajv.addVocabulary(['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'defaultSnippets', 'errorMessage']);
ajv.addSchema(readSchema('loss-spec.schema.json'), 'loss-spec.schema.json');
ajv.addSchema(readSchema('run-config.schema.json'), 'run-config.schema.json');
const ajvLoss = ajv.getSchema('loss-spec.schema.json')!;
const ajvConfig = ajv.getSchema('run-config.schema.json')!;

interface Row {
  kind: 'loss' | 'config';
  value: unknown;
  valid: boolean;
  /** For invalid rows: the path of the error and fragments its message must contain (the allowed range). */
  path?: string;
  fragments?: string[];
}
const good = (kind: Row['kind'], value: unknown): Row => ({ kind, value, valid: true });
const bad = (kind: Row['kind'], value: unknown, path: string, ...fragments: string[]): Row => ({ kind, value, valid: false, path, fragments });
const config = (partial: PartialRunConfig | Record<string, unknown>): unknown => withDefaults(partial as PartialRunConfig);

const rows: Row[] = [
  good('loss', { type: 'ce' }),
  good('loss', { type: 'poly', epsilon: 2 }),
  good('loss', { type: 'poly', epsilon: -1 }),
  good('loss', { type: 'poly', epsilon: [1, 0.5, -0.2] }),
  good('loss', { type: 'poly', epsilon: new Array(32).fill(0.1) }),
  good('loss', { type: 'focal', gamma: 0 }),
  good('loss', { type: 'poly-focal', gamma: 2, epsilon: -1, activation: 'sigmoid', alpha: 0.25 }),
  good('loss', { type: 'poly', epsilon: 1, labelSmoothing: 0.1, activation: 'softmax' }),
  good('loss', { type: 'focal', activation: 'sigmoid', alpha: 1 }),
  bad('loss', { type: 'polly' }, 'loss.type', 'one of "ce", "poly", "focal", "poly-focal"', '(got "polly")'),
  bad('loss', {}, 'loss.type', 'is required', '"poly-focal"'),
  bad('loss', { type: 'focal', gamma: -1 }, 'loss.gamma', 'must be ≥ 0 (got -1)'),
  bad('loss', { type: 'poly', labelSmoothing: 1 }, 'loss.labelSmoothing', 'must be in [0, 1) (got 1)'),
  bad('loss', { type: 'poly', labelSmoothing: -0.1 }, 'loss.labelSmoothing', 'in [0, 1)'),
  bad('loss', { type: 'poly', epsilon: new Array(33).fill(1) }, 'loss.epsilon', 'a number or a list of at most 32 numbers'),
  bad('loss', { type: 'poly', epsilon: [] }, 'loss.epsilon', 'at most 32 numbers', 'empty list'),
  bad('loss', { type: 'poly', epsilon: '2' }, 'loss.epsilon', 'a number or a list'),
  bad('loss', { type: 'poly', epsilon: [1, 2, 'x'] }, 'loss.epsilon[2]', 'must be a number (got "x")'),
  bad('loss', { type: 'poly', epsilon: NaN }, 'loss.epsilon', 'a number or a list', 'NaN'),
  bad('loss', { type: 'poly', epsilon: [1, Infinity] }, 'loss.epsilon[1]', 'must be a number (got Infinity)'),
  bad('loss', { type: 'focal', gamma: NaN }, 'loss.gamma', 'a number ≥ 0 (got NaN)'),
  bad('loss', { type: 'focal', activation: 'relu' }, 'loss.activation', '"softmax", "sigmoid"'),
  bad('loss', { type: 'focal', activation: 'sigmoid', alpha: 1.5 }, 'loss.alpha', 'in [0, 1] (got 1.5)'),
  bad('loss', { type: 'poly', eps: 2 }, 'loss.eps', 'not a field', 'epsilon'),
  bad('loss', 'poly', 'loss', 'must be an object'),
  good('config', config({})),
  good('config', config({ dataset: { name: 'csv', path: 'data/x.csv', labelColumn: 'species', header: true } })),
  good('config', config({ dataset: { name: 'csv', path: 'x.csv', labelColumn: 0 } })),
  good('config', config({ dataset: { name: 'idx', path: 'imgs', labelsPath: 'labels', maxSamples: 500 }, model: { type: 'cnn', filters: [8, 16] } })),
  good('config', config({ dataset: { name: 'mnist', imbalanceRatio: 100, labelNoise: 0.4 }, seed: 0, backend: 'wasm' })),
  good('config', config({ model: { type: 'mlp', hidden: [4096, 1] }, optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0 } })),
  good('config', config({ batchSize: 65536, epochs: 10000, name: 'long', sweepId: 's1', experiment: 'exp.json' })),
  bad('config', config({ batchSize: 0 }), 'batchSize', 'an integer in [1, 65536] (got 0)'),
  bad('config', config({ batchSize: 65537 }), 'batchSize', 'in [1, 65536]'),
  bad('config', config({ epochs: 2.5 }), 'epochs', 'an integer in [1, 10000] (got 2.5)'),
  bad('config', config({ seed: -1 }), 'seed', 'an integer in [0, 4294967295]'),
  bad('config', config({ backend: 'gpu' }), 'backend', '"auto", "node", "wasm", "cpu"'),
  bad('config', config({ optimizer: { type: 'adam', learningRate: 0 } }), 'optimizer.learningRate', 'must be > 0 (got 0)'),
  bad('config', config({ optimizer: { type: 'adam', learningRate: -Infinity } }), 'optimizer.learningRate', 'a number > 0 (got -Infinity)'),
  bad('config', config({ optimizer: { type: 'sgd', momentum: 1 } }), 'optimizer.momentum', 'in [0, 1) (got 1)'),
  bad('config', config({ optimizer: { type: 'rmsprop' } }), 'optimizer.type', '"adam", "sgd"'),
  bad('config', config({ model: { type: 'mlp', hidden: new Array(17).fill(8) } }), 'model.hidden', '1 to 16 integers in [1, 4096]'),
  bad('config', config({ model: { type: 'mlp', hidden: [64, 5000] } }), 'model.hidden[1]', 'an integer in [1, 4096] (got 5000)'),
  bad('config', config({ model: { type: 'mlp', hidden: [] } }), 'model.hidden', '1 to 16'),
  bad('config', config({ model: { type: 'cnn', filters: [0] } }), 'model.filters[0]', 'in [1, 512]'),
  bad('config', config({ dataset: { name: 'cifar' } }), 'dataset.name', '"digits"', '"idx"'),
  bad('config', config({ dataset: { name: 'digits', imbalanceRatio: 0.5 } }), 'dataset.imbalanceRatio', '≥ 1 (got 0.5)'),
  bad('config', config({ dataset: { name: 'digits', labelNoise: 1 } }), 'dataset.labelNoise', 'in [0, 1)'),
  bad('config', config({ dataset: { name: 'digits', testFraction: -0.1 } }), 'dataset.testFraction', 'in [0, 1)'),
  bad('config', config({ dataset: { name: 'digits', maxSamples: 0 } }), 'dataset.maxSamples', 'an integer ≥ 1'),
  bad('config', config({ dataset: { name: 'csv', path: 'x.csv', labelColumn: -1 } }), 'dataset.labelColumn', 'column name or a 0-based column index'),
  bad('config', config({ dataset: { name: 'csv', path: '' } }), 'dataset.path', 'a non-empty string'),
  bad('config', config({ loss: { type: 'poly', epsilon: [1, 'a'] } }), 'loss.epsilon[1]', 'must be a number'),
  bad('config', config({ learningRate: 0.1 }), 'learningRate', 'not a field of config'),
  bad('config', { ...DEFAULT_CONFIG, seed: undefined }, 'seed', 'is required'),
  bad('config', [], '', 'config must be an object'),
];

const check = (row: Row): Validation<unknown> => (row.kind === 'loss' ? validateLossSpec(row.value) : validateRunConfig(row.value));

for (const [i, row] of rows.entries()) {
  const label = `${row.kind} #${i}: ${JSON.stringify(row.value)?.slice(0, 90)}`;
  test(`verdict agrees with ajv — ${label}`, () => {
    const ajvVerdict = (row.kind === 'loss' ? ajvLoss : ajvConfig)(row.value);
    assert.equal(ajvVerdict, row.valid, `ajv: ${JSON.stringify((row.kind === 'loss' ? ajvLoss : ajvConfig).errors)}`);
    const ours = check(row);
    assert.equal(ours.ok, row.valid, ours.ok ? 'accepted' : formatIssues(ours.errors));
  });
  if (!row.valid) {
    test(`error names the field and the allowed values — ${label}`, () => {
      const ours = check(row);
      assert.equal(ours.ok, false);
      if (ours.ok) return;
      const issue = ours.errors.find((e) => e.path === row.path);
      assert.ok(issue, `no error at ${row.path}: ${formatIssues(ours.errors)}`);
      assert.ok(issue.message.startsWith(row.path || 'config'), issue.message);
      for (const fragment of row.fragments ?? []) assert.ok(issue.message.includes(fragment), `"${issue.message}" lacks "${fragment}"`);
    });
  }
}

test('schemas use only keywords the runtime interpreter knows', () => {
  const known = new Set([...VALIDATION_KEYWORDS, ...ANNOTATION_KEYWORDS]);
  // The config schemas also drive VS Code's editor help, which wants a single type per field.
  const walk = (node: unknown, where: string, singleType: boolean): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      assert.ok(known.has(key), `${where}: unsupported keyword ${key}`);
      if (key === 'type' && singleType) assert.equal(typeof child, 'string', `${where}: type must be a single type`);
      if (key === 'properties' || key === 'definitions') for (const [name, sub] of Object.entries(child as object)) walk(sub, `${where}/${key}/${name}`, singleType);
      if (key === 'items') walk(child, `${where}/items`, singleType);
      if (key === 'anyOf') (child as unknown[]).forEach((sub, i) => walk(sub, `${where}/anyOf/${i}`, singleType));
    }
  };
  for (const file of ['loss-spec.schema.json', 'run-config.schema.json']) walk(readSchema(file), file, true);
  walk(readSchema('run.schema.json'), 'run.schema.json', false);
});

const warningsOf = (v: Validation<unknown>): Issue[] => v.warnings;
const errorsOf = (v: Validation<unknown>): Issue[] => (v.ok ? [] : v.errors);

test('cross-field errors: alpha needs sigmoid, label smoothing needs softmax', () => {
  const alpha = errorsOf(validateLossSpec({ type: 'focal', alpha: 0.25 }));
  assert.deepEqual(alpha.map((e) => e.path), ['loss.alpha']);
  assert.match(alpha[0].message, /activation "sigmoid"/);
  const smoothing = errorsOf(validateLossSpec({ type: 'focal', activation: 'sigmoid', labelSmoothing: 0.1 }));
  assert.deepEqual(smoothing.map((e) => e.path), ['loss.labelSmoothing']);
  assert.match(smoothing[0].message, /"softmax"/);
  assert.equal(validateLossSpec({ type: 'focal', activation: 'sigmoid', labelSmoothing: 0 }).ok, true);
});

test('cross-field errors in a config: dataset files, cnn on images only, held-out fractions', () => {
  const paths = (partial: object): string[] => errorsOf(resolveRunConfig(partial)).map((e) => e.path);
  assert.deepEqual(paths({ dataset: { name: 'csv' } }), ['dataset.path']);
  assert.deepEqual(paths({ dataset: { name: 'idx', path: 'images' } }), ['dataset.labelsPath']);
  assert.deepEqual(paths({ dataset: { name: 'idx' } }), ['dataset.path', 'dataset.labelsPath']);
  assert.deepEqual(paths({ dataset: { name: 'iris' }, model: { type: 'cnn' } }), ['model.type']);
  for (const name of ['digits', 'mnist']) assert.deepEqual(paths({ dataset: { name }, model: { type: 'cnn' } }), []);
  assert.deepEqual(paths({ dataset: { name: 'wine', validationFraction: 0.6, testFraction: 0.4 } }), ['dataset']);
  assert.match(formatIssues(errorsOf(resolveRunConfig({ dataset: { name: 'csv' } }))), /^error: dataset\.path is required for dataset "csv"/);
});

test('warnings: fields the chosen kind ignores', () => {
  const gamma = validateLossSpec({ type: 'poly', gamma: 2 });
  assert.equal(gamma.ok, true);
  assert.deepEqual(warningsOf(gamma).map((w) => [w.path, w.severity]), [['loss.gamma', 'warning']]);
  assert.match(warningsOf(gamma)[0].message, /"focal", "poly-focal"/);
  assert.deepEqual(warningsOf(validateLossSpec({ type: 'focal', epsilon: 2 })).map((w) => w.path), ['loss.epsilon']);
  assert.deepEqual(warningsOf(validateLossSpec({ type: 'poly-focal', gamma: 1, epsilon: 1 })), []);
  const cfg = resolveRunConfig({ dataset: { name: 'iris', header: true }, optimizer: { type: 'adam', learningRate: 0.01, momentum: 0.5 } });
  assert.equal(cfg.ok, true);
  assert.deepEqual(warningsOf(cfg).map((w) => w.path).sort(), ['dataset.header', 'optimizer.momentum']);
});

test('warning: ε1 < −1 makes Poly-1 non-monotone, decreasing only while Pt < −1/ε', () => {
  for (const eps of [-2, -4, -1.25]) {
    const result = validateLossSpec({ type: 'poly', epsilon: eps });
    assert.equal(result.ok, true, 'a warning, not an error');
    const [w] = warningsOf(result);
    assert.equal(w.path, 'loss.epsilon');
    assert.match(w.message, /no longer monotone in Pt/);
    assert.ok(w.message.includes(`Pt < ${Number((-1 / eps).toPrecision(3))}`), w.message);
  }
  for (const eps of [-1, 0, 2, [1, 0.5]]) assert.deepEqual(warningsOf(validateLossSpec({ type: 'poly', epsilon: eps })), [], String(eps));
  assert.equal(warningsOf(validateLossSpec({ type: 'poly', epsilon: [-3, 1] })).length, 1);
});

test('parseEpsilonText: one number → Poly-1, a list → Poly-N, anything else → the message', () => {
  assert.deepEqual(parseEpsilonText('2'), { ok: true, value: 2 });
  assert.deepEqual(parseEpsilonText(' 1, 0.5, -0.2 '), { ok: true, value: [1, 0.5, -0.2] });
  assert.deepEqual(parseEpsilonText('[1, −1e-1]'), { ok: true, value: [1, -0.1] });
  assert.deepEqual(parseEpsilonText('.5'), { ok: true, value: 0.5 });
  const message = 'ε must be a number or a comma-separated list of at most 32 numbers';
  for (const text of ['', 'abc', '1,,2', '0x10', 'NaN', 'Infinity', '1e999', new Array(33).fill('1').join(',')]) {
    const parsed = parseEpsilonText(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) assert.ok(parsed.message.startsWith(message), parsed.message);
  }
  assert.deepEqual(parseEpsilonText(new Array(32).fill('0').join(',')), { ok: true, value: new Array(32).fill(0) });
});

test('withDefaults fills a partial config without sharing or leaking kind-specific defaults', () => {
  const full = withDefaults({});
  assert.deepEqual(full, DEFAULT_CONFIG);
  full.model.hidden!.push(1);
  assert.deepEqual(DEFAULT_CONFIG.model.hidden, [128], 'defaults are copied, not shared');
  assert.deepEqual(withDefaults({ model: { type: 'cnn' } }).model, { type: 'cnn' });
  assert.deepEqual(withDefaults({ model: { hidden: [32, 16] } }).model, { type: 'mlp', hidden: [32, 16] });
  assert.deepEqual(withDefaults({ loss: { type: 'focal' } }).loss, { type: 'focal' });
  assert.deepEqual(withDefaults({ loss: { epsilon: 2 } }).loss, { type: 'poly', epsilon: 2 });
  assert.deepEqual(withDefaults({ optimizer: { type: 'sgd' } }).optimizer, { type: 'sgd', learningRate: DEFAULT_CONFIG.optimizer.learningRate });
  assert.deepEqual(withDefaults({ dataset: { name: 'csv', path: 'a.csv' } }).dataset,
    { name: 'csv', path: 'a.csv', validationFraction: 0.15, testFraction: 0.15 });
  assert.equal(withDefaults({ epochs: 3, seed: 7 }).epochs, 3);
  // Wrong shapes survive so that validation names them.
  const wrong = resolveRunConfig({ model: 'mlp' });
  assert.deepEqual(errorsOf(wrong).map((e) => e.message), ['model must be an object (got "mlp")']);
  assert.deepEqual(errorsOf(resolveRunConfig(42)).map((e) => e.message), ['config must be an object (got 42)']);
});

test('formatIssues lists errors before warnings, one per line', () => {
  const text = formatIssues([
    { path: 'a', message: 'a is odd', severity: 'warning' },
    { path: 'b', message: 'b is bad', severity: 'error' },
  ]);
  assert.equal(text, 'error: b is bad\nwarning: a is odd');
  assert.equal(formatIssues([]), '');
});
