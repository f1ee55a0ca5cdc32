import t from 'tap';
import { MlError } from './errors.js';
import { LinearRegressor } from './linear.js';
import { matrixFromColumns } from './matrix.js';

const caught = (fn: () => unknown): MlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError, but the call succeeded');
};

t.test('recovers an exact linear relation, intercept included, on badly scaled columns', async (t) => {
  // y = 5 + 2·a − 3·b + 0.5·lat, with lat around −33.4 (tiny spread), as in the property data.
  const a = [1, 2, 3, 4, 5, 6, 7, 8];
  const b = [2, 1, 4, 3, 6, 5, 8, 9];
  const lat = [-33.41, -33.42, -33.4, -33.39, -33.43, -33.44, -33.38, -33.45];
  const y = a.map((v, i) => 5 + 2 * v - 3 * b[i]! + 0.5 * lat[i]!);
  const m = new LinearRegressor().fit(matrixFromColumns([a, b, lat]), y);
  const { coefficients, intercept } = m.state;
  t.ok(Math.abs(coefficients[0]! - 2) < 1e-8, `a: ${coefficients[0]}`);
  t.ok(Math.abs(coefficients[1]! + 3) < 1e-8, `b: ${coefficients[1]}`);
  t.ok(Math.abs(coefficients[2]! - 0.5) < 1e-6, `lat: ${coefficients[2]}`);
  t.ok(Math.abs(intercept - 5) < 1e-4, `intercept: ${intercept}`);
  const p = m.predict([[10, 1, -33.4]]);
  t.ok(Math.abs(p[0]! - (5 + 20 - 3 - 16.7)) < 1e-6, `prediction ${p[0]}`);
});

t.test('a constant column gets no weight instead of breaking the fit', async (t) => {
  const m = new LinearRegressor().fit(
    [
      [1, 7],
      [2, 7],
      [3, 7],
    ],
    [3, 5, 7],
  );
  t.ok(Math.abs(m.state.coefficients[0]! - 2) < 1e-9);
  t.ok(Math.abs(m.predict([[4, 7]])[0]! - 9) < 1e-9);
});

t.test('missing values and bad shapes are errors', async (t) => {
  const nan = caught(() => new LinearRegressor().fit([[1], [Number.NaN]], [1, 2]));
  t.equal(nan.code, 'DAGRUN_ERR_ML_BAD_VALUE');
  t.equal(
    nan.message,
    '[DAGRUN_ERR_ML_BAD_VALUE] LinearRegressor fit X at row 1, column 0: expected a finite number, but got NaN.\n' +
      '  Hint: a linear model has no way to route missing values; fill or drop them first.',
  );
  const m = new LinearRegressor().fit([[1], [2]], [1, 2]);
  t.equal(
    caught(() => m.predict([[Number.POSITIVE_INFINITY]])).detail,
    'LinearRegressor predict X at row 0, column 0: expected a finite number, but got Infinity.',
  );
  t.equal(
    caught(() => m.predict([[1, 2]])).detail,
    'LinearRegressor predict: expected 1 features per row (as at fit), but got 2.',
  );
  t.equal(caught(() => new LinearRegressor().predict([[1]])).code, 'DAGRUN_ERR_ML_NOT_FITTED');
  t.equal(
    caught(() => new LinearRegressor({ fit_intercept: false })).detail,
    "LinearRegressor hyperparameter 'fit_intercept': expected no hyperparameter at all, but got an unknown name.",
  );
});
