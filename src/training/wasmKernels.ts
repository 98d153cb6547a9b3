/**
 * Kernels added to the wasm backend of tfjs 4.22 so that training works and runs fast. The heavy ones
 * are our own WebAssembly SIMD kernels (simd/kernels.c), working in place on the backend's heap:
 * - Conv2DBackpropFilter is missing on wasm (tensorflow/tfjs#8474), so CNN training throws as shipped;
 *   it is the transposed patch matrix times dy (simd/convolution.ts).
 * - Conv2D/FusedConv2D and BatchMatMul/_FusedMatMul of single matrices run as register-tiled products
 *   with fused multiply-add (simd/convolution.ts, simd/matMul.ts): XNNPACK repacks a product's weights
 *   every training step, takes slow paths for transposed operands and has no FMA on wasm.
 *   Batched products with transposeA/transposeB stay on wasm's slow path (≈7× slower than a plain
 *   product), so the operand is transposed explicitly first.
 * - The CNN's blocks are one op each (convBlock.ts): forward, convolution + bias + ReLU + 2×2 max pooling in
 *   one SIMD pass (CONV_RELU_POOL); backward, the pooling and ReLU gradient with the bias gradient in
 *   another (RELU_POOL_GRAD), before the filter and input gradients.
 * - Conv2DBackpropInput and MaxPoolGrad exist on wasm but are naive C++ loops, slower than the whole
 *   forward pass: the input gradient becomes a Conv2D, strided ones on a spread-out dy, and max pooling
 *   gets a one-pass gradient for any window (a SIMD kernel for the CNN's 2×2 windows).
 * - Sum over the leading axes (bias gradients) transposes its whole input first, and Add broadcasts a bias
 *   element by element; each becomes one SIMD pass.
 * - GatherV2 (how batches are drawn) addresses every element separately; along axis 0 it copies rows (C).
 * - Identity copies its input, and tfjs clones every tensor it saves for the backward pass; it shares.
 * - Slice copies its whole input out of the heap first; a contiguous block is copied alone.
 * Adam is one SIMD kernel per weight tensor too (simd/simdAdam.ts, chosen in train.ts).
 * Every replacement hands the cases it does not cover to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL, RELU_POOL_GRAD } from './convBlock';
import { simdMatMul } from './simd/matMul';
import { conv2DBackpropFilter, convReluPool2x2, simdConv2D } from './simd/convolution';
import { defaultSimdVariant, scratchOffset, simdKernelsFor, type SimdVariant } from './simd/simdKernels';
import { heapOffsets, isWordType, offsetIn, release, runKernel, swapLastTwo, WASM, type WasmBackendLike } from './wasmHeap';

type TensorInfo = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Which faster paths the wasm kernels take (all on by default; off only to test and measure the alternatives). */
export interface WasmKernelOptions {
  /** BatchMatMul and _FusedMatMul of single matrices: our SIMD gemm (kernels.c) instead of XNNPACK. */
  simdMatMul: boolean;
  /** The gemm with fused multiply-add (relaxed SIMD) where the engine has it; false: plain SIMD. */
  relaxedSimd: boolean;
  /** Conv2D and FusedConv2D (NHWC, dilation 1): our SIMD kernel instead of XNNPACK. */
  simdConv: boolean;
  /** 3×3 stride-1 convolutions on 8 or more input channels by Winograd's F(2×2, 3×3) instead of the direct product. */
  winograd: boolean;
  /** Add of a bias row to every row: one SIMD pass instead of the shipped broadcast. */
  simdBiasAdd: boolean;
  /** Adam as one SIMD kernel per weight tensor (simd/simdAdam.ts) instead of tf.train.adam's dozen kernels. */
  simdAdam: boolean;
  /** BatchMatMul with transposeA/B: transpose the operand explicitly, then a plain product. */
  explicitTransposeMatMul: boolean;
  /** Conv2DBackpropInput: a Conv2D with the filter rotated 180° (on dy spread by the strides) instead of the naive loop. */
  convBackpropInputAsConv: boolean;
  /** MaxPoolGrad: one pass over the pooling windows instead of the naive loop. */
  fastMaxPoolGrad: boolean;
  /** GatherV2 along axis 0: one memmove per row instead of per-element addressing. */
  fastGather: boolean;
  /** Sum over all leading axes (bias gradients): one pass instead of transpose-then-sum. */
  leadingAxesSumAsLoop: boolean;
  /** Identity (tfjs clones every tensor it saves for the backward pass): share the buffer instead of copying it. */
  sharedIdentity: boolean;
  /** Slice of a contiguous block: copy the block alone instead of the whole input first. */
  heapSlice: boolean;
  /** CNN blocks as one op (convBlock.ts: fused conv + bias + ReLU, pooling, one-pass gradient) instead of tfjs-layers' layers. */
  convBlocks: boolean;
}

