// Many classes: run.json stays small, the per-class results go to the run folder's side file.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLASS_RESULTS_FILE, classResultsOf, INLINE_CLASS_LIMIT } from '../../src/core/classResults';
import { confusionMatrix, perClassAccuracy } from '../../src/core/metrics';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { readClassResults, writeClassResults, writeRunRecord } from '../../src/store/runFiles';
import { createRun, readRun } from '../../src/store/runStore';
import { testSummary, type SplitEvaluation } from '../../src/training/metrics';

/** A test split of `perClass` examples of each class; every third one predicted as the next class. */
function evaluation(numClasses: number, perClass: number): { labels: Int32Array; evaluation: SplitEvaluation } {
  const n = numClasses * perClass;
  const labels = Int32Array.from({ length: n }, (_, i) => i % numClasses);
  const predictions = labels.map((y, i) => (i % 3 === 0 ? (y + 1) % numClasses : y));
  const confidences = Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 50) / 100);
  return { labels, evaluation: { n, loss: 1.25, accuracy: NaN, predictions, confidences, pt: new Float32Array(n) } };
}

describe('per-class results', () => {
  it('the sparse counts agree with the dense confusion matrix', () => {
    const labels = [0, 1, 2, 2, 1, 0, 3, 3, 3];
    const predictions = [0, 2, 2, 2, 1, 3, 3, 0, 3];
    const sparse = classResultsOf(labels, predictions, 5);
    const dense = confusionMatrix(labels, predictions, 5);
    const cells = dense.flatMap((row, t) => row.flatMap((count, p) => (count ? [[t, p, count]] : [])));
    assert.deepEqual(sparse.confusionCells, cells);
    assert.deepEqual(sparse.perClassAcc, perClassAccuracy(dense).map((x) => (Number.isNaN(x) ? null : x)));
    assert.equal(sparse.accuracy, 6 / 9);
  });

  it('up to 100 classes they stay in the summary, as before', () => {
    const { labels, evaluation: e } = evaluation(INLINE_CLASS_LIMIT, 3);
    const { summary, classResults } = testSummary(e, labels, INLINE_CLASS_LIMIT);
    assert.equal(classResults, undefined);
    assert.equal(summary.confusion?.length, 100);
    assert.equal(summary.perClassAcc?.length, 100);
    assert.equal(summary.classResultsFile, undefined);
  });

  it('3,000 classes: run.json stays under 1 MB; the side file holds per-class accuracy, names and the confusion cells', () => {
    const K = 3000;
    const { labels, evaluation: e } = evaluation(K, 3);
    const names = Array.from({ length: K }, (_, k) => `class number ${k}`);
    const { summary, classResults } = testSummary(e, labels, K, names);
    assert.equal(summary.confusion, undefined);
    assert.equal(summary.perClassAcc, undefined);
    assert.equal(summary.classResultsFile, CLASS_RESULTS_FILE);
    assert.equal(summary.testAcc, 2 / 3);
    assert.ok(classResults);

    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-classes-'));
    try {
      const { runDir, record } = createRun(root, { ...structuredClone(DEFAULT_CONFIG), dataset: { name: 'csv', path: 'big.csv' } });
      writeClassResults(runDir, classResults);
      writeRunRecord(runDir, {
        ...record, status: 'completed',
        data: { numClasses: K, train: 1, validation: 1, test: e.n, inputShape: [4] },
        summary: { steps: 1, epochs: 1, ...summary },
      });
      assert.ok(fs.statSync(path.join(runDir, 'run.json')).size < 1_000_000, 'run.json < 1 MB');
      const back = readClassResults(runDir, readRun(root, record.id));
      assert.ok(back);
      assert.equal(back.numClasses, K);
      assert.equal(back.classNames?.[2999], 'class number 2999');
      assert.equal(back.perClassAcc.length, K);
      // Class 0 has examples 0, 3000 and 6000, all every-third ones, so predicted as class 1; class 1's are all right.
      assert.deepEqual(back.perClassAcc.slice(0, 3), [0, 1, 1]);
      assert.equal(back.confusionCells.reduce((n, [, , count]) => n + count, 0), e.n);
      assert.deepEqual(back.confusionCells.slice(0, 2), [[0, 1, 3], [1, 1, 3]]);
      // A run that keeps them in run.json has no side file to read.
      assert.equal(readClassResults(runDir, { ...record, summary: { steps: 1, epochs: 1 } }), undefined);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
