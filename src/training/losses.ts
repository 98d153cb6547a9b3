/**
 * The PolyLoss family on tfjs tensors, for the training loop. Same formulas as src/core/polyloss.ts
 * (see that file for the math).
 *
 * Softmax family: one custom op per loss whose gradient is the closed form (POLYLOSS.md), so that
 * Poly-N and focal cost the training step no more than CE: with p = softmax(z), y the (smoothed)
 * labels and Pt = Σ y·p,
 *   ∂CE/∂z = p − y,   ∂Pt/∂z = p⊙(y − Pt),   ∂log Pt/∂z = p⊙(y − Pt)/Pt,
 * and every loss of the family is a·CE + f(Pt) + g(Pt)·log Pt, a sum of these with per-example weights.
 * For one-hot y (no smoothing) ∂Pt/∂z = −Pt·(p − y) and ∂log Pt/∂z = −(p − y): every term is a multiple
 * of p − y and no 1/Pt appears, so the gradient stays finite when Pt underflows float32.
 * The tensors compute the log-softmax only; everything else (Pt, the polynomial, focal's factor, the
 * weights, and the gradient from log p: n·K numbers) is computed in float64 JS, which costs no tensor
 * ops, keeps every loss of the family as cheap as CE, and keeps 1 − Pt exact (−expm1(log Pt)) where Pt
 * rounds to 1.
 *
 * Sigmoid family: element-wise ops through tfjs autodiff, stable forms: BCE from softplus, (1−pt)^γ
 * with γ < 1 on a clamped base.
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
  /** The objective, for the gradient. */
  loss: tf.Scalar;
  /** Its value and its two parts, as numbers: loss = base + poly. */
  values: { loss: number; base: number; poly: number };
}

/**
 * Per-example losses. softmax: `targets` is one-hot [n, K]; the spec's label
 * smoothing is applied here; outputs have shape [n]. sigmoid: `targets` holds 0/1 per class [n, K];
 * outputs have shape [n, K].
 */
export function lossTensors(spec: LossSpec, logits: tf.Tensor2D, targets: tf.Tensor2D): LossTensors {
  const t = checkedTargets(logits, targets);
  if (spec.activation !== 'sigmoid') {
    const { value, terms } = softmaxOp(spec, logits, t, 'perExample');
    return {
      perExample: value,
      base: tf.tensor1d(Float32Array.from(terms.base)),
      poly: terms.poly ? tf.tensor1d(Float32Array.from(terms.poly)) : tf.zeros([terms.pt.length]),
      pt: tf.tensor1d(Float32Array.from(terms.pt)),
    };
  }
  const { base, poly, pt } = sigmoidParts(spec, logits, t);
  return poly
    ? { perExample: tf.add(base, poly), base, poly, pt }
    : { perExample: base, base, poly: tf.zerosLike(base), pt };
}

/**
 * The training objective with an explicit reduction. softmax: mean over examples (its value and parts
 * come from the float64 terms, with no tensor read back). sigmoid: sum over classes, then mean over
 * examples (each example counts once however many classes it has).
 * Usable inside `optimizer.minimize(() => meanLoss(...).loss)`.
 */
export function meanLoss(spec: LossSpec, logits: tf.Tensor2D, targets: tf.Tensor2D): MeanLoss {
  const t = checkedTargets(logits, targets);
  if (spec.activation !== 'sigmoid') {
    const { value, terms } = softmaxOp(spec, logits, t, 'mean');
    const loss = mean(terms.loss);
    return { loss: value as tf.Scalar, values: { loss, base: terms.poly ? mean(terms.base) : loss, poly: terms.poly ? mean(terms.poly) : 0 } };
  }
  const { base, poly } = sigmoidParts(spec, logits, t);
  const reduce = (x: tf.Tensor): tf.Scalar => tf.mean(tf.sum(x, 1));
  const baseMean = reduce(base);
  const loss = poly ? reduce(tf.add(base, poly)) : baseMean;
  const [lossValue, baseValue] = [loss.dataSync()[0], baseMean.dataSync()[0]];
  return { loss, values: { loss: lossValue, base: baseValue, poly: poly ? lossValue - baseValue : 0 } };
}

