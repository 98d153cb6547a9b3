import * as fs from 'node:fs';
import * as path from 'node:path';
import experimentSchema from '../../media/schemas/experiment.schema.json';
import type { Issue } from '../core/jsonSchema';
import { BUNDLED_DATASETS, type BackendChoice, type DatasetName, type ModelType, type OptimizerType, type RunConfig } from '../core/runConfig';
import type { Activation, LossType } from '../core/lossSpec';
import { seedList } from '../core/sweep';
import { parseEpsilonText, resolveRunConfig } from '../core/validate';
import { UsageError, type FlagSpec, type FlagValue } from './args';
import { errorMessage } from '../core/errors';

export const DATASET_NAMES: readonly DatasetName[] = [...BUNDLED_DATASETS, 'csv', 'idx'];
export const MODEL_TYPES: readonly ModelType[] = ['mlp', 'cnn'];
export const LOSS_TYPES: readonly LossType[] = ['ce', 'poly', 'focal', 'poly-focal'];
export const ACTIVATIONS: readonly Activation[] = ['softmax', 'sigmoid'];
export const OPTIMIZERS: readonly OptimizerType[] = ['adam', 'sgd'];
export const BACKENDS: readonly BackendChoice[] = ['auto', 'wasm', 'cpu', 'node'];

/** At most this many seeds per setting, as in experiment files (their schema holds the number). */
export const MAX_SEEDS: number = (experimentSchema as { definitions: { seeds: { maxItems: number } } }).definitions.seeds.maxItems;

/**
 * --seeds as given, the same in train, run and sweep: one number n is a count (seeds 1…n), a list
 * names the seeds (each once). Throws UsageError for a count below 1 or more than `max` seeds.
 */
export function seedsOfFlag(given: readonly number[], max = MAX_SEEDS): number[] | number {
  if (given.length === 1 && given[0] < 1) {
    throw new UsageError(`--seeds ${given[0]}: one number is a count n of seeds (seeds 1…n) and must be ≥ 1; list seeds to choose them, e.g. 0,1`);
  }
  const seeds = given.length === 1 ? given[0] : [...new Set(given)];
  const count = Array.isArray(seeds) ? seeds.length : seeds;
  if (count > max) throw new UsageError(`--seeds: at most ${max} seeds per setting (got ${count})`);
  return seeds;
}

/** A flag that sets one field of the run config (dotted path). */
interface ConfigFlag extends FlagSpec {
  path: string;
}

