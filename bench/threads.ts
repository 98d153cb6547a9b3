/**
 * One run on every core: our training on 1 kernel thread against every core (simd/parallelKernels.ts),
 * and against PyTorch as installed (Debian's python3-torch, which uses every core), on the 60,000
 * Fashion-MNIST training images (Debian package dataset-fashion-mnist), for both models.
 *
 * Per step and per sample of wall time, over the training steps only, batch 128, Adam, cross-entropy.
 * Ours trains the 48,000 rows of its training split (10 % validation, 10 % test; the CNN a quarter of
 * them); PyTorch as many of the first images, read from a packed copy of the same file
 * (bench/peer/pytorch_bench.py). Rounds are
 * interleaved (1 thread, every core, PyTorch) and medians taken; the load average is printed with each
 * round, since other work on the machine takes cores from the threaded runs first.
 *
 *   node --import tsx bench/threads.ts [--rounds N]
 *   POLYLOSS_BENCH_PYTHON=/path/to/python3 to choose the interpreter (default /usr/bin/python3).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { BuiltinRunConfig } from '../src/core/runConfig';
import { selectBackend } from '../src/training/backend';
import { parseIdx } from '../src/training/datasets/idx';
import { encodePacked } from '../src/training/datasets/packedFormat';
import { median, numberArg } from './benchArgs';
import { fmt, measureTraining, ratio, type Throughput } from './trainingRuns';

const ROOT = path.resolve(__dirname, '..');
const FASHION = '/usr/share/datasets/fashion-mnist';
const IMAGES = path.join(FASHION, 'train-images-idx3-ubyte.gz');
const LABELS = path.join(FASHION, 'train-labels-idx1-ubyte.gz');
const PYTHON = process.env.POLYLOSS_BENCH_PYTHON ?? '/usr/bin/python3';
const CORES = os.availableParallelism();
const BATCH = 128;

type ModelName = 'mlp' | 'cnn';
/** The CNN trains on a stratified quarter of the images (94 steps of the same size), to keep the bench short. */
const MODELS: Record<ModelName, { label: string; model: BuiltinRunConfig['model']; epochs: number; samples?: number }> = {
  mlp: { label: 'MLP 784-128-10', model: { type: 'mlp', hidden: [128] }, epochs: 2 },
  cnn: { label: 'CNN [16, 32]', model: { type: 'cnn', filters: [16, 32] }, epochs: 1, samples: 15_000 },
};

function config(model: ModelName): BuiltinRunConfig {
  return {
    dataset: { name: 'idx', path: IMAGES, labelsPath: LABELS, validationFraction: 0.1, testFraction: 0.1, maxSamples: MODELS[model].samples },
    model: MODELS[model].model,
    loss: { type: 'ce' },
    optimizer: { type: 'adam', learningRate: 0.001 },
    batchSize: BATCH, epochs: MODELS[model].epochs, seed: 1, backend: 'wasm',
  };
}

/** The training images as the packed file pytorch_bench.py reads, in a temporary folder. */
function packedCopy(dir: string): string {
  const images = parseIdx(gunzipSync(readFileSync(IMAGES)), IMAGES, 'images');
  const labels = parseIdx(gunzipSync(readFileSync(LABELS)), LABELS, 'labels');
  const [n, h, w] = images.dims;
  const file = path.join(dir, 'fashion-mnist.pld.gz');
  writeFileSync(file, encodePacked({
    header: { name: 'fashion-mnist', n, inputShape: [h, w, 1], isImage: true, classNames: Array.from({ length: 10 }, (_, i) => String(i)), dtype: 'uint8', scale: 255 },
    x: images.data, y: labels.data,
  }));
  return file;
}

interface Rate { wall: number; cpu: number }

/**
 * PyTorch on `threads` threads, or as installed (its own default, which can be fewer than the cores).
 * Debian's OpenBLAS and OpenMP size their pools from the environment when they load (see peer-pytorch.ts).
 */
