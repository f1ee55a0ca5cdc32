// GradientBoostingRegressor: scikit-learn's gradient boosting (losses, initial value, leaf values, subsampling
// without replacement) on histogram trees (at most 255 quantile bins per feature, a learned bin for NaN).
// Deterministic: every random draw comes from random_state.

import { applyBins, binThresholds, MAX_BINS, MISSING_BIN } from './binning.js';
import { MlError } from './errors.js';
import { CompiledForest, type Tree } from './forest.js';
import {
  assignLeavesKernel,
  initialValue,
  leafValuesKernel,
  lossCode,
  negativeGradient,
  updateKernel,
  type LossName,
} from './losses.js';
import { specialize } from './kernels.js';
import { selectValue } from './stats.js';
import { checkTarget, toMatrix, type MatrixLike } from './matrix.js';
import { checkParams, type ParamSpec } from './params.js';
import { mulberry32, sampleWithoutReplacement } from './random.js';
import { defaultThreads, OP_LEAVES, plainArray, sharedArray, TrainHelper } from './train-helper.js';
import { HALVES_FROM, TreeGrower } from './tree-grower.js';

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
  loss: {
    kind: 'enum',
    values: ['squared_error', 'absolute_error', 'huber'],
    aliases: {
      ls: 'squared_error',
      lad: 'absolute_error',
      least_squares: 'squared_error',
      least_absolute_deviation: 'absolute_error',
    },
  },
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

/** How training runs, not what it learns (not saved with the model). */
export interface EngineOptions {
  /**
   * Rearrange the rows in memory every few trees so that rows sharing a leaf are adjacent, which turns
   * the random memory reads of large inputs into sequential ones. Default: from 100,000 rows. The trees
   * are the same (up to the order of floating-point sums).
   */
  readonly reorderRows?: boolean;
  /**
   * Threads: 1, or 2 (a helper thread builds half of each histogram of nodes from 32,768 rows and finishes
   * half of the leaves). Default: 2 from 200,000 rows on a machine with at least two cores, else 1.
   * The trees are identical whatever the number.
   */
  readonly threads?: number;
}

const REORDER_FROM = 100_000;
const REORDER_EVERY = 20;

export class GradientBoostingRegressor {
  /** Tells estimators apart without instanceof, which fails across two copies of this package. */
  readonly kind = 'gradient_boosting' as const;
  readonly params: GradientBoostingParams;
  readonly #engine: EngineOptions;
  #state: GradientBoostingState | undefined;
  #fitThreads = 0;
  #forest: CompiledForest | undefined;

  constructor(
    params: Partial<GradientBoostingParams> | Readonly<Record<string, unknown>> = {},
    engine: EngineOptions = {},
  ) {
    this.params = checkParams('GradientBoostingRegressor', params as Record<string, unknown>, SPECS, GBR_DEFAULTS);
    this.#engine = engine;
  }

  /** Rebuilds a fitted model from its state (as produced by `state`). */
  static fromState(state: GradientBoostingState): GradientBoostingRegressor {
    const m = new GradientBoostingRegressor(state.params);
    m.#state = state;
    m.#forest = new CompiledForest(state.trees, state.params.learning_rate, state.init, state.nFeatures);
    return m;
  }

