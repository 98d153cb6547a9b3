import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { groupKey } from '../../core/grouping';
import type { Issue } from '../../core/jsonSchema';
import type { RunConfig } from '../../core/runConfig';
import type { RunStatus } from '../../core/runFormat';
import { generateSweepId, missingRuns, parseRange, planSweep, SweepError, validateSweepSpec, type SweepPlan, type SweepSpec } from '../../core/sweep';
import { formatIssues, parseEpsilonText, validateRunConfig } from '../../core/validate';
import { writeFileAtomic } from '../../store/runFiles';
import { listRuns } from '../../store/runStore';
import { UsageError, type FlagSpec, type FlagValue } from '../args';
import { GLOBAL_FLAGS, reconcileBeforeReading, writeJson, writeLine, type Command, type CliContext } from '../context';
import { formatDuration } from '../format';
import { CONCURRENCY_FLAG, CONFIG_FILE_FLAG, CONFIG_FLAGS, SEEDS_FLAG, buildTrainConfigs } from '../trainConfig';
import { EXIT_INTERRUPTED, EXIT_RUN_FAILED, runTraining, type TrainingResult } from '../training';
import { K_FLAG, METRIC_FLAG, analysisRequestOf, analyze, epochReader, resultsText } from './report';
import { calibrate, estimateSeconds, recentThroughput, type Throughput } from './sweepEstimate';
import { reportTraining } from './train';

/**
 * `polyloss sweep`: a base config (the flags of `polyloss train`, or --config) × a grid over ε, γ and
 * label smoothing × seeds, trained through the run queue under one sweep id, then summarised per group.
 *
 * The sweep's settings are saved as `<runs dir>/../sweeps/<sweep id>.json` (for the default runs
 * folder: `.polyloss/sweeps/`), next to the runs folder rather than in it, so run listings stay
 * runs only. `--resume` re-plans the sweep from that file and trains only the runs it lacks.
 */

export const DEFAULT_SWEEP_CONCURRENCY = 2;
export const DEFAULT_SWEEP_SEEDS = 3;
/** Above this many runs the sweep asks before starting (or needs --yes without a terminal). */
export const CONFIRM_ABOVE = 20;
/**
 * Runs a resumed sweep does not train again: finished ones (a diverged run is a result: the same seed
 * diverges again), and ones still going in another process. Cancelled, failed and interrupted runs are redone.
 */
const RESUME_DONE_STATUSES: readonly RunStatus[] = ['completed', 'diverged', 'queued', 'running'];

// ── Flags ───────────────────────────────────────────────────────────────────────────────────────

function parseEpsilonGrid(text: string): number[] {
  if (text.includes(':')) {
    const range = parseRange(text, 'ε');
    if (!range.ok) throw new Error(range.message);
    return range.value;
  }
  const list = parseEpsilonText(text);
  if (!list.ok) throw new Error(list.message);
  return Array.isArray(list.value) ? list.value : [list.value];
}

/** The train flags that the grid replaces (ε, γ, label smoothing), and those the sweep sets itself (seed, name). */
const REPLACED_TRAIN_FLAGS = new Set(['epsilon', 'gamma', 'label-smoothing', 'seed', 'name']);
const BASE_FLAGS = CONFIG_FLAGS.filter((flag) => !REPLACED_TRAIN_FLAGS.has(flag.name));

const GRID_FLAGS: readonly FlagSpec[] = [
  {
    name: 'epsilon', type: 'custom', parse: parseEpsilonGrid, valueName: 'LIST|START:STOP:STEP',
    description: 'ε values to try: a list (-1,0,1,2) or a range with its stop included (-1:2:1); a CE base becomes Poly-1, a focal base Poly-1 focal',
  },
  { name: 'gamma', type: 'numbers', min: 0, valueName: 'γ,γ…', description: 'focal γ values to try: a CE base becomes focal, a Poly-1 base Poly-1 focal' },
  { name: 'label-smoothing', type: 'numbers', min: 0, valueName: 'α,α…', description: 'label smoothing values to try, each in [0, 1)' },
  { ...SEEDS_FLAG, description: `seeds of every setting: a list (1,2,3) or one number n for seeds 1…n (default ${DEFAULT_SWEEP_SEEDS})` },
  { name: 'baseline', type: 'boolean', description: 'also run the baseline (CE; focal for Poly-1 focal) with every seed' },
];

