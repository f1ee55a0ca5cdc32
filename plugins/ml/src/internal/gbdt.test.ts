import t from 'tap';
import { encodedMatrix, propertyLike } from '../../test/fixtures/property-like.js';
import { MlError } from './errors.js';
import { GradientBoostingRegressor } from './gbdt.js';
import { LinearRegressor } from './linear.js';
import { mae, r2 } from './metrics.js';
import { mulberry32 } from './random.js';

const caught = (fn: () => unknown): MlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError, but the call succeeded');
};

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

const close = (t: TapTest, actual: ArrayLike<number>, expected: readonly number[], msg: string): void => {
  t.equal(actual.length, expected.length, `${msg}: length`);
  const ok = expected.every((e, i) => Math.abs(actual[i]! - e) < 1e-9);
  t.ok(ok, `${msg}: ${Array.from(actual).join(', ')} ≈ ${expected.join(', ')}`);
};

// Six points; the expected values were worked out by hand and match scikit-learn 1.2's
// GradientBoostingRegressor(max_depth=1, learning_rate=1) on the same points.
const X6 = [[1], [2], [3], [4], [5], [6]];
const Y6 = [2, 4, 6, 10, 12, 38];
const stump = (params: Record<string, unknown>) =>
  new GradientBoostingRegressor({ max_depth: 1, learning_rate: 1, ...params }).fit(X6, Y6);

t.test(
  'squared_error stumps: init mean 12, split where the residual gain is largest, leaves = mean residual',
  async (t) => {
    const one = stump({ loss: 'squared_error', n_estimators: 1 });
    // Residuals −10 −8 −6 −2 0 26: splitting off the last row gains 26²/1 + 26²/5 = 811.2, the most.
    t.equal(one.state.init, 12);
    t.equal(one.state.trees[0]!.threshold[0], 5.5);
    close(t, one.predict(X6), [6.8, 6.8, 6.8, 6.8, 6.8, 38], 'one tree');
    close(t, stump({ loss: 'squared_error', n_estimators: 2 }).predict(X6), [4, 4, 4, 9.6, 9.6, 40.8], 'two trees');
    close(
      t,
      stump({ loss: 'squared_error', n_estimators: 1, learning_rate: 0.5 }).predict(X6),
      [9.4, 9.4, 9.4, 9.4, 9.4, 25],
      'learning rate 0.5',
    );
  },
);

t.test('absolute_error stumps: init median 8, trees fit the residual signs, leaves = median residual', async (t) => {
  const one = stump({ loss: 'absolute_error', n_estimators: 1 });
  t.equal(one.state.init, 8, 'median of 2 4 6 10 12 38, averaged');
  // Signs − − − + + +: the split at 3.5 separates them; leaves are the medians of (−6 −4 −2) and (2 4 30).
  t.equal(one.state.trees[0]!.threshold[0], 3.5);
  t.same(Array.from(one.predict(X6)), [4, 4, 4, 12, 12, 12]);
  // Second tree: residuals −2 0 2 −2 0 26 (signs − − + − − +); the best split isolates row 6; the left
  // median of (−2 0 2 −2 0) is 0 and the right one 26.
  const two = stump({ loss: 'absolute_error', n_estimators: 2 });
  t.equal(two.state.trees[1]!.threshold[0], 5.5);
  t.same(Array.from(two.predict(X6)), [4, 4, 4, 12, 12, 38]);
});

t.test(
  'huber stumps: delta is the alpha-quantile of |residual|, leaves = median + mean clipped deviation',
  async (t) => {
    // alpha 0.9: delta is the largest |residual| (30), nothing is clipped, so the trees match squared_error's.
    const one = stump({ loss: 'huber', n_estimators: 1 });
    t.equal(one.state.init, 8);
    close(t, one.predict(X6), [6.8, 6.8, 6.8, 6.8, 6.8, 38], 'alpha 0.9, one tree: left leaf −2 + mean(−4 −2 0 4 6)');
    close(t, stump({ loss: 'huber', n_estimators: 2 }).predict(X6), [4, 4, 4, 9.6, 9.6, 40.8], 'alpha 0.9, two trees');
    // alpha 0.5: delta = 4 (lower median of 6 4 2 2 4 30); residuals clip to −4 −4 −2 2 4 4; split at 3.5;
    // the right leaf is median 4 + mean(−2, 0, min(26, 4)) = 4 + 2/3.
    const half = stump({ loss: 'huber', alpha: 0.5, n_estimators: 1 });
    t.equal(half.state.trees[0]!.threshold[0], 3.5);
    close(t, half.predict(X6), [4, 4, 4, 8 + 4 + 2 / 3, 8 + 4 + 2 / 3, 8 + 4 + 2 / 3], 'alpha 0.5, one tree');
    close(
      t,
      stump({ loss: 'huber', alpha: 0.5, n_estimators: 2 }).predict(X6),
      [3.2, 3.2, 3.2, 11.866666666666667, 11.866666666666667, 38],
      'alpha 0.5, two trees',
    );
  },
);

