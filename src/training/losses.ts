/**
 * The PolyLoss family on tfjs tensors, for the training loop. Same formulas as src/core/polyloss.ts
 * (see that file for the math).
 *
 * Softmax family: one custom op per loss whose gradient is the closed form (POLYLOSS.md), so that
 * CE, Poly-N and focal all cost one backward multiply or two, instead of tfjs autodiff through every
 * op of the loss: with p = softmax(z), y the (smoothed) labels and Pt = Σ y·p,
 *   ∂CE/∂z = p − y,   ∂Pt/∂z = p⊙(y − Pt),   ∂log Pt/∂z = p⊙(y − Pt)/Pt,
 * and any loss a·CE + f(Pt) + g(Pt)·log Pt is a sum of these with per-example weights. For one-hot
 * y (no smoothing) ∂Pt/∂z = −Pt·(p − y) and ∂log Pt/∂z = −(p − y): every term is a multiple of p − y
 * and no 1/Pt appears, so the gradient stays finite when Pt underflows float32. The forward pass uses
 * stable ops: CE from logSoftmax, Pt = e^(−CE), (1−Pt)^γ with γ < 1 on a clamped base.
 *
 * Sigmoid family: element-wise ops through tfjs autodiff.
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
  const t = checkedTargets(logits, targets);
  if (spec.activation !== 'sigmoid') {
    const [perExample, base, pt, poly] = softmaxOp(spec, logits, t, 'perExample', (parts) => [parts.base, parts.pt, parts.poly ?? tf.zerosLike(parts.base)]);
    return { perExample, base, poly, pt };
  }
  const { base, poly, pt } = sigmoidParts(spec, logits, t);
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
  const t = checkedTargets(logits, targets);
  if (spec.activation !== 'sigmoid') {
    if (!hasPolyTerm(spec)) {
      const [loss, pt] = softmaxOp(spec, logits, t, 'mean', (parts) => [parts.pt]) as [tf.Scalar, tf.Tensor1D];
      return { loss, base: loss, poly: tf.scalar(0), pt };
    }
    // The base mean is for reporting and poly is the rest.
    const [loss, base, pt] = softmaxOp(spec, logits, t, 'mean', (parts) => [tf.mean(parts.base), parts.pt]) as [tf.Scalar, tf.Scalar, tf.Tensor1D];
    return { loss, base, poly: tf.sub(loss, base), pt };
  }
  const { base, poly, pt } = sigmoidParts(spec, logits, t);
  const reduce = (x: tf.Tensor): tf.Scalar => tf.mean(tf.sum(x, 1));
  const baseMean = reduce(base);
  const flatPt = tf.reshape(pt, [-1]) as tf.Tensor1D;
  if (!poly) return { loss: baseMean, base: baseMean, poly: tf.scalar(0), pt: flatPt };
  // One reduction on the gradient path; the base mean is for reporting and poly is the rest.
  const loss = reduce(tf.add(base, poly));
  return { loss, base: baseMean, poly: tf.sub(loss, baseMean), pt: flatPt };
}

function hasPolyTerm(spec: LossSpec): boolean {
  return epsilonList(spec).length > 0;
}

function checkedTargets(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor2D {
  if (logits.shape[0] !== targets.shape[0] || logits.shape[1] !== targets.shape[1]) {
    throw new Error(`logits [${logits.shape}] and targets [${targets.shape}] must have the same shape`);
  }
  return targets.dtype === 'float32' ? targets : tf.cast(targets, 'float32');
}

// ---------------------------------------------------------------------------------------------
// Softmax family

/** The forward values of a softmax loss and its gradient. */
interface SoftmaxForward extends Parts {
  perExample: tf.Tensor1D;
  /** ∂L_i/∂z_i, row by row [n, K]. */
  gradient: tf.Tensor2D;
}

/**
 * Runs the softmax loss of `spec` as one op of `logits` whose gradient is the closed form, computed in
 * the forward pass.
 * The op's value is the per-example loss [n] or its mean; `extras` picks further (non-differentiated)
 * outputs from the forward pass, returned after the value.
 */
function softmaxOp(spec: LossSpec, logits: tf.Tensor2D, oneHot: tf.Tensor2D, value: 'perExample' | 'mean',
  extras: (parts: SoftmaxForward) => tf.Tensor[]): tf.Tensor[] {
  const n = logits.shape[0];
  let kept: tf.Tensor[] = [];
  const op = tf.customGrad((z, save) => {
    const parts = softmaxForward(spec, z as tf.Tensor2D, oneHot);
    const result = value === 'mean' ? tf.mean(parts.perExample) : parts.perExample;
    // Extras leave customGrad's internal scope as kept tensors (a copy where one is the value itself);
    // they are adopted by the caller's scope below.
    kept = extras(parts).map((t) => tf.keep(t === result ? tf.clone(t) : t));
    // Computed here with the tape off, so the backward pass is one multiply.
    (save as tf.GradSaveFunc)([parts.gradient]);
    return {
      value: result,
      gradFunc: (dy: tf.Tensor, [gradient]: tf.Tensor[]) => (value === 'mean' ? tf.mul(gradient, tf.div(dy, n)) : scaleRows(gradient, dy)),
    };
  });
  const out = op(logits);
  const adopted = kept.map((t) => {
    const own = tf.clone(t);
    t.dispose();
    return own;
  });
  return [out, ...adopted];
}

/** Each row of m times its weight (a number or scalar weight scales all rows). */
function scaleRows(m: tf.Tensor, weights: Weight): tf.Tensor {
  if (typeof weights === 'number' || weights.rank === 0) return times(m, weights) as tf.Tensor;
  return tf.mul(m, tf.reshape(weights, [-1, 1]));
}