const options: WasmKernelOptions = {
  simdMatMul: true, relaxedSimd: true, simdConv: true, winograd: true, simdBiasAdd: true, simdAdam: true, explicitTransposeMatMul: true,
  convBackpropInputAsConv: true, fastMaxPoolGrad: true, fastGather: true, leadingAxesSumAsLoop: true, sharedIdentity: true, heapSlice: true, convBlocks: true,
};

/** The kernels' build: relaxed SIMD where the engine has it, unless switched off. */
function simdVariant(): SimdVariant {
  return options.relaxedSimd ? defaultSimdVariant() : 'simd';
}

/** The options in force. */
export function wasmKernelOptions(): Readonly<WasmKernelOptions> {
  return options;
}

/** Sets some options; returns the previous ones. */
export function setWasmKernelOptions(changes: Partial<WasmKernelOptions>): WasmKernelOptions {
  const previous = { ...options };
  Object.assign(options, changes);
  return previous;
}

/** Runs `fn` with some options changed and restores them after (tests compare the paths). */
export function withWasmKernelOptions<T>(changes: Partial<WasmKernelOptions>, fn: () => T): T {
  const previous = setWasmKernelOptions(changes);
  try {
    return fn();
  } finally {
    setWasmKernelOptions(previous);
  }
}

type Wrapper = (args: KernelArgs, original: tf.KernelFunc) => TensorInfo;
const originals = new Map<string, tf.KernelConfig>();

/** Replaces a wasm kernel by `wrapper`, which may hand any call back to the original. */
function wrapKernel(name: string, wrapper: Wrapper): void {
  if (originals.has(name)) return;
  const original = tf.getKernel(name, WASM);
  if (!original) throw new Error(`wasm backend has no ${name} kernel (is @tensorflow/tfjs-backend-wasm loaded?)`);
  originals.set(name, original);
  tf.unregisterKernel(name, WASM);
  // The original setupFunc stays: it binds the C++ entry point the original kernelFunc calls.
  tf.registerKernel({ ...original, kernelFunc: (args) => wrapper(args, original.kernelFunc) });
}

