/**
 * The WebAssembly SIMD kernels of kernels.c, instantiated on the heap of tfjs's wasm backend (its
 * memory is imported), so they read and write tensors in place by their heap offsets: no copies in or out.
 */
import * as v8 from 'node:v8';
import type { WasmBackendLike } from '../wasmHeap';
import { KERNELS_WASM_BASE64 } from './kernelsBinary';

/** Sizes of a convolution as the kernels take them: the padded input, output and filter, and the strides. */
export type ConvGeometry = [b: number, ph: number, pw: number, ci: number, oh: number, ow: number, co: number,
  fh: number, fw: number, sh: number, sw: number];

export interface SimdKernels {
  /** Floats of scratch space one gemm call needs. */
  gemm_scratch_floats(): number;
  /** C[M,N] = op(A)·B + bias, then ReLU if relu = 1 (see kernels.c). Pointers are heap byte offsets; bias 0 = none. */
  gemm(a: number, b: number, bias: number, c: number, m: number, k: number, n: number, transA: number, relu: number, scratch: number): void;
  /** Columns jBegin..jEnd of gemm's C alone (jBegin a multiple of 8): a block of columns for one thread. */
  gemm_columns(a: number, b: number, bias: number, c: number, m: number, k: number, n: number, transA: number, relu: number, scratch: number,
    jBegin: number, jEnd: number): void;
  /** Floats of scratch space one conv2d call needs. */
  conv2d_scratch_floats(fh: number, fw: number, ci: number, co: number): number;
  /** out = conv(xPadded, w) + bias, then ReLU if relu = 1 (NHWC; see kernels.c). */
  conv2d(x: number, w: number, bias: number, out: number, ...rest: [...ConvGeometry, relu: number, scratch: number]): void;
  /** Floats of scratch space one conv2d_filter_grad_columns call needs. */
  conv2d_filter_grad_scratch_floats(oh: number, ow: number): number;
  /** Output channels jBegin..jEnd of dw = Σ patches(xPadded)ᵀ · dy (NHWC; see kernels.c; jBegin a multiple of 8). */
  conv2d_filter_grad_columns(x: number, dy: number, dw: number, ...rest: [...ConvGeometry, scratch: number, jBegin: number, jEnd: number]): void;
  /** out = x with zero rows and columns around each NHWC image. */
  pad_images(x: number, out: number, b: number, h: number, w: number, c: number, top: number, bottom: number, left: number, right: number): void;
  /** out[k] = x[indices[k]] for rows of rowWords 4-byte words (indices checked by the caller). */
  gather_rows(x: number, indices: number, out: number, count: number, rowWords: number): void;
  /** out[r·C + c] = x[r·C + c] + bias[c]. */
  add_row(x: number, bias: number, out: number, rows: number, c: number): void;
  /** Gradient of 2×2, stride 2 max pooling without padding (see kernels.c). */
  max_pool_grad_2x2(x: number, dy: number, dx: number, b: number, h: number, w: number, c: number, oh: number, ow: number): void;
  /** A CNN block's 2×2 max pooling of relu(conv(xPadded, w) + bias), stride 1, and each window's winner (see kernels.c). */
  conv2d_relu_pool(x: number, w: number, bias: number, pooled: number, winners: number, b: number, ph: number, pw: number, ci: number,
    oh: number, ow: number, co: number, fh: number, fw: number, scratch: number): void;
  /** Floats of the filter as winograd_filter transforms it. */
  winograd_filter_floats(ci: number, co: number): number;
  /** The bias row and U = G·g·Gᵀ of a [3, 3, Ci, Co] filter, packed for winograd_conv3x3 (bias 0 = none). */
  winograd_filter(w: number, bias: number, u: number, ci: number, co: number): void;
  /** Floats of scratch space one winograd_conv3x3 call needs. */
  winograd_scratch_floats(ci: number, co: number): number;
  /** A 3×3 stride-1 convolution by Winograd's F(2×2, 3×3) (see kernels.c); mode 0 plain, 1 ReLU, 2 the CNN block's ReLU and 2×2 pooling with winners. */
  winograd_conv3x3(x: number, u: number, out: number, winners: number, ...rest: [...WinogradGeometry, mode: WinogradMode, scratch: number]): void;
  /** Floats of scratch space one winograd_filter_grad_columns call needs. */
  winograd_filter_grad_scratch_floats(ci: number, co: number): number;
  /** Output channels jBegin..jEnd of a 3×3 stride-1 convolution's filter gradient by Winograd's F(2×2, 3×3) (see kernels.c). */
  winograd_filter_grad_columns(x: number, dy: number, dw: number, ...rest: [...WinogradGeometry, scratch: number, jBegin: number, jEnd: number]): void;
  /** dz of conv2d_relu_pool's pooling and ReLU from dy and the winners, and dz summed per channel through c doubles of scratch `sums`. */
  relu_pool_grad(dy: number, winners: number, dz: number, b: number, h: number, w: number, c: number, qh: number, qw: number,
    sums: number, columnSums: number): void;
  /** out[c] = Σ_r x[r·C + c] with float64 accumulators. */
  sum_rows(x: number, out: number, rows: number, c: number): void;
  /** One Adam step on n float32 weights w → wOut (moments m, v in place), in tf.train.adam's operations and order. */
  adam(w: number, wOut: number, g: number, m: number, v: number, n: number, negLr: number, beta1: number, beta2: number,
    oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number, biasFix1: number, biasFix2: number): void;
}

