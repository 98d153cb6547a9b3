// Starts a run trained by the user's own command (docs/run-format.md, "How a command run is
// launched"): the command runs in its own process group with the run's folder and config in its
// environment and the bundled polyloss_lab first on PYTHONPATH; its output goes straight to
// output.log (a file descriptor, so nothing is lost if this process goes away). The script's client
// writes run.json and metrics.jsonl; this side follows both files to relay the same live events as a
// built-in run, and on exit records what the script did not: the exit code and the final status.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatArgv } from '../core/commandRun';
import { Emitter } from '../core/emitter';
import { errorMessage } from '../core/errors';
import type { WorkerEvent } from '../core/protocol';
import type { CommandRunConfig } from '../core/runConfig';
import type { EpochMetric, RunEnvironment, RunRecord, RunTrainer, StepMetric } from '../core/runFormat';
import { summarizeMetrics } from '../core/metricsSummary';
import { METRICS_FILE, parseMetricLines, readMetrics, writeRunRecord } from '../store/runFiles';
import { isTerminal, readRunDir } from '../store/runStore';
import { outputFileOf, readOutputTail } from '../store/outputLog';
import { prepareCommand, type InterpreterSearch } from './commandSetup';
import { claimRun, type RunHandle } from './startRun';

export interface CommandRunOptions {
  runsDir: string;
  config: CommandRunConfig;
  /** Start this already created `queued` run (as RunQueue does); a new run is created when absent. */
  runId?: string;
  /** Where a relative command.cwd starts: the workspace folder, or the CLI's folder. */
  baseDir: string;
  /** Where a python / python3 first word finds its interpreter. */
  interpreter: InterpreterSearch;
  /** The bundled python/ folder (the polyloss_lab client), put first on PYTHONPATH. */
  clientDir: string;
  env?: NodeJS.ProcessEnv;
  /** After SIGTERM (Stop), how long the command gets to end before SIGKILL (default 10 s). */
  killGraceMs?: number;
  /** How often run.json and metrics.jsonl are looked at for live events (default 100 ms). */
  pollMs?: number;
}

const OUTPUT_TAIL_LINES = 8;
const OUTPUT_TAIL_BYTES = 8192;

/** The last lines of output.log: what a failed script said last (its traceback, usually). */
function outputTail(runDir: string): string {
  const tail = readOutputTail(runDir, OUTPUT_TAIL_BYTES)?.text ?? '';
  return tail.split('\n').filter((line) => line.trim() && !line.startsWith('# polyloss:')).slice(-OUTPUT_TAIL_LINES).join('\n');
}

/**
 * What to do about a failure whose output ends in a missing Python module: the interpreter that ran
 * the script, how it was chosen, and how to choose another (the python3 first on PATH is often not the
 * one with the user's packages). Undefined for any other failure, and for a module of the user's own
 * (a file or folder of that name in `folders`, the command's and the script's): another Python would not help.
 */
export function missingModuleHint(tail: string, interpreter: { path: string; source: string } | undefined, settingHint: string, folders: readonly string[]): string | undefined {
  const module = /ModuleNotFoundError: No module named '([^']+)'/.exec(tail)?.[1];
  if (!module || !interpreter) return undefined;
  const top = module.split('.')[0];
  if (folders.some((folder) => fs.existsSync(path.join(folder, top)) || fs.existsSync(path.join(folder, `${top}.py`)))) return undefined;
  return `${interpreter.path} (${interpreter.source}) cannot import ${module}: install it there, or use a Python that has it: set ${settingHint}`;
}

/**
 * Launches `opts.config.command` as a run. Throws CommandSetupError before anything is created when
 * the folder, the program or the interpreter is missing.
 */
