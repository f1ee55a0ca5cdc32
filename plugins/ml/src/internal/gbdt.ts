// GradientBoostingRegressor: scikit-learn's gradient boosting (losses, initial value, leaf values, subsampling
// without replacement) on histogram trees (at most 255 quantile bins per feature, a learned bin for NaN).
// Deterministic: every random draw comes from random_state.

import { applyBins, binThresholds, MAX_BINS, MISSING_BIN } from './binning.js';
import { MlError } from './errors.js';
import { CompiledForest, type Tree } from './forest.js';
import { initialValue, leafValues, negativeGradient, type LossName } from './losses.js';
import { checkTarget, toMatrix, type MatrixLike } from './matrix.js';
import { checkParams, type ParamSpec } from './params.js';
import { mulberry32, sampleWithoutReplacement } from './random.js';
import { TreeGrower } from './tree-grower.js';

export interface GradientBoostingParams {
  /** 'squared_error', 'absolute_error' or 'huber'. Default 'squared_error'. */
  readonly loss: LossName;
  /** Shrinks each tree's contribution. Default 0.1. */
  readonly learning_rate: number;
  /** Number of trees. Default 100. */
  readonly n_estimators: number;
  /** Depth of each tree (a stump is 1). Default 3. */
  readonly max_depth: number;
  /** Fewest training rows a leaf may hold. Default 1. */
  readonly min_samples_leaf: number;
  /** Share of the rows each tree is fitted on, drawn without replacement per tree. Default 1. */
  readonly subsample: number;
  /** Seed of every random draw (subsampling, binning sample). Default 0. */
  readonly random_state: number;
  /** Huber's quantile of |residual| at which residuals are clipped. Default 0.9. */
  readonly alpha: number;
  /** Bins per feature (at most 255; a further bin holds NaN). Default 255. */
  readonly max_bins: number;
}

export const GBR_DEFAULTS: GradientBoostingParams = {
  loss: 'squared_error',
  learning_rate: 0.1,
  n_estimators: 100,
  max_depth: 3,
  min_samples_leaf: 1,
  subsample: 1,
  random_state: 0,
  alpha: 0.9,
  max_bins: MAX_BINS,
};

