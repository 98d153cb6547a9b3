/**
 * The training loop: one run of one config, reporting step and epoch metrics through hooks.
 * Deterministic for a given config, seed and backend (seeded splits, initialisers and shuffles).
 */
import * as tf from '@tensorflow/tfjs';
import type { LossSpec } from '../core/lossSpec';
import type { BuiltinRunConfig } from '../core/runConfig';
import type { EpochMetric, RunEnvironment, RunRecord, RunSummary, StepMetric } from '../core/runFormat';
import { distribution } from '../core/metrics';
import { createRng, shuffleInPlace } from '../core/random';
import { selectBackend, type BackendInfo } from './backend';
import { cacheDatasetSource, loadDataset, type SourceCache } from './datasets/index';
import { meanLoss } from './losses';
import { INLINE_CLASS_LIMIT, type ClassResults } from '../core/classResults';
import { disposeSplit, evaluateSplit, splitTensors, testSummary, type SplitTensors } from './metrics';
import { buildModel } from './models';
import { SimdAdamOptimizer } from './simd/simdAdam';
import { wasmKernelOptions } from './wasmKernels';
import { setKernelThreads } from './simd/parallelKernels';

export type TrainStatus = 'completed' | 'cancelled' | 'diverged';

export interface TrainStartInfo {
  environment: RunEnvironment;
  backend: BackendInfo;
  totalSteps: number;
  stepsPerEpoch: number;
  /** Sizes, classes, input shape and the dataset's notes (imbalance, noise, label mapping actually applied). */
  data: NonNullable<RunRecord['data']>;
}

export interface TrainHooks {
  onStarted?(info: TrainStartInfo): void;
  /** Step metrics in batches (about every 100 ms or 50 steps, and before each epoch line). */
  onSteps?(steps: StepMetric[]): void;
  onEpoch?(epoch: EpochMetric): void;
  /** Checked between steps; true ends the run as `cancelled`. */
  shouldStop?(): boolean;
  /** Threads for the heavy kernels on wasm (default 1); results are the same on any number. */
  threads?: number;
  /** Milliseconds clock behind samplesPerSec (default: wall time). Benchmarks pass process CPU time. */
  clock?: () => number;
  datasetsDir?: string;
  workspaceDir?: string;
  /** Parsed data kept between the runs of one process (a reused worker's). */
  datasetCache?: SourceCache;
}

export interface TrainResult {
  status: TrainStatus;
  summary: RunSummary;
  /** Per-class results too large for run.json (see core/classResults), for the run folder's side file. */
  classResults?: ClassResults;
}

const STEP_FLUSH_MS = 100;
const STEP_FLUSH_COUNT = 50;
/** How often the loop gives the event loop a turn, so IPC stop messages and signals get through. */
const YIELD_MS = 25;
const DEFAULT_MOMENTUM = 0.9;
/**
 * A loss this many times the first step's (at least 1) counts as diverged even while finite: after such
 * a blow-up the ReLUs are dead and the loss can sit at a large finite value for the rest of the run.
 */
const DIVERGENCE_FACTOR = 1e6;

/** The optimizer of `config` (on wasm, Adam is our SIMD kernel: the same weights as tf.train.adam, faster). */
export function makeOptimizer(config: BuiltinRunConfig): tf.Optimizer {
  const { type, learningRate, momentum } = config.optimizer;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new Error(`optimizer.learningRate must be a positive finite number (got ${learningRate})`);
  }
  if (type === 'adam') {
    return tf.getBackend() === 'wasm' && wasmKernelOptions().simdAdam ? new SimdAdamOptimizer(learningRate) : tf.train.adam(learningRate);
  }
  if (type === 'sgd') {
    const m = momentum ?? DEFAULT_MOMENTUM;
    return m === 0 ? tf.train.sgd(learningRate) : tf.train.momentum(learningRate, m);
  }
  throw new Error(`optimizer.type must be "adam" or "sgd" (got "${String(type)}")`);
}

