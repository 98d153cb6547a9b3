// "Run Sweep…": a multi-step quick input (base config → ε grid → γ grid → label smoothing grid →
// seeds → baseline → start) with Back, validation as you type, and the number of runs and the ETA
// shown while typing. The step rules live in sweepFlow.ts; the speed is measured in the background
// as soon as the base is chosen (recent runs like it, else a short calibration run).
import * as vscode from 'vscode';
import type { RunConfig } from '../core/runConfig';
import type { RunRecord } from '../core/runFormat';
import { describeSweepSize, type SweepPlan, type SweepSpec } from '../core/sweep';
import { speedKey, type Calibration } from '../runner/sweepEstimate';
import { BackSignal, pickStep, showStep, stepInputBox, type PickItem, type Position } from './newRunWizard';
import type { NewRunSettings } from './newRunFlow';
import {
  DEFAULT_SWEEP_TEXT, SWEEP_STEPS, SWEEP_STEP_TEXT, baseCandidates, baselineName, defaultBase, etaBasis, etaText, planOf, sizeAndEta, sweepNotes,
  textFieldOf, validateSweepStep, type SpeedState, type SweepChoices, type SweepStepId,
} from './sweepFlow';
import { errorMessage } from '../core/errors';

const TITLE = 'PolyLoss: Run Sweep';
const LAST_TEXT_KEY = 'polyloss.lastSweep';

export interface SweepWizardOptions {
  runs: readonly RunRecord[];
  selection: readonly string[];
  /** The run the command was invoked on (tree context menu), offered first as the base. */
  clickedRunId?: string;
  settings: NewRunSettings;
  concurrency: number;
  /** Measures the training speed for a base config; aborted when the wizard no longer needs it. */
  measure(config: RunConfig, signal: AbortSignal): Promise<Calibration>;
  /** Keeps the typed grids between sweeps. */
  memento: vscode.Memento;
}

export interface SweepRequest {
  spec: SweepSpec;
  base: RunConfig;
  plan: SweepPlan;
  /** "about 2 min" or why the time is unknown. */
  eta: string;
  /** Where the ETA comes from, in words. */
  etaBasis: string;
}

/** The speed of the current base: measured once per speed-relevant setting, in the background. */
class SpeedTracker implements vscode.Disposable {
  private key: string | undefined;
  private abort: AbortController | undefined;
  private current: Promise<Calibration> | undefined;
  state: SpeedState | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly measure: SweepWizardOptions['measure']) {}

  /** Starts measuring for `base` unless its speed is already known or being measured. */
  track(base: RunConfig): void {
    const key = speedKey(base);
    if (key === this.key) return;
    this.abort?.abort();
    this.key = key;
    const abort = new AbortController();
    this.abort = abort;
    this.state = { measuring: true };
    const promise = this.measure(base, abort.signal).catch((e: unknown): Calibration => ({ interrupted: false, error: errorMessage(e) }));
    this.current = promise;
    void promise.then((measured) => {
      if (this.current !== promise) return;
      this.state = { measuring: false, measured };
      this.changed.fire();
    });
  }

  /** Resolves once the current measurement is done. */
  async settled(): Promise<SpeedState | undefined> {
    await this.current;
    return this.state;
  }

  dispose(): void {
    if (this.state?.measuring) this.abort?.abort();
    this.changed.dispose();
  }
}

/** Runs the quick input; resolves to the sweep to start, or undefined when the user cancels. */
export async function askForSweep(o: SweepWizardOptions): Promise<SweepRequest | undefined> {
  const candidates = baseCandidates(o.runs, { clickedRunId: o.clickedRunId, selection: o.selection, defaults: defaultBase(o.settings) });
  const typed = { ...DEFAULT_SWEEP_TEXT, ...lastTexts(o.memento) };
  const choices: SweepChoices = { base: candidates[0].config, ...typed, baseline: false };
  const speed = new SpeedTracker(o.measure);
  try {
    let index = 0;
    while (index < SWEEP_STEPS.length) {
      const step = SWEEP_STEPS[index];
      try {
        const done = await runStep(step, { step: index + 1, totalSteps: SWEEP_STEPS.length }, choices, candidates, speed, o.concurrency);
        if (!done) return undefined;
        if (step === 'base') speed.track(choices.base);
        index++;
      } catch (e) {
        if (!(e instanceof BackSignal)) throw e;
        index = Math.max(0, index - 1);
      }
    }
    const planned = planOf(choices);
    if (!planned.ok) {
      void vscode.window.showErrorMessage(`Run Sweep: ${planned.message}`);
      return undefined;
    }
    await o.memento.update(LAST_TEXT_KEY, {
      epsilonText: choices.epsilonText, gammaText: choices.gammaText, labelSmoothingText: choices.labelSmoothingText, seedsText: choices.seedsText,
    });
    const state = speed.state?.measuring ? await waitForSpeed(speed) : speed.state;
    return {
      spec: planned.spec, base: choices.base, plan: planned.plan,
      eta: etaText(planned.plan.configs, state, o.concurrency), etaBasis: etaBasis(planned.plan.configs, state, o.concurrency),
    };
  } finally {
    speed.dispose();
  }
}

function lastTexts(memento: vscode.Memento): Partial<typeof DEFAULT_SWEEP_TEXT> {
  const saved = memento.get<Record<string, unknown>>(LAST_TEXT_KEY) ?? {};
  return Object.fromEntries(Object.keys(DEFAULT_SWEEP_TEXT).filter((k) => typeof saved[k] === 'string').map((k) => [k, saved[k]]));
}

