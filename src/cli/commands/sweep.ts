import * as readline from 'node:readline';
import type { Issue } from '../../core/jsonSchema';
import { withDefaults } from '../../core/config';
import type { RunConfig } from '../../core/runConfig';
import {
  SWEEP_CONFIRM_ABOVE, describeSweepSize, generateSweepId, parseGrid, planSweep, resumeSweep, SweepError, validateSweepSpec,
  type SweepPlan, type SweepSpec,
} from '../../core/sweep';
import { measureThroughput, sweepEstimate } from '../../runner/sweepEstimate';
import { isLive } from '../../core/sweepRuns';
import { stopSlurmRuns } from '../../runner/slurm/stop';
import { listRuns } from '../../store/runStore';
import {
  loadSweep, newSavedSweep, removeSavedSweep, saveSweep, sweepFilePath, sweepFolderOf, SweepFileError, type SavedSweep,
} from '../../store/sweepFiles';
import { UsageError, type FlagSpec, type FlagValue } from '../args';
import { GLOBAL_FLAGS, reconcileBeforeReading, writeJson, writeLine, type Command, type CliContext } from '../context';
import { COMMAND_FLAG, PYTHON_FLAG, commandArgvOf, commandLaunchSettings } from '../commandRuns';
import { CONCURRENCY_FLAG, CONFIG_FILE_FLAG, CONFIG_FLAGS, SEEDS_FLAG, buildTrainConfigs, seedsOfFlag } from '../trainConfig';
import { EXIT_INTERRUPTED, EXIT_RUN_FAILED, runTraining, type TrainingOptions, type TrainingResult } from '../training';
import { checkSlurmReachable, EXECUTOR_FLAG, isSlurm, SLURM_FLAGS, slurmOptionsOf, submitToSlurm } from '../slurm';
import { K_FLAG, METRIC_FLAG, analysisRequestOf, analyze, epochReader, resultsText } from './report';
import { reportTraining } from './train';
import { aboutDuration } from '../../core/timeEstimate';
import { runThreads } from '../../runner/runQueue';

/**
 * `polyloss sweep`: a base config (the flags of `polyloss train`, or --config) × a grid over ε, γ and
 * label smoothing × seeds, trained through the run queue under one sweep id, then summarised per group.
 *
 * The sweep's settings are saved as `<runs dir>/.sweeps/<sweep id>.json` (store/sweepFiles.ts).
 * `--resume` re-plans the sweep from that file and trains only the runs it lacks.
 */

export const DEFAULT_SWEEP_CONCURRENCY = 2;
export const DEFAULT_SWEEP_SEEDS = 3;
/** Above this many runs the sweep asks before starting (or needs --yes without a terminal). */
export const CONFIRM_ABOVE = SWEEP_CONFIRM_ABOVE;

// ── Flags ───────────────────────────────────────────────────────────────────────────────────────

/** A flag parser for a grid (a list or a range); the error names the flag. */
function gridOf(flag: string): (text: string) => number[] {
  return (text) => {
    const grid = parseGrid(text, flag);
    if (!grid.ok) throw new Error(grid.message);
    return grid.value;
  };
}

/** The train flags that the grid replaces (ε, γ, label smoothing), and those the sweep sets itself (seed, name). */
const REPLACED_TRAIN_FLAGS = new Set(['epsilon', 'gamma', 'label-smoothing', 'seed', 'name']);
export const BASE_FLAGS = CONFIG_FLAGS.filter((flag) => !REPLACED_TRAIN_FLAGS.has(flag.name));

