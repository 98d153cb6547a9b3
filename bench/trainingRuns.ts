/**
 * Shared by the training benchmarks: the benchmark configs, one measured training run, interleaved
 * rounds with medians, and number formatting.
 *
 * Throughput is timed over the training steps only (train() times them), per second of process CPU
 * time and per second of wall time, from one run: the CPU clock handed to train() also notes the wall
 * time between each pair of its calls (a step's start and end). Per CPU second is the figure to
 * compare on a shared machine: other load stretches wall time, not the CPU time a step needs.
 */
import type { BuiltinRunConfig } from '../src/core/runConfig';
import { train } from '../src/training/train';
import { setWasmKernelOptions, type WasmKernelOptions } from '../src/training/wasmKernels';
import { median } from './benchArgs';

/** 784-128-10 MLP at batch 128 on the mnist sample: 8,000 training rows, six epochs (375 steps). */
export const MLP_BENCH: BuiltinRunConfig = {
  dataset: { name: 'mnist', validationFraction: 0.1, testFraction: 0.1 },
  model: { type: 'mlp', hidden: [128] },
  loss: { type: 'ce' },
  optimizer: { type: 'adam', learningRate: 0.001 },
  batchSize: 128,
  epochs: 6,
  seed: 1,
  backend: 'auto',
};

/** The default CNN (conv 16, conv 32, each 3×3 same + ReLU + 2×2 max pool; dense 10): 3,200 training rows, one epoch. */
export const CNN_BENCH: BuiltinRunConfig = {
  ...MLP_BENCH,
  model: { type: 'cnn', filters: [16, 32] },
  epochs: 1,
  dataset: { ...MLP_BENCH.dataset, maxSamples: 4000 },
};

export interface Throughput {
  /** Samples per second of process CPU time. */
  cpu: number;
  /** Samples per second of wall time. */
  wall: number;
  /** Training rows of the run (each epoch trains on all of them). */
  rows: number;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Trains `config` once with the wasm kernel options `kernels` on `threads`; samples/s over the training steps. */
export async function measureTraining(config: BuiltinRunConfig, kernels: Partial<WasmKernelOptions> = {}, threads = 1): Promise<Throughput> {
  const previous = setWasmKernelOptions(kernels);
  let calls = 0;
  let cpuTotal = 0;
  let wallTotal = 0;
  let cpuStart = 0;
  let wallStart = 0;
  const clock = (): number => {
    const cpu = cpuMs();
    const wall = performance.now();
    if (calls++ % 2 === 0) {
      cpuStart = cpu;
      wallStart = wall;
    } else {
      cpuTotal += cpu - cpuStart;
      wallTotal += wall - wallStart;
    }
    return cpu;
  };
  try {
    let rows = 0;
    const result = await train(config, { threads, clock, onStarted: (info) => { rows = info.data.train; } });
    if (result.status !== 'completed' || !result.summary.samplesPerSec) throw new Error(`benchmark run ended ${result.status}`);
    if (calls !== 2 * result.summary.steps) {
      throw new Error('train() no longer reads its clock once at the start and once at the end of each step; update measureTraining');
    }
    const samples = rows * config.epochs;
    return { cpu: samples / (cpuTotal / 1000), wall: samples / (wallTotal / 1000), rows };
  } finally {
    setWasmKernelOptions(previous);
  }
}

/** MLP epochs of the warm-up (48 × 63 steps ≈ 3,000): by then V8 has optimised the hot code and a step's CPU time stops falling. */
export const WARM_UP_EPOCHS = 48;

/**
 * Trains a model before measuring it, until the process runs at its steady speed: the dataset cache
 * fills, and V8 recompiles the hot JavaScript with its optimising tier on background threads, which for
 * the first couple of thousand MLP steps adds up to a third to the CPU time of a step (a CNN step is long
 * enough for this not to matter). Returns the throughput over the warm-up, what a short run sees.
 */
export async function warmUp(model: 'mlp' | 'cnn', backend: BuiltinRunConfig['backend']): Promise<Throughput> {
  if (model === 'cnn') return measureTraining({ ...CNN_BENCH, backend, dataset: { ...CNN_BENCH.dataset, maxSamples: 1000 } });
  return measureTraining({ ...MLP_BENCH, backend, epochs: WARM_UP_EPOCHS });
}

/** Runs the variants interleaved, round by round, so slow phases of the machine hit all of them; medians of each. */
export async function interleaved<K extends string>(variants: Record<K, () => Promise<Throughput>>, rounds: number): Promise<Record<K, Throughput>> {
  const names = Object.keys(variants) as K[];
  const results = new Map<K, Throughput[]>(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) results.get(name)!.push(await variants[name]());
  }
  return Object.fromEntries(names.map((k) => {
    const list = results.get(k)!;
    return [k, { cpu: median(list.map((t) => t.cpu)), wall: median(list.map((t) => t.wall)), rows: list[0].rows }];
  })) as Record<K, Throughput>;
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

