// LinearRegressor: ordinary least squares with an intercept, fitted by ml-regression's
// MultivariateLinearRegression on standardised columns (better conditioned), stored on the original scale.

import { MultivariateLinearRegression } from 'ml-regression';
import { MlError } from './errors.js';
import { checkTarget, toMatrix, type MatrixLike } from './matrix.js';
import { checkParams } from './params.js';

export interface LinearState {
  readonly nFeatures: number;
  readonly coefficients: Float64Array;
  readonly intercept: number;
  readonly nTrainRows: number;
}

export class LinearRegressor {
  /** Tells estimators apart without instanceof, which fails across two copies of this package. */
  readonly kind = 'linear' as const;
  readonly params: Readonly<Record<string, never>>;
  #state: LinearState | undefined;

  constructor(params: Readonly<Record<string, unknown>> = {}) {
    this.params = checkParams('LinearRegressor', params, {}, {});
  }

  static fromState(state: LinearState): LinearRegressor {
    const m = new LinearRegressor();
    m.#state = state;
    return m;
  }

  get fitted(): boolean {
    return this.#state !== undefined;
  }

  get state(): LinearState {
    return this.#need();
  }

  /** Fits on X (n × f, every value finite) and y. Returns this. */
  fit(xLike: MatrixLike, yLike: ArrayLike<number>): this {
    const x = toMatrix(xLike);
    const { rows: n, cols: f, data } = x;
    if (n === 0) throw new MlError('DAGRUN_ERR_ML_EMPTY', 'LinearRegressor fit: expected at least one row, but got 0.');
    const y = checkTarget(yLike, n, 'LinearRegressor');
    checkFinite(data, n, f, 'fit');
    const mean = new Float64Array(f);
    const sd = new Float64Array(f);
    for (let j = 0; j < f; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += data[i * f + j]!;
      mean[j] = s / n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (data[i * f + j]! - mean[j]!) ** 2;
      sd[j] = ss > 0 ? Math.sqrt(ss / n) : 1;
    }
    const rows: number[][] = new Array<number[]>(n);
    const targets: number[][] = new Array<number[]>(n);
    for (let i = 0; i < n; i++) {
      const row = new Array<number>(f);
      for (let j = 0; j < f; j++) row[j] = (data[i * f + j]! - mean[j]!) / sd[j]!;
      rows[i] = row;
      targets[i] = [y[i]!];
    }
    const mlr = new MultivariateLinearRegression(rows, targets, { intercept: true, statistics: false });
    const coefficients = new Float64Array(f);
    let intercept = mlr.weights[f]![0]!;
    for (let j = 0; j < f; j++) {
      coefficients[j] = mlr.weights[j]![0]! / sd[j]!;
      intercept -= coefficients[j]! * mean[j]!;
    }
    this.#state = { nFeatures: f, coefficients, intercept, nTrainRows: n };
    return this;
  }

  /** intercept + Σ coefficient · x for each row; a missing (NaN) value is an error. */
  predict(xLike: MatrixLike): Float64Array {
    const { nFeatures: f, coefficients, intercept } = this.#need();
    const x = toMatrix(xLike);
    if (x.cols !== f && x.rows > 0)
      throw new MlError(
        'DAGRUN_ERR_ML_SHAPE',
        `LinearRegressor predict: expected ${f} features per row (as at fit), but got ${x.cols}.`,
      );
    checkFinite(x.data, x.rows, f, 'predict');
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let s = intercept;
      for (let j = 0; j < f; j++) s += coefficients[j]! * x.data[i * f + j]!;
      out[i] = s;
    }
    return out;
  }

  #need(): LinearState {
    if (!this.#state) {
      throw new MlError(
        'DAGRUN_ERR_ML_NOT_FITTED',
        'LinearRegressor: expected a fitted model, but got one that was never fitted.',
        { hint: 'Hint: call fit(X, y) first, or load a saved model.' },
      );
    }
    return this.#state;
  }
}

const checkFinite = (data: Float64Array, n: number, f: number, what: string): void => {
  for (let i = 0; i < n * f; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new MlError(
        'DAGRUN_ERR_ML_BAD_VALUE',
        `LinearRegressor ${what} X at row ${Math.floor(i / f)}, column ${i % f}: expected a finite number, but got ` +
          `${String(data[i])}.`,
        {
          hint: 'Hint: a linear model has no way to route missing values; fill or drop them first.',
        },
      );
    }
  }
};