function softmaxForward(spec: LossSpec, logits: tf.Tensor2D, oneHot: tf.Tensor2D): SoftmaxForward {
  const smoothing = spec.labelSmoothing ?? 0;
  const numClasses = logits.shape[1];
  const logp = tf.logSoftmax(logits) as tf.Tensor2D;
  // −log p_target: the CE of the hard label, finite even when p_target underflows float32.
  const hardCe = tf.neg(tf.sum(tf.mul(oneHot, logp), 1));
  const { ce, pt, logPt } = smoothedTarget(smoothing, numClasses, logp, hardCe);
  const focal = isFocal(spec);
  const gamma = gammaOf(spec);
  const eps = epsilonList(spec);
  const q = focal || eps.length ? tf.sub(1, pt) : null;
  const base = focal ? tf.neg(times(powNonNegative(q!, gamma), logPt)) : ce;
  const poly = q ? polyTerm(eps, gamma, q) : null;
  const y: tf.Tensor2D = smoothing ? tf.add(tf.mul(oneHot, 1 - smoothing), smoothing / numClasses) : oneHot;
  const p = tf.exp(logp) as tf.Tensor2D;
  const gradient = softmaxGradient({ focal, gamma, eps, smoothing, p, y, pt, logPt, q });
  return { base, poly, pt, perExample: (poly ? tf.add(base, poly) : base) as tf.Tensor1D, gradient };
}

/**
 * ∂L/∂z row by row, from the weights of L = [CE] + Σ_j ε_j q^(j+γ) [− q^γ·log Pt for focal], q = 1 − Pt:
 *   ∂L/∂log Pt (holding Pt) = −q^γ                          (focal only)
 *   ∂L/∂Pt (holding log Pt) = −Σ_j ε_j (j+γ) q^(j+γ−1)  [+ γ q^(γ−1)·log Pt for focal]
 * Constant weights stay numbers (Poly-1: ∂L/∂Pt = −ε), so they cost no ops.
 */
function softmaxGradient(f: { focal: boolean; gamma: number; eps: readonly number[]; smoothing: number;
  p: tf.Tensor2D; y: tf.Tensor2D; pt: tf.Tensor; logPt: tf.Tensor; q: tf.Tensor | null }): tf.Tensor2D {
  const { focal, gamma, eps, smoothing, p, y, pt, logPt, q } = f;
  const pMinusY = tf.sub(p, y);
  const logPtWeight = focal ? times(-1, powNonNegative(q!, gamma)) : 0;
  let ptWeight = eps.length ? times(-1, polySlope(eps, gamma, q!)) : 0;
  if (focal && gamma !== 0) ptWeight = plus(ptWeight, times(times(powNonNegative(q!, gamma - 1), gamma), logPt));
  const ceWeight = focal ? 0 : 1;
  if (!smoothing) {
    // One-hot: ∂log Pt/∂z = −(p − y), ∂Pt/∂z = −Pt·(p − y).
    return scaleRows(pMinusY, minus(minus(ceWeight, logPtWeight), times(pt, ptWeight))) as tf.Tensor2D;
  }
  // Smoothed: ∂Pt/∂z = p⊙(y − Pt), ∂log Pt/∂z = that / Pt, where Pt ≥ α/K > 0.
  const ptSlope = plus(ptWeight, logPtWeight === 0 ? 0 : tf.div(logPtWeight, pt));
  const ceTerm = ceWeight ? pMinusY : null;
  if (ptSlope === 0) return (ceTerm ?? tf.zerosLike(p)) as tf.Tensor2D;
  const ptTerm = scaleRows(tf.mul(p, tf.sub(y, tf.reshape(pt, [-1, 1]))), ptSlope);
  return (ceTerm ? tf.add(ceTerm, ptTerm) : ptTerm) as tf.Tensor2D;
}

/** A per-example weight: a tensor, or one number for every example (folded without ops). */
type Weight = tf.Tensor | number;

function plus(a: Weight, b: Weight): Weight {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return tf.add(a, b);
}

function minus(a: Weight, b: Weight): Weight {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (b === 0) return a;
  return tf.sub(a, b);
}

function times(a: Weight, b: Weight): Weight {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 0 || b === 0) return 0;
  if (a === 1) return b;
  if (b === 1) return a;
  return tf.mul(a, b);
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
  let base = times(powNonNegative(q, gamma), bce) as tf.Tensor;
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

/** Σ_j ε_j (j+γ) q^(j+γ−1) = d/dq of polyTerm; the exponents are ≥ γ ≥ 0, so finite at q = 0. */
function polySlope(eps: readonly number[], gamma: number, q: tf.Tensor): Weight {
  if (eps.length === 1) return times(powNonNegative(q, gamma), eps[0] * (1 + gamma));
  const exponents = eps.map((_, i) => i + gamma);
  const powers = tf.pow(tf.expandDims(q, -1), tf.tensor1d(exponents));
  return tf.sum(tf.mul(powers, tf.tensor1d(eps.map((e, i) => e * (i + 1 + gamma)))), -1);
}

/**
 * q^e for q ≥ 0 (the number 1 for e = 0). For e < 1 the gradient of pow at q = 0 is e·0^(e−1) = ∞, so
 * the base is clamped at 1e-30: the gradient stays finite, and the value changes by at most 1e-30^e
 * where q^e always multiplies a factor of order q (−log Pt or BCE), so the loss moves by less than 1e-30.
 */
function powNonNegative(q: tf.Tensor, e: number): Weight {
  if (e === 0) return 1;
  if (e === 1) return q;
  return tf.pow(e > 1 ? q : tf.maximum(q, POW_BASE_FLOOR), e);
}

const POW_BASE_FLOOR = 1e-30;
