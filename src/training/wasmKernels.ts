/**
 * Kernels added to the wasm backend of tfjs 4.22 so that training works and runs fast:
 * - Conv2DBackpropFilter is missing on wasm (tensorflow/tfjs#8474), so CNN training throws as shipped.
 *   We build it from a transpose and a pad (wasm kernels), an im2col copy on the heap and one plain matmul.
 * - BatchMatMul and _FusedMatMul of single matrices run on our SIMD gemm (simd/matMul.ts): XNNPACK
 *   repacks its weights operand every training step and takes slow paths for transposed operands.
 *   Batched products with transposeA/transposeB take a slow path on wasm (≈7× slower than a plain
 *   product); transposing the operand explicitly first and multiplying plainly is much faster.
 * - Conv2DBackpropInput and MaxPoolGrad exist on wasm but are naive C++ loops, slower than the whole
 *   forward pass: the input gradient becomes a Conv2D (XNNPACK), strided ones on a spread-out dy, and
 *   max pooling gets a one-pass gradient for any window.
 * - GatherV2 (how batches are drawn) addresses every element separately; along axis 0 it copies rows.
 * - Sum over the leading axes (bias gradients) transposes its whole input first; it becomes one pass.
 * - Identity copies its input, and tfjs clones every tensor it saves for the backward pass; it shares.
 * - Slice copies its whole input out of the heap first; a contiguous block is copied alone.
 * Every replacement hands the cases it does not cover to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { simdMatMul } from './simd/matMul';
import { defaultSimdVariant } from './simd/simdKernels';
import { heapOffsets, isWordType, release, runKernel, swapLastTwo, WASM, type WasmBackendLike } from './wasmHeap';

type TensorInfo = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Which faster paths the wasm kernels take (all on by default; off only to test and measure the alternatives). */
export interface WasmKernelOptions {
  /** BatchMatMul and _FusedMatMul of single matrices: our SIMD gemm (kernels.c) instead of XNNPACK. */
  simdMatMul: boolean;
  /** The gemm with fused multiply-add (relaxed SIMD) where the engine has it; false: plain SIMD. */
  relaxedSimd: boolean;
  /** Adam as one SIMD kernel per weight tensor (simd/simdAdam.ts) instead of tf.train.adam's dozen kernels. */
  simdAdam: boolean;
  /** BatchMatMul with transposeA/B: transpose the operand explicitly, then a plain product. */
  explicitTransposeMatMul: boolean;
  /** Conv2DBackpropInput: a Conv2D (XNNPACK) with the filter rotated 180° (on dy spread by the strides) instead of the naive loop. */
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
}

const options: WasmKernelOptions = {
  simdMatMul: true, relaxedSimd: true, simdAdam: true, explicitTransposeMatMul: true, convBackpropInputAsConv: true, fastMaxPoolGrad: true,
  fastGather: true, leadingAxesSumAsLoop: true, sharedIdentity: true, heapSlice: true,
};

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

/**
 * The patch matrix [FH·FW·Ci, B·OH·OW] of a padded input laid out [Ci,B,PH,PW]: for each filter tap
 * (fh, fw) and each (ci, b) plane, the OH×OW window at (fh, fw) with steps (sh, sw). Copied on the heap
 * row by row: the shipped Slice/StridedSlice kernels copy their whole input first for every call.
 */
function im2col(backend: WasmBackendLike, padded: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: B, inChannels: Ci, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW,
    strideHeight: sh, strideWidth: sw } = info;
  const [, , PH, PW] = padded.shape;
  if ((FH - 1) + (OH - 1) * sh >= PH || (FW - 1) + (OW - 1) * sw >= PW) {
    throw new Error(`Conv2DBackpropFilter on wasm: unsupported padding/rounding for input ${info.inShape.join('x')} and a ${FH}x${FW} filter`);
  }
  const patches = backend.makeOutput([FH * FW * Ci, B * OH * OW], 'float32');
  const { heap, src, dst } = heapOffsets(backend, padded, patches);
  let out = dst;
  for (let fh = 0; fh < FH; fh++) {
    for (let fw = 0; fw < FW; fw++) {
      for (let plane = 0; plane < Ci * B; plane++) {
        for (let oh = 0; oh < OH; oh++) {
          const row = src + plane * PH * PW + (oh * sh + fh) * PW + fw;
          if (sw === 1) {
            heap.copyWithin(out, row, row + OW);
            out += OW;
          } else {
            for (let ow = 0; ow < OW; ow++) heap[out++] = heap[row + ow * sw];
          }
        }
      }
    }
  }
  return patches;
}

/**
 * dW[fh,fw,ci,co] = Σ_{b,oh,ow} xPadded[b, oh·sh + fh, ow·sw + fw, ci] · dy[b,oh,ow,co]   (dilation 1).
 * With x moved to [Ci,B,H,W] the rows of the patch matrix are already in the filter layout [FH,FW,Ci],
 * so one non-transposed matmul with dy [B·OH·OW, Co] gives the gradient.
 */
