// The tree grower's loops (tree-grower.ts), plain functions that kernels.ts's `specialize` compiles afresh
// for the arrays of each fit. Each is self-contained (no nested function, no name from outside its
// parameters), because its source text is copied: kernels.test.ts runs every compiled copy against a direct call.

// Histogram layout (see tree-grower.ts): per feature 256 bins × (sum, count); bin 255 holds NaN.

/**
 * Stable partition of idx[start..end): rows whose bin of `feature` is <= bin (NaN: when missingLeft) first.
 * Branch-free: every row is written to both sides and only the side it belongs to advances (a data-
 * dependent branch is mispredicted about half the time). Returns where the right rows begin.
 */
export const partitionKernel = (
  idx: Uint32Array,
  scratch: Uint32Array,
  bins: Uint8Array,
  goLeft: Uint8Array,
  f: number,
  start: number,
  end: number,
  feature: number,
  bin: number,
  missingLeft: number,
): number => {
  for (let b = 0; b < 256; b++) goLeft[b] = b <= bin ? 1 : 0;
  goLeft[255] = missingLeft;
  let l = start;
  let rc = 0;
  for (let k = start; k < end; k++) {
    const r = idx[k]!;
    const left = goLeft[bins[r * f + feature]!]!;
    idx[l] = r;
    scratch[rc] = r;
    l += left;
    rc += 1 - left;
  }
  for (let i = 0; i < rc; i++) idx[l + i] = scratch[i]!;
  return l;
};

/** hist[a..] −= hist[b..], over the bins each feature uses and its NaN bin. */
export const subtractKernel = (hist: Float64Array, nBins: Int32Array, f: number, a: number, b: number): void => {
  for (let j = 0; j < f; j++) {
    const base = j * 512;
    for (let i = base, end = base + 2 * nBins[j]!; i < end; i++) hist[a + i]! -= hist[b + i]!;
    hist[a + base + 510]! -= hist[b + base + 510]!;
    hist[a + base + 511]! -= hist[b + base + 511]!;
  }
};

/** hist[a..] += hist[b..], over the bins each feature uses and its NaN bin. */
export const addKernel = (hist: Float64Array, nBins: Int32Array, f: number, a: number, b: number): void => {
  for (let j = 0; j < f; j++) {
    const base = j * 512;
    for (let i = base, end = base + 2 * nBins[j]!; i < end; i++) hist[a + i]! += hist[b + i]!;
    hist[a + base + 510]! += hist[b + base + 510]!;
    hist[a + base + 511]! += hist[b + base + 511]!;
  }
};

/** (negative, positive) counts per bin → (sum of ±1, count) into hist[off..]. */
export const countsToHistogramKernel = (
  hist: Float64Array,
  nBins: Int32Array,
  f: number,
  c: Int32Array,
  off: number,
): void => {
  for (let j = 0; j < f; j++) {
    const base = j * 512;
    for (let h = base, last = base + 2 * nBins[j]!; h < last; h += 2) {
      hist[off + h] = c[h + 1]! - c[h]!;
      hist[off + h + 1] = c[h + 1]! + c[h]!;
    }
    hist[off + base + 510] = c[base + 511]! - c[base + 510]!;
    hist[off + base + 511] = c[base + 511]! + c[base + 510]!;
  }
};

/**
 * The best split of the node whose histogram is hist[off..], by squared-error gain
 * (sum_L²/n_L + sum_R²/n_R − sum²/n), each child holding at least `minLeaf` rows. Writes
 * (gain, feature, bin, missingLeft, sum_L) into `best` and returns 1, or returns 0 when no split
 * gains more than rounding noise. Without NaN at training, NaN later follows the larger child.
 */
export const findSplitKernel = (
  hist: Float64Array,
  nBins: Int32Array,
  f: number,
  minLeaf: number,
  best: Float64Array,
  off: number,
  g: number,
  n: number,
): number => {
  const parent = (g * g) / n;
  let bestGain = 0;
  let bestFeature = -1;
  let bestBin = 0;
  let bestMissingLeft = 0;
  let bestGLeft = 0;
  for (let j = 0; j < f; j++) {
    const base = off + j * 512;
    const nb = nBins[j]!;
    const gm = hist[base + 510]!;
    const nm = hist[base + 511]!;
    // With missing values, "every value left, missing right" is a candidate too.
    const last = nm > 0 ? nb - 1 : nb - 2;
    let gl = 0;
    let nl = 0;
    for (let b = 0; b <= last; b++) {
      const c = hist[base + 2 * b + 1]!;
      if (c === 0) continue;
      gl += hist[base + 2 * b]!;
      nl += c;
      let nL = nl;
      let nR = n - nl;
      if (nL >= minLeaf && nR >= minLeaf) {
        const gR = g - gl;
        const gain = (gl * gl) / nL + (gR * gR) / nR - parent;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = j;
          bestBin = b;
          bestMissingLeft = nm > 0 ? 0 : nL >= nR ? 1 : 0;
          bestGLeft = gl;
        }
      }
      if (nm > 0) {
        nL = nl + nm;
        nR = n - nL;
        if (nL >= minLeaf && nR >= minLeaf) {
          const gL = gl + gm;
          const gR = g - gL;
          const gain = (gL * gL) / nL + (gR * gR) / nR - parent;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = j;
            bestBin = b;
            bestMissingLeft = 1;
            bestGLeft = gL;
          }
        }
      }
    }
  }
  // Gains at rounding level (identical residuals) are not splits.
  if (bestFeature < 0 || !(bestGain > 1e-12 * parent)) return 0;
  best[0] = bestGain;
  best[1] = bestFeature;
  best[2] = bestBin;
  best[3] = bestMissingLeft;
  best[4] = bestGLeft;
  return 1;
};

/**
 * Root sign counts of all n rows, carried from the previous tree: rows whose residual changed sign move
 * from one count to the other (integers, exact). With `rebuild`, recounts from scratch. Signs are updated.
 */
export const rootSignsKernel = (
  signs: Uint8Array,
  counts: Int32Array,
  bins: Uint8Array,
  grad: Float64Array,
  f: number,
  n: number,
  rebuild: number,
): void => {
  if (rebuild === 1) {
    counts.fill(0);
    for (let r = 0; r < n; r++) {
      const s = +(grad[r]! > 0);
      signs[r] = s;
      for (let j = 0; j < f; j++) counts[j * 512 + (bins[r * f + j]! << 1) + s]!++;
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    const s = +(grad[r]! > 0);
    if (s === signs[r]) continue;
    signs[r] = s;
    for (let j = 0; j < f; j++) {
      const h = j * 512 + (bins[r * f + j]! << 1);
      counts[h + s]!++;
      counts[h + 1 - s]!--;
    }
  }
};

/** Σ grad over rows[0..n), and the residual signs of those rows (when `signs` is non-empty). */
export const sumKernel = (grad: Float64Array, signs: Uint8Array, rows: Uint32Array, n: number): number => {
  let g = 0;
  for (let k = 0; k < n; k++) g += grad[rows[k]!]!;
  if (signs.length > 0) for (let k = 0; k < n; k++) signs[rows[k]!] = +(grad[rows[k]!]! > 0);
  return g;
};
