/**
 * `polyloss loss`: the loss (and optionally its gradient) of given logits and labels under a loss spec,
 * computed in float64 by src/core/polyloss.ts — exact reference values to check a port against.
 *
 * Input:  {"logits": number[][], "labels": number[] | number[][], "loss": LossSpec, "grad"?: boolean}
 *   softmax: labels are class indices, or one label distribution per row (soft labels, each summing to 1);
 *   sigmoid: labels are a 0/1 target matrix shaped like logits, or class indices (one positive per row).
 * Output: perExample — one loss per row (softmax) or the per-element matrix (sigmoid);
 *   mean — softmax: mean over rows; sigmoid: sum over classes, then mean over rows (as in training);
 *   pt — shaped like perExample; grad — ∂(sum of perExample)/∂logits, when asked for;
 *   warnings — from the loss-spec check (e.g. ε < −1), when there are any.
 */
import type { LossSpec } from '../core/lossSpec';
import {
  oneHot, sigmoidElementGradient, sigmoidElementLoss, softmaxExampleGradient, softmaxExampleLoss,
} from '../core/polyloss';
import { show } from '../core/jsonSchema';
import { validateLossSpec } from '../core/validate';

export interface CalculatorOutput {
  perExample: number[] | number[][];
  mean: number;
  pt: number[] | number[][];
  grad?: number[][];
  warnings?: string[];
}

/** Bad input: one message per problem, each naming the field. */
export class CalculatorInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'CalculatorInputError';
  }
}

const INPUT_FIELDS = ['logits', 'labels', 'loss', 'grad'];
const MAX_REPORTED_PROBLEMS = 10;
const DISTRIBUTION_SUM_TOLERANCE = 1e-6;

interface CheckedInput {
  logits: number[][];
  /** One row per example: label distribution (softmax) or 0/1 targets (sigmoid). */
  targets: number[][];
  spec: LossSpec;
  grad: boolean;
  warnings: string[];
}

/** A result that float64 cannot hold (e.g. a loss of 2e308): no number is printed rather than a wrong one. */
export class NonFiniteResultError extends Error {
  constructor(readonly field: string, readonly value: number) {
    super(`${field} is ${String(value)} in float64: the logits are too far apart for this loss to be represented; scale them down`);
    this.name = 'NonFiniteResultError';
  }
}

export function calculateLoss(input: unknown): CalculatorOutput {
  const { logits, targets, spec, grad, warnings } = checkInput(input);
  const result = spec.activation === 'sigmoid'
    ? sigmoidResult(spec, logits, targets, grad)
    : softmaxResult(spec, logits, targets, grad);
  assertFinite(result);
  return warnings.length > 0 ? { ...result, warnings } : result;
}

/** Throws NonFiniteResultError naming the first value (e.g. `perExample[0]`) that is NaN or ±Infinity. */
function assertFinite(result: CalculatorOutput): void {
  const visit = (value: unknown, where: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${where}[${i}]`));
    else if (typeof value === 'number' && !Number.isFinite(value)) throw new NonFiniteResultError(where, value);
  };
  for (const field of ['perExample', 'mean', 'pt', 'grad'] as const) visit(result[field], field);
}

function softmaxResult(spec: LossSpec, logits: number[][], targets: number[][], grad: boolean): CalculatorOutput {
  const parts = logits.map((z, i) => softmaxExampleLoss(spec, z, targets[i]));
  const perExample = parts.map((p) => p.loss);
  return {
    perExample,
    mean: sum(perExample) / perExample.length,
    pt: parts.map((p) => p.pt),
    ...(grad ? { grad: logits.map((z, i) => softmaxExampleGradient(spec, z, targets[i])) } : {}),
  };
}

function sigmoidResult(spec: LossSpec, logits: number[][], targets: number[][], grad: boolean): CalculatorOutput {
  const parts = logits.map((row, i) => row.map((x, k) => sigmoidElementLoss(spec, x, targets[i][k])));
  const perExample = parts.map((row) => row.map((p) => p.loss));
  return {
    perExample,
    mean: sum(perExample.map(sum)) / perExample.length,
    pt: parts.map((row) => row.map((p) => p.pt)),
    ...(grad ? { grad: logits.map((row, i) => row.map((x, k) => sigmoidElementGradient(spec, x, targets[i][k]))) } : {}),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------------------------------------
// Input checks. Every message names the field and what it accepts.

function checkInput(input: unknown): CheckedInput {
  if (!isObject(input)) {
    throw new CalculatorInputError([`the input must be a JSON object with fields ${INPUT_FIELDS.join(', ')} (got ${show(input)})`]);
  }
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!INPUT_FIELDS.includes(key)) problems.push(`unknown field "${key}": the input accepts ${INPUT_FIELDS.join(', ')}`);
  }
  const checkedSpec = validateLossSpec(input.loss, 'loss');
  if (!checkedSpec.ok) problems.push(...checkedSpec.errors.map((issue) => issue.message));
  const activation = checkedSpec.ok ? checkedSpec.value.activation ?? 'softmax' : undefined;
  const logits = checkLogits(input.logits, activation, problems);
  const targets = logits && activation ? checkLabels(input.labels, logits, activation, problems) : undefined;
  if (input.grad !== undefined && typeof input.grad !== 'boolean') {
    problems.push(`grad must be true or false (got ${show(input.grad)})`);
  }
  if (problems.length > 0 || !checkedSpec.ok || !logits || !targets) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more problems`);
    throw new CalculatorInputError(shown);
  }
  return {
    logits,
    targets,
    spec: checkedSpec.value,
    grad: input.grad === true,
    warnings: checkedSpec.warnings.map((issue) => issue.message),
  };
}

