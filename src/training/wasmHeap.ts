/**
 * Access to the heap and kernels of tfjs's wasm backend, shared by the kernels we add to it.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

export const WASM = 'wasm';

/** The slice of BackendWasm used by our kernels (kernel outputs are owned references that must be released). */
export interface WasmBackendLike {
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  /** One more reference to a buffer (kernels that return their input's data, like Reshape). */
  incRef(dataId: tf.DataId): void;
  /** A new, uninitialised tensor on the heap. */
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  /** A view of a tensor's heap memory (detached when the heap grows). */
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  /** Byte offset of a tensor's data in the heap (stays valid when the heap grows). */
  getMemoryOffset(dataId: tf.DataId): number;
  /** The Emscripten module: the heap's WebAssembly.Memory is among its exports (`asm`), or `wasmMemory` in the threaded build; malloc and free manage the heap. */
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory; _malloc(bytes: number): number; _free(offset: number): void };
}

/** Runs an already registered wasm kernel directly (not through the engine, so nothing is taped). */
export function runKernel(name: string, backend: WasmBackendLike, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: tf.NamedAttrMap = {}): TensorInfo {
  const kernel = tf.getKernel(name, WASM);
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs }) as TensorInfo;
}

/** Heap byte offsets of tensors, as the SIMD kernels take their pointers (valid when the heap grows). */
export function offsetIn(backend: WasmBackendLike): (t: { dataId: tf.DataId }) => number {
  return (t) => backend.getMemoryOffset(t.dataId);
}

export function release(backend: WasmBackendLike, infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * One float view of the whole heap and the element offsets of two tensors in it, for copyWithin
 * (a memmove, no views per row). Take it after the last allocation: growing the heap detaches views.
 */
export function heapOffsets(backend: WasmBackendLike, from: TensorInfo, to: TensorInfo): { heap: Float32Array; src: number; dst: number } {
  const src = backend.typedArrayFromHeap(from);
  const dst = backend.typedArrayFromHeap(to);
  return { heap: new Float32Array(src.buffer), src: src.byteOffset / 4, dst: dst.byteOffset / 4 };
}

/** 4-byte element types, which copyWithin on a float view moves bit for bit. */
export function isWordType(dtype: tf.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32';
}

/** Swaps the last two axes: the permutation of a matrix transpose (batched or not). */
export function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}
