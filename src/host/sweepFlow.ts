// The steps of "Run Sweep…" as plain data and functions: where the base config comes from, how each
// typed grid is checked (with the messages of parseGrid and the sweep validation), how many runs the
// answers make, and the saved spec. No vscode import; sweepWizard.ts shows the steps.
import { groupKey } from '../core/grouping';
import { formatArgv } from '../core/commandRun';
import { describeLoss } from '../core/lossSpec';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import {
  SweepError, describeSweepSize, parseGrid, planSweep, validateSweepSpec, type SweepPlan, type SweepSpec,
} from '../core/sweep';
import { validateRunConfig } from '../core/validate';
import { sweepEstimate, type Calibration } from '../runner/sweepEstimate';
import { aboutDuration } from '../core/timeEstimate';
import { configFor, initialChoices, parseSeeds, type NewRunSettings } from './newRunFlow';

export type SweepStepId = 'base' | 'epsilon' | 'gamma' | 'labelSmoothing' | 'seeds' | 'baseline' | 'confirm';
export const SWEEP_STEPS: readonly SweepStepId[] = ['base', 'epsilon', 'gamma', 'labelSmoothing', 'seeds', 'baseline', 'confirm'];

/** The answers so far, as typed. */
export interface SweepChoices {
  base: RunConfig;
  epsilonText: string;
  /** '' = γ is not swept. */
  gammaText: string;
  /** '' = label smoothing is not swept. */
  labelSmoothingText: string;
  seedsText: string;
  baseline: boolean;
}

export const DEFAULT_SWEEP_TEXT = { epsilonText: '-1:2:1', gammaText: '', labelSmoothingText: '', seedsText: '3' } as const;

// ── The base config ─────────────────────────────────────────────────────────────────────────────

export interface BaseCandidate {
  label: string;
  description: string;
  detail: string;
  config: RunConfig;
  /** The run it comes from; none for the New Run defaults. */
  runId?: string;
}

/** A run's config as a sweep base: without its name, sweep and experiment (the sweep sets its own). */
export function baseFromRun(record: RunRecord): RunConfig {
  const { name: _name, sweepId: _sweepId, experiment: _experiment, ...config } = structuredClone(record.config);
  return config;
}

/** The New Run defaults of the settings, with CE as the loss the grid turns into Poly-1. */
export function defaultBase(settings: NewRunSettings): RunConfig {
  const config = { ...configFor(initialChoices(settings), settings, 1), loss: { type: 'ce' as const } };
  const checked = validateRunConfig(config);
  if (!checked.ok) throw new Error(`the New Run defaults are not a valid config: ${checked.errors[0].message}`);
  return checked.value;
}

function describeBase(config: RunConfig): string {
  if (config.command !== undefined) return `${formatArgv(config.command.argv)} · ${describeLoss(config.loss)}`;
  const d = config.dataset;
  const data = d.path ? `${d.name} (${d.path.split(/[\\/]/).pop()})` : d.name;
  const samples = d.maxSamples ? ` ≤${d.maxSamples} samples` : '';
  return `${data}${samples} · ${config.model.type} · ${describeLoss(config.loss)} · ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} · batch ${config.batchSize}`;
}

/** How many recent runs (with settings not offered yet) the base step lists. */
const RECENT_BASES = 5;

/**
 * The bases offered, in order: the run the command was invoked on, the ticked runs, the newest
 * runs with settings not listed yet, then the New Run defaults. Each run once.
 */
export function baseCandidates(
  runs: readonly RunRecord[], opts: { clickedRunId?: string; selection?: readonly string[]; defaults: RunConfig },
): BaseCandidate[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const newest = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const chosen: { record: RunRecord; why: string }[] = [];
  const add = (record: RunRecord | undefined, why: string): void => {
    if (record && !chosen.some((c) => c.record.id === record.id)) chosen.push({ record, why });
  };
  add(opts.clickedRunId === undefined ? undefined : byId.get(opts.clickedRunId), 'this run');
  for (const id of opts.selection ?? []) add(byId.get(id), 'ticked');
  const settingsShown = new Set(chosen.map((c) => groupKey(baseFromRun(c.record))));
  let recent = 0;
  for (const record of newest) {
    if (recent >= RECENT_BASES) break;
    const key = groupKey(baseFromRun(record));
    if (settingsShown.has(key)) continue;
    settingsShown.add(key);
    add(record, recent === 0 ? 'last run' : 'recent run');
    recent++;
  }
  return [
    ...chosen.map(({ record, why }) => ({
      label: record.name, description: `${why} · ${record.status}`, detail: describeBase(record.config), config: baseFromRun(record), runId: record.id,
    })),
    { label: 'New Run defaults', description: 'from the polyloss.defaults settings', detail: describeBase(opts.defaults), config: opts.defaults },
  ];
}

