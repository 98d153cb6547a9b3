import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random';
import { selectBackend } from '../../src/training/backend';
import { withWasmKernelOptions } from '../../src/training/wasmKernels';

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
  { name: 'stride 2, same, even sizes', x: [2, 8, 6, 3], filter: [3, 3, 3, 4], strides: [2, 2], pad: 'same' },
  { name: '2×2 filter, stride 2, valid (windows tile the input)', x: [2, 6, 8, 2], filter: [2, 2, 2, 3], strides: [2, 2], pad: 'valid' },
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

/** The input gradient computed by the Conv2DBackpropInput kernel of the current backend. */
function inputGradient(c: Case, filterValues: Float32Array, dyValues: Float32Array, dyShape: number[]): Float32Array {
  return tf.tidy(() => {
    const filter = tf.tensor4d(filterValues, c.filter);
    const dy = tf.tensor(dyValues, dyShape);
    const out = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.deepEqual(out.shape, c.x);
    return out.dataSync() as Float32Array;
  });
}

function outputShape(c: Case): number[] {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
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
      const dyShape = outputShape(c);
      const xValues = randomValues(size(c.x), 100 + i);
      const dyValues = randomValues(size(dyShape), 200 + i);
      await selectBackend('cpu');
      const expected = filterGradient(c, xValues, dyValues, dyShape);
      await selectBackend('wasm');
      const before = tf.memory().numTensors;
      assertClose(filterGradient(c, xValues, dyValues, dyShape), expected, c.name);
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    });
  }

  for (const [i, c] of CASES.entries()) {
    it(`Conv2D and FusedConv2D (bias, ReLU) match the cpu kernel: ${c.name}`, async () => {
      const xValues = randomValues(size(c.x), 700 + i);
      const filterValues = randomValues(size(c.filter), 800 + i);
      const biasValues = randomValues(c.filter[3], 900 + i);
      const outputs = () => tf.tidy(() => {
        const x = tf.tensor4d(xValues, c.x);
        const filter = tf.tensor4d(filterValues, c.filter);
        const bias = tf.tensor1d(biasValues);
        return [
          tf.conv2d(x, filter, c.strides, c.pad).dataSync() as Float32Array,
          tf.fused.conv2d({ x, filter, strides: c.strides, pad: c.pad, bias, activation: 'relu' }).dataSync() as Float32Array,
        ];
      });
      await selectBackend('cpu');
      const [plain, fused] = outputs();
      await selectBackend('wasm');
      const before = tf.memory().numTensors;
      const [ours, oursFused] = outputs();
      assertClose(ours, plain, `${c.name}, Conv2D`);
      assertClose(oursFused, fused, `${c.name}, FusedConv2D`);
      assert.ok(fused.some((v) => v === 0) && fused.some((v) => v > 0), 'ReLU clips some outputs and keeps others');
      withWasmKernelOptions({ simdConv: false }, () => assertClose(outputs()[0], plain, `${c.name}, shipped wasm kernel`));
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    });
  }

  for (const [i, c] of CASES.entries()) {
    it(`Conv2DBackpropInput matches the cpu kernel: ${c.name}`, async () => {
      const dyShape = outputShape(c);
      const filterValues = randomValues(size(c.filter), 300 + i);
      const dyValues = randomValues(size(dyShape), 400 + i);
      await selectBackend('cpu');
      const expected = inputGradient(c, filterValues, dyValues, dyShape);
      await selectBackend('wasm');
      const before = tf.memory().numTensors;
      assertClose(inputGradient(c, filterValues, dyValues, dyShape), expected, c.name);
      withWasmKernelOptions({ convBackpropInputAsConv: false }, () => assertClose(inputGradient(c, filterValues, dyValues, dyShape), expected, `${c.name}, shipped wasm kernel`));
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    });
  }

  const POOLS: { name: string; x: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }[] = [
    { name: '2×2 stride 2 (the CNN)', x: [3, 8, 8, 4], size: 2, stride: 2, pad: 'valid' },
    { name: '2×2 stride 2 on odd sizes', x: [2, 7, 9, 3], size: 2, stride: 2, pad: 'valid' },
    { name: '2×2 stride 2, 6 channels (4 at once, then 2 one by one)', x: [2, 6, 4, 6], size: 2, stride: 2, pad: 'valid' },
    { name: '3×3 stride 3, same', x: [2, 8, 7, 2], size: 3, stride: 3, pad: 'same' },
    { name: 'overlapping 3×3 stride 2', x: [2, 9, 9, 2], size: 3, stride: 2, pad: 'valid' },
    { name: 'overlapping 3×3 stride 1, same', x: [2, 6, 5, 3], size: 3, stride: 1, pad: 'same' },
  ];
  for (const [i, p] of POOLS.entries()) {
    it(`MaxPoolGrad matches the cpu kernel, ties included: ${p.name}`, async () => {
      // Ties: ReLU-like inputs on a coarse grid, so many windows hold equal values (first maximum wins).
      const xValues = randomValues(size(p.x), 500 + i).map((v) => Math.max(0, Math.round(v * 3) / 3));
      const gradient = () => tf.tidy(() => {
        const x = tf.tensor4d(xValues, p.x);
        const weights = tf.tidy(() => tf.maxPool(x, p.size, p.stride, p.pad));
        const w = tf.tensor(randomValues(weights.size, 600 + i), weights.shape);
        return tf.grad((v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, p.size, p.stride, p.pad).mul(w).sum())(x).dataSync() as Float32Array;
      });
      await selectBackend('cpu');
      const expected = gradient();
      await selectBackend('wasm');
      assertClose(gradient(), expected, p.name);
    });
  }

  it('Sum over the leading axes (bias gradients) matches cpu; other reductions go to the shipped kernel', async () => {
    const x = randomValues(3 * 5 * 4 * 6, 21);
    const sums = () => tf.tidy(() => {
      const t = tf.tensor4d(x, [3, 5, 4, 6]);
      return [
        tf.sum(t, [0, 1, 2]), tf.sum(t, [2, 0, 1], true), tf.sum(tf.reshape(t, [60, 6]), 0), tf.sum(t, -1), tf.sum(t, [1, 2]),
      ].map((s) => ({ shape: s.shape, values: Array.from(s.dataSync()) }));
    });
    await selectBackend('cpu');
    const expected = sums();
    await selectBackend('wasm');
    const actual = sums();
    for (const [k, e] of expected.entries()) {
      assert.deepEqual(actual[k].shape, e.shape, `sum ${k} shape`);
      assertClose(actual[k].values, e.values, `sum ${k}`);
    }
  });

  it('Add of a bias row matches cpu for dense and image shapes; other broadcasts go to the shipped kernel', async () => {
    const cases: [number[], number[]][] = [[[5, 7], [7]], [[2, 3, 4, 6], [6]], [[2, 3, 4, 6], [1, 1, 1, 6]], [[4, 3], [1, 3]], [[4, 3], [4, 1]], [[3], [3]], [[2, 5], [2, 5]]];
    const sums = () => tf.tidy(() => cases.map(([aShape, bShape], i) =>
      tf.add(tf.tensor(randomValues(size(aShape), 30 + i), aShape), tf.tensor(randomValues(size(bShape), 40 + i), bShape)).dataSync() as Float32Array));
    await selectBackend('cpu');
    const expected = sums();
    await selectBackend('wasm');
    const ours = sums();
    cases.forEach(([a, b], i) => assertClose(ours[i], expected[i], `[${a}] + [${b}]`));
  });

  it('Slice matches cpu: contiguous row blocks (block copy) and strided blocks (shipped kernel), any dtype', async () => {
    const x = randomValues(6 * 4 * 3, 31);
    const slices = () => tf.tidy(() => {
      const t = tf.tensor3d(x, [6, 4, 3]);
      return [
        tf.slice(t, [2, 0, 0], [3, -1, -1]), tf.slice(t, [5, 1, 0], [1, 2, 3]), tf.slice(t, [1, 1, 1], [2, 2, 2]),
        tf.slice(tf.tensor1d([4, 5, 6, 7], 'int32'), [1], [2]), tf.slice(tf.tensor1d([1, 0, 1], 'bool'), [1], [2]),
      ].map((s) => ({ shape: s.shape, dtype: s.dtype, values: Array.from(s.dataSync()) }));
    });
    await selectBackend('cpu');
    const expected = slices();
    await selectBackend('wasm');
    assert.deepEqual(slices(), expected);
    withWasmKernelOptions({ heapSlice: false }, () => assert.deepEqual(slices(), expected, 'same as the shipped wasm kernel'));
  });

  it('Identity shares the buffer, and the clone outlives its source', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const source = tf.tensor2d([[1, 2], [3, 4]]);
    const copy = tf.clone(source);
    assert.equal(backend.numDataIds(), before + 1, 'one buffer for both');
    source.dispose();
    assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3, 4]);
    copy.dispose();
    assert.equal(backend.numDataIds(), before, 'freed with the last reference');
  });

  it('GatherV2 along axis 0 matches cpu for float and int rows, repeated indices and any rank', async () => {
    const x = randomValues(7 * 3 * 2, 9);
    const labels = Int32Array.from({ length: 7 }, (_, i) => (i * 5) % 7 - 2);
    const order = [6, 0, 3, 3, 1];
    const gathered = () => tf.tidy(() => {
      const idx = tf.tensor1d(order, 'int32');
      return [
        tf.gather(tf.tensor3d(x, [7, 3, 2]), idx),
        tf.gather(tf.tensor2d(x, [7, 6]), tf.tensor2d([[1, 2], [6, 0]], [2, 2], 'int32')),
        tf.gather(tf.tensor1d(labels, 'int32'), idx),
        tf.gather(tf.tensor2d(x, [7, 6]), tf.tensor1d([5, 0, 2], 'int32'), 1), // axis 1: shipped kernel
      ].map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
    });
    await selectBackend('cpu');
    const expected = gathered();
    await selectBackend('wasm');
    assert.deepEqual(gathered(), expected);
    withWasmKernelOptions({ fastGather: false }, () => assert.deepEqual(gathered(), expected, 'same as the shipped wasm kernel'));
  });

  it('GatherV2 rejects an index out of range', () => {
    const x = tf.ones([4, 2]);
    const idx = tf.tensor1d([1, 4], 'int32');
    assert.throws(() => tf.gather(x, idx), /index value 4 is not in \[0, 3\]/);
    tf.dispose([x, idx]);
  });

  it('frees every intermediate buffer of the added kernels', () => {
    const c = CASES[0];
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.ones(c.x);
    const filter = tf.ones(c.filter);
    const dy = tf.ones(outputShape(c));
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    for (const [name, inputs, extra] of [
      ['Conv2DBackpropFilter', { x, dy }, { filterShape: c.filter }],
      ['Conv2DBackpropInput', { dy, filter }, { inputShape: c.x }],
      ['Conv2D', { x, filter }, {}],
    ] as const) {
      const before = backend.numDataIds();
      const out = tf.engine().runKernel(name, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
      assert.equal(backend.numDataIds(), before + 1, `${name}: only the output remains`);
      out.dispose();
    }
    tf.dispose([x, filter, dy]);
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
    const slowPath = withWasmKernelOptions({ explicitTransposeMatMul: false }, () => tf.tidy(products));
    const explicit = withWasmKernelOptions({ explicitTransposeMatMul: true }, () => tf.tidy(products));
    const flat = (v: unknown) => (v as number[]).flat(3) as number[];
    for (let i = 0; i < slowPath.length; i++) assertClose(flat(explicit[i]), flat(slowPath[i]), `product ${i}`);
    assertClose(flat(explicit[2]), flat(explicit[0]), 'aᵀ·b computed two ways');
    assert.equal(flat(explicit[3]).length, 2 * 5 * 3);
    tf.dispose([a, b, c, d]);
  });
});
