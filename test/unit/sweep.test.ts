import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { withDefaults, type PartialRunConfig } from '../../src/core/config';
import { runKey } from '../../src/core/grouping';
import { ANNOTATION_KEYWORDS, VALIDATION_KEYWORDS } from '../../src/core/jsonSchema';
import type { BuiltinRunConfig, RunConfig } from '../../src/core/runConfig';
import type { RunStatus } from '../../src/core/runFormat';
import {
  MAX_SWEEP_RUNS, SWEEP_ID_PATTERN, SweepError, estimateSweepSeconds, expandSweep, generateSweepId, missingRuns,
  parseRange, planSweep, seedList, validateSweepSpec, type SweepSpec,
} from '../../src/core/sweep';
import { validateRunConfig } from '../../src/core/validate';

/** The same object with its keys in reverse order, at every level. */
function reversedKeys<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)])) as T;
}
const base = (partial: PartialRunConfig = {}): BuiltinRunConfig => withDefaults({ epochs: 5, ...partial });
const rangeOf = (text: string): number[] => {
  const result = parseRange(text);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.value;
};
const rangeError = (text: string): string => {
  const result = parseRange(text);
  assert.equal(result.ok, false, `'${text}' was accepted`);
  return result.ok ? '' : result.message;
};

test('ranges include the stop, also with float steps', () => {
  assert.deepEqual(rangeOf('-1:2:1'), [-1, 0, 1, 2]);
  const tenths = rangeOf('0:1:0.1');
  assert.equal(tenths.length, 11);
  assert.deepEqual(tenths, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(rangeOf('0:0.3:0.1'), [0, 0.1, 0.2, 0.3]);
  assert.deepEqual(rangeOf('1:1:0.5'), [1]);
  assert.deepEqual(rangeOf('0:1:0.3'), [0, 0.3, 0.6, 0.9]);
  assert.deepEqual(rangeOf(' \u22121 : 1 : 0.5 '), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(rangeOf('-2:-1:0.25'), [-2, -1.75, -1.5, -1.25, -1]);
});

test('bad ranges get a message that shows the expected form and what was wrong', () => {
  assert.equal(rangeError('1:0:1'), "epsilon range must look like start:stop:step with start ≤ stop and step > 0 (got '1:0:1': stop is below start)");
  assert.match(rangeError('0:1:0'), /step must be > 0/);
  assert.match(rangeError('0:1:-0.5'), /step must be > 0/);
  assert.match(rangeError('0:1'), /\(got '0:1': 2 parts instead of 3\)/);
  assert.match(rangeError('a:1:1'), /"a" is not a number/);
  assert.match(rangeError('0::1'), /an empty part/);
  assert.match(rangeError('0:100:0.001'), /gives 100001 values; at most 1000/);
  const other = parseRange('3:1:1', 'sweep.gamma');
  assert.ok(!other.ok && other.message.startsWith('sweep.gamma range'));
});

test('ε ∈ {−1, 0, 1, 2} × 3 seeds: 12 valid, named runs of one sweep', () => {
  const configs = expandSweep({ epsilon: [-1, 0, 1, 2], seeds: 3 }, base({ loss: { type: 'ce' } }), 'sweep-x');
  assert.equal(configs.length, 12);
  for (const config of configs) {
    assert.equal(config.sweepId, 'sweep-x');
    assert.equal(config.loss.type, 'poly');
    assert.equal(config.epochs, 5, 'the base settings are kept');
    assert.equal(validateRunConfig(config).ok, true);
  }
  assert.deepEqual(configs.map((c) => [c.seed, c.loss.epsilon]), [1, 2, 3].flatMap((seed) => [-1, 0, 1, 2].map((e) => [seed, e])));
  assert.equal(configs.find((c) => c.seed === 3 && c.loss.epsilon === 2)?.name, 'Poly-1 ε=2 · seed 3');
  assert.equal(new Set(configs.map(runKey)).size, 12);
  // The range text gives the same sweep.
  assert.deepEqual(expandSweep({ epsilon: '-1:2:1', seeds: [1, 2, 3] }, base({ loss: { type: 'ce' } }), 'sweep-x'), configs);
});

test('ε = 0 stays Poly-1 ε=0 with a note; ε < −1 carries the validation warning', () => {
  const plan = planSweep({ epsilon: [-2, 0, 2], seeds: 1 }, base(), 'sweep-y');
  const zero = plan.configs.find((c) => c.loss.epsilon === 0);
  assert.deepEqual(zero?.loss, { type: 'poly', epsilon: 0 });
  assert.equal(plan.notes.length, 1);
  assert.equal(plan.notes[0], 'Poly-1 ε=0 is exactly CE: those runs stay poly with ε=0 and stand in for CE when no CE runs exist');
  // With the CE baseline in the sweep, ε = 0 only repeats it: the note says so.
  assert.deepEqual(planSweep({ epsilon: [0, 1], seeds: 1, baseline: true }, base(), 's').notes,
    ['Poly-1 ε=0 is exactly CE: its runs repeat the CE baseline runs (leave ε=0 out to save them)']);
  assert.equal(plan.warnings.length, 1);
  assert.match(plan.warnings[0].message, /ε = -2 < −1/);
  assert.deepEqual(planSweep({ epsilon: [1, 2], seeds: 1 }, base(), 's').notes, []);
});

test('baseline runs, γ and label smoothing axes, and Poly-N bases', () => {
  const withCe = expandSweep({ epsilon: [-1, 0, 1, 2], seeds: 3, baseline: true }, base(), 's');
  assert.equal(withCe.length, 15);
  assert.deepEqual(withCe.filter((c) => c.loss.type === 'ce').map((c) => [c.seed, c.name]), [[1, 'CE · seed 1'], [2, 'CE · seed 2'], [3, 'CE · seed 3']]);

  const focal = expandSweep({ epsilon: [1, 2], gamma: [1, 2], seeds: [7], baseline: true }, base({ loss: { type: 'focal' } }), 's');
  assert.deepEqual(focal.map((c) => c.name), [
    'Focal γ=1 · seed 7', 'Poly-1 focal γ=1 ε=1 · seed 7', 'Poly-1 focal γ=1 ε=2 · seed 7',
    'Focal γ=2 · seed 7', 'Poly-1 focal γ=2 ε=1 · seed 7', 'Poly-1 focal γ=2 ε=2 · seed 7',
  ]);

  const gammaOnly = expandSweep({ gamma: [0.5, 1], seeds: 2, baseline: true }, base({ loss: { type: 'poly', epsilon: 1 } }), 's');
  assert.deepEqual(gammaOnly.map((c) => c.name), [
    'Focal γ=0.5 · seed 1', 'Poly-1 focal γ=0.5 ε=1 · seed 1', 'Focal γ=1 · seed 1', 'Poly-1 focal γ=1 ε=1 · seed 1',
    'Focal γ=0.5 · seed 2', 'Poly-1 focal γ=0.5 ε=1 · seed 2', 'Focal γ=1 · seed 2', 'Poly-1 focal γ=1 ε=1 · seed 2',
  ]);

  const smoothing = expandSweep({ labelSmoothing: [0, 0.1], epsilon: [2], seeds: 1, baseline: true }, base(), 's');
  assert.deepEqual(smoothing.map((c) => c.name), ['CE · seed 1', 'Poly-1 ε=2 · seed 1', 'CE ls=0.1 · seed 1', 'Poly-1 ε=2 ls=0.1 · seed 1']);

  const polyN = expandSweep({ epsilon: [3], seeds: 1 }, base({ loss: { type: 'poly', epsilon: [1, 0.5] } }), 's');
  assert.deepEqual(polyN[0].loss.epsilon, [3, 0.5]);

  // Without an ε axis the baseline would repeat the runs themselves: each config appears once.
  assert.equal(expandSweep({ seeds: 4, baseline: true }, base({ loss: { type: 'ce' } }), 's').length, 4);
});

test('invalid sweeps fail with the field and the allowed values', () => {
  const errorOf = (spec: unknown, config = base()): string => {
    try {
      expandSweep(spec as SweepSpec, config, 's');
    } catch (error) {
      assert.ok(error instanceof SweepError, String(error));
      return error.message;
    }
    assert.fail('the sweep was accepted');
  };
  assert.match(errorOf({ epsilon: [1] }), /sweep\.seeds is required/);
  assert.match(errorOf({ epsilon: [1], seeds: 0 }), /sweep\.seeds must be a list of seeds \(integers ≥ 0\) or a count n in \[1, 1000\]/);
  assert.match(errorOf({ epsilon: [1], seeds: [1, -1] }), /sweep\.seeds\[1\] must be an integer in \[0, 4294967295\]/);
  assert.match(errorOf({ epsilon: [1], seeds: [1, 2, 1] }), /sweep\.seeds lists 1 more than once/);
  assert.match(errorOf({ epsilon: '2:1:1', seeds: 1 }), /sweep\.epsilon range must look like start:stop:step/);
  assert.match(errorOf({ epsilon: true, seeds: 1 }), /sweep\.epsilon must be a list of numbers or a range "start:stop:step"/);
  assert.match(errorOf({ epsilon: [1], seeds: 1, steps: 3 }), /sweep\.steps is not a field of sweep/);
  assert.match(errorOf({ labelSmoothing: [1.5], seeds: 1 }), /sweep\.labelSmoothing\[0\] must be in \[0, 1\) \(got 1\.5\)/);
  assert.match(errorOf({ gamma: [-1], seeds: 1 }), /sweep\.gamma\[0\] must be ≥ 0 \(got -1\)/);
  assert.match(errorOf({ epsilon: '0:999:1', seeds: 2 }), new RegExp(`sweep would create 2000 runs; at most ${MAX_SWEEP_RUNS}`));
  // A generated config that cannot run names the run and the field.
  const sigmoid = base({ loss: { type: 'focal', activation: 'sigmoid' } });
  assert.match(errorOf({ labelSmoothing: [0.1], seeds: 1 }, sigmoid), /Focal γ=2 sigmoid ls=0\.1 · seed 1: loss\.labelSmoothing only works with activation "softmax"/);
});

const schemaPath = path.join(__dirname, '../../media/schemas/sweep.schema.json');
const sweepSchema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

test('the sweep schema uses only keywords the runtime interpreter knows', () => {
  const known = new Set([...VALIDATION_KEYWORDS, ...ANNOTATION_KEYWORDS]);
  const walk = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      assert.ok(known.has(key), `${where}: unsupported keyword ${key}`);
      if (key === 'properties') for (const [name, sub] of Object.entries(child as object)) walk(sub, `${where}/properties/${name}`);
      if (key === 'items') walk(child, `${where}/items`);
      if (key === 'anyOf') (child as unknown[]).forEach((sub, i) => walk(sub, `${where}/anyOf/${i}`));
    }
  };
  walk(sweepSchema, 'sweep.schema.json');
});

