/**
 * Training throughput on the best available backend; every ratio is against a baseline measured in this run.
 * - samples/s of a 784-128-10 MLP at batch 128 on mnist (target ≥ 20,000 on wasm), and on wasm the
 *   speed-ups of our SIMD gemm over XNNPACK, of fused multiply-add over plain SIMD, of our SIMD Adam
 *   over tf.train.adam and of the batch gather over the shipped one;
 * - samples/s of the default CNN (conv 16, conv 32) on mnist, and on wasm the speed-ups of our SIMD
 *   convolution over XNNPACK, of the replaced Conv2DBackpropInput, MaxPoolGrad and bias-gradient Sum
 *   kernels, of the buffer-sharing Identity and of the one-op CNN blocks (src/training/convBlock.ts);
 * - the Poly-1 / CE step-time ratio (target ≤ 1.03), from two MLPs trained side by side, step for step
 *   in ABBA order, so that the machine's load drifts over both alike (a few % apart is below what
 *   separate runs can resolve on a shared machine).
 * Variants are interleaved round by round and medians reported, per second of process CPU time
 * (robust to other load on a shared machine; the wasm backend runs on one thread) and of wall time.
 *
 *   node --import tsx bench/training.ts [--rounds N]
 */
import * as tf from '@tensorflow/tfjs';
import type { LossSpec } from '../src/core/lossSpec';
import { createRng, shuffleInPlace } from '../src/core/random';
import type { BuiltinRunConfig } from '../src/core/runConfig';
import { selectBackend } from '../src/training/backend';
import { loadDataset } from '../src/training/datasets/index';
import { disposeSplit, splitTensors } from '../src/training/metrics';
import { buildModel } from '../src/training/models';
import { makeOptimizer, trainStep } from '../src/training/train';
import { numberArg } from './benchArgs';
import { CNN_BENCH, fmt, interleaved, measureTraining, MLP_BENCH, ratio, type Throughput, warmUp } from './trainingRuns';

const CE: LossSpec = { type: 'ce' };
const POLY1: LossSpec = { type: 'poly', epsilon: 1 };
/** Epochs of the side-by-side Poly-1 / CE comparison: ~500 step pairs, about 1% apart resolved under load. */
const PAIRED_EPOCHS = 8;

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** CPU time of `b`'s steps over `a`'s, for two models trained side by side on the same batches in ABBA order. */
async function pairedStepRatio(config: BuiltinRunConfig, a: LossSpec, b: LossSpec, epochs: number): Promise<number> {
  const data = await loadDataset(config.dataset, config.seed);
  const split = splitTensors(data.train.x, data.train.y, data.train.n, data.inputShape, data.numClasses);
  const runs = [a, b].map((spec) => {
    const model = buildModel(config.model, data.inputShape, data.numClasses, config.seed);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    return { spec, ms: 0, model, variables, optimizer: makeOptimizer(config) };
  });
  const order = Int32Array.from({ length: split.n }, (_, i) => i);
  const rng = createRng(config.seed);
  try {
    for (let epoch = 0, step = 0; epoch < epochs; epoch++) {
      shuffleInPlace(order, rng);
      for (let start = 0; start < split.n; start += config.batchSize, step++) {
        const batch = order.subarray(start, Math.min(split.n, start + config.batchSize));
        for (const run of step % 2 ? [...runs].reverse() : runs) {
          const t0 = cpuMs();
          trainStep(run.model, run.optimizer, run.variables, run.spec, split, batch);
          run.ms += cpuMs() - t0;
        }
      }
    }
    return runs[1].ms / runs[0].ms;
  } finally {
    for (const run of runs) {
      run.model.dispose();
      run.optimizer.dispose();
    }
    disposeSplit(split);
  }
}

