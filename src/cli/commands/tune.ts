import { SUMMARY_METRICS } from '../../core/grouping';
import type { RunConfig } from '../../core/runConfig';
import type { RunRecord } from '../../core/runFormat';
import { generateSweepId } from '../../core/sweep';
import {
  DEFAULT_EPSILON_RANGE, DEFAULT_MIN_EFFECT_POINTS, DEFAULT_TUNE_OPTIONS, TuneError, checkTuneOptions, describeLook, describeRounds, epsilonText,
  parseEpsilonRange, tuneAnswer, tuneSettingsOf, type TuneOptions, type TuneSettings, type TuneState,
} from '../../core/tune';
import { TuneBusyError, driveTune, type TuneDriver, type TuneWork } from '../../runner/tuneDriver';
import { listRuns } from '../../store/runStore';
import { removeSavedSweep, sweepFilePath, sweepFolderOf } from '../../store/sweepFiles';
import { UsageError, type FlagSpec, type FlagValue } from '../args';
import { GLOBAL_FLAGS, reconcileBeforeReading, writeJson, writeLine, type Command, type CliContext } from '../context';
import { CONCURRENCY_FLAG, CONFIG_FILE_FLAG } from '../trainConfig';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, runTraining } from '../training';
import { COMMAND_FLAG, PYTHON_FLAG, commandLaunchSettings } from '../commandRuns';
import { EXECUTOR_FLAG, SLURM_FLAGS, checkSlurmReachable, isSlurm, slurmOptionsOf, submitToSlurm } from '../slurm';
import { K_FLAG, METRIC_FLAG, analysisRequestOf, epochReader } from './report';
import { BASE_FLAGS, DEFAULT_SWEEP_CONCURRENCY, baseConfigOf, loadSaved } from './sweep';

/**
 * `polyloss tune`: finds the best ε of Poly-1 against CE for a base config with as few runs as the
 * answer needs (the planner in core/tune), every run under one sweep id so that `report`, the
 * dashboard's Sweep tab and `--resume` work on it. The sweep file keeps the search's options and rounds.
 */

/** The base flags minus the loss: a tune always compares Poly-1 ε with CE. */
const LOSS_FLAGS = new Set(['loss', 'activation', 'alpha']);
const TUNE_BASE_FLAGS = BASE_FLAGS.filter((flag) => !LOSS_FLAGS.has(flag.name));

function parseRange(text: string): FlagValue {
  const range = parseEpsilonRange(text);
  if (!range.ok) throw new Error(range.message);
  return [range.value.min, range.value.max];
}

const TUNE_FLAGS: readonly FlagSpec[] = [
  { name: 'epsilon', type: 'custom', parse: parseRange, valueName: 'MIN:MAX', description: `the ε range to search (default ${DEFAULT_EPSILON_RANGE.min}:${DEFAULT_EPSILON_RANGE.max})` },
  { name: 'allow-non-monotone', type: 'boolean', description: 'allow ε below -1, where Poly-1 is no longer monotone in Pt' },
  { name: 'budget', type: 'integer', valueName: 'N', description: `the most runs, CE's included (default ${DEFAULT_TUNE_OPTIONS.budget})` },
  { name: 'min-effect', type: 'number', valueName: 'PTS', description: `the smallest gain over CE worth finding, in points for accuracies (default ${DEFAULT_MIN_EFFECT_POINTS})` },
  { name: 'seeds', type: 'integer', valueName: 'N', description: `seeds of every setting in the first round, at least 2 (default ${DEFAULT_TUNE_OPTIONS.initialSeeds}); later rounds add more` },
  { name: 'alpha', type: 'number', valueName: 'α', description: `the chance of naming a winner that is not better than CE, at most (default ${DEFAULT_TUNE_OPTIONS.alpha})` },
];

const RESUME_FLAG: FlagSpec = {
  name: 'resume', type: 'string', valueName: 'SWEEP_ID', description: 'continue a stopped tune where it stopped, with its saved settings',
};

