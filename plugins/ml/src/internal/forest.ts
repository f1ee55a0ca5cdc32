// Regression trees as flat arrays, and the forest's prediction: each group of trees is compiled once into a
// JavaScript function of nested comparisons with the thresholds and leaf values as literals, and rows are
// visited sorted by the feature most trees split on first, so the processor predicts most branches.

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

/** Nodes per generated function: V8 stops optimising functions much larger than this. */
const NODES_PER_FUNCTION = 1200;
/** Rows per pass over the groups, so a block of rows stays in cache while every group reads it. */
const ROW_BLOCK = 2048;
/** Below this many rows, sorting them costs more than the branches it saves. */
const SORT_FROM = 64;

type GroupFunction = (x: Float64Array, order: Uint32Array, start: number, end: number, out: Float64Array) => void;

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
  #groups: GroupFunction[] | undefined;
  #sortFeature = -1;
  #sortEdges = new Float64Array(0);

  constructor(trees: readonly Tree[], learningRate: number, init: number, nFeatures: number, options: ForestOptions = {}) {
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

  /** Predicts the `n` rows of row-major `x` (n × nFeatures). NaN takes each split's missing side. */
  predict(x: Float64Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
    out.fill(this.#init, 0, n);
    if (this.#trees.length === 0 || n === 0) return out;
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

  /** The generated functions, built on first use; undefined when walking (by option, huge trees, or no eval). */
  #compile(): GroupFunction[] | undefined {
    if (this.#mode === 'walk') return undefined;
    if (this.#groups) return this.#groups;
    if (this.#trees.some((t) => t.feature.length > NODES_PER_FUNCTION * 2)) return undefined;
    try {
      this.#groups = compileGroups(this.#trees, this.#scaled, this.#nFeatures);
    } catch {
      // Code generation from strings can be disabled (--disallow-code-generation-from-strings, CSP).
      return undefined;
    }
    this.#chooseSortFeature();
    return this.#groups;
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
    for (const t of this.#trees) for (let i = 0; i < t.feature.length; i++) if (t.feature[i] === best) edges.add(t.threshold[i]!);
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
      if (v !== v) b = m + 1;
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
          node = (v !== v ? missingLeft[node] === 1 : v <= threshold[node]!) ? left[node]! : right[node]!;
        }
        out[r]! += scaled[node]!;
      }
    }
  }
}

const identity = (n: number): Uint32Array => {
  const o = new Uint32Array(n);
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
};

/** A number as a JavaScript literal that parses back to the same double (-0 included). */
const literal = (v: number): string => {
  if (!Number.isFinite(v)) throw new Error(`forest: cannot compile the non-finite number ${v}`);
  return Object.is(v, -0) ? '-0' : String(v);
};

/**
 * One function per group of trees (about NODES_PER_FUNCTION nodes). For each row it loads the features the
 * group uses into locals and adds each tree's leaf, in tree order, to out[row]: the same additions in the
 * same order as training, so predictions are bit-identical to the training-time sums.
 *
 * Upper levels are nested comparisons (rows are visited in an order that makes them predictable). The last
 * levels are where a row's way is least predictable, so they take no branch: a node whose two children
 * split into four leaves evaluates its three comparisons as bits and indexes a table of those leaves; a
 * node over two leaves indexes a table with its one bit. (A mispredicted branch costs more than the
 * comparisons: 1,000 rows × 300 depth-5 trees went from 2.3 ms to 1.0 ms.)
 *
 * The source holds only numeric literals built by `literal`, integer feature indices and table offsets.
 */
const compileGroups = (trees: readonly Tree[], scaled: readonly Float64Array[], nFeatures: number): GroupFunction[] => {
  const groups: GroupFunction[] = [];
  let start = 0;
  while (start < trees.length) {
    let end = start;
    let nodes = 0;
    while (end < trees.length && (end === start || nodes + trees[end]!.feature.length <= NODES_PER_FUNCTION)) nodes += trees[end++]!.feature.length;
    const used = new Set<number>();
    const leaves: number[] = [];
    const sums: string[] = [];
    for (let t = start; t < end; t++) {
      const tree = trees[t]!;
      const values = scaled[t]!;
      const { feature, left, right } = tree;
      const isLeaf = (node: number): boolean => feature[node]! < 0;
      /** 1 when the row goes right at `node`, as an int32 expression without a branch. */
      const rightBit = (node: number): string => {
        const j = feature[node]!;
        if (!Number.isInteger(j) || j >= nFeatures) throw new Error(`forest: feature ${j} out of range`);
        used.add(j);
        const thr = literal(tree.threshold[node]!);
        // NaN: x > thr is false (goes left), !(x <= thr) is true (goes right).
        return tree.missingLeft[node] === 1 ? `((x${j} > ${thr}) | 0)` : `(!(x${j} <= ${thr}) | 0)`;
      };
      const table = (nodesInOrder: number[]): number => {
        const at = leaves.length;
        for (const node of nodesInOrder) leaves.push(values[node]!);
        return at;
      };
      const expr = (node: number): string => {
        if (isLeaf(node)) return literal(values[node]!);
        const l = left[node]!;
        const r = right[node]!;
        if (isLeaf(l) && isLeaf(r)) return `L[${table([l, r])} + ${rightBit(node)}]`;
        if (!isLeaf(l) && !isLeaf(r) && isLeaf(left[l]!) && isLeaf(right[l]!) && isLeaf(left[r]!) && isLeaf(right[r]!)) {
          // i = the bit of node; then the bit of the child it picked: bit i of (bit of l | bit of r << 1).
          const at = table([left[l]!, right[l]!, left[r]!, right[r]!]);
          return `L[${at} + ((i = ${rightBit(node)}), (i << 1) | (((${rightBit(l)} | (${rightBit(r)} << 1)) >> i) & 1))]`;
        }
        const j = feature[node]!;
        used.add(j);
        const thr = literal(tree.threshold[node]!);
        // x <= thr is false for NaN (goes right); !(x > thr) is true for NaN (goes left). Same for numbers.
        const test = tree.missingLeft[node] === 1 ? `!(x${j} > ${thr})` : `x${j} <= ${thr}`;
        return `(${test} ? ${expr(l)} : ${expr(r)})`;
      };
      sums.push(`    s += ${expr(0)};`);
    }
    const locals = [...used].sort((a, b) => a - b).map((j) => `const x${j} = x[o + ${j}];`).join(' ');
    const body = [
      'for (let k = start; k < end; k++) {',
      `    const r = order[k]; const o = r * ${nFeatures}; ${locals}`,
      '    let s = out[r]; let i = 0;',
      ...sums,
      '    out[r] = s;',
      '}',
    ].join('\n');
    const fn = new Function('L', 'x', 'order', 'start', 'end', 'out', body) as (L: Float64Array, ...rest: Parameters<GroupFunction>) => void;
    const table = Float64Array.from(leaves);
    groups.push((x, order, s, e, out) => fn(table, x, order, s, e, out));
    start = end;
  }
  return groups;
};
