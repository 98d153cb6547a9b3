/**
 * Datasets for training: the ones shipped in media/datasets, a user's CSV or IDX files, with seeded
 * stratified subsampling and train/validation/test splits, long-tailed imbalance and label noise
 * on the training split only, and preprocessing (images in [0, 1], tabular features standardised
 * with training-split statistics).
 */
import { createRng } from '../../core/random';
import { BUNDLED_DATASETS, type BundledDataset, type DatasetSpec } from '../../core/runConfig';
import { bundledFile, loadBundled } from './bundled';
import { BUNDLED_DATASET_INFO, type BundledDatasetInfo } from '../../core/datasetCatalog';
import { CSV_CHECK_ROWS, loadCsv, readCsv } from './csv';
import { DatasetError } from './errors';
import { loadIdx } from './idx';
import { featureCount } from './packedFormat';
import { gatherSplit, standardise } from './preprocess';
import { flipLabels, imbalanceTrain, stratifiedSplit, stratifiedSubsample } from './sampling';
import { sourceKey, type SourceCache } from './sourceCache';
import type { Dataset, LabelledData } from './types';
import { resolveUserPath } from './userFiles';

export type { Dataset, LabelledData, Split } from './types';
export type { BundledDatasetInfo } from '../../core/datasetCatalog';
export { DatasetError } from './errors';
export { findDatasetsDir } from './bundled';
export { MAX_DATASET_FILE_BYTES } from './userFiles';
export { SourceCache } from './sourceCache';

export const DEFAULT_VALIDATION_FRACTION = 0.15;
export const DEFAULT_TEST_FRACTION = 0.15;

export interface LoadDatasetOptions {
  /** Folder holding the bundled `<name>.pld.gz` files; default: media/datasets found above this module. */
  datasetsDir?: string;
  /** Base for relative CSV/IDX paths; default: the current directory. */
  workspaceDir?: string;
  /** Keeps parsed sources for the next load of the same unchanged files (a worker's runs share it). */
  cache?: SourceCache;
}

export function describeDatasets(): BundledDatasetInfo[] {
  return BUNDLED_DATASET_INFO.map((info) => ({ ...info }));
}

interface Settings {
  validationFraction: number;
  testFraction: number;
  imbalanceRatio: number;
  labelNoise: number;
  maxSamples?: number;
}