function batchMatMulExplicitTranspose(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const attrs = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs;
  if (!options.explicitTransposeMatMul || (!attrs.transposeA && !attrs.transposeB)) return original(args) as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const temps: TensorInfo[] = [];
  const plain = (t: TensorInfo, transposed: boolean): TensorInfo => {
    if (!transposed) return t;
    const out = runKernel('Transpose', backend, { x: t }, { perm: swapLastTwo(t.shape.length) });
    temps.push(out);
    return out;
  };
  try {
    return original({
      inputs: { a: plain(a, attrs.transposeA), b: plain(b, attrs.transposeB) },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
  } finally {
    release(backend, temps);
  }
}

/**
 * dx of a convolution is itself a convolution: dy, spread out by the strides (sh − 1 zero rows between
 * its rows, likewise for columns) and padded by (F − 1 − pad), with the filter rotated 180° and its
 * in/out channels swapped. That Conv2D (our SIMD kernel, or XNNPACK) is far faster than the naive loop
 * of the shipped kernel. Layouts and paddings this cannot express go to the original kernel.
 */
function conv2DBackpropInputAsConv(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  if (!options.convBackpropInputAsConv || attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32') return original(args) as TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW,
    strideHeight: sh, strideWidth: sw, padInfo } = info;
  // The spread dy covers rows 0..(OH−1)·sh; dx row h reads spread rows h + top − (FH − 1) .. h + top.
  const paddings: [number, number][] = [
    [FH - 1 - padInfo.top, H + padInfo.top - 1 - (OH - 1) * sh],
    [FW - 1 - padInfo.left, W + padInfo.left - 1 - (OW - 1) * sw],
  ];
  if (paddings.flat().some((p) => p < 0)) return original(args) as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo): TensorInfo => { temps.push(t); return t; };
  try {
    const spread = sh === 1 && sw === 1 ? dy : keep(spreadByStrides(backend, dy, sh, sw));
    const reversed = keep(runKernel('Reverse', backend, { x: filter }, { dims: [0, 1] }));
    const flipped = keep(runKernel('Transpose', backend, { x: reversed }, { perm: [0, 1, 3, 2] }));
    return runKernel('Conv2D', backend, { x: spread, filter: flipped }, {
      strides: 1, dilations: 1, pad: [[0, 0], ...paddings, [0, 0]], dataFormat: 'NHWC', dimRoundingMode: undefined,
    } as unknown as Attrs);
  } finally {
    release(backend, temps);
  }
}

/** [B, OH, OW, C] → [B, (OH−1)·sh + 1, (OW−1)·sw + 1, C] with each pixel at (oh·sh, ow·sw) and zeros between. */
function spreadByStrides(backend: WasmBackendLike, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [B, OH, OW, C] = dy.shape;
  const SH = (OH - 1) * sh + 1;
  const SW = (OW - 1) * sw + 1;
  const out = backend.makeOutput([B, SH, SW, C], 'float32');
  const { heap, src, dst } = heapOffsets(backend, dy, out);
  heap.fill(0, dst, dst + B * SH * SW * C);
  let from = src;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      let to = dst + ((b * SH + oh * sh) * SW) * C;
      for (let ow = 0; ow < OW; ow++, from += C, to += sw * C) heap.copyWithin(to, from, from + C);
    }
  }
  return out;
}

/**
 * MaxPoolGrad in one pass over the pooling windows (any size, stride and padding): each dy goes to the
 * first maximum of its window in row-major order, as in the cpu kernel; overlapping windows add up.
 */
function maxPoolGradOnePass(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const attrs = (args.attrs ?? {}) as unknown as tf.MaxPoolGradAttrs;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  if (!options.fastMaxPoolGrad || input.dtype !== 'float32') return original(args) as TensorInfo;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW,
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const backend = args.backend as WasmBackendLike;
  const dx = backend.makeOutput(input.shape, 'float32');
  if (FH === 2 && FW === 2 && sh === 2 && sw === 2 && padInfo.top === 0 && padInfo.left === 0 && 2 * OH <= H && 2 * OW <= W) {
    // The CNN's pooling: non-overlapping windows, one SIMD pass (kernels.c).
    const at = offsetIn(backend);
    simdKernelsFor(backend, simdVariant()).max_pool_grad_2x2(at(input), at(dy), at(dx), B, H, W, C, OH, OW);
    return dx;
  }
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const grad = backend.typedArrayFromHeap(dy) as Float32Array;
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  out.fill(0);
  const rowStep = W * C;
  let g = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - padInfo.top;
      const rows = Math.min(H, r0 + FH) - Math.max(0, r0);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - padInfo.left;
        const cols = Math.min(W, c0 + FW) - Math.max(0, c0);
        const corner = ((b * H + Math.max(0, r0)) * W + Math.max(0, c0)) * C;
        for (let c = 0; c < C; c++, g++) {
          let best = -Infinity;
          let at = -1;
          for (let r = 0, rowStart = corner + c; r < rows; r++, rowStart += rowStep) {
            for (let k = 0, i = rowStart; k < cols; k++, i += C) {
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          if (at >= 0) out[at] += grad[g];
        }
      }
    }
  }
  return dx;
}

