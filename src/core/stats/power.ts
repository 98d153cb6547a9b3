import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTQuantile } from './studentT';

/**
 * How many seeds a paired comparison needs: the normal distribution, the noncentral t distribution
 * (Lenth's algorithm AS 243, as R's pt(…, ncp) computes it) and the power of a two-sided paired
 * t-test.
 */

const MAX_ITERATIONS = 1000;
const EPSILON = 1e-15;
const TINY = 1e-300;

/** P(a, x) = γ(a, x)/Γ(a) by its series; converges quickly for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Q(a, x) = Γ(a, x)/Γ(a) by its continued fraction (modified Lentz); for x ≥ a + 1. */
function upperGammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** erfc(z) = Q(1/2, z²) for z ≥ 0, without cancellation in the upper tail. */
function erfcNonNegative(z: number): number {
  const x = z * z;
  return x < 1.5 ? 1 - lowerGammaSeries(0.5, x) : upperGammaFraction(0.5, x);
}

/** Φ(x), the standard normal CDF, accurate in both tails. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const tail = 0.5 * erfcNonNegative(Math.abs(x) / Math.SQRT2);
  return x < 0 ? tail : 1 - tail;
}

const ERROR_MAX = 1e-12;
/** Beyond this δ², e^(−δ²/2) underflows and the series cannot start (R switches to a normal approximation there too). */
const MAX_DELTA_SQUARED = 2 * Math.LN2 * 1021;

/**
 * P(T ≤ t) for T noncentral t with `df` degrees of freedom and noncentrality `ncp`: the Poisson-
 * weighted series of incomplete beta functions of Lenth (1989), AS 243, with R's refinements.
 */
export function noncentralTCdf(t: number, df: number, ncp: number): number {
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`degrees of freedom must be a finite number > 0 (got ${df})`);
  if (Number.isNaN(t) || !Number.isFinite(ncp)) return NaN;
  if (ncp === 0) return studentTCdf(t, df);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  // F(t; δ) = 1 − F(−t; −δ) reduces negative t to the series for t ≥ 0.
  const negative = t < 0;
  const tt = negative ? -t : t;
  const delta = negative ? -ncp : ncp;
  if (df > 4e5 || delta * delta > MAX_DELTA_SQUARED) {
    const s = 1 / (4 * df);
    const upper = 1 - normalCdf((tt * (1 - s) - delta) / Math.sqrt(1 + tt * tt * 2 * s));
    return negative ? upper : 1 - upper;
  }
  let tnc = 0;
  const x = (tt * tt) / (tt * tt + df);
  if (x > 0) {
    const lambda = delta * delta;
    let p = 0.5 * Math.exp(-0.5 * lambda);
    let q = Math.sqrt(2 / Math.PI) * p * delta;
    let s = 0.5 - p;
    if (s < 1e-7) s = -0.5 * Math.expm1(-0.5 * lambda);
    let a = 0.5;
    const b = 0.5 * df;
    const rxb = (1 - x) ** b;
    const logBeta = 0.5 * Math.log(Math.PI) + logGamma(b) - logGamma(0.5 + b);
    let xodd = regularizedIncompleteBeta(x, a, b);
    let godd = 2 * rxb * Math.exp(a * Math.log(x) - logBeta);
    const bx = b * x;
    let xeven = bx < Number.EPSILON ? bx : 1 - rxb;
    let geven = bx * rxb;
    tnc = p * xodd + q * xeven;
    for (let it = 1; it <= MAX_ITERATIONS; it++) {
      a += 1;
      xodd -= godd;
      xeven -= geven;
      godd *= (x * (a + b - 1)) / a;
      geven *= (x * (a + b - 0.5)) / (a + 0.5);
      p *= lambda / (2 * it);
      q *= lambda / (2 * it + 1);
      tnc += p * xodd + q * xeven;
      s -= p;
      if (s < -1e-10 || (s <= 0 && it > 1)) break;
      if (Math.abs(2 * s * (xodd - godd)) < ERROR_MAX) break;
    }
  }
  tnc += normalCdf(-delta);
  const lower = Math.min(1, Math.max(0, tnc));
  return negative ? 1 - lower : lower;
}

/**
 * Power of a two-sided paired t-test at level `alpha` with `n` pairs, when the true mean difference is
 * `difference` and the paired differences have standard deviation `sd`: P(|T| > t_{1−α/2, n−1}) with
 * T noncentral t, δ = difference·√n/sd. Both rejection regions count (R's power.t.test with strict = TRUE).
 */
export function pairedTTestPower(n: number, difference: number, sd: number, alpha: number): number {
  if (!(n >= 2)) throw new RangeError(`a paired t-test needs at least 2 pairs (got ${n})`);
  if (!(sd > 0)) throw new RangeError(`the standard deviation of the differences must be > 0 (got ${sd})`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1) (got ${alpha})`);
  const df = n - 1;
  const critical = studentTQuantile(1 - alpha / 2, df);
  const ncp = (Math.abs(difference) * Math.sqrt(n)) / sd;
  return 1 - noncentralTCdf(critical, df, ncp) + noncentralTCdf(-critical, df, ncp);
}

/** The most pairs a sample-size answer looks at: beyond this "more than" is the honest answer. */
export const MAX_PLANNED_PAIRS = 10_000;

/**
 * The fewest pairs (≥ 2) whose paired t-test at `alpha` reaches `power` against `difference`, given
 * the spread `sd` of the paired differences; null when even MAX_PLANNED_PAIRS do not.
 */
export function pairedSampleSize(difference: number, sd: number, alpha: number, power = 0.8): number | null {
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1) (got ${power})`);
  const reaches = (n: number): boolean => pairedTTestPower(n, difference, sd, alpha) >= power;
  if (reaches(2)) return 2;
  if (!reaches(MAX_PLANNED_PAIRS)) return null;
  // Power grows with n: bisect between a failing and a reaching size.
  let low = 2;
  let high = MAX_PLANNED_PAIRS;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (reaches(mid)) high = mid;
    else low = mid;
  }
  return high;
}
