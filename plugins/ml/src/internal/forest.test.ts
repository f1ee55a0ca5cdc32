import t from 'tap';
import { CompiledForest, type Tree } from './forest.js';
import { GradientBoostingRegressor } from './gbdt.js';
import { mulberry32 } from './random.js';

/** The obvious walk, tree by tree, summing in the same order as training: the reference for every layout. */
const reference = (
  trees: readonly Tree[],
  lr: number,
  init: number,
  x: Float64Array,
  n: number,
  f: number,
): Float64Array => {
  const out = new Float64Array(n).fill(init);
  for (const tree of trees) {
    for (let r = 0; r < n; r++) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        const v = x[r * f + tree.feature[node]!]!;
        const left = Number.isNaN(v) ? tree.missingLeft[node] === 1 : v <= tree.threshold[node]!;
        node = left ? tree.left[node]! : tree.right[node]!;
      }
      out[r]! += lr * tree.value[node]!;
    }
  }
  return out;
};

/**
 * A tree of every shape. Preorder: 0 root f0<=0.5 (NaN left) → 1 f1<=0.3 (NaN right) over leaves 2, 3; → 4 f2<=0.7
 * (NaN left) over 5 f0<=0.8 (NaN right; leaves 6, 7) and 8 f1<=0.1 (NaN left; leaves 9, 10): a two-leaf and a four-leaf
 * bottom.
 */
const HAND_TREE: Tree = {
  feature: Int32Array.from([0, 1, -1, -1, 2, 0, -1, -1, 1, -1, -1]),
  threshold: Float64Array.from([0.5, 0.3, 0, 0, 0.7, 0.8, 0, 0, 0.1, 0, 0]),
  missingLeft: Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]),
  left: Int32Array.from([1, 2, -1, -1, 5, 6, -1, -1, 9, -1, -1]),
  right: Int32Array.from([4, 3, -1, -1, 8, 7, -1, -1, 10, -1, -1]),
  value: Float64Array.from([0, 0, 1, 2, 0, 0, 4, 8, 0, 16, 32]),
  count: new Float64Array(11),
};
/** Values on each threshold, between and beyond them, and NaN. */
const GRID = [Number.NaN, -1, 0.1, 0.3, 0.5, 0.7, 0.8, 2];

const data = (n: number, seed: number, nanShare: number) => {
  const rand = mulberry32(seed);
  const x = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rand();
    const b = rand();
    const c = rand();
    x[i * 3] = rand() < nanShare ? Number.NaN : a;
    x[i * 3 + 1] = b;
    x[i * 3 + 2] = rand() < nanShare ? Number.NaN : c;
    y[i] = Math.sin(6 * a) * 10 + b * b * 5 + (c > 0.5 ? 3 : 0) + rand();
  }
  return { x: { rows: n, cols: 3, data: x }, y };
};

t.test('compiled and walked forests predict exactly what walking the trees gives, with and without NaN', async (t) => {
  const train = data(3000, 1, 0.1);
  const m = new GradientBoostingRegressor({ n_estimators: 60, max_depth: 5, learning_rate: 0.1 }).fit(train.x, train.y);
  const { trees, init, params } = m.state;
  const compiled = new CompiledForest(trees, params.learning_rate, init, 3);
  const walked = new CompiledForest(trees, params.learning_rate, init, 3, { mode: 'walk' });
  t.equal(compiled.depth, 5);
  t.equal(compiled.mode, 'compiled');
  t.equal(walked.mode, 'walk');
  // 5,000 rows: sorted, in three blocks; 40 rows: unsorted.
  for (const [n, nanShare] of [
    [5000, 0],
    [5000, 0.2],
    [40, 0.3],
  ] as const) {
    const test = data(n, 2, nanShare);
    const expected = Array.from(reference(trees, params.learning_rate, init, test.x.data, n, 3));
    t.same(
      Array.from(compiled.predict(test.x.data, n)),
      expected,
      `compiled, ${n} rows, NaN share ${nanShare}: identical bits`,
    );
    t.same(
      Array.from(walked.predict(test.x.data, n)),
      expected,
      `walked, ${n} rows, NaN share ${nanShare}: identical bits`,
    );
  }
});