const GRID_FLAGS: readonly FlagSpec[] = [
  {
    name: 'epsilon', type: 'custom', parse: gridOf('ε'), valueName: 'LIST|START:STOP:STEP',
    description: 'ε values to try: a list (-1,0,1,2) or a range with its stop included (-1:2:1); a CE base becomes Poly-1, a focal base Poly-1 focal',
  },
  {
    name: 'gamma', type: 'custom', parse: gridOf('γ'), valueName: 'LIST|START:STOP:STEP',
    description: 'focal γ values (≥ 0) to try: a CE base becomes focal, a Poly-1 base Poly-1 focal',
  },
  { name: 'label-smoothing', type: 'custom', parse: gridOf('label smoothing'), valueName: 'LIST|START:STOP:STEP', description: 'label smoothing values to try, each in [0, 1)' },
  { ...SEEDS_FLAG, description: `seeds of every setting: a list (1,2,3) or one number n for seeds 1…n (default ${DEFAULT_SWEEP_SEEDS})` },
  { name: 'baseline', type: 'boolean', description: 'also run the baseline (CE; focal for Poly-1 focal) with every seed' },
];

const RESUME_FLAG: FlagSpec = {
  name: 'resume', type: 'string', valueName: 'SWEEP_ID',
  description: 'train what a stopped sweep lacks (cancelled, failed, interrupted and never started runs), with its saved settings',
};

const STOP_FLAG: FlagSpec = {
  name: 'stop', type: 'string', valueName: 'SWEEP_ID',
  description: 'stop a sweep on Slurm: waiting tasks are cancelled, running ones finish their step and end cancelled (scancel)',
};

/** What each field of a sweep spec is called on the command line, for error messages. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  'sweep.epsilon': '--epsilon', 'sweep.gamma': '--gamma', 'sweep.labelSmoothing': '--label-smoothing', 'sweep.seeds': '--seeds',
};

/** "sweep.labelSmoothing[1] must be in [0, 1)" → "--label-smoothing: each value must be in [0, 1)". */
function explainSweepIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => {
    const field = Object.keys(FLAG_OF_FIELD).find((f) => issue.path === f || issue.path.startsWith(`${f}[`));
    if (!field) return issue.message;
    const flag = FLAG_OF_FIELD[field];
    const item = new RegExp(`^${field.replace('.', '\\.')}\\[\\d+\\] `).exec(issue.message);
    if (item) return `${flag}: each value ${issue.message.slice(item[0].length)}`;
    return issue.message.startsWith(`${field} `) ? `${flag} ${issue.message.slice(field.length + 1)}` : `${flag}: ${issue.message}`;
  }).join('\n');
}

function seedsOf(flags: Record<string, FlagValue>): SweepSpec['seeds'] {
  const given = flags.seeds as number[] | undefined;
  // The sweep spec's own check bounds the seeds (and the runs) of a sweep.
  return given ? seedsOfFlag(given, Infinity) : DEFAULT_SWEEP_SEEDS;
}

export function sweepSpecOf(flags: Record<string, FlagValue>): SweepSpec {
  const spec: SweepSpec = { seeds: seedsOf(flags) };
  if (flags.epsilon !== undefined) spec.epsilon = flags.epsilon as number[];
  if (flags.gamma !== undefined) spec.gamma = flags.gamma as number[];
  if (flags['label-smoothing'] !== undefined) spec.labelSmoothing = flags['label-smoothing'] as number[];
  if (flags.baseline === true) spec.baseline = true;
  const checked = validateSweepSpec(spec);
  if (!checked.ok) throw new UsageError(explainSweepIssues(checked.errors));
  return spec;
}

/** The base config from the train flags and --config; the grid flags are applied by planSweep. */
export function baseConfigOf(flags: Record<string, FlagValue>, ctx: CliContext): RunConfig {
  if (flags.command !== undefined) return commandBaseOf(flags, ctx);
  const baseFlags = Object.fromEntries(Object.entries(flags).filter(([name]) => name === 'config' || BASE_FLAGS.some((f) => f.name === name)));
  const { configs, warnings } = buildTrainConfigs(baseFlags, ctx.cwd);
  for (const warning of warnings) writeLine(ctx.stderr, `warning: ${warning}`);
  return configs[0];
}

