/**
 * 2-D convolutions of the wasm backend (NHWC, dilation 1, float32) on the SIMD kernels of kernels.c:
 * - Conv2D and FusedConv2D (bias, ReLU or no activation) as a product of the patch matrix, built on
 *   the fly, with the filter (the shipped XNNPACK convolution has no fused multiply-add on wasm and is
 *   slower); Conv2DBackpropInput is itself a Conv2D here (see wasmKernels.ts).
 * - 3×3 stride-1 convolutions with enough input channels (the CNN's second block, its input and filter
 *   gradients) by Winograd's F(2×2, 3×3) instead: 16 multiply-adds per 2×2 outputs and channel pair instead of 36.
 * - Conv2DBackpropFilter, which the wasm backend lacks (tensorflow/tfjs#8474), as the transposed patch
 *   matrix times dy, one image at a time.
 * The direct kernels' input is padded first so that every window lies inside it; the Winograd kernels
 * read zeros outside the input instead.
 */
import * as tf from '@tensorflow/tfjs';
import { offsetIn, release, type WasmBackendLike } from '../wasmHeap';
import { defaultSimdVariant, simdKernelsFor, WINOGRAD_MODE, type ConvGeometry, type SimdKernels, type SimdVariant, type WinogradGeometry } from './simdKernels';
import { conv2dFilterGradOnThreads, conv2dOnThreads, conv2dReluPoolOnThreads, winogradFilterGradOnThreads, winogradOnThreads } from './parallelKernels';

type TensorInfo = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];
type Conv2DInfo = tf.backend_util.Conv2DInfo;

interface ConvAttrs {
  strides: [number, number] | number;
  pad: tf.backend_util.ExplicitPadding | 'valid' | 'same' | number;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

const isUnitDilation = (d: ConvAttrs['dilations']): boolean => d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1);

/** Whether every window lies inside the padded input (it may not with dimRoundingMode 'ceil'). */
function windowsFit({ inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW,
  strideHeight: sh, strideWidth: sw, padInfo }: Conv2DInfo): boolean {
  return (OH - 1) * sh + FH <= H + padInfo.top + padInfo.bottom && (OW - 1) * sw + FW <= W + padInfo.left + padInfo.right;
}

/** x padded with zeros as `info` says (pad_images), or x itself without padding (then not added to `temps`). */
function padded(backend: WasmBackendLike, kernels: SimdKernels, x: TensorInfo, { padInfo: { top, bottom, left, right } }: Conv2DInfo,
  temps: TensorInfo[]): TensorInfo {
  if (!top && !bottom && !left && !right) return x;
  const [B, H, W, C] = x.shape;
  const out = backend.makeOutput([B, H + top + bottom, W + left + right, C], 'float32');
  temps.push(out);
  const at = offsetIn(backend);
  kernels.pad_images(at(x), at(out), B, H, W, C, top, bottom, left, right);
  return out;
}

/** The kernel arguments shared by conv2d and conv2d_filter_grad_columns: sizes of the padded input and the filter. */
function geometry(info: Conv2DInfo): ConvGeometry {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co,
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  return [B, H + padInfo.top + padInfo.bottom, W + padInfo.left + padInfo.right, Ci, OH, OW, Co, FH, FW, sh, sw];
}

/**
 * The sizes winograd_conv3x3 takes, when it computes the convolution: a 3×3 stride-1 filter on input
 * channels in fours, at least 8 (with fewer, the transforms cost more than the products save); whole
 * 2×2 output tiles unless the output is pooled (a pooling window is a tile). The input is not padded
 * first: the kernel reads zeros outside it.
 */
function winogradGeometry(info: Conv2DInfo, pooled: boolean): WinogradGeometry | undefined {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co,
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const fits = FH === 3 && FW === 3 && sh === 1 && sw === 1 && Ci >= 8 && Ci % 4 === 0 && (pooled || (OH % 2 === 0 && OW % 2 === 0));
  return fits ? [B, H, W, Ci, OH, OW, Co, padInfo.top, padInfo.left] : undefined;
}

