// The rules of the Find Best ε wizard, without vscode (unit-tested): the typed ε range, budget and
// minimum effect, checked as they are typed with the same checks as `polyloss tune`, and the tune
// settings they make.
import type { RunConfig } from '../core/runConfig';
import {
  DEFAULT_EPSILON_RANGE, DEFAULT_MIN_EFFECT_POINTS, DEFAULT_TUNE_OPTIONS, TuneError, checkTuneOptions, firstRoundSize, parseEpsilonRange,
  tuneSettingsOf, type TuneSettings,
} from '../core/tune';

export interface TuneChoices {
  base: RunConfig;
  rangeText: string;
  budgetText: string;
  minEffectText: string;
}

export const DEFAULT_TUNE_TEXT = {
  rangeText: `${DEFAULT_EPSILON_RANGE.min}:${DEFAULT_EPSILON_RANGE.max}`,
  budgetText: String(DEFAULT_TUNE_OPTIONS.budget),
  minEffectText: String(DEFAULT_MIN_EFFECT_POINTS),
} as const;

export const TUNE_STEPS = ['base', 'range', 'budget', 'minEffect'] as const;
export type TuneStepId = (typeof TUNE_STEPS)[number];

function settingsOf(choices: Omit<TuneChoices, 'base'>): { ok: true; value: TuneSettings } | { ok: false; message: string; field?: string } {
  const range = parseEpsilonRange(choices.rangeText);
  if (!range.ok) return { ok: false, message: range.message, field: 'range' };
  const budget = Number(choices.budgetText.trim());
  const minEffect = Number(choices.minEffectText.trim());
  if (choices.budgetText.trim() === '' || !Number.isInteger(budget)) return { ok: false, message: 'the budget is a whole number of runs, e.g. 40', field: 'budget' };
  if (choices.minEffectText.trim() === '' || !Number.isFinite(minEffect)) return { ok: false, message: 'the minimum effect is a number of points, e.g. 0.5', field: 'minEffect' };
  try {
    const settings = tuneSettingsOf({ range: range.value, metric: 'test', budget, minEffect });
    checkTuneOptions(settings.options);
    return { ok: true, value: settings };
  } catch (e) {
    if (e instanceof TuneError) return { ok: false, message: e.message, field: e.field };
    throw e;
  }
}

const TEXT_FIELD = { range: 'rangeText', budget: 'budgetText', minEffect: 'minEffectText' } as const;
type TextStep = keyof typeof TEXT_FIELD;

/** The step where a planner option is typed (the first round's size is the budget step's concern). */
function stepOf(field: string | undefined): TextStep | undefined {
  if (field === 'range' || field === 'budget' || field === 'minEffect') return field;
  return field === 'initialSeeds' ? 'budget' : undefined;
}

/** What is wrong with the text typed at `step`, given the earlier answers (later ones at their defaults); undefined when fine. */
export function validateTuneStep(step: TextStep, text: string, choices: TuneChoices): string | undefined {
  const typed: Record<(typeof TEXT_FIELD)[TextStep], string> = { ...DEFAULT_TUNE_TEXT };
  for (const earlier of TUNE_STEPS.slice(1, TUNE_STEPS.indexOf(step)) as TextStep[]) typed[TEXT_FIELD[earlier]] = choices[TEXT_FIELD[earlier]];
  typed[TEXT_FIELD[step]] = text;
  const checked = settingsOf(typed);
  return !checked.ok && stepOf(checked.field) === step ? checked.message : undefined;
}

export function textFieldOfStep(step: TextStep): (typeof TEXT_FIELD)[TextStep] {
  return TEXT_FIELD[step];
}

/** The settings of the finished wizard, or why they cannot make a tune. */
export function tuneSettingsOfChoices(choices: TuneChoices): { ok: true; value: TuneSettings } | { ok: false; message: string } {
  return settingsOf(choices);
}

/** "18 runs in the first round (5 ε and CE × 3 seeds), then rounds up to 40 runs" for the budget step. */
export function budgetHint(rangeText: string): string | undefined {
  const range = parseEpsilonRange(rangeText);
  if (!range.ok) return undefined;
  return `the first round takes ${firstRoundSize({ range: range.value, initialSeeds: DEFAULT_TUNE_OPTIONS.initialSeeds })} runs; later rounds add seeds and ε until the answer is clear`;
}