t.test(
  'a missing value (NaN) goes to the side learned at training, or to the larger child when none was seen',
  async (t) => {
    const m = new GradientBoostingRegressor({ max_depth: 1, learning_rate: 1, n_estimators: 1 }).fit(
      [[1], [2], [3], [Number.NaN], [Number.NaN], [6]],
      [1, 1, 1, 10, 10, 1],
    );
    const tree = m.state.trees[0]!;
    t.equal(tree.missingLeft[0], 0, 'the split separates the missing rows and sends them right');
    close(t, m.predict([[Number.NaN], [2], [100], [-5]]), [10, 1, 1, 1], 'NaN rows predict the missing rows’ mean');

    const none = new GradientBoostingRegressor({ max_depth: 1, learning_rate: 1, n_estimators: 1 }).fit(
      X6,
      [0, 0, 0, 0, 10, 10],
    );
    t.equal(none.state.trees[0]!.threshold[0], 4.5);
    t.equal(none.state.trees[0]!.missingLeft[0], 1, 'no NaN at training: NaN follows the larger (left, 4 rows) child');
    close(t, none.predict([[Number.NaN], [5]]), [0, 10], 'NaN predicts like the larger child');
  },
);

t.test('min_samples_leaf and max_depth bound every tree', async (t) => {
  const d = propertyLike(3000, 5);
  const m = new GradientBoostingRegressor({ n_estimators: 20, max_depth: 4, min_samples_leaf: 50 }).fit(
    encodedMatrix(d),
    d.price,
  );
  for (const tree of m.state.trees) {
    const depth = (node: number): number =>
      tree.feature[node]! < 0 ? 0 : 1 + Math.max(depth(tree.left[node]!), depth(tree.right[node]!));
    t.ok(depth(0) <= 4);
    for (let i = 0; i < tree.feature.length; i++)
      if (tree.feature[i]! < 0) t.ok(tree.count[i]! >= 50, `leaf of ${tree.count[i]} rows`);
  }
  // A node holds the rows of its two children.
  const tree = m.state.trees[0]!;
  for (let i = 0; i < tree.feature.length; i++)
    if (tree.feature[i]! >= 0) t.equal(tree.count[i], tree.count[tree.left[i]!]! + tree.count[tree.right[i]!]!);
});

t.test('deterministic for a seed; subsample draws differ between seeds', async (t) => {
  const d = propertyLike(2000, 11);
  const x = encodedMatrix(d);
  const fit = (params: Record<string, unknown>) =>
    new GradientBoostingRegressor({ n_estimators: 30, max_depth: 3, ...params }).fit(x, d.price).predict(x);
  const a = fit({ subsample: 0.7, random_state: 1 });
  t.same(Array.from(fit({ subsample: 0.7, random_state: 1 })), Array.from(a), 'same seed: identical predictions');
  t.notSame(
    Array.from(fit({ subsample: 0.7, random_state: 2 })),
    Array.from(a),
    'another seed: other rows drawn, other predictions',
  );
  t.same(
    Array.from(fit({ random_state: 1 })),
    Array.from(fit({ random_state: 2 })),
    'without subsampling the seed changes nothing',
  );
  for (const loss of ['absolute_error', 'huber'] as const) {
    t.same(
      Array.from(fit({ loss, subsample: 0.5, random_state: 9 })),
      Array.from(fit({ loss, subsample: 0.5, random_state: 9 })),
      `${loss}: same seed, same predictions`,
    );
  }
});

