/**
 * A user's CSV files through the real CLI process: scikit-learn's count-line files train with their
 * class names, a large file is parsed once (the check before the run reads its start; the worker
 * names a problem further down), and a binary file is refused without its bytes in the message.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunRecord } from '../../src/core/runFormat';
import { loadBundled } from '../../src/training/datasets/bundled';
import { CSV_CHECK_ROWS } from '../../src/training/datasets/csv';
import { build, cli, parseJson, tempDir, tiny } from './reliabilityKit';

let workDir: string;

interface TrainJson {
  runs: { id: string; status: string }[];
}

function runRecord(runsDir: string, id: string): RunRecord {
  return JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as RunRecord;
}

before(async () => {
  build();
  workDir = tempDir('csv-data');
  // scikit-learn's wine_data.csv: "178,13,class_0,class_1,class_2", then 13 features and the class index per row.
  const wine = await loadBundled('wine');
  const width = wine.inputShape[0];
  const lines = [`${wine.n},${width},${wine.classNames.join(',')}`];
  for (let i = 0; i < wine.n; i++) lines.push([...wine.x.subarray(i * width, (i + 1) * width), wine.y[i]].join(','));
  fs.writeFileSync(path.join(workDir, 'wine_data.csv'), `${lines.join('\n')}\n`);
  const rows = Array.from({ length: CSV_CHECK_ROWS + 200 }, (_, i) => `${i % 7},${(i * 3) % 11},${i % 2 ? 'odd' : 'even'}`);
  fs.writeFileSync(path.join(workDir, 'late-error.csv'), `a,b,label\n${rows.join('\n')}\n1,n/a,odd\n`);
  fs.writeFileSync(path.join(workDir, 'photo.csv'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x1b, 0x07]));
});

after(() => fs.rmSync(workDir, { recursive: true, force: true }));

describe('CSV files through the CLI', { concurrency: 3 }, () => {
  it('trains on a scikit-learn count-line file with its class names', async () => {
    const runsDir = path.join(workDir, 'runs-wine');
    const result = await cli(['train', ...tiny({ dataset: 'csv', data: 'wine_data.csv' }), '--json', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 0, result.stderr);
    const [run] = parseJson<TrainJson>(result).runs;
    assert.equal(run.status, 'completed');
    const record = runRecord(runsDir, run.id);
    assert.deepEqual(record.data?.classNames, ['class_0', 'class_1', 'class_2']);
    assert.equal((record.data?.train ?? 0) + (record.data?.validation ?? 0) + (record.data?.test ?? 0), 178);
    assert.deepEqual(record.data?.inputShape, [13]);
  });

  it('parses a large file once: a problem past the checked rows fails the run, naming its line', async () => {
    const runsDir = path.join(workDir, 'runs-late');
    const result = await cli(['train', ...tiny({ dataset: 'csv', data: 'late-error.csv' }), '--json', '--runs-dir', runsDir], workDir);
    assert.notEqual(result.code, 0);
    // The check before the run read only the first rows, so the run exists; its one full parse found the line.
    const [id] = fs.readdirSync(runsDir);
    const record = runRecord(runsDir, id);
    assert.equal(record.status, 'failed');
    assert.equal(record.error, `late-error.csv line ${CSV_CHECK_ROWS + 202}, column 'b': 'n/a' is not a number`);
  });

  it('refuses a binary file given as CSV without echoing its bytes', async () => {
    const runsDir = path.join(workDir, 'runs-binary');
    const result = await cli(['train', ...tiny({ dataset: 'csv', data: 'photo.csv' }), '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Dataset file photo\.csv is not a CSV file: it holds binary data: it looks like a PNG image/);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    assert.doesNotMatch(result.stderr.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\ufffd]/);
    assert.equal(fs.existsSync(runsDir), false);
  });
});
