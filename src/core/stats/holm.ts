/**
 * Holm–Bonferroni step-down adjustment: controls the family-wise error rate of several tests at
 * once (e.g. every ε compared with the same baseline) without assuming they are independent.
 * Returns adjusted p values in the input's order: p_(i) · (m − i + 1), made monotone, capped at 1.
 * Non-finite p values (a comparison that could not be made) stay NaN and do not count in m.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const tested = pValues
    .map((p, index) => ({ p, index }))
    .filter(({ p }) => Number.isFinite(p))
    .sort((a, b) => a.p - b.p);
  const adjusted = pValues.map(() => Number.NaN);
  const m = tested.length;
  let running = 0;
  tested.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, p * (m - rank)));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * The significance level at which Holm's step-down procedure tested each p value: α/(m − i + 1) for
 * the i-th smallest while every smaller one was rejected, then the level of the first one it kept
 * for all that follow. A p value is below its level exactly when its adjusted p is below α, so an
 * interval at confidence 1 − level excludes 0 exactly when Holm rejects; and since every level is at
 * most α, each such interval contains the unadjusted 1 − α interval. Non-finite p values get NaN.
 */
export function holmLevels(pValues: readonly number[], alpha: number): number[] {
  const tested = pValues
    .map((p, index) => ({ p, index }))
    .filter(({ p }) => Number.isFinite(p))
    .sort((a, b) => a.p - b.p);
  const adjusted = holmAdjust(pValues);
  const levels = pValues.map(() => Number.NaN);
  const m = tested.length;
  let stoppedAt: number | undefined;
  tested.forEach(({ index }, rank) => {
    const stepLevel = alpha / (m - rank);
    // Decided from the adjusted p itself, so verdicts and intervals can never disagree by rounding.
    if (stoppedAt === undefined && !(adjusted[index] < alpha)) stoppedAt = stepLevel;
    levels[index] = stoppedAt ?? stepLevel;
  });
  return levels;
}
