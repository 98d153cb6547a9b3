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

export interface RunConfig {
  /** Free text shown in lists; defaults to a label built from the loss. */
  name?: string;
  dataset: DatasetSpec;
  model: ModelSpec;
  loss: LossSpec;
  optimizer: OptimizerSpec;
  batchSize: number;
  epochs: number;
  seed: number;
  backend: BackendChoice;
  /** Set when the run belongs to a sweep or an experiment file. */
  sweepId?: string;
  experiment?: string;
}

export const DEFAULT_CONFIG: RunConfig = {
  dataset: { name: 'digits', validationFraction: 0.15, testFraction: 0.15 },
  model: { type: 'mlp', hidden: [128] },
  loss: { type: 'poly', epsilon: 1 },
  optimizer: { type: 'adam', learningRate: 0.001 },
  batchSize: 64,
  epochs: 10,
  seed: 1,
  backend: 'auto',
};
