// The distributions the recipe draws from, on top of a seeded Rng: normal, Student-t, gamma,
// bivariate normal, categorical, and sampling without replacement. Exact methods, no tables.

import type { Rng } from './prng.js';

/** Standard normal by Box–Muller (one value per call, so a stream's position never depends on parity). */
export const normal = (rng: Rng): number => Math.sqrt(-2 * Math.log(rng.open())) * Math.cos(2 * Math.PI * rng.next());

/** Gamma(shape, 1) by Marsaglia–Tsang; shapes below 1 through the shape + 1 boost. */
export const gamma = (rng: Rng, shape: number): number => {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(rng.open(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.open();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
};

/** Standard Student-t with `df` degrees of freedom: Z / sqrt(chi²(df) / df). */
export const studentT = (rng: Rng, df: number): number => {
  const z = normal(rng);
  const chi2 = 2 * gamma(rng, df / 2);
  return z / Math.sqrt(chi2 / df);
};

/** One draw of a bivariate normal with means, sds and correlation. */
export const bivariateNormal = (
  rng: Rng,
  mx: number,
  sx: number,
  my: number,
  sy: number,
  rho: number,
): [number, number] => {
  const z1 = normal(rng);
  const z2 = normal(rng);
  return [mx + sx * z1, my + sy * (rho * z1 + Math.sqrt(1 - rho * rho) * z2)];
};

/** A categorical distribution over indices 0..k-1; weights need not sum to 1. */
export class Categorical {
  readonly #cumulative: Float64Array;

  constructor(weights: readonly number[]) {
    if (weights.length === 0 || weights.some((w) => !(w >= 0)))
      throw new RangeError(`Categorical: expected non-negative weights, but got [${weights.join(', ')}].`);
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new RangeError('Categorical: expected a positive total weight, but got 0.');
    this.#cumulative = new Float64Array(weights.length);
    let acc = 0;
    weights.forEach((w, i) => {
      acc += w / total;
      this.#cumulative[i] = acc;
    });
    this.#cumulative[weights.length - 1] = 1;
  }

  sample(rng: Rng): number {
    const u = rng.next();
    const c = this.#cumulative;
    let i = 0;
    while (u >= c[i]!) i++;
    return i;
  }
}

/** Fisher–Yates shuffle of 0..n-1. */
export const permutation = (rng: Rng, n: number): Int32Array => {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
};

/** `k` distinct items of `pool`, in draw order (partial Fisher–Yates on a copy). */
export const sampleWithoutReplacement = <T>(rng: Rng, pool: readonly T[], k: number): T[] => {
  const a = [...pool];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.slice(0, n);
};
