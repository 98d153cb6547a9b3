import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random';
import { selectBackend } from '../../src/training/backend';
import { SimdAdamOptimizer } from '../../src/training/simd/simdAdam';
import { defaultSimdVariant, heapMemory, simdKernelsFor } from '../../src/training/simd/simdKernels';
import { withWasmKernelOptions } from '../../src/training/wasmKernels';
import type { WasmBackendLike } from '../../src/training/wasmHeap';

const ROOT = path.resolve(__dirname, '..', '..');

function randomValues(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng() * 2 - 1);
}

/** op(A)·op(B) + bias, then ReLU, in float64: A is [M,K] or [K,M] (transA), B is [K,N] or [N,K] (transB). */
function referenceProduct(a: Float32Array, b: Float32Array, m: number, k: number, n: number,
  { transA = false, transB = false, bias, relu = false }: { transA?: boolean; transB?: boolean; bias?: Float32Array; relu?: boolean }): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) sum += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
      out[i * n + j] = relu ? Math.max(0, sum) : sum;
    }
  }
  return out;
}

/** Float32 sums of k products of values in [−1, 1] stay within k·2⁻²³ of the exact sum (times a safety factor). */
function assertProductClose(actual: ArrayLike<number>, expected: Float64Array, k: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const tolerance = 4 * Math.max(1, k) * 2 ** -23 + 1e-7;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${label}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance})`);
  }
}

// Shapes around the tile (4 rows) and panel (8 columns, 512 deep) edges, and the training loop's own.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 9, 9], [7, 3, 17], [13, 1, 16], [2, 513, 3], [9, 1100, 12],
  [128, 784, 128], [128, 128, 10], [3, 0, 5],
];

describe('SIMD kernels on the wasm heap', () => {
  let backend: WasmBackendLike;
  before(async () => {
    await selectBackend('wasm');
    backend = tf.backend() as unknown as WasmBackendLike;
  });

  it('use fused multiply-add (relaxed SIMD) on this engine', () => {
    assert.equal(defaultSimdVariant(), 'relaxed');
  });

  for (const relaxedSimd of [true, false]) {
    for (const [m, k, n] of SHAPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`matMul ${m}×${k}·${k}×${n}${transA ? ', A transposed' : ''}${transB ? ', B transposed' : ''} matches float64 (${relaxedSimd ? 'relaxed' : 'plain'} SIMD)`, () => {
            const a = randomValues(m * k, m * 1000 + k);
            const b = randomValues(k * n, n * 1000 + k + 7);
            const actual = withWasmKernelOptions({ relaxedSimd }, () => tf.tidy(() =>
              tf.matMul(tf.tensor2d(a, transA ? [k, m] : [m, k]), tf.tensor2d(b, transB ? [n, k] : [k, n]), transA, transB).dataSync()));
            assertProductClose(actual, referenceProduct(a, b, m, k, n, { transA, transB }), k, 'product');
          });
        }
      }
    }
  }

  for (const activation of ['linear', 'relu'] as const) {
    it(`fused matMul with a bias row and ${activation} activation matches float64 (dense layers at evaluation)`, () => {
      const [m, k, n] = [37, 600, 10];
      const a = randomValues(m * k, 1);
      const b = randomValues(k * n, 2);
      const bias = randomValues(n, 3);
      const actual = tf.tidy(() => tf.fused.matMul({ a: tf.tensor2d(a, [m, k]), b: tf.tensor2d(b, [k, n]), bias: tf.tensor1d(bias), activation }).dataSync());
      const expected = referenceProduct(a, b, m, k, n, { bias, relu: activation === 'relu' });
      assertProductClose(actual, expected, k, activation);
      if (activation === 'relu') assert.ok(actual.some((v) => v === 0) && actual.some((v) => v > 0), 'ReLU clips some outputs and keeps others');
    });
  }

  it('gives the same products as the shipped XNNPACK kernel, and batched products still work', () => {
    const a = randomValues(64 * 200, 5);
    const b = randomValues(200 * 24, 6);
    const product = () => tf.tidy(() => tf.matMul(tf.tensor2d(a, [64, 200]), tf.tensor2d(b, [200, 24])).dataSync());
    const ours = product();
    assertProductClose(ours, Float64Array.from(withWasmKernelOptions({ simdMatMul: false }, product)), 200, 'ours vs XNNPACK');
    const batched = tf.tidy(() => tf.matMul(tf.tensor3d(a.subarray(0, 2 * 4 * 5), [2, 4, 5]), tf.tensor3d(b.subarray(0, 2 * 5 * 3), [2, 5, 3])).dataSync());
    const second = referenceProduct(a.subarray(20, 40), b.subarray(15, 30), 4, 5, 3, {});
    assertProductClose(batched.subarray(12), second, 5, 'second matrix of a batch');
  });

  for (const variant of ['relaxed', 'simd'] as const) {
    it(`write nothing on the heap but their outputs and scratch (the heap belongs to the wasm backend; ${variant})`, () => {
      const kernels = simdKernelsFor(backend, variant);
      const [m, k, n] = [9, 700, 13];
      const keep: tf.Tensor[] = [];
      const tensor = (values: Float32Array): tf.Tensor => { const t = tf.tensor1d(values); keep.push(t); return t; };
      const a = tensor(randomValues(m * k, 7));
      const b = tensor(randomValues(k * n, 8));
      const bias = tensor(randomValues(n, 9));
      const c = tensor(new Float32Array(m * n));
      const scratch = tensor(new Float32Array(kernels.gemm_scratch_floats()));
      const w = tensor(randomValues(101, 10));
      const wOut = tensor(new Float32Array(101));
      const g = tensor(randomValues(101, 11));
      const mom = tensor(randomValues(101, 12));
      const vel = tensor(randomValues(101, 13).map(Math.abs));
      const at = (t: tf.Tensor): number => backend.getMemoryOffset(t.dataId);
      const heap = new Uint8Array(heapMemory(backend).buffer);
      const before = heap.slice();
      kernels.gemm(at(a), at(b), at(bias), at(c), m, k, n, 0, 1, at(scratch));
      kernels.adam(at(w), at(wOut), at(g), at(mom), at(vel), 101, -0.01, 0.9, 0.999, 0.1, 0.001, 1e-7, 0.1, 0.001);
      const written = [c, scratch, wOut, mom, vel].map((t) => [at(t), at(t) + 4 * t.size]);
      let changedElsewhere = 0;
      for (let i = 0; i < heap.length; i++) {
        if (heap[i] !== before[i] && !written.some(([from, to]) => i >= from && i < to)) changedElsewhere++;
      }
      assert.equal(changedElsewhere, 0, 'bytes changed outside the outputs and scratch');
      assertProductClose(c.dataSync(), referenceProduct(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, k, n,
        { bias: bias.dataSync() as Float32Array, relu: true }), k, 'raw gemm');
      tf.dispose(keep);
    });
  }

  it('Adam gives bit for bit the weights of tf.train.adam, and keeps no extra tensors', () => {
    const x = tf.tensor2d(randomValues(20 * 37, 14), [20, 37]);
    const start = randomValues(37 * 11 + 3, 15);
    const weights = () => [tf.variable(tf.tensor2d(start.subarray(0, 37 * 11), [37, 11])), tf.variable(tf.tensor1d(start.subarray(37 * 11)))];
    const loss = ([w, bias]: tf.Variable[]) => () => tf.tidy(() => tf.sum(tf.square(tf.matMul(x, w))).add(tf.sum(tf.exp(bias))) as tf.Scalar);
    const [theirs, ours] = [weights(), weights()];
    const [theirOptimizer, ourOptimizer] = [tf.train.adam(0.01), new SimdAdamOptimizer(0.01)];
    const tensorsBefore = tf.memory().numTensors;
    for (let step = 0; step < 40; step++) {
      theirOptimizer.minimize(loss(theirs), false, theirs);
      ourOptimizer.minimize(loss(ours), false, ours);
    }
    assert.equal(ourOptimizer.iterations, 40);
    for (const [i, w] of ours.entries()) {
      assert.deepEqual(w.dataSync(), theirs[i].dataSync(), `weights ${i}`);
      assert.notDeepEqual(w.dataSync(), start.subarray(i === 0 ? 0 : 37 * 11, i === 0 ? 37 * 11 : undefined), `weights ${i} moved`);
    }
    // Both hold two moments per weight tensor (tf.train.adam's β-power scalars predate tensorsBefore).
    assert.equal(tf.memory().numTensors - tensorsBefore, 2 * 2 + 2 * 2);
    ourOptimizer.dispose();
    theirOptimizer.dispose();
    tf.dispose([x, ...theirs, ...ours]);
  });

  it('are what kernels.c builds to (kernelsBinary.ts is not stale; needs clang-19, lld-19 and llvm-19)', () => {
    // Byte for byte with the clang that built them; with another clang release, by exports and imports.
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-simd.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    assert.match(out, /matches|they are the same/);
  });
});
