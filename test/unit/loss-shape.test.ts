/**
 * The loss-shape series the coefficient editor draws, against the TENSOR loss that trains: for
 * each Pt of the grid, logits whose softmax gives the target exactly that probability go through
 * src/training/losses.ts on the cpu backend, and L(Pt) and −dL/dPt (by autodiff) must agree.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_GAMMA, type LossSpec } from '../../src/core/lossSpec';
import { oneHot } from '../../src/core/polyloss';
import { coefficientBars, lossShape, ptGrid, referenceSpecs, roundUp, shapeAxisMax, shapeCurve } from '../../src/core/lossShape';
import { lossTensors } from '../../src/training/losses';

const K = 5;
const SPECS: LossSpec[] = [
  { type: 'ce' },
  { type: 'poly', epsilon: 2 },
  { type: 'poly', epsilon: -1 },
  { type: 'poly', epsilon: -3 },
  { type: 'poly', epsilon: [1, -0.5, 0.3] },
  { type: 'focal', gamma: 2 },
  { type: 'focal', gamma: 0.5 },
  { type: 'poly-focal', gamma: 2, epsilon: 1 },
  { type: 'poly-focal', gamma: 1.5, epsilon: [0.5, -0.2] },
];

/** One row of logits per Pt: softmax gives the label (class 0) probability Pt, the other classes share the rest. */
function logitsFor(pt: tf.Tensor1D): tf.Tensor2D {
  const rest = tf.log(tf.div(tf.sub(1, pt), K - 1));
  return tf.concat([tf.expandDims(tf.log(pt), 1), tf.tile(tf.expandDims(rest, 1), [1, K - 1])], 1) as tf.Tensor2D;
}

/** The training loss of each example, one per Pt. */
function tensorLosses(spec: LossSpec, pt: tf.Tensor1D): tf.Tensor1D {
  const targets = tf.tensor2d(Array.from({ length: pt.shape[0] }, () => oneHot(0, K)));
  return lossTensors(spec, logitsFor(pt), targets).perExample as tf.Tensor1D;
}

function assertClose(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Number.isFinite(actual) && Number.isFinite(expected), `${what}: got ${actual}, expected ${expected}`);
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
}

// Pt = 1 would need logits of −∞ for the other classes; 0.999 stands for the end of the grid.
const GRID = [...ptGrid().slice(0, -1), 0.999];

describe('loss shape against the tensor loss (cpu)', () => {
  before(async () => {
    assert.ok(await tf.setBackend('cpu'));
  });

  it('L(Pt) of the core series equals the training loss to 1e-5', () => {
    for (const spec of SPECS) {
      const curve = shapeCurve(spec, GRID);
      const tensor = tf.tidy(() => Array.from(tensorLosses(spec, tf.tensor1d(GRID)).dataSync()));
      GRID.forEach((p, i) => assertClose(tensor[i], curve.loss[i], 1e-5, `${JSON.stringify(spec)} L(${p})`));
    }
  });

  it('−dL/dPt of the core series equals the autodiff gradient of the training loss', () => {
    for (const spec of SPECS) {
      const curve = shapeCurve(spec, GRID);
      // Each example's loss depends on its own Pt only, so the gradient of the sum holds every dL/dPt.
      const grad = tf.grad((pt: tf.Tensor) => tf.sum(tensorLosses(spec, pt as tf.Tensor1D)));
      const dLdPt = tf.tidy(() => Array.from(grad(tf.tensor1d(GRID)).dataSync()));
      // float32 through log, softmax and their gradients: relative 1e-4 (−dL/dPt is 100 at Pt = 0.01).
      GRID.forEach((p, i) => assertClose(-dLdPt[i], curve.negGrad[i], 1e-4, `${JSON.stringify(spec)} −dL/dPt(${p})`));
    }
  });
});

