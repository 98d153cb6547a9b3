import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random';
import { selectBackend } from '../../src/training/backend';
import { setExplicitTransposeMatMul } from '../../src/training/wasmKernels';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case { name: string; x: [number, number, number, number]; filter: [number, number, number, number]; strides: [number, number]; pad: Pad }

const CASES: Case[] = [
  { name: 'first CNN layer: 1 channel, 3×3 same', x: [4, 8, 8, 1], filter: [3, 3, 1, 16], strides: [1, 1], pad: 'same' },
  { name: 'second CNN layer: 16 channels, 3×3 same', x: [3, 4, 4, 16], filter: [3, 3, 16, 8], strides: [1, 1], pad: 'same' },
  { name: 'stride 2, same, odd sizes', x: [3, 9, 7, 3], filter: [3, 3, 3, 5], strides: [2, 2], pad: 'same' },
  { name: '5×5 valid', x: [2, 10, 10, 2], filter: [5, 5, 2, 3], strides: [1, 1], pad: 'valid' },
  { name: 'rectangular filter, strides 2×3, valid', x: [2, 11, 9, 4], filter: [3, 2, 4, 3], strides: [2, 3], pad: 'valid' },
  { name: 'numeric padding 1', x: [2, 6, 6, 2], filter: [3, 3, 2, 2], strides: [1, 1], pad: 1 },
  { name: 'explicit asymmetric padding', x: [2, 6, 5, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { name: '1×1 filter', x: [2, 5, 5, 3], filter: [1, 1, 3, 6], strides: [1, 1], pad: 'valid' },
];

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The filter gradient computed by the Conv2DBackpropFilter kernel of the current backend. */
function filterGradient(c: Case, xValues: Float32Array, dyValues: Float32Array, dyShape: number[]): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xValues, c.x);
    const dy = tf.tensor(dyValues, dyShape);
    const out = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5 * scale, `${label}[${i}]: wasm ${actual[i]} vs cpu ${expected[i]}`);
  }
}

describe('wasm kernels added for training', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  for (const [i, c] of CASES.entries()) {
    it(`Conv2DBackpropFilter matches the cpu kernel: ${c.name}`, async () => {
      const dyShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
      const xValues = randomValues(size(c.x), 100 + i);
      const dyValues = randomValues(size(dyShape), 200 + i);
      await selectBackend('cpu');
      const expected = filterGradient(c, xValues, dyValues, dyShape);
      await selectBackend('wasm');
      const before = tf.memory().numTensors;
      const actual = filterGradient(c, xValues, dyValues, dyShape);
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
      assertClose(actual, expected, c.name);
    });
  }

  it('frees every intermediate buffer of the kernel', () => {
    const c = CASES[2];
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.ones(c.x);
    const dy = tf.ones([3, 5, 4, 5]);
    const before = backend.numDataIds();
    const out = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.equal(backend.numDataIds(), before + 1, 'only the output remains');
    tf.dispose([x, dy, out]);
  });

  it('makes conv2d trainable on wasm: the gradient through tf.grad matches cpu', async () => {
    const c = CASES[2];
    const xValues = randomValues(size(c.x), 7);
    const wValues = randomValues(size(c.filter), 8);
    const gradient = () => tf.tidy(() => {
      const x = tf.tensor4d(xValues, c.x);
      const loss = (w: tf.Tensor) => tf.relu(tf.conv2d(x, w as tf.Tensor4D, c.strides, 'same')).square().sum();
      return tf.grad(loss)(tf.tensor4d(wValues, c.filter)).dataSync() as Float32Array;
    });
    await selectBackend('cpu');
    const expected = gradient();
    await selectBackend('wasm');
    assertClose(gradient(), expected, 'tf.grad(conv2d)');
  });

  it('fails clearly for the NCHW layout', () => {
    const x = tf.ones([1, 2, 5, 5]);
    const dy = tf.ones([1, 3, 5, 5]);
    assert.throws(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
      { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] } as unknown as tf.NamedAttrMap),
    /supports dataFormat NHWC only/);
    tf.dispose([x, dy]);
  });

  it('BatchMatMul with transposed operands gives the same products with and without the explicit transpose', () => {
    const a = tf.tensor2d(randomValues(6 * 4, 1), [6, 4]);
    const b = tf.tensor2d(randomValues(6 * 5, 2), [6, 5]);
    const c = tf.tensor3d(randomValues(2 * 5 * 4, 3), [2, 5, 4]);
    const d = tf.tensor3d(randomValues(2 * 3 * 4, 4), [2, 3, 4]);
    const products = () => [
      tf.matMul(a, b, true, false), // [4,5]
      tf.matMul(b, a, true, false), // [5,4]
      tf.matMul(a, tf.transpose(b), true, true), // both operands transposed: [4,5]
      tf.matMul(c, d, false, true), // batched: [2,5,3]
    ].map((t) => t.arraySync());
    const previous = setExplicitTransposeMatMul(false);
    const slowPath = tf.tidy(products);
    setExplicitTransposeMatMul(true);
    const explicit = tf.tidy(products);
    setExplicitTransposeMatMul(previous);
    const flat = (v: unknown) => (v as number[]).flat(3) as number[];
    for (let i = 0; i < slowPath.length; i++) assertClose(flat(explicit[i]), flat(slowPath[i]), `product ${i}`);
    assertClose(flat(explicit[2]), flat(explicit[0]), 'aᵀ·b computed two ways');
    assert.equal(flat(explicit[3]).length, 2 * 5 * 3);
    tf.dispose([a, b, c, d]);
  });
});
