// "New Run…": a multi-step quick input (dataset → model → loss → coefficients → epochs → seeds)
// with a step counter, a Back button and validation as you type. The step rules live in newRunFlow.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatArgv } from '../core/commandRun';
import type { LossType } from '../core/lossSpec';
import type { DatasetName, ModelType, RunConfig } from '../core/runConfig';
import { BUNDLED_DATASET_INFO } from '../core/datasetCatalog';
import {
  LOSS_CHOICES, buildConfigs, initialChoices, modelFits, runsToStart, stepsFor, summaryOf, validateScriptCommand, validateStep, warningFor,
  type NewRunChoices, type NewRunSettings, type StepId,
} from './newRunFlow';

const LAST_CHOICES_KEY = 'polyloss.lastNewRun';
const TITLE = 'PolyLoss: New Run';

/** Thrown by a step when the user pressed Back. */
export class BackSignal extends Error {}

export interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

/** Runs the quick input; resolves to the configs to start (one per seed), or undefined if cancelled. */
export async function askForNewRun(memento: vscode.Memento, settings: NewRunSettings): Promise<RunConfig[] | undefined> {
  const choices = initialChoices(settings, memento.get<Partial<NewRunChoices>>(LAST_CHOICES_KEY));
  let index = 0;
  for (;;) {
    const steps = stepsFor(choices.lossType, choices.trainer);
    if (index >= steps.length) break;
    const step = steps[index];
    try {
      const done = await runStep(step, { step: index + 1, totalSteps: steps.length }, choices, settings);
      if (!done) return undefined;
      index++;
    } catch (e) {
      if (!(e instanceof BackSignal)) throw e;
      index = Math.max(0, index - 1);
    }
  }
  const built = buildConfigs(choices, settings);
  if (!built.ok) {
    void vscode.window.showErrorMessage(`New Run: ${built.message}`);
    return undefined;
  }
  await memento.update(LAST_CHOICES_KEY, choices);
  return built.configs;
}

export interface Position {
  step: number;
  totalSteps: number;
}

/** Shows one step; updates `choices`; false when the user dismissed the input. */
async function runStep(step: StepId, pos: Position, choices: NewRunChoices, settings: NewRunSettings): Promise<boolean> {
  switch (step) {
    case 'dataset': {
      const items: PickItem<DatasetName | 'script'>[] = [
        ...BUNDLED_DATASET_INFO.map((d) => ({
          label: d.name, value: d.name, description: d.title, detail: `${d.examples} examples · ${d.classes} classes · ${d.features}`,
        })),
        { label: 'csv', value: 'csv', description: 'Your CSV file', detail: 'Numeric feature columns and a label column (the last one by default)' },
        { label: 'idx', value: 'idx', description: 'Your IDX files', detail: 'MNIST-style images file and labels file' },
        {
          label: '$(terminal) Your script…', value: 'script', description: 'Your own training script',
          detail: 'A Python file or any command; it gets the loss and seed through polyloss_lab.init() and trains as it likes',
        },
      ];
      const picked = await pickOne(TITLE, pos, 'Dataset, or your own training script', items, choices.trainer === 'script' ? 'script' : choices.dataset);
      if (picked === undefined) return false;
      if (picked === 'script') {
        choices.trainer = 'script';
        return askForScript(pos, choices);
      }
      choices.trainer = 'builtin';
      choices.dataset = picked;
      if (choices.dataset === 'csv' || choices.dataset === 'idx') return askForDatasetFiles(choices.dataset, choices);
      return true;
    }
    case 'model': {
      const items: PickItem<ModelType>[] = ([
        { label: 'mlp', value: 'mlp', description: 'Multilayer perceptron', detail: 'One hidden layer of 128 units; works on every dataset' },
        { label: 'cnn', value: 'cnn', description: 'Convolutional network', detail: 'Two conv blocks (16, 32 filters); image datasets only' },
      ] as PickItem<ModelType>[]).filter((item) => modelFits(item.value, choices, settings));
      return pickStep(TITLE, pos, 'Model', items, choices, 'model');
    }
    case 'loss': {
      const items: PickItem<LossType>[] = LOSS_CHOICES.map((l) => ({ label: l.label, value: l.type, description: l.type, detail: l.detail }));
      return pickStep(TITLE, pos, 'Loss', items, choices, 'lossType');
    }
    case 'epsilon':
      return input(pos, step, 'ε: a number for Poly-1 (the paper uses 2 on ImageNet, −1 on COCO), or ε1, ε2, … for Poly-N',
        'epsilonText', choices, settings);
    case 'gamma':
      return input(pos, step, 'γ: focusing parameter of the focal loss (2 in the focal loss paper)', 'gammaText', choices, settings);
    case 'epochs':
      return input(pos, step, 'Epochs: passes over the training split', 'epochsText', choices, settings);
    case 'seeds':
      return input(pos, step, 'Seeds: one run per seed, e.g. "1" or "1,2,3" or "1-5"', 'seedsText', choices, settings);
  }
}

