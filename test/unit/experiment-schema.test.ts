import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parseExperimentFile, type ExperimentIssue } from '../../src/core/experimentFile';
import { ANNOTATION_KEYWORDS, VALIDATION_KEYWORDS } from '../../src/core/jsonSchema';

const schemaDir = path.join(__dirname, '../../media/schemas');
const readSchema = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8'));
const SCHEMA_FILES = ['loss-spec.schema.json', 'run-config.schema.json', 'sweep.schema.json', 'experiment.schema.json'];

// The reference: ajv compiling the same schema files, as VS Code's editor validation reads them.
const ajv = new Ajv({ strict: true, strictNumbers: true, allErrors: true });
ajv.addVocabulary(['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'defaultSnippets', 'errorMessage']);
for (const file of SCHEMA_FILES) ajv.addSchema(readSchema(file), file);
const ajvExperiment = ajv.getSchema('experiment.schema.json')!;

const schemaErrors = (text: string): ExperimentIssue[] =>
  parseExperimentFile(text, '/study/table.polyloss.json', { exists: () => true }).issues.filter((i) => i.kind === 'schema');

interface Row {
  value: unknown;
  valid: boolean;
  /** Invalid rows: the path of the error, fragments of its message, and the text it underlines. */
  path?: string;
  fragments?: string[];
  underline?: string;
}

const base = { dataset: { name: 'digits' }, model: { type: 'mlp' }, runs: [{ name: 'ce', loss: { type: 'ce' } }] };
const withRun = (run: Record<string, unknown>): unknown => ({ ...base, runs: [{ name: 'r', loss: { type: 'poly', epsilon: 2 }, ...run }] });
const good = (value: unknown): Row => ({ value, valid: true });
const bad = (value: unknown, errorPath: string, underline: string, ...fragments: string[]): Row => ({ value, valid: false, path: errorPath, underline, fragments });

const rows: Row[] = [
  good(base),
  good({ ...base, dataset: {}, model: {} }),
  good({
    $schema: './experiment.schema.json',
    dataset: { name: 'csv', path: 'data/x.csv', labelColumn: 'species', header: true, maxSamples: 100 },
    model: { type: 'mlp', hidden: [32, 16] },
    training: { optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.8 }, batchSize: 32, epochs: 5, backend: 'cpu', seeds: [1, 2, 3] },
    runs: [
      { name: 'ce', loss: { type: 'ce' } },
      { name: 'poly3', loss: { type: 'poly', epsilon: [1, 0.5, -0.2] }, seeds: [7] },
      { name: 'pf', loss: { type: 'poly-focal', gamma: 2, epsilon: -1, activation: 'sigmoid', alpha: 0.25 } },
    ],
    sweep: { epsilon: '-1:2:1', seeds: 3, baseline: true },
  }),
  good(withRun({ overrides: { dataset: { labelNoise: 0.2 }, model: { type: 'cnn', filters: [8] }, optimizer: { learningRate: 0.01 }, batchSize: 8, epochs: 2, backend: 'wasm' } })),
  good({ ...base, training: { optimizer: { learningRate: 0.01 } } }),
  good({ ...base, training: { seeds: Array.from({ length: 100 }, (_, i) => i) } }),
  good(withRun({ seeds: [0, 4294967295] })),
  bad({ dataset: {}, model: {} }, 'runs', '{', 'is required'),
  bad({ ...base, runs: [] }, 'runs', '"runs"', 'a list of at least 1 objects'),
  good({ command: ['python3', 'train.py', '--epochs', '5'], cwd: 'src', params: { lr: 0.01, layers: [64] }, training: { seeds: [1, 2] }, runs: base.runs }),
  bad({ command: [], runs: base.runs }, 'command', '"command"', 'a list of at least 1 non-empty strings'),
  bad({ command: ['python3', ''], runs: base.runs }, 'command[1]', '""', 'a non-empty string'),
  bad({ command: ['python3'], params: [1], runs: base.runs }, 'params', '"params"', 'must be an object'),
  bad({ ...base, runz: [] }, 'runz', '"runz"', 'is not a field of the experiment file', 'runs'),
  bad([base], '', '[', 'the experiment file must be an object'),
  bad({ ...base, runs: ['ce'] }, 'runs[0]', '"ce"', 'must be an object'),
  bad({ ...base, runs: [{ name: 'ce' }] }, 'runs[0].loss', '{', 'is required'),
  bad({ ...base, runs: [{ name: '', loss: { type: 'ce' } }] }, 'runs[0].name', '""', 'a non-empty string'),
  bad(withRun({ loss: { type: 'polly' } }), 'runs[0].loss.type', '"polly"', '"ce", "poly", "focal", "poly-focal"'),
  bad(withRun({ loss: { type: 'poly', epsilon: [1, 'x'] } }), 'runs[0].loss.epsilon[1]', '"x"', 'must be a number'),
  bad(withRun({ loss: { type: 'focal', gamma: -1 } }), 'runs[0].loss.gamma', '-1', '≥ 0'),
  bad(withRun({ eps: 2 }), 'runs[0].eps', '2', 'is not a field of runs[0]', 'overrides'),
  bad(withRun({ seeds: [] }), 'runs[0].seeds', '"seeds"', '1 to 100'),
  bad(withRun({ seeds: Array.from({ length: 101 }, (_, i) => i) }), 'runs[0].seeds', '"seeds"', '1 to 100'),
  bad(withRun({ seeds: [1, 2.5] }), 'runs[0].seeds[1]', '2.5', 'an integer in [0, 4294967295]'),
  bad(withRun({ overrides: { loss: { type: 'ce' } } }), 'runs[0].overrides.loss', '"loss"', 'is not a field', 'epochs'),
  bad(withRun({ overrides: { seed: 3 } }), 'runs[0].overrides.seed', '3', 'is not a field'),
  bad(withRun({ overrides: { epochs: 0 } }), 'runs[0].overrides.epochs', '0', 'in [1, 10000]'),
  bad(withRun({ overrides: { dataset: { labelNoise: 1 } } }), 'runs[0].overrides.dataset.labelNoise', '1', 'in [0, 1)'),
  bad(withRun({ overrides: { model: { type: 'rnn' } } }), 'runs[0].overrides.model.type', '"rnn"', '"mlp", "cnn"'),
  bad({ ...base, training: { seeds: [] } }, 'training.seeds', '"seeds"', 'a list of 1 to 100 integers in [0, 4294967295] (got an empty list)'),
  bad({ ...base, training: { optimizer: { learningRate: 0 } } }, 'training.optimizer.learningRate', '0', '> 0'),
  bad({ ...base, training: { backend: 'gpu' } }, 'training.backend', '"gpu"', '"auto", "node", "wasm", "cpu"'),
  bad({ ...base, training: { batchSize: 0 } }, 'training.batchSize', '0', 'in [1, 65536]'),
  bad({ ...base, training: { lr: 0.1 } }, 'training.lr', '0.1', 'is not a field of training'),
  bad({ ...base, model: { type: 'mlp', hidden: [] } }, 'model.hidden', '"hidden"', '1 to 16'),
  bad({ ...base, dataset: { name: 'cifar' } }, 'dataset.name', '"cifar"', '"digits"'),
  bad({ ...base, dataset: { name: 'csv', path: '' } }, 'dataset.path', '""', 'a non-empty string'),
  good({ ...base, sweep: { epsilon: [0, 1, 2], gamma: [0, 2], seeds: [1, 2] } }),
  bad({ ...base, sweep: 3 }, 'sweep', '3', 'must be an object'),
  bad({ ...base, sweep: { epsilon: [0, 1] } }, 'sweep.seeds', '"sweep"', 'is required'),
  bad({ ...base, sweep: { epsilon: [0, 'x'], seeds: 2 } }, 'sweep.epsilon[1]', '"x"', 'must be a number'),
];

for (const [i, row] of rows.entries()) {
  const text = JSON.stringify(row.value, null, 2);
  const label = `#${i}: ${JSON.stringify(row.value).slice(0, 100)}`;
  test(`verdict agrees with ajv — ${label}`, () => {
    assert.equal(ajvExperiment(row.value), row.valid, `ajv: ${JSON.stringify(ajvExperiment.errors)}`);
    const ours = schemaErrors(text);
    assert.equal(ours.length === 0, row.valid, ours.map((e) => e.message).join('\n'));
  });
  if (!row.valid) {
    test(`error names the field, the allowed values, and underlines it — ${label}`, () => {
      const issue = schemaErrors(text).find((e) => e.path === row.path);
      assert.ok(issue, `no error at ${row.path}: ${schemaErrors(text).map((e) => e.message).join('\n')}`);
      assert.equal(issue.severity, 'error');
      assert.ok(issue.message.startsWith(row.path || 'the experiment file'), issue.message);
      for (const fragment of row.fragments ?? []) assert.ok(issue.message.includes(fragment), `"${issue.message}" lacks "${fragment}"`);
      assert.equal(text.slice(issue.range.offset, issue.range.offset + issue.range.length), row.underline);
    });
  }
}

test('the experiment schema uses only keywords the runtime interpreter knows', () => {
  const known = new Set([...VALIDATION_KEYWORDS, ...ANNOTATION_KEYWORDS]);
  const walk = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      assert.ok(known.has(key), `${where}: unsupported keyword ${key}`);
      if (key === 'properties' || key === 'definitions') for (const [name, sub] of Object.entries(child as object)) walk(sub, `${where}/${key}/${name}`);
      if (key === 'items') walk(child, `${where}/items`);
      if (key === 'anyOf') (child as unknown[]).forEach((sub, j) => walk(sub, `${where}/anyOf/${j}`));
    }
  };
  walk(readSchema('experiment.schema.json'), 'experiment.schema.json');
});