const SPECS: { readonly [K in keyof GradientBoostingParams]: ParamSpec } = {
  loss: { kind: 'enum', values: ['squared_error', 'absolute_error', 'huber'], aliases: { ls: 'squared_error', lad: 'absolute_error', least_squares: 'squared_error', least_absolute_deviation: 'absolute_error' } },
  learning_rate: { kind: 'number', min: 0, minExclusive: true },
  n_estimators: { kind: 'integer', min: 1 },
  max_depth: { kind: 'integer', min: 1, max: 30 },
  min_samples_leaf: { kind: 'integer', min: 1 },
  subsample: { kind: 'number', min: 0, max: 1, minExclusive: true },
  random_state: { kind: 'integer', min: 0, max: 4294967295 },
  alpha: { kind: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  max_bins: { kind: 'integer', min: 2, max: MAX_BINS },
};

/** Everything a fitted model needs to predict, in plain data (see serialize.ts). */
export interface GradientBoostingState {
  readonly params: GradientBoostingParams;
  readonly nFeatures: number;
  readonly init: number;
  readonly trees: readonly Tree[];
  /** Total squared-error gain of each feature's splits, normalised to sum to 1 (zeros when no split). */
  readonly featureImportances: Float64Array;
  readonly nTrainRows: number;
}

export class GradientBoostingRegressor {
  readonly params: GradientBoostingParams;
  #state: GradientBoostingState | undefined;
  #forest: CompiledForest | undefined;

  constructor(params: Partial<GradientBoostingParams> | Readonly<Record<string, unknown>> = {}) {
    this.params = checkParams('GradientBoostingRegressor', params as Record<string, unknown>, SPECS, GBR_DEFAULTS);
  }

  /** Rebuilds a fitted model from its state (as produced by `state`). */
  static fromState(state: GradientBoostingState): GradientBoostingRegressor {
    const m = new GradientBoostingRegressor(state.params);
    m.#state = state;
    m.#forest = new CompiledForest(state.trees, state.params.learning_rate, state.init, state.nFeatures);
    return m;
  }

  get fitted(): boolean {
    return this.#state !== undefined;
  }

  get state(): GradientBoostingState {
    return this.#need();
  }

  get featureImportances(): Float64Array {
    return this.#need().featureImportances;
  }

  /** Fits on X (n × f; NaN = missing) and y. Returns this. */
  fit(xLike: MatrixLike, yLike: ArrayLike<number>): this {
    const x = toMatrix(xLike);
    const n = x.rows;
    const f = x.cols;
    if (n === 0) throw new MlError('DAGRUN_ERR_ML_EMPTY', 'GradientBoostingRegressor fit: expected at least one row, but got 0.');
    const y = checkTarget(yLike, n, 'GradientBoostingRegressor');
    const p = this.params;
    const rand = mulberry32(p.random_state);
    const thresholds = binThresholds(x.data, n, f, p.max_bins, mulberry32((p.random_state ^ 0x9e3779b9) >>> 0));
    const bins = applyBins(x.data, n, f, thresholds);
    const init = initialValue(p.loss, y);
    const scratch = new Float64Array(n);
    const raw = new Float64Array(n).fill(init);
    const grad = new Float64Array(n);
    const grower = new TreeGrower(bins, n, thresholds, {
      maxDepth: p.max_depth,
      minSamplesLeaf: p.min_samples_leaf,
      signGradients: p.loss === 'absolute_error',
    });
    const nInBag = p.subsample < 1 ? Math.max(1, Math.floor(p.subsample * n)) : n;
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    const perm = nInBag < n ? all.slice() : all;
    const mask = new Uint8Array(n);
    const inBag = new Uint32Array(n);
    const trees: Tree[] = [];
    const lr = p.learning_rate;
    const leafOf = new Uint32Array(n);
    const buffers = { values: new Float64Array(nInBag), select: new Float64Array(nInBag) };
    for (let t = 0; t < p.n_estimators; t++) {
      const delta = negativeGradient(p.loss, y, raw, grad, p.alpha, scratch);
      const rows = nInBag < n ? sampleWithoutReplacement(perm, nInBag, rand, mask, inBag) : all;
      const { tree, leaves, nLeaves } = grower.grow(rows, grad);
      const idx = grower.idx;
      // The leaf of every in-bag row, from the leaf ranges of the grower's row buffer.
      const leafOfNode = new Int32Array(tree.feature.length);
      for (let k = 0; k < nLeaves; k++) {
        leafOfNode[leaves[3 * k]!] = k;
        for (let i = leaves[3 * k + 1]!, end = leaves[3 * k + 2]!; i < end; i++) leafOf[idx[i]!] = k;
      }
      // Leaf values from the predictions before this tree (in-bag rows only).
      const values = new Float64Array(nLeaves);
      leafValues(p.loss, rows, leafOf, nLeaves, y, raw, grad, delta, buffers, values);
      for (let k = 0; k < nLeaves; k++) tree.value[leaves[3 * k]!] = values[k]!;
      if (nInBag < n) {
        // Out-of-bag rows descend the tree on their bins.
        for (let r = 0; r < n; r++) {
          if (mask[r] === 1) continue;
          let node = 0;
          while (tree.feature[node]! >= 0) {
            const b = bins[r * f + tree.feature[node]!]!;
            const goLeft = b === MISSING_BIN ? tree.missingLeft[node] === 1 : x.data[r * f + tree.feature[node]!]! <= tree.threshold[node]!;
            node = goLeft ? tree.left[node]! : tree.right[node]!;
          }
          leafOf[r] = leafOfNode[node]!;
        }
      }
      const steps = values.map((v) => lr * v);
      for (let r = 0; r < n; r++) raw[r]! += steps[leafOf[r]!]!;
      trees.push(tree);
    }
    const total = grower.importances.reduce((s, v) => s + v, 0);
    const featureImportances = grower.importances.map((v) => (total > 0 ? v / total : 0));
    this.#state = { params: p, nFeatures: f, init, trees, featureImportances, nTrainRows: n };
    this.#forest = new CompiledForest(trees, lr, init, f);
    return this;
  }

  /** Predicts each row of X (n × the number of features at fit). NaN follows each split's learned side. */
  predict(xLike: MatrixLike): Float64Array {
    const state = this.#need();
    const x = toMatrix(xLike);
    if (x.cols !== state.nFeatures && x.rows > 0) {
      throw new MlError('DAGRUN_ERR_ML_SHAPE', `GradientBoostingRegressor predict: expected ${state.nFeatures} features per row (as at fit), but got ${x.cols}.`);
    }
    return this.#forest!.predict(x.data, x.rows);
  }

  #need(): GradientBoostingState {
    if (!this.#state) {
      throw new MlError('DAGRUN_ERR_ML_NOT_FITTED', 'GradientBoostingRegressor: expected a fitted model, but got one that was never fitted.', {
        hint: 'Hint: call fit(X, y) first, or load a saved model.',
      });
    }
    return this.#state;
  }
}
