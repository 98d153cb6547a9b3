// Streamed CSV parsing: quoted line breaks, chunk boundaries, the check of a file's start only,
// scikit-learn count lines, and messages that never echo a file's raw bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BundledDataset } from '../../src/core/runConfig';
import { checkDataset, loadDataset } from '../../src/training/datasets';
import { loadBundled } from '../../src/training/datasets/bundled';
import { CSV_CHECK_ROWS, loadCsv } from '../../src/training/datasets/csv';
import { loadIdx } from '../../src/training/datasets/idx';

function workspace(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'polyloss-csv-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** Characters a message must never carry raw: controls (line feeds included) and U+FFFD. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_BYTES = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a failure');
}

test('quoted cells may hold line breaks, separators and quotes; line numbers stay the file\'s', async () => {
  const text = 'size,weight,label\n1,10,"two\nlines"\n2,20,"say ""hi"", then go"\r\n3,30,"a\r\nb"\n4,40,plain\n';
  const dir = workspace({ 'notes.csv': text, 'bad.csv': `${text}5,"5\n0\n0",\n` });
  const data = await loadCsv('notes.csv', {}, dir);
  assert.equal(data.n, 4);
  assert.deepEqual(Array.from(data.x), [1, 10, 2, 20, 3, 30, 4, 40]);
  // Class names keep their text; the line breaks in them are shown escaped.
  assert.deepEqual(data.classNames, ['a\\x0d\\x0ab', 'plain', 'say "hi", then go', 'two\\x0alines']);
  // The quoted cell of line 8 spans three lines; the rows of lines 2 and 5 span two each.
  assert.equal(await failure(loadCsv('bad.csv', {}, dir)), "bad.csv line 8, column 'weight': '5\\x0a0\\x0a0' is not a number");
  const unclosed = workspace({ 'open.csv': 'a,b,label\n1,2,x\n3,"4,y\n5,6,x\n' });
  assert.match(await failure(loadCsv('open.csv', {}, unclosed)), /open\.csv line 3: a quoted cell is not closed/);
});

test('a file read in many chunks keeps every row, with quoted line breaks across chunk boundaries', async () => {
  const rows = Array.from({ length: 6000 }, (_, i) => `${i},${(i * 0.25).toFixed(2)},"group ${i % 3}\nsecond line, with a comma"`);
  const text = `id;value;label\n`.replace(/;/g, ',') + `${rows.join('\n')}\n`;
  assert.ok(text.length > 4 * 65536, 'the file spans several read chunks');
  const dir = workspace({ 'long.csv': text, 'long.csv.gz': gzipSync(text), 'long-bad.csv': `${text}7,8,"unclosed\n` });
  for (const file of ['long.csv', 'long.csv.gz']) {
    const data = await loadCsv(file, {}, dir);
    assert.equal(data.n, 6000, file);
    assert.equal(data.x.length, 12000);
    assert.equal(data.x[2 * 5999], 5999);
    assert.equal(data.x[2 * 5999 + 1], 1499.75);
    assert.deepEqual(Array.from(data.y.subarray(0, 4)), [0, 1, 2, 0]);
    assert.equal(data.classNames.length, 3);
  }
  assert.match(await failure(loadCsv('long-bad.csv', {}, dir)), /long-bad\.csv line 12002: a quoted cell is not closed/);
});

test('the check before a run reads only the start of a CSV file; training parses it whole', async () => {
  const good = Array.from({ length: CSV_CHECK_ROWS + 500 }, (_, i) => `${i},${i % 2 === 0 ? 'even' : 'odd'}`);
  const lineOfBadRow = CSV_CHECK_ROWS + 502; // header + good rows before it
  const text = `n,label\n${good.slice(0, CSV_CHECK_ROWS + 500).join('\n')}\n`;
  const dir = workspace({ 'late-error.csv': `${text}oops,odd\n`, 'early-error.csv': `n,label\n1,even\nbad,odd\n${text}` });
  const spec = { name: 'csv', path: 'late-error.csv' } as const;
  // The check passes: the bad row lies beyond the rows it reads…
  await checkDataset(spec, 1, { workspaceDir: dir });
  // …and the one full parse, in training, names it.
  assert.equal(await failure(loadDataset(spec, 1, { workspaceDir: dir })), `late-error.csv line ${lineOfBadRow}, column 'n': 'oops' is not a number`);
  // A problem at the start is caught by the check itself.
  assert.match(await failure(checkDataset({ name: 'csv', path: 'early-error.csv' }, 1, { workspaceDir: dir })), /early-error\.csv line 3, column 'n': 'bad' is not a number/);
  // The check still refuses bad settings, which need no data.
  assert.match(await failure(checkDataset({ ...spec, testFraction: 1.5 }, 1, { workspaceDir: dir })), /dataset\.testFraction must be a number in \[0, 1\)/);
});

