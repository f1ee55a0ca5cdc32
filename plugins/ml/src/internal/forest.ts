// Regression trees as flat arrays, and their compiled form for prediction: every tree padded to a complete
// binary tree of the forest's depth, so a row descends with one comparison per level and no branch on leaves.

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

/** Above this depth the complete layout would be too large (2^depth leaves per tree); trees are walked instead. */
const MAX_COMPLETE_DEPTH = 12;

/** A forest ready to predict: init + Σ learningRate · leaf, summed tree by tree in training order. */
export class CompiledForest {
  readonly #init: number;
  readonly #nFeatures: number;
  readonly #nTrees: number;
  readonly #depth: number;
  // Complete layout (depth <= MAX_COMPLETE_DEPTH): per tree 2^d - 1 split slots and 2^d leaf slots.
  readonly #feat: Int32Array;
  readonly #thr: Float64Array;
  readonly #missRight: Uint8Array;
  readonly #leaf: Float64Array;
  // Walked layout for deeper forests.
  readonly #trees: readonly Tree[];
  readonly #scaled: Float64Array[];

  constructor(trees: readonly Tree[], learningRate: number, init: number, nFeatures: number) {
    this.#init = init;
    this.#nFeatures = nFeatures;
    this.#nTrees = trees.length;
    this.#trees = trees;
    this.#depth = trees.reduce((d, t) => Math.max(d, treeDepth(t)), 0);
    this.#scaled = trees.map((t) => t.value.map((v) => learningRate * v));
    if (this.#depth > MAX_COMPLETE_DEPTH) {
      this.#feat = new Int32Array(0);
      this.#thr = new Float64Array(0);
      this.#missRight = new Uint8Array(0);
      this.#leaf = new Float64Array(0);
      return;
    }
    const d = this.#depth;
    const ni = (1 << d) - 1;
    const nl = 1 << d;
    this.#feat = new Int32Array(this.#nTrees * ni);
    this.#thr = new Float64Array(this.#nTrees * ni);
    this.#missRight = new Uint8Array(this.#nTrees * ni);
    this.#leaf = new Float64Array(this.#nTrees * nl);
    trees.forEach((t, k) => {
      const scaled = this.#scaled[k]!;
      const fill = (node: number, slot: number, level: number): void => {
        if (level === d) {
          this.#leaf[k * nl + slot - ni] = scaled[node]!;
          return;
        }
        const at = k * ni + slot;
        if (t.feature[node]! < 0) {
          // A leaf above the bottom: a split nothing passes (x > +Infinity is false, and NaN goes left too).
          this.#feat[at] = 0;
          this.#thr[at] = Number.POSITIVE_INFINITY;
          this.#missRight[at] = 0;
          fill(node, 2 * slot + 1, level + 1);
          fill(node, 2 * slot + 2, level + 1);
        } else {
          this.#feat[at] = t.feature[node]!;
          this.#thr[at] = t.threshold[node]!;
          this.#missRight[at] = t.missingLeft[node] === 1 ? 0 : 1;
          fill(t.left[node]!, 2 * slot + 1, level + 1);
          fill(t.right[node]!, 2 * slot + 2, level + 1);
        }
      };
      fill(0, 0, 0);
    });
  }

  get depth(): number {
    return this.#depth;
  }

  /** Predicts the `n` rows of row-major `x` (n × nFeatures). */
  predict(x: Float64Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
    out.fill(this.#init, 0, n);
    if (this.#nTrees === 0) return out;
    let hasNaN = false;
    for (let i = 0, len = n * this.#nFeatures; i < len; i++) {
      if (x[i] !== x[i]) {
        hasNaN = true;
        break;
      }
    }
    if (this.#depth > MAX_COMPLETE_DEPTH) this.#predictWalk(x, n, out);
    else if (hasNaN) this.#predictMissing(x, n, out);
    else this.#predictDense(x, n, out);
    return out;
  }

  // Tree by tree, level by level, row by row: the rows of a level descend independently, which keeps the
  // processor busy while loads are in flight; one tree's arrays stay in L1 cache.
  #predictDense(x: Float64Array, n: number, out: Float64Array): void {
    const d = this.#depth;
    const f = this.#nFeatures;
    const ni = (1 << d) - 1;
    const nl = 1 << d;
    const feat = this.#feat;
    const thr = this.#thr;
    const leaf = this.#leaf;
    const pos = new Int32Array(n);
    for (let t = 0; t < this.#nTrees; t++) {
      const base = t * ni;
      pos.fill(0);
      for (let l = 0; l < d; l++) {
        for (let r = 0, o = 0; r < n; r++, o += f) {
          const i = pos[r]!;
          const s = base + i;
          // A number from the comparison, not a branch: the outcome is unpredictable, a mispredicted branch costs more.
          pos[r] = 2 * i + 1 + +(x[o + feat[s]!]! > thr[s]!);
        }
      }
      const lbase = t * nl - ni;
      for (let r = 0; r < n; r++) out[r]! += leaf[lbase + pos[r]!]!;
    }
  }

  #predictMissing(x: Float64Array, n: number, out: Float64Array): void {
    const d = this.#depth;
    const f = this.#nFeatures;
    const ni = (1 << d) - 1;
    const nl = 1 << d;
    const feat = this.#feat;
    const thr = this.#thr;
    const miss = this.#missRight;
    const leaf = this.#leaf;
    const pos = new Int32Array(n);
    for (let t = 0; t < this.#nTrees; t++) {
      const base = t * ni;
      pos.fill(0);
      for (let l = 0; l < d; l++) {
        for (let r = 0, o = 0; r < n; r++, o += f) {
          const i = pos[r]!;
          const s = base + i;
          const v = x[o + feat[s]!]!;
          pos[r] = 2 * i + (v !== v ? 1 + miss[s]! : v > thr[s]! ? 2 : 1);
        }
      }
      const lbase = t * nl - ni;
      for (let r = 0; r < n; r++) out[r]! += leaf[lbase + pos[r]!]!;
    }
  }

  #predictWalk(x: Float64Array, n: number, out: Float64Array): void {
    const f = this.#nFeatures;
    for (let t = 0; t < this.#nTrees; t++) {
      const tree = this.#trees[t]!;
      const scaled = this.#scaled[t]!;
      const { feature, threshold, missingLeft, left, right } = tree;
      for (let r = 0; r < n; r++) {
        let node = 0;
        while (feature[node]! >= 0) {
          const v = x[r * f + feature[node]!]!;
          node = (v !== v ? missingLeft[node] === 1 : v <= threshold[node]!) ? left[node]! : right[node]!;
        }
        out[r]! += scaled[node]!;
      }
    }
  }
}
