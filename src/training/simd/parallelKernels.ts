/**
 * The heavy kernels (dense products, convolutions, the filter gradient) split across kernel threads
 * (kernelThreads.ts) when the heap is shared and more than one thread is allowed (setKernelThreads).
 *
 * Work is split by output, never along a sum: a product by blocks of 8 columns, a convolution by
 * images, the filter gradient by blocks of 8 output channels. Each output element is then computed by
 * the same instructions in the same order as on one thread, so results are bit-identical to one thread.
 * Calls too small to gain from a second thread (waking one costs tens of microseconds) run on one.
 */
import type { WasmBackendLike } from '../wasmHeap';
import { KernelThreads, MAX_SHARES, type ThreadKernel } from './kernelThreads';
import { heapMemory, isSharedMemory, scratchOffset, simdModuleFor, WINOGRAD_MODE, type ConvGeometry, type SimdKernels, type SimdVariant, type WinogradGeometry, type WinogradMode } from './simdKernels';

/** Columns of a gemm panel (PANEL_COLS in kernels.c): blocks of columns start at multiples of it. */
const PANEL_COLS = 8;
/** Multiply-adds below which a call stays on one thread. */
const MIN_PARALLEL_MADDS = 1 << 20;
/** Shares per thread: small enough that a thread the OS preempts holds up little of a call. */
const SHARES_PER_THREAD = 4;

let threads = 1;
/** Kernel calls that helper threads ran, over every pool (tests check that the threads took part). */
let callsOnHelpers = 0;
const pools = new WeakMap<WebAssembly.Memory, Map<SimdVariant, KernelThreads>>();

/** How many threads the heavy kernels may use (1: the calling thread alone). */
export function setKernelThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`kernel threads must be an integer ≥ 1 (got ${count})`);
  threads = count;
}

export function kernelThreads(): number {
  return threads;
}

export function kernelCallsOnHelpers(): number {
  return callsOnHelpers;
}

/** Whether the heavy kernels of `backend` can run on several threads (its heap is shared). */
export function canRunOnThreads(backend: WasmBackendLike): boolean {
  return isSharedMemory(heapMemory(backend));
}

/** The threads for a call of `madds` multiply-adds, or undefined to run it on this thread alone. */
function poolFor(backend: WasmBackendLike, variant: SimdVariant, madds: number): KernelThreads | undefined {
  if (threads < 2 || madds < MIN_PARALLEL_MADDS) return undefined;
  const memory = heapMemory(backend);
  if (!isSharedMemory(memory)) return undefined;
  let byVariant = pools.get(memory);
  if (!byVariant) pools.set(memory, byVariant = new Map());
  let pool = byVariant.get(variant);
  if (!pool || pool.helpers < threads - 1) {
    void pool?.close();
    pool = new KernelThreads(memory, simdModuleFor(memory, variant), threads - 1);
    byVariant.set(variant, pool);
  }
  return pool;
}

/** `count` items in contiguous blocks of whole `unit`s, `perThread` per thread at most: [begin, end) pairs. */
function blocks(count: number, threadCount: number, unit = 1, perThread = SHARES_PER_THREAD): [number, number][] {
  const units = Math.ceil(count / unit);
  const n = threadCount === 1 ? 1 : Math.min(MAX_SHARES, threadCount * perThread, units);
  return Array.from({ length: n }, (_, i) => [
    Math.floor((i * units) / n) * unit,
    Math.min(count, Math.floor(((i + 1) * units) / n) * unit),
  ]);
}

/** Runs one call per block: on this thread when there is one block, else shared with the pool. */
function runBlocks(kernels: SimdKernels, kernel: ThreadKernel, pool: KernelThreads | undefined, calls: number[][]): void {
  const run = (args: number[]): void => (kernels[kernel] as (...a: number[]) => void)(...args);
  if (!pool || calls.length === 1) {
    run(calls[0]);
    return;
  }
  callsOnHelpers += pool.parallel(kernel, calls, run);
}

export interface GemmCall { a: number; b: number; bias: number; c: number; m: number; k: number; n: number; transA: number; relu: number }

/** gemm (see kernels.c) by blocks of columns. */
export function gemmOnThreads(backend: WasmBackendLike, kernels: SimdKernels, variant: SimdVariant, g: GemmCall): void {
  const pool = poolFor(backend, variant, g.m * g.k * g.n);
  const parts = blocks(g.n, pool ? threads : 1, PANEL_COLS);
  const floats = kernels.gemm_scratch_floats();
  const scratch = scratchOffset(backend, floats * parts.length);
  runBlocks(kernels, 'gemm_columns', pool, parts.map(([begin, end], t) =>
    [g.a, g.b, g.bias, g.c, g.m, g.k, g.n, g.transA, g.relu, scratch + 4 * floats * t, begin, end]));
}

/** A convolution's split by blocks of images: the pool (if any), the blocks, and block t's scratch. */
function imageBlocks(backend: WasmBackendLike, kernels: SimdKernels, variant: SimdVariant, geometry: ConvGeometry) {
  const [B, , , Ci, OH, OW, Co, FH, FW] = geometry;
  const pool = poolFor(backend, variant, B * OH * OW * FH * FW * Ci * Co);
  const parts = blocks(B, pool ? threads : 1);
  const floats = kernels.conv2d_scratch_floats(FH, FW, Ci, Co);
  const scratch = scratchOffset(backend, floats * parts.length);
  return { pool, parts, scratchOf: (t: number) => scratch + 4 * floats * t };
}