/**
 * The gradient of a CNN block's 2×2 max pooling and ReLU in one SIMD pass (see convBlock.ts): each dy goes
 * to its window's winner (from ConvReluPool2x2), zero elsewhere. Outputs that gradient, [B, height, width, C],
 * and its sum per channel (the block's bias gradient).
 */
function reluPoolGrad(args: KernelArgs): TensorInfo[] {
  const { dy, winners } = args.inputs as { dy: TensorInfo; winners: TensorInfo };
  const { height, width } = args.attrs as unknown as { height: number; width: number };
  const [B, QH, QW, C] = dy.shape;
  if (dy.dtype !== 'float32' || winners.dtype !== 'int32' || winners.shape.join() !== dy.shape.join() || 2 * QH > height || 2 * QW > width
    || Math.floor(height / 2) !== QH || Math.floor(width / 2) !== QW) {
    throw new Error(`${RELU_POOL_GRAD}: dy [${dy.shape.join(', ')}] and int32 winners of its shape must be the 2×2 pooling of a ${height}×${width} input`);
  }
  const backend = args.backend as WasmBackendLike;
  const dz = backend.makeOutput([B, height, width, C], 'float32');
  const biasGradient = backend.makeOutput([C], 'float32');
  const at = offsetIn(backend);
  const sums = scratchOffset(backend, 2 * C); // C float64 accumulators
  simdKernelsFor(backend, simdVariant()).relu_pool_grad(at(dy), at(winners), at(dz), B, height, width, C, QH, QW, sums, at(biasGradient));
  return [dz, biasGradient];
}

/**
 * GatherV2 along axis 0 (the training loop's batches): one memcpy per row (kernels.c). The shipped kernel
 * computes every element's address separately (about 3 ms for 128 MNIST rows, as long as the rest of a step).
 */
function gatherRows(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const attrs = (args.attrs ?? {}) as unknown as tf.GatherV2Attrs;
  const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
  const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
  if (!options.fastGather || axis !== 0 || (attrs.batchDims ?? 0) !== 0 || !isWordType(x.dtype) || indices.dtype !== 'int32') {
    return original(args) as TensorInfo;
  }
  const backend = args.backend as WasmBackendLike;
  const rows = x.shape[0];
  const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
  const index = backend.typedArrayFromHeap(indices);
  for (const i of index) {
    if (!(i >= 0 && i < rows)) throw new Error(`GatherV2: the index value ${i} is not in [0, ${rows - 1}]`);
  }
  const count = index.length; // read before makeOutput: a heap that grows detaches the view
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const at = offsetIn(backend);
  simdKernelsFor(backend, simdVariant()).gather_rows(at(x), at(indices), at(out), count, rowSize);
  return out;
}

/**
 * Sum over all axes but the last (how tfjs reduces a bias gradient, e.g. [128,28,28,16] → [16]) in one
 * SIMD pass with float64 accumulators (kernels.c). The shipped kernel transposes the whole tensor first so
 * that the reduced axes come last.
 */
function sumLeadingAxes(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const attrs = (args.attrs ?? {}) as unknown as tf.SumAttrs;
  const { x } = args.inputs as { x: TensorInfo };
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((axis, i) => axis === i);
  if (!options.leadingAxesSumAsLoop || !leading || x.dtype !== 'float32') return original(args) as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const C = x.shape[rank - 1];
  const out = backend.makeOutput(attrs.keepDims ? [...Array<number>(rank - 1).fill(1), C] : [C], 'float32');
  const at = offsetIn(backend);
  simdKernelsFor(backend, simdVariant()).sum_rows(at(x), at(out), tf.util.sizeFromShape(x.shape.slice(0, -1)), C);
  return out;
}

/**
 * Add of a bias row ([C] or [1, …, 1, C]) to every row of a float32 tensor whose last axis is C, as dense
 * and convolution layers add their bias while training: one SIMD pass (kernels.c) instead of the shipped
 * kernel's element-by-element broadcast.
 */