/** Sizes as the Winograd kernels take them: the input (not padded), the output, and the zero rows above and columns left of the input. */
export type WinogradGeometry = [b: number, h: number, w: number, ci: number, oh: number, ow: number, co: number, padTop: number, padLeft: number];

/** What winograd_conv3x3 writes: the convolution, its ReLU, or the CNN block's pooled ReLU and winners. */
export const WINOGRAD_MODE = { plain: 0, relu: 1, reluPool: 2 } as const;
export type WinogradMode = (typeof WINOGRAD_MODE)[keyof typeof WINOGRAD_MODE];

/** `relaxed`: fused multiply-add (relaxed SIMD); `simd`: plain SIMD, for engines without relaxed SIMD. */
export type SimdVariant = 'relaxed' | 'simd';
/** A variant's build for a plain heap, or for a shared one (tfjs's threaded build). */
type SimdBuild = keyof typeof KERNELS_WASM_BASE64;

const modules = new Map<SimdBuild, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, Map<SimdVariant, SimdKernels>>();
/** One scratch buffer per heap, kept between calls and grown when a call needs more (kernels never run nested). */
const scratchBuffers = new WeakMap<WebAssembly.Memory, { offset: number; floats: number }>();
let chosenVariant: SimdVariant | undefined;

const validates = (variant: SimdBuild): boolean => WebAssembly.validate(Buffer.from(KERNELS_WASM_BASE64[variant], 'base64'));

/**
 * The variant used by default: relaxed SIMD where the engine runs it. It is on by default from V8 11.4
 * (VS Code's Electron); Node 20's V8 has it behind a flag, which is turned on here before the module is
 * compiled. Decided once per process.
 */
export function defaultSimdVariant(): SimdVariant {
  if (chosenVariant) return chosenVariant;
  if (!validates('relaxed')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (validates('relaxed')) return (chosenVariant = 'relaxed');
  if (!validates('simd')) {
    throw new Error(`this JavaScript engine has no WebAssembly SIMD (Node ${process.versions.node}); training on wasm needs Node 20 or later, or VS Code 1.82 or later`);
  }
  return (chosenVariant = 'simd');
}

/** The heap of tfjs's wasm backend: exported by its plain build, imported (and shared) by its threaded build. */
export function heapMemory(backend: WasmBackendLike): WebAssembly.Memory {
  const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error('the tfjs wasm backend does not expose its heap memory (wasm.asm.memory or wasm.wasmMemory): unsupported @tensorflow/tfjs-backend-wasm version');
  }
  return memory;
}

export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The compiled kernels of `variant` for `memory`, plain or shared (each build compiled once per process, 28 KB, synchronously). */
export function simdModuleFor(memory: WebAssembly.Memory, variant: SimdVariant): WebAssembly.Module {
  const build: SimdBuild = isSharedMemory(memory) ? `${variant}Shared` : variant;
  let module = modules.get(build);
  if (!module) modules.set(build, module = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64[build], 'base64')));
  return module;
}

/** The kernels of `variant` bound to `backend`'s heap. */
export function simdKernelsFor(backend: WasmBackendLike, variant: SimdVariant = defaultSimdVariant()): SimdKernels {
  const memory = heapMemory(backend);
  let byVariant = instances.get(memory);
  if (!byVariant) instances.set(memory, byVariant = new Map());
  let kernels = byVariant.get(variant);
  if (!kernels) {
    kernels = new WebAssembly.Instance(simdModuleFor(memory, variant), { env: { memory } }).exports as unknown as SimdKernels;
    byVariant.set(variant, kernels);
  }
  return kernels;
}

/**
 * Heap offset of at least `floats` floats of scratch space for one kernel call, reused by the next call:
 * allocating and freeing a tensor for it on every call costs as much as a small product.
 */
export function scratchOffset(backend: WasmBackendLike, floats: number): number {
  const memory = heapMemory(backend);
  const current = scratchBuffers.get(memory);
  if (current && current.floats >= floats) return current.offset;
  if (current) backend.wasm._free(current.offset);
  const grown = Math.max(floats, 2 * (current?.floats ?? 0));
  const offset = backend.wasm._malloc(grown * 4);
  if (!offset) throw new Error(`out of memory for ${grown} floats of kernel scratch space`);
  scratchBuffers.set(memory, { offset, floats: grown });
  return offset;
}
