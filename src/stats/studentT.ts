import { logGamma, normalQuantile, normalUpperTail, regularizedIncompleteBeta } from './specialFunctions.ts';

// Above this many degrees of freedom the Cornish-Fisher series is exact to double precision
// (error O(df^-5)) and cheaper than iterating on the incomplete beta.
const CORNISH_FISHER_MIN_DF = 10_000;

/** P(T > t) for t >= 0 under Student's t with df degrees of freedom. */
function upperTail(t: number, df: number): number {
  return 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

function density(t: number, df: number): number {
  return Math.exp(
    logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df),
  );
}

/** Abramowitz & Stegun 26.7.5: t quantile from the normal quantile z as a series in 1/df. */
function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** Student-t CDF P(T <= t). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Student t needs df > 0, got ${df}`);
  if (Number.isNaN(t)) throw new RangeError('Student t CDF of NaN');
  if (df === Infinity) return 1 - normalUpperTail(t);
  return t >= 0 ? 1 - upperTail(t, df) : upperTail(-t, df);
}

/**
 * Quantile of Student's t distribution: the t with P(T <= t) = p.
 * df = Infinity gives the normal quantile. Accurate to ~1e-12 (Newton on the exact CDF,
 * via the regularised incomplete beta, below 10 000 df; Cornish-Fisher above).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Student t quantile needs p in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`Student t quantile needs df > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (df === Infinity) return normalQuantile(p);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  if (df >= CORNISH_FISHER_MIN_DF) return cornishFisher(z, df);
  return solveUpperTail(1 - p, df, Math.max(z, cornishFisher(z, df)));
}

/** Safeguarded Newton: find t > 0 with upperTail(t) = tail, keeping a shrinking bracket. */
function solveUpperTail(tail: number, df: number, start: number): number {
  let lo = 0;
  let hi = Math.max(start, 1);
  while (upperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2;
  }
  let t = start > lo && start < hi ? start : (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const excess = upperTail(t, df) - tail;
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / density(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-15 * t || hi - lo <= 1e-15 * t) return next;
    t = next;
  }
  return t;
}
