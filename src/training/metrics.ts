/** Evaluation of a model on one held-out split, in chunks, read back to plain arrays. */
import * as tf from '@tensorflow/tfjs';
import type { LossSpec } from '../core/lossSpec';
import type { RunSummary } from '../core/runFormat';
import { CLASS_RESULTS_FILE, classResultsOf, INLINE_CLASS_LIMIT, type ClassResults } from '../core/classResults';
import { accuracyOf, confusionMatrix, expectedCalibrationError, perClassAccuracy } from '../core/metrics';
import { lossTensors } from './losses';

/** A split held as tensors for the whole run: inputs [n, ...shape], one-hot targets [n, K], class indices. */
export interface SplitTensors {
  x: tf.Tensor;
  /** One-hot labels [n, K]. */
  targets: tf.Tensor2D;
  labels: Int32Array;
  n: number;
}

export interface SplitEvaluation {
  n: number;
  /** Mean per-example loss of the run's loss spec. */
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  /** Highest class probability of each example (softmax, or sigmoid for the sigmoid family). */
  confidences: Float32Array;
  /** Probability given to the target (with the spec's label smoothing), per example. */
  pt: Float32Array;
}

const EVAL_CHUNK = 2048;

export function splitTensors(x: Float32Array, y: Int32Array, n: number, inputShape: number[], numClasses: number): SplitTensors {
  return tf.tidy(() => ({
    x: tf.tensor(x, [n, ...inputShape], 'float32'),
    targets: tf.oneHot(tf.tensor1d(y, 'int32'), numClasses).toFloat() as tf.Tensor2D,
    labels: y,
    n,
  }));
}

export function disposeSplit(split: SplitTensors): void {
  tf.dispose([split.x, split.targets]);
}

export function evaluateSplit(model: tf.LayersModel, split: SplitTensors, spec: LossSpec): SplitEvaluation {
  const predictions = new Int32Array(split.n);
  const confidences = new Float32Array(split.n);
  const pt = new Float32Array(split.n);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < split.n; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, split.n - start);
    const [lossPart, pred, conf, ptPart] = tf.tidy(() => {
      // gather, not slice: slicing copies the whole tensor first on wasm.
      const rows = tf.range(start, start + size, 1, 'int32');
      const xs = tf.gather(split.x, rows);
      const targets = tf.gather(split.targets, rows) as tf.Tensor2D;
      const logits = model.predict(xs) as tf.Tensor2D;
      const parts = lossTensors(spec, logits, targets);
      const probs = spec.activation === 'sigmoid' ? tf.sigmoid(logits) : tf.softmax(logits);
      // sigmoid family: pt is per class [n, K]; keep the target class's entry.
      const targetPt = parts.pt.rank === 2 ? tf.sum(tf.mul(parts.pt, targets), 1) : parts.pt;
      return [parts.perExample.sum(), tf.argMax(logits, 1), tf.max(probs, 1), targetPt];
    });
    lossSum += lossPart.dataSync()[0];
    predictions.set(pred.dataSync() as Int32Array, start);
    confidences.set(conf.dataSync() as Float32Array, start);
    pt.set(ptPart.dataSync() as Float32Array, start);
    tf.dispose([lossPart, pred, conf, ptPart]);
  }
  for (let i = 0; i < split.n; i++) if (predictions[i] === split.labels[i]) correct++;
  return {
    n: split.n,
    loss: split.n ? lossSum / split.n : NaN,
    accuracy: split.n ? correct / split.n : NaN,
    predictions,
    confidences,
    pt,
  };
}

/**
 * The held-out test part of a run summary: accuracy, loss, per-class accuracy, confusion, ECE. With
 * more than INLINE_CLASS_LIMIT classes the per-class results come back apart, for the side file.
 */
export function testSummary(evaluation: SplitEvaluation, labels: Int32Array, numClasses: number, classNames?: string[]):
  { summary: Partial<RunSummary>; classResults?: ClassResults } {
  if (evaluation.n === 0) return { summary: {} };
  const correct = evaluation.predictions.map((p, i) => (p === labels[i] ? 1 : 0));
  const shared = { testLoss: evaluation.loss, ece: expectedCalibrationError(evaluation.confidences, correct) };
  if (numClasses > INLINE_CLASS_LIMIT) {
    const { accuracy, ...classResults } = classResultsOf(labels, evaluation.predictions, numClasses);
    return { summary: { testAcc: accuracy, ...shared, classResultsFile: CLASS_RESULTS_FILE }, classResults: { ...classResults, classNames } };
  }
  const confusion = confusionMatrix(labels, evaluation.predictions, numClasses);
  return { summary: { testAcc: accuracyOf(confusion), ...shared, perClassAcc: perClassAccuracy(confusion), confusion } };
}
