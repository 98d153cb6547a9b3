/**
 * The PolyLoss family on tfjs tensors, for the training loop. Same formulas as src/core/polyloss.ts
 * (see that file for the math); written with stable ops so tfjs autodiff gives finite gradients even
 * when Pt underflows float32:
 * - CE from logSoftmax (never log(softmax)); Pt and log Pt derived from the hard-label CE, so the
 *   polynomial term costs a few ops on [n] and focal's log Pt never takes log(0);
 * - (1−Pt)^γ with γ < 1 on a clamped base, so the gradient of pow at 0 is never ∞·0.
 * Softmax targets must be one-hot (the training data has one label per example).
 */
import * as tf from '@tensorflow/tfjs';
import { epsilonList, gammaOf, type LossSpec } from '../core/lossSpec';
import { isFocal } from '../core/polyloss';

export interface LossTensors {
  /** softmax: [n]; sigmoid: [n, K]. perExample = base + poly. */
  perExample: tf.Tensor;
  base: tf.Tensor;
  poly: tf.Tensor;
  /** Probability given to the target, same shape as perExample. */
  pt: tf.Tensor;
}

export interface MeanLoss {
  loss: tf.Scalar;
  base: tf.Scalar;
  poly: tf.Scalar;
  /** softmax: Pt per example [n]; sigmoid: pt per element, flattened row by row [n·K]. */
  pt: tf.Tensor1D;
}

interface Parts {
  base: tf.Tensor;
  /** null when the spec has no polynomial term (CE, focal). */
  poly: tf.Tensor | null;
  pt: tf.Tensor;
}

/**
 * Per-example losses. softmax: `targets` is one-hot [n, K]; the spec's label
 * smoothing is applied here; outputs have shape [n]. sigmoid: `targets` holds 0/1 per class [n, K];
 * outputs have shape [n, K].
 */
export function lossTensors(spec: LossSpec, logits: tf.Tensor2D, targets: tf.Tensor2D): LossTensors {
  const { base, poly, pt } = lossParts(spec, logits, targets);
  return poly
    ? { perExample: tf.add(base, poly), base, poly, pt }
    : { perExample: base, base, poly: tf.zerosLike(base), pt };
}

/**
 * The training objective with an explicit reduction. softmax: mean over examples. sigmoid: sum over
 * classes, then mean over examples (each example counts once however many classes it has).
 * Usable inside `optimizer.minimize(() => meanLoss(...).loss)`.
 */
export function meanLoss(spec: LossSpec, logits: tf.Tensor2D, targets: tf.Tensor2D): MeanLoss {
  const { base, poly, pt } = lossParts(spec, logits, targets);
  const reduce = (t: tf.Tensor): tf.Scalar =>
    spec.activation === 'sigmoid' ? tf.mean(tf.sum(t, 1)) : tf.mean(t);
  const baseMean = reduce(base);
  const flatPt = tf.reshape(pt, [-1]) as tf.Tensor1D;
  if (!poly) return { loss: baseMean, base: baseMean, poly: tf.scalar(0), pt: flatPt };
  // One reduction on the gradient path; the base mean is for reporting and poly is the rest.
  const loss = reduce(tf.add(base, poly));
  return { loss, base: baseMean, poly: tf.sub(loss, baseMean), pt: flatPt };
}

function lossParts(spec: LossSpec, logits: tf.Tensor2D, targets: tf.Tensor2D): Parts {
  if (logits.shape[0] !== targets.shape[0] || logits.shape[1] !== targets.shape[1]) {
    throw new Error(`logits [${logits.shape}] and targets [${targets.shape}] must have the same shape`);
  }
  const t = targets.dtype === 'float32' ? targets : tf.cast(targets, 'float32');
  return spec.activation === 'sigmoid' ? sigmoidParts(spec, logits, t) : softmaxParts(spec, logits, t);
}

