import { featureCount } from './packedFormat';
import type { LabelledData, Split } from './types';

/** Copies the chosen examples into a split (labels from `labels` when given, e.g. after noise). */
export function gatherSplit(data: LabelledData, indices: readonly number[], labels?: Int32Array): Split {
  const width = featureCount(data.inputShape);
  const x = new Float32Array(indices.length * width);
  indices.forEach((i, row) => x.set(data.x.subarray(i * width, (i + 1) * width), row * width));
  const y = labels ?? Int32Array.from(indices, (i) => data.y[i]);
  return { x, y, n: indices.length };
}

/**
 * Standardises every feature to zero mean and unit variance using statistics of the training split
 * only, so nothing leaks from validation or test. Constant features are only centred.
 */
export function standardise(train: Split, others: Split[], width: number): void {
  const mean = new Float64Array(width);
  const variance = new Float64Array(width);
  for (let i = 0; i < train.x.length; i++) mean[i % width] += train.x[i];
  for (let j = 0; j < width; j++) mean[j] /= train.n;
  for (let i = 0; i < train.x.length; i++) variance[i % width] += (train.x[i] - mean[i % width]) ** 2;
  const scale = Array.from(variance, (v) => {
    const std = Math.sqrt(v / train.n);
    return std > 1e-12 ? 1 / std : 1;
  });
  for (const split of [train, ...others]) {
    for (let i = 0; i < split.x.length; i++) split.x[i] = (split.x[i] - mean[i % width]) * scale[i % width];
  }
}
