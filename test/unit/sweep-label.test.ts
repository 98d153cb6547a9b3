import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDefaults } from '../../src/core/config';
import type { RunConfig } from '../../src/core/runConfig';
import { planSweep, type SweepSpec } from '../../src/core/sweep';
import { describeSweepGrid } from '../../src/core/sweepRuns';

/** Sweeps are named by their grid (what varies, the seeds, the data or the script), not by their id. */

const digits = withDefaults({ epochs: 2, dataset: { name: 'digits' } });

function label(spec: SweepSpec, base: RunConfig = digits): string {
  return describeSweepGrid(planSweep(spec, base, 'sweep-20260301-101500-abc12345').configs);
}

test('an ε grid: the range with a typographic minus, the seed count and the dataset', () => {
  assert.equal(label({ epsilon: '-1:2:1', seeds: 3 }), 'ε −1…2 × 3 seeds, digits');
  assert.equal(label({ epsilon: [2, -0.5], seeds: [7] }), 'ε −0.5, 2 × 1 seed, digits');
  assert.equal(label({ epsilon: [-1, 0, 1, 2], seeds: 2, baseline: true }), 'ε −1…2 + CE × 2 seeds, digits');
  assert.equal(label({ epsilon: [1], seeds: 3, baseline: true }), 'ε 1 + CE × 3 seeds, digits');
  const mnist = withDefaults({ dataset: { name: 'mnist' }, model: { type: 'cnn' } });
  assert.equal(label({ epsilon: [0.125, 1 / 3], seeds: 2 }, mnist), 'ε 0.125, 0.3333 × 2 seeds, mnist');
});

test('γ and label-smoothing (α_ls) grids name each setting that varies', () => {
  const focal = withDefaults({ dataset: { name: 'digits' }, loss: { type: 'focal', gamma: 2 } });
  assert.equal(label({ gamma: [0, 1, 2, 5], seeds: 2 }, focal), 'γ 0…5 × 2 seeds, digits');
  assert.equal(label({ epsilon: [0, 1], gamma: [1, 2], seeds: 1, baseline: true }, focal), 'ε 0, 1 + focal × γ 1, 2 × 1 seed, digits');
  assert.equal(label({ epsilon: [-1, 1], labelSmoothing: [0, 0.1, 0.2], seeds: 3 }), 'ε −1, 1 × ls 0…0.2 × 3 seeds, digits');
});

test('a sweep over seeds only is named by its loss', () => {
  const poly = withDefaults({ dataset: { name: 'digits' }, loss: { type: 'poly', epsilon: 2 } });
  assert.equal(label({ seeds: 5 }, poly), 'Poly-1 ε=2 × 5 seeds, digits');
});

test('a script sweep is named by the script', () => {
  const script = withDefaults({ command: { argv: ['python3', 'experiments/train.py', '--epochs', '5'] }, loss: { type: 'ce' }, seed: 1 });
  assert.equal(label({ epsilon: '0:2:0.5', seeds: [1, 2] }, script), 'ε 0…2 × 2 seeds, train.py');
  assert.equal(label({ gamma: [1, 3], seeds: 1 }, script), 'γ 1, 3 × 1 seed, train.py');
});

test('runs of a sweep as they are found (any order, some missing) give the same words', () => {
  const configs = planSweep({ epsilon: [-1, 0, 1, 2], seeds: 3 }, digits, 's').configs;
  assert.equal(describeSweepGrid([...configs].reverse().slice(2)), 'ε −1…2 × 3 seeds, digits');
  assert.equal(describeSweepGrid([]), 'empty sweep');
});
