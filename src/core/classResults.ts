/**
 * Per-class results of a run's test split. Up to INLINE_CLASS_LIMIT classes they sit in run.json's
 * summary (`perClassAcc`, and the dense `confusion` matrix: at most 10,000 cells). With more classes
 * a dense matrix grows with the square of the class count (3,000 classes: 9 M cells, ~100 MB of
 * JSON), so they go to a side file of the run folder, CLASS_RESULTS_FILE, which readers load when
 * they need it: per-class accuracy, the class names, and only the non-zero cells of the confusion
 * matrix, whose number is bounded by the test split's size. run.json then stays small.
 */

export const INLINE_CLASS_LIMIT = 100;
export const CLASS_RESULTS_FILE = 'confusion.json';

/** The side file's content. */
export interface ClassResults {
  numClasses: number;
  classNames?: string[];
  /** Recall of each class on the test split; null for a class without test examples. */
  perClassAcc: (number | null)[];
  /** The non-zero cells of confusion[true][predicted]: [true class, predicted class, count], row by row. */
  confusionCells: [number, number, number][];
}

/**
 * Counts of the test split by class, computed in memory proportional to the examples, not to the
 * square of the class count: accuracy, per-class accuracy and the non-zero confusion cells.
 */
export function classResultsOf(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): ClassResults & { accuracy: number } {
  if (labels.length !== predictions.length) {
    throw new Error(`labels (${labels.length}) and predictions (${predictions.length}) differ in length`);
  }
  const totals = new Array<number>(numClasses).fill(0);
  const hits = new Array<number>(numClasses).fill(0);
  const cells = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predictions[i];
    totals[t]++;
    if (t === p) {
      hits[t]++;
      correct++;
    }
    const key = t * numClasses + p;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const confusionCells = [...cells.entries()].sort((a, b) => a[0] - b[0])
    .map(([key, count]): [number, number, number] => [Math.floor(key / numClasses), key % numClasses, count]);
  return {
    numClasses,
    accuracy: labels.length ? correct / labels.length : NaN,
    perClassAcc: totals.map((n, k) => (n ? hits[k] / n : null)),
    confusionCells,
  };
}
