// The numeric input of the estimators: a dense row-major Float64Array with its shape. NaN marks a missing
// value (the boosted trees route it; the linear model refuses it). Helpers build one from rows or columns.

import { MlError } from './errors.js';

/** A dense row-major matrix: value (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** What the estimators accept as X: a Matrix, or an array of rows of numbers. */
export type MatrixLike = Matrix | readonly (readonly number[])[];

export const isMatrix = (x: unknown): x is Matrix =>
  typeof x === 'object' &&
  x !== null &&
  (x as Matrix).data instanceof Float64Array &&
  typeof (x as Matrix).rows === 'number' &&
  typeof (x as Matrix).cols === 'number';

/** A matrix from an array of equally long rows. */
export const matrixFromRows = (rows: readonly (readonly number[])[]): Matrix => {
  const n = rows.length;
  const f = n > 0 ? rows[0]!.length : 0;
  const data = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (row.length !== f)
      throw new MlError('DAGRUN_ERR_ML_SHAPE', `Row ${i}: expected ${f} values like row 0, but got ${row.length}.`);
    for (let j = 0; j < f; j++) data[i * f + j] = row[j]!;
  }
  return { rows: n, cols: f, data };
};

/** A matrix from equally long columns (typed arrays or number arrays). */
export const matrixFromColumns = (columns: readonly ArrayLike<number>[]): Matrix => {
  const f = columns.length;
  const n = f > 0 ? columns[0]!.length : 0;
  const data = new Float64Array(n * f);
  for (let j = 0; j < f; j++) {
    const c = columns[j]!;
    if (c.length !== n)
      throw new MlError('DAGRUN_ERR_ML_SHAPE', `Column ${j}: expected ${n} values like column 0, but got ${c.length}.`);
    for (let i = 0; i < n; i++) data[i * f + j] = c[i]!;
  }
  return { rows: n, cols: f, data };
};

export const toMatrix = (x: MatrixLike): Matrix =>
  isMatrix(x) ? x : matrixFromRows(x as readonly (readonly number[])[]);

/** The target as a Float64Array of finite numbers, as long as X. */
export const checkTarget = (y: ArrayLike<number>, rows: number, estimator: string): Float64Array => {
  if (y.length !== rows)
    throw new MlError(
      'DAGRUN_ERR_ML_SHAPE',
      `${estimator} target: expected ${rows} values (one per row of X), but got ${y.length}.`,
    );
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = y[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new MlError(
        'DAGRUN_ERR_ML_BAD_VALUE',
        `${estimator} target at row ${i}: expected a finite number, but got ` +
          `${typeof v === 'number' ? String(v) : typeof v}.`,
      );
    }
    out[i] = v;
  }
  return out;
};
