// The three regression losses of scikit-learn's GradientBoostingRegressor (1.2): the starting value, the
// pseudo-residuals each tree is fitted to, and the value each leaf takes after the tree is grown.
// The per-tree loops are kernels (kernels.ts), compiled for the arrays of each fit.

import { linearPercentile, lowerPercentile } from './stats.js';

export type LossName = 'squared_error' | 'absolute_error' | 'huber';

/** The constant prediction before the first tree: the mean (squared_error) or the median. */
export const initialValue = (loss: LossName, y: Float64Array): number => {
  if (loss !== 'squared_error') return linearPercentile(Float64Array.from(y), y.length, 50);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]!;
  return s / y.length;
};

/**
 * Writes the pseudo-residuals at the current predictions into `grad`: y − raw (squared_error); +1 where
 * y > raw, else −1 (absolute_error); y − raw clipped at ±delta (huber). Returns Huber's delta, the
 * alpha-quantile of |y − raw| over all rows (0 for the other losses). `scratch` holds n values.
 */
export const negativeGradient = (
  loss: LossName,
  y: Float64Array,
  raw: Float64Array,
  grad: Float64Array,
  alpha: number,
  scratch: Float64Array,
): number => {
  const n = y.length;
  if (loss === 'squared_error') {
    for (let i = 0; i < n; i++) grad[i] = y[i]! - raw[i]!;
    return 0;
  }
  if (loss === 'absolute_error') {
    // Arithmetic, not a branch: the sign is unpredictable.
    for (let i = 0; i < n; i++) grad[i] = 2 * +(y[i]! - raw[i]! > 0) - 1;
    return 0;
  }
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(y[i]! - raw[i]!);
  const delta = lowerPercentile(scratch, n, alpha * 100);
  for (let i = 0; i < n; i++) {
    const d = y[i]! - raw[i]!;
    grad[i] = Math.abs(d) <= delta ? d : d > 0 ? delta : -delta;
  }
  return delta;
};

/**
 * Leaf values from each leaf's rows: the mean residual (squared_error), the median residual
 * (absolute_error), or the median plus the mean of the deviations from it clipped at ±delta (huber);
 * residuals at the predictions before this tree. Medians are scikit-learn's lower weighted median.
 * Leaf l holds rows idx[leaves[3l+1] .. leaves[3l+2]), ascending (the grower keeps them so). Leaves
 * from..to-1 are done here (a helper thread may do the others).
 * A kernel (kernels.ts): self-contained, `select` is stats.ts's selectValue (which leaves `values` as is).
 */
export const leafValuesKernel = (
  select: (a: Float64Array, k: number, lo: number, hi: number) => number,
  idx: Uint32Array,
  y: Float64Array,
  raw: Float64Array,
  grad: Float64Array,
  values: Float64Array,
  loss: number,
  leaves: Int32Array,
  from: number,
  to: number,
  delta: number,
  out: Float64Array,
): void => {
  for (let l = from; l < to; l++) {
    const start = leaves[3 * l + 1]!;
    const end = leaves[3 * l + 2]!;
    const m = end - start;
    if (loss === 0) {
      let s = 0;
      for (let k = start; k < end; k++) s += grad[idx[k]!]!;
      out[l] = s / m;
      continue;
    }
    for (let k = start; k < end; k++) {
      const r = idx[k]!;
      values[k] = y[r]! - raw[r]!;
    }
    const kth = Math.min(m - 1, Math.max(0, Math.ceil(0.5 * m) - 1));
    if (loss === 1) {
      out[l] = select(values, start + kth, start, end - 1);
      continue;
    }
    const median = select(values, start + kth, start, end - 1);
    let s = 0;
    for (let k = start; k < end; k++) {
      const dm = values[k]! - median;
      s += dm > 0 ? Math.min(dm, delta) : dm < 0 ? -Math.min(-dm, delta) : 0;
    }
    out[l] = median + s / m;
  }
};

/** The loss as the number leafValuesKernel takes. */
export const lossCode = (loss: LossName): number => (loss === 'squared_error' ? 0 : loss === 'absolute_error' ? 1 : 2);

/**
 * After a tree: the leaf number of the in-bag rows of leaves from..to-1, from the leaf ranges of idx. A kernel
 * (kernels.ts).
 */
export const assignLeavesKernel = (
  idx: Uint32Array,
  leafOf: Uint32Array,
  leaves: Int32Array,
  from: number,
  to: number,
): void => {
  for (let k = from; k < to; k++) {
    for (let i = leaves[3 * k + 1]!, end = leaves[3 * k + 2]!; i < end; i++) leafOf[idx[i]!] = k;
  }
};

/** raw[q] += steps[leafOf[q]] for every row. A kernel (kernels.ts). */
export const updateKernel = (raw: Float64Array, leafOf: Uint32Array, n: number, steps: Float64Array): void => {
  for (let q = 0; q < n; q++) raw[q]! += steps[leafOf[q]!]!;
};