test('the runtime validator agrees with ajv on the sweep schema', () => {
  const ajv = new Ajv({ strict: true, strictNumbers: true, allErrors: true });
  ajv.addVocabulary(['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'defaultSnippets', 'errorMessage']);
  const reference = ajv.compile(sweepSchema);
  const values: unknown[] = [
    { seeds: 3 }, { epsilon: [-1, 0, 1, 2], seeds: 3 }, { epsilon: '-1:2:1', seeds: [1, 2] }, { epsilon: [], seeds: 1 },
    { epsilon: [1, 'x'], seeds: 1 }, { epsilon: '', seeds: 1 }, { seeds: 1.5 }, { seeds: [] }, { seeds: 1001 },
    { gamma: [0, 2], labelSmoothing: [0.1], seeds: 2, baseline: true }, { seeds: 2, baseline: 'yes' }, 'sweep', null, [],
  ];
  for (const value of values) {
    const ours = validateSweepSpec(value);
    assert.equal(ours.ok, reference(value), `${JSON.stringify(value)}: ${ours.ok ? 'accepted' : ours.errors.map((e) => e.message).join('; ')}`);
  }
});

test('seed counts mean seeds 1..n', () => {
  assert.deepEqual(seedList(3), [1, 2, 3]);
  assert.deepEqual(seedList([5, 9]), [5, 9]);
});

test('sweep ids sort by creation time and do not collide', () => {
  const early = generateSweepId(new Date('2026-03-09T23:59:59Z'));
  const late = generateSweepId(new Date('2026-03-10T00:00:00Z'));
  assert.match(early, SWEEP_ID_PATTERN);
  assert.ok(early.startsWith('sweep-20260309-235959-'));
  assert.ok(early < late);
  const now = new Date();
  assert.equal(new Set(Array.from({ length: 200 }, () => generateSweepId(now))).size, 200);
});

test('resume: the runs of a sweep that have no completed run yet', () => {
  const expanded = expandSweep({ epsilon: [-1, 0, 1, 2], seeds: 3 }, base(), 'sweep-1');
  const record = (config: RunConfig, status: RunStatus): { config: RunConfig; status: RunStatus } => ({ config, status });
  const existing = [
    ...expanded.slice(0, 4).map((c) => record(c, 'completed')),
    // Same settings written in another key order, from another sweep, with another name: still done.
    record({ ...reversedKeys(expanded[4]), sweepId: 'other', name: 'mine' }, 'completed'),
    record(expanded[5], 'failed'),
    record(expanded[6], 'running'),
    record({ ...(expanded[7] as BuiltinRunConfig), epochs: 50 }, 'completed'),
  ];
  const missing = missingRuns(expanded, existing);
  assert.deepEqual(missing, expanded.slice(5));
  assert.deepEqual(missingRuns(expanded, existing, ['completed', 'running']), expanded.slice(5).filter((_, i) => i !== 1));
  assert.deepEqual(missingRuns(expanded, []), expanded);
});

test('time estimate: epochs × training examples / throughput', () => {
  const configs = expandSweep({ epsilon: [-1, 0, 1, 2], seeds: 3 }, base({ epochs: 10 }), 's');
  assert.equal(estimateSweepSeconds(configs, 4000, { digits: 1000 }), (12 * 10 * 1000) / 4000);
  assert.equal(estimateSweepSeconds(configs, 4000, { iris: 100 }), undefined);
  assert.equal(estimateSweepSeconds(configs, 0, { digits: 1000 }), undefined);
  const csv = base({ dataset: { name: 'csv', path: 'data/x.csv' } });
  assert.equal(estimateSweepSeconds([csv], 100, { 'data/x.csv': 500 }), 25);
});