function parseEpsilonFlag(text: string): number | number[] {
  const parsed = parseEpsilonText(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** A CSV label column: a 0-based index or a header name. */
function parseLabelColumn(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  { name: 'dataset', path: 'dataset.name', type: 'string', values: DATASET_NAMES, description: 'data to train on (csv/idx: your files, see --data)' },
  { name: 'data', path: 'dataset.path', type: 'string', valueName: 'PATH', description: 'csv: the CSV file; idx: the images file (without --dataset: csv, or idx with --labels)' },
  { name: 'labels', path: 'dataset.labelsPath', type: 'string', valueName: 'PATH', description: 'idx: the labels file' },
  { name: 'label-column', path: 'dataset.labelColumn', type: 'custom', parse: parseLabelColumn, valueName: 'NAME|INDEX', description: 'csv: the label column (default: last)' },
  { name: 'imbalance', path: 'dataset.imbalanceRatio', type: 'number', valueName: 'RATIO', description: 'long-tailed training split: largest/smallest class ratio (1 = off)' },
  { name: 'label-noise', path: 'dataset.labelNoise', type: 'number', valueName: 'RATE', description: 'symmetric label noise on the training split, in [0, 1)' },
  { name: 'max-samples', path: 'dataset.maxSamples', type: 'integer', valueName: 'N', description: 'use at most N examples (stratified)' },
  { name: 'model', path: 'model.type', type: 'string', values: MODEL_TYPES, description: 'classifier' },
  { name: 'hidden', path: 'model.hidden', type: 'integers', valueName: 'N,N…', description: 'mlp hidden layer sizes, e.g. 128,64' },
  { name: 'filters', path: 'model.filters', type: 'integers', valueName: 'N,N…', description: 'cnn filters per conv block, e.g. 16,32' },
  { name: 'loss', path: 'loss.type', type: 'string', values: LOSS_TYPES, description: 'loss of the PolyLoss family' },
  { name: 'epsilon', path: 'loss.epsilon', type: 'custom', parse: parseEpsilonFlag, valueName: 'ε|ε1,ε2…', description: 'Poly-1 ε, or a list for Poly-N (added to the CE coefficients 1/j)' },
  { name: 'gamma', path: 'loss.gamma', type: 'number', valueName: 'γ', description: 'focal / poly-focal focusing parameter (default 2)' },
  { name: 'label-smoothing', path: 'loss.labelSmoothing', type: 'number', valueName: 'α', description: 'softmax label smoothing' },
  { name: 'activation', path: 'loss.activation', type: 'string', values: ACTIVATIONS, description: 'output activation of the loss' },
  { name: 'alpha', path: 'loss.alpha', type: 'number', valueName: 'α', description: 'sigmoid class-balance weight' },
  { name: 'optimizer', path: 'optimizer.type', type: 'string', values: OPTIMIZERS, description: 'optimizer' },
  { name: 'lr', path: 'optimizer.learningRate', type: 'number', valueName: 'RATE', description: 'learning rate' },
  { name: 'momentum', path: 'optimizer.momentum', type: 'number', valueName: 'M', description: 'sgd momentum (default 0.9)' },
  { name: 'batch-size', path: 'batchSize', type: 'integer', valueName: 'N', description: 'examples per step' },
  { name: 'epochs', path: 'epochs', type: 'integer', valueName: 'N', description: 'passes over the training split' },
  { name: 'seed', path: 'seed', type: 'integer', valueName: 'N', description: 'seed for splits, noise, shuffling and weights' },
  { name: 'backend', path: 'backend', type: 'string', values: BACKENDS, description: 'tfjs backend (auto: node, else wasm, else cpu)' },
  { name: 'name', path: 'name', type: 'string', valueName: 'TEXT', description: 'run name shown in lists' },
];

export const SEEDS_FLAG: FlagSpec = {
  name: 'seeds', type: 'integers', min: 0, valueName: 'N|N,N…', description: `one run per seed: a list (1,2,3) or one number n for seeds 1…n (at most ${MAX_SEEDS})`,
};
export const CONFIG_FILE_FLAG: FlagSpec = { name: 'config', type: 'string', valueName: 'FILE', description: 'run config JSON file; flags override its fields' };
export const CONCURRENCY_FLAG: FlagSpec = { name: 'concurrency', type: 'integer', min: 1, valueName: 'N', description: 'runs training at once (default: half the CPU cores, at least 1)' };

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setPath(target: JsonObject, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[keys[keys.length - 1]] = value;
}

/** Each config section's kind field and the fields that stay meaningful when the kind changes. */
const SECTION_KINDS: Record<string, { kind: string; shared: readonly string[] }> = {
  dataset: { kind: 'name', shared: ['imbalanceRatio', 'labelNoise', 'validationFraction', 'testFraction', 'maxSamples'] },
  model: { kind: 'type', shared: [] },
  loss: { kind: 'type', shared: ['labelSmoothing', 'activation', 'alpha'] },
  optimizer: { kind: 'type', shared: ['learningRate'] },
};

/**
 * The file's config with the flags' fields on top. A flag that changes a section's kind (say
 * `--loss ce` over a file's poly loss) drops the file's fields that belong to the old kind (ε).
 */
export function overrideConfig(file: JsonObject, flags: JsonObject): JsonObject {
  const merged: JsonObject = { ...file };
  for (const [key, value] of Object.entries(flags)) {
    const base = file[key];
    const section = SECTION_KINDS[key];
    if (!section || !isObject(base) || !isObject(value)) {
      merged[key] = value;
      continue;
    }
    const changesKind = value[section.kind] !== undefined && value[section.kind] !== base[section.kind];
    const kept = changesKind ? Object.fromEntries(Object.entries(base).filter(([k]) => section.shared.includes(k))) : base;
    merged[key] = { ...kept, ...value };
  }
  return merged;
}

function readConfigFile(file: string, cwd: string): JsonObject {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    throw new UsageError(`--config: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: ${file} is not valid JSON (${errorMessage(e)})`);
  }
  if (!isObject(value)) throw new UsageError(`--config: ${file} must hold a JSON object (a run config)`);
  return configOfRunFile(value);
}

/**
 * A run folder's run.json (a record with `schemaVersion` and the run's `config`) stands for the
 * config it was trained with, without the sweep or experiment that run belonged to.
 */
function configOfRunFile(value: JsonObject): JsonObject {
  if (!('schemaVersion' in value) || !isObject(value.config)) return value;
  const { sweepId: _sweepId, experiment: _experiment, ...config } = value.config;
  return config;
}

/**
 * Prefixes an issue with the flag (or file) that set the field, so the user knows what to change; a
 * field no flag or file set (a required one) names the flag that sets it.
 */
function explainIssue(issue: Issue, flags: Record<string, FlagValue>, configFile: string | undefined): string {
  const about = (f: ConfigFlag) => issue.path === f.path || issue.path.startsWith(`${f.path}[`) || issue.path.startsWith(`${f.path}.`);
  const flag = CONFIG_FLAGS.find((f) => f.name in flags && about(f));
  if (flag) return `--${flag.name}: ${issue.message}`;
  if (configFile) return `${configFile}: ${issue.message}`;
  const setter = CONFIG_FLAGS.find(about);
  return setter ? `${issue.message} (set with --${setter.name})` : issue.message;
}

export interface TrainConfigs {
  configs: RunConfig[];
  warnings: string[];
}

/** The run configs that `polyloss train` flags describe (one per seed), validated. Throws UsageError. */
export function buildTrainConfigs(flags: Record<string, FlagValue>, cwd: string): TrainConfigs {
  const configFile = typeof flags.config === 'string' ? flags.config : undefined;
  const fromFile = configFile ? readConfigFile(configFile, cwd) : {};
  const fromFlags: JsonObject = {};
  for (const flag of CONFIG_FLAGS) if (flag.name in flags) setPath(fromFlags, flag.path, flags[flag.name]);
  // --data alone names the user's own file: a CSV, or IDX images when --labels gives their labels.
  const fileDataset = isObject(fromFile.dataset) ? fromFile.dataset.name : undefined;
  if ('data' in flags && !('dataset' in flags) && fileDataset === undefined) setPath(fromFlags, 'dataset.name', 'labels' in flags ? 'idx' : 'csv');
  const merged = overrideConfig(fromFile, fromFlags);

  const given = flags.seeds as number[] | undefined;
  if (given && 'seed' in flags) throw new UsageError('--seed and --seeds cannot be used together');
  const seeds = given && seedList(seedsOfFlag(given));
  const variants: JsonObject[] = seeds
    ? seeds.map((seed) => ({ ...merged, seed, ...(typeof merged.name === 'string' ? { name: `${merged.name}, seed ${seed}` } : {}) }))
    : [merged];

  const configs: RunConfig[] = [];
  const warnings = new Set<string>();
  for (const variant of variants) {
    const result = resolveRunConfig(variant);
    result.warnings.forEach((w) => warnings.add(explainIssue(w, flags, configFile)));
    if (!result.ok) throw new UsageError(result.errors.map((e) => explainIssue(e, flags, configFile)).join('\n'));
    configs.push(result.value);
  }
  return { configs, warnings: [...warnings] };
}
