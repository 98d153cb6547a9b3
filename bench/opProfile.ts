/**
 * Where a training step's time goes, op by op, on our side: every kernel of the backend is timed (a kernel
 * that runs others, like our Conv2DBackpropInput, counts as one), and so are the backend's tensor
 * allocation and release, the forward pass, the loss, the backward pass and the optimizer. What is left
 * of a phase after its kernels is JavaScript: tfjs's engine and layers, the tape, our float64 loss.
 * Times are process CPU time (on one kernel thread, set here), exclusive: a frame's time excludes
 * the frames inside it, so the rows add up to the step.
 * bench/peer/pytorch_bench.py --profile groups PyTorch's profiler events into the same kinds.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuiltinRunConfig } from '../src/core/runConfig';
import { loadDataset } from '../src/training/datasets/index';
import { disposeSplit, splitTensors } from '../src/training/metrics';
import { buildModel } from '../src/training/models';
import { setKernelThreads } from '../src/training/simd/parallelKernels';
import { makeOptimizer, trainStep } from '../src/training/train';

/** The kinds of work both profiles report, in the order printed. */
export const OP_KINDS = [
  'conv forward (+ bias, ReLU, max-pool where fused)', 'conv backprop input', 'conv backprop filter', 'conv backward (input + filter)',
  'max-pool', 'max-pool gradient (+ ReLU and bias gradients where fused)', 'ReLU', 'ReLU gradient', 'bias add', 'bias gradient',
  'dense layer (forward and backward)', 'loss (forward and backward)', 'optimizer (Adam)', 'batch gather',
  'tensor allocation and release', 'saved-tensor clones, reshapes', 'framework overhead (engine, tape, layers, autograd)', 'other kernels',
] as const;
export type OpKind = typeof OP_KINDS[number];

type Phase = 'forward' | 'loss' | 'backward' | 'optimizer' | 'step';

/** The kind of a kernel run outside the loss and the optimizer; undefined: 'other kernels'. */
function kernelKind(name: string, phase: Phase, rank: number): OpKind | undefined {
  switch (name) {
    case 'Conv2D': case 'FusedConv2D': case 'ConvReluPool2x2': return 'conv forward (+ bias, ReLU, max-pool where fused)';
    case 'Conv2DBackpropInput': return 'conv backprop input';
    case 'Conv2DBackpropFilter': return 'conv backprop filter';
    case 'MaxPool': return 'max-pool';
    case 'MaxPoolGrad': case 'ReluPoolGrad2x2': return 'max-pool gradient (+ ReLU and bias gradients where fused)';
    case 'Relu': return 'ReLU';
    // tfjs's ReLU gradient of an image tensor: dy · cast(step(x)).
    case 'Step': case 'Cast': case 'Multiply': return phase === 'backward' && rank === 4 ? 'ReLU gradient' : undefined;
    case 'Add': return phase === 'forward' ? 'bias add' : undefined;
    case 'Sum': return phase === 'backward' ? 'bias gradient' : undefined;
    case 'BatchMatMul': case '_FusedMatMul': return 'dense layer (forward and backward)';
    case 'GatherV2': return 'batch gather';
    case 'Identity': case 'Reshape': return 'saved-tensor clones, reshapes';
    default: return undefined;
  }
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

interface Frame { kind: OpKind | 'phase'; start: number; inner: number }

/** Exclusive CPU time per kind, from nested frames. */
class Profiler {
  readonly totals = new Map<OpKind, number>();
  readonly otherKernels = new Set<string>();
  phase: Phase = 'step';
  private readonly stack: Frame[] = [];
  private kernelDepth = 0;

  /** Runs fn in a frame of `kind` ('phase': JavaScript of the current phase). */
  time<T>(kind: OpKind | 'phase', fn: () => T): T {
    const frame: Frame = { kind, start: cpuMs(), inner: 0 };
    this.stack.push(frame);
    try {
      return fn();
    } finally {
      const total = cpuMs() - frame.start;
      this.stack.pop();
      const parent = this.stack[this.stack.length - 1];
      if (parent) parent.inner += total;
      const own = kind === 'phase' ? this.phaseKind() : kind;
      this.totals.set(own, (this.totals.get(own) ?? 0) + total - frame.inner);
    }
  }

  /** A kernel: timed as its kind unless it runs inside another kernel (then it is part of that one). */
  kernel<T>(name: string, rank: number, fn: () => T): T {
    if (this.kernelDepth > 0) return fn();
    const kind = this.phase === 'loss' ? 'loss (forward and backward)' : this.phase === 'optimizer' ? 'optimizer (Adam)' : kernelKind(name, this.phase, rank);
    if (!kind) this.otherKernels.add(name);
    this.kernelDepth++;
    try {
      return this.time(kind ?? 'other kernels', fn);
    } finally {
      this.kernelDepth--;
    }
  }

  inPhase<T>(phase: Phase, fn: () => T): T {
    const previous = this.phase;
    this.phase = phase;
    try {
      return this.time('phase', fn);
    } finally {
      this.phase = previous;
    }
  }

  private phaseKind(): OpKind {
    if (this.phase === 'loss') return 'loss (forward and backward)';
    if (this.phase === 'optimizer') return 'optimizer (Adam)';
    return 'framework overhead (engine, tape, layers, autograd)';
  }
}

type Method = (...args: never[]) => unknown;
/** Replaces obj[name] by a wrapper until the returned function restores it. */
function intercept<T extends object>(obj: T, name: keyof T & string, wrap: (original: Method) => Method): () => void {
  const had = Object.prototype.hasOwnProperty.call(obj, name);
  const original = obj[name] as unknown as Method;
  (obj as Record<string, unknown>)[name] = wrap(original.bind(obj) as Method);
  return () => {
    if (had) (obj as Record<string, unknown>)[name] = original;
    else delete (obj as Record<string, unknown>)[name];
  };
}

const firstRank = (inputs: tf.NamedTensorInfoMap): number => Object.values(inputs).find((t) => t)?.shape.length ?? 0;

/** Wraps every kernel registered for `backendName` with the profiler's timer; returns the undo. */
function timeKernels(profiler: Profiler, backendName: string): () => void {
  const configs = tf.getKernelsForBackend(backendName);
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: (args) => profiler.kernel(config.kernelName, firstRank(args.inputs), () => config.kernelFunc(args)) });
  }
  return () => {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  };
}

