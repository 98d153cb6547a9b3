/**
 * Our training throughput against PyTorch on the same machine: the same two models (784-128-10 MLP;
 * CNN conv 16 → conv 32, 3×3 same, ReLU, 2×2 max pool, dense 10), Adam, mean cross-entropy, batch 128,
 * and the same rows of the bundled mnist sample (bench/peer/pytorch_bench.py reads media/datasets/mnist.pld.gz
 * itself; it takes the first rows of the file, as many as our run trains on).
 *
 * PyTorch is taken as a user would have it (Debian's python3-torch, with its OpenBLAS): nothing is
 * installed here. Without it the bench says how to install it and prints our numbers alone.
 * Our wasm backend runs on one thread, so the ratios are against torch.set_num_threads(1); torch on
 * 2 threads is printed too, labelled. Per CPU second is the figure to compare on a shared machine.
 * Targets: MLP ≥ 0.5× PyTorch, CNN ≥ 0.3× (per CPU second, 1 thread).
 *
 *   node --import tsx bench/peer-pytorch.ts [--rounds N]
 *   POLYLOSS_BENCH_PYTHON=/path/to/python3 to choose the interpreter.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { RunConfig } from '../src/core/runConfig';
import { selectBackend } from '../src/training/backend';
import { CNN_BENCH, fmt, measureTraining, median, MLP_BENCH, numberArg, ratio, type Throughput } from './trainingRuns';

const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.join(ROOT, 'bench', 'peer', 'pytorch_bench.py');
const DATA = path.join(ROOT, 'media', 'datasets', 'mnist.pld.gz');
const INSTALL_HINT = 'apt-get install python3-torch';
const TARGETS = { mlp: 0.5, cnn: 0.3 } as const;
type ModelName = keyof typeof TARGETS;

interface PeerResult { model: ModelName; threads: number; samples: number; samplesPerSec: number; samplesPerCpuSec: number; torch: string }

/** The first interpreter that imports torch: $POLYLOSS_BENCH_PYTHON alone when set, else python3 on PATH, then Debian's /usr/bin/python3. */
function findTorchPython(): { python: string; version: string } | { tried: string[] } {
  const chosen = process.env.POLYLOSS_BENCH_PYTHON;
  const candidates = chosen ? [chosen] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`);
    tried.push(`${python}: ${why}`);
  }
  return { tried };
}

function runPeer(python: string, threads: number, rows: Record<ModelName, number>): Record<ModelName, PeerResult> {
  const out = execFileSync(python, [SCRIPT, '--data', DATA, '--threads', String(threads), '--models', 'mlp,cnn',
    '--samples', String(rows.mlp), '--cnn-samples', String(rows.cnn),
    '--epochs', `mlp=${MLP_BENCH.epochs},cnn=${CNN_BENCH.epochs}`, '--batch', String(MLP_BENCH.batchSize)], { encoding: 'utf8' });
  const results = out.trim().split('\n').map((line) => JSON.parse(line) as PeerResult);
  return Object.fromEntries(results.map((r) => [r.model, r])) as Record<ModelName, PeerResult>;
}

async function main(): Promise<void> {
  const rounds = numberArg('--rounds', 3);
  const backend = await selectBackend('wasm');
  const on = (config: RunConfig): RunConfig => ({ ...config, backend: 'wasm' });
  const peer = findTorchPython();
  console.log(`ours: ${backend.detail.split(';')[0]}, tfjs ${backend.tfjsVersion}`);
  if ('tried' in peer) {
    console.log(`PyTorch peer missing: \`python3 -c 'import torch'\` failed (${peer.tried.join('; ')}).`);
    console.log(`Install it with: ${INSTALL_HINT} (nothing is installed by this bench). Our numbers alone follow.`);
  } else {
    console.log(`peer: PyTorch ${peer.version} (${peer.python}), 1 thread and 2 threads`);
  }
  console.log(`${rounds} rounds interleaved, medians; steps only (no evaluation), samples/s\n`);

  await measureTraining({ ...on(MLP_BENCH), epochs: 1 }); // warm-up: dataset cache, kernel compilation
  const ours: Record<ModelName, Throughput[]> = { mlp: [], cnn: [] };
  const torch: Record<1 | 2, Record<ModelName, PeerResult[]>> = { 1: { mlp: [], cnn: [] }, 2: { mlp: [], cnn: [] } };
  for (let r = 0; r < rounds; r++) {
    ours.mlp.push(await measureTraining(on(MLP_BENCH)));
    ours.cnn.push(await measureTraining(on(CNN_BENCH)));
    if ('python' in peer) {
      const rows = { mlp: ours.mlp[0].rows, cnn: ours.cnn[0].rows };
      for (const threads of [1, 2] as const) {
        const results = runPeer(peer.python, threads, rows);
        for (const model of ['mlp', 'cnn'] as const) torch[threads][model].push(results[model]);
      }
    }
  }

  const row = (label: string, cpu: number, wall: number) => console.log(`${label.padEnd(40)} ${fmt(cpu).padStart(16)} ${fmt(wall).padStart(17)}`);
  console.log(`${''.padEnd(40)} ${'per CPU second'.padStart(16)} ${'per wall second'.padStart(17)}`);
  for (const model of ['mlp', 'cnn'] as const) {
    const name = model === 'mlp' ? 'MLP 784-128-10' : 'CNN [16, 32]';
    const mine = { cpu: median(ours[model].map((t) => t.cpu)), wall: median(ours[model].map((t) => t.wall)) };
    row(`${name}, ours (wasm, 1 thread)`, mine.cpu, mine.wall);
    if (!('python' in peer)) continue;
    const t1 = { cpu: median(torch[1][model].map((t) => t.samplesPerCpuSec)), wall: median(torch[1][model].map((t) => t.samplesPerSec)) };
    const t2 = { cpu: median(torch[2][model].map((t) => t.samplesPerCpuSec)), wall: median(torch[2][model].map((t) => t.samplesPerSec)) };
    row(`${name}, PyTorch 1 thread`, t1.cpu, t1.wall);
    row(`${name}, PyTorch 2 threads`, t2.cpu, t2.wall);
    const verdict = mine.cpu / t1.cpu >= TARGETS[model] ? 'met' : 'NOT met';
    // Same-round ratios: both sides measured minutes apart at most, so slow phases of the machine hit both.
    const perRound = ours[model].map((t, r) => (t.cpu / torch[1][model][r].samplesPerCpuSec).toFixed(2)).join(', ');
    console.log(`  ours / PyTorch 1 thread: ${ratio(mine.cpu, t1.cpu)} per CPU second (target ≥ ${TARGETS[model]}×: ${verdict}; round by round ${perRound}), ${ratio(mine.wall, t1.wall)} per wall second`);
    console.log(`  ours / PyTorch 2 threads: ${ratio(mine.cpu, t2.cpu)} per CPU second, ${ratio(mine.wall, t2.wall)} per wall second`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
