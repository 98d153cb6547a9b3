// A real training run with more classes than run.json holds per-class results for: the worker
// writes them to confusion.json, run.json stays small, and `show --json` loads them on demand.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClassResults } from '../../src/core/classResults';
import type { RunRecord } from '../../src/core/runFormat';
import { build, cli, parseJson, tempDir } from './reliabilityKit';

const CLASSES = 300;
let workDir: string;

before(() => {
  build();
  workDir = tempDir('many-classes');
  // 300 classes × 10 rows; the two features place each class on its own point, so it can be learnt.
  const rows = ['x,y,label'];
  for (let i = 0; i < CLASSES * 10; i++) {
    const k = i % CLASSES;
    rows.push(`${Math.cos(k) * (1 + k / CLASSES) + (i % 7) / 1000},${Math.sin(k) * (1 + k / CLASSES)},c${k}`);
  }
  fs.writeFileSync(path.join(workDir, 'many.csv'), rows.join('\n') + '\n');
});
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

describe('a run of 300 classes', () => {
  it('keeps its per-class results in confusion.json, named by run.json, loaded by show --json', async () => {
    const runsDir = path.join(workDir, 'runs');
    const result = await cli(['train', '--dataset', 'csv', '--data', 'many.csv', '--hidden', '16', '--epochs', '1', '--batch-size', '64',
      '--backend', 'wasm', '--loss', 'ce', '--runs-dir', runsDir, '--json'], workDir);
    assert.equal(result.code, 0, result.stderr);
    const [record] = parseJson<{ runs: RunRecord[] }>(result).runs;
    assert.equal(record.status, 'completed');
    assert.equal(record.data?.numClasses, CLASSES);
    assert.equal(record.summary?.classResultsFile, 'confusion.json');
    assert.equal(record.summary?.confusion, undefined);
    assert.equal(record.data?.classNames, undefined);
    const runDir = path.join(runsDir, record.id);
    assert.ok(fs.statSync(path.join(runDir, 'run.json')).size < 20_000, 'run.json holds no matrix');

    const shown = parseJson<{ classResults: ClassResults }>(await cli(['show', record.id, '--json', '--runs-dir', runsDir], workDir));
    const { classResults } = shown;
    assert.equal(classResults.numClasses, CLASSES);
    assert.equal(classResults.classNames?.length, CLASSES);
    assert.equal(classResults.perClassAcc.length, CLASSES);
    const counted = classResults.confusionCells.reduce((n, [, , count]) => n + count, 0);
    assert.equal(counted, record.data?.test);
    const correct = classResults.confusionCells.reduce((n, [t, p, count]) => n + (t === p ? count : 0), 0);
    assert.equal(correct / counted, record.summary?.testAcc);
  });
});
