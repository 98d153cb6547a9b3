import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset, MAX_DATASET_FILE_BYTES, type Dataset, type Split } from '../../src/training/datasets';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'datasets');

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'polyloss-user-data-'));
}

/** Writes files into a fresh folder and returns it, for loading with workspaceDir. */
function workspace(files: Record<string, string | Buffer>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

function classCounts(d: Dataset): number[] {
  const counts = new Array<number>(d.numClasses).fill(0);
  for (const s of [d.train, d.validation, d.test]) for (const c of s.y) counts[c]++;
  return counts;
}

const total = (d: Dataset) => d.train.n + d.validation.n + d.test.n;

test('CSV with a header and quoted class names matches the bundled iris split for split', async () => {
  const fromCsv = await loadDataset({ name: 'csv', path: 'iris-named.csv' }, 5, { workspaceDir: fixtures });
  const bundled = await loadDataset({ name: 'iris' }, 5);
  assert.deepEqual(fromCsv.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(fromCsv.inputShape, [4]);
  assert.equal(fromCsv.isImage, false);
  assert.equal(fromCsv.name, 'iris-named.csv');
  for (const key of ['train', 'validation', 'test'] as const) {
    assert.deepEqual(fromCsv[key].y, bundled[key].y);
    fromCsv[key].x.forEach((v, i) => assert.ok(Math.abs(v - bundled[key].x[i]) < 1e-5));
  }
  assert.ok(fromCsv.notes.some((n) => n.includes("label column 'species'")));
  assert.ok(fromCsv.notes.some((n) => n.includes('0=setosa, 1=versicolor, 2=virginica')));
});

test('headerless tab-separated CSV with whole-number labels in the first column (UCI wine layout)', async () => {
  const d = await loadDataset({ name: 'csv', path: path.join(fixtures, 'wine-uci.tsv'), labelColumn: 0 }, 1);
  assert.deepEqual(d.classNames, ['1', '2', '3']);
  assert.deepEqual(classCounts(d), [59, 71, 48]);
  assert.deepEqual(d.inputShape, [13]);
  assert.ok(d.notes.some((n) => n.includes('no header row')));
  assert.ok(d.notes.some((n) => n.includes('0=1, 1=2, 2=3')));
  // The same file with the label column given as a numeric string.
  const again = await loadDataset({ name: 'csv', path: path.join(fixtures, 'wine-uci.tsv'), labelColumn: '0' }, 1);
  assert.deepEqual(again.train.y, d.train.y);
});

const grid = (rowsPerClass: number, label: (c: number) => string) =>
  Array.from({ length: 3 * rowsPerClass }, (_, i) => `${i},${i % 7}.5,${label(i % 3)}`).join('\n');

test('header detection, label column by name, semicolons, and the header option', async () => {
  const dir = workspace({
    'plain.csv': grid(4, (c) => String(c)),
    'named.csv': `a;target;b\n${grid(4, (c) => `k${c}`).split('\n').map((r) => { const [x, y, z] = r.split(','); return `${x};${z};${y}`; }).join('\n')}`,
  });
  const plain = await loadDataset({ name: 'csv', path: 'plain.csv' }, 1, { workspaceDir: dir });
  assert.equal(total(plain), 12);
  assert.deepEqual(plain.classNames, ['0', '1', '2']);
  const named = await loadDataset({ name: 'csv', path: 'named.csv', labelColumn: 'TARGET' }, 1, { workspaceDir: dir });
  assert.deepEqual(named.classNames, ['k0', 'k1', 'k2']);
  assert.equal(total(named), 12);
  // Forcing header: true on a file without one drops its first data row.
  const forced = await loadDataset({ name: 'csv', path: 'plain.csv', header: true, validationFraction: 0, testFraction: 0 }, 1, { workspaceDir: dir });
  assert.equal(total(forced), 11);
});

test('a gzipped CSV loads like the plain one', async () => {
  const dir = workspace({ 'data.csv.gz': gzipSync(grid(5, (c) => `class ${c}`)) });
  const d = await loadDataset({ name: 'csv', path: 'data.csv.gz' }, 1, { workspaceDir: dir });
  assert.equal(total(d), 15);
  assert.deepEqual(d.classNames, ['class 0', 'class 1', 'class 2']);
});

test('bad CSV files get a message naming the file, line and problem', async () => {
  const cases: [string, string, RegExp, Record<string, unknown>?][] = [
    ['ragged.csv', 'a,b,c,label\n1,2,3,x\n4,5,6,y\n1,2,3,x\n4,5,6,y\n1,2,3\n4,5,6,y,9\n', /ragged\.csv line 6 has 3 columns, expected 4/],
    ['text.csv', 'sepal,petal_width,label\n1,2,a\n3,abc,b\n', /text\.csv line 3, column 'petal_width': 'abc' is not a number/],
    ['hole.csv', '1,2,a\n3,,b\n', /hole\.csv line 2, column 1 \(counting from 0\): the cell is empty/],
    ['empty.csv', '\n  \n', /Dataset file empty\.csv is empty/],
    ['header-only.csv', 'a,b,label\n', /header-only\.csv has a header row but no data rows/],
    ['one-class.csv', 'a,label\n1,x\n2,x\n3,x\n', /one-class\.csv has only one class \('x'\); classification needs at least 2/],
    ['tiny-class.csv', `a,label\n${'1,big\n'.repeat(10)}2,small\n2,small\n`, /tiny-class\.csv: class 'small' has only 2 example\(s\); it needs at least 3/],
    ['negative.csv', 'a,label\n1,0\n2,1\n3,-1\n', /negative\.csv line 4, column 'label': label -1 is out of range; numeric labels must be class indices/],
    ['fraction.csv', 'a,label\n1,0.5\n2,1\n', /fraction\.csv line 2, column 'label': label 0\.5 is not a whole number/],
    ['single.csv', 'x\n1\n2\n', /single\.csv has only 1 column/],
    ['unknown-column.csv', 'a,b,label\n1,2,x\n', /dataset\.labelColumn 'species' is not a column of unknown-column\.csv; its columns are: a, b, label/, { labelColumn: 'species' }],
    ['index-column.csv', '1,2,x\n', /dataset\.labelColumn 3 is out of range: index-column\.csv has 3 columns \(indices 0\.\.2\)/, { labelColumn: 3 }],
    ['no-header-name.csv', '1,2,x\n', /dataset\.labelColumn 'species' is a name, but no-header-name\.csv has no header row/, { labelColumn: 'species' }],
    ['empty-label.csv', 'a,label\n1,x\n2,\n', /empty-label\.csv line 3: the label in column 'label' is empty/],
  ];
  const dir = workspace(Object.fromEntries(cases.map(([name, content]) => [name, content])));
  for (const [name, , message, extra] of cases) {
    await assert.rejects(loadDataset({ name: 'csv', path: name, ...extra }, 1, { workspaceDir: dir }), message, name);
  }
});

test('missing files and missing paths are reported', async () => {
  const dir = tempDir();
  await assert.rejects(loadDataset({ name: 'csv', path: 'nowhere.csv' }, 1, { workspaceDir: dir }),
    new RegExp(`Dataset file not found: nowhere\\.csv \\(looked for ${path.join(dir, 'nowhere.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  const absolute = path.join(dir, 'absent.csv');
  await assert.rejects(loadDataset({ name: 'csv', path: absolute }, 1), (e: Error) => e.message === `Dataset file not found: ${absolute}`, 'an absolute path is not said twice');
  await assert.rejects(loadDataset({ name: 'csv' }, 1), /dataset\.path is required for csv datasets/);
  await assert.rejects(loadDataset({ name: 'idx', path: 'x' }, 1), /dataset\.labelsPath is required for idx datasets/);
});

test('files over the size limit are refused before reading, with size and limit', async () => {
  const dir = tempDir();
  const huge = path.join(dir, 'huge.csv');
  writeFileSync(huge, '');
  truncateSync(huge, MAX_DATASET_FILE_BYTES + 512 * 1024 ** 2); // sparse: no disk used
  await assert.rejects(loadDataset({ name: 'csv', path: 'huge.csv' }, 1, { workspaceDir: dir }),
    /Dataset file huge\.csv is too large: 1\.50 GiB; the limit is 1\.00 GiB/);
  // Just over the limit: the rounded sizes would read the same, so the bytes are shown.
  truncateSync(huge, MAX_DATASET_FILE_BYTES + 1);
  await assert.rejects(loadDataset({ name: 'csv', path: 'huge.csv' }, 1, { workspaceDir: dir }),
    /Dataset file huge\.csv is too large: 1\.00 GiB \(1,073,741,825 bytes\); the limit is 1\.00 GiB \(1,073,741,824 bytes\)$/);
});

/** IDX bytes: magic (0, 0, type, dims), big-endian uint32 sizes, then the payload. */
function idx(type: number, dims: number[], payload: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(type, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(payload)]);
}

// 12 images of 2×3 pixels: every pixel of image i is 20·i, its label is i mod 3.
const imageCount = 12;
const images = idx(0x08, [imageCount, 2, 3], Array.from({ length: imageCount * 6 }, (_, p) => 20 * Math.floor(p / 6)));
const labels = idx(0x08, [imageCount], Array.from({ length: imageCount }, (_, i) => i % 3));

function imagesOf(split: Split): { id: number; label: number }[] {
  return Array.from({ length: split.n }, (_, i) => {
    const pixels = Array.from(split.x.subarray(i * 6, i * 6 + 6));
    assert.ok(pixels.every((p) => p === pixels[0]));
    return { id: Math.round((pixels[0] * 255) / 20), label: split.y[i] };
  });
}

test('IDX files load raw and gzipped, pixels scaled to [0, 1] with their labels', async () => {
  const dir = workspace({ 'img': images, 'lbl': labels, 'img.gz': gzipSync(images), 'lbl.gz': gzipSync(labels) });
  const raw = await loadDataset({ name: 'idx', path: 'img', labelsPath: 'lbl' }, 3, { workspaceDir: dir });
  const gz = await loadDataset({ name: 'idx', path: 'img.gz', labelsPath: 'lbl.gz' }, 3, { workspaceDir: dir });
  assert.deepEqual(raw.inputShape, [2, 3, 1]);
  assert.equal(raw.isImage, true);
  assert.deepEqual(raw.classNames, ['0', '1', '2']);
  const all = [raw.train, raw.validation, raw.test].flatMap(imagesOf);
  assert.deepEqual(all.map((e) => e.id).sort((a, b) => a - b), Array.from({ length: imageCount }, (_, i) => i));
  for (const e of all) assert.equal(e.label, e.id % 3);
  for (const key of ['train', 'validation', 'test'] as const) {
    assert.deepEqual(gz[key].x, raw[key].x);
    assert.deepEqual(gz[key].y, raw[key].y);
  }
});

test('bad IDX files: swapped, wrong type, truncated, mismatched counts', async () => {
  const dir = workspace({
    img: images,
    lbl: labels,
    floats: idx(0x0d, [1, 2, 2], new Array(16).fill(0)),
    short: images.subarray(0, images.length - 5),
    fewer: idx(0x08, [imageCount - 1], new Array(imageCount - 1).fill(0)),
    text: Buffer.from('hello, world'),
  });
  const load = (p: string, l: string) => loadDataset({ name: 'idx', path: p, labelsPath: l }, 1, { workspaceDir: dir });
  await assert.rejects(load('lbl', 'img'), /lbl is not an IDX images file: magic number 0x00000801 means 1 dimension\(s\) \(a labels file\?\); expected 0x00000803/);
  await assert.rejects(load('floats', 'lbl'), /floats holds float32 values \(magic number 0x00000d03\); only unsigned-byte IDX files \(0x00000803\) are supported/);
  await assert.rejects(load('short', 'lbl'), /short has 67 bytes of data, but its header says 12×2×3 = 72 \(file truncated\?\)/);
  await assert.rejects(load('img', 'fewer'), /img has 12 images but fewer has 11 labels; they must match/);
  await assert.rejects(load('text', 'lbl'), /text is not an IDX file/);
});

const fashionDir = '/usr/share/datasets/fashion-mnist';

test('real Fashion-MNIST IDX files (Debian dataset-fashion-mnist) load with a stratified subsample', async () => {
  const imagesFile = path.join(fashionDir, 't10k-images-idx3-ubyte.gz');
  const labelsFile = path.join(fashionDir, 't10k-labels-idx1-ubyte.gz');
  assert.ok(existsSync(imagesFile) && existsSync(labelsFile),
    `${fashionDir} is missing its t10k files: install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)`);
  const d = await loadDataset({ name: 'idx', path: imagesFile, labelsPath: labelsFile, maxSamples: 2000 }, 1);
  assert.deepEqual(d.inputShape, [28, 28, 1]);
  assert.equal(d.numClasses, 10);
  assert.deepEqual(classCounts(d), new Array(10).fill(200)); // the t10k set has 1,000 images per class
  assert.ok(d.notes.some((n) => n.includes('10000 images of 28×28 pixels')));
  assert.ok(d.notes.some((n) => n.includes('stratified subsample of 2000 of 10000')));
  let max = 0;
  for (const v of d.train.x) max = Math.max(max, v);
  assert.equal(max, 1);
});
