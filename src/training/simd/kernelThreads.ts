/**
 * Worker threads that run our SIMD kernels on the shared heap of tfjs's threaded wasm build
 * (sharedHeap.ts): the calling thread hands each thread one kernel call, runs its own share, and waits
 * for the others. Calls are synchronous, like every tfjs kernel: the threads block on Atomics.wait
 * between calls and are woken through a small shared control block, so a call costs no message passing.
 */
import { Worker } from 'node:worker_threads';

/** The kernels a thread may run (their index is what the control block carries). */
export const THREAD_KERNELS = ['gemm_columns', 'conv2d', 'conv2d_filter_grad_columns', 'conv2d_relu_pool', 'winograd_conv3x3',
  'winograd_filter_grad_columns'] as const;
export type ThreadKernel = (typeof THREAD_KERNELS)[number];

/**
 * Control block, Int32: [0] a call failed, [1] the call number the threads wait on, then the state of
 * each share. Then per share, Float64 (heap offsets reach 4 GB): kernel, argument count, arguments.
 */
const FAILED = 0;
const SEQUENCE = 1;
const stateOf = (share: number): number => 2 + share;
/** A share's states: posted (free to take), run by a thread, done; or idle (finished with). */
const IDLE = 0;
const POSTED = 1;
const RUNNING = 2;
const DONE = 3;
/** Shares of one call at most: several per thread, so that a thread the OS preempts holds up only a small one. */
export const MAX_SHARES = 32;
const MAX_ARGS = 20;
const SLOT = MAX_ARGS + 2;
const FLAGS = 2 + MAX_SHARES;
/** A share not finished within this time is taken for dead (no kernel call takes a fraction of it). */
const TIMEOUT_MS = 60_000;

/**
 * The body of each thread (plain JavaScript, run by Node as eval code, so it needs no file of its own).
 * Every thread, the caller too, takes posted shares one at a time until none is left; the caller then
 * waits only for shares being run, so a thread the OS has not scheduled (a busy machine) delays nothing.
 */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, names } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const flags = new Int32Array(control, 0, ${FLAGS});
const args = new Float64Array(control, ${8 * Math.ceil(FLAGS / 2)});
let seen = 0;
for (;;) {
  Atomics.wait(flags, ${SEQUENCE}, seen);
  seen = Atomics.load(flags, ${SEQUENCE});
  for (let share = 0; share < ${MAX_SHARES}; share++) {
    if (Atomics.compareExchange(flags, ${stateOf(0)} + share, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue;
    const base = share * ${SLOT};
    try {
      kernels[names[args[base]]](...args.subarray(base + 2, base + 2 + args[base + 1]));
    } catch (e) {
      Atomics.store(flags, ${FAILED}, 1);
    }
    Atomics.store(flags, ${stateOf(0)} + share, ${DONE});
    Atomics.notify(flags, ${stateOf(0)} + share);
  }
}
`;

export class KernelThreads {
  private readonly workers: Worker[] = [];
  private readonly flags: Int32Array;
  private readonly args: Float64Array;

  /** `helpers` threads besides the calling one, each with its own instance of `module` on `memory`. */
  constructor(memory: WebAssembly.Memory, module: WebAssembly.Module, readonly helpers: number) {
    const flagBytes = 8 * Math.ceil(FLAGS / 2);
    const control = new SharedArrayBuffer(flagBytes + 8 * SLOT * MAX_SHARES);
    this.flags = new Int32Array(control, 0, FLAGS);
    this.args = new Float64Array(control, flagBytes);
    for (let t = 0; t < helpers; t++) {
      const worker = new Worker(THREAD_SOURCE, { eval: true, execArgv: [], workerData: { module, memory, control, names: THREAD_KERNELS } });
      // They wait for calls for the life of the process and must not keep it alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Runs the calls (shares) of `kernel` on this thread and the helper threads and returns when every one
   * has finished. `run` runs a share on this thread. Returns how many shares helper threads ran.
   */
  parallel(kernel: ThreadKernel, calls: number[][], run: (args: number[]) => void): number {
    if (calls.length > MAX_SHARES) throw new Error(`${calls.length} shares of ${kernel}, at most ${MAX_SHARES}`);
    Atomics.store(this.flags, FAILED, 0);
    calls.forEach((args, share) => {
      if (args.length > MAX_ARGS) throw new Error(`${kernel}: ${args.length} arguments, at most ${MAX_ARGS}`);
      const base = share * SLOT;
      this.args[base] = THREAD_KERNELS.indexOf(kernel);
      this.args[base + 1] = args.length;
      this.args.set(args, base + 2);
      Atomics.store(this.flags, stateOf(share), POSTED);
    });
    Atomics.add(this.flags, SEQUENCE, 1);
    Atomics.notify(this.flags, SEQUENCE);
    let error: unknown;
    let ranHere = 0;
    for (let share = 0; share < calls.length; share++) {
      if (Atomics.compareExchange(this.flags, stateOf(share), POSTED, RUNNING) !== POSTED) continue;
      try {
        run(calls[share]);
      } catch (e) {
        error ??= e;
      }
      Atomics.store(this.flags, stateOf(share), DONE);
      ranHere++;
    }
    // Every share must be finished before returning, even after a failure: they write the same output.
    for (let share = 0; share < calls.length; share++) {
      const deadline = performance.now() + TIMEOUT_MS;
      while (Atomics.load(this.flags, stateOf(share)) === RUNNING) {
        if (Atomics.wait(this.flags, stateOf(share), RUNNING, TIMEOUT_MS) === 'timed-out' && performance.now() >= deadline) {
          throw new Error(`a kernel thread did not finish ${kernel} within ${TIMEOUT_MS / 1000} s`);
        }
      }
      Atomics.store(this.flags, stateOf(share), IDLE);
    }
    if (error !== undefined) throw error;
    if (Atomics.load(this.flags, FAILED)) throw new Error(`${kernel} failed on a kernel thread`);
    return calls.length - ranHere;
  }

  /** Ends the threads (a new pool is needed to run on threads again). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