function addBiasRow(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const C = a.shape[a.shape.length - 1];
  const isBiasRow = b.shape.length >= 1 && b.shape.length <= a.shape.length && b.shape[b.shape.length - 1] === C
    && b.shape.slice(0, -1).every((d) => d === 1);
  if (!options.simdBiasAdd || a.dtype !== 'float32' || b.dtype !== 'float32' || !isBiasRow) return original(args) as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput(a.shape, 'float32');
  const at = offsetIn(backend);
  simdKernelsFor(backend, simdVariant()).add_row(at(a), at(b), at(out), tf.util.sizeFromShape(a.shape.slice(0, -1)), C);
  return out;
}

/**
 * Identity sharing the input's buffer, like Reshape (tensors are immutable; tfjs clones each tensor it
 * saves for the backward pass, which the shipped kernel copies in full).
 */
function identityShared(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (!options.sharedIdentity || x.dtype === 'string') return original(args) as TensorInfo;
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Slice of a contiguous block (a range of rows, as model.predict takes its batches): one copy of the
 * block. The shipped kernel first copies the WHOLE input out of the heap (readSync) for every call.
 */
function sliceContiguous(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const attrs = (args.attrs ?? {}) as unknown as tf.SliceAttrs;
  const { x } = args.inputs as { x: TensorInfo };
  if (!options.heapSlice || x.dtype === 'string') return original(args) as TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  if (!tf.slice_util.isSliceContinous(x.shape, begin, size)) return original(args) as TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput(size, x.dtype);
  const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
  const count = tf.util.sizeFromShape(size);
  const source = backend.typedArrayFromHeap(x);
  backend.typedArrayFromHeap(out).set(source.subarray(offset, offset + count));
  return out;
}

/**
 * Registers the added and faster kernels for the wasm backend (idempotent). Call after
 * @tensorflow/tfjs-backend-wasm has been required. Returns the names of what is in place.
 */
export function installWasmKernels(): string[] {
  if (!tf.getKernel('Conv2DBackpropFilter', WASM)) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: (args) => conv2DBackpropFilter(args, simdVariant(), options.winograd) });
  }
  wrapKernel('BatchMatMul', (args, original) => (options.simdMatMul
    ? simdMatMul(args, (rest) => batchMatMulExplicitTranspose(rest, original), simdVariant())
    : batchMatMulExplicitTranspose(args, original)));
  wrapKernel('_FusedMatMul', (args, original) => (options.simdMatMul ? simdMatMul(args, original, simdVariant()) : original(args) as TensorInfo));
  wrapKernel('Conv2D', (args, original) => (options.simdConv ? simdConv2D(args, original, simdVariant(), options.winograd) : original(args) as TensorInfo));
  wrapKernel('FusedConv2D', (args, original) => (options.simdConv ? simdConv2D(args, original, simdVariant(), options.winograd) : original(args) as TensorInfo));
  if (!tf.getKernel(CONV_RELU_POOL, WASM)) {
    tf.registerKernel({ kernelName: CONV_RELU_POOL, backendName: WASM, kernelFunc: (args) => convReluPool2x2(args, simdVariant(), options.winograd) });
    tf.registerKernel({ kernelName: RELU_POOL_GRAD, backendName: WASM, kernelFunc: reluPoolGrad });
  }
  wrapKernel('Conv2DBackpropInput', conv2DBackpropInputAsConv);
  wrapKernel('Add', addBiasRow);
  wrapKernel('MaxPoolGrad', maxPoolGradOnePass);
  wrapKernel('GatherV2', gatherRows);
  wrapKernel('Sum', sumLeadingAxes);
  wrapKernel('Identity', identityShared);
  wrapKernel('Slice', sliceContiguous);
  const simd = defaultSimdVariant() === 'relaxed' ? 'relaxed SIMD (fused multiply-add)' : 'SIMD';
  return [`${simd} kernels: Conv2D, Conv2DBackpropFilter, BatchMatMul, Adam, MaxPoolGrad 2×2, CNN blocks (conv + ReLU + 2×2 pool and their gradient), Winograd F(2×2, 3×3) for 3×3 convolutions, leading-axes Sum, bias-row Add, padding`,
    'Conv2DBackpropInput as Conv2D', 'row-copy GatherV2', 'buffer-sharing Identity', 'block-copy Slice'];
}