function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('Conv2DBackpropFilter on wasm supports dataFormat NHWC only (got NCHW)');
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co,
    filterHeight: FH, filterWidth: FW, padInfo } = info;
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo): TensorInfo => { temps.push(t); return t; };
  try {
    const xT = Ci === 1
      ? keep(runKernel('Reshape', backend, { x }, { shape: [1, B, H, W] }))
      : keep(runKernel('Transpose', backend, { x }, { perm: [3, 0, 1, 2] }));
    const { top, bottom, left, right } = padInfo;
    const padded = top || bottom || left || right
      ? keep(runKernel('PadV2', backend, { x: xT }, { paddings: [[0, 0], [0, 0], [top, bottom], [left, right]], constantValue: 0 }))
      : xT;
    const patches = keep(im2col(backend, padded, info));
    const dy2 = keep(runKernel('Reshape', backend, { x: dy }, { shape: [B * OH * OW, Co] }));
    const product = keep(runKernel('BatchMatMul', backend, { a: patches, b: dy2 }, { transposeA: false, transposeB: false }));
    return runKernel('Reshape', backend, { x: product }, { shape: [FH, FW, Ci, Co] });
  } finally {
    release(backend, temps);
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
 * in/out channels swapped. Conv2D runs on XNNPACK, far faster than the naive loop of the shipped
 * kernel. Layouts and paddings this cannot express go to the original kernel.
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
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const grad = backend.typedArrayFromHeap(dy) as Float32Array;
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  out.fill(0);
  if (FH === 2 && FW === 2 && sh === 2 && sw === 2 && padInfo.top === 0 && padInfo.left === 0 && 2 * OH <= H && 2 * OW <= W) {
    maxPoolGradTwoByTwo(x, grad, out, [B, H, W, C], OH, OW);
    return dx;
  }
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
 * The 2×2, stride 2 windows of the CNN, unrolled (about 1.5× the general loop): the windows do not
 * overlap, so each dy is written, not added, at its window's first maximum.
 */
function maxPoolGradTwoByTwo(x: Float32Array, grad: Float32Array, out: Float32Array, [B, H, W, C]: number[], OH: number, OW: number): void {
  const down = W * C;
  let g = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      let corner = (b * H + 2 * oh) * W * C;
      for (let ow = 0; ow < OW; ow++, corner += 2 * C) {
        for (let c = 0; c < C; c++, g++) {
          const topLeft = corner + c;
          const topRight = topLeft + C;
          const bottomLeft = topLeft + down;
          const bottomRight = bottomLeft + C;
          // Strict > in row-major order: the first maximum wins, and a window of NaN or −∞ gets nothing.
          let at = x[topLeft] > -Infinity ? topLeft : -1;
          let best = at >= 0 ? x[topLeft] : -Infinity;
          if (x[topRight] > best) { best = x[topRight]; at = topRight; }
          if (x[bottomLeft] > best) { best = x[bottomLeft]; at = bottomLeft; }
          if (x[bottomRight] > best) at = bottomRight;
          if (at >= 0) out[at] = grad[g];
        }
      }
    }
  }
}

/**
 * GatherV2 along axis 0 (the training loop's batches): one memmove per row. The shipped kernel computes
 * every element's address separately (about 3 ms for 128 MNIST rows, as long as the rest of a step).
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
  const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const index = Int32Array.from(backend.typedArrayFromHeap(indices));
  for (const i of index) {
    if (!(i >= 0 && i < rows)) throw new Error(`GatherV2: the index value ${i} is not in [0, ${rows - 1}]`);
  }
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const { heap, src, dst } = heapOffsets(backend, x, out);
  index.forEach((row, k) => heap.copyWithin(dst + k * rowSize, src + row * rowSize, src + (row + 1) * rowSize));
  return out;
}

/**
 * Sum over all axes but the last (how tfjs reduces a bias gradient, e.g. [128,28,28,16] → [16]) in one
 * pass with float64 accumulators (JS numbers). The shipped kernel transposes the whole tensor first so that the
 * reduced axes come last; a product with a row of ones would repack the tensor as XNNPACK weights.
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
  const values = backend.typedArrayFromHeap(x) as Float32Array;
  const sums = backend.typedArrayFromHeap(out) as Float32Array;
  // Channel by channel with two accumulators in locals: about 3× faster in V8 than adding into an array.
  const end = values.length;
  for (let c = 0; c < C; c++) {
    let even = 0;
    let odd = 0;
    let i = c;
    for (; i + C < end; i += 2 * C) {
      even += values[i];
      odd += values[i + C];
    }
    if (i < end) even += values[i];
    sums[c] = even + odd;
  }
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
  const count = size.reduce((a, b) => a * b, 1);
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
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: conv2DBackpropFilter });
  }
  const gemmVariant = () => (options.relaxedSimd ? defaultSimdVariant() : 'simd');
  wrapKernel('BatchMatMul', (args, original) => (options.simdMatMul
    ? simdMatMul(args, (rest) => batchMatMulExplicitTranspose(rest, original), gemmVariant())
    : batchMatMulExplicitTranspose(args, original)));
  wrapKernel('_FusedMatMul', (args, original) => (options.simdMatMul ? simdMatMul(args, original, gemmVariant()) : original(args) as TensorInfo));
  wrapKernel('Conv2DBackpropInput', conv2DBackpropInputAsConv);
  wrapKernel('MaxPoolGrad', maxPoolGradOnePass);
  wrapKernel('GatherV2', gatherRows);
  wrapKernel('Sum', sumLeadingAxes);
  wrapKernel('Identity', identityShared);
  wrapKernel('Slice', sliceContiguous);
  const gemm = defaultSimdVariant() === 'relaxed' ? 'relaxed-SIMD (fused multiply-add)' : 'SIMD';
  return ['Conv2DBackpropFilter', `${gemm} gemm for BatchMatMul and _FusedMatMul`, 'SIMD Adam', 'Conv2DBackpropInput as Conv2D', 'one-pass MaxPoolGrad',
    'row-copy GatherV2', 'one-pass leading-axes Sum', 'buffer-sharing Identity', 'block-copy Slice'];
}
