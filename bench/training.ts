/**
 * Training throughput on the best available backend; every ratio is against a baseline measured in this run.
 * - samples/s of a 784-128-10 MLP at batch 128 on mnist (target ≥ 20,000 on wasm), and on wasm the
 *   speed-ups of the explicit-transpose BatchMatMul and the row-copy gather;
 * - samples/s of the default CNN (conv 16, conv 32) on mnist, and on wasm the speed-up of the replaced
 *   Conv2DBackpropInput and MaxPoolGrad kernels;
 * - the Poly-1 / CE step-time ratio (target ≤ 1.03).
 * Variants are interleaved round by round and medians reported. Throughput is given per second of process
 * CPU time (robust to other load on a shared machine; the wasm backend runs on one thread) and per
 * second of wall time.
 *
 *   node --import tsx bench/training.ts [--rounds N]
 */
import type { LossSpec } from '../src/core/lossSpec';
import type { RunConfig } from '../src/core/runConfig';
import { selectBackend } from '../src/training/backend';
import { train } from '../src/training/train';
import { setWasmKernelOptions, type WasmKernelOptions } from '../src/training/wasmKernels';

const MLP: RunConfig = {
  dataset: { name: 'mnist', validationFraction: 0.1, testFraction: 0.1 },
  model: { type: 'mlp', hidden: [128] },
  loss: { type: 'ce' },
  optimizer: { type: 'adam', learningRate: 0.001 },
  batchSize: 128,
  epochs: 2,
  seed: 1,
  backend: 'auto',
};
const CNN: RunConfig = { ...MLP, model: { type: 'cnn', filters: [16, 32] }, epochs: 1, dataset: { ...MLP.dataset, maxSamples: 4000 } };
const CE: LossSpec = { type: 'ce' };
const POLY1: LossSpec = { type: 'poly', epsilon: 1 };
const FAST: WasmKernelOptions = { explicitTransposeMatMul: true, convBackpropInputAsConv: true, fastMaxPoolGrad: true, fastGather: true };

interface Throughput { cpu: number; wall: number }

const cpuClock = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function throughput(config: RunConfig, kernels: Partial<WasmKernelOptions> = FAST): Promise<Throughput> {
  const previous = setWasmKernelOptions(kernels);
  try {
    const wall = await train(config);
    const cpu = await train(config, { clock: cpuClock });
    if (!wall.summary.samplesPerSec || !cpu.summary.samplesPerSec) throw new Error(`benchmark run ended ${wall.status}/${cpu.status}`);
    return { cpu: cpu.summary.samplesPerSec, wall: wall.summary.samplesPerSec };
  } finally {
    setWasmKernelOptions(previous);
  }
}

/** Runs the variants interleaved, round by round; medians of each. */
async function compare(variants: Record<string, () => Promise<Throughput>>, rounds: number): Promise<Record<string, Throughput>> {
  const results: Record<string, Throughput[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(variants)) results[name].push(await run());
  }
  return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { cpu: median(v.map((t) => t.cpu)), wall: median(v.map((t) => t.wall)) }]));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const roundsArg = process.argv.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 3;
  const backend = await selectBackend('auto');
  const wasm = backend.name === 'wasm';
  console.log(`backend: ${backend.name} — ${backend.detail}\ntfjs ${backend.tfjsVersion}, ${rounds} rounds, medians\n`);
  const on = (base: RunConfig, loss: LossSpec): RunConfig => ({ ...base, loss, backend: backend.name as RunConfig['backend'] });

  await throughput({ ...on(MLP, CE), epochs: 1 }); // warm-up: dataset cache, kernel compilation

  const mlpVariants: Record<string, () => Promise<Throughput>> = {
    'MLP CE': () => throughput(on(MLP, CE)),
    'MLP Poly-1 ε=1': () => throughput(on(MLP, POLY1)),
  };
  if (wasm) {
    mlpVariants['MLP CE, shipped transposed matmul'] = () => throughput(on(MLP, CE), { explicitTransposeMatMul: false });
    mlpVariants['MLP CE, shipped gather'] = () => throughput(on(MLP, CE), { fastGather: false });
  }
  const mlp = await compare(mlpVariants, rounds);

  const cnnVariants: Record<string, () => Promise<Throughput>> = { 'CNN CE': () => throughput(on(CNN, CE)) };
  if (wasm) cnnVariants['CNN CE, shipped conv-input and max-pool gradients'] = () => throughput(on(CNN, CE), { convBackpropInputAsConv: false, fastMaxPoolGrad: false });
  const cnn = await compare(cnnVariants, Math.max(1, rounds - 1));

  const all = { ...mlp, ...cnn };
  console.log(`${'variant'.padEnd(52)} ${'samples/s (CPU)'.padStart(16)} ${'samples/s (wall)'.padStart(17)}`);
  for (const [name, t] of Object.entries(all)) console.log(`${name.padEnd(52)} ${fmt(t.cpu).padStart(16)} ${fmt(t.wall).padStart(17)}`);
  console.log('');
  const ce = mlp['MLP CE'];
  console.log(`MLP 784-128-10, batch 128: ${fmt(ce.cpu)} samples/s per CPU second${wasm ? ' (target ≥ 20,000 on wasm)' : ''}`);
  console.log(`Poly-1 / CE step-time ratio: ${(ce.cpu / mlp['MLP Poly-1 ε=1'].cpu).toFixed(3)} CPU, ${(ce.wall / mlp['MLP Poly-1 ε=1'].wall).toFixed(3)} wall (target ≤ 1.03)`);
  if (wasm) {
    const slowMatMul = mlp['MLP CE, shipped transposed matmul'];
    console.log(`explicit-transpose matmul speed-up (MLP): ${(ce.cpu / slowMatMul.cpu).toFixed(2)}× CPU, ${(ce.wall / slowMatMul.wall).toFixed(2)}× wall`);
    const slowGather = mlp['MLP CE, shipped gather'];
    console.log(`row-copy gather speed-up (MLP): ${(ce.cpu / slowGather.cpu).toFixed(2)}× CPU, ${(ce.wall / slowGather.wall).toFixed(2)}× wall`);
    const shipped = cnn['CNN CE, shipped conv-input and max-pool gradients'];
    console.log(`replaced conv-input / max-pool gradient speed-up (CNN): ${(cnn['CNN CE'].cpu / shipped.cpu).toFixed(2)}× CPU, ${(cnn['CNN CE'].wall / shipped.wall).toFixed(2)}× wall`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
