import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { holmAdjust, holmLevels } from '../../src/core/stats';

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

test('Holm levels: α/(m − k + 1) while Holm rejects, then the level where it stopped', () => {
  // sorted: 0.005 < 0.05/4 rejected, 0.01 < 0.05/3 rejected, 0.03 ≥ 0.05/2 kept: it and 0.04 stay at 0.025.
  const levels = holmLevels([0.01, 0.04, 0.03, 0.005], 0.05);
  const expected = [0.05 / 3, 0.025, 0.025, 0.0125];
  levels.forEach((l, i) => assert.ok(Math.abs(l - expected[i]) < 1e-15, `level[${i}] = ${l}, expected ${expected[i]}`));
  assert.deepEqual(holmLevels([0.01, Number.NaN], 0.05).map((l) => (Number.isNaN(l) ? 'NaN' : l)), [0.05, 'NaN']);
});

test('a p value is below its Holm level exactly when its adjusted p is below α (random families)', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let trial = 0; trial < 500; trial++) {
    const m = 1 + Math.floor(random() * 8);
    const p = Array.from({ length: m }, () => random() ** 3 * 0.2);
    const adjusted = holmAdjust(p);
    const levels = holmLevels(p, 0.05);
    p.forEach((pi, i) => {
      assert.equal(pi < levels[i], adjusted[i] < 0.05, `p=${pi}, level=${levels[i]}, adjusted=${adjusted[i]}`);
      assert.ok(levels[i] <= 0.05 && levels[i] >= 0.05 / m);
    });
  }
});