function checkedTargets(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor2D {
  if (logits.shape[0] !== targets.shape[0] || logits.shape[1] !== targets.shape[1]) {
    throw new Error(`logits [${logits.shape}] and targets [${targets.shape}] must have the same shape`);
  }
  return targets.dtype === 'float32' ? targets : tf.cast(targets, 'float32');
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length ? sum / values.length : NaN;
}

// ---------------------------------------------------------------------------------------------
// Softmax family

/**
 * Runs the softmax loss of `spec` as one op of `logits` whose value is the per-example loss [n] or its
 * mean, and whose gradient, computed in the forward pass, is the closed form. Also returns the
 * per-example terms (for the reported base, poly and Pt).
 */
function softmaxOp(spec: LossSpec, logits: tf.Tensor2D, oneHot: tf.Tensor2D, reduction: 'perExample' | 'mean'): { value: tf.Tensor; terms: ExampleTerms } {
  const [n, numClasses] = logits.shape;
  const smoothing = spec.labelSmoothing ?? 0;
  let terms: ExampleTerms | undefined;
  const op = tf.customGrad((z, save) => {
    // log p is read back once: the per-example terms and the gradient (n·K numbers) are computed in
    // float64 JS, so the loss adds no tensor ops beyond the log-softmax, whatever its coefficients.
    const logp = tf.logSoftmax(z as tf.Tensor2D).dataSync();
    const y = oneHot.dataSync();
    const logPtHard = new Float64Array(n);
    const meanLogp = smoothing ? new Float64Array(n) : null;
    for (let i = 0, at = 0; i < n; i++) {
      for (let k = 0; k < numClasses; k++, at++) {
        if (y[at] !== 0) logPtHard[i] += y[at] * logp[at];
        if (meanLogp) meanLogp[i] += logp[at] / numClasses;
      }
    }
    terms = exampleTerms(spec, numClasses, logPtHard, meanLogp);
    const gradient = tf.tensor2d(softmaxGradient(terms, logp, y, numClasses, smoothing), [n, numClasses]);
    (save as tf.GradSaveFunc)([gradient]);
    return {
      value: reduction === 'mean' ? tf.scalar(mean(terms.loss)) : tf.tensor1d(Float32Array.from(terms.loss)),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => (reduction === 'mean' ? tf.mul(saved, tf.div(dy, n)) : tf.mul(saved, tf.reshape(dy, [-1, 1]))),
    };
  });
  const value = op(logits);
  return { value, terms: terms! };
}

/**
 * ∂L/∂z of every example, a·(p − y) + b·p⊙(y − Pt) with y the (smoothed) labels, in float64 from log p
 * and the one-hot labels, rounded once to float32.
 */
function softmaxGradient(terms: ExampleTerms, logp: ArrayLike<number>, oneHot: ArrayLike<number>, numClasses: number, smoothing: number): Float32Array {
  const gradient = new Float32Array(logp.length);
  for (let i = 0, at = 0; at < logp.length; i++) {
    const a = terms.a === 1 ? 1 : terms.a[i];
    const b = terms.b ? terms.b[i] : 0;
    const pt = terms.pt[i];
    for (let k = 0; k < numClasses; k++, at++) {
      const p = Math.exp(logp[at]);
      const y = smoothing ? oneHot[at] * (1 - smoothing) + smoothing / numClasses : oneHot[at];
      gradient[at] = a * (p - y) + (b === 0 ? 0 : b * p * (y - pt));
    }
  }
  return gradient;
}

/**
 * One softmax loss per example, in float64: loss = base + poly, Pt, and the weights of its gradient
 * ∂L/∂z = a·(p − y) + b·p⊙(y − Pt) (b only with label smoothing; a = 1 for all of plain CE).
 */
interface ExampleTerms {
  loss: Float64Array;
  base: Float64Array;
  /** null when the spec has no polynomial term. */
  poly: Float64Array | null;
  pt: Float64Array;
  a: Float64Array | 1;
  b: Float64Array | null;
}

/**
 * The terms of every example from log p_target (hard label) and, with label smoothing α, the mean log p:
 *   Pt = (1−α)·p_target + α/K, CE = −(1−α)·log p_target − α·mean log p (= −Σ y log p),
 *   base = CE, or −q^γ·log Pt for focal;  poly = Σ_j ε_j q^(j+γ);  q = 1 − Pt.
 * Gradient weights, with L = [CE] + f(Pt) + g(Pt)·log Pt:
 *   g = ∂L/∂log Pt (holding Pt) = −q^γ (focal only);  f' = ∂L/∂Pt (holding log Pt) = −Σ_j ε_j (j+γ) q^(j+γ−1) [+ γ q^(γ−1)·log Pt, focal];
 *   one-hot: a = [1 for CE] − g − Pt·f';   smoothed: a = [1 for CE], b = f' + g/Pt (Pt ≥ α/K > 0).
 */
function exampleTerms(spec: LossSpec, numClasses: number, logPtHard: ArrayLike<number>, meanLogp: ArrayLike<number> | null): ExampleTerms {
  const n = logPtHard.length;
  const smoothing = spec.labelSmoothing ?? 0;
  const focal = isFocal(spec);
  const gamma = gammaOf(spec);
  const eps = epsilonList(spec);
  const plainCe = !focal && eps.length === 0;
  const terms: ExampleTerms = {
    loss: new Float64Array(n), base: new Float64Array(n), poly: eps.length ? new Float64Array(n) : null, pt: new Float64Array(n),
    a: plainCe ? 1 : new Float64Array(n), b: smoothing && !plainCe ? new Float64Array(n) : null,
  };
  for (let i = 0; i < n; i++) {
    const hardCe = -logPtHard[i];
    const pt = smoothing ? (1 - smoothing) * Math.exp(-hardCe) + smoothing / numClasses : Math.exp(-hardCe);
    const logPt = smoothing ? Math.log(pt) : -hardCe;
    // 1 − Pt without cancellation where Pt is close to 1.
    const q = smoothing ? 1 - pt : -Math.expm1(-hardCe);
    const ce = smoothing ? (1 - smoothing) * hardCe - smoothing * meanLogp![i] : hardCe;
    const qGamma = gamma === 0 ? 1 : Math.pow(q, gamma);
    let poly = 0;
    let polySlope = 0;
    eps.forEach((e, j) => {
      poly += e * Math.pow(q, j + 1 + gamma);
      polySlope += e * (j + 1 + gamma) * (j + gamma === 0 ? 1 : Math.pow(q, j + gamma));
    });
    const base = focal ? -qGamma * logPt : ce;
    terms.base[i] = base;
    terms.loss[i] = base + poly;
    terms.pt[i] = pt;
    if (terms.poly) terms.poly[i] = poly;
    if (plainCe) continue;
    const logPtWeight = focal ? -qGamma : 0;
    // γ·q^(γ−1)·log Pt = −γ·q^γ·(−log Pt / q), and −log Pt / q → 1 as q → 0: finite for every γ > 0.
    const focalSlope = focal && gamma !== 0 ? -gamma * qGamma * (q === 0 ? 1 : -logPt / q) : 0;
    const ptWeight = focalSlope - polySlope;
    const ceWeight = focal ? 0 : 1;
    if (terms.b) {
      (terms.a as Float64Array)[i] = ceWeight;
      terms.b[i] = ptWeight + logPtWeight / pt;
    } else {
      (terms.a as Float64Array)[i] = ceWeight - logPtWeight - pt * ptWeight;
    }
  }
  return terms;
}

// ---------------------------------------------------------------------------------------------
// Sigmoid family

interface SigmoidParts {
  base: tf.Tensor;
  /** null when the spec has no polynomial term (CE, focal). */
  poly: tf.Tensor | null;
  pt: tf.Tensor;
}

function sigmoidParts(spec: LossSpec, logits: tf.Tensor2D, targets: tf.Tensor2D): SigmoidParts {
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
 * a factor of order q (BCE), so the loss moves by less than 1e-30.
 */
function powNonNegative(q: tf.Tensor, e: number): tf.Tensor {
  if (e === 1) return q;
  return tf.pow(e > 1 ? q : tf.maximum(q, POW_BASE_FLOOR), e);
}

const POW_BASE_FLOOR = 1e-30;