/**
 * "Your script…": a Python file (run as `python3 FILE` in its folder) or a command line as typed
 * (run in the workspace folder). Cancelling returns to the first step.
 */
async function askForScript(pos: Position, choices: NewRunChoices): Promise<boolean> {
  const how = await pickOne<'file' | 'command'>(TITLE, pos, 'Your script', [
    { label: '$(file-code) Pick a Python file…', value: 'file', detail: 'Runs as python3 FILE in the file\'s folder, with the interpreter of the Python extension or polyloss.pythonPath' },
    { label: '$(terminal) Type a command…', value: 'command', detail: 'e.g. python3 train.py --epochs 5, run in the workspace folder' },
  ], choices.scriptCwd ? 'file' : 'command');
  if (how === undefined) throw new BackSignal();
  if (how === 'file') {
    const picked = await vscode.window.showOpenDialog({
      title: 'Your training script', canSelectMany: false, openLabel: 'Train with this script',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, filters: { 'Python files': ['py'], 'All files': ['*'] },
    });
    const file = picked?.[0]?.fsPath;
    if (!file) throw new BackSignal();
    choices.scriptCommand = formatArgv(['python3', path.basename(file)]);
    choices.scriptCwd = path.dirname(file);
    return true;
  }
  const box = stepInputBox(TITLE, pos, 'The command that trains, e.g. python3 train.py --epochs 5 (python / python3 means the chosen interpreter)',
    choices.scriptCwd ? 'python3 train.py' : choices.scriptCommand ?? 'python3 train.py');
  const show = (text: string): void => { box.validationMessage = validateScriptCommand(text); };
  show(box.value);
  const accepted = await showStep<boolean>(box, () => {
    if (validateScriptCommand(box.value) !== undefined) return undefined;
    choices.scriptCommand = box.value.trim();
    choices.scriptCwd = undefined;
    return true;
  }, false, box.onDidChangeValue(show));
  if (!accepted) throw new BackSignal();
  return true;
}

/** csv: one file; idx: images then labels. Cancelling a dialog returns to the dataset step. */
async function askForDatasetFiles(kind: 'csv' | 'idx', choices: NewRunChoices): Promise<boolean> {
  const ask = async (title: string, filters: Record<string, string[]>): Promise<string | undefined> => {
    const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, openLabel: 'Use this file', filters });
    return picked?.[0]?.fsPath;
  };
  if (kind === 'csv') {
    const file = await ask('CSV dataset file', { 'CSV files': ['csv', 'txt'], 'All files': ['*'] });
    if (!file) throw new BackSignal();
    choices.datasetPath = file;
    return true;
  }
  const images = await ask('IDX images file (e.g. train-images-idx3-ubyte.gz)', { 'IDX files': ['gz', 'idx3-ubyte', '*'] });
  if (!images) throw new BackSignal();
  const labels = await ask('IDX labels file (e.g. train-labels-idx1-ubyte.gz)', { 'IDX files': ['gz', 'idx1-ubyte', '*'] });
  if (!labels) throw new BackSignal();
  choices.datasetPath = images;
  choices.labelsPath = labels;
  return true;
}

/**
 * One pick step of a multi-step input (shared by New Run and Run Sweep), starting on and storing to
 * choices[key]: true once picked, false when cancelled; Back from step 2 on.
 */
