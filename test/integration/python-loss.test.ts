// The PyTorch losses of the Python client (python/polyloss_lab/torch.py) against `polyloss loss`, the
// engine's float64 calculator, on the same inputs: every member of the family, class indices, soft
// labels and sigmoid targets, and a row whose Pt underflows float32. Both must agree to 1e-9 relative.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { LossSpec } from '../../src/core/lossSpec';

const root = path.resolve(__dirname, '../..');
const PYTHON = process.env.POLYLOSS_TEST_PYTHON || '/usr/bin/python3';
const TOLERANCE = 1e-9;

interface Case { logits: number[][]; labels: number[] | number[][]; loss: LossSpec }
interface Result { perExample: number[] | number[][]; mean: number; pt: number[] | number[][] }

/** Fixed pseudo-random rows (a small LCG), so the inputs never change. */
function rows(seed: number, count: number, K: number, scale: number): number[][] {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: count }, () => Array.from({ length: K }, () => (next() * 2 - 1) * scale));
}

const UNDERFLOW_ROW = [-100, 15, -5, 4, 14.5];
const SOFTMAX_SPECS: LossSpec[] = [
  { type: 'ce' }, { type: 'poly', epsilon: 2 }, { type: 'poly', epsilon: -1 }, { type: 'poly', epsilon: [1, 0.5, -0.2] },
  { type: 'focal', gamma: 2 }, { type: 'focal', gamma: 0.5 }, { type: 'poly-focal', gamma: 2, epsilon: -1 },
  { type: 'poly-focal', gamma: 1, epsilon: [2, 0.5] }, { type: 'ce', labelSmoothing: 0.1 },
  { type: 'poly', epsilon: 2, labelSmoothing: 0.2 }, { type: 'focal', gamma: 2, labelSmoothing: 0.1 },
];
const SIGMOID_SPECS: LossSpec[] = [
  { type: 'ce', activation: 'sigmoid' }, { type: 'poly', epsilon: 1, activation: 'sigmoid' },
  { type: 'focal', gamma: 2, activation: 'sigmoid', alpha: 0.25 }, { type: 'poly-focal', gamma: 2, epsilon: -1, activation: 'sigmoid', alpha: 0.25 },
  { type: 'poly-focal', gamma: 0.5, epsilon: [2, 0.5], activation: 'sigmoid' },
];

function cases(): Case[] {
  const out: Case[] = [];
  SOFTMAX_SPECS.forEach((loss, i) => {
    out.push({ logits: [...rows(i + 1, 5, 5, 4), UNDERFLOW_ROW], labels: [0, 3, 1, 4, 2, 0], loss });
    const soft = rows(i + 50, 3, 5, 1).map((r) => r.map((v) => Math.abs(v)));
    out.push({ logits: rows(i + 100, 3, 5, 3), labels: soft.map((r) => r.map((v) => v / r.reduce((a, b) => a + b, 0))), loss });
  });
  SIGMOID_SPECS.forEach((loss, i) => {
    const logits = rows(i + 200, 4, 3, 5);
    out.push({ logits, labels: logits.map((r, j) => r.map((_, k) => ((j + k) % 3 === 0 ? 1 : 0))), loss });
  });
  return out;
}

function cli(input: Case): Result {
  const run = spawnSync(process.execPath, [path.join(root, 'bin/polyloss.js'), 'loss'], { input: JSON.stringify(input), encoding: 'utf8' });
  assert.equal(run.status, 0, `polyloss loss: ${run.stderr}`);
  return JSON.parse(run.stdout) as Result;
}

/** All cases through poly_loss in float64 in one Python process. */
function python(inputs: Case[]): Result[] {
  const script = `
import json, sys, warnings, torch
from polyloss_lab.torch import poly_loss
warnings.simplefilter("ignore")
out = []
for case in json.load(sys.stdin):
    z = torch.tensor(case["logits"], dtype=torch.float64)
    labels = case["labels"]
    y = torch.tensor(labels, dtype=torch.float64) if isinstance(labels[0], list) else torch.tensor(labels)
    per, _, _, pt = poly_loss(z, y, case["loss"], reduction="none", return_parts=True)
    out.append({"perExample": per.tolist(), "mean": poly_loss(z, y, case["loss"]).item(), "pt": pt.tolist()})
json.dump(out, sys.stdout)
`;
  const run = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify(inputs), encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(root, 'python') },
  });
  assert.equal(run.status, 0, `${PYTHON} with polyloss_lab.torch: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as Result[];
}

function assertClose(actual: unknown, expected: unknown, what: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${what}: shape`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, `${what}[${i}]`));
    return;
  }
  const [a, e] = [actual as number, expected as number];
  assert.ok(Number.isFinite(a), `${what}: got ${a}`);
  assert.ok(Math.abs(a - e) <= TOLERANCE * Math.max(1, Math.abs(e)), `${what}: Python ${a}, polyloss loss ${e}`);
}

describe('polyloss_lab.torch against polyloss loss (float64)', () => {
  it('agrees to 1e-9 relative on every loss of the family', () => {
    const inputs = cases();
    const fromPython = python(inputs);
    inputs.forEach((input, i) => {
      const what = `${JSON.stringify(input.loss)} ${Array.isArray(input.labels[0]) ? 'soft/targets' : 'indices'}`;
      const expected = cli(input);
      assertClose(fromPython[i].perExample, expected.perExample, `${what} perExample`);
      assertClose(fromPython[i].mean, expected.mean, `${what} mean`);
      assertClose(fromPython[i].pt, expected.pt, `${what} pt`);
    });
    assert.ok(inputs.length >= 25);
  });
});
