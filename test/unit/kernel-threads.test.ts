import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random';
import { selectBackend } from '../../src/training/backend';
import { convReluPool } from '../../src/training/convBlock';
import { canRunOnThreads, kernelCallsOnHelpers, setKernelThreads } from '../../src/training/simd/parallelKernels';
import { withWasmKernelOptions } from '../../src/training/wasmKernels';
import type { WasmBackendLike } from '../../src/training/wasmHeap';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng() * 2 - 1), shape);
}

/**
 * The op's values on `threads` threads, and whether a helper thread took part. The caller runs the
 * share of a helper that has not started by the time its own is done (on a busy machine), so the op
 * is repeated until one did.
 */
function onThreads(threads: number, op: () => tf.Tensor): { values: Float32Array; spread: boolean } {
  setKernelThreads(threads);
  for (let attempt = 0; ; attempt++) {
    const callsBefore = kernelCallsOnHelpers();
    const values = tf.tidy(() => op().dataSync() as Float32Array);
    const spread = kernelCallsOnHelpers() > callsBefore;
    if (spread || threads === 1 || attempt === 50) return { values, spread };
  }
}

/** Bit for bit: equal bytes (so -0 and NaN patterns count too). */
function assertSameBits(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)),
    `${label}: values differ from one thread's`);
}

const conv = (x: tf.Tensor, f: tf.Tensor, stride: number, pad: 'same' | 'valid'): tf.Tensor => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad);
const filterGrad = (x: tf.Tensor, dy: tf.Tensor, filterShape: number[], stride: number, pad: 'same' | 'valid'): tf.Tensor =>
  tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: stride, pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor;

// The models' own shapes and ones around the split edges: columns not a multiple of 8, fewer blocks than threads.
const CASES: { name: string; op: () => tf.Tensor }[] = [];
for (const [m, k, n] of [[128, 784, 128], [300, 100, 50], [64, 2000, 12], [1000, 600, 9]]) {
  for (const transA of [false, true]) {
    CASES.push({ name: `matMul ${m}×${k}·${k}×${n}${transA ? ', A transposed' : ''}`, op: () => tf.matMul(randomTensor(transA ? [k, m] : [m, k], m + k), randomTensor([k, n], n), transA, false) });
  }
}
CASES.push({ name: 'dense layer with bias and ReLU 256×784·784×128', op: () => tf.fused.matMul({ a: randomTensor([256, 784], 1), b: randomTensor([784, 128], 2), bias: randomTensor([128], 3), activation: 'relu' }) });
CASES.push({ name: 'conv 3×3 same, 1 → 16 channels, 128 images', op: () => conv(randomTensor([128, 28, 28, 1], 4), randomTensor([3, 3, 1, 16], 5), 1, 'same') });
CASES.push({ name: 'conv 3×3 same, 16 → 32 channels, 7 images', op: () => conv(randomTensor([7, 14, 14, 16], 6), randomTensor([3, 3, 16, 32], 7), 1, 'same') });
CASES.push({ name: 'conv 5×5 valid, stride 2, 3 → 20 channels, 9 images', op: () => conv(randomTensor([9, 40, 40, 3], 8), randomTensor([5, 5, 3, 20], 9), 2, 'valid') });
CASES.push({ name: 'fused conv with bias and ReLU', op: () => tf.fused.conv2d({ x: randomTensor([16, 14, 14, 16], 10) as tf.Tensor4D, filter: randomTensor([3, 3, 16, 32], 11) as tf.Tensor4D, strides: 1, pad: 'same', bias: randomTensor([32], 12), activation: 'relu' }) });
CASES.push({ name: 'CNN block: conv 3×3 same + bias + ReLU + 2×2 max pool, 16 → 32 channels, 9 images of 14×13', op: () =>
  convReluPool(randomTensor([9, 14, 13, 16], 21) as tf.Tensor4D, randomTensor([3, 3, 16, 32], 22) as tf.Tensor4D, randomTensor([32], 23) as tf.Tensor1D, true) });
CASES.push({ name: 'filter gradient 3×3 same, 1 → 16 channels', op: () => filterGrad(randomTensor([128, 28, 28, 1], 13), randomTensor([128, 28, 28, 16], 14), [3, 3, 1, 16], 1, 'same') });
CASES.push({ name: 'filter gradient 3×3 same, 16 → 32 channels', op: () => filterGrad(randomTensor([32, 14, 14, 16], 15), randomTensor([32, 14, 14, 32], 16), [3, 3, 16, 32], 1, 'same') });
CASES.push({ name: 'filter gradient 5×5 valid, stride 2, 3 → 20 channels', op: () => filterGrad(randomTensor([30, 40, 40, 3], 17), randomTensor([30, 18, 18, 20], 18), [5, 5, 3, 20], 2, 'valid') });

describe('heavy kernels on several threads', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  after(() => setKernelThreads(1));

  it('run on a shared heap (tfjs\'s threaded build)', () => {
    assert.equal(canRunOnThreads(tf.backend() as unknown as WasmBackendLike), true);
  });

  for (const relaxedSimd of [true, false]) {
    for (const c of CASES) {
      it(`${c.name}: bit for bit the values of one thread, on 2 and 3 threads (${relaxedSimd ? 'relaxed' : 'plain'} SIMD)`, () => {
        withWasmKernelOptions({ relaxedSimd }, () => {
          const one = onThreads(1, c.op);
          assert.equal(one.spread, false, 'one thread ran the call alone');
          for (const threads of [2, 3]) {
            const many = onThreads(threads, c.op);
            assert.equal(many.spread, true, `the call was spread over ${threads} threads`);
            assertSameBits(many.values, one.values, `${threads} threads`);
          }
        });
      });
    }
  }

  it('keep working on tensors the heap grew for after the threads started', () => {
    const op = () => tf.matMul(randomTensor([512, 512], 19), randomTensor([512, 64], 20));
    const one = onThreads(1, op);
    onThreads(2, op);
    const pages = (tf.backend() as unknown as WasmBackendLike).wasm.wasmMemory!.buffer.byteLength;
    const big = tf.zeros([64 * 1024 * 1024]); // 256 MB: the heap must grow
    try {
      assert.ok((tf.backend() as unknown as WasmBackendLike).wasm.wasmMemory!.buffer.byteLength > pages, 'the heap grew');
      const after = onThreads(2, op);
      assert.equal(after.spread, true);
      assertSameBits(after.values, one.values, 'after the heap grew');
    } finally {
      big.dispose();
    }
  });
});
