import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BUNDLED_DATASETS, type DatasetSpec } from '../../src/core/runConfig';
import { describeDatasets, findDatasetsDir, loadDataset, prepareDataset, type Dataset, type LabelledData, type Split } from '../../src/training/datasets';
import { loadBundled } from '../../src/training/datasets/bundled';
import { decodePacked, encodePacked } from '../../src/training/datasets/packedFormat';
import { standardise } from '../../src/training/datasets/preprocess';

function classCounts(y: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const c of y) counts[c]++;
  return counts;
}

function rows(split: Split): string[] {
  const width = split.x.length / split.n;
  return Array.from({ length: split.n }, (_, i) => Array.from(split.x.subarray(i * width, (i + 1) * width)).join(','));
}

/** Examples whose single feature is their index, so every split can be traced back to the source. */
function syntheticData(classSizes: number[]): LabelledData {
  const y = Int32Array.from(classSizes.flatMap((size, c) => new Array<number>(size).fill(c)));
  return {
    name: 'synthetic', x: Float32Array.from(y, (_, i) => i), y, n: y.length,
    inputShape: [1, 1, 1], isImage: true, classNames: classSizes.map((_, c) => `c${c}`), notes: [],
  };
}

const ids = (split: Split) => Array.from(split.x);

const expected = {
  digits: { n: 1797, classes: 10, shape: [8, 8, 1], isImage: true },
  mnist: { n: 10000, classes: 10, shape: [28, 28, 1], isImage: true },
  iris: { n: 150, classes: 3, shape: [4], isImage: false },
  wine: { n: 178, classes: 3, shape: [13], isImage: false },
  'breast-cancer': { n: 569, classes: 2, shape: [30], isImage: false },
};

for (const name of BUNDLED_DATASETS) {
  test(`bundled ${name} loads with its documented size, classes and shape`, async () => {
    const want = expected[name];
    const d = await loadDataset({ name }, 7);
    assert.equal(d.train.n + d.validation.n + d.test.n, want.n);
    assert.equal(d.numClasses, want.classes);
    assert.equal(d.classNames.length, want.classes);
    assert.deepEqual(d.inputShape, want.shape);
    assert.equal(d.isImage, want.isImage);
    const width = want.shape.reduce((a, b) => a * b, 1);
    for (const split of [d.train, d.validation, d.test]) {
      assert.equal(split.x.length, split.n * width);
      assert.equal(split.y.length, split.n);
      assert.ok(split.y.every((c) => c >= 0 && c < want.classes));
    }
    // Every class appears in every split.
    for (const split of [d.train, d.validation, d.test]) assert.ok(classCounts(split.y, d.numClasses).every((c) => c > 0));
    const info = describeDatasets().find((i) => i.name === name);
    assert.ok(info && info.examples === want.n && info.classes === want.classes && info.license && info.source);
  });
}

