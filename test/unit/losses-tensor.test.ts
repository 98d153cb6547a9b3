/**
 * The tfjs losses (float32, cpu and wasm backends) against the float64 math of src/core/polyloss.ts,
 * which test/unit/polyloss-reference.test.ts checks against an independent reference.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { LossSpec } from '../../src/core/lossSpec';
import { createRng } from '../../src/core/random';
import {
  dropEpsilons, oneHot, sigmoidElementGradient, sigmoidElementLoss, softmaxExampleGradient, softmaxExampleLoss,
} from '../../src/core/polyloss';
import { lossTensors, meanLoss } from '../../src/training/losses';
import {
  assertAllClose, assertClose, randomRows, SANITY, SANITY_LABELS, SANITY_LOGITS, SIGMOID_SPECS, UNDERFLOW_ROW,
} from './reference/polylossReference';

/** Pt ≈ 1 − 7e-5: 1 − Pt is at the edge of float32 precision. */
const CONFIDENT_ROW = [12, 0, -3, 1, 2];

const ROWS = [...SANITY_LOGITS, UNDERFLOW_ROW, CONFIDENT_ROW, ...randomRows(createRng(3), 5, 5, 4)];
const LABELS = ROWS.map((_, i) => (i < 4 ? SANITY_LABELS[i] : i % 5));

const SOFTMAX_SPECS: LossSpec[] = [
  { type: 'ce' },
  { type: 'poly', epsilon: 2 },
  { type: 'poly', epsilon: -1 },
  { type: 'poly', epsilon: [1, -0.5, 0.3] },
  { type: 'poly', epsilon: dropEpsilons(3) },
  { type: 'focal', gamma: 2 },
  { type: 'focal', gamma: 0.5 },
  { type: 'poly-focal', gamma: 2, epsilon: 1 },
  { type: 'poly-focal', gamma: 1.5, epsilon: [0.5, -0.2] },
].flatMap((s) => [s as LossSpec, { ...s, labelSmoothing: 0.1 } as LossSpec]);

const SIGMOID_LOGITS = [[-30, -6, -2.5, 0], [0.3, 1.9, 5, 25], [-0.7, 2, -1, 0.1]];
const SIGMOID_TARGETS = [[0, 1, 0, 1], [1, 0, 1, 1], [0, 0, 1, 0]];

/** float32 against float64, relative to max(1, |expected|). */
const TOL = 1e-5;

function softmaxTargets(labels: number[], K: number): tf.Tensor2D {
  return tf.tensor2d(labels.map((l) => oneHot(l, K)));
}

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