/** conv2d (see kernels.c) on the padded input by blocks of images. */
export function conv2dOnThreads(backend: WasmBackendLike, kernels: SimdKernels, variant: SimdVariant,
  x: number, w: number, bias: number, out: number, geometry: ConvGeometry, relu: number): void {
  const [, PH, PW, Ci, OH, OW, Co] = geometry;
  const { pool, parts, scratchOf } = imageBlocks(backend, kernels, variant, geometry);
  runBlocks(kernels, 'conv2d', pool, parts.map(([begin, end], t) => [
    x + 4 * begin * PH * PW * Ci, w, bias, out + 4 * begin * OH * OW * Co,
    end - begin, ...geometry.slice(1), relu, scratchOf(t)]));
}

/** conv2d_relu_pool (see kernels.c; stride 1) on the padded input by blocks of images. */
export function conv2dReluPoolOnThreads(backend: WasmBackendLike, kernels: SimdKernels, variant: SimdVariant,
  x: number, w: number, bias: number, pooled: number, winners: number, geometry: ConvGeometry): void {
  const [, PH, PW, Ci, OH, OW, Co, FH, FW] = geometry;
  const { pool, parts, scratchOf } = imageBlocks(backend, kernels, variant, geometry);
  const pooledImage = 4 * Math.floor(OH / 2) * Math.floor(OW / 2) * Co;
  runBlocks(kernels, 'conv2d_relu_pool', pool, parts.map(([begin, end], t) => [
    x + 4 * begin * PH * PW * Ci, w, bias, pooled + begin * pooledImage, winners + begin * pooledImage,
    end - begin, PH, PW, Ci, OH, OW, Co, FH, FW, scratchOf(t)]));
}

/**
 * winograd_conv3x3 (see kernels.c) by blocks of images, the filter transformed once for all of them.
 * `winners` is read in the pooling mode only.
 */
export function winogradOnThreads(backend: WasmBackendLike, kernels: SimdKernels, variant: SimdVariant,
  x: number, w: number, bias: number, out: number, winners: number, geometry: WinogradGeometry, mode: WinogradMode): void {
  const [B, H, W, Ci, OH, OW, Co] = geometry;
  // 16 multiply-adds per 2×2 outputs and channel pair.
  const pool = poolFor(backend, variant, 4 * B * OH * OW * Ci * Co);
  const parts = blocks(B, pool ? threads : 1);
  const filterFloats = kernels.winograd_filter_floats(Ci, Co);
  const floats = kernels.winograd_scratch_floats(Ci, Co);
  const filter = scratchOffset(backend, filterFloats + floats * parts.length);
  kernels.winograd_filter(w, bias, filter, Ci, Co);
  const outImage = 4 * Co * (mode === WINOGRAD_MODE.reluPool ? Math.floor(OH / 2) * Math.floor(OW / 2) : OH * OW);
  runBlocks(kernels, 'winograd_conv3x3', pool, parts.map(([begin, end], t) => [
    x + 4 * begin * H * W * Ci, filter, out + begin * outImage, mode === WINOGRAD_MODE.reluPool ? winners + begin * outImage : 0,
    end - begin, ...geometry.slice(1), mode, filter + 4 * (filterFloats + floats * t)]));
}

/**
 * A filter gradient's split by blocks of 8 output channels: the pool (if any), the blocks, and block t's
 * scratch of `floats`. `perThread`: blocks per thread at most (every block repeats the input's transforms).
 */
function channelBlocks(backend: WasmBackendLike, variant: SimdVariant, madds: number, Co: number, floats: number, perThread = SHARES_PER_THREAD) {
  const pool = poolFor(backend, variant, madds);
  const parts = blocks(Co, pool ? threads : 1, PANEL_COLS, perThread);
  const scratch = scratchOffset(backend, floats * parts.length);
  return { pool, parts, scratchOf: (t: number) => scratch + 4 * floats * t };
}

/** conv2d_filter_grad_columns (see kernels.c) by blocks of output channels. */
export function conv2dFilterGradOnThreads(backend: WasmBackendLike, kernels: SimdKernels, variant: SimdVariant,
  x: number, dy: number, dw: number, geometry: ConvGeometry): void {
  const [B, , , Ci, OH, OW, Co, FH, FW] = geometry;
  const { pool, parts, scratchOf } = channelBlocks(backend, variant, B * OH * OW * FH * FW * Ci * Co, Co, kernels.conv2d_filter_grad_scratch_floats(OH, OW));
  runBlocks(kernels, 'conv2d_filter_grad_columns', pool, parts.map(([begin, end], t) => [x, dy, dw, ...geometry, scratchOf(t), begin, end]));
}

/** winograd_filter_grad_columns (see kernels.c) by blocks of output channels. */
export function winogradFilterGradOnThreads(backend: WasmBackendLike, kernels: SimdKernels, variant: SimdVariant,
  x: number, dy: number, dw: number, geometry: WinogradGeometry): void {
  const [B, , , Ci, OH, OW, Co] = geometry;
  // One block per thread: each block transforms every tile of the input again.
  const { pool, parts, scratchOf } = channelBlocks(backend, variant, 4 * B * OH * OW * Ci * Co, Co, kernels.winograd_filter_grad_scratch_floats(Ci, Co), 1);
  runBlocks(kernels, 'winograd_filter_grad_columns', pool, parts.map(([begin, end], t) => [x, dy, dw, ...geometry, scratchOf(t), begin, end]));
}