test('images are scaled to [0, 1] and reach both ends', async () => {
  for (const name of ['digits', 'mnist'] as const) {
    const { train } = await loadDataset({ name }, 1);
    let min = Infinity;
    let max = -Infinity;
    for (const v of train.x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.equal(min, 0, name);
    assert.equal(max, 1, name);
  }
});

test('tabular features are standardised on the training split: mean 0, std 1 there, not forced elsewhere', async () => {
  const d = await loadDataset({ name: 'wine' }, 3);
  const width = d.inputShape[0];
  let validationOffset = 0;
  for (let j = 0; j < width; j++) {
    const column = (s: Split) => Array.from({ length: s.n }, (_, i) => s.x[i * width + j]);
    const train = column(d.train);
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / train.length);
    assert.ok(Math.abs(mean) < 1e-4, `feature ${j} train mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 1e-4, `feature ${j} train std ${std}`);
    const validation = column(d.validation);
    validationOffset = Math.max(validationOffset, Math.abs(validation.reduce((a, b) => a + b, 0) / validation.length));
  }
  assert.ok(validationOffset > 0.01, 'validation statistics were not used');
});

test('standardise uses the training statistics for every split', () => {
  const train = { x: Float32Array.from([1, 10, 3, 30]), y: new Int32Array(2), n: 2 };
  const other = { x: Float32Array.from([5, 20]), y: new Int32Array(1), n: 1 };
  standardise(train, [other], 2);
  assert.deepEqual(Array.from(train.x), [-1, -1, 1, 1]);
  assert.deepEqual(Array.from(other.x), [3, 0]);
});

test('splits are disjoint, cover the data and keep every example intact', async () => {
  const raw = await loadBundled('digits');
  const d = await loadDataset({ name: 'digits' }, 11);
  const original = rows({ x: raw.x, y: raw.y, n: raw.n }).map((r, i) => `${r}|${raw.y[i]}`).sort();
  const combined = [d.train, d.validation, d.test].flatMap((s) => rows(s).map((r, i) => `${r}|${s.y[i]}`)).sort();
  assert.deepEqual(combined, original);

  const s = prepareDataset(syntheticData([40, 60, 100]), { name: 'digits' }, 5);
  const all = [...ids(s.train), ...ids(s.validation), ...ids(s.test)];
  assert.equal(new Set(all).size, 200);
  assert.equal(all.length, 200);
});

test('splits are stratified: each class contributes round(size × fraction) to validation and test', async () => {
  const spec: DatasetSpec = { name: 'breast-cancer', validationFraction: 0.2, testFraction: 0.1 };
  const d = await loadDataset(spec, 2);
  const total = [d.train, d.validation, d.test].map((s) => classCounts(s.y, 2)).reduce((a, b) => a.map((v, c) => v + b[c]));
  assert.deepEqual(total, [212, 357]);
  assert.deepEqual(classCounts(d.validation.y, 2), total.map((n) => Math.round(n * 0.2)));
  assert.deepEqual(classCounts(d.test.y, 2), total.map((n) => Math.round(n * 0.1)));
});

test('the same seed gives identical splits; another seed gives different ones', async () => {
  const a = await loadDataset({ name: 'iris' }, 42);
  const b = await loadDataset({ name: 'iris' }, 42);
  const c = await loadDataset({ name: 'iris' }, 43);
  for (const key of ['train', 'validation', 'test'] as const) {
    assert.deepEqual(a[key].x, b[key].x);
    assert.deepEqual(a[key].y, b[key].y);
  }
  assert.notDeepEqual(a.test.x, c.test.x);
});

test('imbalance follows the exponential profile on the training split only', () => {
  const data = syntheticData(new Array<number>(10).fill(100));
  const spec: DatasetSpec = { name: 'digits', validationFraction: 0.1, testFraction: 0.1 };
  const balanced = prepareDataset(data, spec, 9);
  const skewed = prepareDataset(data, { ...spec, imbalanceRatio: 10 }, 9);
  const sizes = classCounts(skewed.train.y, 10);
  assert.deepEqual(sizes, Array.from({ length: 10 }, (_, c) => Math.round(80 * 10 ** (-c / 9))));
  assert.equal(sizes[0] / sizes[9], 10);
  assert.deepEqual(ids(skewed.validation), ids(balanced.validation));
  assert.deepEqual(ids(skewed.test), ids(balanced.test));
  // The kept training examples are a subset of the balanced training split.
  const balancedTrain = new Set(ids(balanced.train));
  assert.ok(ids(skewed.train).every((id) => balancedTrain.has(id)));
  assert.ok(skewed.notes.some((n) => n.includes('imbalance ratio 10') && n.includes('80, 62, 48')), skewed.notes.join('\n'));
});

test('imbalance on a real dataset never asks a class for more examples than it has', async () => {
  const balanced = await loadDataset({ name: 'digits' }, 4);
  const skewed = await loadDataset({ name: 'digits', imbalanceRatio: 20 }, 4);
  const available = classCounts(balanced.train.y, 10);
  const nMax = Math.max(...available);
  assert.deepEqual(classCounts(skewed.train.y, 10), available.map((n, c) => Math.min(n, Math.round(nMax * 20 ** (-c / 9)))));
  assert.deepEqual(skewed.test.y, balanced.test.y);
});

test('label noise flips round(rate × n) training labels to other classes and nothing else', async () => {
  const clean = await loadDataset({ name: 'mnist', maxSamples: 3000 }, 8);
  const noisy = await loadDataset({ name: 'mnist', maxSamples: 3000, labelNoise: 0.3 }, 8);
  assert.deepEqual(noisy.train.x, clean.train.x);
  let flipped = 0;
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  clean.train.y.forEach((c, i) => {
    if (noisy.train.y[i] !== c) flipped++;
    confusion[c][noisy.train.y[i]]++;
  });
  assert.equal(flipped, Math.round(0.3 * clean.train.n));
  // Every wrong class is reachable from every class (uniform over the other classes).
  confusion.forEach((row, c) => row.forEach((count, k) => assert.ok(k === c || count > 0, `${c}→${k} never drawn`)));
  for (const key of ['validation', 'test'] as const) {
    assert.deepEqual(noisy[key].y, clean[key].y);
    assert.deepEqual(noisy[key].x, clean[key].x);
  }
  assert.ok(noisy.notes.some((n) => n.includes(`${flipped} of ${clean.train.n} training labels flipped`)));
});

test('maxSamples takes a stratified subsample of exactly that size', () => {
  const d = prepareDataset(syntheticData([300, 100, 600]), { name: 'digits', maxSamples: 200 }, 1);
  const counts = [d.train, d.validation, d.test].map((s) => classCounts(s.y, 3)).reduce((a, b) => a.map((v, c) => v + b[c]));
  assert.deepEqual(counts, [60, 20, 120]);
});

test('a class too small to split is reported with its name and size', () => {
  assert.throws(() => prepareDataset(syntheticData([50, 2, 50]), { name: 'digits' }, 1),
    /synthetic: class 'c1' has only 2 example\(s\); it needs at least 3/);
  assert.throws(() => prepareDataset(syntheticData([500, 5]), { name: 'digits', maxSamples: 100 }, 1),
    /after dataset.maxSamples 100\): class 'c1' has only 1 example/);
  // Without validation and test splits a class of one is enough.
  const d = prepareDataset(syntheticData([5, 1]), { name: 'digits', validationFraction: 0, testFraction: 0 }, 1);
  assert.deepEqual([d.train.n, d.validation.n, d.test.n], [6, 0, 0]);
});

test('a dataset with a single class is refused', () => {
  assert.throws(() => prepareDataset(syntheticData([10]), { name: 'digits' }, 1), /only one class \('c0'\); classification needs at least 2/);
});

test('out-of-range options name the field and the allowed range', async () => {
  const cases: [Partial<DatasetSpec>, RegExp][] = [
    [{ labelNoise: 1 }, /dataset\.labelNoise must be a number in \[0, 1\); got 1/],
    [{ imbalanceRatio: 0.5 }, /dataset\.imbalanceRatio must be a number ≥ 1/],
    [{ validationFraction: -0.1 }, /dataset\.validationFraction must be a number in \[0, 1\)/],
    [{ validationFraction: 0.5, testFraction: 0.5 }, /validationFraction \+ dataset\.testFraction must be below 1/],
    [{ maxSamples: 10.5 }, /dataset\.maxSamples must be a whole number ≥ 1; got 10.5/],
    [{ name: 'cifar' as 'digits' }, /dataset\.name "cifar" is not one of digits, mnist, iris, wine, breast-cancer, csv, idx/],
  ];
  for (const [patch, message] of cases) {
    await assert.rejects(loadDataset({ name: 'iris', ...patch }, 1), message);
  }
});

test('the shipped folder is found from the source tree and from dist/', () => {
  const repo = path.resolve(__dirname, '..', '..');
  assert.equal(findDatasetsDir(), path.join(repo, 'media', 'datasets'));
  assert.equal(findDatasetsDir(path.join(repo, 'dist')), path.join(repo, 'media', 'datasets'));
});

test('a missing bundled file says how to regenerate it', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'polyloss-datasets-'));
  await assert.rejects(loadDataset({ name: 'digits' }, 1, { datasetsDir: empty }), /digits\.pld\.gz is missing; regenerate it with `npm run datasets`/);
});

test('the packed format round-trips uint8 and float32 data and rejects other files', async () => {
  const header = { name: 't', n: 2, inputShape: [3], isImage: false, classNames: ['a', 'b'], dtype: 'float32' as const, scale: 2 };
  const packed = encodePacked({ header, x: Float32Array.from([1, -2, 3.5, 0, 8, 0.25]), y: Uint8Array.from([1, 0]) });
  const decoded = await decodePacked(packed, 't.pld.gz');
  assert.deepEqual(Array.from(decoded.x), [0.5, -1, 1.75, 0, 4, 0.125]);
  assert.deepEqual(Array.from(decoded.y), [1, 0]);
  assert.deepEqual(decoded.header, header);
  const { gzipSync } = await import('node:zlib');
  await assert.rejects(decodePacked(gzipSync(Buffer.from('hello world')), 'x.gz'), /x\.gz is not a PolyLoss Lab dataset file/);
});

test('notes record the split sizes and the preprocessing', async () => {
  const d: Dataset = await loadDataset({ name: 'iris' }, 1);
  assert.ok(d.notes.includes(`stratified split (seed 1): train ${d.train.n}, validation ${d.validation.n}, test ${d.test.n}`));
  assert.ok(d.notes.some((n) => n.startsWith('features standardised')));
});

test('a dataset of 400,000 examples splits (no stack overflow from one large class)', () => {
  const n = 400_000;
  const data: LabelledData = {
    name: 'large', x: new Float32Array(n), y: Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0)),
    n, inputShape: [1], isImage: false, classNames: ['a', 'b'], notes: [],
  };
  const d = prepareDataset(data, { name: 'csv' }, 1);
  assert.equal(d.train.n + d.validation.n + d.test.n, n);
  assert.equal(d.test.n, 60_000);
  assert.equal(d.validation.n, 60_000);
});