export async function pickStep<C, K extends keyof C>(title: string, pos: Position, placeholder: string, items: PickItem<C[K]>[],
  choices: C, key: K): Promise<boolean> {
  const picked = await pickOne(title, pos, placeholder, items, choices[key]);
  if (picked === undefined) return false;
  choices[key] = picked;
  return true;
}

function pickOne<T>(title: string, pos: Position, placeholder: string, items: PickItem<T>[], current: T): Promise<T | undefined> {
  const qp = asStep(vscode.window.createQuickPick<PickItem<T>>(), title, pos);
  qp.placeholder = placeholder;
  qp.items = items;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  const active = items.find((i) => i.value === current);
  if (active) qp.activeItems = [active];
  return showStep<T | undefined>(qp, () => (qp.selectedItems[0] ?? qp.activeItems[0])?.value, undefined);
}

/** The input box of one step of a multi-step input (shared by New Run and Run Sweep), with Back. */
export function stepInputBox(title: string, pos: Position, prompt: string, value: string): vscode.InputBox {
  const box = asStep(vscode.window.createInputBox(), title, pos);
  box.prompt = prompt;
  box.value = value;
  return box;
}

/** What every step shows: the title, "step of steps", Back from step 2 on; it stays open when focus leaves. */
function asStep<W extends vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox>(widget: W, title: string, pos: Position): W {
  widget.title = title;
  widget.step = pos.step;
  widget.totalSteps = pos.totalSteps;
  widget.ignoreFocusOut = true;
  widget.buttons = pos.step > 1 ? [vscode.QuickInputButtons.Back] : [];
  return widget;
}

type TextField = 'epsilonText' | 'gammaText' | 'epochsText' | 'seedsText';

/** An example in each empty box. */
const PLACEHOLDERS: Readonly<Record<TextField, string>> = {
  epsilonText: 'e.g. 2 (Poly-1) or 1, 0.5 (Poly-N)', gammaText: 'e.g. 2', epochsText: 'e.g. 10', seedsText: 'e.g. 1 or 1,2,3 or 1-5',
};

/** An input box that checks the value as it is typed and only accepts a valid one. */
function input(pos: Position, step: StepId, prompt: string, field: TextField, choices: NewRunChoices, settings: NewRunSettings): Promise<boolean> {
  const title = pos.step === pos.totalSteps ? `${TITLE}: ${summaryOf(choices, settings)}` : TITLE;
  const box = stepInputBox(title, pos, prompt, choices[field]);
  box.placeholder = PLACEHOLDERS[field];
  const check = (text: string): string | undefined => validateStep(step, text, choices, settings);
  const show = (text: string): void => {
    const error = check(text);
    const warning = error ? undefined : warningFor(step, text, choices, settings);
    box.validationMessage = error ?? (warning ? { message: warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined);
    // The seeds step says how many runs Enter starts (shown while there is no validation message).
    if (step === 'seeds') box.prompt = [prompt, runsToStart(text)].filter(Boolean).join(' ');
  };
  show(box.value);
  return showStep<boolean>(box, () => {
    if (check(box.value) !== undefined) return undefined;
    choices[field] = box.value.trim();
    return true;
  }, false, box.onDidChangeValue(show));
}

/**
 * Shows a quick pick or input box and settles once: with accept()'s value when it returns one,
 * with `dismissed` when the input is hidden, or rejects with BackSignal on the Back button.
 */
export function showStep<T>(
  widget: vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox,
  accept: () => T | undefined,
  dismissed: T,
  ...extra: vscode.Disposable[]
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    const finish = (settle: () => void): void => {
      if (finished) return;
      finished = true;
      subs.forEach((s) => s.dispose());
      widget.dispose();
      settle();
    };
    const subs = [
      ...extra,
      widget.onDidTriggerButton((b) => { if (b === vscode.QuickInputButtons.Back) finish(() => reject(new BackSignal())); }),
      widget.onDidAccept(() => {
        const value = accept();
        if (value !== undefined) finish(() => resolve(value));
      }),
      widget.onDidHide(() => finish(() => resolve(dismissed))),
    ];
    widget.show();
  });
}
