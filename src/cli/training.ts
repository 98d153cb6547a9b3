import * as os from 'node:os';
import { diffConfigs } from '../core/configDiff';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { preflightConfigs } from '../training/preflight';
import type { Executor } from '../runner/executor';
import { RunQueue } from '../runner/runQueue';
import { defaultRunName } from '../store/runStore';
import type { CliContext } from './context';
import { commandLaunchSettings } from './commandRuns';
import { ProgressReporter } from './progress';

export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_USAGE = 2;
/** Every run ended, none failed, but at least one diverged (its loss became non-finite or exploded). */
export const EXIT_DIVERGED = 3;
export const EXIT_INTERRUPTED = 130;
const EXIT_TERMINATED = 143;

export interface TrainingResult {
  records: RunRecord[];
  /** Set when Ctrl-C (SIGINT) or SIGTERM stopped the runs. */
  interruptedBy?: NodeJS.Signals;
  exitCode: number;
}

/** Half the cores (training is CPU-bound and tfjs may use more than one thread), at least 1. */
export function defaultConcurrency(runs: number): number {
  return Math.max(1, Math.min(runs, Math.floor(os.availableParallelism() / 2)));
}

export interface TrainingOptions {
  runsDir: string;
  concurrency: number;
  ctx: CliContext;
  /** Configs of an experiment file: their dataset files must lie inside this folder (see store/datasetPaths). */
  confineDatasetsTo?: string;
  /** Where the runs train (default: a RunQueue on this machine with `concurrency` workers). */
  executor?: Executor;
  /** Ctrl-C stops following instead of stopping the runs (they train elsewhere); says so with this line. */
  detachOnSignal?: { detach: () => void; note: string };
  /** The --python flag: the interpreter of command runs. */
  python?: string;
}

/**
 * Trains the configs through a RunQueue with progress on stderr. The datasets are checked first
 * (PreflightError: no run folder is created). Ctrl-C stops the workers gracefully (each finishes its
 * step and records `cancelled`); a second Ctrl-C kills them.
 */
export async function runTraining(configs: readonly RunConfig[], opts: TrainingOptions): Promise<TrainingResult> {
  const { ctx } = opts;
  // An executor of its own (Slurm) was handed the checked command settings by its caller.
  const commands = opts.executor ? undefined : commandLaunchSettings(configs, opts.python, ctx);
  if (!opts.executor) ctx.workers?.warmUp(configs, opts.concurrency); // the workers load while the data is checked here
  await preflightConfigs(configs, { baseDir: ctx.cwd, confineTo: opts.confineDatasetsTo });
  const queue = opts.executor ?? new RunQueue({ runsDir: opts.runsDir, maxConcurrent: opts.concurrency, workerPath: ctx.workerPath, cwd: ctx.cwd, workers: ctx.workers, commands });
  const reporter = new ProgressReporter(ctx.stderr, ctx.stderr.isTTY === true);
  queue.onEvent((event) => reporter.handle(event));
  queue.onChange((change) => {
    if (change.state === 'running') reporter.markRunning(change.runId);
  });

  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const first = !interruptedBy;
    interruptedBy ??= signal;
    if (opts.detachOnSignal) {
      reporter.note(opts.detachOnSignal.note);
      opts.detachOnSignal.detach();
      return;
    }
    if (first) reporter.note('Stopping: each run finishes its current step and is kept as cancelled (Ctrl-C again to kill)…');
    queue.stopAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Names when every run has one (experiment files, --name), else what sets the runs apart.
  const labels = configs.length > 1 && configs.some((c) => !c.name) ? diffConfigs(configs).legend : configs.map((c) => c.name ?? defaultRunName(c));
  let runIds: string[] = [];
  try {
    try {
      runIds = await queue.submit(configs);
    } catch (e) {
      // e.g. the runs folder is not writable: stop what already started before reporting it
      queue.stopAll();
      await queue.whenIdle();
      throw e;
    }
    runIds.forEach((runId, i) => reporter.add(runId, labels[i], configs[i].epochs, queue.runningIds().includes(runId)));
    await queue.whenIdle();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter.close();
  }

  const records = await Promise.all(runIds.map((id) => queue.done(id)));
  let exitCode = EXIT_OK;
  if (interruptedBy) exitCode = interruptedBy === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
  else if (records.some((r) => r.status === 'failed' || r.status === 'interrupted')) exitCode = EXIT_RUN_FAILED;
  else if (records.some((r) => r.status === 'diverged')) exitCode = EXIT_DIVERGED;
  return { records, interruptedBy, exitCode };
}