/** A sweep of your own script: the command (run in the current folder) with a CE base that the grid changes. */
function commandBaseOf(flags: Record<string, FlagValue>, ctx: CliContext): RunConfig {
  const unused = Object.keys(flags).filter((name) => name === 'config' || BASE_FLAGS.some((f) => f.name === name));
  if (unused.length > 0) {
    throw new UsageError(`${unused.map((n) => `--${n}`).join(', ')} ${unused.length === 1 ? 'is' : 'are'} not used with --command: your script sets its own training (give it arguments in --command)`);
  }
  return withDefaults({ command: { argv: commandArgvOf(String(flags.command)), cwd: ctx.cwd }, loss: { type: 'ce' } });
}

/** Runs `make`, turning a SweepError into a usage error that names the flags. */
function explained<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof SweepError) throw new UsageError(explainSweepIssues(e.issues));
    throw e;
  }
}

function plan(spec: SweepSpec, base: RunConfig, sweepId: string): SweepPlan {
  return explained(() => planSweep(spec, base, sweepId));
}

function resumed(saved: SavedSweep, runs: Parameters<typeof resumeSweep>[3]): ReturnType<typeof resumeSweep> {
  return explained(() => resumeSweep(saved.spec, saved.base, saved.sweepId, runs));
}

// ── The saved sweep ─────────────────────────────────────────────────────────────────────────────

export function loadSaved(runsDir: string, sweepId: string): SavedSweep {
  try {
    return loadSweep(runsDir, sweepId);
  } catch (e) {
    if (e instanceof SweepFileError) throw new UsageError(`--resume: ${e.message}`);
    throw e;
  }
}

// ── Estimate and confirmation ───────────────────────────────────────────────────────────────────

/**
 * The time the runs will take, in words: from the speed of recent runs like them, else from a short
 * calibration run. Undefined when Ctrl-C stopped the calibration.
 */
async function estimate(todo: readonly RunConfig[], concurrency: number, runsDir: string, ctx: CliContext): Promise<string | undefined> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const measured = await measureThroughput(listRuns(runsDir).runs, todo[0], {
      workerPath: ctx.workerPath, cwd: ctx.cwd, signal: stop.signal, workers: ctx.workers, threads: runThreads(concurrency === 1 || todo.length === 1),
      onCalibrating: () => writeLine(ctx.stderr, 'Measuring the training speed of this machine with a short calibration run…'),
    });
    if (measured.interrupted) return undefined;
    const { seconds, basis } = sweepEstimate(todo, measured, concurrency);
    return seconds === undefined ? `time unknown (${basis})` : `${aboutDuration(seconds)} on this machine (${basis})`;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Asks on the terminal; anything but y/yes (or Ctrl-C) is a no. */
function confirm(ctx: CliContext, question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stderr, terminal: true });
  return new Promise((resolve) => {
    let answered = false;
    const finish = (yes: boolean) => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(yes);
    };
    rl.on('SIGINT', () => {
      ctx.stderr.write('\n');
      finish(false);
    });
    rl.on('close', () => finish(false));
    rl.question(question, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)));
  });
}

function isInteractive(ctx: CliContext): boolean {
  return (ctx.stdin as NodeJS.ReadableStream & { isTTY?: boolean }).isTTY === true;
}

// ── Training a sweep (also for `polyloss run` on an experiment file with a sweep section) ──────────

/**
 * Saves the new sweep `toSave` (when given), then trains `configs`, which hold its runs. When not one
 * run of it could be made (unusable data, unwritable runs folder), the saved sweep is removed again,
 * so that nothing is left to resume.
 */
export async function trainSavingSweep(configs: readonly RunConfig[], toSave: SavedSweep | undefined, opts: TrainingOptions): Promise<TrainingResult> {
  const { runsDir, ctx } = opts;
  const savedFile = toSave && saveSweep(runsDir, toSave);
  if (savedFile) writeLine(ctx.stderr, `Sweep settings saved to ${savedFile}`);
  try {
    return await runTraining(configs, opts);
  } catch (e) {
    if (toSave && !listRuns(runsDir).runs.some((r) => r.config.sweepId === toSave.sweepId)) removeSavedSweep(runsDir, toSave.sweepId);
    throw e;
  }
}

