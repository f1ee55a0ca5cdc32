import t from 'tap';
import { MlError } from './errors.js';
import { mae, mape, mapeAbove, maxError, mdape, r2, regressionMetrics, rmse } from './metrics.js';

// y_true and y_pred, worked out by hand below.
const yTrue = [100, 200, 400, 800, 10];
const yPred = [110, 180, 400, 1000, 20];

t.test('each metric against hand-computed values, (y_true, y_pred) order', async (t) => {
  // errors: −10, 20, 0, −200, −10 → squares 100, 400, 0, 40000, 100 → mean 8120
  t.equal(rmse(yTrue, yPred), Math.sqrt(8120));
  // |errors| 10, 20, 0, 200, 10 → mean 48
  t.equal(mae(yTrue, yPred), 48);
  // |e| / y_true: 0.1, 0.1, 0, 0.25, 1 → mean 0.29; median 0.1
  t.ok(Math.abs(mape(yTrue, yPred) - 0.29) < 1e-15);
  t.equal(mdape(yTrue, yPred), 0.1);
  // Swapping the arguments changes MAPE (the original notebook's defect): |e| / y_pred.
  t.ok(Math.abs(mape(yPred, yTrue) - (10 / 110 + 20 / 180 + 0 + 200 / 1000 + 10 / 20) / 5) < 1e-15);
  // mean y_true 302; SS_tot = 202² + 102² + 98² + 498² + 292² = 40804 + 10404 + 9604 + 248004 + 85264 = 394080
  t.ok(Math.abs(r2(yTrue, yPred) - (1 - 40600 / 394080)) < 1e-15);
  // Only rows with y_true >= 150: 0.1, 0, 0.25 → 0.35 / 3
  t.ok(Math.abs(mapeAbove(yTrue, yPred, 150) - 0.35 / 3) < 1e-15);
});

t.test("maxError is scikit-learn's max_error: the largest |y_true − y_pred|", async (t) => {
  // Values from sklearn.metrics.max_error (scikit-learn 1.2.1), printed with repr().
  t.equal(maxError(yTrue, yPred), 200);
  t.equal(maxError([3, 2, 7, 1], [4, 2, 7, 1]), 1, "scikit-learn's docstring example");
  t.equal(maxError([5], [5]), 0);
  t.equal(maxError([0.1, 0.2, 0.3, -1e-3], [0.3, 0.1, 0.6, 0]), 0.3);
  const n = 500;
  const tr = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 7);
  const pr = Float64Array.from({ length: n }, (_, i) => ((i * 104729) % 997) / 3 - 20.5);
  t.equal(maxError(tr, pr), 294.45238095238096, 'the same 500 values in Python: row 407');
  t.ok(Number.isNaN(maxError([1, 2], [1, Number.NaN])), 'a NaN is not skipped');
  t.throws(() => maxError([1, 2], [1]), {
    code: 'DAGRUN_ERR_ML_SHAPE',
    detail: "Metric 'max_error': expected y_true and y_pred of the same length, but got 2 and 1.",
  });
  t.throws(() => maxError([], []), {
    code: 'DAGRUN_ERR_ML_EMPTY',
    detail: "Metric 'max_error': expected at least one value, but got 0.",
  });
});

t.test('regressionMetrics bundles them, with the MAPE threshold (default 1000)', async (t) => {
  const m = regressionMetrics(yTrue, yPred, 150);
  t.same(Object.keys(m), ['rmse', 'mae', 'mape', 'mdape', 'r2', 'mape_above', 'mape_threshold', 'n']);
  t.equal(m.mae, 48);
  t.equal(m.mape_threshold, 150);
  t.equal(m.n, 5);
  t.equal(regressionMetrics([1000, 2000], [1100, 2000]).mape_above, 0.05);
});

t.test('edge cases: zero y_true, constant y_true, no row above the threshold, mismatched lengths', async (t) => {
  // scikit-learn replaces a zero denominator with machine epsilon: huge, not Infinity.
  t.equal(mape([0, 100], [1, 100]), 1 / Number.EPSILON / 2);
  t.equal(r2([5, 5], [5, 5]), 1);
  t.equal(r2([5, 5], [4, 6]), 0);
  const none = (() => {
    try {
      mapeAbove([10, 20], [10, 20], 1000);
    } catch (e) {
      return e as MlError;
    }
    throw new Error('expected an error');
  })();
  t.equal(none.code, 'DAGRUN_ERR_ML_EMPTY');
  t.equal(none.detail, "Metric 'mape_above': expected at least one y_true >= 1000, but got none of 2.");
  t.throws(() => rmse([1, 2], [1]), {
    code: 'DAGRUN_ERR_ML_SHAPE',
    detail: "Metric 'rmse': expected y_true and y_pred of the same length, but got 2 and 1.",
  });
  t.throws(() => mae([], []), { code: 'DAGRUN_ERR_ML_EMPTY' });
});