/** The flag each option comes from, for the planner's errors. */
const FLAG_OF_OPTION: Partial<Record<keyof TuneOptions, string>> = {
  range: '--epsilon', budget: '--budget', initialSeeds: '--seeds', minEffect: '--min-effect', alpha: '--alpha',
};

/** The settings `make` builds, checked; a TuneError becomes a usage error naming the flag. */
function checked(make: () => TuneSettings): TuneSettings {
  try {
    const settings = make();
    checkTuneOptions(settings.options);
    return settings;
  } catch (e) {
    if (!(e instanceof TuneError)) throw e;
    const flag = FLAG_OF_OPTION[e.field];
    throw new UsageError(flag ? `${flag}: ${e.message}${e.field === 'range' && /below -1/.test(e.message) ? ' (--allow-non-monotone)' : ''}` : e.message);
  }
}

function settingsOf(flags: Record<string, FlagValue>): TuneSettings {
  const { metric, k } = analysisRequestOf(flags);
  const [min, max] = (flags.epsilon as number[] | undefined) ?? [DEFAULT_EPSILON_RANGE.min, DEFAULT_EPSILON_RANGE.max];
  return checked(() => tuneSettingsOf({
    range: { min, max }, metric, k,
    budget: flags.budget as number | undefined,
    minEffect: flags['min-effect'] as number | undefined,
    seeds: flags.seeds as number | undefined,
    alpha: flags.alpha as number | undefined,
    allowBelowMinusOne: flags['allow-non-monotone'] === true,
  }));
}

function newTune(flags: Record<string, FlagValue>, ctx: CliContext): TuneWork {
  const settings = settingsOf(flags);
  const given = baseConfigOf(flags, ctx);
  if (flags.config !== undefined && given.loss.type !== 'ce') writeLine(ctx.stderr, `note: the config's ${given.loss.type} loss is replaced: a tune compares Poly-1 ε with CE`);
  const base: RunConfig = { ...given, loss: { type: 'ce', ...(given.loss.labelSmoothing !== undefined ? { labelSmoothing: given.loss.labelSmoothing } : {}) } };
  return { sweepId: generateSweepId(), createdAt: new Date().toISOString(), base, settings, resumed: false };
}

function resumedTune(sweepId: string, flags: Record<string, FlagValue>, runsDir: string): TuneWork {
  const settingFlags = Object.keys(flags).filter((name) => name === 'config' || name === 'command' || [...TUNE_BASE_FLAGS, ...TUNE_FLAGS, METRIC_FLAG, K_FLAG].some((f) => f.name === name));
  if (settingFlags.length > 0) throw new UsageError(`--resume uses the tune's saved settings; leave out ${settingFlags.map((n) => `--${n}`).join(', ')}`);
  const saved = loadSaved(runsDir, sweepId);
  if (!saved.tune) throw new UsageError(`--resume: sweep ${sweepId} is not a tune (it was made by polyloss sweep): resume it with polyloss sweep --resume ${sweepId}`);
  const { options, metric, k } = saved.tune;
  return { sweepId, createdAt: saved.createdAt, base: saved.base, settings: { options, metric, ...(k !== undefined ? { k } : {}) }, resumed: true, slurm: saved.slurm };
}

/** "ε from −1 to 4, budget 40 runs, minimum effect 0.5 pts on test acc, α = 0.05" */
function describeSettings(settings: TuneSettings): string {
  const { options, metric } = settings;
  const info = SUMMARY_METRICS[metric];
  const effect = info.percent ? `${Number((options.minEffect * 100).toFixed(6))} pts` : String(options.minEffect);
  return `ε from ${epsilonText(options.range.min)} to ${epsilonText(options.range.max)}, budget ${options.budget} runs, `
    + `minimum effect ${effect} on ${info.label}, α = ${options.alpha}`;
}

