/**
 * Dense products of the wasm backend on the SIMD gemm of kernels.c: BatchMatMul, and _FusedMatMul with
 * a bias row and ReLU or no activation (how dense layers run outside of training).
 * Why: the shipped kernels go through XNNPACK, which repacks B as "weights" whenever B's buffer is new —
 * every training step, since weights and gradients are new tensors — and takes slow paths for transposed
 * operands. gemm packs small panels as it goes and reads a transposed A (the weight gradient xᵀ·dy) in place.
 * Batched products (more than one matrix) and other activations stay with the shipped kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { offsetIn, release, runKernel, swapLastTwo, type WasmBackendLike } from '../wasmHeap';
import { defaultSimdVariant, simdKernelsFor, type SimdVariant } from './simdKernels';
import { gemmOnThreads } from './parallelKernels';

type TensorInfo = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

interface MatMulInputs { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo }
interface MatMulAttrs { transposeA: boolean; transposeB: boolean; activation?: string }

const size = tf.util.sizeFromShape;
const isOneMatrix = (t: TensorInfo): boolean => t.dtype === 'float32' && t.shape.length >= 2 && size(t.shape.slice(0, -2)) === 1;

/** Whether gemm computes this product: one float32 matrix each, bias of N floats, ReLU or no activation. */
function supported({ a, b, bias, preluActivationWeights }: MatMulInputs, { transposeB, activation }: MatMulAttrs): boolean {
  if (!isOneMatrix(a) || !isOneMatrix(b) || preluActivationWeights) return false;
  if (activation !== undefined && activation !== 'linear' && activation !== 'relu') return false;
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  return !bias || (bias.dtype === 'float32' && size(bias.shape) === n && bias.shape[bias.shape.length - 1] === n);
}

/** BatchMatMul or _FusedMatMul on the gemm of `variant` when `supported`, else `original`. */
export function simdMatMul(args: KernelArgs, original: tf.KernelFunc, variant: SimdVariant = defaultSimdVariant()): TensorInfo {
  const inputs = args.inputs as unknown as MatMulInputs;
  const attrs = args.attrs as unknown as MatMulAttrs;
  if (!supported(inputs, attrs)) return original(args) as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const { a, bias } = inputs;
  const temps: TensorInfo[] = [];
  try {
    // gemm reads B as [K,N]: a transposed B (dy·Wᵀ, small) is transposed once here.
    const b = attrs.transposeB ? runKernel('Transpose', backend, { x: inputs.b }, { perm: swapLastTwo(inputs.b.shape.length) }) : inputs.b;
    if (b !== inputs.b) temps.push(b);
    const rank = a.shape.length;
    const [m, k] = attrs.transposeA ? [a.shape[rank - 1], a.shape[rank - 2]] : [a.shape[rank - 2], a.shape[rank - 1]];
    const n = b.shape[b.shape.length - 1];
    if (b.shape[b.shape.length - 2] !== k) {
      throw new Error(`matMul: inner dimensions differ (${k} and ${b.shape[b.shape.length - 2]}) for shapes [${a.shape}] and [${inputs.b.shape}]`);
    }
    const outer = (a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2);
    const out = backend.makeOutput([...outer, m, n], 'float32');
    const at = offsetIn(backend);
    gemmOnThreads(backend, simdKernelsFor(backend, variant), variant, {
      a: at(a), b: at(b), bias: bias ? at(bias) : 0, c: at(out), m, k, n, transA: attrs.transposeA ? 1 : 0, relu: attrs.activation === 'relu' ? 1 : 0,
    });
    return out;
  } finally {
    release(backend, temps);
  }
}