function softmaxParts(spec: LossSpec, logits: tf.Tensor2D, oneHot: tf.Tensor2D): Parts {
  const logp = tf.logSoftmax(logits);
  // −log p_target: the CE of the hard label, finite even when p_target underflows float32.
  const hardCe = tf.neg(tf.sum(tf.mul(oneHot, logp), 1));
  const { ce, pt, logPt } = smoothedTarget(spec.labelSmoothing ?? 0, logits.shape[1], logp, hardCe);
  if (spec.type === 'ce') return { base: ce, poly: null, pt };
  const q = tf.sub(1, pt);
  const gamma = gammaOf(spec);
  const base = isFocal(spec) ? tf.neg(tf.mul(powNonNegative(q, gamma), logPt)) : ce;
  return { base, poly: polyTerm(epsilonList(spec), gamma, q), pt };
}

/**
 * CE, Pt and log Pt for y = onehot·(1−α) + α/K, from the hard-label CE: Pt = (1−α)·e^(−hardCe) + α/K.
 * Without smoothing Pt = e^(−CE) and log Pt = −CE, so the polynomial term only adds a few ops on [n]
 * and its gradient flows back through the CE's own. With smoothing Pt ≥ α/K, so log Pt is safe.
 */
function smoothedTarget(smoothing: number, numClasses: number, logp: tf.Tensor2D, hardCe: tf.Tensor):
  { ce: tf.Tensor; pt: tf.Tensor; logPt: tf.Tensor } {
  if (!smoothing) {
    const logPt = tf.neg(hardCe);
    return { ce: hardCe, pt: tf.exp(logPt), logPt };
  }
  const uniformCe = tf.neg(tf.mean(logp, 1));
  const ce = tf.add(tf.mul(hardCe, 1 - smoothing), tf.mul(uniformCe, smoothing));
  const pt = tf.add(tf.mul(tf.exp(tf.neg(hardCe)), 1 - smoothing), smoothing / numClasses);
  return { ce, pt, logPt: tf.log(pt) };
}

function sigmoidParts(spec: LossSpec, logits: tf.Tensor2D, targets: tf.Tensor2D): Parts {
  // BCE = max(x,0) − x·t + log1p(e^−|x|)
  const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.softplus(tf.neg(tf.abs(logits))));
  // 1 − pt = σ(x) for t = 0 and σ(−x) for t = 1, i.e. σ((1 − 2t)·x).
  const q = tf.sigmoid(tf.mul(logits, tf.sub(1, tf.mul(targets, 2))));
  const gamma = gammaOf(spec);
  let base = gamma === 0 ? bce : tf.mul(powNonNegative(q, gamma), bce);
  if (spec.alpha !== undefined) {
    const alphaT = tf.add(tf.mul(targets, 2 * spec.alpha - 1), 1 - spec.alpha);
    base = tf.mul(alphaT, base);
  }
  return { base, poly: polyTerm(epsilonList(spec), gamma, q), pt: tf.sub(1, q) };
}

/** Σ_j ε_j q^(j+γ), element-wise over q; all powers in one op. Exponents are ≥ 1, so pow's gradient is finite at 0. */
function polyTerm(eps: readonly number[], gamma: number, q: tf.Tensor): tf.Tensor | null {
  if (eps.length === 0) return null;
  if (eps.length === 1) return tf.mul(gamma === 0 ? q : tf.pow(q, 1 + gamma), eps[0]);
  const exponents = tf.tensor1d(eps.map((_, i) => i + 1 + gamma));
  return tf.sum(tf.mul(tf.pow(tf.expandDims(q, -1), exponents), tf.tensor1d([...eps])), -1);
}

/**
 * q^e for q ≥ 0. For e < 1 the gradient of pow at q = 0 is e·0^(e−1) = ∞, so the base is clamped at
 * 1e-30: the gradient stays finite, and the value changes by at most 1e-30^e where q^e always multiplies
 * a factor of order q (−log Pt or BCE), so the loss moves by less than 1e-30.
 */
function powNonNegative(q: tf.Tensor, e: number): tf.Tensor {
  if (e === 0) return tf.onesLike(q);
  if (e === 1) return q;
  return tf.pow(e > 1 ? q : tf.maximum(q, POW_BASE_FLOOR), e);
}

const POW_BASE_FLOOR = 1e-30;
