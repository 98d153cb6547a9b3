// The steps of "New Run…" as plain data and functions: which steps a choice of loss needs, how each
// typed value is checked, and the RunConfigs the answers make (one per seed). No vscode import;
// newRunWizard.ts shows these steps with quick inputs.
import { scriptNameOf, splitCommandLine } from '../core/commandRun';
import { describeLoss, type LossSpec, type LossType } from '../core/lossSpec';
import type { BackendChoice, BuiltinRunConfig, CommandSpec, DatasetName, ModelType, RunConfig } from '../core/runConfig';
import { DEFAULT_CONFIG } from '../core/runConfig';
import { parseEpsilonText, validateRunConfig, type Issue } from '../core/validate';

export type StepId = 'dataset' | 'model' | 'loss' | 'gamma' | 'epsilon' | 'epochs' | 'seeds';

/** The answers, as typed: kept between runs (workspaceState) to prefill the next New Run. */
export interface NewRunChoices {
  /** The built-in engine, or the user's script (then dataset, model and epochs are not asked). */
  trainer: 'builtin' | 'script';
  /** script: the command line as typed, e.g. `python3 train.py --epochs 5`. */
  scriptCommand?: string;
  /** script: the folder it runs in (a picked file's folder; default the workspace folder). */
  scriptCwd?: string;
  dataset: DatasetName;
  /** csv: the file; idx: the images file. */
  datasetPath?: string;
  /** idx: the labels file. */
  labelsPath?: string;
  model: ModelType;
  lossType: LossType;
  epsilonText: string;
  gammaText: string;
  epochsText: string;
  seedsText: string;
}

/** Settings that New Run does not ask for, and the defaults of the asked ones. */
export interface NewRunSettings {
  dataset: string;
  model: ModelType;
  epochs: number;
  batchSize: number;
  learningRate: number;
  backend: BackendChoice;
}

export const MAX_SEEDS = 50;

export const LOSS_CHOICES: readonly { type: LossType; label: string; detail: string }[] = [
  { type: 'poly', label: 'Poly', detail: 'CE + ε·(1−Pt) (Poly-1), or Σ εj·(1−Pt)^j added to CE (Poly-N)' },
  { type: 'ce', label: 'Cross-entropy', detail: 'The baseline: −log Pt' },
  { type: 'focal', label: 'Focal', detail: '−(1−Pt)^γ·log Pt' },
  { type: 'poly-focal', label: 'Poly-1 focal', detail: 'Focal + ε·(1−Pt)^(γ+1)' },
];

/** Choices for a first New Run: settings' defaults, Poly-1 with the paper's ImageNet ε = 2. */
export function initialChoices(settings: NewRunSettings, last?: Partial<NewRunChoices>): NewRunChoices {
  const base: NewRunChoices = {
    trainer: 'builtin',
    dataset: settings.dataset as DatasetName,
    model: settings.model,
    lossType: 'poly',
    epsilonText: '2',
    gammaText: '2',
    epochsText: String(settings.epochs),
    seedsText: '1',
  };
  if (!last) return base;
  // Only well-typed fields of the saved answers are taken (an older version may have saved others).
  const merged = { ...base };
  for (const key of Object.keys(base) as (keyof NewRunChoices)[]) {
    if (typeof last[key] === 'string') (merged[key] as string) = last[key] as string;
  }
  for (const key of ['datasetPath', 'labelsPath', 'scriptCommand', 'scriptCwd'] as const) if (typeof last[key] === 'string') merged[key] = last[key];
  if (merged.trainer !== 'script' || !merged.scriptCommand) merged.trainer = 'builtin';
  return merged;
}

/** The steps for a loss type: coefficient steps only where the loss has coefficients. */
export function stepsFor(lossType: LossType, trainer: NewRunChoices['trainer'] = 'builtin'): StepId[] {
  const coefficients: StepId[] = lossType === 'poly' ? ['epsilon']
    : lossType === 'focal' ? ['gamma']
    : lossType === 'poly-focal' ? ['gamma', 'epsilon']
    : [];
  // A script picks its own data, model and schedule: the first step chooses the script instead.
  if (trainer === 'script') return ['dataset', 'loss', ...coefficients, 'seeds'];
  return ['dataset', 'model', 'loss', ...coefficients, 'epochs', 'seeds'];
}

/** "1,2,3", "1-5" or "1, 4-6": distinct non-negative integers in the order typed. */
export function parseSeeds(text: string): { ok: true; seeds: number[] } | { ok: false; message: string } {
  const usage = 'seeds must be whole numbers ≥ 0, comma-separated, or a range like 1-5';
  const seeds: number[] = [];
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from) return { ok: false, message: `${usage} ("${part}" counts down)` };
      if (to - from + 1 > MAX_SEEDS) return { ok: false, message: `at most ${MAX_SEEDS} seeds at once ("${part}" has ${to - from + 1})` };
      for (let s = from; s <= to; s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) {
      seeds.push(Number(part));
    } else {
      return { ok: false, message: `${usage} (${part === '' ? 'found an empty entry' : `"${part}" is not one`})` };
    }
  }
  const distinct = [...new Set(seeds)];
  if (distinct.length > MAX_SEEDS) return { ok: false, message: `at most ${MAX_SEEDS} seeds at once (got ${distinct.length})` };
  return { ok: true, seeds: distinct };
}

/** "→ 3 runs will start (seeds 1, 2, 3)" for the seeds step, or undefined while the text does not parse. */
export function runsToStart(seedsText: string): string | undefined {
  const seeds = parseSeeds(seedsText);
  if (!seeds.ok) return undefined;
  const n = seeds.seeds.length;
  return `→ ${n === 1 ? '1 run will start' : `${n} runs will start`} (seed${n === 1 ? '' : 's'} ${seeds.seeds.join(', ')})`;
}