test('a CSV file that fits in the check is checked whole, its split included', async () => {
  const dir = workspace({ 'few.csv': `a,label\n${'1,big\n'.repeat(CSV_CHECK_ROWS - 3)}2,small\n2,small\n` });
  assert.match(await failure(checkDataset({ name: 'csv', path: 'few.csv' }, 1, { workspaceDir: dir })), /class 'small' has only 2 example\(s\); it needs at least 3/);
});

/** A bundled dataset written as scikit-learn writes its own CSV files: a count line, then features and the class index. */
async function sklearnCsv(name: BundledDataset): Promise<{ text: string; classNames: string[]; x: Float32Array; y: Int32Array }> {
  const data = await loadBundled(name);
  const width = data.inputShape[0];
  const lines = [`${data.n},${width},${data.classNames.join(',')}`];
  for (let i = 0; i < data.n; i++) lines.push([...data.x.subarray(i * width, (i + 1) * width), data.y[i]].join(','));
  return { text: `${lines.join('\n')}\n`, classNames: data.classNames, x: data.x, y: data.y };
}

test('scikit-learn CSV files with a count line load with their class names', async () => {
  for (const [name, file] of [['wine', 'wine_data.csv'], ['breast-cancer', 'breast_cancer.csv'], ['iris', 'iris.csv']] as const) {
    const expected = await sklearnCsv(name);
    const dir = workspace({ [file]: expected.text });
    const data = await loadCsv(file, {}, dir);
    assert.equal(data.n, expected.y.length, file);
    assert.deepEqual(data.classNames, expected.classNames, file);
    assert.deepEqual(data.y, expected.y, file);
    assert.deepEqual(data.x, expected.x, file);
    assert.ok(data.notes.some((n) => n.includes(`line 1 is a scikit-learn count line (${expected.y.length} rows`)), file);
    // …and they make a dataset with those classes, split as usual.
    const dataset = await loadDataset({ name: 'csv', path: file }, 3, { workspaceDir: dir });
    assert.deepEqual(dataset.classNames, expected.classNames);
    assert.equal(dataset.train.n + dataset.validation.n + dataset.test.n, expected.y.length);
  }
});

test('a count line that does not fit its file, or taken for a header, gets a message naming the fix', async () => {
  const { text } = await sklearnCsv('wine');
  const lines = text.trimEnd().split('\n');
  const dir = workspace({
    'short.csv': `${lines.slice(0, -1).join('\n')}\n`,
    'wine.csv': text,
    'label.csv': `${lines.slice(0, 3).join('\n')}\n${lines[3].replace(/,\d+$/, ',7')}\n`,
  });
  assert.equal(await failure(loadCsv('short.csv', {}, dir)),
    'short.csv: line 1 is a scikit-learn count line (178 rows, 13 features, classes class_0, class_1, class_2), but the file has 177 data rows; correct that line or delete it');
  assert.equal(await failure(loadCsv('wine.csv', { header: true }, dir)),
    'wine.csv line 2 has 14 columns, expected 5; line 1 is a scikit-learn count line (178 rows, 13 features, classes class_0, class_1, class_2), not a header: leave dataset.header unset to read it as one');
  assert.match(await failure(loadCsv('label.csv', {}, dir)), /label\.csv line 4: label 7 is not one of the classes 0\.\.2 named on line 1/);
});

test('a binary file given as CSV is named as such, and no message carries raw bytes', async () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from('IHDR\u0000\u0001\u0002,\u00ff\u0007\n', 'latin1')]);
  const idxImages = Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]);
  const dir = workspace({
    'photo.png': png,
    'photo.csv.gz': gzipSync(png),
    'images.idx': idxImages,
    'bell.csv': 'a,b,label\n1,2,x\n3,4\u0007\u001b[31m,y\n',
    'names.csv': 'a\u001b]0;title\u0007,b,label\n1,2,x\n3,4,y\n',
  });
  const messages = [
    await failure(loadCsv('photo.png', {}, dir)),
    await failure(loadCsv('photo.csv.gz', {}, dir)),
    await failure(loadCsv('images.idx', {}, dir)),
    await failure(loadCsv('bell.csv', {}, dir)),
    await failure(loadCsv('names.csv', { labelColumn: 'species' }, dir)),
    await failure(loadIdx('photo.png', 'photo.png', dir)),
  ];
  for (const message of messages) assert.doesNotMatch(message, RAW_BYTES, message);
  assert.equal(messages[0], 'Dataset file photo.png is not a CSV file: it holds binary data: it looks like a PNG image, not comma, semicolon or tab separated text');
  assert.match(messages[1], /photo\.csv\.gz is not a CSV file: .*a PNG image/);
  assert.match(messages[2], /images\.idx is not a CSV file: .*an IDX images file \(use dataset name idx\)/);
  assert.equal(messages[3], "bell.csv line 3, column 'b': '4\\x07\\x1b[31m' is not a number");
  assert.equal(messages[4], "dataset.labelColumn 'species' is not a column of names.csv; its columns are: a\\x1b]0;title\\x07, b, label");
  assert.match(messages[5], /photo\.png is not an IDX file/);
});
