/**
 * src/core/polyloss.ts against the independent float64 reference of reference/polylossReference.ts
 * (naive softmax, −Σ y log p, finite-difference gradients), and against the sanity values of the paper's
 * notation document.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LossSpec } from '../../src/core/lossSpec';
import { createRng } from '../../src/core/random';
import {
  dropEpsilons, effectiveCoefficients, lossOfPt, monotoneUntil, negDlossDpt, oneHot, sigmoidElementGradient,
  sigmoidElementLoss, smoothLabels, softmaxExampleGradient, softmaxExampleLoss,
} from '../../src/core/polyloss';
import {
  assertAllClose, assertClose, numericGradient, randomRows, refFirstRise, refSigmoidLoss, refSoftmax, refSoftmaxLoss, SANITY,
  SANITY_LABELS, SANITY_LOGITS, SIGMOID_SPECS, UNDERFLOW_ROW,
} from './reference/polylossReference';

const SOFTMAX_SPECS: LossSpec[] = [
  { type: 'ce' },
  { type: 'poly', epsilon: 2 },
  { type: 'poly', epsilon: -1 },
  { type: 'poly', epsilon: -3 },
  { type: 'poly', epsilon: [1, -0.5, 0.3] },
  { type: 'poly', epsilon: dropEpsilons(4) },
  { type: 'focal', gamma: 2 },
  { type: 'focal', gamma: 0.5 },
  { type: 'focal', gamma: 0 },
  { type: 'poly-focal', gamma: 2, epsilon: 1 },
  { type: 'poly-focal', gamma: 1.5, epsilon: [0.5, -0.2] },
];

describe('softmax family matches the float64 reference', () => {
  const rows = [...SANITY_LOGITS, ...randomRows(createRng(7), 6, 5, 4)];
  const labels = rows.map((_, i) => (i < 4 ? SANITY_LABELS[i] : i % 5));
  for (const base of SOFTMAX_SPECS) {
    for (const labelSmoothing of [0, 0.1]) {
      const spec: LossSpec = labelSmoothing ? { ...base, labelSmoothing } : base;
      it(`${JSON.stringify(spec)}: loss, parts, Pt and gradient`, () => {
        rows.forEach((z, i) => {
          const y = oneHot(labels[i], z.length);
          const got = softmaxExampleLoss(spec, z, y);
          const ref = refSoftmaxLoss(spec, z, y);
          assertClose(got.loss, ref.loss, 1e-12, `row ${i} loss`);
          assertClose(got.base, ref.base, 1e-12, `row ${i} base`);
          assertClose(got.poly, ref.poly, 1e-12, `row ${i} poly`);
          assertClose(got.pt, ref.pt, 1e-12, `row ${i} pt`);
          assertClose(got.base + got.poly, got.loss, 1e-15, `row ${i} parts sum`);
          const numeric = numericGradient((zz) => refSoftmaxLoss(spec, zz, y).loss, z);
          assertAllClose(softmaxExampleGradient(spec, z, y), numeric, 1e-7, `row ${i} gradient`);
        });
      });
    }
  }

  it('accepts soft label distributions (no argmax): loss and gradient', () => {
    const y = [0.5, 0.3, 0, 0.2, 0];
    for (const spec of SOFTMAX_SPECS) {
      for (const z of rows.slice(0, 5)) {
        assertClose(softmaxExampleLoss(spec, z, y).loss, refSoftmaxLoss(spec, z, y).loss, 1e-12, `${spec.type} loss`);
        const numeric = numericGradient((zz) => refSoftmaxLoss(spec, zz, y).loss, z);
        assertAllClose(softmaxExampleGradient(spec, z, y), numeric, 1e-7, `${spec.type} gradient`);
      }
    }
  });
});

describe('sigmoid family matches the float64 reference', () => {
  const xs = [-30, -6, -2.5, -0.7, 0, 0.3, 1.9, 5, 25];
  for (const spec of SIGMOID_SPECS) {
    it(`${JSON.stringify(spec)}: loss, parts, pt and gradient`, () => {
      for (const x of xs) {
        for (const t of [0, 1]) {
          const got = sigmoidElementLoss(spec, x, t);
          const ref = refSigmoidLoss(spec, x, t);
          const tol = 1e-12;
          assertClose(got.loss, ref.loss, tol, `x=${x} t=${t} loss`);
          assertClose(got.base, ref.base, tol, `x=${x} t=${t} base`);
          assertClose(got.poly, ref.poly, tol, `x=${x} t=${t} poly`);
          assertClose(got.pt, ref.pt, tol, `x=${x} t=${t} pt`);
          const [numeric] = numericGradient(([xx]) => refSigmoidLoss(spec, xx, t).loss, [x]);
          assertClose(sigmoidElementGradient(spec, x, t), numeric, 1e-7, `x=${x} t=${t} gradient`);
        }
      }
    });
  }

  it('the poly term is not weighted by α, the focal term is', () => {
    const plain = sigmoidElementLoss({ type: 'poly-focal', activation: 'sigmoid', gamma: 2, epsilon: 1 }, 0.4, 0);
    const weighted = sigmoidElementLoss({ type: 'poly-focal', activation: 'sigmoid', gamma: 2, epsilon: 1, alpha: 0.25 }, 0.4, 0);
    assert.equal(weighted.poly, plain.poly);
    assertClose(weighted.base, 0.75 * plain.base, 1e-15, 'α_t = 1 − α for t = 0');
  });

  it('stays finite for huge logits', () => {
    const spec: LossSpec = { type: 'poly-focal', activation: 'sigmoid', gamma: 0.5, epsilon: 1 };
    for (const x of [-1000, 1000]) {
      for (const t of [0, 1]) {
        const parts = sigmoidElementLoss(spec, x, t);
        assert.ok(Number.isFinite(parts.loss) && Number.isFinite(sigmoidElementGradient(spec, x, t)), `x=${x} t=${t}`);
      }
    }
    assertClose(sigmoidElementLoss({ type: 'ce', activation: 'sigmoid' }, -1000, 1).loss, 1000, 1e-15, 'BCE(x=−1000, t=1)');
  });

  it('rejects targets other than 0 and 1', () => {
    assert.throws(() => sigmoidElementLoss({ type: 'ce', activation: 'sigmoid' }, 0.2, 0.5), /0 or 1 \(got 0.5\)/);
  });
});

describe('sanity values', () => {
  const ce: LossSpec = { type: 'ce' };
  const perExample = (spec: LossSpec) => SANITY_LOGITS.map((z, i) => softmaxExampleLoss(spec, z, oneHot(SANITY_LABELS[i], 5)));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

  it('Pt and CE per example and mean', () => {
    const parts = perExample(ce);
    assertAllClose(parts.map((p) => p.pt), SANITY.pt, 1e-6, 'Pt');
    assertAllClose(parts.map((p) => p.loss), SANITY.ce, 1e-6, 'CE');
    assertClose(mean(parts.map((p) => p.loss)), SANITY.ceMean, 1e-6, 'CE mean');
  });

  it('Poly-1 ε = 2, −1, 1', () => {
    const poly2 = perExample({ type: 'poly', epsilon: 2 }).map((p) => p.loss);
    assertAllClose(poly2, SANITY.poly2, 1e-6, 'Poly-1 ε=2');
    assertClose(mean(poly2), SANITY.poly2Mean, 1e-6, 'Poly-1 ε=2 mean');
    assertClose(mean(perExample({ type: 'poly', epsilon: -1 }).map((p) => p.loss)), SANITY.polyMinus1Mean, 1e-6, 'Poly-1 ε=−1 mean');
    assertClose(mean(perExample({ type: 'poly', epsilon: 1 }).map((p) => p.loss)), SANITY.poly1Mean, 1e-6, 'Poly-1 ε=1 mean');
  });

  it('gradient of row 0 for Poly-1 ε = 2', () => {
    assertAllClose(softmaxExampleGradient({ type: 'poly', epsilon: 2 }, SANITY_LOGITS[0], oneHot(0, 5)), SANITY.poly2GradientRow0, 1e-6, 'gradient');
  });

  it('the underflow row: Pt below float32 range, CE ≈ 115.47, everything finite', () => {
    const y = oneHot(0, 5);
    const refCe = Math.log(UNDERFLOW_ROW.reduce((s, v) => s + Math.exp(v), 0)) + 100;
    for (const spec of SOFTMAX_SPECS) {
      const parts = softmaxExampleLoss(spec, UNDERFLOW_ROW, y);
      assert.ok(parts.pt > 0 && parts.pt < 1e-45, `${spec.type}: Pt ${parts.pt}`);
      const expected = refSoftmaxLoss(spec, UNDERFLOW_ROW, y).loss;
      assertClose(parts.loss, expected, 1e-12, `${JSON.stringify(spec)} loss`);
      assert.ok(softmaxExampleGradient(spec, UNDERFLOW_ROW, y).every(Number.isFinite), `${JSON.stringify(spec)} gradient`);
    }
    assertClose(softmaxExampleLoss(ce, UNDERFLOW_ROW, y).loss, refCe, 1e-12, 'CE');
    assertClose(refCe, 115.47, 1e-4, 'CE ≈ 115.47');
  });

  it('focal with γ < 1 keeps a finite gradient when Pt rounds to 1', () => {
    const z = [60, 0, -3];
    for (const spec of [{ type: 'focal', gamma: 0.3 }, { type: 'poly-focal', gamma: 0.3, epsilon: 2 }] as LossSpec[]) {
      const grad = softmaxExampleGradient(spec, z, oneHot(0, 3));
      assert.ok(grad.every(Number.isFinite), JSON.stringify(grad));
      assert.ok(Math.abs(grad[0]) < 1e-20, `vanishing gradient at Pt ≈ 1 (got ${grad[0]})`);
    }
  });
});

describe('PolyLoss structure', () => {
  const z = [1.2, -0.4, 0.3, 2.0];
  const y = oneHot(2, 4);

  it('ε_j is added to 1/j, never multiplied by it (Poly-N)', () => {
    const pt = softmaxExampleLoss({ type: 'ce' }, z, y).pt;
    const parts = softmaxExampleLoss({ type: 'poly', epsilon: [0, 1, 0, 2] }, z, y);
    assertClose(parts.poly, (1 - pt) ** 2 + 2 * (1 - pt) ** 4, 1e-15, 'poly term');
    assert.deepEqual(effectiveCoefficients({ type: 'poly', epsilon: [0, 1, 0, 2] }, 5), [1, 1.5, 1 / 3, 2.25, 0.2]);
    assert.deepEqual(effectiveCoefficients({ type: 'ce' }, 3), [1, 0.5, 1 / 3]);
  });

  it('Drop-N is Poly-N with ε_j = −1/j, i.e. the CE series without its first N terms', () => {
    assert.deepEqual(dropEpsilons(3), [-1, -0.5, -1 / 3]);
    const pt = softmaxExampleLoss({ type: 'ce' }, z, y).pt;
    let tail = 0;
    for (let j = 4; j < 4000; j++) tail += (1 - pt) ** j / j;
    assertClose(softmaxExampleLoss({ type: 'poly', epsilon: dropEpsilons(3) }, z, y).loss, tail, 1e-12, 'Drop-3');
    assert.deepEqual(effectiveCoefficients({ type: 'poly', epsilon: dropEpsilons(3) }, 4).slice(0, 3), [0, 0, 0]);
  });

  it('Drop-1 is Poly-1 with ε = −1', () => {
    SANITY_LOGITS.forEach((row, i) => {
      const label = oneHot(SANITY_LABELS[i], 5);
      assert.equal(softmaxExampleLoss({ type: 'poly', epsilon: dropEpsilons(1) }, row, label).loss,
        softmaxExampleLoss({ type: 'poly', epsilon: -1 }, row, label).loss);
    });
  });

  it('Poly-1 focal uses the exponent γ+1 and focal with γ = 0 is CE', () => {
    const pt = softmaxExampleLoss({ type: 'ce' }, z, y).pt;
    assertClose(softmaxExampleLoss({ type: 'poly-focal', gamma: 2, epsilon: 0.7 }, z, y).poly, 0.7 * (1 - pt) ** 3, 1e-15, 'poly term');
    assertClose(softmaxExampleLoss({ type: 'focal', gamma: 0 }, z, y).loss, softmaxExampleLoss({ type: 'ce' }, z, y).loss, 1e-15, 'γ = 0');
  });

  it('label smoothing: Pt and CE both use the smoothed labels', () => {
    const ls = 0.2;
    const ys = smoothLabels(y, ls);
    assertAllClose(ys, [0.05, 0.05, 0.85, 0.05], 1e-15, 'smoothed labels');
    const p = refSoftmax(z);
    const parts = softmaxExampleLoss({ type: 'poly', epsilon: 1, labelSmoothing: ls }, z, y);
    assertClose(parts.pt, ys.reduce((s, v, k) => s + v * p[k], 0), 1e-15, 'smoothed Pt');
    assert.notEqual(parts.pt, p[2]);
    assertClose(parts.base, -ys.reduce((s, v, k) => s + v * Math.log(p[k]), 0), 1e-14, 'smoothed CE');
  });

  it('gradient identities: (1 + ε·Pt)(p − y) for one-hot, (p − y) + ε·p⊙(S − y) in general', () => {
    const p = refSoftmax(z);
    for (const eps of [2, -1, 0.5]) {
      const pt = p[2];
      assertAllClose(softmaxExampleGradient({ type: 'poly', epsilon: eps }, z, y), p.map((pk, k) => (1 + eps * pt) * (pk - y[k])), 1e-14, `ε=${eps}`);
      const soft = [0.1, 0.2, 0.6, 0.1];
      const S = soft.reduce((s, v, k) => s + v * p[k], 0);
      assertAllClose(softmaxExampleGradient({ type: 'poly', epsilon: eps }, z, soft),
        p.map((pk, k) => pk - soft[k] + eps * pk * (S - soft[k])), 1e-14, `soft ε=${eps}`);
    }
  });
});

describe('loss shape as a function of Pt', () => {
  const specs: LossSpec[] = [...SOFTMAX_SPECS, { type: 'poly-focal', gamma: 0.5, epsilon: -2 }];

  /** A 4-class row whose softmax gives the target (class 0) exactly `pt`. */
  function rowWithPt(pt: number): number[] {
    return [Math.log(pt), ...Array(3).fill(Math.log((1 - pt) / 3))];
  }

  it('lossOfPt equals the per-example loss of a row with that Pt', () => {
    for (const spec of specs) {
      for (const pt of [1e-6, 0.03, 0.2, 0.5, 0.77, 0.999]) {
        const parts = softmaxExampleLoss(spec, rowWithPt(pt), oneHot(0, 4));
        assertClose(parts.pt, pt, 1e-12, 'constructed Pt');
        assertClose(lossOfPt(spec, pt), parts.loss, 1e-9, `${JSON.stringify(spec)} at Pt=${pt}`);
      }
    }
  });

  it('negDlossDpt is −dL/dPt (central differences of lossOfPt)', () => {
    for (const spec of specs) {
      for (const pt of [0.01, 0.2, 0.5, 0.8, 0.99]) {
        const h = 1e-6;
        const numeric = -(lossOfPt(spec, pt + h) - lossOfPt(spec, pt - h)) / (2 * h);
        assertClose(negDlossDpt(spec, pt), numeric, 1e-6, `${JSON.stringify(spec)} at Pt=${pt}`);
      }
    }
  });

  it('−dCE/dPt = 1/Pt = Σ_j (1−Pt)^(j−1), and Poly-1 shifts it by ε', () => {
    for (const pt of [0.1, 0.5, 0.9]) {
      let series = 0;
      for (let j = 1; j < 2000; j++) series += (1 - pt) ** (j - 1);
      assertClose(negDlossDpt({ type: 'ce' }, pt), 1 / pt, 1e-15, 'CE');
      assertClose(negDlossDpt({ type: 'ce' }, pt), series, 1e-12, 'CE series');
      assertClose(negDlossDpt({ type: 'poly', epsilon: 2 }, pt), 1 / pt + 2, 1e-15, 'Poly-1');
    }
    assert.equal(negDlossDpt({ type: 'focal', gamma: 0.5 }, 1), 0, 'focal flattens at Pt = 1');
    assert.equal(lossOfPt({ type: 'ce' }, 0), Infinity);
  });

  it('monotoneUntil: −1/ε for Poly-1 with ε < −1, undefined while the loss keeps decreasing', () => {
    assertClose(monotoneUntil({ type: 'poly', epsilon: -2 })!, 0.5, 1e-12, 'ε = −2');
    assertClose(monotoneUntil({ type: 'poly', epsilon: -4 })!, 0.25, 1e-12, 'ε = −4');
    assertClose(monotoneUntil({ type: 'poly', epsilon: [-1.5, 0] })!, 2 / 3, 1e-12, 'Poly-2 with ε2 = 0');
    for (const spec of [{ type: 'ce' }, { type: 'poly', epsilon: -1 }, { type: 'poly', epsilon: 3 }, { type: 'focal' },
      { type: 'poly', epsilon: dropEpsilons(5) }, { type: 'poly-focal', epsilon: -1 }] as LossSpec[]) {
      assert.equal(monotoneUntil(spec), undefined, JSON.stringify(spec));
    }
  });

  it('monotoneUntil is where the loss itself first rises on a fine grid (Poly-1, Poly-N, Poly-1 focal)', () => {
    const cases: [number[], number][] = [[[-2], 0], [[-3], 0], [[0, -5], 0], [[-1.5, 0.3, 0.2], 0], [[-2], 2], [[-1.2], 0.5], [[2], 0], [[-1], 0], [[1], 2]];
    for (const [epsilon, gamma] of cases) {
      const spec: LossSpec = gamma ? { type: 'poly-focal', gamma, epsilon } : { type: 'poly', epsilon };
      const reference = refFirstRise(spec);
      const ours = monotoneUntil(spec);
      if (reference === undefined) assert.equal(ours, undefined, JSON.stringify(spec));
      else assert.ok(ours !== undefined && Math.abs(ours - reference) < 1e-4, `${JSON.stringify(spec)}: ${ours} vs ${reference}`);
    }
  });

  it('monotoneUntil finds the turn of Poly-1 focal with a strongly negative ε', () => {
    const spec: LossSpec = { type: 'poly-focal', gamma: 2, epsilon: -3 };
    const turn = monotoneUntil(spec)!;
    assert.ok(turn > 0 && turn < 1, String(turn));
    assert.ok(negDlossDpt(spec, turn - 1e-3) > 0 && negDlossDpt(spec, turn + 1e-3) < 0, 'slope changes sign at the turn');
    for (let pt = 0.001; pt < turn - 1e-3; pt += 0.001) assert.ok(negDlossDpt(spec, pt) > 0, `decreasing at ${pt}`);
  });
});