/** Run ids the report hint spells out; beyond, it says ID… (a long run of ids is no help on a terminal). */
const MAX_IDS_IN_HINT = 4;

/**
 * What to do next: resume a sweep's runs that did not finish, and the report of the sweep (or, without
 * one, of the runs that completed, when there are two or more to compare).
 */
export function printNextSteps(ctx: CliContext, sweepId: string | undefined, flags: Record<string, FlagValue>, result: TrainingResult, json: boolean): void {
  const runsDirFlag = typeof flags['runs-dir'] === 'string' ? ` --runs-dir ${flags['runs-dir']}` : '';
  if (sweepId !== undefined && result.records.some((r) => r.config.sweepId === sweepId && r.status !== 'completed' && r.status !== 'diverged')) {
    writeLine(ctx.stderr, `To train the runs that did not finish: polyloss sweep --resume ${sweepId}${runsDirFlag}`);
  }
  if (json) return;
  if (sweepId !== undefined) {
    writeLine(ctx.stderr, `For a report with charts: polyloss report ${sweepId}${runsDirFlag} --out DIR`);
    return;
  }
  const completed = result.records.filter((r) => r.status === 'completed').map((r) => r.id);
  if (completed.length < 2) return;
  const fits = completed.length <= MAX_IDS_IN_HINT;
  writeLine(ctx.stderr, `For a report with charts: polyloss report ${fits ? completed.join(' ') : 'ID…'}${runsDirFlag} --out DIR${fits ? '' : ' (the completed runs above)'}`);
}

// ── The command ─────────────────────────────────────────────────────────────────────────────────

interface PlannedWork {
  sweepId: string;
  plan: SweepPlan;
  /** The configs to train now: all of a new sweep, the missing ones of a resumed one. */
  todo: RunConfig[];
  /** Set for a new sweep: saved once the user agreed to start it. */
  toSave?: SavedSweep;
  /** Set for a resumed sweep: its saved settings. */
  saved?: SavedSweep;
}

function newSweep(flags: Record<string, FlagValue>, ctx: CliContext): PlannedWork {
  const spec = sweepSpecOf(flags);
  const base = baseConfigOf(flags, ctx);
  const sweepId = generateSweepId();
  const planned = plan(spec, base, sweepId);
  return { sweepId, plan: planned, todo: planned.configs, toSave: newSavedSweep(sweepId, spec, base) };
}

function resumedSweep(sweepId: string, flags: Record<string, FlagValue>, runsDir: string, ctx: CliContext): PlannedWork {
  const settingFlags = Object.keys(flags).filter((name) => name === 'config' || name === 'command' || BASE_FLAGS.some((f) => f.name === name) || GRID_FLAGS.some((f) => f.name === name));
  if (settingFlags.length > 0) {
    throw new UsageError(`--resume uses the sweep's saved settings; leave out ${settingFlags.map((n) => `--${n}`).join(', ')}`);
  }
  const saved = loadSaved(runsDir, sweepId);
  if (saved.tune) throw new UsageError(`sweep ${sweepId} is a tune: resume it with polyloss tune --resume ${sweepId}`);
  reconcileBeforeReading(runsDir, ctx);
  const { plan: planned, todo } = resumed(saved, listRuns(runsDir).runs);
  writeLine(ctx.stderr, `Sweep ${sweepId}: ${planned.configs.length - todo.length} of ${planned.configs.length} runs are done or still running; ${todo.length} to train.`);
  return { sweepId, plan: planned, todo, saved };
}

