/**
 * The one place that chooses the TensorFlow.js backend of a training process:
 * `node` (native @tensorflow/tfjs-node, optional), `wasm` (SIMD; our heavy kernels on setKernelThreads' threads), `cpu` (plain JS).
 * Nothing here runs at import time: the backend packages are required only when a backend is selected.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../core/runConfig';
import { installWasmKernels } from './wasmKernels';
import type { WasmBackendLike } from './wasmHeap';
import { canShareHeap, initialiseWithSharedHeap } from './simd/sharedHeap';
import { canRunOnThreads, kernelThreads } from './simd/parallelKernels';
import { errorMessage } from '../core/errors';

export interface BackendInfo {
  /** Our name of the backend: 'node' | 'wasm' | 'cpu'. */
  name: string;
  tfjsVersion: string;
  /** Human-readable facts: library, SIMD/threads, why a fallback was taken. */
  detail: string;
  /** Threads its heavy kernels run on. */
  threads: number;
}

/** What a loader reports: the backend's facts and its threads. */
type Loaded = Omit<BackendInfo, 'name' | 'tfjsVersion'>;

type ConcreteBackend = Exclude<BackendChoice, 'auto'>;

/** Threads for the native backend: the host, the UI and other runs share the machine. */
function threadBudget(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(2, cores));
}

/** The first line of what was thrown: enough to say why a backend was skipped. */
function errorFirstLine(e: unknown): string {
  return errorMessage(e).split('\n')[0];
}

async function activate(tfName: string): Promise<void> {
  if (tf.getBackend() === tfName) return;
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend('${tfName}') failed to initialise`);
  await tf.ready();
}

async function loadNode(): Promise<Loaded> {
  const threads = threadBudget();
  // Read by libtensorflow when its first session starts; an explicit user setting wins.
  process.env.TF_NUM_INTRAOP_THREADS ??= String(threads);
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
  // With --ignore-scripts the package folder can exist without its native binary: require throws then.
  require('@tensorflow/tfjs-node');
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Error('@tensorflow/tfjs-node loaded but registered no "tensorflow" backend with this copy of @tensorflow/tfjs (version mismatch?)');
  }
  await activate('tensorflow');
  const intraOp = Number(process.env.TF_NUM_INTRAOP_THREADS);
  return { detail: `native libtensorflow via @tensorflow/tfjs-node, ${process.env.TF_NUM_INTRAOP_THREADS} intra-op thread(s)`, threads: intraOp >= 1 ? intraOp : threads };
}

/** Folder holding the .wasm binaries of the installed @tensorflow/tfjs-backend-wasm (with trailing separator). */
export function wasmBinariesDir(): string {
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  return path.join(path.dirname(main), path.sep);
}

async function loadWasm(): Promise<Loaded> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const first = tf.getBackend() !== 'wasm';
  if (first) wasm.setWasmPaths(wasmBinariesDir());
  const installed = installWasmKernels();
  // The threaded build's heap is shared, so our heavy kernels can use every core (simd/sharedHeap.ts).
  if (first && canShareHeap()) await initialiseWithSharedHeap(wasm);
  await activate('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const backend = tf.backend() as unknown as WasmBackendLike;
  const threads = canRunOnThreads(backend) ? kernelThreads() : 1;
  return { detail: `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm}, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}; kernels added: ${installed.join(', ')}`, threads };
}

async function loadCpu(): Promise<Loaded> {
  await activate('cpu');
  return { detail: 'plain JavaScript kernels (@tensorflow/tfjs-backend-cpu)', threads: 1 };
}

const LOADERS: Record<ConcreteBackend, () => Promise<Loaded>> = { node: loadNode, wasm: loadWasm, cpu: loadCpu };

/**
 * Selects and initialises the backend. `auto` tries node → wasm → cpu and records why it fell back;
 * an explicit choice that cannot load throws a message naming the backend and the alternatives.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendInfo> {
  const tfjsVersion = tf.version.tfjs;
  if (choice !== 'auto') {
    if (!(choice in LOADERS)) throw new Error(`backend must be one of auto, node, wasm, cpu (got "${String(choice)}")`);
    try {
      return { name: choice, tfjsVersion, ...await LOADERS[choice]() };
    } catch (e) {
      throw new Error(`backend "${choice}" is not available: ${errorFirstLine(e)}. Choose backend "auto", or one of ${(Object.keys(LOADERS) as ConcreteBackend[]).filter((b) => b !== choice).join(', ')}.`);
    }
  }
  const skipped: string[] = [];
  for (const name of ['node', 'wasm', 'cpu'] as const) {
    try {
      const loaded = await LOADERS[name]();
      const note = skipped.length ? ` (auto; skipped ${skipped.join('; ')})` : ' (auto)';
      return { name, tfjsVersion, ...loaded, detail: loaded.detail + note };
    } catch (e) {
      skipped.push(`${name}: ${errorFirstLine(e)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${skipped.join('; ')}`);
}