/** A snippet body as VS Code inserts it with every placeholder at its default: "^${2:2}" → 2. */
function expandSnippet(body: unknown): unknown {
  const text = JSON.stringify(body)
    .replace(/"\^([^"]*)"/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1');
  return JSON.parse(text);
}

test('every defaultSnippet inserts a valid file or run entry', () => {
  const schema = readSchema('experiment.schema.json') as { defaultSnippets: { body: unknown }[]; definitions: { run: { defaultSnippets: { label: string; body: unknown }[] } } };
  const fileBodies = schema.defaultSnippets.map((s) => expandSnippet(s.body));
  const runBodies = schema.definitions.run.defaultSnippets.map((s) => expandSnippet(s.body));
  assert.ok(runBodies.length >= 4, 'snippets for a new run entry');
  const files = [...fileBodies, ...runBodies.map((run) => ({ ...base, runs: [run] }))];
  for (const file of files) {
    assert.equal(ajvExperiment(file), true, `${JSON.stringify(file)}: ${JSON.stringify(ajvExperiment.errors)}`);
    const parsed = parseExperimentFile(JSON.stringify(file), '/study/snippet.polyloss.json', { exists: () => true });
    assert.deepEqual(parsed.issues, [], JSON.stringify(file));
    assert.equal(parsed.runs.length, (file as { runs: unknown[] }).runs.length);
  }
});

test('hover docs explain ε and the default α_j = 1/j', () => {
  const schema = readSchema('experiment.schema.json') as { definitions: { run: { properties: { loss: { markdownDescription: string } } } } };
  const doc = schema.definitions.run.properties.loss.markdownDescription;
  assert.match(doc, /α_j = 1\/j/);
  assert.match(doc, /ε/);
  const lossDoc = JSON.stringify(readSchema('loss-spec.schema.json'));
  assert.match(lossDoc, /ε_j is \*\*added\*\* to the CE coefficient `α_j = 1\/j`/);
});
