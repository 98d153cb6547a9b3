/**
 * Worker threads that run our SIMD kernels on the shared heap of tfjs's threaded wasm build
 * (sharedHeap.ts): the calling thread hands each thread one kernel call, runs its own share, and waits
 * for the others. Calls are synchronous, like every tfjs kernel: the threads block on Atomics.wait
 * between calls and are woken through a small shared control block, so a call costs no message passing.
 */
import { Worker } from 'node:worker_threads';

/** The kernels a thread may run (their index is what the control block carries). */
export const THREAD_KERNELS = ['gemm_columns', 'conv2d', 'conv2d_filter_grad_columns', 'conv2d_relu_pool'] as const;
export type ThreadKernel = (typeof THREAD_KERNELS)[number];

/**
 * Control block, Int32: [0] a call failed; per thread t, [1 + 2t] its call number (what it waits on)
 * and [2 + 2t] the state of its share. Then per thread, Float64 (heap offsets reach 4 GB): kernel,
 * argument count, arguments.
 */
const FAILED = 0;
const sequenceOf = (t: number): number => 1 + 2 * t;
const stateOf = (t: number): number => 2 + 2 * t;
/** A share's states: posted for a thread, run by it, done; or idle (taken back by the caller, or finished with). */
const IDLE = 0;
const POSTED = 1;
const RUNNING = 2;
const DONE = 3;
const MAX_ARGS = 20;
const SLOT = MAX_ARGS + 2;
/** A thread that does not finish its share within this time is taken for dead (no kernel call takes a fraction of it). */
const TIMEOUT_MS = 60_000;

/**
 * The body of each thread (plain JavaScript, run by Node as eval code, so it needs no file of its own).
 * It takes its share only while it is still posted: the caller takes back shares that no thread has
 * started, so a thread the OS has not scheduled (a busy machine) delays nothing.
 */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot, names, flagCount } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const flags = new Int32Array(control, 0, flagCount);
const args = new Float64Array(control, 8 * Math.ceil(flagCount / 2));
const base = slot * ${SLOT};
const sequence = ${sequenceOf(0)} + 2 * slot;
const state = ${stateOf(0)} + 2 * slot;
let seen = 0;
for (;;) {
  Atomics.wait(flags, sequence, seen);
  seen = Atomics.load(flags, sequence);
  if (Atomics.compareExchange(flags, state, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue;
  try {
    kernels[names[args[base]]](...args.subarray(base + 2, base + 2 + args[base + 1]));
  } catch (e) {
    Atomics.store(flags, ${FAILED}, 1);
  }
  Atomics.store(flags, state, ${DONE});
  Atomics.notify(flags, state);
}
`;

export class KernelThreads {
  /** Calls that helper threads ran (tests check that the threads took part). */
  ranOnHelpers = 0;
  private readonly workers: Worker[] = [];
  private readonly flags: Int32Array;
  private readonly args: Float64Array;

  /** `helpers` threads besides the calling one, each with its own instance of `module` on `memory`. */
  constructor(memory: WebAssembly.Memory, module: WebAssembly.Module, readonly helpers: number) {
    const flagCount = 1 + 2 * helpers;
    const flagBytes = 8 * Math.ceil(flagCount / 2);
    const control = new SharedArrayBuffer(flagBytes + 8 * SLOT * helpers);
    this.flags = new Int32Array(control, 0, flagCount);
    this.args = new Float64Array(control, flagBytes);
    for (let slot = 0; slot < helpers; slot++) {
      const worker = new Worker(THREAD_SOURCE, {
        eval: true, execArgv: [],
        workerData: { module, memory, control, slot, names: THREAD_KERNELS, flagCount },
      });
      // They wait for calls for the life of the process and must not keep it alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Runs the calls of `kernel`, `calls[0]` here and the others on the helper threads (at most `helpers`
   * of them), and returns when every call has finished. `run` runs a call on this thread: its own, and
   * those of threads that have not started theirs by the time it is done.
   */
  parallel(kernel: ThreadKernel, calls: number[][], run: (args: number[]) => void): void {
    const others = calls.length - 1;
    if (others > this.helpers) throw new Error(`${calls.length} kernel calls for ${this.helpers + 1} threads`);
    Atomics.store(this.flags, FAILED, 0);
    for (let t = 0; t < others; t++) {
      const args = calls[t + 1];
      if (args.length > MAX_ARGS) throw new Error(`${kernel}: ${args.length} arguments, at most ${MAX_ARGS}`);
      const base = t * SLOT;
      this.args[base] = THREAD_KERNELS.indexOf(kernel);
      this.args[base + 1] = args.length;
      this.args.set(args, base + 2);
      Atomics.store(this.flags, stateOf(t), POSTED);
      Atomics.add(this.flags, sequenceOf(t), 1);
      Atomics.notify(this.flags, sequenceOf(t));
    }
    let error: unknown;
    const attempt = (args: number[]): void => {
      try {
        run(args);
      } catch (e) {
        error ??= e;
      }
    };
    attempt(calls[0]);
    // Every share must be finished before returning, even after a failure: they write the same output.
    for (let t = 0; t < others; t++) {
      if (Atomics.compareExchange(this.flags, stateOf(t), POSTED, IDLE) === POSTED) {
        attempt(calls[t + 1]);
        continue;
      }
      const deadline = performance.now() + TIMEOUT_MS;
      while (Atomics.load(this.flags, stateOf(t)) === RUNNING) {
        if (Atomics.wait(this.flags, stateOf(t), RUNNING, TIMEOUT_MS) === 'timed-out' && performance.now() >= deadline) {
          throw new Error(`a kernel thread did not finish ${kernel} within ${TIMEOUT_MS / 1000} s`);
        }
      }
      Atomics.store(this.flags, stateOf(t), IDLE);
      this.ranOnHelpers++;
    }
    if (error !== undefined) throw error;
    if (Atomics.load(this.flags, FAILED)) throw new Error(`${kernel} failed on a kernel thread`);
  }

  /** Ends the threads (a new pool is needed to run on threads again). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
