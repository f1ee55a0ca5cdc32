// Regression trees as flat arrays, and the forest's prediction, in two layouts chosen by the number of rows.
// Batches: each group of trees is compiled once into a JavaScript function of nested comparisons with the
// thresholds and leaf values as literals (kernels.ts), and rows are visited sorted by the feature most trees
// split on first, so the processor predicts most branches. A few rows (what a server predicts per request): a
// compact binned layout walked without a branch, because for rows that share nothing the compiled code
// mispredicts and, being hundreds of kilobytes, misses the instruction cache at every tree.

import { binnedSumKernel, type GroupKernel, groupKernels } from './kernels.js';

/** One tree in preorder. A leaf has feature -1. A row goes left when x <= threshold (NaN: when missingLeft). */
export interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly missingLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf values (unscaled by the learning rate); on split nodes, the node's mean pseudo-residual. */
  readonly value: Float64Array;
  /** Training rows that reached the node. */
  readonly count: Float64Array;
}

export const treeDepth = (t: Tree, node = 0): number =>
  t.feature[node]! < 0 ? 0 : 1 + Math.max(treeDepth(t, t.left[node]!), treeDepth(t, t.right[node]!));

/** Rows per pass over the groups, so a block of rows stays in cache while every group reads it. */
const ROW_BLOCK = 2048;
/** Below this many rows, sorting them costs more than the branches it saves. */
const SORT_FROM = 64;
/**
 * Below this many rows, the binned layout predicts (when the forest has one and the rows have no NaN). In the
 * server, a batch of 100 rows took less CPU binned than compiled in 9 of 12 interleaved runs (~5%); 1,000
 * rows, sorted, are faster compiled.
 */
const BINNED_BELOW = 128;
/** The binned layout pads every tree to the deepest one: up to this depth, and this many bytes. */
const BINNED_MAX_DEPTH = 8;
const BINNED_MAX_BYTES = 16 * 1024 * 1024;

export interface ForestOptions {
  /** 'compiled' (default): generated functions; 'walk': a plain loop over the node arrays (same results). */
  readonly mode?: 'compiled' | 'walk';
}

/** A forest ready to predict: init + Σ learningRate · leaf, summed tree by tree in training order. */
export class CompiledForest {
  readonly #init: number;
  readonly #nFeatures: number;
  readonly #trees: readonly Tree[];
  /** Leaf values times the learning rate, computed once exactly as training adds them. */
  readonly #scaled: Float64Array[];
  readonly #mode: 'compiled' | 'walk';
  /** The generated functions; null when they cannot be made (huge trees, no code generation). */
  #groups: GroupKernel[] | null | undefined;
  #binned: BinnedForest | null | undefined;
  #sortFeature = -1;
  #sortEdges = new Float64Array(0);

  constructor(
    trees: readonly Tree[],
    learningRate: number,
    init: number,
    nFeatures: number,
    options: ForestOptions = {},
  ) {
    this.#init = init;
    this.#nFeatures = nFeatures;
    this.#trees = trees;
    this.#scaled = trees.map((t) => t.value.map((v) => learningRate * v));
    this.#mode = options.mode ?? 'compiled';
  }

  get depth(): number {
    return this.#trees.reduce((d, t) => Math.max(d, treeDepth(t)), 0);
  }

  /** How predict runs: 'compiled' once the generated functions exist, else 'walk'. */
  get mode(): 'compiled' | 'walk' {
    return this.#compile() ? 'compiled' : 'walk';
  }

  /** How a call with `n` rows runs: 'binned' for a few rows when the forest has that layout, else `mode`. */
  layoutFor(n: number): 'binned' | 'compiled' | 'walk' {
    return n < BINNED_BELOW && this.#binnedLayout() ? 'binned' : this.mode;
  }

