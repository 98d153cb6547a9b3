import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyOf, confusionMatrix, distribution, ECE_BINS, expectedCalibrationError, perClassAccuracy, quantile,
} from '../../src/core/metrics';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

describe('quantile and distribution', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    const sorted = [1, 2, 3, 4];
    close(quantile(sorted, 0.25), 1.75);
    close(quantile(sorted, 0.5), 2.5);
    close(quantile(sorted, 0.75), 3.25);
    close(quantile(sorted, 0), 1);
    close(quantile(sorted, 1), 4);
    close(quantile([7], 0.3), 7);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });

  it('sorts a copy and reports mean and quartiles', () => {
    const values = new Float32Array([0.9, 0.1, 0.5, 0.3, 0.7]);
    const d = distribution(values);
    close(d.mean, (0.9 + 0.1 + 0.5 + 0.3 + 0.7) / 5, 1e-7);
    close(d.q25, Math.fround(0.3), 1e-7);
    close(d.q50, Math.fround(0.5), 1e-7);
    close(d.q75, Math.fround(0.7), 1e-7);
    assert.equal(values[0], Math.fround(0.9), 'input left unsorted');
  });
});

describe('confusion matrix and accuracies', () => {
  const confusion = confusionMatrix([0, 1, 2, 2, 0], [0, 2, 2, 1, 0], 4);

  it('counts confusion[true][predicted]', () => {
    assert.deepEqual(confusion, [
      [2, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 1, 1, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('gives recall per class, NaN for a class without examples, and overall accuracy', () => {
    const perClass = perClassAccuracy(confusion);
    assert.deepEqual(perClass.slice(0, 3), [1, 0, 0.5]);
    assert.ok(Number.isNaN(perClass[3]));
    close(accuracyOf(confusion), 3 / 5);
  });

  it('rejects arrays of different lengths', () => {
    assert.throws(() => confusionMatrix([0, 1], [0], 2), /differ in length/);
  });
});

describe('expected calibration error', () => {
  it('uses 15 bins by default', () => assert.equal(ECE_BINS, 15));

  it('weights |accuracy − confidence| of each bin by its share of examples', () => {
    // bins (1/15 wide): 0.95 → bin 14 (2 examples, 1 correct), 0.55 → bin 8, 0.25 → bin 3
    const ece = expectedCalibrationError([0.95, 0.95, 0.55, 0.25], [1, 0, 1, 0]);
    close(ece, (2 / 4) * Math.abs(0.5 - 0.95) + (1 / 4) * Math.abs(1 - 0.55) + (1 / 4) * Math.abs(0 - 0.25));
  });

  it('is 0 for a calibrated predictor and 1 for a confidently wrong one', () => {
    close(expectedCalibrationError([1, 1, 1], [true, true, true]), 0);
    close(expectedCalibrationError([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 0);
    close(expectedCalibrationError([1, 1], [0, 0]), 1);
  });

  it('puts a confidence on a bin edge into the lower bin, so bin counts change with the bin count', () => {
    // 1/3 is the upper edge of bin 0 of 3; with 2 bins it shares bin 0 with 0.4.
    close(expectedCalibrationError([1 / 3, 0.4], [1, 0], 3), (1 / 2) * (1 - 1 / 3) + (1 / 2) * 0.4);
    close(expectedCalibrationError([1 / 3, 0.4], [1, 0], 2), Math.abs(0.5 - (1 / 3 + 0.4) / 2));
  });

  it('rejects mismatched inputs and is NaN without examples', () => {
    assert.throws(() => expectedCalibrationError([0.5], [1, 0]), /differ in length/);
    assert.ok(Number.isNaN(expectedCalibrationError([], [])));
  });
});
