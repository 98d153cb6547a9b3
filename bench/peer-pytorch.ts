/**
 * Our training throughput against PyTorch on the same machine: the same two models (784-128-10 MLP;
 * CNN conv 16 → conv 32, 3×3 same, ReLU, 2×2 max pool, dense 10), Adam, mean cross-entropy, batch 128,
 * and the same rows of the bundled mnist sample (bench/peer/pytorch_bench.py reads media/datasets/mnist.pld.gz
 * itself; it takes the first rows of the file, as many as our run trains on).
 *
 * PyTorch is taken as a user would have it (Debian's python3-torch, with its OpenBLAS): nothing is
 * installed here. Without it the bench says how to install it and prints our numbers alone.
 *
 * torch.set_num_threads does not reach Debian's OpenBLAS, whose own thread pool is sized from the
 * environment when the library loads; so the bench starts each python process with the thread
 * variables it needs and prints which threads the process really ran. Three peers:
 *   - "PyTorch, 1 thread": OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS set to 1 for the
 *     child, plus torch.set_num_threads(1); checked to spend no more than one CPU second per wall second.
 *   - "PyTorch, N threads, pinned": the same with N = the number of cores.
 *   - "PyTorch as installed": the environment untouched and torch's default thread count.
 * Our wasm backend runs on one thread, so the targets (MLP ≥ 0.5× PyTorch, CNN ≥ 0.3×) are judged
 * against the 1-thread peer, per CPU second and per wall second; both verdicts are printed.
 * Ours is measured model by model, each after a warm-up (as a run's worker process trains one model,
 * and V8 optimises the hot code in the background for the first few seconds); the MLP's throughput over
 * its warm-up is printed too, as what a short run sees.
 * Per CPU second is the steadier figure on a shared machine: other load stretches wall time. The
 * N-thread row needs every core to itself: when other work holds a core, its threads wait on each
 * other and its throughput can drop many times over.
 *
 * Last, the CNN's training step op by op on both sides (bench/opProfile.ts, pytorch_bench.py --profile), and
 * the CNN target: the samplesPerSec of a normal CLI run against PyTorch on one thread per CPU second.
 *
 *   node --import tsx bench/peer-pytorch.ts [--rounds N] [--cnn-only]   (--cnn-only: the last two alone)
 *   POLYLOSS_BENCH_PYTHON=/path/to/python3 to choose the interpreter.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuiltinRunConfig } from '../src/core/runConfig';
import { selectBackend } from '../src/training/backend';
import { OP_KINDS, type OpKind, profileSteps } from './opProfile';
import { median, numberArg } from './benchArgs';
import { CNN_BENCH, fmt, measureTraining, MLP_BENCH, ratio, type Throughput, WARM_UP_EPOCHS, warmUp } from './trainingRuns';

const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.join(ROOT, 'bench', 'peer', 'pytorch_bench.py');
const DATA = path.join(ROOT, 'media', 'datasets', 'mnist.pld.gz');
const INSTALL_HINT = 'apt-get install python3-torch';
const TARGETS = { mlp: 0.5, cnn: 0.3 } as const;
type ModelName = keyof typeof TARGETS;
const CONFIGS: Record<ModelName, BuiltinRunConfig> = { mlp: MLP_BENCH, cnn: CNN_BENCH };

/** Which threads the python process ran with, as pytorch_bench.py reads them after training. */
interface ThreadsUsed {
  torch: number;
  env: Record<string, string>;
  /** Native thread pools (OpenBLAS, OpenMP...) as threadpoolctl reports them; null when it is not importable. */
  pools: { library: string; threads: number }[] | null;
  /** OS threads of the process; null off Linux. */
  os: number | null;
}
/** pytorch_bench.py --profile: milliseconds per step by op kind (the profiler's wall clock) and the steps' CPU time without it. */
interface PeerProfile { perStep: Partial<Record<OpKind, number>>; unprofiledMs: number; steps: number }
interface PeerResult { model: ModelName; samples: number; samplesPerSec: number; samplesPerCpuSec: number; torch: string; threads: ThreadsUsed; profile?: PeerProfile }

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

