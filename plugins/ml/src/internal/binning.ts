// Feature binning for histogram trees: at most `maxBins` quantile bins per feature (scikit-learn's
// HistGradientBoosting rule), plus one bin for missing values. Bin b holds the values x with thr[b-1] < x <= thr[b].

import { lerp } from './stats.js';
import { sampleWithoutReplacement } from './random.js';

/** The bin that holds NaN; regular bins are 0..253 at most, so a Uint8Array holds any binned value. */
export const MISSING_BIN = 255;
export const MAX_BINS = 255;
/** Thresholds are computed on at most this many rows, as scikit-learn does. */
export const BINNING_SAMPLE = 200_000;

/**
 * Upper edges of the bins of each feature (ascending, distinct). With few distinct values, the midpoints
 * between them; otherwise the midpoint percentiles at 100·i/maxBins. `x` is row-major n × f.
 */
export const binThresholds = (
  x: Float64Array,
  n: number,
  f: number,
  maxBins: number,
  rand: () => number,
): Float64Array[] => {
  let rows: Uint32Array | undefined;
  if (n > BINNING_SAMPLE) {
    const perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    rows = sampleWithoutReplacement(perm, BINNING_SAMPLE, rand, new Uint8Array(n), new Uint32Array(BINNING_SAMPLE));
  }
  const m = rows ? rows.length : n;
  const col = new Float64Array(m);
  const out: Float64Array[] = [];
  for (let j = 0; j < f; j++) {
    let k = 0;
    for (let i = 0; i < m; i++) {
      const v = x[(rows ? rows[i]! : i) * f + j]!;
      if (!Number.isNaN(v)) col[k++] = v;
    }
    const sorted = col.subarray(0, k).sort();
    let distinct = 0;
    for (let i = 0; i < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
    const edges: number[] = [];
    if (distinct <= maxBins) {
      let prev = Number.NaN;
      for (let i = 0; i < k; i++) {
        const v = sorted[i]!;
        if (i > 0 && v !== prev) edges.push((prev + v) * 0.5);
        prev = v;
      }
    } else {
      const step = 100 / maxBins;
      for (let i = 1; i < maxBins; i++) {
        const h = (k - 1) * ((i * step) / 100);
        const lo = Math.floor(h);
        const e = lo === h ? sorted[lo]! : lerp(sorted[lo]!, sorted[lo + 1]!, 0.5);
        if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
      }
    }
    out.push(Float64Array.from(edges, (e) => Math.min(e, Number.MAX_VALUE)));
  }
  return out;
};

/** Maps row-major values to bins (row-major Uint8Array, `bins` if given), NaN to MISSING_BIN. */
export const applyBins = (
  x: Float64Array,
  n: number,
  f: number,
  thresholds: readonly Float64Array[],
  bins: Uint8Array = new Uint8Array(n * f),
): Uint8Array => {
  for (let j = 0; j < f; j++) {
    const thr = thresholds[j]!;
    const len = thr.length;
    for (let i = 0; i < n; i++) {
      const v = x[i * f + j]!;
      if (Number.isNaN(v)) {
        bins[i * f + j] = MISSING_BIN;
        continue;
      }
      // First edge >= v: the number of edges below v.
      let lo = 0;
      let hi = len;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (thr[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      bins[i * f + j] = lo;
    }
  }
  return bins;
};
