import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CalculatorInputError, NonFiniteResultError, calculateLoss } from '../../src/cli/lossCalculator';

const LOGITS = [[2, 1, 0.1, -1, 0.5], [0.3, -0.2, 2.5, 0, -1.5], [-1, 0, 1, 2, 3], [0, 0, 0, 0, 0]];
const LABELS = [0, 2, 1, 4];

function assertClose(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
}

/** ∂(Σ perExample)/∂logits by central differences of the calculator's own output. */
function numericGradient(input: { logits: number[][] } & Record<string, unknown>): number[][] {
  const total = (logits: number[][]) => (calculateLoss({ ...input, logits }).perExample as (number | number[])[]).flat().reduce((a, b) => a + b, 0);
  const h = 1e-5;
  return input.logits.map((row, i) => row.map((_, k) => {
    const shifted = (delta: number) => input.logits.map((r, ii) => r.map((v, kk) => (ii === i && kk === k ? v + delta : v)));
    return (total(shifted(h)) - total(shifted(-h))) / (2 * h);
  }));
}

function problemsOf(input: unknown): string[] {
  try {
    calculateLoss(input);
  } catch (error) {
    assert.ok(error instanceof CalculatorInputError, String(error));
    return error.problems;
  }
  assert.fail('expected a CalculatorInputError');
}