function pytorch(data: string, model: ModelName, rows: number, threads?: number): Rate {
  const pin = threads === undefined ? [] : ['--threads', String(threads)];
  const env = threads === undefined ? process.env
    : { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const out = execFileSync(PYTHON, [path.join(ROOT, 'bench', 'peer', 'pytorch_bench.py'), '--data', data, '--samples', String(rows), ...pin,
    '--models', model, '--epochs', `${model}=${MODELS[model].epochs}`, '--batch', String(BATCH)], { encoding: 'utf8', env });
  const result = JSON.parse(out.trim()) as { samplesPerSec: number; samplesPerCpuSec: number };
  return { wall: result.samplesPerSec, cpu: result.samplesPerCpuSec };
}

function ours(model: ModelName, threads: number): Promise<Throughput> {
  return measureTraining(config(model), {}, threads);
}

const load = (): string => os.loadavg()[0].toFixed(1);
const stepMs = (rate: Rate): string => `${((1000 * BATCH) / rate.wall).toFixed(1)} ms`;

async function main(): Promise<void> {
  const rounds = numberArg('--rounds', 3);
  if (!existsSync(IMAGES) || !existsSync(LABELS)) {
    console.log(`skipped: ${FASHION} has no training files; install them with: apt-get install dataset-fashion-mnist`);
    return;
  }
  const torch = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'], { encoding: 'utf8' });
  const hasTorch = torch.status === 0;
  const backend = await selectBackend('wasm');
  console.log(`ours: ${backend.detail.split(';')[0]}; 1 thread against ${CORES} (every core)`);
  console.log(hasTorch ? `peer: PyTorch ${torch.stdout.trim().replace(' ', ' (as installed it takes ')} thread(s) here; also pinned to ${CORES}) (${PYTHON})`
    : `peer missing: ${PYTHON} cannot import torch (apt-get install python3-torch); our numbers alone follow`);
  console.log(`machine: ${CORES} cores; ${rounds} rounds interleaved, medians; Fashion-MNIST training images, batch ${BATCH}\n`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'polyloss-threads-bench-'));
  try {
    const data = hasTorch ? packedCopy(dir) : '';
    for (const model of ['mlp', 'cnn'] as const) {
      const { label } = MODELS[model];
      await ours(model, CORES); // warm-up: V8's optimising tier, the dataset cache, the threads
      const one: Throughput[] = [];
      const all: Throughput[] = [];
      const peer: Rate[] = [];
      const pinned: Rate[] = [];
      for (let r = 0; r < rounds; r++) {
        const loads = [load()];
        one.push(await ours(model, 1));
        loads.push(load());
        all.push(await ours(model, CORES));
        loads.push(load());
        if (hasTorch) {
          peer.push(pytorch(data, model, one[0].rows));
          loads.push(load());
          pinned.push(pytorch(data, model, one[0].rows, CORES));
          loads.push(load());
        }
        const line = [`1 thread ${fmt(one[r].wall)}/s`, `${CORES} threads ${fmt(all[r].wall)}/s`,
          ...(hasTorch ? [`PyTorch as installed ${fmt(peer[r].wall)}/s`, `PyTorch on ${CORES} threads ${fmt(pinned[r].wall)}/s`] : [])];
        console.log(`${label}, round ${r + 1}: ${line.join(', ')} (load average ${loads.join(' → ')})`);
      }
      const m = (list: Rate[]): Rate => ({ wall: median(list.map((t) => t.wall)), cpu: median(list.map((t) => t.cpu)) });
      const [single, every] = [m(one), m(all)];
      const perRound = (list: Rate[], base: Rate[]) => list.map((t, r) => (t.wall / base[r].wall).toFixed(2)).join(', ');
      console.log(`${label}: 1 thread ${fmt(single.wall)} samples/s (${stepMs(single)} a step); ${CORES} threads ${fmt(every.wall)} samples/s `
        + `(${stepMs(every)} a step, ${(every.wall / every.cpu).toFixed(2)} CPU s per wall s)`);
      console.log(`  every core / 1 thread: ${ratio(every.wall, single.wall)} per wall second (round by round ${perRound(all, one)})`);
      if (hasTorch) {
        for (const [name, list] of [['PyTorch as installed', peer], [`PyTorch on ${CORES} threads`, pinned]] as const) {
          const theirs = m(list);
          console.log(`  ${name}: ${fmt(theirs.wall)} samples/s (${stepMs(theirs)} a step, ${(theirs.wall / theirs.cpu).toFixed(2)} CPU s per wall s); `
            + `ours on every core / it: ${ratio(every.wall, theirs.wall)} (round by round ${perRound(all, list)}; target ≥ 1.0×: ${every.wall >= theirs.wall ? 'met' : 'NOT met'}), `
            + `ours on 1 thread / it: ${ratio(single.wall, theirs.wall)}`);
        }
      }
      console.log('');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