export interface StepProfile {
  /** Milliseconds of CPU time per step, by kind (kinds with no time left out). */
  perStep: Partial<Record<OpKind, number>>;
  /** The same steps without the profiler's timers: what they cost. */
  unprofiledMs: number;
  /** Kernels counted under 'other kernels'. */
  otherKernels: string[];
  steps: number;
}

/**
 * Trains `config`'s model for `warmUpSteps` then `steps` steps on its data (the batches of one shuffled
 * pass, repeated), timing every step op by op; then the same steps again without the timers.
 */
export async function profileSteps(config: BuiltinRunConfig, steps: number, warmUpSteps: number): Promise<StepProfile> {
  setKernelThreads(1);
  const data = await loadDataset(config.dataset, config.seed);
  const split = splitTensors(data.train.x, data.train.y, data.train.n, data.inputShape, data.numClasses);
  const model = buildModel(config.model, data.inputShape, data.numClasses, config.seed);
  const optimizer = makeOptimizer(config);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const batches = Math.floor(split.n / config.batchSize);
  const batch = (s: number): Int32Array => Int32Array.from({ length: config.batchSize }, (_, i) => ((s % batches) * config.batchSize + i) % split.n);
  const step = (s: number) => trainStep(model, optimizer, variables, config.loss, split, batch(s));
  const profiler = new Profiler();
  const backend = tf.backend() as unknown as Record<string, Method>;
  const engine = tf.engine() as unknown as { gradients: Method };
  const undo = [
    timeKernels(profiler, tf.getBackend()),
    intercept(model, 'apply', (apply) => (...args) => profiler.inPhase('forward', () => apply(...args))),
    intercept(optimizer, 'applyGradients', (apply) => (...args) => profiler.inPhase('optimizer', () => apply(...args))),
    // engine.gradients(f, ...) runs f (the forward pass and the loss), then the backward pass.
    intercept(engine, 'gradients', (gradients) => (f, ...rest) => profiler.inPhase('backward',
      () => gradients(((() => profiler.inPhase('loss', f as unknown as () => unknown)) as never), ...rest))),
    ...['makeOutput', 'write', 'disposeData'].filter((name) => typeof backend[name] === 'function')
      .map((name) => intercept(backend, name, (call) => (...args) => profiler.time('tensor allocation and release', () => call(...args)))),
  ];
  try {
    for (let s = 0; s < warmUpSteps; s++) step(s);
    profiler.totals.clear();
    for (let s = 0; s < steps; s++) profiler.inPhase('step', () => step(s));
  } finally {
    undo.reverse().forEach((restore) => restore());
  }
  const start = cpuMs();
  for (let s = 0; s < steps; s++) step(s);
  const unprofiledMs = (cpuMs() - start) / steps;
  model.dispose();
  optimizer.dispose();
  disposeSplit(split);
  const perStep = Object.fromEntries([...profiler.totals].filter(([, ms]) => ms > 0).map(([kind, ms]) => [kind, ms / steps]));
  return { perStep, unprofiledMs, otherKernels: [...profiler.otherKernels], steps };
}
