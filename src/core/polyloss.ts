/**
 * The PolyLoss family on plain float64 numbers (no tfjs): per-example losses and their gradients
 * for the loss calculator, and the loss shape as a function of Pt for plots.
 *
 * Softmax family, one example with logits z and label distribution y (Σ y = 1):
 *   Pt = Σ_k y_k p_k with p = softmax(z), computed from the SMOOTHED y when label smoothing is on.
 *   CE     = logsumexp(z) − Σ_k y_k z_k
 *   Poly-N = CE + Σ_j ε_j (1−Pt)^j           (ε_j is added to the CE coefficient 1/j)
 *   Focal  = −(1−Pt)^γ · log Pt
 *   Poly-N focal = Focal + Σ_j ε_j (1−Pt)^(j+γ). Focal is Σ_j (1/j)(1−Pt)^(j+γ), so this moves the
 *   same coefficients; for one ε it is the paper's Poly-1 focal, ε(1−Pt)^(γ+1).
 * With label smoothing CE = −Σ y log p is not −log Pt (Jensen); CE keeps the paper's form and focal
 * uses −log Pt, as its formula says. For one-hot y the two agree.
 *
 * Sigmoid family, element-wise over logit x and binary target t (multi-label / detection style):
 *   BCE = max(x,0) − x·t + log1p(e^−|x|), pt = t·σ(x) + (1−t)(1−σ(x)), α_t = α·t + (1−α)(1−t) (1 if α unset)
 *   base = α_t (1−pt)^γ BCE (γ = 0 for ce/poly), poly = Σ_j ε_j (1−pt)^(j+γ) — the paper's form:
 *   the polynomial term is NOT weighted by α_t.
 */
import { epsilonList, gammaOf, type LossSpec } from './lossSpec';

/** One example's loss split into its parts: loss = base + poly. */
export interface LossParts {
  loss: number;
  /** CE (or BCE), or the focal term. */
  base: number;
  /** The polynomial part Σ ε_j (1−Pt)^(j+γ). */
  poly: number;
  /** Probability given to the target (softmax: Σ y·p with the smoothed y; sigmoid: the element's pt). */
  pt: number;
}

/** Focal and Poly-N focal use −(1−Pt)^γ·log Pt as their base; CE and Poly-N use CE. */
export function isFocal(spec: LossSpec): boolean {
  return spec.type === 'focal' || spec.type === 'poly-focal';
}

export function oneHot(label: number, numClasses: number): number[] {
  const row = new Array<number>(numClasses).fill(0);
  row[label] = 1;
  return row;
}

/** y·(1−α_ls) + α_ls/K: the label distribution the softmax losses actually use. */
export function smoothLabels(labels: readonly number[], labelSmoothing: number): number[] {
  if (!labelSmoothing) return [...labels];
  const uniform = labelSmoothing / labels.length;
  return labels.map((y) => y * (1 - labelSmoothing) + uniform);
}