/** A peer configuration: `threads` pins torch and the native thread pools to that many; undefined leaves both as installed. */
interface PeerSetup { label: string; threads?: number }

const CORES = os.availableParallelism();
const PEERS = {
  single: { label: 'PyTorch, 1 thread', threads: 1 },
  pinned: { label: `PyTorch, ${CORES} threads, pinned`, threads: CORES },
  installed: { label: 'PyTorch as installed' },
} satisfies Record<string, PeerSetup>;
type PeerName = keyof typeof PEERS;
const PEER_NAMES = Object.keys(PEERS) as PeerName[];

/** Read by OpenBLAS, OpenMP and MKL when they load, so they must be in the environment python starts with. */
const THREAD_VARIABLES = ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'];
/** A single-threaded process spends at most one CPU second per wall second; the slack covers clock granularity. */
const SINGLE_THREAD_MAX_CPU_PER_WALL = 1.1;

function peerEnv(setup: PeerSetup): NodeJS.ProcessEnv {
  if (setup.threads === undefined) return process.env;
  return { ...process.env, ...Object.fromEntries(THREAD_VARIABLES.map((name) => [name, String(setup.threads)])) };
}

function runPeer(python: string, setup: PeerSetup, model: ModelName, rows: number, profileSteps = 0): PeerResult {
  const threads = setup.threads === undefined ? [] : ['--threads', String(setup.threads)];
  const epochs = CONFIGS[model].epochs;
  const out = execFileSync(python, [SCRIPT, '--data', DATA, ...threads, '--models', model, '--samples', String(rows),
    '--epochs', `${model}=${epochs}`, '--batch', String(MLP_BENCH.batchSize), '--profile', String(profileSteps)], { encoding: 'utf8', env: peerEnv(setup) });
  return JSON.parse(out.trim()) as PeerResult;
}

