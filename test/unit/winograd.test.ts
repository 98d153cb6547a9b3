import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random';
import { selectBackend } from '../../src/training/backend';
import { heapMemory, simdKernelsFor, WINOGRAD_MODE, type WinogradMode } from '../../src/training/simd/simdKernels';
import { withWasmKernelOptions } from '../../src/training/wasmKernels';
import type { WasmBackendLike } from '../../src/training/wasmHeap';

// Winograd's F(2×2, 3×3) kernels of kernels.c called directly on the wasm heap, against float64 sums.

interface Case { name: string; b: number; h: number; w: number; ci: number; co: number }

// Tiles (2×2 outputs) in groups of 4 and chunks of 32: counts that are not multiples of either; output
// channels in panels of 8 and vectors of 4: counts that are not multiples of either.
const CASES: Case[] = [
  { name: 'the CNN\'s second block, 3 images', b: 3, h: 14, w: 14, ci: 16, co: 32 },
  { name: '105 tiles, 12 → 13 channels', b: 7, h: 6, w: 10, ci: 12, co: 13 },
  { name: 'one tile, 8 → 3 channels', b: 1, h: 2, w: 2, ci: 8, co: 3 },
  { name: 'odd sizes (pooled: last row and column uncovered), 32 → 16 channels', b: 2, h: 7, w: 9, ci: 32, co: 16 },
];

function values(count: number, seed: number, grid = false): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => {
    const v = rng() * 2 - 1;
    return grid ? Math.round(v * 2) / 2 : v;
  });
}

/** x [b, h, w, ci] with one zero row and column around each image: the 'same' padding of a 3×3 filter. */
function padded(x: Float32Array, { b, h, w, ci }: Case): Float32Array {
  const out = new Float32Array(b * (h + 2) * (w + 2) * ci);
  for (let i = 0; i < b; i++) {
    for (let r = 0; r < h; r++) out.set(x.subarray(((i * h + r) * w) * ci, ((i * h + r) * w + w) * ci), ((i * (h + 2) + r + 1) * (w + 2) + 1) * ci);
  }
  return out;
}

/** The 3×3 'same' convolution + bias in float64: [b, h, w, co]. */
function referenceConv(x: Float32Array, f: Float32Array, bias: Float32Array, { b, h, w, ci, co }: Case): Float64Array {
  const out = new Float64Array(b * h * w * co);
  for (let i = 0; i < b; i++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        for (let o = 0; o < co; o++) {
          let sum = bias[o];
          for (let fh = 0; fh < 3; fh++) {
            for (let fw = 0; fw < 3; fw++) {
              const y = r + fh - 1, z = c + fw - 1;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              for (let k = 0; k < ci; k++) sum += x[((i * h + y) * w + z) * ci + k] * f[((fh * 3 + fw) * ci + k) * co + o];
            }
          }
          out[((i * h + r) * w + c) * co + o] = sum;
        }
      }
    }
  }
  return out;
}

/** dw[3, 3, ci, co] = Σ x-patch · dy in float64. */
function referenceFilterGrad(x: Float32Array, dy: Float32Array, { b, h, w, ci, co }: Case): Float64Array {
  const out = new Float64Array(9 * ci * co);
  for (let i = 0; i < b; i++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        for (let fh = 0; fh < 3; fh++) {
          for (let fw = 0; fw < 3; fw++) {
            const y = r + fh - 1, z = c + fw - 1;
            if (y < 0 || y >= h || z < 0 || z >= w) continue;
            for (let k = 0; k < ci; k++) {
              const xv = x[((i * h + y) * w + z) * ci + k];
              for (let o = 0; o < co; o++) out[((fh * 3 + fw) * ci + k) * co + o] += xv * dy[((i * h + r) * w + c) * co + o];
            }
          }
        }
      }
    }
  }
  return out;
}