t.test('rearranging rows in memory (large inputs) learns the same trees', async (t) => {
  const d = propertyLike(3000, 12);
  const x = encodedMatrix(d);
  const fit = (reorderRows: boolean, params: Record<string, unknown>) =>
    new GradientBoostingRegressor(
      { n_estimators: 45, max_depth: 4, learning_rate: 0.1, random_state: 5, ...params },
      { reorderRows },
    ).fit(x, d.price);
  // absolute_error sums integers and takes medians: exactly the same model, subsample or not.
  for (const subsample of [1, 0.7]) {
    const a = fit(false, { loss: 'absolute_error', subsample });
    const b = fit(true, { loss: 'absolute_error', subsample });
    t.same(
      Array.from(b.predict(x)),
      Array.from(a.predict(x)),
      `absolute_error, subsample ${subsample}: identical predictions`,
    );
    t.same(
      b.state.trees.map((tr) => Array.from(tr.threshold)),
      a.state.trees.map((tr) => Array.from(tr.threshold)),
      'identical splits',
    );
  }
  // Other losses sum floating-point residuals in another order, which can flip a near-tie between two
  // splits deep in a tree: the models are as good, not bit-identical.
  for (const loss of ['squared_error', 'huber'] as const) {
    const a = mae(d.price, fit(false, { loss, subsample: 0.8 }).predict(x));
    const b = mae(d.price, fit(true, { loss, subsample: 0.8 }).predict(x));
    t.ok(Math.abs(a - b) < 0.01 * a, `${loss}: training MAE ${a.toFixed(1)} vs ${b.toFixed(1)}`);
  }
});

t.test('quality on property-like synthetic data: far better than a constant and than a linear baseline', async (t) => {
  const train = propertyLike(6000, 21);
  const test = propertyLike(3000, 22);
  const x = encodedMatrix(train);
  const xt = encodedMatrix(test);
  const gbr = new GradientBoostingRegressor({
    loss: 'absolute_error',
    learning_rate: 0.1,
    n_estimators: 200,
    max_depth: 5,
    random_state: 42,
  }).fit(x, train.price);
  const pred = gbr.predict(xt);
  const median = [...train.price].sort((a, b) => a - b)[train.price.length >> 1]!;
  const constant = mae(test.price, new Float64Array(test.price.length).fill(median));
  const linear = new LinearRegressor().fit(x, train.price).predict(xt);
  t.ok(
    mae(test.price, pred) < 0.3 * constant,
    `MAE ${mae(test.price, pred).toFixed(0)} < 30% of the constant's ${constant.toFixed(0)}`,
  );
  t.ok(
    mae(test.price, pred) < 0.8 * mae(test.price, linear),
    `MAE ${mae(test.price, pred).toFixed(0)} < 80% of the linear model's ${mae(test.price, linear).toFixed(0)}`,
  );
  t.ok(r2(test.price, pred) > 0.9, `R² ${r2(test.price, pred).toFixed(3)} > 0.9`);
  const imp = gbr.featureImportances;
  t.ok(Math.abs(imp.reduce((s, v) => s + v, 0) - 1) < 1e-12, 'importances sum to 1');
  t.equal(imp.indexOf(Math.max(...imp)), 2, 'net_usable_area matters most, as in the real data (§5)');
});

t.test('a feature that is pure noise gets almost no importance', async (t) => {
  const rand = mulberry32(3);
  const rows = Array.from({ length: 1000 }, () => [rand(), rand()]);
  const y = rows.map(([a]) => (a! > 0.5 ? 10 : 0) + a!);
  const m = new GradientBoostingRegressor({ n_estimators: 50, max_depth: 2 }).fit(rows, y);
  t.ok(m.featureImportances[0]! > 0.99, `signal ${m.featureImportances[0]}`);
});