const threadCount = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`;

function describeThreads(used: ThreadsUsed): string {
  const env = Object.entries(used.env).map(([name, value]) => `${name}=${value}`).join(' ') || 'no *_NUM_THREADS set';
  const pools = used.pools ? used.pools.map((p) => `${p.library} (${threadCount(p.threads)})`).join(', ') : 'unknown (no threadpoolctl)';
  const osThreads = used.os === null ? 'unknown' : String(used.os);
  return `torch.get_num_threads() ${used.torch}; env: ${env}; native pools: ${pools}; OS threads: ${osThreads}`;
}

interface Rate { cpu: number; wall: number }
const medianRate = (rates: Rate[]): Rate => ({ cpu: median(rates.map((r) => r.cpu)), wall: median(rates.map((r) => r.wall)) });
const peerRate = (r: PeerResult): Rate => ({ cpu: r.samplesPerCpuSec, wall: r.samplesPerSec });
/** CPU seconds spent per wall second: about 1 for one busy thread, up to the thread count for more. */
const cpuPerWall = (rate: Rate): number => rate.wall / rate.cpu;
const verdict = (value: number, target: number): string => (value >= target ? 'met' : 'NOT met');

/** Whether the 1-thread peer really ran on one thread: its pools report 1 and it never kept a second core busy. */
function singleThreadCheck(results: PeerResult[]): { ok: boolean; text: string } {
  const worst = Math.max(...results.map((r) => cpuPerWall(peerRate(r))));
  const pools = results[0].threads.pools;
  const widePools = (pools ?? []).filter((p) => p.threads > 1).map((p) => `${p.library} (${threadCount(p.threads)})`);
  const ok = worst <= SINGLE_THREAD_MAX_CPU_PER_WALL && widePools.length === 0;
  const poolNote = pools ? (widePools.length ? `pools wider than 1: ${widePools.join(', ')}` : 'every pool 1 thread') : 'pools unknown (no threadpoolctl)';
  return { ok, text: `${ok ? 'yes' : 'NO'} (at most ${worst.toFixed(2)} CPU s per wall s over ${results.length} runs; ${poolNote})` };
}

async function main(): Promise<void> {
  const rounds = numberArg('--rounds', 3);
  const backend = await selectBackend('wasm');
  const on = (config: BuiltinRunConfig): BuiltinRunConfig => ({ ...config, backend: 'wasm' });
  const peer = findTorchPython();
  console.log(`ours: ${backend.detail.split(';')[0]}, tfjs ${backend.tfjsVersion}`);
  if ('tried' in peer) {
    console.log(`PyTorch peer missing: \`python3 -c 'import torch'\` failed (${peer.tried.join('; ')}).`);
    console.log(`Install it with: ${INSTALL_HINT} (nothing is installed by this bench). Our numbers alone follow.`);
  } else {
    console.log(`peer: PyTorch ${peer.version} (${peer.python}): ${PEER_NAMES.map((name) => PEERS[name].label).join('; ')}`);
  }
  if (process.argv.includes('--cnn-only')) {
    await warmUp('cnn', 'wasm');
    await printCnnProfile('python' in peer ? peer.python : undefined, CNN_BENCH.dataset.maxSamples ?? 4000);
    printCliTarget('python' in peer ? peer.python : undefined, rounds);
    return;
  }
  // The N-thread peer needs every core free, so say how busy the machine was.
  console.log(`machine: ${CORES} cores, load average ${os.loadavg()[0].toFixed(2)} (1 min) at start`);
  console.log(`${rounds} rounds interleaved, medians; steps only (no evaluation), samples/s; ours measured after a warm-up of`
    + ` ${WARM_UP_EPOCHS} MLP epochs (V8 optimises in the background meanwhile: "over the warm-up" is what a short run sees)\n`);

  // Model by model, as a run's worker process trains one model: warm up, then rounds interleaved with the peers.
  const cold = await warmUp('mlp', 'wasm');
  const ours: Record<ModelName, Throughput[]> = { mlp: [], cnn: [] };
  const torch = Object.fromEntries(PEER_NAMES.map((name) => [name, { mlp: [] as PeerResult[], cnn: [] as PeerResult[] }])) as Record<PeerName, Record<ModelName, PeerResult[]>>;
  for (const model of ['mlp', 'cnn'] as const) {
    if (model === 'cnn') await warmUp('cnn', 'wasm');
    for (let r = 0; r < rounds; r++) {
      ours[model].push(await measureTraining(on(CONFIGS[model])));
      if ('python' in peer) {
        for (const name of PEER_NAMES) torch[name][model].push(runPeer(peer.python, PEERS[name], model, ours[model][0].rows));
      }
    }
  }

  const singleThread = 'python' in peer ? singleThreadCheck([...torch.single.mlp, ...torch.single.cnn]) : undefined;
  if (singleThread) {
    console.log('Threads each peer ran with (read in the python process after training):');
    for (const name of PEER_NAMES) console.log(`  ${PEERS[name].label}: ${describeThreads(torch[name].mlp[0].threads)}`);
    console.log(`  ${PEERS.single.label} is single-threaded: ${singleThread.text}\n`);
  }

  const row = (label: string, rate: Rate) =>
    console.log(`${label.padEnd(44)} ${fmt(rate.cpu).padStart(16)} ${fmt(rate.wall).padStart(17)} ${cpuPerWall(rate).toFixed(2).padStart(18)}`);
  console.log(`${''.padEnd(44)} ${'per CPU second'.padStart(16)} ${'per wall second'.padStart(17)} ${'CPU s per wall s'.padStart(18)}`);
  for (const model of ['mlp', 'cnn'] as const) {
    const name = model === 'mlp' ? 'MLP 784-128-10' : 'CNN [16, 32]';
    const mine = medianRate(ours[model]);
    if (model === 'mlp') row(`${name}, ours over the warm-up`, cold);
    row(`${name}, ours (wasm, 1 thread)`, mine);
    if (!('python' in peer)) continue;
    const peers = Object.fromEntries(PEER_NAMES.map((p) => [p, medianRate(torch[p][model].map(peerRate))])) as Record<PeerName, Rate>;
    for (const p of PEER_NAMES) row(`${name}, ${PEERS[p].label}`, peers[p]);
    for (const p of PEER_NAMES) {
      console.log(`  ours / ${PEERS[p].label}: ${ratio(mine.cpu, peers[p].cpu)} per CPU second, ${ratio(mine.wall, peers[p].wall)} per wall second`);
    }
    // Same-round ratios: both sides measured minutes apart at most, so slow phases of the machine hit both.
    const perRound = (key: keyof Rate) => ours[model].map((t, r) => (t[key] / peerRate(torch.single[model][r])[key]).toFixed(2)).join(', ');
    const target = TARGETS[model];
    const caveat = singleThread?.ok !== false ? '' : `; unreliable: ${PEERS.single.label} was not single-threaded`;
    console.log(`  target ≥ ${target}× ${PEERS.single.label}: per CPU second ${verdict(mine.cpu / peers.single.cpu, target)}, ` +
      `per wall second ${verdict(mine.wall / peers.single.wall, target)} (round by round: CPU ${perRound('cpu')}; wall ${perRound('wall')}${caveat})`);
  }
  await printCnnProfile('python' in peer ? peer.python : undefined, ours.cnn[0].rows);
  printCliTarget('python' in peer ? peer.python : undefined, rounds);
}

