import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebiasedEma, smoothSeries } from '../../src/core/smoothing';

/** TensorBoard's scalar smoothing (vz_line_chart resmoothDataset), transcribed for comparison. */
function tensorBoardSmooth(ys: number[], weight: number): number[] {
  let last = 0;
  let numAccum = 0;
  return ys.map((y) => {
    if (!Number.isFinite(y)) return y;
    last = last * weight + (1 - weight) * y;
    numAccum++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, numAccum);
    return last / debias;
  });
}

test('hand-computed values for weight 0.5', () => {
  const [a, b, c] = smoothSeries([1, 2, 4], 0.5);
  assert.equal(a, 1);
  assert.ok(Math.abs(b - 1.25 / 0.75) < 1e-12);
  assert.ok(Math.abs(c - (0.625 + 2) / 0.875) < 1e-12);
});

test('matches TensorBoard on a noisy series for several weights', () => {
  const ys = Array.from({ length: 500 }, (_, i) => Math.exp(-i / 100) + 0.1 * Math.sin(i * 1.7));
  for (const w of [0, 0.3, 0.6, 0.9, 0.99]) {
    const ours = smoothSeries(ys, w);
    const ref = tensorBoardSmooth(ys, w);
    assert.equal(ours.length, ys.length);
    for (let i = 0; i < ys.length; i++) assert.ok(Math.abs(ours[i] - ref[i]) < 1e-12, `w=${w} i=${i}`);
  }
});

test('debiasing: the first point equals the raw value and a constant stays constant', () => {
  const out = smoothSeries([3, 3, 3, 3, 3], 0.95);
  assert.equal(out.length, 5);
  for (const v of out) assert.ok(Math.abs(v - 3) < 1e-12);
});

test('weight 0 is the identity', () => {
  const ys = [5, -1, 2.5, NaN, 7];
  assert.deepEqual(smoothSeries(ys, 0), ys);
});

test('non-finite values pass through and do not disturb the average', () => {
  const out = smoothSeries([1, NaN, Infinity, 3], 0.5);
  assert.ok(Number.isNaN(out[1]));
  assert.equal(out[2], Infinity);
  assert.deepEqual([out[0], out[3]], smoothSeries([1, 3], 0.5));
});

test('incremental pushes equal the batch result', () => {
  const ys = Array.from({ length: 50 }, (_, i) => (i * 7919) % 13);
  const ema = new DebiasedEma(0.8);
  assert.deepEqual(ys.map((y) => ema.push(y)), smoothSeries(ys, 0.8));
});

test('weights outside [0, 1) are refused with the range', () => {
  for (const w of [-0.1, 1, 1.5, NaN]) assert.throws(() => smoothSeries([1], w), /smoothing weight must be in \[0, 1\)/);
});