/** `--stop SWEEP_ID`: scancel for the sweep's live runs on Slurm. */
async function stopSweep(sweepId: string, runsDir: string, ctx: CliContext, json: boolean): Promise<number> {
  const runs = listRuns(runsDir).runs.filter((r) => r.config.sweepId === sweepId);
  if (runs.length === 0) throw new UsageError(`--stop: no runs of sweep '${sweepId}' in ${runsDir}`);
  const onSlurm = runs.filter((r) => r.slurm && isLive(r));
  if (onSlurm.length === 0) {
    const local = runs.filter(isLive).length;
    writeLine(ctx.stderr, local > 0
      ? `Sweep ${sweepId}: its ${local} live run(s) train on this machine; stop them with Ctrl-C where the sweep runs, or with Stop Sweep in VS Code.`
      : `Sweep ${sweepId}: nothing to stop, all ${runs.length} runs have ended.`);
    if (json) writeJson(ctx, { sweepId, cancelled: [], stopping: [] });
    return 0;
  }
  checkSlurmReachable();
  const stopped = await stopSlurmRuns(runsDir, onSlurm);
  writeLine(ctx.stderr, `Sweep ${sweepId}: ${stopped.cancelled.length} waiting task(s) cancelled, `
    + `${stopped.stopping.length} running task(s) asked to stop after their current step.`);
  if (json) writeJson(ctx, { sweepId, ...stopped });
  return 0;
}