/**
 * The CNN as `polyloss train --dataset mnist --model cnn --epochs 3` trains it (the defaults otherwise:
 * batch 64, Poly-1 ε=1), each run in a fresh process with its warm-up included.
 */
const CLI_CNN: BuiltinRunConfig = {
  dataset: { name: 'mnist', validationFraction: 0.15, testFraction: 0.15 }, model: { type: 'cnn' }, loss: { type: 'poly', epsilon: 1 },
  optimizer: { type: 'adam', learningRate: 0.001 }, batchSize: 64, epochs: 3, seed: 1, backend: 'wasm',
};
const CLI_TARGET = 0.8;

/** samplesPerSec of the CLI's own run summary (per wall second: what the user is shown). */
function cliRun(): number {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-'));
  try {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'polyloss.js'), 'train', '--dataset', 'mnist', '--model', 'cnn',
      '--epochs', String(CLI_CNN.epochs), '--backend', 'wasm', '--runs-dir', runsDir, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return (JSON.parse(out) as { runs: { summary: { samplesPerSec: number } }[] }).runs[0].summary.samplesPerSec;
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}

/** A fresh process training CLI_CNN, timed per CPU second and per wall second (bench/freshRun.ts). */
function freshRun(): Throughput {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'freshRun.ts'), JSON.stringify(CLI_CNN)], { encoding: 'utf8', cwd: ROOT });
  return JSON.parse(out.trim().split('\n').pop()!) as Throughput;
}

/**
 * The target: a normal 3-epoch CLI run of the CNN against PyTorch pinned to one thread on as many rows,
 * batches and epochs, round by round, medians.
 */
function printCliTarget(python: string | undefined, rounds: number): void {
  const cli: number[] = [];
  const fresh: Throughput[] = [];
  const torch: PeerResult[] = [];
  for (let r = 0; r < rounds; r++) {
    cli.push(cliRun());
    fresh.push(freshRun());
    if (python) torch.push(runPeerRun(python, fresh[r].rows));
  }
  const oursCpu = median(fresh.map((t) => t.cpu));
  console.log(`\nCNN as the CLI trains it (polyloss train --dataset mnist --model cnn --epochs 3: batch ${CLI_CNN.batchSize}, ${CLI_CNN.epochs} epochs, `
    + `${fresh[0].rows} rows, a fresh process each, warm-up included), ${rounds} rounds, medians; load average ${os.loadavg()[0].toFixed(2)}`);
  console.log(`  ours, the CLI's samplesPerSec (per wall second): ${fmt(median(cli))} /s (rounds: ${cli.map(fmt).join(', ')})`);
  console.log(`  ours, the same run per CPU second: ${fmt(oursCpu)} /s, per wall second ${fmt(median(fresh.map((t) => t.wall)))} /s`);
  if (!python) return;
  const peerCpu = median(torch.map((t) => t.samplesPerCpuSec));
  console.log(`  ${PEERS.single.label}, per CPU second: ${fmt(peerCpu)} /s (rounds: ${torch.map((t) => fmt(t.samplesPerCpuSec)).join(', ')})`);
  console.log(`  target ≥ ${CLI_TARGET}× ${PEERS.single.label} per CPU second: CLI's samplesPerSec ${ratio(median(cli), peerCpu)} `
    + `(${verdict(median(cli) / peerCpu, CLI_TARGET)}), per CPU second ${ratio(oursCpu, peerCpu)} (${verdict(oursCpu / peerCpu, CLI_TARGET)})`);
}