describe('loss shape series', () => {
  it('grid: evenly spaced from 0.01 to exactly 1', () => {
    const pt = ptGrid();
    assert.equal(pt.length, 100);
    assert.equal(pt[0], 0.01);
    assert.equal(pt[99], 1);
    for (let i = 1; i < pt.length; i++) assert.ok(Math.abs(pt[i] - pt[i - 1] - 0.01) < 1e-12);
  });

  it('the edited loss first, then CE and focal; a reference equal to the edited loss is left out', () => {
    assert.deepEqual(lossShape({ type: 'poly', epsilon: 2 }).curves.map((c) => c.label), ['Poly-1 ε=2', 'CE', 'Focal γ=2']);
    assert.deepEqual(lossShape({ type: 'ce' }).curves.map((c) => c.label), ['CE', 'Focal γ=2']);
    assert.deepEqual(lossShape({ type: 'poly-focal', gamma: 1, epsilon: 1 }).curves.map((c) => c.label), ['Poly-1 focal γ=1 ε=1', 'CE', 'Focal γ=1']);
    assert.deepEqual(referenceSpecs({ type: 'focal', gamma: 3 }), [{ type: 'ce' }]);
    assert.deepEqual(referenceSpecs(), [{ type: 'ce' }, { type: 'focal', gamma: DEFAULT_GAMMA }], 'both while there is no valid loss');
    assert.deepEqual(referenceSpecs({ type: 'poly', epsilon: 1 })[1], { type: 'focal', gamma: DEFAULT_GAMMA });
    // Label smoothing does not change the shape, so CE with smoothing still hides the CE reference.
    assert.deepEqual(lossShape({ type: 'ce', labelSmoothing: 0.1 }).curves.map((c) => c.label), ['CE', 'Focal γ=2']);
  });

  it('Poly-1 moves −dL/dPt at Pt = 1 from CE\'s 1 to 1 + ε, and CE\'s curve is −log Pt', () => {
    const shape = lossShape({ type: 'poly', epsilon: 2 });
    const [poly, ce] = shape.curves;
    assertClose(poly.negGrad[99], 3, 1e-12, 'Poly-1 slope at 1');
    assertClose(ce.negGrad[99], 1, 1e-12, 'CE slope at 1');
    shape.pt.forEach((p, i) => assertClose(ce.loss[i], -Math.log(p), 1e-12, `CE at ${p}`));
    shape.pt.forEach((p, i) => assertClose(poly.loss[i] - ce.loss[i], 2 * (1 - p), 1e-12, `ε(1−Pt) at ${p}`));
  });

  it('coefficient bars: α_j = 1/j + ε_j beside CE\'s 1/j, at least four, one past the last ε', () => {
    const bars = coefficientBars({ type: 'poly', epsilon: [1, 0.5, -0.2] });
    assert.deepEqual(bars.labels, ['α1', 'α2', 'α3', 'α4']);
    bars.values.forEach((v, i) => assertClose(v, [2, 1, 1 / 3 - 0.2, 0.25][i], 1e-12, `α${i + 1}`));
    assert.deepEqual(bars.crossEntropy, [1, 1 / 2, 1 / 3, 1 / 4]);
    assert.equal(bars.gamma, 0);
    assert.equal(coefficientBars({ type: 'poly', epsilon: [1, 1, 1, 1, 1] }).values.length, 6);
    assert.equal(coefficientBars({ type: 'poly-focal', epsilon: 1, gamma: 1.5 }).gamma, 1.5);
  });

  it('axis maximum: a round number above the largest value from Pt = 0.1 on, ignoring the blow-up near 0', () => {
    const pt = ptGrid();
    const ce = shapeCurve({ type: 'ce' }, pt);
    const first = pt.find((p) => p >= 0.1)!;
    assert.ok(first >= 0.1 && first <= 0.11);
    assert.equal(shapeAxisMax(pt, [ce.loss]), roundUp(-Math.log(first) * 1.05));
    assert.equal(shapeAxisMax(pt, [ce.loss]), 2.5, '−log Pt ≤ 2.31 there');
    assert.equal(shapeAxisMax(pt, [ce.loss, ce.negGrad]), roundUp(1.05 / first), '−dL/dPt = 1/Pt is the larger');
    assert.equal(shapeAxisMax(pt, [[0, -1]]), 1);
    assert.deepEqual([0.3, 1, 1.01, 3.2, 9, 11, 0.0042].map(roundUp), [0.3, 1, 1.5, 4, 10, 15, 0.005]);
  });
});