/**
 * The answer and the numbers behind it, as `--json` prints them (differences in points for accuracies).
 * The differences are the planner's, as in `rounds` and the sweep file: oriented so that positive is
 * better (for ECE, a lower ECE); the answer's text says them as measured.
 */
function jsonResult(work: TuneWork, state: TuneState, runsDir: string, stoppedBecause: string, exitCode: number): unknown {
  const info = SUMMARY_METRICS[work.settings.metric];
  const factor = info.percent ? 100 : 1;
  const best = state.next.kind === 'stop' ? state.next.best : null;
  return {
    sweepId: work.sweepId,
    sweepFile: sweepFilePath(runsDir, work.sweepId),
    metric: work.settings.metric,
    unit: info.percent ? 'pts' : info.label,
    best: best && best.difference !== null ? {
      epsilon: best.epsilon,
      difference: best.difference * factor,
      ci: best.ci ? { low: best.ci.low * factor, high: best.ci.high * factor } : null,
      pAdjusted: best.pAdjusted,
      significant: best.significant,
      seeds: best.n,
    } : null,
    runs: state.runs,
    budget: work.settings.options.budget,
    stoppedBecause,
    answer: state.next.kind === 'stop' ? answerOf(work, state) : null,
    rounds: state.rounds,
    exitCode,
  };
}

function answerOf(work: TuneWork, state: TuneState): string {
  if (state.next.kind !== 'stop') return '';
  const { options, metric } = work.settings;
  return tuneAnswer({ reason: state.next.reason, best: state.next.best, runs: state.runs, budget: options.budget, minEffect: options.minEffect }, SUMMARY_METRICS[metric]);
}