async function main(): Promise<void> {
  const rounds = numberArg('--rounds', 3);
  const backend = await selectBackend('auto');
  const wasm = backend.name === 'wasm';
  console.log(`backend: ${backend.name} — ${backend.detail}\ntfjs ${backend.tfjsVersion}, ${rounds} rounds, medians\n`);
  const on = (base: BuiltinRunConfig, loss: LossSpec): BuiltinRunConfig => ({ ...base, loss, backend: backend.name as BuiltinRunConfig['backend'] });

  await warmUp('mlp', backend.name as BuiltinRunConfig['backend']);

  const mlpVariants: Record<string, () => Promise<Throughput>> = {
    'MLP CE': () => measureTraining(on(MLP_BENCH, CE)),
    'MLP Poly-1 ε=1': () => measureTraining(on(MLP_BENCH, POLY1)),
  };
  if (wasm) {
    mlpVariants['MLP CE, XNNPACK matmul'] = () => measureTraining(on(MLP_BENCH, CE), { simdMatMul: false });
    mlpVariants['MLP CE, plain SIMD (no FMA)'] = () => measureTraining(on(MLP_BENCH, CE), { relaxedSimd: false });
    mlpVariants['MLP CE, tf.train.adam'] = () => measureTraining(on(MLP_BENCH, CE), { simdAdam: false });
    mlpVariants['MLP CE, shipped gather'] = () => measureTraining(on(MLP_BENCH, CE), { fastGather: false });
  }
  const mlp = await interleaved(mlpVariants, rounds);

  await warmUp('cnn', backend.name as BuiltinRunConfig['backend']);
  const cnnVariants: Record<string, () => Promise<Throughput>> = { 'CNN CE': () => measureTraining(on(CNN_BENCH, CE)) };
  if (wasm) {
    // The layers' Conv2D, MaxPoolGrad and bias Sum run only without the one-op blocks: measured against that.
    cnnVariants['CNN CE, tfjs-layers conv, ReLU and pool layers'] = () => measureTraining(on(CNN_BENCH, CE), { convBlocks: false });
    cnnVariants['CNN CE, layers, XNNPACK conv'] = () => measureTraining(on(CNN_BENCH, CE), { convBlocks: false, simdConv: false });
    cnnVariants['CNN CE, layers, shipped conv-input, max-pool and sum'] = () => measureTraining(on(CNN_BENCH, CE),
      { convBlocks: false, convBackpropInputAsConv: false, fastMaxPoolGrad: false, leadingAxesSumAsLoop: false });
    cnnVariants['CNN CE, shipped identity'] = () => measureTraining(on(CNN_BENCH, CE), { sharedIdentity: false });
    cnnVariants['CNN CE, direct 3×3 convolutions (no Winograd)'] = () => measureTraining(on(CNN_BENCH, CE), { winograd: false });
  }
  const cnn = await interleaved(cnnVariants, Math.max(1, rounds - 1));

  const all = { ...mlp, ...cnn };
  console.log(`${'variant'.padEnd(52)} ${'samples/s (CPU)'.padStart(16)} ${'samples/s (wall)'.padStart(17)}`);
  for (const [name, t] of Object.entries(all)) console.log(`${name.padEnd(52)} ${fmt(t.cpu).padStart(16)} ${fmt(t.wall).padStart(17)}`);
  console.log('');
  const ce = mlp['MLP CE'];
  const poly = mlp['MLP Poly-1 ε=1'];
  console.log(`MLP 784-128-10, batch 128: ${fmt(ce.cpu)} samples/s per CPU second${wasm ? ' (target ≥ 20,000 on wasm)' : ''}`);
  console.log(`Poly-1 / CE step-time ratio, separate runs: ${(ce.cpu / poly.cpu).toFixed(3)} CPU, ${(ce.wall / poly.wall).toFixed(3)} wall`);
  const paired = await pairedStepRatio(on(MLP_BENCH, CE), CE, POLY1, PAIRED_EPOCHS);
  console.log(`Poly-1 / CE step-time ratio, side by side (${PAIRED_EPOCHS} epochs, ABBA): ${paired.toFixed(3)} CPU (target ≤ 1.03: ${paired <= 1.03 ? 'met' : 'NOT met'})`);
  if (wasm) {
    const speedUp = (label: string, fast: Throughput, shipped: Throughput) =>
      console.log(`${label}: ${ratio(fast.cpu, shipped.cpu)} CPU, ${ratio(fast.wall, shipped.wall)} wall`);
    speedUp('SIMD gemm over XNNPACK (MLP)', ce, mlp['MLP CE, XNNPACK matmul']);
    speedUp('fused multiply-add over plain SIMD (MLP)', ce, mlp['MLP CE, plain SIMD (no FMA)']);
    speedUp('SIMD Adam over tf.train.adam (MLP)', ce, mlp['MLP CE, tf.train.adam']);
    speedUp('batch gather over the shipped gather (MLP)', ce, mlp['MLP CE, shipped gather']);
    const layers = cnn['CNN CE, tfjs-layers conv, ReLU and pool layers'];
    speedUp('SIMD convolution over XNNPACK (CNN, layers)', layers, cnn['CNN CE, layers, XNNPACK conv']);
    speedUp('replaced conv-input / max-pool / bias-sum speed-up (CNN, layers)', layers, cnn['CNN CE, layers, shipped conv-input, max-pool and sum']);
    speedUp('buffer-sharing identity speed-up (CNN)', cnn['CNN CE'], cnn['CNN CE, shipped identity']);
    speedUp('one-op CNN blocks over tfjs-layers conv, ReLU and pool layers (CNN)', cnn['CNN CE'], cnn['CNN CE, tfjs-layers conv, ReLU and pool layers']);
    speedUp('Winograd F(2×2, 3×3) over direct 3×3 convolutions (CNN)', cnn['CNN CE'], cnn['CNN CE, direct 3×3 convolutions (no Winograd)']);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