/** PyTorch on one thread training the CLI's CNN run: `rows` rows, its batch size and epochs. */
function runPeerRun(python: string, rows: number): PeerResult {
  const out = execFileSync(python, [SCRIPT, '--data', DATA, '--threads', '1', '--models', 'cnn', '--samples', String(rows),
    '--epochs', `cnn=${CLI_CNN.epochs}`, '--batch', String(CLI_CNN.batchSize)], { encoding: 'utf8', env: peerEnv(PEERS.single) });
  return JSON.parse(out.trim()) as PeerResult;
}

/** Steps of the op-by-op profile (after as many warm-up steps), each side. */
const PROFILE_STEPS = 30;

/**
 * The CNN's training step op by op, ours next to PyTorch pinned to one thread, in ms of CPU time per step.
 * PyTorch's profiler times wall clock, which other load on the machine stretches; its kinds are scaled to
 * the CPU time of the same steps without the profiler (so they add up to that), which keeps their shares.
 */
async function printCnnProfile(python: string | undefined, rows: number): Promise<void> {
  const config: BuiltinRunConfig = { ...CNN_BENCH, backend: 'wasm' };
  const ours = await profileSteps(config, PROFILE_STEPS, PROFILE_STEPS);
  const peer = python ? runPeer(python, PEERS.single, 'cnn', rows, PROFILE_STEPS).profile : undefined;
  const peerScale = peer ? peer.unprofiledMs / Object.values(peer.perStep).reduce((a, b) => a + (b ?? 0), 0) : 0;
  const peerMs = (kind: OpKind): number | undefined => (peer?.perStep[kind] === undefined ? undefined : peer.perStep[kind]! * peerScale);
  const oursMs = (kind: OpKind): number | undefined => {
    if (kind !== 'conv backward (input + filter)') return ours.perStep[kind];
    const parts = [ours.perStep['conv backprop input'], ours.perStep['conv backprop filter']];
    return parts.some((p) => p !== undefined) ? (parts[0] ?? 0) + (parts[1] ?? 0) : undefined;
  };
  const ms = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(2));
  console.log(`\nCNN [16, 32] training step op by op, batch ${config.batchSize}, ms of CPU time per step (${PROFILE_STEPS} steps after ${PROFILE_STEPS} warm-up; `
    + `load average ${os.loadavg()[0].toFixed(2)})${peer ? '; PyTorch 1 thread, its profiler scaled to the steps\' CPU time' : ''}`);
  console.log(`${'op kind'.padEnd(52)} ${'ours'.padStart(8)} ${'PyTorch'.padStart(8)} ${'ours/PyTorch'.padStart(13)}`);
  let oursTotal = 0;
  for (const kind of OP_KINDS) {
    const [a, b] = [oursMs(kind), peerMs(kind)];
    if (a === undefined && b === undefined) continue;
    if (kind !== 'conv backward (input + filter)') oursTotal += a ?? 0;
    const times = a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '';
    console.log(`${(kind === 'conv backward (input + filter)' ? `  ${kind} (sum of the two above)` : kind).padEnd(52)} ${ms(a).padStart(8)} ${ms(b).padStart(8)} ${times.padStart(13)}`);
  }
  console.log(`${'step (sum of the rows)'.padEnd(52)} ${ms(oursTotal).padStart(8)} ${ms(peer?.unprofiledMs).padStart(8)}`);
  console.log(`${'step without the profiler'.padEnd(52)} ${ms(ours.unprofiledMs).padStart(8)} ${ms(peer?.unprofiledMs).padStart(8)}`);
  if (ours.otherKernels.length) console.log(`  other kernels: ${ours.otherKernels.join(', ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