export const sweepCommand: Command = {
  spec: {
    name: 'sweep',
    summary: 'Train a grid of runs: a base config (the flags of polyloss train, or --config) × ε (× γ, label smoothing) × seeds, '
      + 'under one sweep id, then print mean ± std per setting, confidence intervals and the comparison with the baseline. '
      + `Asks before starting more than ${CONFIRM_ABOVE} runs. The settings are saved in <runs dir>/.sweeps/<id>.json for --resume.`,
    flags: [...BASE_FLAGS, CONFIG_FILE_FLAG, COMMAND_FLAG, PYTHON_FLAG, ...GRID_FLAGS,
      { ...CONCURRENCY_FLAG, description: `runs training at once (default ${DEFAULT_SWEEP_CONCURRENCY})` },
      { name: 'yes', type: 'boolean', description: `start without asking, also above ${CONFIRM_ABOVE} runs` },
      RESUME_FLAG, EXECUTOR_FLAG, ...SLURM_FLAGS, STOP_FLAG, METRIC_FLAG, K_FLAG, ...GLOBAL_FLAGS],
    examples: [
      'polyloss sweep --dataset digits --loss ce --epsilon -1:2:1 --seeds 3 --baseline --epochs 5',
      'polyloss sweep --config base.json --epsilon -1,0,1,2 --label-smoothing 0,0.1 --seeds 1,2,3 --concurrency 2 --yes',
      'polyloss sweep --command "python3 train.py --epochs 5" --epsilon 0,1,2 --seeds 3 --baseline --python /usr/bin/python3',
      'polyloss sweep --resume sweep-20261128-105300-3f9a1c',
      'polyloss sweep --epsilon -1:2:1 --seeds 3 --executor slurm --slurm-partition gpu --slurm-time 00:30:00 --slurm-max-parallel 8',
      'polyloss sweep --stop sweep-20261128-105300-3f9a1c',
    ],
  },
  async run({ args, ctx, json, runsDir }) {
    if (typeof args.flags.stop === 'string') return stopSweep(args.flags.stop, runsDir, ctx, json);
    const request = analysisRequestOf(args.flags);
    if (isSlurm(args.flags)) checkSlurmReachable();
    const work = typeof args.flags.resume === 'string' ? resumedSweep(args.flags.resume, args.flags, runsDir, ctx) : newSweep(args.flags, ctx);
    const { sweepId, todo } = work;
    // A sweep that was on Slurm resumes there, with the settings of its last array unless flags change them.
    const lastArray = work.saved?.slurm?.submissions.at(-1);
    const flags = lastArray && args.flags.executor === undefined ? { ...args.flags, executor: 'slurm' } : args.flags;
    const slurmOptions = slurmOptionsOf(flags, lastArray?.options);
    const concurrency = (flags.concurrency as number | undefined) ?? DEFAULT_SWEEP_CONCURRENCY;
    for (const note of work.plan.notes) writeLine(ctx.stderr, `note: ${note}`);
    for (const warning of work.plan.warnings) writeLine(ctx.stderr, `warning: ${warning.message}`);

    const printResults = (extra: Record<string, unknown>): void => {
      const runs = listRuns(runsDir).runs.filter((r) => r.config.sweepId === sweepId);
      const analysis = analyze(runs, epochReader(runsDir), request);
      if (json) writeJson(ctx, { sweepId, sweepFile: sweepFilePath(runsDir, sweepId), planned: work.plan.configs.length, ...extra, analysis });
      else writeLine(ctx.stdout, `\n${resultsText(analysis)}`);
    };
    if (todo.length === 0) {
      printResults({ ran: [], interrupted: null, exitCode: 0 });
      return 0;
    }

    const ask = todo.length > CONFIRM_ABOVE && flags.yes !== true;
    if (ask && !isInteractive(ctx)) {
      throw new UsageError(`this sweep has ${todo.length} runs, more than ${CONFIRM_ABOVE}, and there is no terminal to ask on: add --yes to start them`);
    }
    if (isSlurm(flags)) {
      if (ask && !(await confirm(ctx, `Submit ${todo.length} runs to Slurm? [y/N] `))) {
        writeLine(ctx.stderr, 'Nothing was submitted.');
        return EXIT_RUN_FAILED;
      }
      const { result } = await submitToSlurm({
        configs: todo, runsDir, ctx, options: slurmOptions, folder: sweepFolderOf(runsDir, sweepId), jobName: `polyloss-${sweepId}`,
        toSave: work.toSave, sweepId, wait: flags.wait === true, json, python: flags.python as string | undefined,
      });
      if (!result) {
        const runsDirFlag = typeof flags['runs-dir'] === 'string' ? ` --runs-dir ${flags['runs-dir']}` : '';
        writeLine(ctx.stderr, `Follow it with: polyloss list${runsDirFlag}; stop it with: polyloss sweep --stop ${sweepId}${runsDirFlag}`);
        return 0;
      }
      if (!json) reportTraining(ctx, false, result);
      printResults({ ran: result.records, interrupted: result.interruptedBy ?? null, exitCode: result.exitCode });
      printNextSteps(ctx, sweepId, flags, result, json);
      return result.exitCode;
    }
    if (flags.wait === true) throw new UsageError('--wait applies to --executor slurm (on this machine the sweep always runs to its end)');
    commandLaunchSettings(todo, flags.python as string | undefined, ctx); // a missing script or interpreter stops here, before the estimate
    ctx.workers?.warmUp(todo, concurrency); // the workers load while the speed is measured
    const eta = await estimate(todo, concurrency, runsDir, ctx);
    if (eta === undefined) {
      writeLine(ctx.stderr, 'Interrupted before the sweep started: nothing was trained.');
      return EXIT_INTERRUPTED;
    }
    writeLine(ctx.stderr, `Sweep ${sweepId}: ${describeSweepSize(todo)}, ${concurrency} at a time; ${eta}.`);
    if (ask && !(await confirm(ctx, `Start ${todo.length} runs? [y/N] `))) {
      writeLine(ctx.stderr, 'Nothing was started.');
      return EXIT_RUN_FAILED;
    }
    const result = await trainSavingSweep(todo, work.toSave, { runsDir, concurrency, ctx, python: flags.python as string | undefined });
    if (!json) reportTraining(ctx, false, result);
    printResults({ ran: result.records, interrupted: result.interruptedBy ?? null, exitCode: result.exitCode });
    printNextSteps(ctx, sweepId, flags, result, json);
    return result.exitCode;
  },
};
