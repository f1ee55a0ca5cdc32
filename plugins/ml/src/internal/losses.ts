// The three regression losses of scikit-learn's GradientBoostingRegressor (1.2): the starting value, the
// pseudo-residuals each tree is fitted to, and the value each leaf takes after the tree is grown.
// Plain functions over typed arrays (no per-fit closures: V8 optimises these once and keeps them).

import { linearPercentile, lowerPercentile, quickselect } from './stats.js';

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
export const negativeGradient = (loss: LossName, y: Float64Array, raw: Float64Array, grad: Float64Array, alpha: number, scratch: Float64Array): number => {
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
 * Rows are gathered per leaf in one pass in row order (`rows` ascending), so memory is read in sequence.
 */
export const leafValues = (
  loss: LossName,
  rows: Uint32Array,
  leafOf: Uint32Array,
  nLeaves: number,
  y: Float64Array,
  raw: Float64Array,
  grad: Float64Array,
  delta: number,
  buffers: { values: Float64Array; select: Float64Array },
  out: Float64Array,
): void => {
  const counts = new Int32Array(nLeaves + 1);
  for (let k = 0; k < rows.length; k++) counts[leafOf[rows[k]!]! + 1]!++;
  for (let l = 0; l < nLeaves; l++) counts[l + 1]! += counts[l]!;
  // counts[l] is now where leaf l's values begin.
  const pos = counts.slice(0, nLeaves);
  const values = buffers.values;
  if (loss === 'squared_error') {
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      values[pos[leafOf[r]!]!++] = grad[r]!;
    }
  } else {
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      values[pos[leafOf[r]!]!++] = y[r]! - raw[r]!;
    }
  }
  const select = buffers.select;
  for (let l = 0; l < nLeaves; l++) {
    const start = counts[l]!;
    const end = counts[l + 1]!;
    const m = end - start;
    if (loss === 'squared_error') {
      let s = 0;
      for (let k = start; k < end; k++) s += values[k]!;
      out[l] = s / m;
      continue;
    }
    select.set(values.subarray(start, end), start);
    const kth = Math.min(m - 1, Math.max(0, Math.ceil(0.5 * m) - 1));
    const median = quickselect(select, start + kth, start, end - 1);
    if (loss === 'absolute_error') {
      out[l] = median;
      continue;
    }
    let s = 0;
    for (let k = start; k < end; k++) {
      const dm = values[k]! - median;
      s += dm > 0 ? Math.min(dm, delta) : dm < 0 ? -Math.min(-dm, delta) : 0;
    }
    out[l] = median + s / m;
  }
};