/** The estimate of a sweep that was confirmed while the speed was still being measured. */
function waitForSpeed(speed: SpeedTracker): Thenable<SpeedState | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'PolyLoss: measuring the training speed for the ETA…' }, () => speed.settled());
}

async function runStep(
  step: SweepStepId, pos: Position, choices: SweepChoices, candidates: ReturnType<typeof baseCandidates>, speed: SpeedTracker, concurrency: number,
): Promise<boolean> {
  switch (step) {
    case 'base': {
      const items: PickItem<RunConfig>[] = candidates.map((c) => ({ label: c.label, description: c.description, detail: c.detail, value: c.config }));
      return pickStep(TITLE, pos, 'Base config: the grid below changes its ε (γ, label smoothing) and seed', items, choices, 'base');
    }
    case 'epsilon':
    case 'gamma':
    case 'labelSmoothing':
    case 'seeds':
      return input(pos, step, choices, speed, concurrency);
    case 'baseline': {
      const name = baselineName(choices.base, choices);
      const size = (baseline: boolean): string => {
        const planned = planOf({ ...choices, baseline });
        return planned.ok ? describeSweepSize(planned.plan.configs) : '';
      };
      const items: PickItem<boolean>[] = [
        { label: `Include ${name}`, description: size(true), detail: `Also train the ${name} baseline with every seed, so each ε is compared with it seed by seed`, value: true },
        { label: `No ${name} runs`, description: size(false), detail: 'ε = 0 (exactly the baseline) stands in for it when it is in the grid', value: false },
      ];
      return pickStep(TITLE, pos, `Baseline: include ${name} runs?`, items, choices, 'baseline');
    }
    case 'confirm':
      return confirmStep(pos, choices, speed, concurrency);
  }
}

/**
 * One typed step: its title, an example as placeholder, and under the box its prompt with the run
 * count and ETA of the answers so far (VS Code shows a validation message in place of the prompt,
 * so errors and warnings repeat the count themselves).
 */
function input(pos: Position, step: 'epsilon' | 'gamma' | 'labelSmoothing' | 'seeds', choices: SweepChoices, speed: SpeedTracker, concurrency: number): Promise<boolean> {
  const field = textFieldOf(step);
  const text = SWEEP_STEP_TEXT[step];
  const box = stepInputBox(`${TITLE}: ${text.title}`, pos, text.prompt, choices[field]);
  box.placeholder = text.placeholder;
  const show = (): void => {
    const error = validateSweepStep(step, box.value, choices);
    if (error) {
      box.validationMessage = error;
      return;
    }
    const planned = planOf({ ...choices, [field]: box.value });
    if (!planned.ok) {
      // A later step's value is wrong: this one is fine, the count waits for that step.
      box.validationMessage = undefined;
      box.prompt = text.prompt;
      return;
    }
    const size = `→ ${sizeAndEta(planned.plan.configs, speed.state, concurrency)}`;
    const notes = sweepNotes(planned.plan);
    box.prompt = [`${text.prompt}`, size, ...notes].join(' · ');
    const warned = notes.some((n) => planned.plan.warnings.some((w) => w.message === n));
    box.validationMessage = warned ? { message: [size, ...notes].join(' · '), severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
  };
  show();
  return showStep<boolean>(box, () => {
    if (validateSweepStep(step, box.value, choices) !== undefined) return undefined;
    choices[field] = box.value.trim();
    return true;
  }, false, box.onDidChangeValue(show), speed.onDidChange(show));
}

/** The last step: what will run, how many runs and how long; Enter starts the sweep. */
function confirmStep(pos: Position, choices: SweepChoices, speed: SpeedTracker, concurrency: number): Promise<boolean> {
  const planned = planOf(choices);
  if (!planned.ok) {
    void vscode.window.showErrorMessage(`Run Sweep: ${planned.message}`);
    throw new BackSignal();
  }
  const configs = planned.plan.configs;
  const qp = vscode.window.createQuickPick<PickItem<boolean>>();
  qp.title = `${TITLE}: ${describeSweepSize(configs)}`;
  qp.step = pos.step;
  qp.totalSteps = pos.totalSteps;
  qp.ignoreFocusOut = true;
  qp.buttons = [vscode.QuickInputButtons.Back];
  const grid = [
    `ε ${choices.epsilonText}`,
    choices.gammaText ? `γ ${choices.gammaText}` : '',
    choices.labelSmoothingText ? `label smoothing ${choices.labelSmoothingText}` : '',
    `seeds ${choices.seedsText}`,
    choices.baseline ? `with ${baselineName(choices.base, choices)}` : '',
  ].filter(Boolean).join(' · ');
  const show = (): void => {
    qp.busy = speed.state?.measuring === true;
    qp.placeholder = `${sizeAndEta(configs, speed.state, concurrency)}: Enter starts the sweep`;
    qp.items = [{ label: '$(play) Start the sweep', description: `${configs.length} runs · ${etaText(configs, speed.state, concurrency)}`, detail: `${grid} — ${etaBasis(configs, speed.state, concurrency)}`, value: true }];
  };
  show();
  return showStep<boolean>(qp, () => (qp.selectedItems[0] ?? qp.activeItems[0])?.value, false, speed.onDidChange(show));
}
