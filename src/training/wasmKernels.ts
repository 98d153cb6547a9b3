/**
 * Kernels added to the wasm backend of tfjs 4.22 so that training works and runs fast:
 * - Conv2DBackpropFilter is missing on wasm (tensorflow/tfjs#8474), so CNN training throws as shipped.
 *   We build it from kernels wasm has: transpose + pad + strided slices (im2col) + one plain matmul.
 * - BatchMatMul with transposeA/transposeB takes a slow path on wasm (≈7× slower than a plain product
 *   for dense-layer gradients). Transposing the operand explicitly first and multiplying plainly is
 *   much faster; the wrapper below does that, switchable for benchmarks.
 * Conv2DBackpropInput and MaxPoolGrad exist on wasm (naive C++ loops, slower than the forward ops).
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The slice of BackendWasm used here (kernel outputs are owned references that must be released). */
interface WasmBackendLike {
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

const WASM = 'wasm';

/** Runs an already registered wasm kernel directly (not through the engine, so nothing is taped). */
function runKernel(name: string, backend: WasmBackendLike, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: Attrs = {}): TensorInfo {
  const kernel = tf.getKernel(name, WASM);
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs }) as TensorInfo;
}

function release(backend: WasmBackendLike, infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * dW[fh,fw,ci,co] = Σ_{b,oh,ow} xPadded[b, oh·sh + fh, ow·sw + fw, ci] · dy[b,oh,ow,co]   (dilation 1).
 * x is moved to [Ci,B,H,W] once, so each of the FH·FW shifted strided slices is a [Ci,B,OH,OW] block;
 * stacking the blocks gives the patch matrix [FH·FW·Ci, B·OH·OW] in exactly the row order of the
 * filter layout, and one non-transposed matmul with dy [B·OH·OW, Co] yields the gradient.
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
    filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('Conv2DBackpropFilter on wasm supports dilation 1 only');
  }
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
    const [, , PH, PW] = padded.shape;
    const blocks: TensorInfo[] = [];
    for (let fh = 0; fh < FH; fh++) {
      for (let fw = 0; fw < FW; fw++) {
        const endH = fh + (OH - 1) * sh + 1;
        const endW = fw + (OW - 1) * sw + 1;
        if (endH > PH || endW > PW) {
          throw new Error(`Conv2DBackpropFilter on wasm: unsupported padding/rounding for input ${x.shape.join('x')} and filter ${attrs.filterShape.join('x')}`);
        }
        blocks.push(keep(runKernel('StridedSlice', backend, { x: padded }, {
          begin: [0, 0, fh, fw], end: [Ci, B, endH, endW], strides: [1, 1, sh, sw],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        })));
      }
    }
    const stacked = blocks.length === 1 ? blocks[0] : keep(runKernel('Concat', backend, blocks, { axis: 0 }));
    const patches = keep(runKernel('Reshape', backend, { x: stacked }, { shape: [FH * FW * Ci, B * OH * OW] }));
    const dy2 = keep(runKernel('Reshape', backend, { x: dy }, { shape: [B * OH * OW, Co] }));
    const product = keep(runKernel('BatchMatMul', backend, { a: patches, b: dy2 }, { transposeA: false, transposeB: false }));
    return runKernel('Reshape', backend, { x: product }, { shape: [FH, FW, Ci, Co] });
  } finally {
    release(backend, temps);
  }
}

/** Whether the BatchMatMul wrapper transposes operands explicitly (on by default; off only to measure). */
let explicitTranspose = true;
let originalBatchMatMul: tf.KernelConfig | undefined;

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function batchMatMulExplicitTranspose(args: KernelArgs): TensorInfo {
  const original = originalBatchMatMul!.kernelFunc;
  const attrs = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs;
  if (!explicitTranspose || (!attrs.transposeA && !attrs.transposeB)) return original(args) as TensorInfo;
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
 * Registers the added kernels for the wasm backend (idempotent). Call after
 * @tensorflow/tfjs-backend-wasm has been required. Returns the names of what is in place.
 */
export function installWasmKernels(): string[] {
  if (!tf.getKernel('Conv2DBackpropFilter', WASM)) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: conv2DBackpropFilter });
  }
  if (!originalBatchMatMul) {
    const current = tf.getKernel('BatchMatMul', WASM);
    if (!current) throw new Error('wasm backend has no BatchMatMul kernel (is @tensorflow/tfjs-backend-wasm loaded?)');
    originalBatchMatMul = current;
    tf.unregisterKernel('BatchMatMul', WASM);
    tf.registerKernel({ ...current, kernelFunc: batchMatMulExplicitTranspose });
  }
  return ['Conv2DBackpropFilter', 'BatchMatMul with explicit transposes'];
}

/** Turns the explicit-transpose BatchMatMul path on or off (for benchmarks); returns the previous value. */
export function setExplicitTransposeMatMul(enabled: boolean): boolean {
  const previous = explicitTranspose;
  explicitTranspose = enabled;
  return previous;
}
