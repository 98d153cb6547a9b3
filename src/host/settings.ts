// The `polyloss.*` settings, read in one place with their fallbacks.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BUNDLED_DATASETS, DEFAULT_CONFIG, type BackendChoice, type ModelType } from '../core/runConfig';
import type { SlurmOptions } from '../core/slurmOptions';

export const SECTION = 'polyloss';
export const DEFAULT_RUNS_DIRECTORY = '.polyloss/runs';
const BACKENDS: readonly BackendChoice[] = ['auto', 'wasm', 'cpu', 'node'];

export interface NewRunDefaults {
  dataset: string;
  model: ModelType;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/**
 * Absolute runs folder: the setting as is when absolute (`~` expanded), else relative to the
 * first workspace folder; with no folder open, the extension's global storage.
 */
export function runsDirectory(globalStorage: vscode.Uri): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const raw = (vscode.workspace.getConfiguration(SECTION, folder?.uri ?? null).get<string>('runsDirectory') ?? '').trim() || DEFAULT_RUNS_DIRECTORY;
  // `~` is the OS's home folder (HOME may be unset, or point elsewhere than the user's home).
  const expanded = raw === '~' || /^~[\\/]/.test(raw) ? path.join(os.homedir(), raw.slice(2)) : raw;
  if (path.isAbsolute(expanded)) return path.normalize(expanded);
  const base = folder?.uri.scheme === 'file' ? folder.uri.fsPath : globalStorage.fsPath;
  return path.join(base, expanded);
}

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : fallback;
}

export function maxConcurrentRuns(): number {
  return positiveInt(config().get('maxConcurrentRuns'), 2);
}

export function backend(): BackendChoice {
  const value = config().get<string>('backend');
  return BACKENDS.includes(value as BackendChoice) ? (value as BackendChoice) : 'auto';
}

export function newRunDefaults(): NewRunDefaults {
  const c = config();
  const dataset = c.get<string>('defaults.dataset');
  const model = c.get<string>('defaults.model');
  const lr = c.get<number>('defaults.learningRate');
  return {
    dataset: dataset && (BUNDLED_DATASETS as readonly string[]).includes(dataset) ? dataset : DEFAULT_CONFIG.dataset.name,
    model: model === 'cnn' || model === 'mlp' ? model : DEFAULT_CONFIG.model.type,
    epochs: positiveInt(c.get('defaults.epochs'), DEFAULT_CONFIG.epochs),
    batchSize: positiveInt(c.get('defaults.batchSize'), DEFAULT_CONFIG.batchSize),
    learningRate: typeof lr === 'number' && lr > 0 ? lr : DEFAULT_CONFIG.optimizer.learningRate,
  };
}

/** The `polyloss.slurm.*` settings of job arrays submitted from VS Code (checked when submitting). */
export function slurmOptions(): SlurmOptions {
  const c = config();
  const text = (key: string): string | undefined => {
    const value = c.get<string>(key);
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };
  const extraArgs = c.get<unknown>('slurm.extraArgs');
  const maxParallel = c.get<number>('slurm.maxParallel');
  return {
    partition: text('slurm.partition'),
    time: text('slurm.time'),
    maxParallel: typeof maxParallel === 'number' && maxParallel >= 1 ? maxParallel : undefined,
    extraArgs: Array.isArray(extraArgs) ? extraArgs.filter((a): a is string => typeof a === 'string' && a.trim() !== '') : undefined,
  };
}

/** Whether a configuration change touches one of these `polyloss.*` keys. */
export function affects(event: vscode.ConfigurationChangeEvent, ...keys: string[]): boolean {
  return keys.some((k) => event.affectsConfiguration(`${SECTION}.${k}`));
}

/** The polyloss.pythonPath setting (`~` expanded), or undefined when empty. */
export function pythonPath(): string | undefined {
  const raw = (config().get<string>('pythonPath') ?? '').trim();
  if (!raw) return undefined;
  return raw.startsWith('~/') ? path.join(process.env.HOME ?? '', raw.slice(2)) : raw;
}