for (const backend of ['cpu', 'wasm']) {
  describe(`tensor losses on ${backend}`, () => {
    before(async () => {
      assert.ok(await tf.setBackend(backend), `backend ${backend} initialises`);
    });

    it('softmax family: per-example loss, parts and Pt agree with float64', () => {
      for (const spec of SOFTMAX_SPECS) {
        tf.tidy(() => {
          const parts = lossTensors(spec, tf.tensor2d(ROWS), softmaxTargets(LABELS, 5));
          const expected = ROWS.map((z, i) => softmaxExampleLoss(spec, z, oneHot(LABELS[i], 5)));
          const what = `${backend} ${JSON.stringify(spec)}`;
          assert.deepEqual(parts.perExample.shape, [ROWS.length], `${what} shape`);
          assertAllClose(values(parts.perExample), expected.map((e) => e.loss), TOL, `${what} loss`);
          assertAllClose(values(parts.base), expected.map((e) => e.base), TOL, `${what} base`);
          assertAllClose(values(parts.poly), expected.map((e) => e.poly), TOL, `${what} poly`);
          assertAllClose(values(parts.pt), expected.map((e) => e.pt), TOL, `${what} pt`);
        });
      }
    });

    it('sigmoid family: per-element loss, parts and pt agree with float64', () => {
      for (const spec of SIGMOID_SPECS) {
        tf.tidy(() => {
          const parts = lossTensors(spec, tf.tensor2d(SIGMOID_LOGITS), tf.tensor2d(SIGMOID_TARGETS));
          const expected = SIGMOID_LOGITS.flatMap((row, i) => row.map((x, k) => sigmoidElementLoss(spec, x, SIGMOID_TARGETS[i][k])));
          const what = `${backend} ${JSON.stringify(spec)}`;
          assert.deepEqual(parts.perExample.shape, [3, 4], `${what} shape`);
          assertAllClose(values(parts.perExample), expected.map((e) => e.loss), TOL, `${what} loss`);
          assertAllClose(values(parts.base), expected.map((e) => e.base), TOL, `${what} base`);
          assertAllClose(values(parts.poly), expected.map((e) => e.poly), TOL, `${what} poly`);
          assertAllClose(values(parts.pt), expected.map((e) => e.pt), TOL, `${what} pt`);
        });
      }
    });

    it('sanity values in float32', () => {
      tf.tidy(() => {
        const logits = tf.tensor2d(SANITY_LOGITS);
        const targets = softmaxTargets(SANITY_LABELS, 5);
        const ce = meanLoss({ type: 'ce' }, logits, targets);
        assertAllClose(values(lossTensors({ type: 'ce' }, logits, targets).pt), SANITY.pt, 2e-6, 'Pt');
        assertClose(ce.loss.dataSync()[0], SANITY.ceMean, TOL, 'CE mean');
        const poly2 = lossTensors({ type: 'poly', epsilon: 2 }, logits, targets);
        assertAllClose(values(poly2.perExample), SANITY.poly2, TOL, 'Poly-1 ε=2');
        assertClose(meanLoss({ type: 'poly', epsilon: 2 }, logits, targets).loss.dataSync()[0], SANITY.poly2Mean, TOL, 'ε=2 mean');
        assertClose(meanLoss({ type: 'poly', epsilon: -1 }, logits, targets).loss.dataSync()[0], SANITY.polyMinus1Mean, TOL, 'ε=−1 mean');
        assertClose(meanLoss({ type: 'poly', epsilon: 1 }, logits, targets).loss.dataSync()[0], SANITY.poly1Mean, TOL, 'ε=1 mean');
        const grad = tf.grad((z: tf.Tensor) => tf.sum(lossTensors({ type: 'poly', epsilon: 2 }, z as tf.Tensor2D, targets).perExample))(logits);
        assertAllClose(values(grad).slice(0, 5), SANITY.poly2GradientRow0, TOL, 'gradient row 0');
      });
    });

    it('underflow row: finite loss ≈ 115.47 and finite gradients for every loss', () => {
      const y = oneHot(0, 5);
      for (const spec of SOFTMAX_SPECS) {
        tf.tidy(() => {
          const what = `${backend} ${JSON.stringify(spec)}`;
          const targets = tf.tensor2d([y]);
          const expected = softmaxExampleLoss(spec, UNDERFLOW_ROW, y).loss;
          const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => meanLoss(spec, z as tf.Tensor2D, targets).loss)(tf.tensor2d([UNDERFLOW_ROW]));
          const loss = value.dataSync()[0];
          assert.ok(Math.abs(loss - expected) <= 1e-5 * Math.abs(expected), `${what}: ${loss} vs ${expected}`);
          assertAllClose(values(grad), softmaxExampleGradient(spec, UNDERFLOW_ROW, y), TOL, `${what} gradient`);
        });
      }
      assertClose(softmaxExampleLoss({ type: 'ce' }, UNDERFLOW_ROW, y).loss, 115.47, 1e-4, 'CE ≈ 115.47');
    });

    it('autodiff gradients agree with the analytic float64 gradients (softmax)', () => {
      for (const spec of SOFTMAX_SPECS) {
        tf.tidy(() => {
          const targets = softmaxTargets(LABELS, 5);
          const grad = tf.grad((z: tf.Tensor) => tf.sum(lossTensors(spec, z as tf.Tensor2D, targets).perExample))(tf.tensor2d(ROWS));
          const expected = ROWS.flatMap((z, i) => softmaxExampleGradient(spec, z, oneHot(LABELS[i], 5)));
          assertAllClose(values(grad), expected, TOL, `${backend} ${JSON.stringify(spec)} gradient`);
        });
      }
    });

    it('autodiff gradients agree with the analytic float64 gradients (sigmoid)', () => {
      for (const spec of SIGMOID_SPECS) {
        tf.tidy(() => {
          const targets = tf.tensor2d(SIGMOID_TARGETS);
          const grad = tf.grad((z: tf.Tensor) => tf.sum(lossTensors(spec, z as tf.Tensor2D, targets).perExample))(tf.tensor2d(SIGMOID_LOGITS));
          const expected = SIGMOID_LOGITS.flatMap((row, i) => row.map((x, k) => sigmoidElementGradient(spec, x, SIGMOID_TARGETS[i][k])));
          assertAllClose(values(grad), expected, TOL, `${backend} ${JSON.stringify(spec)} gradient`);
        });
      }
    });

    it('γ < 1: gradients stay finite when 1 − Pt rounds to 0 in float32', () => {
      const specs: LossSpec[] = [
        { type: 'focal', gamma: 0.3 }, { type: 'poly-focal', gamma: 0.3, epsilon: 2 },
        { type: 'focal', gamma: 0.3, activation: 'sigmoid' }, { type: 'poly-focal', gamma: 0.5, epsilon: 1, activation: 'sigmoid' },
      ];
      for (const spec of specs) {
        tf.tidy(() => {
          const logits = tf.tensor2d([[120, 0, -3], [-200, 150, 0]]);
          const targets = tf.tensor2d([[1, 0, 0], [0, 1, 0]]);
          const q = lossTensors(spec, logits, targets).pt;
          assert.ok(values(q).some((pt) => pt === 1), 'some Pt is exactly 1 in float32');
          const grad = tf.grad((z: tf.Tensor) => meanLoss(spec, z as tf.Tensor2D, targets).loss)(logits);
          assert.ok(values(grad).every(Number.isFinite), `${backend} ${JSON.stringify(spec)}: ${values(grad)}`);
        });
      }
    });

    it('meanLoss: softmax averages over examples; sigmoid sums over classes then averages over examples', () => {
      tf.tidy(() => {
        const spec: LossSpec = { type: 'poly', epsilon: 2 };
        const m = meanLoss(spec, tf.tensor2d(ROWS), softmaxTargets(LABELS, 5));
        const expected = ROWS.map((z, i) => softmaxExampleLoss(spec, z, oneHot(LABELS[i], 5)));
        const mean = (f: (e: typeof expected[number]) => number) => expected.reduce((s, e) => s + f(e), 0) / expected.length;
        assertClose(m.loss.dataSync()[0], mean((e) => e.loss), TOL, 'softmax loss');
        assertClose(m.values.loss, mean((e) => e.loss), TOL, 'softmax loss value');
        assertClose(m.values.base, mean((e) => e.base), TOL, 'softmax base');
        assertClose(m.values.poly, mean((e) => e.poly), TOL, 'softmax poly');

        const sspec: LossSpec = { type: 'poly-focal', gamma: 2, epsilon: 1, activation: 'sigmoid', alpha: 0.25 };
        const s = meanLoss(sspec, tf.tensor2d(SIGMOID_LOGITS), tf.tensor2d(SIGMOID_TARGETS));
        const perRow = SIGMOID_LOGITS.map((row, i) => row.reduce((sum, x, k) => sum + sigmoidElementLoss(sspec, x, SIGMOID_TARGETS[i][k]).loss, 0));
        assertClose(s.loss.dataSync()[0], perRow.reduce((a, b) => a + b, 0) / perRow.length, TOL, 'sigmoid loss');
        assertClose(s.values.loss, s.loss.dataSync()[0], 0, 'sigmoid loss value');
        assertClose(s.values.base + s.values.poly, s.values.loss, 1e-6, 'sigmoid parts sum');
        assert.ok(s.values.poly > 0, 'the sigmoid Poly-1 focal loss has a polynomial part');

        const ce = meanLoss({ type: 'ce' }, tf.tensor2d(ROWS), softmaxTargets(LABELS, 5));
        assert.equal(ce.values.poly, 0);
        assert.equal(ce.values.base, ce.values.loss);
      });
    });

    it('trains inside optimizer.minimize without leaking tensors', () => {
      const spec: LossSpec = { type: 'poly-focal', gamma: 0.5, epsilon: 2, labelSmoothing: 0.1 };
      const logits = tf.variable(tf.tensor2d([...SANITY_LOGITS, UNDERFLOW_ROW]));
      const targets = softmaxTargets([...SANITY_LABELS, 0], 5);
      const optimizer = tf.train.sgd(0.5);
      const lossNow = () => tf.tidy(() => meanLoss(spec, logits, targets).loss.dataSync()[0]);
      const start = lossNow();
      optimizer.minimize(() => meanLoss(spec, logits, targets).loss);
      const tensorsBefore = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) optimizer.minimize(() => meanLoss(spec, logits, targets).loss);
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak per step');
      const end = lossNow();
      assert.ok(Number.isFinite(end) && end < start * 0.8, `loss went from ${start} to ${end}`);
      tf.dispose([logits, targets]);
      optimizer.dispose();
    });

    it('a training step with Poly-N or focal runs at most one kernel more than with CE (closed-form gradient)', async () => {
      const weights = tf.variable(tf.tensor2d(randomRows(createRng(5), 6, 5, 0.5)));
      const inputs = tf.tensor2d(randomRows(createRng(6), ROWS.length, 6, 1));
      const targets = softmaxTargets(LABELS, 5);
      const optimizer = tf.train.sgd(0.1);
      const kernelsPerStep = async (spec: LossSpec): Promise<number> => {
        const step = () => tf.tidy(() => { optimizer.minimize(() => meanLoss(spec, tf.matMul(inputs, weights) as tf.Tensor2D, targets).loss, false, [weights]); });
        return (await tf.profile(step)).kernels.length;
      };
      const ce = await kernelsPerStep({ type: 'ce' });
      for (const spec of [{ type: 'poly', epsilon: 1 }, { type: 'poly', epsilon: [1, -0.5, 0.3] }, { type: 'focal', gamma: 2 }, { type: 'poly-focal', gamma: 0.5, epsilon: 2 }] as LossSpec[]) {
        const kernels = await kernelsPerStep(spec);
        assert.ok(kernels <= ce + 1, `${backend} ${JSON.stringify(spec)}: ${kernels} kernels per step, CE ${ce}`);
      }
      tf.dispose([weights, inputs, targets]);
      optimizer.dispose();
    });

    it('rejects logits and targets of different shapes', () => {
      tf.tidy(() => {
        assert.throws(() => lossTensors({ type: 'ce' }, tf.zeros([2, 3]), tf.zeros([2, 4])), /same shape/);
      });
    });
  });
}
