// Regression metrics, always (y_true, y_pred): the order matters for MAPE and MdAPE, whose denominators are
// the true values (the original notebook passed them swapped). Rows with y_true = 0 make MAPE infinite.

import { MlError } from './errors.js';
import { linearPercentile } from './stats.js';

const check = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>, metric: string): number => {
  if (yTrue.length !== yPred.length) {
    throw new MlError(
      'DAGRUN_ERR_ML_SHAPE',
      `Metric '${metric}': expected y_true and y_pred of the same length, but got ${yTrue.length} and ${yPred.length}.`,
    );
  }
  if (yTrue.length === 0)
    throw new MlError('DAGRUN_ERR_ML_EMPTY', `Metric '${metric}': expected at least one value, but got 0.`);
  return yTrue.length;
};

/** Root mean squared error. */
export const rmse = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => {
  const n = check(yTrue, yPred, 'rmse');
  let s = 0;
  for (let i = 0; i < n; i++) s += (yTrue[i]! - yPred[i]!) ** 2;
  return Math.sqrt(s / n);
};

/** Mean absolute error. */
export const mae = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => {
  const n = check(yTrue, yPred, 'mae');
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(yTrue[i]! - yPred[i]!);
  return s / n;
};

/**
 * The largest absolute error, max |y_true − y_pred| (scikit-learn's `max_error`): the worst single
 * prediction. A NaN in either input gives NaN rather than being skipped.
 */
export const maxError = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => {
  const n = check(yTrue, yPred, 'max_error');
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(yTrue[i]! - yPred[i]!));
  return m;
};

/**
 * Mean absolute percentage error, as a fraction (0.12 = 12%): mean of |y_true − y_pred| / |y_true|. Like
 * scikit-learn, a zero y_true is replaced by machine epsilon, so the result is huge rather than Infinity.
 */
export const mape = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => {
  const n = check(yTrue, yPred, 'mape');
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(yTrue[i]! - yPred[i]!) / Math.max(Math.abs(yTrue[i]!), Number.EPSILON);
  return s / n;
};

/** Median absolute percentage error, as a fraction. */
export const mdape = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => {
  const n = check(yTrue, yPred, 'mdape');
  const ape = new Float64Array(n);
  for (let i = 0; i < n; i++) ape[i] = Math.abs(yTrue[i]! - yPred[i]!) / Math.max(Math.abs(yTrue[i]!), Number.EPSILON);
  return linearPercentile(ape, n, 50);
};

/**
 * Coefficient of determination: 1 − SS_res / SS_tot (1 for a constant y_true predicted exactly, else 0 — scikit-learn's
 * convention).
 */
export const r2 = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => {
  const n = check(yTrue, yPred, 'r2');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i]!;
  mean /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    res += (yTrue[i]! - yPred[i]!) ** 2;
    tot += (yTrue[i]! - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
};

/**
 * MAPE over the rows whose y_true is at least `threshold` (e.g. 1000 UF): a handful of absurd tiny prices
 * otherwise dominate the mean. Throws when no row qualifies.
 */
export const mapeAbove = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>, threshold: number): number => {
  const n = check(yTrue, yPred, 'mape_above');
  let s = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i]! >= threshold) {
      s += Math.abs(yTrue[i]! - yPred[i]!) / Math.abs(yTrue[i]!);
      m++;
    }
  }
  if (m === 0)
    throw new MlError(
      'DAGRUN_ERR_ML_EMPTY',
      `Metric 'mape_above': expected at least one y_true >= ${threshold}, but got none of ${n}.`,
    );
  return s / m;
};

export interface RegressionMetrics {
  readonly rmse: number;
  readonly mae: number;
  readonly mape: number;
  readonly mdape: number;
  readonly r2: number;
  /** MAPE on the rows with y_true >= mape_threshold. */
  readonly mape_above: number;
  readonly mape_threshold: number;
  readonly n: number;
}

/** All metrics at once, (y_true, y_pred). */
export const regressionMetrics = (
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  mapeThreshold = 1000,
): RegressionMetrics => ({
  rmse: rmse(yTrue, yPred),
  mae: mae(yTrue, yPred),
  mape: mape(yTrue, yPred),
  mdape: mdape(yTrue, yPred),
  r2: r2(yTrue, yPred),
  mape_above: mapeAbove(yTrue, yPred, mapeThreshold),
  mape_threshold: mapeThreshold,
  n: yTrue.length,
});
