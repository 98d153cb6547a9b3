/**
 * The Slurm executor on the project's single-node cluster (test/slurm/start-slurm.sh starts it):
 * - submitting a 100-run sweep (target < 2 s: run folders, script, one sbatch, job ids recorded),
 *   against creating the same 100 queued run folders alone, measured in the same run;
 * - the per-task overhead, queue to first step (submission → the first step line of the run, from
 *   its run.json and metrics.jsonl), against the same run started on this machine.
 *
 *   node scripts/build.mjs && node --import tsx bench/slurm.ts [--rounds N]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '../src/core/runConfig';
import { createRun } from '../src/store/runStore';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'polyloss.js');
const TINY = ['--dataset', 'digits', '--max-samples', '300', '--hidden', '16', '--epochs', '1', '--backend', 'wasm'];
const SUBMIT_TARGET_S = 2;

function rounds(): number {
  const i = process.argv.indexOf('--rounds');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 3;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--rounds must be an integer ≥ 1 (got ${process.argv[i + 1]})`);
  return n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function polyloss(args: string[], cwd: string): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`polyloss ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result;
}

interface RunFile { createdAt: string; startedAt: string; slurm?: { submittedAt: string } }

/** ms from `from` (ISO) to the run's first step line. */
function toFirstStep(runDir: string, from: string): number {
  const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunFile;
  const first = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').map((l) => (l ? JSON.parse(l) as { kind: string; t: number } : undefined))
    .find((l) => l?.kind === 'step');
  if (!first) throw new Error(`no step in ${runDir}`);
  return Date.parse(record.startedAt) + first.t - Date.parse(from);
}

function onlyRun(runsDir: string): string {
  const [id] = fs.readdirSync(runsDir).filter((name) => !name.startsWith('.'));
  return path.join(runsDir, id);
}

function main(): void {
  execFileSync('bash', [path.join(ROOT, 'test/slurm/start-slurm.sh')], { stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-slurm-'));
  const jobs: string[] = [];
  try {
    const submits: number[] = [];
    const creates: number[] = [];
    for (let round = 0; round < rounds(); round++) {
      const runsDir = path.join(dir, `submit-${round}`, 'runs');
      // Held by a begin time an hour away: only the submission is measured, nothing trains.
      const started = performance.now();
      const { stderr } = polyloss(['sweep', ...TINY, '--epsilon', '0:4.9:0.1', '--seeds', '2', '--executor', 'slurm', '--yes',
        '--slurm-arg', '--begin=now+3600', '--runs-dir', runsDir], dir);
      const wall = (performance.now() - started) / 1000;
      const match = /Submitted (\d+) run\(s\) to Slurm as job (\d+) \(array [^)]+\) in ([\d.]+) s/.exec(stderr);
      if (!match || match[1] !== '100') throw new Error(`expected 100 runs submitted:\n${stderr}`);
      jobs.push(match[2]);
      execFileSync('scancel', [match[2]]);
      submits.push(Number(match[3]));
      console.log(`round ${round + 1}: submitted 100 runs in ${match[3]} s (the whole command: ${wall.toFixed(2)} s)`);

      const plainDir = path.join(dir, `plain-${round}`);
      const t0 = performance.now();
      for (let i = 0; i < 100; i++) createRun(plainDir, { ...DEFAULT_CONFIG, seed: i });
      creates.push((performance.now() - t0) / 1000);
    }
    const submit = median(submits);
    console.log(`submitting 100 runs to Slurm: ${submit.toFixed(2)} s (median of ${submits.length}; target < ${SUBMIT_TARGET_S} s: ${submit < SUBMIT_TARGET_S ? 'met' : 'NOT met'})`);
    console.log(`baseline, creating 100 queued run folders only: ${median(creates).toFixed(3)} s; submission / baseline = ${(submit / median(creates)).toFixed(1)}×`);

    const onSlurm: number[] = [];
    const here: number[] = [];
    for (let round = 0; round < rounds(); round++) {
      const slurmRuns = path.join(dir, `task-${round}`, 'runs');
      const { stderr } = polyloss(['sweep', ...TINY, '--epsilon', '1', '--seeds', '1', '--executor', 'slurm', '--wait', '--runs-dir', slurmRuns], dir);
      jobs.push(/as job (\d+)/.exec(stderr)?.[1] ?? '');
      const runDir = onlyRun(slurmRuns);
      const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunFile;
      onSlurm.push(toFirstStep(runDir, record.slurm!.submittedAt));

      const localRuns = path.join(dir, `local-${round}`, 'runs');
      polyloss(['train', ...TINY, '--loss', 'poly', '--epsilon', '1', '--runs-dir', localRuns], dir);
      const localDir = onlyRun(localRuns);
      here.push(toFirstStep(localDir, (JSON.parse(fs.readFileSync(path.join(localDir, 'run.json'), 'utf8')) as RunFile).createdAt));
      console.log(`round ${round + 1}: queue to first step ${(onSlurm.at(-1)! / 1000).toFixed(2)} s on Slurm, ${(here.at(-1)! / 1000).toFixed(2)} s on this machine`);
    }
    const slurm = median(onSlurm) / 1000;
    const local = median(here) / 1000;
    console.log(`per-task overhead, queue to first step: ${slurm.toFixed(2)} s on Slurm vs ${local.toFixed(2)} s on this machine `
      + `(Slurm adds ${(slurm - local).toFixed(2)} s, ${(slurm / local).toFixed(2)}×)`);
  } finally {
    const live = jobs.filter(Boolean);
    if (live.length) spawnSync('scancel', live);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
