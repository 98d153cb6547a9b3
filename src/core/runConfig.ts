import type { LossSpec } from './lossSpec';

export type BundledDataset = 'digits' | 'mnist' | 'iris' | 'wine' | 'breast-cancer';
export type DatasetName = BundledDataset | 'csv' | 'idx';
export const BUNDLED_DATASETS: readonly BundledDataset[] = ['digits', 'mnist', 'iris', 'wine', 'breast-cancer'];

export interface DatasetSpec {
  name: DatasetName;
  /** csv: the CSV file; idx: the images file (e.g. train-images-idx3-ubyte[.gz]). */
  path?: string;
  /** idx only: the labels file. */
  labelsPath?: string;
  /** csv only: label column, by header name or 0-based index (default: last column). */
  labelColumn?: string | number;
  /** csv only: whether the first row is a header (default: detected). */
  header?: boolean;
  /** Long-tailed imbalance: ratio between the largest and smallest class (exponential profile); 1 = off. */
  imbalanceRatio?: number;
  /** Symmetric label noise rate on the training split, in [0, 1). */
  labelNoise?: number;
  /** Fractions of the data held out for validation and test (stratified, seeded). */
  validationFraction?: number;
  testFraction?: number;
  /** Use at most this many examples (stratified subsample), for quick runs. */
  maxSamples?: number;
}

export type ModelType = 'mlp' | 'cnn';
export interface ModelSpec {
  type: ModelType;
  /** mlp: hidden layer sizes (default [128]). */
  hidden?: number[];
  /** cnn: filters of each conv block (default [16, 32]). */
  filters?: number[];
}

export type OptimizerType = 'adam' | 'sgd';
export interface OptimizerSpec {
  type: OptimizerType;
  learningRate: number;
  /** sgd only (default 0.9). */
  momentum?: number;
}

export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';

/**
 * A run trained by the user's own program: argv[0] `python`/`python3` stands for the chosen
 * interpreter. The program learns its run from environment variables (docs/run-format.md).
 */
export interface CommandSpec {
  argv: string[];
  /** The working folder (absolute once launched; default: the workspace / the CLI's folder). */
  cwd?: string;
  /** Free-form values handed to the script (`run.config["command"]["params"]` in Python). */
  params?: Record<string, unknown>;
}

/** What every run has, whoever trains it. */
interface RunConfigBase {
  /** Free text shown in lists; defaults to a label built from the loss. */
  name?: string;
  loss: LossSpec;
  seed: number;
  /** Set when the run belongs to a sweep or an experiment file. */
  sweepId?: string;
  experiment?: string;
}

/** A run the built-in engine trains: data, model and schedule are the engine's. */
export interface BuiltinRunConfig extends RunConfigBase {
  command?: undefined;
  dataset: DatasetSpec;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  batchSize: number;
  epochs: number;
  backend: BackendChoice;
}

/** A run the user's command trains: data, model and schedule are the script's business. */
export interface CommandRunConfig extends RunConfigBase {
  command: CommandSpec;
  dataset?: undefined;
  model?: undefined;
  optimizer?: undefined;
  batchSize?: undefined;
  epochs?: undefined;
  backend?: undefined;
}

export type RunConfig = BuiltinRunConfig | CommandRunConfig;

export function isCommandConfig(config: RunConfig): config is CommandRunConfig {
  return config.command !== undefined;
}

/** The built-in fields that a command run does not have. */
export const BUILTIN_ONLY_FIELDS = ['dataset', 'model', 'optimizer', 'batchSize', 'epochs', 'backend'] as const;

export const DEFAULT_CONFIG: BuiltinRunConfig = {
  dataset: { name: 'digits', validationFraction: 0.15, testFraction: 0.15 },
  model: { type: 'mlp', hidden: [128] },
  loss: { type: 'poly', epsilon: 1 },
  optimizer: { type: 'adam', learningRate: 0.001 },
  batchSize: 64,
  epochs: 10,
  seed: 1,
  backend: 'auto',
};
