/** Evaluation statistics on plain numbers: quartiles, confusion matrix, per-class accuracy, calibration error. */

/** Quantile with linear interpolation between order statistics (numpy's default). NaN for no values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Distribution {
  mean: number;
  q25: number;
  q50: number;
  q75: number;
}

/** Mean and quartiles of `values` (not modified). */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    mean: sorted.length ? sum / sorted.length : NaN,
    q25: quantile(sorted, 0.25),
    q50: quantile(sorted, 0.5),
    q75: quantile(sorted, 0.75),
  };
}

/** confusion[true][predicted] counts. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): number[][] {
  if (labels.length !== predictions.length) {
    throw new Error(`labels (${labels.length}) and predictions (${predictions.length}) differ in length`);
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]][predictions[i]]++;
  return matrix;
}

/** Recall of each class from a confusion matrix; NaN for a class with no examples. */
export function perClassAccuracy(confusion: number[][]): number[] {
  return confusion.map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[k] / total : NaN;
  });
}

export function accuracyOf(confusion: number[][]): number {
  let correct = 0;
  let total = 0;
  confusion.forEach((row, k) => {
    correct += row[k];
    for (const c of row) total += c;
  });
  return total ? correct / total : NaN;
}

export const ECE_BINS = 15;

/**
 * Expected calibration error: Σ_b (n_b/n)·|acc_b − conf_b| over equal-width confidence bins
 * ((0,1/B], (1/B,2/B], …; a confidence of exactly 0 goes to the first bin).
 */
export function expectedCalibrationError(confidences: ArrayLike<number>, correct: ArrayLike<number | boolean>, bins = ECE_BINS): number {
  const n = confidences.length;
  if (n !== correct.length) throw new Error(`confidences (${n}) and correct (${correct.length}) differ in length`);
  if (n === 0) return NaN;
  const count = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  const hits = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const c = confidences[i];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[b]++;
    confSum[b] += c;
    if (correct[i]) hits[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]) ece += Math.abs(hits[b] - confSum[b]) / n;
  }
  return ece;
}