/** The baseline the sweep can add: CE for a CE/Poly base, focal for a focal/Poly-1 focal base. */
export function baselineName(base: RunConfig, choices?: Pick<SweepChoices, 'gammaText'>): string {
  const focal = base.loss.type === 'focal' || base.loss.type === 'poly-focal' || (choices !== undefined && choices.gammaText.trim() !== '');
  return focal ? 'focal' : 'CE';
}

// ── Typed values ────────────────────────────────────────────────────────────────────────────────

const FIELD_NAMES = { epsilon: 'ε', gamma: 'γ', labelSmoothing: 'label smoothing', seeds: 'seeds' } as const;
type TextStep = keyof typeof FIELD_NAMES;
const TEXT_FIELDS: Readonly<Record<TextStep, 'epsilonText' | 'gammaText' | 'labelSmoothingText' | 'seedsText'>> = {
  epsilon: 'epsilonText', gamma: 'gammaText', labelSmoothing: 'labelSmoothingText', seeds: 'seedsText',
};

/** What each typed step asks: its title, the line under the box, and an example as placeholder. */
export const SWEEP_STEP_TEXT: Readonly<Record<TextStep, { title: string; prompt: string; placeholder: string }>> = {
  epsilon: {
    title: 'ε values (Poly-1)',
    prompt: 'ε values: a list, or a range start:stop:step with the stop included',
    placeholder: 'e.g. -1, 0, 1, 2  or  -1:2:1',
  },
  gamma: {
    title: 'γ values (focal loss)',
    prompt: 'γ values to sweep for the focal loss, as a list or a range; empty keeps the base\'s γ',
    placeholder: 'e.g. 0, 1, 2  (empty: γ is not swept)',
  },
  labelSmoothing: {
    title: 'Label smoothing values',
    prompt: 'Label smoothing values in [0, 1), as a list or a range; empty keeps the base\'s',
    placeholder: 'e.g. 0, 0.1  (empty: label smoothing is not swept)',
  },
  seeds: {
    title: 'Seeds',
    prompt: 'Seeds of every setting: a count n for seeds 1…n, or a list',
    placeholder: 'e.g. 3 (seeds 1…3), 1,2,5 or 1-5',
  },
};

export function textFieldOf(step: TextStep): (typeof TEXT_FIELDS)[TextStep] {
  return TEXT_FIELDS[step];
}

/** "3" is a count (seeds 1…3); "1,2,5" or "1-5" list the seeds. */
export function parseSweepSeeds(text: string): { ok: true; value: SweepSpec['seeds'] } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    return n >= 1 ? { ok: true, value: n } : { ok: false, message: 'seeds: one number is a count n of seeds (seeds 1…n) and must be ≥ 1; list seeds to choose them, e.g. 0,1' };
  }
  const list = parseSeeds(trimmed);
  return list.ok ? { ok: true, value: list.seeds } : { ok: false, message: list.message };
}

/** The sweep spec the answers describe, or the first message about a value that does not parse. */
export function specOf(choices: SweepChoices): { ok: true; spec: SweepSpec } | { ok: false; step: SweepStepId; message: string } {
  const spec: SweepSpec = { seeds: 1 };
  for (const step of ['epsilon', 'gamma', 'labelSmoothing'] as const) {
    const text = choices[TEXT_FIELDS[step]].trim();
    if (text === '' && step !== 'epsilon') continue;
    const grid = parseGrid(text, FIELD_NAMES[step]);
    if (!grid.ok) return { ok: false, step, message: grid.message };
    spec[step] = grid.value;
  }
  const seeds = parseSweepSeeds(choices.seedsText);
  if (!seeds.ok) return { ok: false, step: 'seeds', message: seeds.message };
  spec.seeds = seeds.value;
  if (choices.baseline) spec.baseline = true;
  return { ok: true, spec };
}

