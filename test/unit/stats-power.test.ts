import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { logGamma, noncentralTCdf, normalCdf, pairedSampleSize, pairedTTestPower, studentTCdf, studentTQuantile } from '../../src/core/stats';

function close(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} vs ${expected} (±${tolerance})`);
}

test('Φ at known points, in both tails', () => {
  close(normalCdf(1.96), 0.9750021048517795, 1e-15);
  close(normalCdf(0.5), 0.6914624612740131, 1e-15);
  close(normalCdf(-1.2), 0.11506967022170822, 1e-15);
  // Far tail: relative accuracy, where 1 − Φ(5) computed by subtraction would keep 7 digits at best.
  close(normalCdf(-5) / 2.866515718791933e-7, 1, 1e-12, 'Φ(−5)');
  close(normalCdf(-10) / 7.619853024160527e-24, 1, 1e-11, 'Φ(−10)');
  assert.equal(normalCdf(0), 0.5);
});

test('noncentral t CDF matches scipy.stats.nct.cdf, and the central t when the noncentrality is 0', () => {
  const cases: [number, number, number, number][] = [
    [1, 10, 1, 0.4902400513954505],
    [2.5, 5, 1.5, 0.7547562435084103],
    [-1, 3, 0.5, 0.09212120981435942],
    [0.3, 20, -1, 0.902312207525832],
    [3, 38, Math.sqrt(10), 0.4314239278533578],
    [5, 2, 4, 0.532020698669953],
  ];
  for (const [t, df, ncp, expected] of cases) close(noncentralTCdf(t, df, ncp), expected, 1e-11, `F(${t}; ${df}, ${ncp})`);
  for (const t of [-3, -0.4, 0, 1.7]) assert.equal(noncentralTCdf(t, 7, 0), studentTCdf(t, 7));
});

/**
 * P(T ≤ t) for T = (Z + δ)/√(V/ν), V ~ χ²_ν, integrated here by Simpson's rule over V:
 * ∫ f_ν(v) Φ(t·√(v/ν) − δ) dv. Independent of the series the library sums.
 */
function noncentralTByIntegration(t: number, df: number, ncp: number): number {
  const logDensity = (v: number) => (df / 2 - 1) * Math.log(v) - v / 2 - (df / 2) * Math.LN2 - logGamma(df / 2);
  const top = df + 60 * Math.sqrt(2 * df) + 100;
  const steps = 20_000;
  const h = top / steps;
  let sum = 0;
  for (let i = 1; i < steps; i++) {
    const v = i * h;
    sum += (i % 2 === 1 ? 4 : 2) * Math.exp(logDensity(v)) * normalCdf(t * Math.sqrt(v / df) - ncp);
  }
  return (sum * h) / 3; // the integrand is 0 at both ends for df > 2
}

test('noncentral t CDF agrees with direct numerical integration over the χ² scale', () => {
  for (const [t, df, ncp] of [[2.1, 4, 1.3], [-0.7, 9, 0.8], [1.5, 30, 2.5], [3.2, 6, -1]] as const) {
    close(noncentralTCdf(t, df, ncp), noncentralTByIntegration(t, df, ncp), 1e-7, `F(${t}; ${df}, ${ncp})`);
  }
});

test('power reproduces R power.t.test: n = 20 per group, δ = 1 → 0.8689528; power 0.9 needs n = 22.02110', () => {
  // Two-sample t with n per group: df = 2(n − 1), noncentrality δ·√(n/2). R counts the upper tail only.
  const upper = (n: number) => 1 - noncentralTCdf(studentTQuantile(0.975, 2 * (n - 1)), 2 * (n - 1), Math.sqrt(n / 2));
  close(upper(20), 0.8689528, 5e-8, 'power.t.test(n = 20, delta = 1)');
  close(upper(22.0211), 0.9, 1e-6, 'power.t.test(power = .90, delta = 1)');
});

test('paired power and the fewest seeds that reach power 0.8 (scipy: 9 pairs 0.748, 10 pairs 0.803)', () => {
  close(pairedTTestPower(10, 0.5, 0.5, 0.05), 0.8030968566327219, 1e-10);
  close(pairedTTestPower(9, 0.5, 0.5, 0.05), 0.7480170922294767, 1e-10);
  assert.equal(pairedSampleSize(0.5, 0.5, 0.05), 10);
  // 0.5 points with differences spread 0.4 points: 8 seeds; at α = 0.05/4 (Holm's first step of 4) 11.
  assert.equal(pairedSampleSize(0.005, 0.004, 0.05), 8);
  assert.equal(pairedSampleSize(0.005, 0.004, 0.0125), 11);
  close(pairedTTestPower(7, 0.005, 0.004, 0.05), 0.7861900772301585, 1e-10);
  assert.equal(pairedSampleSize(1, 0.01, 0.05), 2, 'a difference far above the noise needs the minimum');
  assert.equal(pairedSampleSize(0.001, 10, 0.05), null, 'a difference lost in the noise needs more than any plan');
  assert.throws(() => pairedTTestPower(1, 1, 1, 0.05), /at least 2 pairs/);
  assert.throws(() => pairedTTestPower(5, 1, 0, 0.05), /standard deviation/);
});