/** Within 1e-5 of the largest expected magnitude (at least 1): float32 rounding of sums of a few hundred products. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5 * scale, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('Winograd F(2×2, 3×3) kernels', () => {
  let backend: WasmBackendLike;
  before(async () => {
    await selectBackend('wasm');
    backend = tf.backend() as unknown as WasmBackendLike;
  });

  /** Runs `fn` with tensors on the heap and their offsets; checks that nothing else of the heap changed. */
  function onHeap(inputs: Float32Array[], outputs: number[], fn: (at: number[]) => void): Float32Array[] {
    const tensors = [...inputs, ...outputs.map((n) => new Float32Array(n))].map((v) => tf.tensor1d(v));
    try {
      const at = tensors.map((t) => backend.getMemoryOffset(t.dataId));
      const heap = new Uint8Array(heapMemory(backend).buffer);
      const copy = heap.slice();
      fn(at);
      const written = tensors.slice(inputs.length).map((t, k) => [at[inputs.length + k], at[inputs.length + k] + 4 * t.size]);
      let elsewhere = 0;
      for (let i = 0; i < heap.length; i++) if (heap[i] !== copy[i] && !written.some(([from, to]) => i >= from && i < to)) elsewhere++;
      assert.equal(elsewhere, 0, 'bytes changed outside the outputs and scratch');
      return tensors.slice(inputs.length).map((t) => t.dataSync() as Float32Array);
    } finally {
      tf.dispose(tensors);
    }
  }

  /**
   * The kernels' input: x as it is, with the 'same' padding of one row and column left to the kernel (it
   * reads zeros outside), or x padded beforehand (padding 0): [values, H, W, pad top, pad left].
   */
  const input = (c: Case, x: Float32Array, padFirst: boolean): [Float32Array, number, number, number, number] =>
    (padFirst ? [padded(x, c), c.h + 2, c.w + 2, 0, 0] : [x, c.h, c.w, 1, 1]);

  /** winograd_filter then winograd_conv3x3 in `mode`: [output, winners as floats]. */
  function winogradConv(c: Case, x: Float32Array, f: Float32Array, bias: Float32Array, mode: WinogradMode, variant: 'relaxed' | 'simd',
    padFirst = false): Float32Array[] {
    const kernels = simdKernelsFor(backend, variant);
    const pooled = mode === WINOGRAD_MODE.reluPool;
    const outSize = pooled ? c.b * Math.floor(c.h / 2) * Math.floor(c.w / 2) * c.co : c.b * c.h * c.w * c.co;
    const [values, H, W, top, left] = input(c, x, padFirst);
    const [out, winners] = onHeap([values, f, bias], [outSize, outSize, kernels.winograd_filter_floats(c.ci, c.co), kernels.winograd_scratch_floats(c.ci, c.co)],
      ([xp, fp, bp, op, wp, up, sp]) => {
        kernels.winograd_filter(fp, bp, up, c.ci, c.co);
        kernels.winograd_conv3x3(xp, up, op, wp, c.b, H, W, c.ci, c.h, c.w, c.co, top, left, mode, sp);
      });
    return [out, Float32Array.from(new Int32Array(winners.buffer, winners.byteOffset, winners.length))];
  }

  for (const variant of ['relaxed', 'simd'] as const) {
    for (const [i, c] of CASES.entries()) {
      const even = c.h % 2 === 0 && c.w % 2 === 0;
      if (even) {
        it(`convolution and its ReLU match float64: ${c.name} (${variant} SIMD)`, () => {
          const x = values(c.b * c.h * c.w * c.ci, 10 * i);
          const f = values(9 * c.ci * c.co, 10 * i + 1);
          const bias = values(c.co, 10 * i + 2);
          const expected = referenceConv(x, f, bias, c);
          const conv = winogradConv(c, x, f, bias, WINOGRAD_MODE.plain, variant)[0];
          assertClose(conv, expected, 'conv');
          assert.deepEqual(winogradConv(c, x, f, bias, WINOGRAD_MODE.plain, variant, true)[0], conv, 'the same bits from an input padded beforehand');
          const relu = winogradConv(c, x, f, bias, WINOGRAD_MODE.relu, variant)[0];
          assertClose(relu, expected.map((v) => Math.max(0, v)), 'relu');
          assert.ok(relu.some((v) => v === 0) && relu.some((v) => v > 0), 'ReLU clips some outputs and keeps others');
        });
      }

      for (const grid of [false, true]) {
        it(`pooled block and its winners match float64: ${c.name}${grid ? ', values on a grid (ties, all-zero windows)' : ''} (${variant} SIMD)`, () => {
          const x = values(c.b * c.h * c.w * c.ci, 10 * i + 3, grid);
          const f = values(9 * c.ci * c.co, 10 * i + 4, grid);
          const bias = values(c.co, 10 * i + 5, grid);
          const conv = referenceConv(x, f, bias, c);
          const [QH, QW] = [Math.floor(c.h / 2), Math.floor(c.w / 2)];
          const best: number[] = [];
          const winner: number[] = [];
          const windows: number[][] = [];
          for (let b = 0; b < c.b; b++) {
            for (let qh = 0; qh < QH; qh++) {
              for (let qw = 0; qw < QW; qw++) {
                for (let o = 0; o < c.co; o++) {
                  const window = [[0, 0], [0, 1], [1, 0], [1, 1]].map(([dh, dw]) => conv[((b * c.h + 2 * qh + dh) * c.w + 2 * qw + dw) * c.co + o]);
                  let k = 4;
                  window.forEach((v, p) => { if (v > (k === 4 ? 0 : window[k])) k = p; });
                  windows.push(window);
                  best.push(k === 4 ? 0 : window[k]);
                  winner.push(k);
                }
              }
            }
          }
          const [pooled, winners] = winogradConv(c, x, f, bias, WINOGRAD_MODE.reluPool, variant);
          assertClose(pooled, best, 'pooled');
          assert.deepEqual(winogradConv(c, x, f, bias, WINOGRAD_MODE.reluPool, variant, true), [pooled, winners], 'the same bits from an input padded beforehand');
          if (grid) {
            // Sums of values on a grid are exact either way: every winner, ties included, is the reference's.
            assert.deepEqual([...winners], winner, 'winners');
            if (best.length > 100) assert.ok(winner.includes(4) && best.some((v, k) => v > 0 && winner[k] === 0), 'some windows are all ≤ 0, some won by their first position');
          } else {
            // Elsewhere a near-tie may go either way: a winner must hold its window's maximum (or none be positive).
            winners.forEach((k, at) => assert.ok(k === winner[at] || Math.abs((k === 4 ? 0 : windows[at][k]) - best[at]) <= 1e-5 * Math.max(1, best[at]),
              `winner ${at}: position ${k}, the reference's ${winner[at]} (${windows[at].join(', ')})`));
          }
        });
      }

      if (even) {
        it(`filter gradient matches float64, whole and split by blocks of 8 channels: ${c.name} (${variant} SIMD)`, () => {
          const kernels = simdKernelsFor(backend, variant);
          const x = values(c.b * c.h * c.w * c.ci, 10 * i + 6);
          const dy = values(c.b * c.h * c.w * c.co, 10 * i + 7);
          const scratch = kernels.winograd_filter_grad_scratch_floats(c.ci, c.co);
          const grad = (blocks: [number, number][], padFirst = false) => {
            const [values, H, W, top, left] = input(c, x, padFirst);
            return onHeap([values, dy], [9 * c.ci * c.co, scratch], ([xp, dyp, dwp, sp]) => {
              for (const [begin, end] of blocks) kernels.winograd_filter_grad_columns(xp, dyp, dwp, c.b, H, W, c.ci, c.h, c.w, c.co, top, left, sp, begin, end);
            })[0];
          };
          const whole = grad([[0, c.co]]);
          assertClose(whole, referenceFilterGrad(x, dy, c), 'dw');
          assert.deepEqual(grad([[0, c.co]], true), whole, 'the same bits from an input padded beforehand');
          const split = Array.from({ length: Math.ceil(c.co / 8) }, (_, k): [number, number] => [8 * k, Math.min(c.co, 8 * k + 8)]);
          assert.deepEqual(grad(split.reverse()), whole, 'by blocks of channels: bit for bit');
        });
      }
    }
  }

  it('takes over the 3×3 stride-1 convolutions of 8 or more input channels in fours, and no others', () => {
    // Same values through tfjs with Winograd on and off: equal within rounding, and different bits where it is used.
    const shapes: [number[], number[], boolean][] = [
      [[2, 6, 6, 16], [3, 3, 16, 8], true], [[2, 6, 6, 8], [3, 3, 8, 5], true],
      [[2, 6, 6, 4], [3, 3, 4, 8], false], [[2, 6, 6, 10], [3, 3, 10, 8], false], [[2, 5, 6, 16], [3, 3, 16, 8], false], [[2, 6, 6, 16], [5, 5, 16, 8], false],
    ];
    for (const [[b, h, w, ci], filter, used] of shapes) {
      const run = (winograd: boolean) => withWasmKernelOptions({ winograd }, () => tf.tidy(() =>
        tf.conv2d(tf.tensor4d(values(b * h * w * ci, 1), [b, h, w, ci]), tf.tensor4d(values(filter.reduce((p, q) => p * q), 2), filter as [number, number, number, number]), 1, 'same').dataSync()));
      const [on, off] = [run(true), run(false)];
      assertClose(on, off, `${[b, h, w, ci]} * ${filter}`);
      assert.equal(on.some((v, k) => v !== off[k]), used, `${[b, h, w, ci]} * ${filter}: Winograd ${used ? '' : 'not '}used`);
    }
  });
});