t.test('bad parameters and inputs are coded errors with exact messages', async (t) => {
  const typo = caught(() => new GradientBoostingRegressor({ n_estimator: 10 }));
  t.equal(typo.code, 'DAGRUN_ERR_ML_PARAMS');
  t.equal(
    typo.message,
    "[DAGRUN_ERR_ML_PARAMS] GradientBoostingRegressor hyperparameter 'n_estimator': expected one of loss, " +
      'learning_rate, n_estimators, max_depth, min_samples_leaf, subsample, random_state, alpha, max_bins, but got ' +
      "an unknown name.\n  Hint: did you mean: 'n_estimators'?",
  );
  const lad = caught(() => new GradientBoostingRegressor({ loss: 'lad' }));
  t.equal(
    lad.message,
    "[DAGRUN_ERR_ML_PARAMS] GradientBoostingRegressor hyperparameter 'loss': expected one of 'squared_error', " +
      "'absolute_error', 'huber', but got 'lad'.\n  Hint: scikit-learn renamed 'lad' to 'absolute_error'; " +
      "use 'absolute_error'.",
  );
  t.equal(
    caught(() => new GradientBoostingRegressor({ learning_rate: 0 })).detail,
    "GradientBoostingRegressor hyperparameter 'learning_rate': expected a number > 0, but got 0.",
  );
  t.equal(
    caught(() => new GradientBoostingRegressor({ n_estimators: 2.5 })).detail,
    "GradientBoostingRegressor hyperparameter 'n_estimators': expected an integer >= 1, but got 2.5.",
  );
  t.equal(
    caught(() => new GradientBoostingRegressor({ subsample: 1.5 })).detail,
    "GradientBoostingRegressor hyperparameter 'subsample': expected a number > 0 and <= 1, but got 1.5.",
  );
  t.equal(
    caught(() => new GradientBoostingRegressor({ max_depth: '5' })).detail,
    "GradientBoostingRegressor hyperparameter 'max_depth': expected an integer >= 1 and <= 30, but got '5'.",
  );

  const notFitted = caught(() => new GradientBoostingRegressor().predict([[1]]));
  t.equal(
    notFitted.message,
    '[DAGRUN_ERR_ML_NOT_FITTED] GradientBoostingRegressor: expected a fitted model, but got one that was never ' +
      'fitted.\n  Hint: call fit(X, y) first, or load a saved model.',
  );
  const m = stump({ n_estimators: 1 });
  t.equal(
    caught(() => m.predict([[1, 2]])).detail,
    'GradientBoostingRegressor predict: expected 1 features per row (as at fit), but got 2.',
  );
  t.equal(
    caught(() => new GradientBoostingRegressor().fit([[1], [2]], [1])).detail,
    'GradientBoostingRegressor target: expected 2 values (one per row of X), but got 1.',
  );
  t.equal(
    caught(() => new GradientBoostingRegressor().fit([[1], [2]], [1, Number.NaN])).detail,
    'GradientBoostingRegressor target at row 1: expected a finite number, but got NaN.',
  );
  t.equal(
    caught(() => new GradientBoostingRegressor().fit([[1], [2, 3]], [1, 2])).detail,
    'Row 1: expected 1 values like row 0, but got 2.',
  );
  t.equal(caught(() => new GradientBoostingRegressor().fit([], [])).code, 'DAGRUN_ERR_ML_EMPTY');
});

t.test('a helper thread changes no tree: one and two threads fit identical models, for every loss', async (t) => {
  // 120,000 rows: nodes from 32,768 rows are split in halves (histograms, partitions, leaves).
  const d = propertyLike(120_000, 5);
  const x = encodedMatrix(d);
  const probe = { rows: 2000, cols: x.cols, data: x.data.slice(0, 2000 * x.cols) };
  for (const loss of ['absolute_error', 'squared_error', 'huber'] as const) {
    const params = {
      loss,
      n_estimators: 12,
      max_depth: 5,
      learning_rate: 0.1,
      random_state: 3,
      subsample: loss === 'huber' ? 0.7 : 1,
    };
    const one = new GradientBoostingRegressor(params, { threads: 1 }).fit(x, d.price);
    const two = new GradientBoostingRegressor(params, { threads: 2, reorderRows: true }).fit(x, d.price);
    t.same([one.fitThreads, two.fitThreads], [1, 2], `${loss}: the second fit ran a helper thread`);
    t.same(JSON.stringify(two.state.trees), JSON.stringify(one.state.trees), `${loss}: identical trees`);
    t.same(Array.from(two.predict(probe)), Array.from(one.predict(probe)), `${loss}: identical predictions`);
  }
});
