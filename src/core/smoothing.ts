/**
 * Debiased exponential moving average, as TensorBoard smooths scalar curves.
 *
 * A plain EMA started at 0 is pulled towards 0 for its first points; dividing by
 * 1 − weight^n (n = finite points seen) removes that bias, so the first smoothed value equals
 * the first raw value. Non-finite values (a diverged loss) pass through unchanged and do not
 * disturb the average. weight 0 means no smoothing; weights must lie in [0, 1).
 */

/** The strongest smoothing the slider offers. */
export const MAX_SMOOTHING_WEIGHT = 0.99;

export function checkSmoothingWeight(weight: number): void {
  if (!(weight >= 0 && weight < 1)) {
    throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  }
}

/** Incremental form: feed values one at a time; used for live curves so each new point costs O(1). */
export class DebiasedEma {
  private last = 0;
  private count = 0;

  constructor(readonly weight: number) {
    checkSmoothingWeight(weight);
  }

  push(value: number): number {
    if (!Number.isFinite(value)) return value;
    if (this.weight === 0) return value;
    this.last = this.last * this.weight + (1 - this.weight) * value;
    this.count++;
    return this.last / (1 - Math.pow(this.weight, this.count));
  }
}

/** Smooths a whole series; equal to pushing its values through one DebiasedEma. */
export function smoothSeries(values: readonly number[], weight: number): number[] {
  const ema = new DebiasedEma(weight);
  return values.map((v) => ema.push(v));
}