  /** Threads the last fit ran on (2 when a helper thread took half of the large steps). */
  get fitThreads(): number {
    return this.#fitThreads;
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
    if (n === 0)
      throw new MlError('DAGRUN_ERR_ML_EMPTY', 'GradientBoostingRegressor fit: expected at least one row, but got 0.');
    const p = this.params;
    const threads = Math.min(2, Math.max(1, Math.floor(this.#engine.threads ?? defaultThreads(n))));
    // With a helper thread, the arrays it reads or writes live in shared memory.
    const shared = threads > 1;
    const alloc = shared ? sharedArray : plainArray;
    const checked = checkTarget(yLike, n, 'GradientBoostingRegressor');
    const y = shared ? alloc.f64(n) : checked;
    if (shared) y.set(checked);
    const rand = mulberry32(p.random_state);
    const thresholds = binThresholds(x.data, n, f, p.max_bins, mulberry32((p.random_state ^ 0x9e3779b9) >>> 0));
    const bins = applyBins(x.data, n, f, thresholds, alloc.u8(n * f));
    const init = initialValue(p.loss, y);
    const scratch = new Float64Array(n);
    const raw = alloc.f64(n).fill(init);
    const grad = alloc.f64(n);
    const grower = new TreeGrower(bins, n, thresholds, grad, {
      maxDepth: p.max_depth,
      minSamplesLeaf: p.min_samples_leaf,
      signGradients: p.loss === 'absolute_error',
      shared,
    });
    const nInBag = p.subsample < 1 ? Math.max(1, Math.floor(p.subsample * n)) : n;
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    // Subsamples are drawn over the original rows, so rearranging the rows (below) changes no draw.
    const perm = nInBag < n ? all.slice() : all;
    const rowMask = new Uint8Array(n);
    const sampled = new Uint32Array(n);
    const inBag = new Uint32Array(n);
    const posMask = new Uint8Array(n);
    const reorder = this.#engine.reorderRows ?? n >= REORDER_FROM;
    const rows = new RowOrder(n, f, reorder);
    const trees: Tree[] = [];
    const lr = p.learning_rate;
    const leafOf = alloc.u32(n);
    const code = lossCode(p.loss);
    const residuals = alloc.f64(n);
    const leafValues = specialize(leafValuesKernel, selectValue, grower.idx, y, raw, grad, residuals, code);
    const assignLeaves = specialize(assignLeavesKernel, grower.idx, leafOf);
    const update = specialize(updateKernel, raw, leafOf, n);
    // The helper thread (train-helper.ts) gets every array it reads or writes; the leaves of a tree are
    // copied into shared memory for it. A tree has at most 2^max_depth leaves, and at most one per row.
    const maxLeaves = Math.min(n, 2 ** Math.min(p.max_depth, 30));
    const sharedLeaves = alloc.i32(shared ? 3 * maxLeaves : 0);
    const sharedValues = alloc.f64(shared ? maxLeaves : 0);
    const helper = shared
      ? TrainHelper.open(
          {
            nFeatures: f,
            nRows: n,
            nBins: thresholds.map((th) => th.length + 1),
            helperSlot: grower.helperSlot,
            lossCode: code,
          },
          {
            bins,
            idx: grower.idx,
            grad,
            signs: grower.signs,
            y,
            raw,
            leafOf,
            values: residuals,
            hist: grower.hist,
            helperCounts: grower.helperCounts,
            leaves: sharedLeaves,
            leafValues: sharedValues,
          },
        )
      : undefined;
    grower.attachHelper(helper);
    this.#fitThreads = helper ? 2 : 1;
    /** Each leaf's value and each in-bag row's leaf; with a helper, it takes the later leaves, about half the rows. */
    const finishLeaves = (leaves: Int32Array, nLeaves: number, delta: number): Float64Array => {
      let total = 0;
      for (let k = 0; k < nLeaves; k++) total += leaves[3 * k + 2]! - leaves[3 * k + 1]!;
      if (!helper || nLeaves < 2 || total < HALVES_FROM) {
        const values = new Float64Array(nLeaves);
        assignLeaves(leaves, 0, nLeaves);
        leafValues(leaves, 0, nLeaves, delta, values);
        return values;
      }
      let split = 1;
      for (let acc = leaves[2]! - leaves[1]!; split < nLeaves - 1 && acc < total / 2; split++)
        acc += leaves[3 * split + 2]! - leaves[3 * split + 1]!;
      sharedLeaves.set(leaves.subarray(0, 3 * nLeaves));
      helper.request(OP_LEAVES, split, nLeaves, delta);
      assignLeaves(sharedLeaves, 0, split);
      leafValues(sharedLeaves, 0, split, delta, sharedValues);
      helper.wait();
      return sharedValues.slice(0, nLeaves);
    };
    try {
      for (let t = 0; t < p.n_estimators; t++) {
        const delta = negativeGradient(p.loss, y, raw, grad, p.alpha, scratch);
        let inBagPositions = all;
        if (nInBag < n) {
          sampleWithoutReplacement(perm, nInBag, rand, rowMask, sampled);
          // Positions of the drawn rows, ascending (the identity while rows keep their order).
          let m = 0;
          for (let q = 0; q < n; q++) {
            const inside = rowMask[rows.rowAt[q]!]!;
            posMask[q] = inside;
            if (inside === 1) inBag[m++] = q;
          }
          inBagPositions = inBag.subarray(0, m);
        }
        const { tree, splitBins, leaves, nLeaves } = grower.grow(inBagPositions);
        // The leaf of every in-bag row, from the leaf ranges of the grower's row buffer.
        const leafOfNode = new Int32Array(tree.feature.length);
        for (let k = 0; k < nLeaves; k++) leafOfNode[leaves[3 * k]!] = k;
        // Leaf values from the predictions before this tree (in-bag rows only).
        const values = finishLeaves(leaves, nLeaves, delta);
        for (let k = 0; k < nLeaves; k++) tree.value[leaves[3 * k]!] = values[k]!;
        if (nInBag < n) {
          // Out-of-bag rows descend the tree on their bins.
          for (let q = 0; q < n; q++) {
            if (posMask[q] === 1) continue;
            let node = 0;
            while (tree.feature[node]! >= 0) {
              const b = bins[q * f + tree.feature[node]!]!;
              node = (b === MISSING_BIN ? tree.missingLeft[node] === 1 : b <= splitBins[node]!)
                ? tree.left[node]!
                : tree.right[node]!;
            }
            leafOf[q] = leafOfNode[node]!;
          }
        }
        update(values.map((v) => lr * v));
        trees.push(tree);
        if (reorder && t % REORDER_EVERY === 0 && t + 1 < p.n_estimators) {
          rows.sortByLeaf(leafOf, nLeaves, bins, y, raw);
          grower.invalidateRoot();
        }
      }
    } finally {
      helper?.close();
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
      throw new MlError(
        'DAGRUN_ERR_ML_SHAPE',
        `GradientBoostingRegressor predict: expected ${state.nFeatures} features per row (as at fit), but got ` +
          `${x.cols}.`,
      );
    }
    return this.#forest!.predict(x.data, x.rows);
  }

  #need(): GradientBoostingState {
    if (!this.#state) {
      throw new MlError(
        'DAGRUN_ERR_ML_NOT_FITTED',
        'GradientBoostingRegressor: expected a fitted model, but got one that was never fitted.',
        {
          hint: 'Hint: call fit(X, y) first, or load a saved model.',
        },
      );
    }
    return this.#state;
  }
}

/**
 * Where each original row sits in the working arrays. sortByLeaf makes rows of the same leaf adjacent
 * (stable, by leaf number in preorder): the next trees, much like this one, then read rows in runs.
 */
class RowOrder {
  /** Position → original row. */
  rowAt: Uint32Array;
  readonly #f: number;
  readonly #binsTmp: Uint8Array;
  readonly #order: Uint32Array;
  // Buffers the permuted values are gathered into before being copied back.
  #rowAtSpare: Uint32Array;
  #ySpare: Float64Array;
  #rawSpare: Float64Array;

  constructor(n: number, f: number, enabled: boolean) {
    this.rowAt = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.rowAt[i] = i;
    const m = enabled ? n : 0;
    this.#f = f;
    this.#binsTmp = new Uint8Array(m * f);
    this.#order = new Uint32Array(m);
    this.#rowAtSpare = new Uint32Array(m);
    this.#ySpare = new Float64Array(m);
    this.#rawSpare = new Float64Array(m);
  }

  /** Permutes bins, y and raw in place (the arrays stay the same objects: kernels are compiled for them). */
  sortByLeaf(leafOf: Uint32Array, nLeaves: number, bins: Uint8Array, y: Float64Array, raw: Float64Array): void {
    const n = leafOf.length;
    const f = this.#f;
    const counts = new Uint32Array(nLeaves + 1);
    for (let q = 0; q < n; q++) counts[leafOf[q]! + 1]!++;
    for (let l = 0; l < nLeaves; l++) counts[l + 1]! += counts[l]!;
    const order = this.#order;
    for (let q = 0; q < n; q++) order[counts[leafOf[q]!]!++] = q;
    const tmp = this.#binsTmp;
    const y2 = this.#ySpare;
    const raw2 = this.#rawSpare;
    const rowAt2 = this.#rowAtSpare;
    const rowAt = this.rowAt;
    for (let k = 0; k < n; k++) {
      const q = order[k]!;
      for (let j = 0; j < f; j++) tmp[k * f + j] = bins[q * f + j]!;
      y2[k] = y[q]!;
      raw2[k] = raw[q]!;
      rowAt2[k] = rowAt[q]!;
    }
    bins.set(tmp);
    y.set(y2);
    raw.set(raw2);
    this.#rowAtSpare = rowAt;
    this.rowAt = rowAt2;
  }
}