t.test('branch-free last levels: every leaf of every shape, values on thresholds, NaN to either side', async (t) => {
  const tree = HAND_TREE;
  const grid = GRID;
  const rows: number[] = [];
  for (const a of grid) for (const b of grid) for (const c of grid) rows.push(a, b, c);
  const n = rows.length / 3;
  const x = Float64Array.from(rows);
  const expected = Array.from(reference([tree, tree], 1, 0, x, n, 3));
  t.same(new Set(expected.map((v) => v / 2)), new Set([1, 2, 4, 8, 16, 32]), 'every leaf is reached');
  t.same(Array.from(new CompiledForest([tree, tree], 1, 0, 3).predict(x, n)), expected, `${n} rows, sorted`);
  t.same(
    Array.from(new CompiledForest([tree, tree], 1, 0, 3).predict(x.subarray(0, 30), 10)),
    expected.slice(0, 10),
    '10 rows, unsorted',
  );
});

t.test(
  'one row at a time (what a server predicts): identical bits for every row, shape, threshold value and NaN side',
  async (t) => {
    const train = data(3000, 3, 0.1);
    const m = new GradientBoostingRegressor({ n_estimators: 40, max_depth: 5, learning_rate: 0.1 }).fit(
      train.x,
      train.y,
    );
    const { trees, init, params } = m.state;
    const forest = new CompiledForest(trees, params.learning_rate, init, 3);
    const test = data(400, 4, 0.25);
    // Values exactly on thresholds too: a row whose first feature is each threshold the trees use on it.
    const onThresholds = trees.flatMap((tr) =>
      Array.from(tr.feature).flatMap((f, i) => (f >= 0 ? [[f, tr.threshold[i]!] as const] : [])),
    );
    const x = Float64Array.from([
      ...test.x.data,
      ...onThresholds.flatMap(([f, v]) => [0, 1, 2].map((j) => (j === f ? v : 0.5))),
    ]);
    const rows = x.length / 3;
    const expected = Array.from(reference(trees, params.learning_rate, init, x, rows, 3));
    let same = 0;
    for (let r = 0; r < rows; r++) if (forest.predict(x.subarray(r * 3, r * 3 + 3), 1)[0] === expected[r]) same++;
    t.equal(
      same,
      rows,
      `${rows} single rows (${onThresholds.length} on a threshold, a quarter with NaN): identical bits`,
    );
    t.same(Array.from(forest.predict(x.subarray(0, 48), 16)), expected.slice(0, 16), '16 rows at once');
    // The hand-built tree of every shape (leaves at depths 2 and 3), one row at a time.
    const tree = HAND_TREE;
    const grid = GRID;
    const hand = new CompiledForest([tree, tree], 1, 0, 3);
    let agree = 0;
    for (const a of grid)
      for (const b of grid)
        for (const c of grid) {
          const row = Float64Array.from([a, b, c]);
          if (hand.predict(row, 1)[0] === reference([tree, tree], 1, 0, row, 1, 3)[0]) agree++;
        }
    t.equal(agree, grid.length ** 3, 'every grid row, one at a time');
  },
);

t.test(
  'a few rows take the binned layout: the same bits as walking, for trees of every depth, on and around every ' +
    'threshold',
  async (t) => {
    const train = data(3000, 5, 0.1);
    // Depths 1 to 8 in one forest (shallow trees are padded to the deepest), and single-leaf trees.
    const forests = [1, 3, 5, 8].map(
      (d) =>
        new GradientBoostingRegressor({ n_estimators: 25, max_depth: d, learning_rate: 0.2 }).fit(train.x, train.y)
          .state,
    );
    const leaf = (v: number): Tree => ({
      feature: Int32Array.of(-1),
      threshold: Float64Array.of(0),
      missingLeft: Uint8Array.of(0),
      left: Int32Array.of(-1),
      right: Int32Array.of(-1),
      value: Float64Array.of(v),
      count: Float64Array.of(1),
    });
    const trees = [...forests.flatMap((f) => f.trees), leaf(0.25), HAND_TREE, leaf(-3)];
    const forest = new CompiledForest(trees, 0.2, 1.5, 3);
    t.equal(forest.layoutFor(1), 'binned');
    t.equal(forest.layoutFor(127), 'binned');
    t.equal(forest.layoutFor(128), 'compiled', 'batches of 128 rows and more: the compiled functions');
    // Rows on every threshold (and the doubles either side of it), infinities, signed zeros and NaN.
    const values = [...new Set(trees.flatMap((tr) => Array.from(tr.threshold).filter((_, i) => tr.feature[i]! >= 0)))];
    const around = values.flatMap((v) => [
      v,
      v - Math.abs(v) * Number.EPSILON - Number.MIN_VALUE,
      v + Math.abs(v) * Number.EPSILON + Number.MIN_VALUE,
    ]);
    const specials = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, Number.NaN];
    const rand = mulberry32(11);
    const pick = (pool: number[]) => pool[Math.floor(rand() * pool.length)]!;
    const rows: number[] = [];
    for (let r = 0; r < 3000; r++) for (let j = 0; j < 3; j++) rows.push(rand() < 0.05 ? pick(specials) : pick(around));
    const x = Float64Array.from(rows);
    const n = rows.length / 3;
    const expected = Array.from(reference(trees, 0.2, 1.5, x, n, 3));
    let same = 0;
    for (let r = 0; r < n; r++) if (Object.is(forest.predict(x.subarray(r * 3, r * 3 + 3), 1)[0], expected[r])) same++;
    t.equal(same, n, `${n} single rows: identical bits (rows with NaN take the compiled functions)`);
    t.same(Array.from(forest.predict(x.subarray(0, 3 * 40), 40)), expected.slice(0, 40), '40 rows at once');
    t.same(
      Array.from(new CompiledForest([leaf(2), leaf(3)], 0.5, 1, 3).predict(Float64Array.of(1, 2, 3), 1)),
      [3.5],
      'a forest of single leaves',
    );
  },
);

