// Seeded pseudo-random numbers (mulberry32): the estimators never call Math.random, so a seed fixes every draw.

/** A generator of uniform numbers in [0, 1), fully determined by `seed`. */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/**
 * Draws `k` distinct indices out of 0..n-1 (a partial Fisher-Yates shuffle of `perm`, which must hold a
 * permutation of 0..n-1 and is left shuffled) and marks them in `mask`. Returns the chosen rows ascending.
 */
export const sampleWithoutReplacement = (
  perm: Uint32Array,
  k: number,
  rand: () => number,
  mask: Uint8Array,
  out: Uint32Array,
): Uint32Array => {
  const n = perm.length;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  mask.fill(0);
  for (let i = 0; i < k; i++) mask[perm[i]!] = 1;
  let m = 0;
  for (let r = 0; r < n; r++) if (mask[r] === 1) out[m++] = r;
  return out.subarray(0, m);
};
