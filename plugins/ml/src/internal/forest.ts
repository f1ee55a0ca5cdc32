// Regression trees as flat arrays, and the forest's prediction, in two layouts chosen by the number of rows.
// Batches: each group of trees is compiled once into a JavaScript function of nested comparisons with the
// thresholds and leaf values as literals, and rows are visited sorted by the feature most trees split on
// first, so the processor predicts most branches. A few rows (what a server predicts per request): a
// compact binned layout walked without a branch, because for rows that share nothing the compiled code
// mispredicts and, being hundreds of kilobytes, misses the instruction cache at every tree.

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
/**
 * Below this many rows, the binned layout predicts (when the forest has one and the rows have no NaN). In the
 * server, a batch of 100 rows took less CPU binned than compiled in 9 of 12 interleaved runs (~5%); 1,000
 * rows, sorted, are faster compiled.
 */
const BINNED_BELOW = 128;
/** The binned layout pads every tree to the deepest one: up to this depth, and this many bytes. */
const BINNED_MAX_DEPTH = 8;
const BINNED_MAX_BYTES = 16 * 1024 * 1024;

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
  #binned: BinnedForest | null | undefined;
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
    if (this.#binned === undefined) this.#binned = this.#mode === 'walk' ? null : BinnedForest.build(this.#trees, this.#scaled, this.#nFeatures);
    return this.#binned;
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
  private constructor(edges: Float64Array[], starts: Int32Array, pairs: number, nodes: Uint16Array | Int32Array, leaves: Float64Array, depth: number, trees: number) {
    this.#edges = edges;
    this.#starts = starts;
    this.#nFeatures = edges.length;
    this.#right = new Uint8Array(pairs + 1);
    this.#below = new Int32Array(edges.length);
    this.#sum = sumFunction(nodes, leaves, this.#right, depth, trees);
  }

  /** The layout of these trees, or null when they do not fit it. */
  static build(trees: readonly Tree[], scaled: readonly Float64Array[], nFeatures: number): BinnedForest | null {
    if (trees.length === 0) return null;
    const depth = trees.reduce((d, t) => Math.max(d, treeDepth(t)), 0);
    const inner = (1 << depth) - 1;
    if (depth > BINNED_MAX_DEPTH || trees.length * (inner * 4 + (inner + 1) * 8) > BINNED_MAX_BYTES) return null;
    const sets = Array.from({ length: nFeatures }, () => new Set<number>());
    for (const t of trees) for (let i = 0; i < t.feature.length; i++) if (t.feature[i]! >= 0) sets[t.feature[i]!]!.add(t.threshold[i]!);
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
    for (let i = 0; i < n * f; i++) if (x[i] !== x[i]) return false;
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

/**
 * The walk of every tree for one row, with its D levels unrolled in generated code (a loop over the levels,
 * or a test per level, costs half as much again); the loop is the fallback where code generation is off.
 */
const sumFunction = (nodes: Uint16Array | Int32Array, leaves: Float64Array, right: Uint8Array, depth: number, trees: number): ((s: number) => number) => {
  const inner = (1 << depth) - 1;
  try {
    const body = [
      'return function sum(s) {',
      `  for (let t = 0, base = 0, leafBase = ${-inner}; t < ${trees}; t++, base += ${inner}, leafBase += ${inner + 1}) {`,
      '    let h = 0;',
      ...Array.from({ length: depth }, () => '    h = 2 * h + 1 + right[nodes[base + h]];'),
      '    s += leaves[leafBase + h];',
      '  }',
      '  return s;',
      '};',
    ].join('\n');
    return new Function('nodes', 'leaves', 'right', body)(nodes, leaves, right) as (s: number) => number;
  } catch {
    return (s) => {
      for (let t = 0, base = 0, leafBase = -inner; t < trees; t++, base += inner, leafBase += inner + 1) {
        let h = 0;
        for (let level = 0; level < depth; level++) h = 2 * h + 1 + right[nodes[base + h]!]!;
        s += leaves[leafBase + h]!;
      }
      return s;
    };
  }
};

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