export const tuneCommand: Command = {
  spec: {
    name: 'tune',
    summary: 'Find the best Poly-1 ε against CE for a base config (the flags of polyloss sweep) with as few runs as the answer needs: '
      + 'rounds on paired seeds that drop clearly worse ε, add seeds to the others and refine around the best, until one ε is '
      + 'significantly better than CE (Holm-adjusted over every ε and round, α = 0.05), none can beat CE by the minimum effect, or the budget is spent. '
      + 'Every run is under one sweep id (report, dashboard); Ctrl-C stops, --resume continues.',
    flags: [...TUNE_BASE_FLAGS, CONFIG_FILE_FLAG, COMMAND_FLAG, PYTHON_FLAG, ...TUNE_FLAGS, METRIC_FLAG, K_FLAG,
      { ...CONCURRENCY_FLAG, description: `runs training at once (default ${DEFAULT_SWEEP_CONCURRENCY})` },
      EXECUTOR_FLAG, ...SLURM_FLAGS, RESUME_FLAG, ...GLOBAL_FLAGS],
    examples: [
      'polyloss tune --dataset digits --imbalance 20 --label-noise 0.3 --epochs 10',
      'polyloss tune --config base.json --epsilon -1:2 --budget 60 --min-effect 1 --json',
      'polyloss tune --dataset digits --epochs 10 --executor slurm --slurm-partition gpu --slurm-time 00:30:00',
      'polyloss tune --command "python3 train.py --epochs 5" --epsilon -1:2 --metric final',
      'polyloss tune --resume sweep-20261206-181500-3f9a1c0d',
    ],
  },
  async run({ args, ctx, json, runsDir }) {
    const { flags } = args;
    const concurrency = (flags.concurrency as number | undefined) ?? DEFAULT_SWEEP_CONCURRENCY;
    const work = typeof flags.resume === 'string' ? resumedTune(flags.resume, flags, runsDir) : newTune(flags, ctx);
    if (work.resumed) reconcileBeforeReading(runsDir, ctx);
    // Each round is one Slurm job array, followed to its end; a tune that was on Slurm resumes there.
    const lastArray = work.slurm?.submissions.at(-1);
    const executorFlags = lastArray && flags.executor === undefined ? { ...flags, executor: 'slurm' } : flags;
    const slurmOptions = slurmOptionsOf(executorFlags, lastArray?.options);
    if (isSlurm(executorFlags)) checkSlurmReachable();
    const python = flags.python as string | undefined;
    commandLaunchSettings([work.base], python, ctx); // a missing script or interpreter stops here, before any run
    writeLine(ctx.stderr, `Tune ${work.sweepId}${work.resumed ? ' (resumed)' : ''}: ${describeSettings(work.settings)}.`);

    const epochs = epochReader(runsDir);
    const scale = SUMMARY_METRICS[work.settings.metric];
    let lookShown = 0;
    let interrupted = false;
    const driver: TuneDriver = {
      runsDir, sweepId: work.sweepId, createdAt: work.createdAt, base: work.base, settings: work.settings,
      listRuns: () => listRuns(runsDir).runs,
      epochsOf: (run) => epochs(run.id),
      onState: (state) => {
        // Each finished look once, as it is decided; then what the next round runs.
        for (const round of state.rounds.filter((r) => r.look && r.round > lookShown)) {
          writeLine(ctx.stderr, describeLook(round, scale));
          lookShown = round.round;
        }
        if (state.next.kind === 'run') {
          writeLine(ctx.stderr, `Round ${state.next.round}: training ${state.next.runs.length} run${state.next.runs.length === 1 ? '' : 's'} `
            + `(${state.runs} of the budget of ${work.settings.options.budget} planned so far)…`);
        }
      },
      train: async (configs: RunConfig[]): Promise<RunRecord[]> => {
        const result = isSlurm(executorFlags)
          ? (await submitToSlurm({
            configs, runsDir, ctx, options: slurmOptions, folder: sweepFolderOf(runsDir, work.sweepId), jobName: `polyloss-${work.sweepId}`,
            sweepId: work.sweepId, wait: true, json, python,
          })).result!
          : await runTraining(configs, { runsDir, concurrency, ctx, python });
        if (result.interruptedBy) interrupted = true;
        return result.records;
      },
    };

    let outcome;
    try {
      outcome = await driveTune(driver);
    } catch (e) {
      if (e instanceof TuneBusyError) throw new UsageError(`--resume: ${e.message}`);
      // Not one run could be made (unusable data, unwritable folder): leave nothing to resume.
      if (!work.resumed && !listRuns(runsDir).runs.some((r) => r.config.sweepId === work.sweepId)) removeSavedSweep(runsDir, work.sweepId);
      throw e;
    }
    const { state } = outcome;
    const runsDirFlag = typeof flags['runs-dir'] === 'string' ? ` --runs-dir ${flags['runs-dir']}` : '';
    let exitCode = EXIT_OK;
    let stoppedBecause: string = state.next.kind === 'stop' ? state.next.reason : 'interrupted';
    if (state.next.kind !== 'stop') {
      exitCode = interrupted || outcome.stopped ? EXIT_INTERRUPTED : EXIT_RUN_FAILED;
      if (outcome.failed.length > 0 && !interrupted) {
        stoppedBecause = 'runs-failed';
        for (const run of outcome.failed) writeLine(ctx.stderr, `${run.id} ${run.status}${run.error ? `: ${run.error}` : ''}`);
      }
      writeLine(ctx.stderr, `Stopped in round ${state.next.round}. To continue where it stopped: polyloss tune --resume ${work.sweepId}${runsDirFlag}`);
    }
    if (json) {
      writeJson(ctx, jsonResult(work, state, runsDir, stoppedBecause, exitCode));
      return exitCode;
    }
    writeLine(ctx.stdout, describeRounds(state.rounds, work.settings.options.minEffect, scale).join('\n'));
    if (state.next.kind === 'stop') writeLine(ctx.stdout, `\n${answerOf(work, state)}.`);
    writeLine(ctx.stderr, `For a report with charts: polyloss report ${work.sweepId}${runsDirFlag} --out DIR`);
    return exitCode;
  },
};
