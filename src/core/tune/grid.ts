/**
 * The ε values a tune tries: a coarse grid over the range first, then points halfway between the
 * best ε and its neighbours. ε = 0 is never a candidate: Poly-1 with ε = 0 is CE, the baseline.
 */

export interface EpsilonRange {
  min: number;
  max: number;
}

export const DEFAULT_EPSILON_RANGE: EpsilonRange = { min: -1, max: 4 };

/** Below ε = −1 the Poly-1 loss is no longer monotone in Pt (POLYLOSS.md): only on request. */
export const MONOTONE_EPSILON_MIN = -1;

/** At most this many ε values in the first round. */
const COARSE_POINTS = 5;
const COARSE_STEPS = [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100];
/** Refinement stops at this spacing: ε closer than this do not differ measurably in a few seeds. */
export const FINEST_SPACING = 0.125;

/** "-1:4" (or "−1..4") → { min: −1, max: 4 }; the message says what is accepted. */
export function parseEpsilonRange(text: string): { ok: true; value: EpsilonRange } | { ok: false; message: string } {
  const parts = text.replace(/\u2212/g, '-').split(/:|\.\.(?=[-+\d.])/);
  const numbers = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if (parts.length !== 2 || numbers.some((n) => !Number.isFinite(n))) {
    return { ok: false, message: `the ε range is two numbers MIN:MAX, e.g. -1:4 (got '${text}')` };
  }
  return { ok: true, value: { min: numbers[0], max: numbers[1] } };
}

/** A problem with the range, in words that name the flag's meaning and the allowed values. */
export function checkEpsilonRange(range: EpsilonRange, allowBelowMinusOne: boolean): string | undefined {
  const { min, max } = range;
  if (!Number.isFinite(min) || !Number.isFinite(max)) return `the ε range needs two finite numbers (got ${min}..${max})`;
  if (min > max) return `the ε range ${min}..${max} is empty: its start must not be above its end`;
  if (min === 0 && max === 0) return 'the ε range 0..0 holds only ε = 0, which is CE itself: give a range with other values, e.g. -1..4';
  if (min < MONOTONE_EPSILON_MIN && !allowBelowMinusOne) {
    return `the ε range starts at ${min}, below ${MONOTONE_EPSILON_MIN}, where Poly-1 is no longer monotone in Pt: start at ${MONOTONE_EPSILON_MIN} or above, or allow it explicitly`;
  }
  return undefined;
}

/** Rounds away binary noise (0.1 + 0.2), so that grid points compare and print exactly. */
function clean(value: number): number {
  return Number(value.toFixed(6));
}

function latticeIn(range: EpsilonRange, step: number): number[] {
  const points: number[] = [];
  for (let k = Math.ceil(range.min / step - 1e-9); k * step <= range.max + 1e-9; k++) points.push(clean(k * step));
  return points;
}

/**
 * The first round's ε values: the range's ends and the multiples of the smallest "round" step that
 * gives at most COARSE_POINTS values, without 0. E.g. −1..4 → −1, 1, 2, 3, 4; −1..1 → −1, −0.5, 0.5, 1.
 */
export function coarseGrid(range: EpsilonRange): { points: number[]; spacing: number } {
  if (range.min === range.max) return { points: range.min === 0 ? [] : [range.min], spacing: FINEST_SPACING };
  for (const step of COARSE_STEPS) {
    const points = [...new Set([range.min, ...latticeIn(range, step), range.max].map(clean))].filter((e) => e !== 0).sort((a, b) => a - b);
    if (points.length <= COARSE_POINTS) return { points, spacing: step };
  }
  return { points: [range.min, range.max].filter((e) => e !== 0), spacing: range.max - range.min };
}

/** The untried points at `spacing` either side of `best`, inside the range and other than 0. */
export function refinementPoints(best: number, spacing: number, range: EpsilonRange, tried: ReadonlySet<number>): number[] {
  return [best - spacing, best + spacing]
    .map(clean)
    .filter((e) => e >= range.min && e <= range.max && e !== 0 && !tried.has(e));
}