export function startCommandRun(opts: CommandRunOptions): RunHandle {
  const prepared = prepareCommand(opts.config.command, opts.baseDir, opts.interpreter);
  const { runId, runDir, record: claimed } = claimRun(opts);
  const argv = [prepared.program, ...prepared.args];
  const trainer: RunTrainer = {
    kind: 'command', argv, cwd: prepared.cwd,
    ...(prepared.interpreter ? { interpreter: prepared.interpreter.path, interpreterSource: prepared.interpreter.source } : {}),
  };
  const config: CommandRunConfig = { ...opts.config, command: { ...opts.config.command, cwd: prepared.cwd } };
  writeRunRecord(runDir, { ...claimed, config, trainer });

  const outputFile = outputFileOf(runDir);
  const out = fs.openSync(outputFile, 'a');
  const ranBy = prepared.interpreter ? `python: ${prepared.interpreter.path} (${prepared.interpreter.source})` : `program: ${prepared.program}`;
  fs.writeSync(out, `# polyloss: ${formatArgv(argv)}   in ${prepared.cwd}   ${ranBy}\n`);
  const pythonPath = [opts.clientDir, process.env.PYTHONPATH, opts.env?.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const child = spawn(prepared.program, prepared.args, {
    cwd: prepared.cwd,
    env: {
      ...process.env, ...opts.env,
      POLYLOSS_RUN_ID: runId, POLYLOSS_RUN_DIR: path.resolve(runDir), POLYLOSS_RUNS_DIR: path.resolve(opts.runsDir),
      POLYLOSS_CONFIG: JSON.stringify(config), PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1',
    },
    stdio: ['ignore', out, out],
    // Own process group: Stop signals the whole group (a DataLoader's workers too), and a terminal's
    // Ctrl-C reaches only the launcher, which stops the runs itself.
    detached: true,
  });
  fs.closeSync(out);

  const events = new Emitter<WorkerEvent>();
  const follower = new RunFollower(runId, runDir, (event) => events.fire(event));
  const poll = setInterval(() => follower.poll(), opts.pollMs ?? 100);

  let stopRequested = false;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (sig: NodeJS.Signals): void => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      child.kill(sig); // the group is gone already; the process itself may not be
    }
  };

  const settle = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error): RunRecord => {
    follower.poll();
    let current: RunRecord;
    try {
      current = readRunDir(runDir);
    } catch {
      current = { ...claimed, config, trainer };
    }
    const finalTrainer: RunTrainer = { ...trainer, ...current.trainer, kind: 'command', exitCode: code };
    let final: RunRecord;
    if (isTerminal(current.status)) {
      final = { ...current, trainer: finalTrainer };
    } else {
      const { lines, skipped } = readMetrics(runDir);
      const summary = { ...summarizeMetrics(lines), ...current.summary };
      const endedAt = new Date().toISOString();
      if (skipped > 0) fs.appendFileSync(outputFile, `# polyloss: ${skipped} line(s) of metrics.jsonl were not metric lines and were skipped\n`);
      if (spawnError) {
        final = { ...current, status: 'failed', endedAt, trainer: finalTrainer, error: `the command could not be started: ${spawnError.message}` };
      } else if (stopRequested) {
        final = { ...current, status: 'cancelled', endedAt, trainer: finalTrainer, summary };
      } else if (code === 0 && current.status === 'queued' && lines.length === 0) {
        final = {
          ...current, status: 'failed', endedAt, trainer: finalTrainer,
          error: 'the script never called polyloss_lab.init(): it exited with code 0 without starting the run or logging metrics',
        };
      } else if (code === 0) {
        final = { ...current, status: 'completed', endedAt, trainer: finalTrainer, summary };
      } else {
        const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
        const tail = outputTail(runDir);
        const script = prepared.interpreter ? prepared.args.find((arg) => arg.endsWith('.py')) : undefined;
        const folders = [prepared.cwd, ...(script ? [path.dirname(path.resolve(prepared.cwd, script))] : [])];
        const hint = missingModuleHint(tail, prepared.interpreter, opts.interpreter.settingHint, folders);
        const error = `the command ${how}${tail ? `:\n${tail}` : ''}${hint ? `\n${hint}` : ''}`;
        final = { ...current, status: 'failed', endedAt, trainer: finalTrainer, summary, error };
      }
    }
    try {
      writeRunRecord(runDir, final);
    } catch (e) {
      final.error = `${final.error ?? final.status} (and run.json could not be updated: ${errorMessage(e)})`;
    }
    events.fire(final.status === 'failed' || final.status === 'interrupted'
      ? { type: 'failed', runId, error: final.error ?? `the run ended ${final.status}` }
      : { type: 'finished', runId, status: final.status as 'completed' | 'cancelled' | 'diverged', summary: final.summary ?? { steps: 0, epochs: 0 } });
    return final;
  };

  const done = new Promise<RunRecord>((resolve) => {
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error): void => {
      if (settled) return;
      settled = true;
      exited = true;
      clearInterval(poll);
      if (killTimer) clearTimeout(killTimer);
      resolve(settle(code, sig, spawnError));
    };
    child.on('close', (code, sig) => finish(code, sig));
    child.on('error', (e) => {
      if (child.pid === undefined) finish(null, null, e);
    });
  });

  return {
    runId,
    runDir,
    onEvent: (listener) => events.on(listener),
    stop: () => {
      if (exited) return;
      if (stopRequested) {
        signalGroup('SIGKILL');
        return;
      }
      stopRequested = true;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), opts.killGraceMs ?? 10_000);
    },
    done,
  };
}

/**
 * Follows the files a script writes and turns them into the events a built-in worker sends:
 * `started` once the run is running and its plan (or a first metric) is known, then its new step
 * and epoch lines. Whole lines only; a partial last line waits for the next poll.
 */
class RunFollower {
  private offset = 0;
  private started = false;
  private seenMetrics = false;

  constructor(private readonly runId: string, private readonly runDir: string, private readonly emit: (event: WorkerEvent) => void) {}

  poll(): void {
    const lines = this.readNewLines();
    if (lines.length > 0) this.seenMetrics = true;
    if (!this.started) this.maybeStart();
    if (!this.started) return; // lines before 'started' are read again from the file by whoever tails it
    const steps = lines.filter((line): line is StepMetric => line.kind === 'step');
    if (steps.length) this.emit({ type: 'steps', runId: this.runId, steps });
    for (const line of lines) if (line.kind === 'epoch') this.emit({ type: 'epoch', runId: this.runId, epoch: line as EpochMetric });
  }

  private maybeStart(): void {
    let record: RunRecord;
    try {
      record = readRunDir(this.runDir);
    } catch {
      return;
    }
    if (record.status === 'queued' || (record.totalSteps === undefined && !this.seenMetrics && !isTerminal(record.status))) return;
    this.started = true;
    const environment = (record.environment ?? { backend: 'command', platform: process.platform }) as RunEnvironment;
    this.emit({ type: 'started', runId: this.runId, environment, totalSteps: record.totalSteps ?? 0, record });
  }

  private readNewLines(): ReturnType<typeof parseMetricLines>['lines'] {
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.runDir, METRICS_FILE), 'r');
    } catch {
      return [];
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const read = fs.readSync(fd, buf, 0, buf.length, this.offset);
      const end = buf.lastIndexOf(0x0a, read - 1) + 1;
      if (end === 0) return [];
      this.offset += end;
      return parseMetricLines(buf.subarray(0, end).toString('utf8')).lines;
    } finally {
      fs.closeSync(fd);
    }
  }
}
