/**
 * Starts tfjs's wasm backend on its threaded SIMD build, whose heap is a shared WebAssembly.Memory, so
 * that worker threads can run our kernels on the same tensors in place (kernelThreads.ts).
 *
 * tfjs turns the threaded build off under Node (WASM_HAS_MULTITHREAD_SUPPORT, tensorflow/tfjs#3830):
 * its Emscripten runtime starts a pool of 8 pthread workers from blob: URLs, which Node's Worker cannot
 * load. We keep XNNPACK at one thread, so no pthread is ever started, and let the pool be stand-ins for
 * the time the backend initialises: each answers the runtime's "load" with "loaded" and refuses to run
 * a thread. Our own threads are plain worker_threads.
 */
import * as tf from '@tensorflow/tfjs';

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

/** A pthread worker of the Emscripten runtime that never runs a thread (see above). */
class PthreadStandIn {
  onmessage?: (event: { data: unknown }) => void;
  postMessage(message: { cmd?: string }): void {
    if (message?.cmd !== 'load') throw new Error(`the wasm backend started a pthread (${String(message?.cmd)}), but runs with one XNNPACK thread here`);
    queueMicrotask(() => this.onmessage?.({ data: { cmd: 'loaded' } }));
  }
  on(): this { return this; }
  unref(): void {}
  ref(): void {}
  terminate(): Promise<number> { return Promise.resolve(0); }
}

/** Whether this engine can share a heap between threads. */
export function canShareHeap(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && typeof Atomics !== 'undefined';
}

/**
 * Initialises the wasm backend on its threaded build, with the pthread pool stood in for; false (and
 * the plain build chosen again) when that fails. Must run before the wasm backend is first initialised.
 */
export async function initialiseWithSharedHeap(wasm: WasmPackage): Promise<boolean> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(1);
  // The runtime reads worker_threads.Worker when the backend initialises and keeps it as the global Worker.
  const threads = require('node:worker_threads') as { Worker: unknown };
  const global = globalThis as { Worker?: unknown };
  const realWorker = threads.Worker;
  const hadGlobal = 'Worker' in global;
  const globalWorker = global.Worker;
  threads.Worker = PthreadStandIn;
  try {
    if (await tf.setBackend('wasm')) return true;
  } catch {
    // tfjs has logged why; the plain build follows.
  } finally {
    threads.Worker = realWorker;
    if (hadGlobal) global.Worker = globalWorker;
    else delete global.Worker;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return false;
}
