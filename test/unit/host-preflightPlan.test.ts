// Which configs the extension checks with which confinement before it queues them, on real folders
// (the choice follows symbolic links, as the check itself does), and the message shown when a check fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type DatasetSpec, type RunConfig } from '../../src/core/runConfig';
import { preflightBatches, preflightFailureMessage } from '../../src/host/preflightPlan';

let root: string;
let folderA: string;
let folderB: string;
let outside: string;

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-preflight-plan-'));
  [folderA, folderB, outside] = ['a', 'b', 'elsewhere'].map((name) => path.join(root, name));
  for (const dir of [folderA, folderB, outside]) fs.mkdirSync(dir);
  fs.writeFileSync(path.join(folderB, 'data.csv'), 'x,label\n1,a\n');
  fs.writeFileSync(path.join(outside, 'data.csv'), 'x,label\n1,a\n');
  fs.symlinkSync(path.join(outside, 'data.csv'), path.join(folderB, 'link.csv'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

const config = (name: string, dataset: Partial<DatasetSpec>, experiment?: string): RunConfig => ({
  ...DEFAULT_CONFIG, name, dataset: { ...DEFAULT_CONFIG.dataset, ...dataset } as DatasetSpec, ...(experiment ? { experiment } : {}),
});
const names = (batches: ReturnType<typeof preflightBatches>) => batches.map((b) => [b.confineTo, b.configs.map((c) => c.name)]);

test('configs the user typed are checked unconfined; an experiment file\'s go to the folder that holds their data', () => {
  const typed = config('typed', { name: 'csv', path: path.join(outside, 'data.csv') });
  const inB = config('inB', { name: 'csv', path: path.join(folderB, 'data.csv') }, 'study');
  const relativeInB = config('relativeInB', { name: 'csv', path: 'b/data.csv' }, 'study');
  const bundled = config('bundled', { name: 'digits' }, 'study');
  const fromOutside = config('fromOutside', { name: 'csv', path: path.join(outside, 'data.csv') }, 'study');
  const linkedOut = config('linkedOut', { name: 'csv', path: path.join(folderB, 'link.csv') }, 'study');
  const batches = preflightBatches([typed, inB, relativeInB, bundled, fromOutside, linkedOut], [folderA, folderB], root);
  assert.deepEqual(names(batches), [
    [undefined, ['typed']],
    [folderB, ['inB', 'relativeInB']],
    // No folder holds these files (a link is followed to where it points): the first folder, which the check names.
    [folderA, ['bundled', 'fromOutside', 'linkedOut']],
  ]);
  assert.equal('confineTo' in batches[0], false);
  assert.deepEqual(names(preflightBatches([inB, typed], [], root)), [[undefined, ['inB', 'typed']]], 'no workspace folder: nothing to confine to');
  assert.deepEqual(preflightBatches([], [folderA], root), []);
});

test('the failure message says nothing was started and passes on the check\'s message, which names the field and file', () => {
  const reply = { type: 'preflight-failed' as const, field: 'dataset.path', message: `dataset.path ${path.join(outside, 'data.csv')} is outside the workspace folder ${folderA}` };
  assert.equal(preflightFailureMessage(reply, 1), `PolyLoss: the run was not started: ${reply.message}`);
  assert.equal(preflightFailureMessage(reply, 3), `PolyLoss: none of the 3 runs was started: ${reply.message}`);
});