t.test('the binned layout is skipped where it does not fit: trees deeper than 8, or walk mode', async (t) => {
  const train = data(4000, 6, 0.05);
  const deep = new GradientBoostingRegressor({ n_estimators: 3, max_depth: 10, learning_rate: 0.5 }).fit(
    train.x,
    train.y,
  ).state;
  const forest = new CompiledForest(deep.trees, 0.5, deep.init, 3);
  t.ok(forest.depth > 8, `depth ${forest.depth}`);
  t.equal(forest.layoutFor(1), 'compiled');
  const test = data(20, 7, 0.1);
  t.same(
    Array.from(forest.predict(test.x.data, 20)),
    Array.from(reference(deep.trees, 0.5, deep.init, test.x.data, 20, 3)),
  );
  t.equal(new CompiledForest(deep.trees, 0.5, deep.init, 3, { mode: 'walk' }).layoutFor(1), 'walk');
});

t.test('deep trees: compiled in several functions, or walked when a tree is too large to compile', async (t) => {
  const train = data(4000, 3, 0.05);
  const m = new GradientBoostingRegressor({ n_estimators: 3, max_depth: 16, learning_rate: 0.5 }).fit(train.x, train.y);
  const { trees, init, params } = m.state;
  const forest = new CompiledForest(trees, params.learning_rate, init, 3);
  t.ok(forest.depth > 12, `depth ${forest.depth}`);
  t.ok(trees[0]!.feature.length > 2400, `${trees[0]!.feature.length} nodes in the first tree`);
  t.equal(forest.mode, 'walk');
  const test = data(300, 4, 0.1);
  t.same(
    Array.from(forest.predict(test.x.data, 300)),
    Array.from(reference(trees, params.learning_rate, init, test.x.data, 300, 3)),
  );
  const medium = new GradientBoostingRegressor({ n_estimators: 4, max_depth: 9, learning_rate: 0.5 }).fit(
    train.x,
    train.y,
  ).state;
  const mf = new CompiledForest(medium.trees, 0.5, medium.init, 3);
  t.equal(mf.mode, 'compiled');
  t.same(
    Array.from(mf.predict(test.x.data, 300)),
    Array.from(reference(medium.trees, 0.5, medium.init, test.x.data, 300, 3)),
  );
});

t.test('predictions on the training rows equal the training-time sums (same order of additions)', async (t) => {
  // A single tree with learning rate 1 and squared error: each training row gets init + its leaf's mean residual.
  const train = data(1000, 5, 0);
  const m = new GradientBoostingRegressor({ n_estimators: 1, max_depth: 3, learning_rate: 1 }).fit(train.x, train.y);
  const p = m.predict(train.x);
  const leafMeans = new Map<number, number>();
  for (let i = 0; i < 1000; i++) leafMeans.set(p[i]!, (leafMeans.get(p[i]!) ?? 0) + 1);
  t.ok(leafMeans.size <= 8, `${leafMeans.size} distinct predictions for at most 8 leaves`);
  let s = 0;
  for (let i = 0; i < 1000; i++) s += p[i]! - train.y[i]!;
  t.ok(Math.abs(s) < 1e-6, 'least squares leaves: residuals sum to zero');
});

t.test('a forest of no trees predicts the initial value', async (t) => {
  t.same(Array.from(new CompiledForest([], 0.1, 42, 2).predict(new Float64Array(4), 2)), [42, 42]);
});
