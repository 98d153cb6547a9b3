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
