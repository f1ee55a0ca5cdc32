// Order statistics on typed arrays: selection without a full sort, NumPy's linear percentile and
// scikit-learn's "lower weighted percentile" (what its gradient boosting uses for medians and Huber's delta).

/** Rearranges `a[lo..hi]` so that `a[k]` holds the value a sort would put there; returns it. O(n) on average. */
export const quickselect = (a: Float64Array, k: number, lo = 0, hi = a.length - 1): number => {
  while (hi > lo) {
    // Median of three as the pivot keeps sorted and constant inputs linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
};

/**
 * scikit-learn's `_weighted_percentile` with unit weights: the smallest value whose cumulative count reaches
 * `percentile`% of n (for 50 and an even n, the lower of the two middle values). Reorders `a[0..n)`.
 */
export const lowerPercentile = (a: Float64Array, n: number, percentile: number): number => {
  if (n === 0) return Number.NaN;
  const adjusted = (percentile / 100) * n;
  let k = Math.ceil(adjusted) - 1;
  if (k < 0) k = 0;
  if (k > n - 1) k = n - 1;
  return quickselect(a, k, 0, n - 1);
};

/** NumPy's default (linear) percentile of `a[0..n)`, e.g. the median with averaging. Reorders `a`. */
export const linearPercentile = (a: Float64Array, n: number, percentile: number): number => {
  if (n === 0) return Number.NaN;
  const h = (n - 1) * (percentile / 100);
  const lo = Math.floor(h);
  const vlo = quickselect(a, lo, 0, n - 1);
  if (lo === h || lo + 1 >= n) return vlo;
  // After selecting lo, the next order statistic is the minimum of the part above it.
  let vhi = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++) if (a[i]! < vhi) vhi = a[i]!;
  return lerp(vlo, vhi, h - lo);
};

/** NumPy's interpolation, which computes from the nearer end so that t = 1 gives b exactly. */
export const lerp = (a: number, b: number, t: number): number => {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
};