describe('polyloss loss: values', () => {
  it('softmax Poly-1 ε = 2: sanity values, mean and gradient', () => {
    const out = calculateLoss({ logits: LOGITS, labels: LABELS, loss: { type: 'poly', epsilon: 2 }, grad: true });
    assert.equal((out.perExample as number[]).length, 4);
    assert.equal((out.pt as number[]).length, 4);
    assert.equal(out.grad?.[0].length, 5);
    (out.perExample as number[]).forEach((v, i) => assertClose(v, [1.465329, 0.681172, 5.388545, 3.209438][i], 1e-6, `perExample[${i}]`));
    assertClose(out.mean, 2.686121, 1e-6, 'mean');
    (out.pt as number[]).forEach((v, i) => assertClose(v, [0.558545, 0.782222, 0.031685, 0.2][i], 1e-6, `pt[${i}]`));
    out.grad![0].forEach((g, k) => assertClose(g, [-0.934600, 0.435014, 0.176864, 0.058873, 0.263849][k], 1e-6, `grad[0][${k}]`));
    assert.equal(out.warnings, undefined);
  });

  it('CE and Poly-1 ε = −1, 1 means; no grad unless asked', () => {
    const mean = (loss: object) => calculateLoss({ logits: LOGITS, labels: LABELS, loss }).mean;
    assertClose(mean({ type: 'ce' }), 1.472347, 1e-6, 'CE');
    assertClose(mean({ type: 'poly', epsilon: -1 }), 0.865460, 1e-6, 'ε=−1');
    assertClose(mean({ type: 'poly', epsilon: 1 }), 2.079234, 1e-6, 'ε=1');
    assert.equal(calculateLoss({ logits: LOGITS, labels: LABELS, loss: { type: 'ce' } }).grad, undefined);
  });

  it('grad is the gradient of the summed per-example loss, for every family', () => {
    const inputs = [
      { logits: LOGITS, labels: LABELS, loss: { type: 'poly-focal', gamma: 1.5, epsilon: [0.5, -0.2], labelSmoothing: 0.1 } },
      { logits: LOGITS, labels: [[0.7, 0.1, 0.1, 0.1, 0], [0, 0, 1, 0, 0], [0.2, 0.2, 0.2, 0.2, 0.2], [0, 0, 0, 0.5, 0.5]], loss: { type: 'poly', epsilon: [1, 2] } },
      { logits: LOGITS, labels: [[1, 0, 0, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], loss: { type: 'poly-focal', activation: 'sigmoid', gamma: 2, epsilon: 1, alpha: 0.25 } },
    ];
    for (const input of inputs) {
      const out = calculateLoss({ ...input, grad: true });
      const numeric = numericGradient(input);
      assert.deepEqual(out.grad!.map((row) => row.length), numeric.map((row) => row.length), `${input.loss.type} gradient shape`);
      out.grad!.forEach((row, i) => row.forEach((g, k) => assertClose(g, numeric[i][k], 1e-7, `${input.loss.type} grad[${i}][${k}]`)));
    }
  });

  it('sigmoid: per-element matrix, mean = sum over classes averaged over rows', () => {
    const logits = [[0.5, -1, 2], [3, 0, -0.25]];
    const labels = [[1, 0, 0], [0, 0, 1]];
    const out = calculateLoss({ logits, labels, loss: { type: 'ce', activation: 'sigmoid' } });
    const bce = (x: number, t: number) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
    const expected = logits.map((row, i) => row.map((x, k) => bce(x, labels[i][k])));
    assert.equal((out.perExample as number[][]).length, 2);
    (out.perExample as number[][]).forEach((row, i) => row.forEach((v, k) => assertClose(v, expected[i][k], 1e-15, `[${i}][${k}]`)));
    assertClose(out.mean, expected.flat().reduce((a, b) => a + b, 0) / 2, 1e-15, 'mean');
  });

  it('sigmoid with class indices means one positive per row', () => {
    const loss = { type: 'focal', activation: 'sigmoid', gamma: 2 };
    const byIndex = calculateLoss({ logits: LOGITS, labels: LABELS, loss });
    const byMatrix = calculateLoss({ logits: LOGITS, labels: LABELS.map((l) => [0, 1, 2, 3, 4].map((k) => (k === l ? 1 : 0))), loss });
    assert.deepEqual(byIndex, byMatrix);
  });

  it('the underflow row gives finite JSON output', () => {
    const out = calculateLoss({ logits: [[-100, 15, -5, 4, 14.5]], labels: [0], loss: { type: 'poly-focal', gamma: 0.5, epsilon: 1 }, grad: true });
    const json = JSON.parse(JSON.stringify(out));
    assert.ok(json.grad[0].every((g: unknown) => typeof g === 'number' && Number.isFinite(g)));
    assert.ok((out.perExample as number[])[0] > 115);
  });

  it('huge logits: [[1e16, 1e16, 0]] with label 1 gives CE ln 2 and Pt 1/2 (not 0 and 1)', () => {
    const ce = calculateLoss({ logits: [[1e16, 1e16, 0]], labels: [1], loss: { type: 'ce' }, grad: true });
    assert.equal((ce.perExample as number[])[0], Math.LN2);
    assert.equal((ce.pt as number[])[0], 0.5);
    assert.deepEqual(ce.grad, [[0.5, -0.5, 0]]);
    const poly = calculateLoss({ logits: [[1e16, 1e16, 0]], labels: [1], loss: { type: 'poly', epsilon: 2 } });
    assert.equal(poly.mean, Math.LN2 + 2 * 0.5);
    // Shifting every logit by 1e16 (where float64 steps by 2) changes nothing.
    const small = calculateLoss({ logits: [[2, 0, -2]], labels: [1], loss: { type: 'ce' } });
    const shifted = calculateLoss({ logits: [[1e16 + 2, 1e16, 1e16 - 2]], labels: [1], loss: { type: 'ce' } });
    assert.equal(shifted.mean, small.mean);
    assertClose(small.mean, 2 + Math.log(1 + Math.exp(-2) + Math.exp(-4)), 1e-15, 'CE of [2, 0, -2], label 1');
  });

  it('a result float64 cannot hold is refused, naming the value', () => {
    assert.throws(() => calculateLoss({ logits: [[1e308, -1e308]], labels: [1], loss: { type: 'ce' } }),
      (e: unknown) => e instanceof NonFiniteResultError && e.field === 'perExample[0]' && e.value === Infinity
        && /perExample\[0\] is Infinity in float64/.test(e.message));
  });

  it('passes on the loss-spec warnings', () => {
    const out = calculateLoss({ logits: LOGITS, labels: LABELS, loss: { type: 'poly', epsilon: -2 } });
    assert.equal(out.warnings?.length, 1);
    assert.match(out.warnings![0], /loss\.epsilon.*monotone/);
  });
});

describe('polyloss loss: input errors name the field', () => {
  const base = { logits: LOGITS, labels: LABELS, loss: { type: 'ce' } };

  it('class index out of range', () => {
    assert.deepEqual(problemsOf({ ...base, labels: [0, 2, 1, 7] }), ['labels[3] must be an integer class index in [0, 4] (got 7)']);
    assert.deepEqual(problemsOf({ ...base, labels: [0, 2.5, 1, 3] }), ['labels[1] must be an integer class index in [0, 4] (got 2.5)']);
  });

  it('ragged and non-numeric logits', () => {
    assert.deepEqual(problemsOf({ ...base, logits: [[1, 2, 3], [1, 2], [1, 2, 3], [0, 0, 0]] }),
      ['logits[1] has 2 values but logits[0] has 3: every row needs one logit per class']);
    assert.deepEqual(problemsOf({ ...base, logits: [[1, 'a', 3], [1, 2, 3], [1, 2, 3], [0, 0, 0]] }),
      ['logits[0][1] must be a finite number (got "a")']);
    assert.match(problemsOf({ ...base, logits: [] })[0], /^logits must be a non-empty list of rows/);
    assert.match(problemsOf({ ...base, logits: [[1], [2], [3], [4]] })[0], /at least 2 classes for a softmax loss/);
  });

  it('labels of the wrong length or kind', () => {
    assert.deepEqual(problemsOf({ ...base, labels: [0, 1] }),
      ['labels has 2 entries but logits has 4 rows: labels must be 4 class indices or 4 label distributions of 5 values']);
    assert.deepEqual(problemsOf({ ...base, labels: [[0, 0.5, 0, 0, 0.4], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]] }),
      ['labels[0] is a label distribution and must sum to 1 (got 0.9)']);
    assert.deepEqual(problemsOf({ ...base, loss: { type: 'ce', activation: 'sigmoid' }, labels: [[0, 0.5, 0, 0, 1], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]] }),
      ['labels[0][1] must be 0 or 1 (got 0.5)']);
    assert.deepEqual(problemsOf({ ...base, loss: { type: 'ce', activation: 'sigmoid' }, labels: [[0, 1], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]] }),
      ['labels[0] must be a row of 0/1 targets with 5 values, one per class (got a list of 2 items)']);
  });

  it('bad loss specs come from the loss-spec validator', () => {
    assert.deepEqual(problemsOf({ ...base, loss: { type: 'focal', gamma: -1 } }), ['loss.gamma must be ≥ 0 (got -1)']);
    assert.match(problemsOf({ ...base, loss: undefined })[0], /^loss must be an object/);
  });

  it('unknown fields, a non-boolean grad and a non-object input', () => {
    assert.deepEqual(problemsOf({ ...base, grads: true }), ['unknown field "grads": the input accepts logits, labels, loss, grad']);
    assert.deepEqual(problemsOf({ ...base, grad: 'yes' }), ['grad must be true or false (got "yes")']);
    assert.match(problemsOf([1, 2])[0], /^the input must be a JSON object with fields logits, labels, loss, grad/);
  });

  it('reports several problems at once', () => {
    const problems = problemsOf({ logits: LOGITS, labels: [0, 9, 1, -1], loss: { type: 'poly', epsilon: 'big' }, grad: 1 });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^loss\.epsilon/);
    assert.match(problems[1], /^grad/);
    const labelProblems = problemsOf({ logits: LOGITS, labels: [0, 9, 1, -1], loss: { type: 'ce' } });
    assert.deepEqual(labelProblems, [
      'labels[1] must be an integer class index in [0, 4] (got 9)',
      'labels[3] must be an integer class index in [0, 4] (got -1)',
    ]);
  });
});
