/**
 * An independent float64 reference for the PolyLoss family, written straight from the formulas of
 * POLYLOSS.md (naive softmax, −Σ y log p, finite-difference gradients), with the inputs and sanity
 * values the loss tests share. It imports nothing but types from src, so it cannot share a bug with
 * the code it checks.
 */
import assert from 'node:assert/strict';
import type { LossSpec } from '../../../src/core/lossSpec';

// ----------------------------------------------------------------------------------------------
// Every loss written out directly from its definition.

export interface LossParts { loss: number; base: number; poly: number; pt: number }

interface RefSpec { eps: number[]; gamma: number; focal: boolean; ls: number; alpha?: number }

function refSpec(spec: LossSpec): RefSpec {
  const eps = spec.epsilon === undefined ? (spec.type.startsWith('poly') ? [1] : []) : ([] as number[]).concat(spec.epsilon);
  const focal = spec.type === 'focal' || spec.type === 'poly-focal';
  return { eps, gamma: focal ? spec.gamma ?? 2 : 0, focal, ls: spec.labelSmoothing ?? 0, alpha: spec.alpha };
}

export function refSoftmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function refSoftmaxLoss(spec: LossSpec, z: number[], label: number[]): LossParts {
  const r = refSpec(spec);
  const K = z.length;
  const y = label.map((v) => v * (1 - r.ls) + r.ls / K);
  const p = refSoftmax(z);
  const pt = y.reduce((s, yk, k) => s + yk * p[k], 0);
  const ce = -y.reduce((s, yk, k) => s + (yk > 0 ? yk * Math.log(p[k]) : 0), 0);
  const base = r.focal ? -Math.pow(1 - pt, r.gamma) * Math.log(pt) : ce;
  let poly = 0;
  for (let j = 1; j <= r.eps.length; j++) poly += r.eps[j - 1] * Math.pow(1 - pt, j + r.gamma);
  return { loss: base + poly, base, poly, pt };
}

export function refSigmoidLoss(spec: LossSpec, x: number, t: number): LossParts {
  const r = refSpec(spec);
  const p = 1 / (1 + Math.exp(-x));
  const oneMinusP = 1 / (1 + Math.exp(x));
  const pt = t * p + (1 - t) * oneMinusP;
  const bce = -(t * Math.log(p) + (1 - t) * Math.log(oneMinusP));
  const alphaT = r.alpha === undefined ? 1 : r.alpha * t + (1 - r.alpha) * (1 - t);
  const base = alphaT * Math.pow(1 - pt, r.gamma) * bce;
  let poly = 0;
  for (let j = 1; j <= r.eps.length; j++) poly += r.eps[j - 1] * Math.pow(1 - pt, j + r.gamma);
  return { loss: base + poly, base, poly, pt };
}

/** The first Pt of a grid of 200 000 where the loss as a function of Pt rises; undefined when it only falls. */
export function refFirstRise(spec: LossSpec): number | undefined {
  const { eps, gamma } = refSpec(spec);
  const loss = (pt: number) => -((1 - pt) ** gamma) * Math.log(pt) + eps.reduce((s, e, i) => s + e * (1 - pt) ** (i + 1 + gamma), 0);
  const n = 200000;
  for (let i = 1; i < n; i++) if (loss((i + 1) / n) > loss(i / n)) return i / n;
  return undefined;
}

/** Central finite differences in float64. */
export function numericGradient(f: (z: number[]) => number, z: number[], h = 1e-5): number[] {
  return z.map((_, i) => {
    const up = [...z]; up[i] += h;
    const down = [...z]; down[i] -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

// ----------------------------------------------------------------------------------------------
// Shared inputs.

/** The rows and labels of the sanity values in POLYLOSS.md. */
export const SANITY_LOGITS = [[2, 1, 0.1, -1, 0.5], [0.3, -0.2, 2.5, 0, -1.5], [-1, 0, 1, 2, 3], [0, 0, 0, 0, 0]];
export const SANITY_LABELS = [0, 2, 1, 4];
/** Pt of class 0 is about e^−115, below float32's range: CE ≈ 115.47. */
export const UNDERFLOW_ROW = [-100, 15, -5, 4, 14.5];

/** The POLYLOSS.md sanity values of SANITY_LOGITS / SANITY_LABELS, to 6 decimals. */
export const SANITY = {
  pt: [0.558545, 0.782222, 0.031685, 0.2],
  ce: [0.582420, 0.245617, 3.451914, 1.609438],
  ceMean: 1.472347,
  poly2: [1.465329, 0.681172, 5.388545, 3.209438],
  poly2Mean: 2.686121,
  polyMinus1Mean: 0.865460,
  poly1Mean: 2.079234,
  /** Gradient of row 0 for Poly-1 ε = 2. */
  poly2GradientRow0: [-0.934600, 0.435014, 0.176864, 0.058873, 0.263849],
};

/** Every sigmoid-family loss, without and with α = 0.25. */
export const SIGMOID_SPECS: LossSpec[] = [
  { type: 'ce' },
  { type: 'poly', epsilon: 1 },
  { type: 'focal', gamma: 2 },
  { type: 'focal', gamma: 0.5 },
  { type: 'poly-focal', gamma: 2, epsilon: -1 },
  { type: 'poly-focal', gamma: 1, epsilon: [2, 0.5] },
].flatMap((s) => [{ ...s, activation: 'sigmoid' } as LossSpec, { ...s, activation: 'sigmoid', alpha: 0.25 } as LossSpec]);

/** `count` rows of `K` logits uniform in [−scale, scale), drawn from `rng` (a seeded generator keeps them fixed). */
export function randomRows(rng: () => number, count: number, K: number, scale: number): number[][] {
  return Array.from({ length: count }, () => Array.from({ length: K }, () => (rng() * 2 - 1) * scale));
}

// ----------------------------------------------------------------------------------------------
// Comparison.

/** |actual − expected| ≤ tol · max(1, |expected|), and actual finite. */
export function assertClose(actual: number, expected: number, tol: number, what: string): void {
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Number.isFinite(actual), `${what}: got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tol * scale, `${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

export function assertAllClose(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assertClose(a, expected[i], tol, `${what}[${i}]`));
}