/** The config the choices describe for one seed; values that do not parse are left for validation to report. */
export function configFor(choices: NewRunChoices, settings: NewRunSettings, seed: number): RunConfig {
  const loss = lossOf(choices);
  if (choices.trainer === 'script') {
    const split = splitCommandLine(choices.scriptCommand ?? '');
    const command: CommandSpec = { argv: split.ok ? split.argv : [] };
    if (choices.scriptCwd) command.cwd = choices.scriptCwd;
    return { command, loss, seed };
  }
  const dataset: BuiltinRunConfig['dataset'] = { ...DEFAULT_CONFIG.dataset, name: choices.dataset };
  if (choices.dataset === 'csv' || choices.dataset === 'idx') dataset.path = choices.datasetPath;
  if (choices.dataset === 'idx') dataset.labelsPath = choices.labelsPath;
  const model: BuiltinRunConfig['model'] = choices.model === DEFAULT_CONFIG.model.type ? { ...DEFAULT_CONFIG.model } : { type: choices.model };
  return {
    dataset,
    model,
    loss,
    optimizer: { type: 'adam', learningRate: settings.learningRate },
    batchSize: settings.batchSize,
    epochs: numberOrNaN(choices.epochsText),
    seed,
    backend: settings.backend,
  };
}

function lossOf(choices: NewRunChoices): LossSpec {
  const loss: LossSpec = { type: choices.lossType };
  if (choices.lossType === 'poly' || choices.lossType === 'poly-focal') {
    const eps = parseEpsilonText(choices.epsilonText);
    loss.epsilon = eps.ok ? eps.value : NaN;
  }
  if (choices.lossType === 'focal' || choices.lossType === 'poly-focal') loss.gamma = numberOrNaN(choices.gammaText);
  return loss;
}

/** The message for a typed command line, or undefined when it can run (its program is checked at start). */
export function validateScriptCommand(text: string): string | undefined {
  const split = splitCommandLine(text);
  return split.ok ? undefined : split.message;
}

function numberOrNaN(text: string): number {
  return text.trim() === '' ? NaN : Number(text.trim());
}

/**
 * The message to show under an input box while the user types, or undefined when the value is
 * fine. ε has its own wording; other fields go through the run-config validator, so the ranges
 * are those of the schema.
 */
export function validateStep(step: StepId, text: string, choices: NewRunChoices, settings: NewRunSettings): string | undefined {
  if (step === 'epsilon') {
    const eps = parseEpsilonText(text);
    if (!eps.ok) return eps.message;
  }
  if (step === 'seeds') {
    const seeds = parseSeeds(text);
    return seeds.ok ? undefined : seeds.message;
  }
  const field = step === 'epsilon' ? 'epsilonText' : step === 'gamma' ? 'gammaText' : 'epochsText';
  const config = configFor({ ...choices, [field]: text }, settings, 1);
  const path = step === 'epsilon' ? 'loss.epsilon' : step === 'gamma' ? 'loss.gamma' : 'epochs';
  const issue = issuesOf(config).find((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
  // Text that is not a number reaches the validator as NaN: quote what was typed instead.
  return issue?.message.replace('(got NaN)', `(got ${JSON.stringify(text.trim())})`);
}

/** Whether a model fits the chosen dataset (a CNN needs images), so the model step only offers those. */
export function modelFits(model: ModelType, choices: NewRunChoices, settings: NewRunSettings): boolean {
  return !issuesOf(configFor({ ...choices, model }, settings, 1)).some((i) => i.path === 'model.type');
}

/** Non-blocking advice for a typed value (e.g. ε < −1 makes Poly-1 non-monotone). */
export function warningFor(step: StepId, text: string, choices: NewRunChoices, settings: NewRunSettings): string | undefined {
  if (step !== 'epsilon' && step !== 'gamma') return undefined;
  const field = step === 'epsilon' ? 'epsilonText' : 'gammaText';
  const result = validateRunConfig(configFor({ ...choices, [field]: text }, settings, 1));
  return result.warnings.find((w) => w.path.startsWith('loss.'))?.message;
}

function issuesOf(config: RunConfig): Issue[] {
  const result = validateRunConfig(config);
  return result.ok ? [] : result.errors;
}

/** One validated config per seed, or the first error found. */
export function buildConfigs(choices: NewRunChoices, settings: NewRunSettings): { ok: true; configs: RunConfig[] } | { ok: false; message: string } {
  const seeds = parseSeeds(choices.seedsText);
  if (!seeds.ok) return { ok: false, message: seeds.message };
  const configs: RunConfig[] = [];
  for (const seed of seeds.seeds) {
    const result = validateRunConfig(configFor(choices, settings, seed));
    if (!result.ok) return { ok: false, message: result.errors[0].message };
    configs.push(result.value);
  }
  return { ok: true, configs };
}

/** A one-line summary for the last step's title, e.g. "digits · mlp · Poly-1 ε=2 · 10 epochs". */
export function summaryOf(choices: NewRunChoices, settings: NewRunSettings): string {
  const config = configFor(choices, settings, 1);
  const loss = Number.isNaN(config.loss.epsilon as number) || Number.isNaN(config.loss.gamma as number)
    ? choices.lossType : describeLoss(config.loss);
  if (config.command !== undefined) return `${scriptNameOf(config.command)} · ${loss}`;
  return `${choices.dataset} · ${choices.model} · ${loss} · ${choices.epochsText} epochs`;
}