const RESUME_FLAG: FlagSpec = {
  name: 'resume', type: 'string', valueName: 'SWEEP_ID',
  description: 'train what a stopped sweep lacks (cancelled, failed, interrupted and never started runs), with its saved settings',
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
  if (!given) return DEFAULT_SWEEP_SEEDS;
  if (given.length > 1) return given;
  if (given[0] < 1) throw new UsageError(`--seeds ${given[0]}: one number is a count n of seeds (seeds 1…n) and must be ≥ 1; list seeds to choose them, e.g. 0,1`);
  return given[0];
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
function baseConfigOf(flags: Record<string, FlagValue>, ctx: CliContext): RunConfig {
  const baseFlags = Object.fromEntries(Object.entries(flags).filter(([name]) => name === 'config' || BASE_FLAGS.some((f) => f.name === name)));
  const { configs, warnings } = buildTrainConfigs(baseFlags, ctx.cwd);
  for (const warning of warnings) writeLine(ctx.stderr, `warning: ${warning}`);
  return configs[0];
}

function plan(spec: SweepSpec, base: RunConfig, sweepId: string): SweepPlan {
  try {
    return planSweep(spec, base, sweepId);
  } catch (e) {
    if (e instanceof SweepError) throw new UsageError(explainSweepIssues(e.issues));
    throw e;
  }
}

// ── The saved sweep ─────────────────────────────────────────────────────────────────────────────

export interface SavedSweep {
  schemaVersion: 1;
  sweepId: string;
  createdAt: string;
  spec: SweepSpec;
  /** The validated base config the grid is applied to. */
  base: RunConfig;
}

const SAFE_SWEEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function sweepsDirOf(runsDir: string): string {
  return path.join(path.dirname(runsDir), 'sweeps');
}

export function sweepFilePath(runsDir: string, sweepId: string): string {
  return path.join(sweepsDirOf(runsDir), `${sweepId}.json`);
}

function saveSweep(runsDir: string, saved: SavedSweep): string {
  const file = sweepFilePath(runsDir, saved.sweepId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(saved, null, 2) + '\n');
  return file;
}

export function loadSweep(runsDir: string, sweepId: string): SavedSweep {
  if (!SAFE_SWEEP_ID.test(sweepId)) throw new UsageError(`--resume: '${sweepId}' is not a sweep id (letters, digits, '.', '_' and '-')`);
  const file = sweepFilePath(runsDir, sweepId);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--resume: cannot read ${file} (${(e as Error).message})`);
    let known: string[] = [];
    try {
      known = fs.readdirSync(sweepsDirOf(runsDir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort().slice(-5);
    } catch {
      known = [];
    }
    throw new UsageError(`--resume: no saved sweep '${sweepId}' (looked for ${file})${known.length ? `; recent sweeps: ${known.join(', ')}` : ''}`);
  }
  let saved: Partial<SavedSweep>;
  try {
    saved = JSON.parse(text) as Partial<SavedSweep>;
  } catch (e) {
    throw new UsageError(`--resume: ${file} is not valid JSON (${(e as Error).message})`);
  }
  const spec = validateSweepSpec(saved.spec);
  if (!spec.ok) throw new UsageError(`--resume: ${file} has no valid sweep spec:\n${formatIssues(spec.errors)}`);
  const base = validateRunConfig(saved.base);
  if (!base.ok) throw new UsageError(`--resume: ${file} has no valid base config:\n${formatIssues(base.errors)}`);
  return { schemaVersion: 1, sweepId, createdAt: String(saved.createdAt ?? ''), spec: spec.value, base: base.value };
}

// ── Estimate and confirmation ───────────────────────────────────────────────────────────────────

function describeSize(configs: readonly RunConfig[]): string {
  const settings = new Set(configs.map(groupKey)).size;
  const seeds = new Set(configs.map((c) => c.seed)).size;
  return `${configs.length} run${configs.length === 1 ? '' : 's'} (${settings} setting${settings === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'})`;
}

function describeEstimate(configs: readonly RunConfig[], throughput: Throughput | undefined, concurrency: number, calibrationError?: string): string {
  const seconds = throughput && estimateSeconds(configs, throughput, concurrency);
  if (!throughput || seconds === undefined) return `time unknown (${calibrationError ? `the calibration run failed: ${calibrationError}` : 'the calibration run gave no timing'})`;
  return `about ${formatDuration(seconds * 1000)} on this machine (from ${throughput.source}: `
    + `${Math.round(throughput.samplesPerSec).toLocaleString('en-US')} samples/s, ${throughput.overheadSeconds.toFixed(1)} s start-up per run)`;
}

/**
 * The time the runs will take, in words: from the speed of recent runs like them, else from a short
 * calibration run. Undefined when Ctrl-C stopped the calibration.
 */
async function estimate(todo: readonly RunConfig[], concurrency: number, runsDir: string, ctx: CliContext): Promise<string | undefined> {
  const recent = recentThroughput(listRuns(runsDir).runs, todo[0]);
  if (recent) return describeEstimate(todo, recent, concurrency);
  writeLine(ctx.stderr, 'Measuring the training speed of this machine with a short calibration run…');
  const calibration = await calibrate(todo[0], ctx);
  if (calibration.interrupted) return undefined;
  return describeEstimate(todo, calibration.throughput, concurrency, calibration.error);
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

// ── The command ─────────────────────────────────────────────────────────────────────────────────

interface PlannedWork {
  sweepId: string;
  plan: SweepPlan;
  /** The configs to train now: all of a new sweep, the missing ones of a resumed one. */
  todo: RunConfig[];
  /** Set for a new sweep: saved once the user agreed to start it. */
  toSave?: SavedSweep;
}

function newSweep(flags: Record<string, FlagValue>, ctx: CliContext): PlannedWork {
  const spec = sweepSpecOf(flags);
  const base = baseConfigOf(flags, ctx);
  const sweepId = generateSweepId();
  const planned = plan(spec, base, sweepId);
  return { sweepId, plan: planned, todo: planned.configs, toSave: { schemaVersion: 1, sweepId, createdAt: new Date().toISOString(), spec, base } };
}

function resumedSweep(sweepId: string, flags: Record<string, FlagValue>, runsDir: string, ctx: CliContext): PlannedWork {
  const settingFlags = Object.keys(flags).filter((name) => name === 'config' || BASE_FLAGS.some((f) => f.name === name) || GRID_FLAGS.some((f) => f.name === name));
  if (settingFlags.length > 0) {
    throw new UsageError(`--resume uses the sweep's saved settings; leave out ${settingFlags.map((n) => `--${n}`).join(', ')}`);
  }
  const saved = loadSweep(runsDir, sweepId);
  const planned = plan(saved.spec, saved.base, saved.sweepId);
  reconcileBeforeReading(runsDir, ctx);
  const existing = listRuns(runsDir).runs.filter((r) => r.config.sweepId === sweepId);
  const todo = missingRuns(planned.configs, existing, RESUME_DONE_STATUSES);
  writeLine(ctx.stderr, `Sweep ${sweepId}: ${planned.configs.length - todo.length} of ${planned.configs.length} runs are done or still running; ${todo.length} to train.`);
  return { sweepId, plan: planned, todo };
}

export const sweepCommand: Command = {
  spec: {
    name: 'sweep',
    summary: 'Train a grid of runs: a base config (the flags of polyloss train, or --config) × ε (× γ, label smoothing) × seeds, '
      + 'under one sweep id, then print mean ± std per setting, confidence intervals and the comparison with the baseline. '
      + `Asks before starting more than ${CONFIRM_ABOVE} runs. The settings are saved in <runs dir>/../sweeps/<id>.json for --resume.`,
    flags: [...BASE_FLAGS, CONFIG_FILE_FLAG, ...GRID_FLAGS,
      { ...CONCURRENCY_FLAG, description: `runs training at once (default ${DEFAULT_SWEEP_CONCURRENCY})` },
      { name: 'yes', type: 'boolean', description: `start without asking, also above ${CONFIRM_ABOVE} runs` },
      RESUME_FLAG, METRIC_FLAG, K_FLAG, ...GLOBAL_FLAGS],
    examples: [
      'polyloss sweep --dataset digits --loss ce --epsilon -1:2:1 --seeds 3 --baseline --epochs 5',
      'polyloss sweep --config base.json --epsilon -1,0,1,2 --label-smoothing 0,0.1 --seeds 1,2,3 --concurrency 2 --yes',
      'polyloss sweep --resume sweep-20261128-105300-3f9a1c',
    ],
  },
  async run({ args, ctx, json, runsDir }) {
    const { flags } = args;
    const request = analysisRequestOf(flags);
    const concurrency = (flags.concurrency as number | undefined) ?? DEFAULT_SWEEP_CONCURRENCY;
    const work = typeof flags.resume === 'string' ? resumedSweep(flags.resume, flags, runsDir, ctx) : newSweep(flags, ctx);
    const { sweepId, todo } = work;
    for (const note of work.plan.notes) writeLine(ctx.stderr, `note: ${note}`);
    for (const warning of work.plan.warnings) writeLine(ctx.stderr, `warning: ${warning.message}`);
    const runsDirFlag = typeof flags['runs-dir'] === 'string' ? ` --runs-dir ${flags['runs-dir']}` : '';

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
    const eta = await estimate(todo, concurrency, runsDir, ctx);
    if (eta === undefined) {
      writeLine(ctx.stderr, 'Interrupted before the sweep started: nothing was trained.');
      return EXIT_INTERRUPTED;
    }
    writeLine(ctx.stderr, `Sweep ${sweepId}: ${describeSize(todo)}, ${concurrency} at a time; ${eta}.`);
    if (ask && !(await confirm(ctx, `Start ${todo.length} runs? [y/N] `))) {
      writeLine(ctx.stderr, 'Nothing was started.');
      return EXIT_RUN_FAILED;
    }
    const savedFile = work.toSave && saveSweep(runsDir, work.toSave);
    if (savedFile) writeLine(ctx.stderr, `Sweep settings saved to ${savedFile}`);

    let result: TrainingResult;
    try {
      result = await runTraining(todo, { runsDir, concurrency, ctx });
    } catch (e) {
      // Nothing started (unusable data, unwritable runs folder): leave no sweep behind to resume.
      if (savedFile && !listRuns(runsDir).runs.some((r) => r.config.sweepId === sweepId)) fs.rmSync(savedFile, { force: true });
      throw e;
    }
    if (!json) reportTraining(ctx, false, result);
    printResults({ ran: result.records, interrupted: result.interruptedBy ?? null, exitCode: result.exitCode });
    if (result.records.some((r) => r.status !== 'completed' && r.status !== 'diverged')) {
      writeLine(ctx.stderr, `To train the runs that did not finish: polyloss sweep --resume ${sweepId}${runsDirFlag}`);
    }
    if (!json) writeLine(ctx.stderr, `For a report with charts: polyloss report ${sweepId}${runsDirFlag} --out DIR`);
    return result.exitCode;
  },
};
