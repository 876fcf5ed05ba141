/**
 * Normal distribution helpers for TPE's truncated Gaussian kernels. Plain JS has no erf, so these are
 * the classic approximations: Numerical Recipes' erfc (relative error < 1.2e-7) and Acklam's quantile
 * refined by one Halley step.
 */
import type { Rng } from './random.ts';

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(poly);
  return x >= 0 ? value : 2 - value;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** log of the standard normal density. */
export function normalLogPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/** Standard normal quantile (inverse CDF) for p in (0, 1). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step brings Acklam's 1e-9 relative error down to what erfc itself allows.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Probability mass of N(0,1) on [lo, hi]. Computed on the side of the mode where the CDF values are
 * small, so that far-tail intervals do not cancel to zero.
 */
export function normalMass(lo: number, hi: number): number {
  if (lo > 0) return normalCdf(-lo) - normalCdf(-hi);
  return normalCdf(hi) - normalCdf(lo);
}

/** Draws from N(mu, sigma) truncated to [low, high] by inverting the CDF (no rejection loop). */
export function sampleTruncatedNormal(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  const a = (low - mu) / sigma;
  const b = (high - mu) / sigma;
  let z: number;
  if (a > 0) {
    // Mirror into the lower tail where the CDF keeps its precision.
    const pa = normalCdf(-b);
    const pb = normalCdf(-a);
    z = -normalQuantile(pa + rng.next() * (pb - pa));
  } else {
    const pa = normalCdf(a);
    const pb = normalCdf(b);
    z = normalQuantile(pa + rng.next() * (pb - pa));
  }
  const x = mu + sigma * z;
  return Number.isFinite(x) ? Math.min(high, Math.max(low, x)) : mu;
}