/** The spec's ε_j for the Drop-N loss: CE − Σ_{j≤N} (1/j)(1−Pt)^j. */
export function dropEpsilons(n: number): number[] {
  return Array.from({ length: n }, (_, i) => -1 / (i + 1));
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the softmax and sigmoid forms: everything is a function of q = 1 − Pt.

function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/**
 * log softmax(z)_k = (z_k − max) − log Σ_j e^(z_j − max). Subtracting the max before the log keeps
 * what `z_k − logsumexp(z)` loses: for z = [1e16, 1e16, 0] logsumexp is 1e16 + ln 2, which rounds
 * to 1e16, so that form gives log p = 0 where −ln 2 is right. The sum is 1 + the others, so log1p.
 */
function logSoftmax(logits: readonly number[]): number[] {
  let top = 0;
  for (let k = 1; k < logits.length; k++) if (logits[k] > logits[top]) top = k;
  const shifted = logits.map((z) => z - logits[top]);
  let others = 0;
  shifted.forEach((d, k) => { if (k !== top) others += Math.exp(d); });
  const logSum = Math.log1p(others);
  return shifted.map((d) => d - logSum);
}

/** −log(Pt)/(1−Pt): tends to 1 as Pt → 1, so (1−Pt)^(γ−1)·log Pt never becomes 0·∞. */
function negLogOverQ(logPt: number, q: number): number {
  return q === 0 ? 1 : -logPt / q;
}

/** Σ_j ε_j q^(j+γ). */
function polyTerm(eps: readonly number[], gamma: number, q: number): number {
  let sum = 0;
  eps.forEach((e, i) => { sum += e * Math.pow(q, i + 1 + gamma); });
  return sum;
}

/** −d/dPt of Σ_j ε_j q^(j+γ) = Σ_j ε_j (j+γ) q^(j+γ−1); the exponent is ≥ 0 since j ≥ 1. */
function negPolyDerivative(eps: readonly number[], gamma: number, q: number): number {
  let sum = 0;
  eps.forEach((e, i) => { sum += e * (i + 1 + gamma) * Math.pow(q, i + gamma); });
  return sum;
}

/** The focal term −q^γ·log Pt and its −d/dPt = q^γ·(1/Pt + γ·(−log Pt)/q). */
function focalTerm(gamma: number, logPt: number, q: number): { value: number; negDerivative: number } {
  const qg = gamma === 0 ? 1 : Math.pow(q, gamma);
  return {
    value: -qg * logPt,
    negDerivative: qg * (Math.exp(-logPt) + gamma * negLogOverQ(logPt, q)),
  };
}

// ---------------------------------------------------------------------------------------------
// Softmax family

interface SoftmaxState {
  y: number[];
  logp: number[];
  p: number[];
  logPt: number;
  /** 1 − Pt, computed as Σ (1−y_k) p_k so it keeps its precision when Pt ≈ 1. */
  q: number;
  /** CE = −Σ y log p = logsumexp(z) − Σ y z (as Σ y = 1), summed from log p so large logits don't cancel. */
  ce: number;
}

function softmaxState(spec: LossSpec, logits: readonly number[], labels: readonly number[]): SoftmaxState {
  if (logits.length !== labels.length) {
    throw new Error(`logits has ${logits.length} classes but the label distribution has ${labels.length}`);
  }
  const y = smoothLabels(labels, spec.labelSmoothing ?? 0);
  const logp = logSoftmax(logits);
  const p = logp.map(Math.exp);
  // log Pt = logsumexp_k(log y_k + log p_k) over the classes with y_k > 0: exact even when Pt underflows.
  const targetLogTerms: number[] = [];
  let q = 0;
  let ce = 0;
  for (let k = 0; k < y.length; k++) {
    if (y[k] > 0) targetLogTerms.push(Math.log(y[k]) + logp[k]);
    q += (1 - y[k]) * p[k];
    ce -= y[k] * logp[k];
  }
  const logPt = logSumExp(targetLogTerms);
  return { y, logp, p, logPt, q: Math.min(1, Math.max(0, q)), ce };
}

function softmaxPartsOf(spec: LossSpec, s: SoftmaxState): LossParts {
  const gamma = gammaOf(spec);
  const base = isFocal(spec) ? focalTerm(gamma, s.logPt, s.q).value : s.ce;
  const poly = polyTerm(epsilonList(spec), gamma, s.q);
  return { loss: base + poly, base, poly, pt: Math.exp(s.logPt) };
}

/**
 * Loss of one example under a softmax-family spec. `labels` is the example's label distribution
 * (one-hot or soft, summing to 1); the spec's label smoothing is applied here.
 */
export function softmaxExampleLoss(spec: LossSpec, logits: readonly number[], labels: readonly number[]): LossParts {
  return softmaxPartsOf(spec, softmaxState(spec, logits, labels));
}

/**
 * ∂loss/∂z for one example. With w = y⊙p/Pt: ∂(log Pt)/∂z = w − p, ∂Pt/∂z = Pt·(w − p) = p⊙(y − Pt).
 * CE: p − y. Focal: −(−dFocal/dPt)·Pt·(w − p). Poly: −(−dPoly/dPt)·Pt·(w − p).
 * For Poly-1 with one-hot y this is (1 + ε·Pt)(p − y).
 */
export function softmaxExampleGradient(spec: LossSpec, logits: readonly number[], labels: readonly number[]): number[] {
  const s = softmaxState(spec, logits, labels);
  const gamma = gammaOf(spec);
  const focal = isFocal(spec);
  const pt = Math.exp(s.logPt);
  // Factor multiplying (w − p) in the gradient: −(−dL/dPt)·Pt, minus the CE part handled separately.
  let factor = -negPolyDerivative(epsilonList(spec), gamma, s.q) * pt;
  // Focal's −dFocal/dPt·Pt = q^γ (1 + γ·Pt·(−log Pt)/q): multiplying by Pt first keeps it finite when Pt underflows.
  if (focal) factor -= (gamma === 0 ? 1 : Math.pow(s.q, gamma)) * (1 + gamma * pt * negLogOverQ(s.logPt, s.q));
  return s.p.map((pk, k) => {
    // w_k = y_k p_k / Pt, from logs so it never divides by an underflowed Pt.
    const w = s.y[k] > 0 ? Math.exp(Math.log(s.y[k]) + s.logp[k] - s.logPt) : 0;
    const ceGrad = focal ? 0 : pk - s.y[k];
    return ceGrad + factor * (w - pk);
  });
}

// ---------------------------------------------------------------------------------------------
// Sigmoid family

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function checkBinaryTarget(t: number): void {
  if (t !== 0 && t !== 1) throw new Error(`sigmoid targets must be 0 or 1 (got ${t})`);
}

interface SigmoidState {
  bce: number;
  /** 1 − pt = σ(x) for t = 0, σ(−x) for t = 1: no cancellation. */
  q: number;
  alphaT: number;
}

function sigmoidState(spec: LossSpec, x: number, t: number): SigmoidState {
  checkBinaryTarget(t);
  const bce = Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
  const q = sigmoid(t === 1 ? -x : x);
  const alphaT = spec.alpha === undefined ? 1 : spec.alpha * t + (1 - spec.alpha) * (1 - t);
  return { bce, q, alphaT };
}

/** Loss of one (logit, 0/1 target) element under a sigmoid-family spec. */
export function sigmoidElementLoss(spec: LossSpec, x: number, t: number): LossParts {
  const { bce, q, alphaT } = sigmoidState(spec, x, t);
  const gamma = gammaOf(spec);
  const base = alphaT * (gamma === 0 ? 1 : Math.pow(q, gamma)) * bce;
  const poly = polyTerm(epsilonList(spec), gamma, q);
  return { loss: base + poly, base, poly, pt: 1 - q };
}

/**
 * ∂loss/∂x for one element. With s = 1 − 2t: ∂BCE/∂x = σ(x) − t = s·q and ∂q/∂x = s·q(1−q), so
 * ∂base/∂x = α_t·s·q^γ·(q + γ(1−q)·BCE) and ∂poly/∂x = s(1−q)·Σ ε_j (j+γ) q^(j+γ) — no negative powers.
 */
export function sigmoidElementGradient(spec: LossSpec, x: number, t: number): number {
  const { bce, q, alphaT } = sigmoidState(spec, x, t);
  const gamma = gammaOf(spec);
  const s = 1 - 2 * t;
  const qg = gamma === 0 ? 1 : Math.pow(q, gamma);
  const baseGrad = alphaT * s * qg * (q + gamma * (1 - q) * bce);
  const polyGrad = s * (1 - q) * q * negPolyDerivative(epsilonList(spec), gamma, q);
  return baseGrad + polyGrad;
}

// ---------------------------------------------------------------------------------------------
// The loss as a function of Pt, for plots. Label smoothing and the sigmoid α_t weight are not part of
// the shape (with smoothing CE is not a function of Pt alone).

/** L(Pt): −log Pt (or focal) + Σ ε_j (1−Pt)^(j+γ). Infinite at Pt = 0. */
export function lossOfPt(spec: LossSpec, pt: number): number {
  const gamma = gammaOf(spec);
  const q = 1 - pt;
  return focalTerm(gamma, Math.log(pt), q).value + polyTerm(epsilonList(spec), gamma, q);
}

/** −dL/dPt: 1/Pt = Σ_j (1−Pt)^(j−1) for CE, shifted by Σ ε_j (j+γ)(1−Pt)^(j+γ−1). */
export function negDlossDpt(spec: LossSpec, pt: number): number {
  const gamma = gammaOf(spec);
  const q = 1 - pt;
  return focalTerm(gamma, Math.log(pt), q).negDerivative + negPolyDerivative(epsilonList(spec), gamma, q);
}

/**
 * The first n coefficients α_j = 1/j + ε_j of the loss as a series Σ_j α_j (1−Pt)^(j+γ)
 * (γ = 0 outside the focal losses). Index 0 holds α_1.
 */
export function effectiveCoefficients(spec: LossSpec, n: number): number[] {
  const eps = epsilonList(spec);
  return Array.from({ length: n }, (_, i) => 1 / (i + 1) + (eps[i] ?? 0));
}

/**
 * −dL/dPt divided by (1−Pt)^γ, which has the same sign on (0, 1] and a finite limit at Pt = 1:
 * 1/Pt + γ·(−log Pt)/(1−Pt) + Σ ε_j (j+γ)(1−Pt)^(j−1).
 */
function slopeSign(spec: LossSpec, eps: readonly number[], pt: number): number {
  const gamma = gammaOf(spec);
  const q = 1 - pt;
  let sum = 1 / pt + gamma * negLogOverQ(Math.log(pt), q);
  eps.forEach((e, i) => { sum += e * (i + 1 + gamma) * Math.pow(q, i); });
  return sum;
}

const MONOTONE_GRID = 4096;

/**
 * Where the loss stops decreasing in Pt, or undefined when it decreases on all of (0, 1).
 * Poly-1 with ε < −1 turns at Pt = −1/ε. Other specs are scanned on a grid of 4096 points plus Pt = 1
 * and the first sign change of the slope is refined by bisection.
 */
export function monotoneUntil(spec: LossSpec): number | undefined {
  const eps = epsilonList(spec);
  if (eps.length === 0) return undefined;
  let lo = 0;
  for (let i = 1; i <= MONOTONE_GRID; i++) {
    const hi = i / MONOTONE_GRID;
    if (slopeSign(spec, eps, hi) < 0) return bisectSlopeZero(spec, eps, lo, hi);
    lo = hi;
  }
  return undefined;
}

/** The slope is positive at lo (or lo = 0, where 1/Pt dominates) and negative at hi. */
function bisectSlopeZero(spec: LossSpec, eps: readonly number[], lo: number, hi: number): number {
  for (let i = 0; i < 100 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (slopeSign(spec, eps, mid) < 0) hi = mid; else lo = mid;
  }
  return (lo + hi) / 2;
}
