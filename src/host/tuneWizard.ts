// "Find Best ε…": a short multi-step input (base config → ε range → budget → minimum effect) with
// Back and checks as you type. The base step is Run Sweep's (the same candidates); the rules live in
// tuneFlow.ts.
import * as vscode from 'vscode';
import type { RunRecord } from '../core/runFormat';
import type { RunConfig } from '../core/runConfig';
import type { TuneSettings } from '../core/tune';
import { BackSignal, pickStep, showStep, stepInputBox, type PickItem, type Position } from './newRunWizard';
import type { NewRunSettings } from './newRunFlow';
import { baseCandidates, defaultBase } from './sweepFlow';
import { DEFAULT_TUNE_TEXT, TUNE_STEPS, budgetHint, textFieldOfStep, tuneSettingsOfChoices, validateTuneStep, type TuneChoices, type TuneStepId } from './tuneFlow';

const TITLE = 'PolyLoss: Find Best ε';
const LAST_TEXT_KEY = 'polyloss.lastTune';

export interface TuneWizardOptions {
  runs: readonly RunRecord[];
  selection: readonly string[];
  settings: NewRunSettings;
  /** Keeps the typed values between tunes. */
  memento: vscode.Memento;
}

export interface TuneWizardRequest {
  base: RunConfig;
  settings: TuneSettings;
}

const PROMPTS: Record<Exclude<TuneStepId, 'base'>, string> = {
  range: 'ε range to search, MIN:MAX (e.g. -1:4). ε below -1 makes Poly-1 non-monotone in Pt and is only available from the command line (--allow-non-monotone)',
  budget: 'Budget: the most runs, CE\'s included',
  minEffect: 'Minimum effect in points of test accuracy: the search stops once no ε can still beat CE by this much',
};

/** Runs the quick input; resolves to the tune to start, or undefined when the user cancels. */
export async function askForTune(o: TuneWizardOptions): Promise<TuneWizardRequest | undefined> {
  const candidates = baseCandidates(o.runs, { selection: o.selection, defaults: defaultBase(o.settings) });
  const saved = o.memento.get<Partial<Record<string, unknown>>>(LAST_TEXT_KEY) ?? {};
  const typed = Object.fromEntries(Object.entries(DEFAULT_TUNE_TEXT).map(([k, v]) => [k, typeof saved[k] === 'string' ? saved[k] : v])) as typeof DEFAULT_TUNE_TEXT;
  const choices: TuneChoices = { base: candidates[0].config, ...typed };
  let index = 0;
  while (index < TUNE_STEPS.length) {
    const step = TUNE_STEPS[index];
    const pos = { step: index + 1, totalSteps: TUNE_STEPS.length };
    try {
      if (!(await runStep(step, pos, choices, candidates))) return undefined;
      index++;
    } catch (e) {
      if (!(e instanceof BackSignal)) throw e;
      index = Math.max(0, index - 1);
    }
  }
  const settings = tuneSettingsOfChoices(choices);
  if (!settings.ok) {
    void vscode.window.showErrorMessage(`Find Best ε: ${settings.message}`);
    return undefined;
  }
  await o.memento.update(LAST_TEXT_KEY, { rangeText: choices.rangeText, budgetText: choices.budgetText, minEffectText: choices.minEffectText });
  return { base: choices.base, settings: settings.value };
}

function runStep(step: TuneStepId, pos: Position, choices: TuneChoices, candidates: ReturnType<typeof baseCandidates>): Promise<boolean> {
  if (step === 'base') {
    const items: PickItem<RunConfig>[] = candidates.map((c) => ({ label: c.label, description: c.description, detail: c.detail, value: c.config }));
    return pickStep(TITLE, pos, 'Base config: the search trains it with CE and with Poly-1 at several ε, on paired seeds', items, choices, 'base');
  }
  const field = textFieldOfStep(step);
  const box = stepInputBox(TITLE, pos, PROMPTS[step], choices[field]);
  const show = (): void => {
    const error = validateTuneStep(step, box.value, choices);
    const hint = step === 'budget' ? budgetHint(choices.rangeText) : undefined;
    box.validationMessage = error ?? (hint ? { message: hint, severity: vscode.InputBoxValidationSeverity.Info } : undefined);
  };
  show();
  return showStep<boolean>(box, () => {
    if (validateTuneStep(step, box.value, choices) !== undefined) return undefined;
    choices[field] = box.value.trim();
    return true;
  }, false, box.onDidChangeValue(show));
}
