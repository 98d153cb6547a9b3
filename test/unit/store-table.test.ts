import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { configFacts, diffConfigs } from '../../src/core/configDiff';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../../src/core/runFormat';
import { summarizeForTable } from '../../src/store/runTable';

function config(overrides: Partial<BuiltinRunConfig> = {}): BuiltinRunConfig {
  return { ...structuredClone(DEFAULT_CONFIG), ...overrides };
}

describe('diffConfigs', () => {
  it('names only what differs: ε and seed for a Poly-1 sweep', () => {
    const configs = [
      config({ loss: { type: 'poly', epsilon: 1 }, seed: 1 }),
      config({ loss: { type: 'poly', epsilon: 2 }, seed: 1 }),
      config({ loss: { type: 'poly', epsilon: 2 }, seed: 2 }),
    ];
    const diff = diffConfigs(configs);
    assert.deepEqual(diff.differences.map((d) => [d.key, d.label, d.values]), [
      ['loss.epsilon', 'ε', ['1', '2', '2']],
      ['seed', 'seed', ['1', '1', '2']],
    ]);
    assert.deepEqual(diff.legend, ['ε=1, seed 1', 'ε=2, seed 1', 'ε=2, seed 2']);
    assert.ok(diff.common.some((c) => c.key === 'dataset.name' && c.value === 'digits'));
    assert.ok(!diff.common.some((c) => c.key === 'name'), 'the name is not a setting');
  });

  it('shows the whole loss when the loss type differs', () => {
    const diff = diffConfigs([
      config({ loss: { type: 'ce' } }),
      config({ loss: { type: 'poly', epsilon: 2 } }),
      config({ loss: { type: 'focal', gamma: 2 } }),
    ]);
    assert.deepEqual(diff.differences.map((d) => d.key), ['loss']);
    assert.deepEqual(diff.legend, ['CE', 'Poly-1 ε=2', 'Focal γ=2']);
  });

  it('treats equivalent configs as equal: the default ε, key order, ignored fields', () => {
    const a = config({ loss: { type: 'poly' }, optimizer: { type: 'adam', learningRate: 0.001, momentum: 0.5 } });
    const b: BuiltinRunConfig = { ...config({ loss: { epsilon: 1, type: 'poly' } }), name: 'other name', sweepId: 's1' };
    const diff = diffConfigs([a, b]);
    assert.deepEqual(diff.differences, []);
    assert.deepEqual(diff.legend, ['Poly-1 ε=1', 'Poly-1 ε=1']);
    assert.equal(configFacts(a).get('optimizer.momentum'), undefined, 'adam ignores momentum');
  });

  it('reports dataset and optimizer differences with readable labels, defaults made explicit', () => {
    const diff = diffConfigs([
      config({ dataset: { name: 'digits', labelNoise: 0.2 }, optimizer: { type: 'sgd', learningRate: 0.01 } }),
      config({ dataset: { name: 'digits', validationFraction: 0.15, testFraction: 0.15 }, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.5 } }),
    ]);
    assert.deepEqual(diff.differences.map((d) => [d.label, d.values]), [
      ['label noise', ['0.2', '0']],
      ['lr', ['0.01', '0.1']],
      ['momentum', ['0.9', '0.5']],
    ]);
    assert.equal(diff.legend[0], 'label noise 0.2, lr 0.01, momentum 0.9');
  });
});

describe('summarizeForTable', () => {
  it('pairs each run with its differing settings and headline metrics', () => {
    const record = (id: string, c: BuiltinRunConfig, testAcc?: number): RunRecord => ({
      schemaVersion: RUN_SCHEMA_VERSION, id, name: id, config: c, status: testAcc === undefined ? 'failed' : 'completed',
      createdAt: '2026-01-01T00:00:00.000Z',
      summary: testAcc === undefined ? undefined : { steps: 100, epochs: 5, finalLoss: 0.3, bestValAcc: 0.95, testAcc, ece: 0.02 },
    });
    const table = summarizeForTable([
      record('a', config({ loss: { type: 'ce' }, seed: 1 }), 0.93),
      record('b', config({ loss: { type: 'poly', epsilon: 2 }, seed: 1 })),
    ]);
    assert.deepEqual(table.columns, [{ key: 'loss', label: 'loss' }]);
    assert.deepEqual(table.rows.map((r) => [r.id, r.legend, r.settings, r.status, r.testAcc, r.ece]), [
      ['a', 'CE', ['CE'], 'completed', 0.93, 0.02],
      ['b', 'Poly-1 ε=2', ['Poly-1 ε=2'], 'failed', undefined, undefined],
    ]);
  });
});