/** "sweep.labelSmoothing[1] must be in [0, 1) (got 1)" → "label smoothing: each value must be in [0, 1) (got 1)". */
function explain(message: string, path: string): string {
  const step = (Object.keys(FIELD_NAMES) as TextStep[]).find((s) => path === `sweep.${s}` || path.startsWith(`sweep.${s}[`));
  if (!step) return message;
  const item = /^sweep\.\w+\[\d+\] /.exec(message);
  if (item) return `${FIELD_NAMES[step]}: each value ${message.slice(item[0].length)}`;
  return message.startsWith(`sweep.${step} `) ? `${FIELD_NAMES[step]} ${message.slice(`sweep.${step} `.length)}` : message;
}

/** The plan of the answers, or the message to show (under the step it belongs to). */
export function planOf(choices: SweepChoices, sweepId = 'sweep-preview'): { ok: true; spec: SweepSpec; plan: SweepPlan } | { ok: false; step: SweepStepId; message: string } {
  const parsed = specOf(choices);
  if (!parsed.ok) return parsed;
  const checked = validateSweepSpec(parsed.spec);
  if (!checked.ok) {
    const issue = checked.errors[0];
    const step = (Object.keys(FIELD_NAMES) as TextStep[]).find((s) => issue.path.startsWith(`sweep.${s}`)) ?? 'epsilon';
    return { ok: false, step, message: explain(issue.message, issue.path) };
  }
  try {
    return { ok: true, spec: parsed.spec, plan: planSweep(parsed.spec, choices.base, sweepId) };
  } catch (e) {
    if (!(e instanceof SweepError)) throw e;
    const issue = e.issues[0];
    const step = (Object.keys(FIELD_NAMES) as TextStep[]).find((s) => issue.path.startsWith(`sweep.${s}`))
      ?? (issue.path.includes('labelSmoothing') ? 'labelSmoothing' : issue.path.includes('gamma') ? 'gamma' : 'epsilon');
    return { ok: false, step, message: explain(issue.message, issue.path) };
  }
}

/**
 * The message under an input box while the user types `text` at `step`: an error about this value,
 * or undefined when it is fine. Values of later steps are not judged yet.
 */
export function validateSweepStep(step: TextStep, text: string, choices: SweepChoices): string | undefined {
  const trial = { ...choices, [TEXT_FIELDS[step]]: text };
  const planned = planOf(trial);
  if (planned.ok) return undefined;
  return planned.step === step || SWEEP_STEPS.indexOf(planned.step) < SWEEP_STEPS.indexOf(step) ? planned.message : undefined;
}

/** Notes worth showing while typing, e.g. that ε = 0 is CE, or that ε < −1 is not monotone. */
export function sweepNotes(plan: SweepPlan): string[] {
  return [...plan.notes, ...plan.warnings.map((w) => w.message)];
}

// ── Size and time ───────────────────────────────────────────────────────────────────────────────

/** Where the estimate stands: still measuring, or measured (possibly without a result). */
export type SpeedState = { measuring: true } | { measuring: false; measured: Calibration };

/** "about 2 min", "estimating the time…" or "time unknown (…)", for `configs` run `concurrency` at a time. */
export function etaText(configs: readonly RunConfig[], speed: SpeedState | undefined, concurrency: number): string {
  if (!speed || speed.measuring) return 'estimating the time…';
  if (speed.measured.interrupted) return 'time unknown';
  const { seconds, basis } = sweepEstimate(configs, speed.measured, concurrency);
  return seconds === undefined ? `time unknown (${basis})` : aboutDuration(seconds);
}

/** The estimate's basis in words, for the confirmation ("from speed of 3 recent runs like these: …"). */
export function etaBasis(configs: readonly RunConfig[], speed: SpeedState | undefined, concurrency: number): string {
  if (!speed || speed.measuring) return 'measuring the training speed of this machine with a short calibration run…';
  if (speed.measured.interrupted) return 'the speed was not measured';
  return `${sweepEstimate(configs, speed.measured, concurrency).basis}; ${concurrency} at a time`;
}

/** "12 runs (4 settings × 3 seeds) · about 2 min" */
export function sizeAndEta(configs: readonly RunConfig[], speed: SpeedState | undefined, concurrency: number): string {
  return `${describeSweepSize(configs)} · ${etaText(configs, speed, concurrency)}`;
}
