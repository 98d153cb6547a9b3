/** What the integration tests share: the build, a tiny run, the built CLI run as a real process, temp folders, waiting. */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin', 'polyloss.js');
export const WORKER = path.join(ROOT, 'dist', 'worker.js');

export function build(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `polyloss-${label}-`));
}

/** The defaults made tiny (iris, 16 hidden units, two epochs of a few steps on wasm), with some settings replaced. */
export function tinyConfig(patch: Partial<BuiltinRunConfig> = {}): BuiltinRunConfig {
  const tiny: Partial<BuiltinRunConfig> = {
    dataset: { ...DEFAULT_CONFIG.dataset, name: 'iris' },
    model: { type: 'mlp', hidden: [16] },
    optimizer: { type: 'adam', learningRate: 0.01 },
    batchSize: 16, epochs: 2, backend: 'wasm',
  };
  return structuredClone({ ...DEFAULT_CONFIG, ...tiny, ...patch });
}

/** Flags of a tiny run (iris, a few steps per epoch), with some replaced. */
export function tiny(overrides: Record<string, string> = {}): string[] {
  const flags = { dataset: 'iris', hidden: '16', epochs: '1', 'batch-size': '16', backend: 'wasm', ...overrides };
  return Object.entries(flags).flatMap(([name, value]) => [`--${name}`, value]);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  result: Promise<CliResult>;
  stderr(): string;
}

/** Starts `node bin/polyloss.js ARGS` in `cwd`, with `env` over this process's environment and `stdin` as its input (none by default). */
export function startCli(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv, stdin?: string): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  if (stdin !== undefined) child.stdin!.end(stdin);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, result, stderr: () => stderr };
}

export function cli(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, cwd, env).result;
}

export function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    assert.fail(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Polls `condition` every 25 ms; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Whether a process is still there (a zombie counts as gone only once reaped, so wait a little). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Everything under `dir`, relative, sorted: to show that a refused command wrote nothing. */
export function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

/** The run.json of every run folder in `runsDir`, as written (a record being rewritten right now is skipped). */
export function readRunFiles<T>(runsDir: string): T[] {
  if (!fs.existsSync(runsDir)) return [];
  return fs.readdirSync(runsDir).filter((name) => fs.existsSync(path.join(runsDir, name, 'run.json'))).flatMap((name) => {
    try {
      return [JSON.parse(fs.readFileSync(path.join(runsDir, name, 'run.json'), 'utf8')) as T];
    } catch {
      return [];
    }
  });
}
