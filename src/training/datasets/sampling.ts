/**
 * Seeded, stratified choices of examples: subsampling, the train/validation/test split, the
 * long-tailed imbalance of the training split and symmetric label noise. All work on example
 * indices; the caller gathers the feature rows afterwards.
 */
import { shuffleInPlace } from '../../core/random';
import { DatasetError } from './errors';

type Rng = () => number;

export function indicesByClass(y: Int32Array, numClasses: number, among?: readonly number[]): number[][] {
  const groups: number[][] = Array.from({ length: numClasses }, () => []);
  if (among) for (const i of among) groups[y[i]].push(i);
  else y.forEach((c, i) => groups[c].push(i));
  return groups;
}

/** Splits `total` into parts proportional to `sizes` that sum exactly to `total` (largest remainder). */
export function proportionalQuotas(sizes: readonly number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / sum);
  const quotas = exact.map(Math.floor);
  let missing = total - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of byRemainder) {
    if (missing-- <= 0) break;
    quotas[c]++;
  }
  return quotas;
}

/** At most `max` examples, each class keeping its share of the data. */
export function stratifiedSubsample(y: Int32Array, numClasses: number, max: number, rng: Rng): number[] {
  const groups = indicesByClass(y, numClasses);
  const quotas = proportionalQuotas(groups.map((g) => g.length), Math.min(max, y.length));
  const kept = groups.flatMap((group, c) => {
    shuffleInPlace(group, rng);
    return group.slice(0, quotas[c]);
  });
  return kept.sort((a, b) => a - b);
}

export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

export interface SplitFractions {
  validation: number;
  test: number;
}

/**
 * Each class is divided on its own: round(size × fraction) examples (at least one when the fraction
 * is above zero) go to test and to validation, the rest to train. Each split is then shuffled.
 */
export function stratifiedSplit(y: Int32Array, classNames: readonly string[], among: readonly number[], fractions: SplitFractions, rng: Rng, datasetLabel: string): SplitIndices {
  const share = (size: number, fraction: number) => (fraction > 0 ? Math.max(1, Math.round(size * fraction)) : 0);
  const needed = 1 + (fractions.validation > 0 ? 1 : 0) + (fractions.test > 0 ? 1 : 0);
  const split: SplitIndices = { train: [], validation: [], test: [] };
  indicesByClass(y, classNames.length, among).forEach((group, c) => {
    if (group.length < needed) {
      throw new DatasetError(`${datasetLabel}: class '${classNames[c]}' has only ${group.length} example(s); it needs at least ${needed} to appear in the train, validation and test splits`);
    }
    shuffleInPlace(group, rng);
    const nTest = Math.min(share(group.length, fractions.test), group.length - needed + 1);
    const nValidation = Math.min(share(group.length, fractions.validation), group.length - nTest - 1);
    appendRange(split.test, group, 0, nTest);
    appendRange(split.validation, group, nTest, nTest + nValidation);
    appendRange(split.train, group, nTest + nValidation, group.length);
  });
  shuffleInPlace(split.train, rng);
  shuffleInPlace(split.validation, rng);
  shuffleInPlace(split.test, rng);
  return split;
}

/** Appends from[start..end) to `to` (a loop: spreading a class of a million examples overflows the stack). */
function appendRange(to: number[], from: readonly number[], start: number, end: number): void {
  for (let i = start; i < end; i++) to.push(from[i]);
}

/**
 * Long-tailed training split with an exponential profile: class c keeps
 * round(nMax · ratio^(−c/(K−1))) examples (never more than it has, never fewer than one),
 * where nMax is the largest training class. Keeps the first examples of each class in the
 * (already shuffled) training order, so the result is seeded by the split.
 */
export function imbalanceTrain(y: Int32Array, numClasses: number, train: readonly number[], ratio: number): { train: number[]; classSizes: number[] } {
  const available = indicesByClass(y, numClasses, train).map((g) => g.length);
  const nMax = Math.max(...available);
  const classSizes = available.map((size, c) => Math.min(size, Math.max(1, Math.round(nMax * ratio ** (-c / (numClasses - 1))))));
  const taken = new Array<number>(numClasses).fill(0);
  const kept = train.filter((i) => taken[y[i]]++ < classSizes[y[i]]);
  return { train: kept, classSizes };
}

/**
 * Symmetric label noise: round(rate × n) distinct labels, chosen at random, are each replaced by a
 * uniformly random different class. Changes `labels` in place; returns how many were flipped.
 */
export function flipLabels(labels: Int32Array, numClasses: number, rate: number, rng: Rng): number {
  const count = Math.round(rate * labels.length);
  const positions = Array.from({ length: labels.length }, (_, i) => i);
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(rng() * (positions.length - k));
    [positions[k], positions[j]] = [positions[j], positions[k]];
    const i = positions[k];
    labels[i] = (labels[i] + 1 + Math.floor(rng() * (numClasses - 1))) % numClasses;
  }
  return count;
}
