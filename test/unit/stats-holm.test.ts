import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { holmAdjust } from '../../src/core/stats';

// Expected values worked by hand from the definition, and equal to R's p.adjust(p, "holm").
test('Holm multiplies the k-th smallest p by (m − k + 1) and keeps the order monotone', () => {
  const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
  // sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max-accumulated 0.06
  const expected = [0.03, 0.06, 0.06, 0.02];
  adjusted.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-12, `p[${i}] = ${p}, expected ${expected[i]}`));
});

test('Holm caps at 1, leaves a single test alone and skips comparisons that have no p', () => {
  assert.deepEqual(holmAdjust([0.6, 0.7]), [1, 1]);
  assert.deepEqual(holmAdjust([0.04]), [0.04]);
  const withMissing = holmAdjust([0.02, Number.NaN, 0.01]);
  assert.ok(Number.isNaN(withMissing[1]));
  assert.ok(Math.abs(withMissing[0] - 0.02) < 1e-12 && Math.abs(withMissing[2] - 0.02) < 1e-12);
  assert.deepEqual(holmAdjust([]), []);
});