function numberIn(spec: DatasetSpec, field: 'validationFraction' | 'testFraction' | 'labelNoise' | 'imbalanceRatio', fallback: number, ok: (v: number) => boolean, range: string): number {
  const value = spec[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new DatasetError(`dataset.${field} must be a number ${range}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function readSettings(spec: DatasetSpec): Settings {
  const fraction = (v: number) => v >= 0 && v < 1;
  const settings: Settings = {
    validationFraction: numberIn(spec, 'validationFraction', DEFAULT_VALIDATION_FRACTION, fraction, 'in [0, 1)'),
    testFraction: numberIn(spec, 'testFraction', DEFAULT_TEST_FRACTION, fraction, 'in [0, 1)'),
    imbalanceRatio: numberIn(spec, 'imbalanceRatio', 1, (v) => v >= 1, '≥ 1 (1 = balanced)'),
    labelNoise: numberIn(spec, 'labelNoise', 0, fraction, 'in [0, 1)'),
  };
  if (settings.validationFraction + settings.testFraction >= 1) {
    throw new DatasetError(`dataset.validationFraction + dataset.testFraction must be below 1 so training data remains; got ${settings.validationFraction} + ${settings.testFraction}`);
  }
  if (spec.maxSamples !== undefined) {
    if (!Number.isInteger(spec.maxSamples) || spec.maxSamples < 1) {
      throw new DatasetError(`dataset.maxSamples must be a whole number ≥ 1; got ${JSON.stringify(spec.maxSamples)}`);
    }
    settings.maxSamples = spec.maxSamples;
  }
  return settings;
}

function need(spec: DatasetSpec, field: 'path' | 'labelsPath', what: string): string {
  const value = spec[field];
  if (typeof value !== 'string' || value.trim() === '') throw new DatasetError(`dataset.${field} is required for ${spec.name} datasets: ${what}`);
  return value;
}

const csvFile = (spec: DatasetSpec) => need(spec, 'path', 'the CSV file');
const csvOptions = (spec: DatasetSpec) => ({ labelColumn: spec.labelColumn, header: spec.header });

/** Where the examples of `spec` come from: their loader, and the cache's key (the files read, as they are now, and how they are parsed). */
interface Source { key: string | undefined; load: () => Promise<LabelledData> }

function sourceOf(spec: DatasetSpec, options: LoadDatasetOptions): Source {
  const { datasetsDir, workspaceDir } = options;
  const stamp = (files: string[], parse: unknown) => sourceKey(files.map((file) => resolveUserPath(file, workspaceDir)), parse);
  if ((BUNDLED_DATASETS as readonly string[]).includes(spec.name)) {
    const name = spec.name as BundledDataset;
    return { key: sourceKey([bundledFile(name, datasetsDir)], name), load: () => loadBundled(name, datasetsDir) };
  }
  if (spec.name === 'csv') {
    const file = csvFile(spec);
    return { key: stamp([file], ['csv', csvOptions(spec)]), load: () => loadCsv(file, csvOptions(spec), workspaceDir) };
  }
  if (spec.name === 'idx') {
    const images = need(spec, 'path', 'the IDX images file');
    const labels = need(spec, 'labelsPath', 'the IDX labels file');
    return { key: stamp([images, labels], 'idx'), load: () => loadIdx(images, labels, workspaceDir) };
  }
  throw new DatasetError(`dataset.name ${JSON.stringify(spec.name)} is not one of ${[...BUNDLED_DATASETS, 'csv', 'idx'].join(', ')}`);
}

/** The parsed source of `spec`, from the cache when it holds these files unchanged. */
function loadSource(spec: DatasetSpec, options: LoadDatasetOptions): Promise<LabelledData> {
  const { key, load } = sourceOf(spec, options);
  return options.cache ? options.cache.get(key, load) : load();
}

/** Independent random streams, so e.g. adding label noise leaves the split of the same seed unchanged. */
const STREAM = { subsample: 1, split: 2, noise: 3 } as const;
function streamRng(seed: number, stream: number): () => number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return createRng((h ^ (h >>> 16)) >>> 0);
}

function listSizes(sizes: number[]): string {
  return sizes.length <= 12 ? sizes.join(', ') : `${sizes.slice(0, 6).join(', ')}, …, ${sizes.slice(-3).join(', ')}`;
}

/** Subsample, split, imbalance, noise and preprocessing of already loaded data; all seeded by `seed`. */
export function prepareDataset(data: LabelledData, spec: DatasetSpec, seed: number): Dataset {
  const settings = readSettings(spec);
  const numClasses = data.classNames.length;
  if (data.n === 0) throw new DatasetError(`${data.name} has no examples`);
  if (numClasses < 2) throw new DatasetError(`${data.name} has only one class ('${data.classNames[0]}'); classification needs at least 2`);
  const notes = [...data.notes];

  let among = Array.from({ length: data.n }, (_, i) => i);
  let label = data.name;
  if (settings.maxSamples !== undefined && settings.maxSamples < data.n) {
    among = stratifiedSubsample(data.y, numClasses, settings.maxSamples, streamRng(seed, STREAM.subsample));
    label = `${data.name} (after dataset.maxSamples ${settings.maxSamples})`;
    notes.push(`maxSamples ${settings.maxSamples}: stratified subsample of ${among.length} of ${data.n} examples`);
  }

  const fractions = { validation: settings.validationFraction, test: settings.testFraction };
  const split = stratifiedSplit(data.y, data.classNames, among, fractions, streamRng(seed, STREAM.split), label);
  notes.push(`stratified split (seed ${seed}): train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length}`);

  if (settings.imbalanceRatio > 1) {
    const { train, classSizes } = imbalanceTrain(data.y, numClasses, split.train, settings.imbalanceRatio);
    split.train = train;
    notes.push(`imbalance ratio ${settings.imbalanceRatio} (exponential profile, class 0 largest) applied to the training split only: class sizes ${listSizes(classSizes)}; validation and test keep their stratified sizes`);
  }

  const trainLabels = Int32Array.from(split.train, (i) => data.y[i]);
  if (settings.labelNoise > 0) {
    const flipped = flipLabels(trainLabels, numClasses, settings.labelNoise, streamRng(seed, STREAM.noise));
    notes.push(`label noise ${settings.labelNoise}: ${flipped} of ${trainLabels.length} training labels flipped to a random other class; validation and test labels are clean`);
  }

  const train = gatherSplit(data, split.train, trainLabels);
  const validation = gatherSplit(data, split.validation);
  const test = gatherSplit(data, split.test);
  if (data.isImage) {
    notes.push('pixels scaled to [0, 1]');
  } else {
    standardise(train, [validation, test], featureCount(data.inputShape));
    notes.push('features standardised with the training split\'s mean and standard deviation');
  }

  return {
    name: data.name,
    numClasses,
    classNames: data.classNames,
    inputShape: data.inputShape,
    isImage: data.isImage,
    train,
    validation,
    test,
    notes,
  };
}

export async function loadDataset(spec: DatasetSpec, seed: number, options: LoadDatasetOptions = {}): Promise<Dataset> {
  readSettings(spec);
  return prepareDataset(await loadSource(spec, options), spec, seed);
}

/** Reads and parses the files of `spec` into `options.cache` ahead of its runs (each run makes its own splits). */
export async function cacheDatasetSource(spec: DatasetSpec, options: LoadDatasetOptions & { cache: SourceCache }): Promise<void> {
  readSettings(spec);
  await loadSource(spec, options);
}

/**
 * Whether training could load this dataset, checked before a run exists: loaded and split as
 * training will. A CSV file longer than CSV_CHECK_ROWS rows is checked by those first rows only
 * (file, separator, header, label column, numbers): the training worker's parse is the one full
 * parse of a large file, and names the line of any problem further down.
 */
export async function checkDataset(spec: DatasetSpec, seed: number, options: LoadDatasetOptions = {}): Promise<void> {
  readSettings(spec);
  if (spec.name !== 'csv') {
    await loadDataset(spec, seed, options);
    return;
  }
  const { data, complete } = await readCsv(csvFile(spec), csvOptions(spec), options.workspaceDir, CSV_CHECK_ROWS);
  if (complete) prepareDataset(data, spec, seed);
}
