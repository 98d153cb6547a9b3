/**
 * Plot series of a loss as a function of Pt, for the coefficient editor: L(Pt), −dL/dPt and the
 * coefficients α_j = 1/j + ε_j, beside cross-entropy and focal loss for reference. The values come
 * from src/core/polyloss.ts, the math the training losses are tested against. Label smoothing is
 * not part of the shape: with smoothed targets CE is not a function of Pt alone.
 */
import { DEFAULT_GAMMA, describeLoss, epsilonList, gammaOf, type LossSpec } from './lossSpec';
import { effectiveCoefficients, isFocal, lossOfPt, negDlossDpt } from './polyloss';

export interface ShapeCurve {
  /** Legend text, e.g. "Poly-1 ε=2", "CE", "Focal γ=2". */
  label: string;
  spec: LossSpec;
  /** L(Pt) at each grid point. */
  loss: number[];
  /** −dL/dPt at each grid point. */
  negGrad: number[];
}

export interface CoefficientBars {
  /** "α1", "α2", … */
  labels: string[];
  /** α_j = 1/j + ε_j of the edited loss. */
  values: number[];
  /** Cross-entropy's α_j = 1/j, for comparison. */
  crossEntropy: number[];
  /** The power of (1−Pt) each α_j multiplies is j + γ (γ = 0 outside the focal losses). */
  gamma: number;
}

export interface LossShape {
  /** The Pt values of the curves, increasing, ending at 1. */
  pt: number[];
  /** The edited loss first, then the references. */
  curves: ShapeCurve[];
  coefficients: CoefficientBars;
}

/** Where the curves start: L and −dL/dPt grow without bound as Pt → 0. */
export const SHAPE_PT_FROM = 0.01;
export const SHAPE_POINTS = 100;
/** Coefficients shown at least, so that the terms after the last ε visibly stay 1/j. */
const MIN_BARS = 4;

/** `points` evenly spaced Pt values from `from` to 1. */
export function ptGrid(points = SHAPE_POINTS, from = SHAPE_PT_FROM): number[] {
  return Array.from({ length: points }, (_, i) => (i === points - 1 ? 1 : from + ((1 - from) * i) / (points - 1)));
}

export function shapeCurve(spec: LossSpec, pt: readonly number[], label = describeLoss(spec)): ShapeCurve {
  return { label, spec, loss: pt.map((p) => lossOfPt(spec, p)), negGrad: pt.map((p) => negDlossDpt(spec, p)) };
}

/**
 * The losses drawn behind the edited one: cross-entropy, and focal loss with the edited γ for the
 * focal types (else the default γ). A reference equal to the edited loss is left out. Without a
 * loss (while the fields have errors): both, with the default γ.
 */
export function referenceSpecs(spec?: LossSpec): LossSpec[] {
  const gamma = spec && isFocal(spec) ? gammaOf(spec) : DEFAULT_GAMMA;
  const references: LossSpec[] = [{ type: 'ce' }, { type: 'focal', gamma }];
  return spec ? references.filter((ref) => describeLoss(ref) !== describeLoss(shapeOnly(spec))) : references;
}

export function coefficientBars(spec: LossSpec): CoefficientBars {
  const n = Math.max(epsilonList(spec).length + 1, MIN_BARS);
  return {
    labels: Array.from({ length: n }, (_, i) => `α${i + 1}`),
    values: effectiveCoefficients(spec, n),
    crossEntropy: Array.from({ length: n }, (_, i) => 1 / (i + 1)),
    gamma: gammaOf(spec),
  };
}

/** Everything the coefficient editor draws for `spec`. */
export function lossShape(spec: LossSpec, pt: readonly number[] = ptGrid()): LossShape {
  const curves = [shapeCurve(spec, pt, describeLoss(shapeOnly(spec))), ...referenceSpecs(spec).map((ref) => shapeCurve(ref, pt))];
  return { pt: [...pt], curves, coefficients: coefficientBars(spec) };
}

/**
 * A y-axis maximum that shows the curves where they are informative: the largest value at
 * Pt ≥ `fromPt` (near Pt = 0 every loss of the family shoots up like −log Pt), with some headroom,
 * rounded up to a round number so the top tick reads well.
 */
export function shapeAxisMax(pt: readonly number[], series: readonly (readonly number[])[], fromPt = 0.1): number {
  let max = 0;
  for (const values of series) {
    values.forEach((v, i) => { if (pt[i] >= fromPt && Number.isFinite(v) && v > max) max = v; });
  }
  return max > 0 ? roundUp(max * 1.05) : 1;
}

const ROUND_STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is ≥ x (x > 0). */
export function roundUp(x: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(x));
  const step = ROUND_STEPS.find((m) => x <= m * magnitude * (1 + 1e-12)) ?? 10;
  return Number((step * magnitude).toPrecision(12));
}

/** The spec without what does not change its shape in Pt (label smoothing). */
function shapeOnly(spec: LossSpec): LossSpec {
  const { labelSmoothing: _ignored, ...rest } = spec;
  return rest;
}