function checkLogits(value: unknown, activation: string | undefined, problems: string[]): number[][] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`logits must be a non-empty list of rows, one row of class logits per example (got ${show(value)})`);
    return undefined;
  }
  const before = problems.length;
  const width = Array.isArray(value[0]) ? value[0].length : 0;
  value.forEach((row, i) => {
    if (!Array.isArray(row) || row.length === 0) {
      problems.push(`logits[${i}] must be a non-empty list of numbers (got ${show(row)})`);
      return;
    }
    if (row.length !== width) {
      problems.push(`logits[${i}] has ${row.length} values but logits[0] has ${width}: every row needs one logit per class`);
    }
    row.forEach((x, k) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) problems.push(`logits[${i}][${k}] must be a finite number (got ${show(x)})`);
    });
  });
  if (activation === 'softmax' && width === 1) {
    problems.push('logits rows need at least 2 classes for a softmax loss (got 1); use "activation": "sigmoid" for a single binary output');
  }
  return problems.length === before ? (value as number[][]) : undefined;
}

/** → one row per example: label distribution (softmax) or 0/1 targets (sigmoid). */
function checkLabels(value: unknown, logits: number[][], activation: string, problems: string[]): number[][] | undefined {
  const n = logits.length;
  const K = logits[0].length;
  const accepted = activation === 'sigmoid'
    ? `a 0/1 target matrix shaped like logits (${n}×${K}) or ${n} class indices`
    : `${n} class indices or ${n} label distributions of ${K} values`;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`labels must be ${accepted} (got ${show(value)})`);
    return undefined;
  }
  if (value.length !== n) {
    problems.push(`labels has ${value.length} entries but logits has ${n} rows: labels must be ${accepted}`);
    return undefined;
  }
  const before = problems.length;
  const rows = Array.isArray(value[0])
    ? value.map((row, i) => checkLabelRow(row, i, K, activation, problems))
    : value.map((label, i) => checkClassIndex(label, i, K, problems));
  return problems.length === before ? (rows as number[][]) : undefined;
}

function checkClassIndex(label: unknown, i: number, K: number, problems: string[]): number[] | undefined {
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= K) {
    problems.push(`labels[${i}] must be an integer class index in [0, ${K - 1}] (got ${show(label)})`);
    return undefined;
  }
  return oneHot(label, K);
}

function checkLabelRow(row: unknown, i: number, K: number, activation: string, problems: string[]): number[] | undefined {
  const kind = activation === 'sigmoid' ? 'a row of 0/1 targets' : 'a label distribution';
  if (!Array.isArray(row) || row.length !== K) {
    problems.push(`labels[${i}] must be ${kind} with ${K} values, one per class (got ${show(row)})`);
    return undefined;
  }
  const before = problems.length;
  row.forEach((v, k) => {
    const ok = activation === 'sigmoid'
      ? v === 0 || v === 1
      : typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
    if (!ok) problems.push(`labels[${i}][${k}] must be ${activation === 'sigmoid' ? '0 or 1' : 'a probability in [0, 1]'} (got ${show(v)})`);
  });
  if (problems.length > before) return undefined;
  const total = sum(row as number[]);
  if (activation !== 'sigmoid' && Math.abs(total - 1) > DISTRIBUTION_SUM_TOLERANCE) {
    problems.push(`labels[${i}] is a label distribution and must sum to 1 (got ${Number(total.toPrecision(6))})`);
    return undefined;
  }
  return row as number[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