  /** Predicts the `n` rows of row-major `x` (n × nFeatures). NaN takes each split's missing side. */
  predict(x: Float64Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
    out.fill(this.#init, 0, n);
    if (this.#trees.length === 0 || n === 0) return out;
    if (n < BINNED_BELOW) {
      const binned = this.#binnedLayout();
      if (binned && binned.predict(x, n, out)) return out; // false: a row holds NaN, so the layouts below run
    }
    const groups = this.#compile();
    if (!groups) {
      this.#walk(x, n, out);
      return out;
    }
    const order = n >= SORT_FROM ? this.#order(x, n) : identity(n);
    for (let start = 0; start < n; start += ROW_BLOCK) {
      const end = Math.min(n, start + ROW_BLOCK);
      for (const g of groups) g(x, order, start, end, out);
    }
    return out;
  }

  /** The binned layout, built on first use; null when the trees do not fit it (too deep, too many features). */
  #binnedLayout(): BinnedForest | null {
    if (this.#binned === undefined)
      this.#binned = this.#mode === 'walk' ? null : BinnedForest.build(this.#trees, this.#scaled, this.#nFeatures);
    return this.#binned;
  }

  /** The generated functions, built on first use; undefined when walking (by option, huge trees, or no eval). */
  #compile(): GroupKernel[] | undefined {
    if (this.#mode === 'walk') return undefined;
    if (this.#groups === undefined) {
      this.#groups = groupKernels(this.#trees, this.#scaled, this.#nFeatures) ?? null;
      if (this.#groups) this.#chooseSortFeature();
    }
    return this.#groups ?? undefined;
  }

  /** The feature most trees test in their first two levels, and every threshold used on it. */
  #chooseSortFeature(): void {
    const counts = new Float64Array(this.#nFeatures);
    const edges = new Set<number>();
    for (const t of this.#trees) {
      if (t.feature[0]! < 0) continue;
      counts[t.feature[0]!]! += 2;
      for (const c of [t.left[0]!, t.right[0]!]) if (t.feature[c]! >= 0) counts[t.feature[c]!]! += 1;
    }
    let best = -1;
    for (let j = 0; j < this.#nFeatures; j++) if (counts[j]! > 0 && (best < 0 || counts[j]! > counts[best]!)) best = j;
    if (best < 0) return;
    for (const t of this.#trees)
      for (let i = 0; i < t.feature.length; i++) if (t.feature[i] === best) edges.add(t.threshold[i]!);
    this.#sortFeature = best;
    this.#sortEdges = Float64Array.from(edges).sort();
  }

  /**
   * Row numbers grouped by the interval of the sort feature's thresholds each row falls in (a counting sort,
   * O(n)): rows of a group take the same side at every split on that feature. NaN rows come last.
   */
  #order(x: Float64Array, n: number): Uint32Array {
    const f = this.#nFeatures;
    const j = this.#sortFeature;
    if (j < 0) return identity(n);
    const edges = this.#sortEdges;
    const m = edges.length;
    const bucket = new Uint16Array(n);
    const counts = new Uint32Array(m + 3);
    for (let r = 0; r < n; r++) {
      const v = x[r * f + j]!;
      let b: number;
      if (Number.isNaN(v)) b = m + 1;
      else {
        let lo = 0;
        let hi = m;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (edges[mid]! < v) lo = mid + 1;
          else hi = mid;
        }
        b = lo;
      }
      bucket[r] = b;
      counts[b + 1]!++;
    }
    for (let b = 0; b < m + 2; b++) counts[b + 1]! += counts[b]!;
    const order = new Uint32Array(n);
    for (let r = 0; r < n; r++) order[counts[bucket[r]!]!++] = r;
    return order;
  }

  #walk(x: Float64Array, n: number, out: Float64Array): void {
    const f = this.#nFeatures;
    for (let t = 0; t < this.#trees.length; t++) {
      const { feature, threshold, missingLeft, left, right } = this.#trees[t]!;
      const scaled = this.#scaled[t]!;
      for (let r = 0; r < n; r++) {
        let node = 0;
        while (feature[node]! >= 0) {
          const v = x[r * f + feature[node]!]!;
          node = (Number.isNaN(v) ? missingLeft[node] === 1 : v <= threshold[node]!) ? left[node]! : right[node]!;
        }
        out[r]! += scaled[node]!;
      }
    }
  }
}

/**
 * Every tree padded to the same depth D and stored in heap order (node h has children 2h+1 and 2h+2). The
 * forest's distinct (feature, threshold) pairs are numbered, and a node holds the number of its pair. For a
 * row, one byte per pair says whether the row goes right there (its value is above the threshold): per
 * feature, a binary search finds how many of the feature's sorted thresholds are below the value, and
 * those bytes are 1, the others 0. Then each tree takes D steps of `h = 2h + 1 + right[node]`: two loads
 * and no branch to mispredict. Leaves are added in tree order, as in training, so the sums are the same
 * bits as the other layouts'. NaN has no place among the thresholds: such rows go elsewhere.
 */
class BinnedForest {
  /** Per feature, the distinct thresholds the trees use on it, sorted. */
  readonly #edges: Float64Array[];
  /** Per feature, where its thresholds' bytes start in #right. */
  readonly #starts: Int32Array;
  readonly #nFeatures: number;
  /** For the row being predicted, 1 where it goes right; the last byte (padding nodes) stays 0. */
  readonly #right: Uint8Array;
  /** Per feature, how many of its bytes in #right are 1 (the first ones). */
  readonly #below: Int32Array;
  /** s + every tree's leaf for the row in #right. */
  readonly #sum: (s: number) => number;

  /** `nodes`: per tree, 2^depth - 1 pair numbers; `leaves`: per tree, 2^depth leaf values. */
  private constructor(
    edges: Float64Array[],
    starts: Int32Array,
    pairs: number,
    nodes: Uint16Array | Int32Array,
    leaves: Float64Array,
    depth: number,
    trees: number,
  ) {
    this.#edges = edges;
    this.#starts = starts;
    this.#nFeatures = edges.length;
    this.#right = new Uint8Array(pairs + 1);
    this.#below = new Int32Array(edges.length);
    this.#sum = binnedSumKernel(nodes, leaves, this.#right, depth, trees);
  }

  /** The layout of these trees, or null when they do not fit it. */
  static build(trees: readonly Tree[], scaled: readonly Float64Array[], nFeatures: number): BinnedForest | null {
    if (trees.length === 0) return null;
    const depth = trees.reduce((d, t) => Math.max(d, treeDepth(t)), 0);
    const inner = (1 << depth) - 1;
    if (depth > BINNED_MAX_DEPTH || trees.length * (inner * 4 + (inner + 1) * 8) > BINNED_MAX_BYTES) return null;
    const sets = Array.from({ length: nFeatures }, () => new Set<number>());
    for (const t of trees)
      for (let i = 0; i < t.feature.length; i++) if (t.feature[i]! >= 0) sets[t.feature[i]!]!.add(t.threshold[i]!);
    const edges = sets.map((set) => Float64Array.from(set).sort());
    const starts = new Int32Array(nFeatures);
    let pairs = 0;
    for (let j = 0; j < nFeatures; j++) {
      starts[j] = pairs;
      pairs += edges[j]!.length;
    }
    // Padding nodes point at the byte after the pairs, which is never set: they go left.
    const nodes = pairs < 0xffff ? new Uint16Array(trees.length * inner) : new Int32Array(trees.length * inner);
    const leaves = new Float64Array(trees.length * (inner + 1));
    for (let k = 0; k < trees.length; k++) {
      const t = trees[k]!;
      const values = scaled[k]!;
      const fill = (node: number, h: number, level: number): void => {
        if (level === depth) {
          leaves[k * (inner + 1) + h - inner] = values[node]!;
          return;
        }
        const j = t.feature[node]!;
        if (j < 0) {
          // A leaf above the last level: a padding node over two copies of it.
          nodes[k * inner + h] = pairs;
          fill(node, 2 * h + 1, level + 1);
          fill(node, 2 * h + 2, level + 1);
          return;
        }
        nodes[k * inner + h] = starts[j]! + rank(edges[j]!, t.threshold[node]!);
        fill(t.left[node]!, 2 * h + 1, level + 1);
        fill(t.right[node]!, 2 * h + 2, level + 1);
      };
      fill(0, 0, 0);
    }
    return new BinnedForest(edges, starts, pairs, nodes, leaves, depth, trees.length);
  }

  /** Adds every tree's leaf to out[r] for the n rows; false (and nothing added) when a row holds NaN. */
  predict(x: Float64Array, n: number, out: Float64Array): boolean {
    const f = this.#nFeatures;
    for (let i = 0; i < n * f; i++) if (Number.isNaN(x[i])) return false;
    const right = this.#right;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < f; j++) {
        // x <= threshold k is false (the row goes right) exactly for the thresholds below x: the first
        // `below` of the feature's bytes are 1, the rest 0. Only the bytes between the previous row's
        // count and this one's change.
        const start = this.#starts[j]!;
        const below = rank(this.#edges[j]!, x[r * f + j]!);
        const before = this.#below[j]!;
        if (below > before) for (let k = start + before; k < start + below; k++) right[k] = 1;
        else for (let k = start + below; k < start + before; k++) right[k] = 0;
        this.#below[j] = below;
      }
      out[r] = this.#sum(out[r]!);
    }
    return true;
  }
}

/** How many of the sorted `edges` are below `v`. */
const rank = (edges: Float64Array, v: number): number => {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

const identity = (n: number): Uint32Array => {
  const o = new Uint32Array(n);
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
};