/**
 * Disposes the optimizer's tensors. tf.train.momentum's dispose() does not call SGD's, whose
 * learning-rate scalar would outlive the run (tfjs 4.22); a reused worker must end runs with none.
 */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const learningRate = (optimizer as unknown as { c?: tf.Scalar }).c;
  if (optimizer.getClassName() === 'Momentum' && learningRate && !learningRate.isDisposed) learningRate.dispose();
}

/**
 * Batches step metrics for the hooks: by count and by time, so the UI sees smooth progress cheaply.
 * The first step goes out alone at once: it shows that training has begun.
 */
class StepBuffer {
  private steps: StepMetric[] = [];
  private lastFlush = performance.now();
  private flushed = false;
  constructor(private readonly sink: ((steps: StepMetric[]) => void) | undefined) {}

  push(step: StepMetric): void {
    this.steps.push(step);
    if (!this.flushed || this.steps.length >= STEP_FLUSH_COUNT || performance.now() - this.lastFlush >= STEP_FLUSH_MS) this.flush();
  }

  flush(): void {
    this.lastFlush = performance.now();
    if (this.steps.length === 0) return;
    this.flushed = true;
    const batch = this.steps;
    this.steps = [];
    this.sink?.(batch);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Loads what a run of `config` needs before it trains (its backend, its parsed data into `cache`), ahead of the run. */
export async function prepareTraining(config: BuiltinRunConfig, cache: SourceCache): Promise<void> {
  await selectBackend(config.backend);
  await cacheDatasetSource(config.dataset, { cache });
}

export async function train(config: BuiltinRunConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  setKernelThreads(hooks.threads ?? 1);
  const backend = await selectBackend(config.backend);
  const dataset = await loadDataset(config.dataset, config.seed, { datasetsDir: hooks.datasetsDir, workspaceDir: hooks.workspaceDir, cache: hooks.datasetCache });
  const { numClasses, inputShape } = dataset;
  if (dataset.train.n === 0) throw new Error(`dataset "${dataset.name}" has no training examples after splitting`);
  const batchSize = Math.min(config.batchSize, dataset.train.n);
  const stepsPerEpoch = Math.ceil(dataset.train.n / batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;

  const splits: SplitTensors[] = [];
  let model: tf.LayersModel | undefined;
  let optimizer: tf.Optimizer | undefined;
  try {
    model = buildModel(config.model, inputShape, numClasses, config.seed);
    optimizer = makeOptimizer(config);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const trainSplit = splitTensors(dataset.train.x, dataset.train.y, dataset.train.n, inputShape, numClasses);
    splits.push(trainSplit);
    const validation = splitTensors(dataset.validation.x, dataset.validation.y, dataset.validation.n, inputShape, numClasses);
    splits.push(validation);

    hooks.onStarted?.({
      environment: {
        backend: backend.name, tfjsVersion: backend.tfjsVersion, nodeVersion: process.version,
        platform: `${process.platform}-${process.arch}`, pid: process.pid, backendDetail: backend.detail, threads: backend.threads,
      },
      backend,
      totalSteps,
      stepsPerEpoch,
      data: {
        // Many class names go to the side file with the per-class results, keeping run.json small.
        numClasses, classNames: numClasses > INLINE_CLASS_LIMIT ? undefined : dataset.classNames, inputShape,
        train: dataset.train.n, validation: dataset.validation.n, test: dataset.test.n, notes: dataset.notes,
      },
    });

    const runStart = performance.now();
    const rng = createRng(config.seed ^ 0x5eed);
    const order = Int32Array.from({ length: trainSplit.n }, (_, i) => i);
    const buffer = new StepBuffer(hooks.onSteps);
    const summary: RunSummary = { steps: 0, epochs: 0 };
    let status: TrainStatus = 'completed';
    let bestValAcc = -Infinity;
    let trainMs = 0;
    let trainedSamples = 0;
    let lastYield = performance.now();
    const clock = hooks.clock ?? (() => performance.now());
    let firstLoss: number | undefined;

    epochs: for (let epoch = 1; epoch <= config.epochs; epoch++) {
      shuffleInPlace(order, rng);
      let epochLossSum = 0;
      let epochSamples = 0;
      for (let start = 0; start < trainSplit.n; start += batchSize) {
        if (performance.now() - lastYield >= YIELD_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (hooks.shouldStop?.()) {
          status = 'cancelled';
          break epochs;
        }
        const stepStart = clock();
        const size = Math.min(batchSize, trainSplit.n - start);
        const { loss, base, poly, acc } = trainStep(model, optimizer, variables, config.loss, trainSplit, order.subarray(start, start + size));
        trainMs += clock() - stepStart;
        const step = summary.steps + 1;
        firstLoss ??= loss;
        if (!Number.isFinite(loss) || loss > DIVERGENCE_FACTOR * Math.max(1, firstLoss)) {
          status = 'diverged';
          summary.divergedAtStep = step;
          break epochs;
        }
        summary.steps = step;
        summary.finalLoss = loss;
        trainedSamples += size;
        epochLossSum += loss * size;
        epochSamples += size;
        buffer.push({ kind: 'step', step, epoch, t: Math.round(performance.now() - runStart), loss, base, poly, acc });
      }
      buffer.flush();
      const val = evaluateSplit(model, validation, config.loss);
      const epochLine: EpochMetric = {
        kind: 'epoch', epoch, step: summary.steps, t: Math.round(performance.now() - runStart),
        // An empty validation split (validationFraction 0) gives NaN, written as null.
        trainLoss: epochLossSum / epochSamples, valLoss: val.loss, valAcc: val.accuracy, pt: distribution(val.pt),
      };
      summary.epochs = epoch;
      summary.finalValLoss = val.loss;
      summary.finalValAcc = val.accuracy;
      if (val.accuracy > bestValAcc) bestValAcc = val.accuracy;
      hooks.onEpoch?.(epochLine);
    }
    buffer.flush();
    if (bestValAcc > -Infinity) summary.bestValAcc = bestValAcc;
    if (trainMs > 0) summary.samplesPerSec = Math.round(trainedSamples / (trainMs / 1000));

    if (status === 'completed') {
      const test = splitTensors(dataset.test.x, dataset.test.y, dataset.test.n, inputShape, numClasses);
      splits.push(test);
      const tested = testSummary(evaluateSplit(model, test, config.loss), dataset.test.y, numClasses, dataset.classNames);
      Object.assign(summary, tested.summary);
      if (tested.classResults) return { status, summary, classResults: tested.classResults };
    }
    return { status, summary };
  } finally {
    splits.forEach(disposeSplit);
    if (optimizer) disposeOptimizer(optimizer);
    model?.dispose();
  }
}

/** Tensors (variables included) alive in this process; read without initialising a backend. */
export function liveTensorCount(): number {
  return tf.engine().state.numTensors;
}

/** What one training step reports: its loss and the loss's two parts, and the batch accuracy. */
export interface StepValues { loss: number; base: number; poly: number; acc: number }

/** One optimizer step on the examples at `indices`. */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, variables: tf.Variable[], loss: LossSpec,
  split: SplitTensors, indices: Int32Array): StepValues {
  let values: StepValues | undefined;
  tf.tidy(() => {
    // gather, not slice: slicing a big tensor copies all of it on wasm.
    const idx = tf.tensor1d(indices, 'int32');
    const xb = tf.gather(split.x, idx);
    const yb = tf.gather(split.targets, idx) as tf.Tensor2D;
    optimizer.minimize(() => {
      const logits = model.apply(xb, { training: true }) as tf.Tensor2D;
      const parts = meanLoss(loss, logits, yb);
      values = { ...parts.values, acc: batchAccuracy(logits, split.labels, indices) };
      return parts.loss;
    }, false, variables);
  });
  return values!;
}

/** Fraction of the batch whose highest logit is its label (read back and compared here: no tensor ops). */
function batchAccuracy(logits: tf.Tensor2D, labels: Int32Array, indices: Int32Array): number {
  const values = logits.dataSync();
  const numClasses = logits.shape[1];
  let correct = 0;
  indices.forEach((example, row) => {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (values[row * numClasses + k] > values[row * numClasses + best]) best = k;
    if (best === labels[example]) correct++;
  });
  return correct / indices.length;
}
