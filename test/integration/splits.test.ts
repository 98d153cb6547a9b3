// Which split each number of a run comes from. Two digits runs that differ only in their seed
// (as a first hour of trying things gives): the validation and test splits are disjoint, the same
// for the same seed, as large as documented (round(class size × 0.15) of every class), and the
// summary's best validation accuracy comes from the validation split, its test accuracy from the
// test split.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import type { EpochMetric } from '../../src/core/runFormat';
import { DEFAULT_TEST_FRACTION, DEFAULT_VALIDATION_FRACTION, loadDataset, prepareDataset } from '../../src/training/datasets';
import { loadBundled } from '../../src/training/datasets/bundled';
import { train, type TrainStartInfo } from '../../src/training/train';

const CONFIG: BuiltinRunConfig = {
  dataset: { name: 'digits' },
  model: { type: 'mlp', hidden: [32] },
  loss: { type: 'ce' },
  optimizer: { type: 'adam', learningRate: 0.01 },
  batchSize: 64,
  epochs: 2,
  seed: 1,
  backend: 'wasm',
};

/** The split of the digits for a seed, traced by example index: the same labels, features = the index. */
async function tracedSplit(seed: number): Promise<{ train: number[]; validation: number[]; test: number[] }> {
  const digits = await loadBundled('digits');
  const traced = { ...digits, x: Float32Array.from({ length: digits.n }, (_, i) => i), inputShape: [1, 1, 1], isImage: true };
  const d = prepareDataset(traced, CONFIG.dataset, seed);
  return { train: Array.from(d.train.x), validation: Array.from(d.validation.x), test: Array.from(d.test.x) };
}

describe('validation and test splits of a run', () => {
  it('are disjoint, stable per seed and as large as documented', async () => {
    const digits = await loadBundled('digits');
    const classSizes = digits.classNames.map((_, c) => digits.y.filter((y) => y === c).length);
    const documented = (fraction: number) => classSizes.reduce((sum, size) => sum + Math.round(size * fraction), 0);
    assert.equal(DEFAULT_VALIDATION_FRACTION, 0.15, 'the schema documents 0.15');
    assert.equal(DEFAULT_TEST_FRACTION, 0.15, 'the schema documents 0.15');

    const splits = new Map<number, Awaited<ReturnType<typeof tracedSplit>>>();
    for (const seed of [1, 2]) {
      const split = await tracedSplit(seed);
      splits.set(seed, split);
      assert.equal(split.validation.length, documented(0.15), `seed ${seed}: validation size`);
      assert.equal(split.test.length, documented(0.15), `seed ${seed}: test size`);
      assert.equal(split.train.length + split.validation.length + split.test.length, digits.n);
      const validation = new Set(split.validation);
      assert.equal(split.test.filter((i) => validation.has(i)).length, 0, `seed ${seed}: no test example is a validation example`);
      assert.equal(split.train.filter((i) => validation.has(i)).length, 0, `seed ${seed}: no training example is a validation example`);
      assert.equal(new Set([...split.train, ...split.validation, ...split.test]).size, digits.n, 'every example in exactly one split');
      assert.deepEqual(await tracedSplit(seed), split, `seed ${seed}: the same split every time`);

      // The real dataset of the seed has exactly the traced examples, in the same order.
      const real = await loadDataset(CONFIG.dataset, seed);
      assert.deepEqual(Array.from(real.validation.y), split.validation.map((i) => digits.y[i]));
      assert.deepEqual(Array.from(real.test.y), split.test.map((i) => digits.y[i]));
    }
    const overlap = splits.get(1)!.test.filter((i) => splits.get(2)!.test.includes(i)).length;
    assert.ok(overlap < splits.get(1)!.test.length / 2, `another seed draws other test examples (${overlap} shared)`);
  });

  for (const seed of [1, 2]) {
    it(`seed ${seed}: best val acc is measured on the validation split, test acc on the test split`, async () => {
      const epochs: EpochMetric[] = [];
      let started: TrainStartInfo | undefined;
      const { status, summary } = await train({ ...CONFIG, seed }, {
        onStarted: (info) => { started = info; },
        onEpoch: (epoch) => { epochs.push(epoch); },
      });
      assert.equal(status, 'completed');
      const split = await tracedSplit(seed);
      assert.equal(started?.data.validation, split.validation.length, 'the run records the validation size');
      assert.equal(started?.data.test, split.test.length, 'and the test size');
      assert.equal(summary.bestValAcc, Math.max(...epochs.map((e) => e.valAcc)), 'best val acc is the best epoch\'s validation accuracy');
      const confusion = summary.confusion!;
      const total = confusion.flat().reduce((a, b) => a + b, 0);
      assert.equal(total, split.test.length, 'the confusion matrix counts the test split');
      const perClass = confusion.map((row) => row.reduce((a, b) => a + b, 0));
      assert.deepEqual(perClass, digitsClassCounts(split.test, await loadBundled('digits')), 'with the test split\'s classes');
      const correct = confusion.reduce((sum, row, i) => sum + row[i], 0);
      assert.ok(Math.abs(summary.testAcc! - correct / total) < 1e-12, `test acc ${summary.testAcc} is that matrix's accuracy`);
    });
  }
});

function digitsClassCounts(indices: number[], digits: { y: Int32Array; classNames: string[] }): number[] {
  const counts = digits.classNames.map(() => 0);
  for (const i of indices) counts[digits.y[i]]++;
  return counts;
}
