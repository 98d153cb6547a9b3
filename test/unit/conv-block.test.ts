import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random';
import { selectBackend } from '../../src/training/backend';
import { CONV_RELU_POOL, convReluPool, RELU_POOL_GRAD } from '../../src/training/convBlock';
import { buildModel } from '../../src/training/models';
import { withWasmKernelOptions } from '../../src/training/wasmKernels';

interface Case { name: string; x: [number, number, number, number]; filters: number; grid?: boolean }

// Around the SIMD kernels' edges (channels 4 at a time, odd sizes whose last row and column no window
// covers) and the CNN's own shapes; `grid`: values on a coarse grid, so windows tie and many are all zero.
const CASES: Case[] = [
  { name: 'first CNN block: 1 channel in, 16 out', x: [3, 8, 8, 1], filters: 16 },
  { name: 'second CNN block: 16 in, 32 out', x: [2, 6, 6, 16], filters: 32 },
  { name: 'odd sizes, 3 channels out', x: [2, 7, 5, 2], filters: 3 },
  { name: 'one image, 6 channels out (4 at once, then 2)', x: [1, 4, 6, 3], filters: 6 },
  { name: 'ties and all-zero windows', x: [2, 6, 7, 2], filters: 5, grid: true },
  { name: '2×3 input: one window, a row and a column left over', x: [1, 3, 3, 1], filters: 4, grid: true },
];

function values(count: number, seed: number, grid = false): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => {
    const v = rng() * 2 - 1;
    return grid ? Math.round(v * 2) / 2 : v;
  });
}

/** The block as tfjs's ops compose it (conv2d, bias, ReLU, 2×2 max pool), each with its own gradient. */
const layered = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D =>
  tf.maxPool(tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), b)) as tf.Tensor4D, 2, 2, 'valid');

/** The pooled output and the gradients of Σ pooled·weights with respect to x, filter and bias. */
function forwardAndGradients(c: Case, block: typeof layered, seed: number, inputGradient = true): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b), seed, c.grid), c.x);
    const w = tf.tensor4d(values(9 * c.x[3] * c.filters, seed + 1, c.grid), [3, 3, c.x[3], c.filters]);
    const b = tf.tensor1d(values(c.filters, seed + 2, c.grid));
    const out = block(x, w, b);
    const weights = tf.tensor(values(out.size, seed + 3), out.shape);
    const grads = tf.grads((...args: tf.Tensor[]) => block(args[0] as tf.Tensor4D, args[1] as tf.Tensor4D, args[2] as tf.Tensor1D).mul(weights).sum());
    const [dx, dw, db] = grads([x, w, b]);
    return [out, ...(inputGradient ? [dx] : []), dw, db].map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(actual: Float32Array[], expected: Float32Array[], label: string, parts = ['output', 'dx', 'dfilter', 'dbias']): void {
  actual.forEach((part, k) => {
    assert.equal(part.length, expected[k].length, `${label} ${parts[k]}: length`);
    const scale = Math.max(1, ...expected[k].map(Math.abs));
    part.forEach((v, i) => assert.ok(Math.abs(v - expected[k][i]) <= 1e-5 * scale, `${label} ${parts[k]}[${i}]: ${v} vs ${expected[k][i]}`));
  });
}

const block = (inputGradient: boolean) => (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => convReluPool(x, w, b, inputGradient);

describe('CNN block as one op (conv + bias + ReLU + 2×2 max pool, hand-written gradient)', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  it('runs as one SIMD kernel each way on wasm, composed from tfjs kernels on cpu', async () => {
    assert.ok(tf.getKernel(CONV_RELU_POOL, 'wasm') && tf.getKernel(RELU_POOL_GRAD, 'wasm'));
    assert.equal(tf.getKernel(CONV_RELU_POOL, 'cpu'), undefined);
  });

  for (const [i, c] of CASES.entries()) {
    it(`matches tfjs's composed ops on cpu, output and every gradient, on wasm and cpu: ${c.name}`, async () => {
      await selectBackend('cpu');
      const expected = forwardAndGradients(c, layered, 10 * i);
      assertClose(forwardAndGradients(c, block(true), 10 * i), expected, `cpu, ${c.name}`);
      await selectBackend('wasm');
      assertClose(forwardAndGradients(c, block(true), 10 * i), expected, `wasm, ${c.name}`);
    });
  }

  it('gives zeros as the gradient of the input when it is not needed (the first block), and the same weight gradients', () => {
    const c = CASES[0];
    const [out, , dw, db] = forwardAndGradients(c, block(true), 3);
    assertClose(forwardAndGradients(c, block(false), 3, false), [out, dw, db], 'no input gradient', ['output', 'dfilter', 'dbias']);
    const dx = tf.tidy(() => {
      const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b), 3), c.x);
      const w = tf.tensor4d(values(9 * c.filters, 4), [3, 3, 1, c.filters]);
      return tf.grad((v: tf.Tensor) => convReluPool(v as tf.Tensor4D, w, tf.zeros([c.filters]), false).sum())(x).dataSync();
    });
    assert.ok(dx.every((v) => v === 0));
  });

  it('routes the gradient to the first maximum of a window only when it is positive (the ReLU gradient)', async () => {
    // One image, one channel, one 2×2 window per case (pass-through filter: a single centre tap of 1).
    const windows = [[0, 0, 0, 0], [-1, -2, -3, -4], [1, 1, 0, 0], [0, 2, 2, 1], [0, 0, 0, 3]];
    const expected = [[0, 0, 0, 0], [0, 0, 0, 0], [5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 0, 5]];
    for (const backend of ['wasm', 'cpu'] as const) {
      await selectBackend(backend);
      windows.forEach((window, k) => {
        const dx = tf.tidy(() => {
          const filter = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]);
          const x = tf.tensor4d(window, [1, 2, 2, 1]);
          return tf.grad((v: tf.Tensor) => convReluPool(v as tf.Tensor4D, filter, tf.zeros([1]), true).mul(5).sum())(x).arraySync();
        });
        assert.deepEqual((dx as number[][][][]).flat(3), expected[k], `${backend}: window [${window}]`);
      });
    }
  });

  it('leaves no tensors behind in a training step', async () => {
    await selectBackend('wasm');
    const c = CASES[1];
    forwardAndGradients(c, block(true), 1);
    const before = tf.memory().numTensors;
    forwardAndGradients(c, block(true), 1);
    assert.equal(tf.memory().numTensors, before);
  });

  it('builds the CNN with the same weights and outputs as the tfjs-layers conv2d and maxPooling2d layers', async () => {
    await selectBackend('wasm');
    const spec = { type: 'cnn' as const, filters: [4, 8] };
    const fused = buildModel(spec, [8, 6, 1], 3, 7);
    const layers = withWasmKernelOptions({ convBlocks: false }, () => buildModel(spec, [8, 6, 1], 3, 7));
    try {
      assert.deepEqual(fused.getWeights().map((w) => w.shape), layers.getWeights().map((w) => w.shape));
      fused.getWeights().forEach((w, k) => assert.deepEqual(w.dataSync(), layers.getWeights()[k].dataSync(), `weight ${k}`));
      const x = tf.tensor4d(values(2 * 8 * 6, 9), [2, 8, 6, 1]);
      const [a, b] = [fused, layers].map((m) => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
      assertClose([a], [b], 'fused block', ['logits']);
      x.dispose();
    } finally {
      fused.dispose();
      layers.dispose();
    }
  });
});