/** Conv2D or FusedConv2D on the SIMD kernel when it covers the case, else `original`. `winograd` false: never Winograd's. */
export function simdConv2D(args: KernelArgs, original: tf.KernelFunc, variant: SimdVariant = defaultSimdVariant(), winograd = true): TensorInfo {
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs;
  const activation = attrs.activation ?? 'linear';
  const plain = x.dtype === 'float32' && filter.dtype === 'float32' && attrs.dataFormat !== 'NCHW' && isUnitDilation(attrs.dilations)
    && !preluActivationWeights && (activation === 'linear' || activation === 'relu');
  if (!plain) return original(args) as TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (!windowsFit(info) || (bias && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== info.outChannels))) {
    return original(args) as TensorInfo;
  }
  const backend = args.backend as WasmBackendLike;
  const kernels = simdKernelsFor(backend, variant);
  const at = offsetIn(backend);
  const relu = activation === 'relu';
  const wino = winograd ? winogradGeometry(info, false) : undefined;
  if (wino) {
    const out = backend.makeOutput(info.outShape, 'float32');
    winogradOnThreads(backend, kernels, variant, at(x), at(filter), bias ? at(bias) : 0, at(out), 0, wino, relu ? WINOGRAD_MODE.relu : WINOGRAD_MODE.plain);
    return out;
  }
  const temps: TensorInfo[] = [];
  try {
    const input = padded(backend, kernels, x, info, temps);
    const out = backend.makeOutput(info.outShape, 'float32');
    conv2dOnThreads(backend, kernels, variant, at(input), at(filter), bias ? at(bias) : 0, at(out), geometry(info), relu ? 1 : 0);
    return out;
  } finally {
    release(backend, temps);
  }
}

/**
 * dW[fh,fw,ci,co] = Σ_{b,oh,ow} xPadded[b, oh·sh + fh, ow·sw + fw, ci] · dy[b,oh,ow,co]   (dilation 1, NHWC).
 */
export function conv2DBackpropFilter(args: KernelArgs, variant: SimdVariant = defaultSimdVariant(), winograd = true): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('Conv2DBackpropFilter on wasm supports dataFormat NHWC only (got NCHW)');
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (!windowsFit(info)) {
    throw new Error(`Conv2DBackpropFilter on wasm: unsupported padding/rounding for input ${info.inShape.join('x')} and a ${info.filterHeight}x${info.filterWidth} filter`);
  }
  const kernels = simdKernelsFor(backend, variant);
  const at = offsetIn(backend);
  const wino = winograd ? winogradGeometry(info, false) : undefined;
  if (wino) {
    const out = backend.makeOutput(info.filterShape, 'float32');
    winogradFilterGradOnThreads(backend, kernels, variant, at(x), at(dy), at(out), wino);
    return out;
  }
  const temps: TensorInfo[] = [];
  try {
    const input = padded(backend, kernels, x, info, temps);
    const out = backend.makeOutput(info.filterShape, 'float32');
    conv2dFilterGradOnThreads(backend, kernels, variant, at(input), at(dy), at(out), geometry(info));
    return out;
  } finally {
    release(backend, temps);
  }
}

/**
 * A CNN block's forward pass in one kernel (convBlock.ts): 2×2 max pooling of relu(conv(x, filter) + bias)
 * for a stride-1 'same' convolution with an odd filter, and which window position gave each maximum.
 * Outputs [pooled float32, winners int32], both [B, ⌊H/2⌋, ⌊W/2⌋, Co].
 */
export function convReluPool2x2(args: KernelArgs, variant: SimdVariant = defaultSimdVariant(), winograd = true): TensorInfo[] {
  const { x, filter, bias } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias: TensorInfo };
  const [B, H, W, Ci] = x.shape;
  const [FH, FW, filterCi, Co] = filter.shape;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || bias.dtype !== 'float32' || FH % 2 !== 1 || FW % 2 !== 1 || filterCi !== Ci
    || tf.util.sizeFromShape(bias.shape) !== Co) {
    throw new Error(`ConvReluPool2x2 takes float32 x [B, H, W, C], an odd [FH, FW, C, Co] filter and Co biases (got x [${x.shape.join(', ')}], `
      + `filter [${filter.shape.join(', ')}], bias [${bias.shape.join(', ')}])`);
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], 1, 1, 'same');
  const backend = args.backend as WasmBackendLike;
  const kernels = simdKernelsFor(backend, variant);
  const at = offsetIn(backend);
  const pooledShape = [B, Math.floor(H / 2), Math.floor(W / 2), Co];
  const wino = winograd ? winogradGeometry(info, true) : undefined;
  if (wino) {
    const pooled = backend.makeOutput(pooledShape, 'float32');
    const winners = backend.makeOutput(pooledShape, 'int32');
    winogradOnThreads(backend, kernels, variant, at(x), at(filter), at(bias), at(pooled), at(winners), wino, WINOGRAD_MODE.reluPool);
    return [pooled, winners];
  }
  const temps: TensorInfo[] = [];
  try {
    const input = padded(backend, kernels, x, info, temps);
    const pooled = backend.makeOutput(pooledShape, 'float32');
    const winners = backend.makeOutput(pooledShape, 'int32');
    conv2dReluPoolOnThreads(backend, kernels, variant, at(input), at(filter), at(bias), at(pooled), at(winners), geometry(info));
    return [pooled, winners];
  } finally {
    release(backend, temps);
  }
}
