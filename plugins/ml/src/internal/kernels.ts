// All of dagrun's code generation (`new Function`; the linter allows it in this file only). It stays for the
// loops a benchmark showed to be a model's hot loop, each built by a factory here that falls back to a plain
// loop with the same results where code generation is disabled (--disallow-code-generation-from-strings,
// plain-kernels.test.ts). Sources hold numeric literals, fixed names and this package's own kernels, no data.
// - training: `specialize` compiles a kernel (grower-kernels.ts, losses.ts) for one fit's arrays, which V8 then
//   treats as constants (row partitioning 4-5 ns a row instead of 10-11); the histogram and sign-count loops
//   are also unrolled per feature, which V8 does not do (about 2.5 times faster);
// - prediction (forest.ts): a batch's trees as nested comparisons with literal thresholds (1,000 rows about
//   ten times faster than walking the node arrays), and the binned walk of a few rows with its levels unrolled
//   (about twice as fast as a loop over the levels; most of the time of predicting one record).

let serial = 0;

/**
 * `kernel` with its leading parameters fixed to `bound`, compiled as a function of its own. V8 optimises a
 * closure over typed arrays much better when it is the only one made from its source, so each fit gets a
 * fresh copy (a unique comment defeats V8's cache of compiled sources). A kernel is therefore
 * self-contained: its source is copied (kernels.test.ts checks every one).
 */
export const specialize = <B extends unknown[], R extends unknown[], T>(
  kernel: (...args: [...B, ...R]) => T,
  ...bound: B
): ((...rest: R) => T) => {
  const total = kernel.length;
  const fixed = bound.map((_, i) => `b${i}`);
  const rest = Array.from({ length: total - bound.length }, (_, i) => `a${i}`);
  try {
    const make = new Function(
      ...fixed,
      `'use strict'; // @dagrun/ml kernel ${serial++}\nconst kernel = ${kernel.toString()};\n` +
        `return (${rest.join(', ')}) => kernel(${[...fixed, ...rest].join(', ')});`,
    );
    return make(...bound) as (...rest: R) => T;
  } catch {
    return (...r: R) => kernel(...bound, ...r);
  }
};

/** Whether this process may generate code (false under --disallow-code-generation-from-strings). */
export const canSpecialize = (): boolean => {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
};

/**
 * Adds (residual, 1) of rows idx[start..end) into hist[off..]: the feature loop unrolled for `f` features
 * (V8 does not unroll loops; unrolled runs about 2.5 times faster). The source holds only integer literals.
 */
export const histogramKernel = (
  f: number,
  hist: Float64Array,
  idx: Uint32Array,
  grad: Float64Array,
  bins: Uint8Array,
): ((off: number, start: number, end: number) => void) => {
  const body = [
    `'use strict'; // @dagrun/ml kernel ${serial++}`,
    'return (off, start, end) => {',
    `  hist.fill(0, off, off + ${f * 512});`,
    '  for (let k = start; k < end; k++) {',
    `    const r = idx[k]; const g = grad[r]; const o = r * ${f}; let h = 0;`,
  ];
  for (let j = 0; j < f; j++)
    body.push(`    h = off + ${j * 512} + (bins[o + ${j}] << 1); hist[h] += g; hist[h + 1] += 1;`);
  body.push('  }', '};');
  try {
    return new Function('hist', 'idx', 'grad', 'bins', body.join('\n'))(hist, idx, grad, bins) as (
      off: number,
      start: number,
      end: number,
    ) => void;
  } catch {
    return (off, start, end) => {
      hist.fill(0, off, off + f * 512);
      for (let k = start; k < end; k++) {
        const r = idx[k]!;
        const g = grad[r]!;
        for (let j = 0; j < f; j++) {
          const h = off + j * 512 + (bins[r * f + j]! << 1);
          hist[h]! += g;
          hist[h + 1]! += 1;
        }
      }
    };
  }
};

/** Counts rows idx[start..end) per (bin, sign of residual) into counts (cleared first), unrolled for `f` features. */
export const signCountKernel = (
  f: number,
  counts: Int32Array,
  idx: Uint32Array,
  signs: Uint8Array,
  bins: Uint8Array,
): ((start: number, end: number) => void) => {
  const body = [
    `'use strict'; // @dagrun/ml kernel ${serial++}`,
    'return (start, end) => {',
    '  counts.fill(0);',
    '  for (let k = start; k < end; k++) {',
    `    const r = idx[k]; const s = signs[r]; const o = r * ${f};`,
  ];
  for (let j = 0; j < f; j++) body.push(`    counts[${j * 512} + (bins[o + ${j}] << 1) + s]++;`);
  body.push('  }', '};');
  try {
    return new Function('counts', 'idx', 'signs', 'bins', body.join('\n'))(counts, idx, signs, bins) as (
      start: number,
      end: number,
    ) => void;
  } catch {
    return (start, end) => {
      counts.fill(0);
      for (let k = start; k < end; k++) {
        const r = idx[k]!;
        const s = signs[r]!;
        for (let j = 0; j < f; j++) counts[j * 512 + (bins[r * f + j]! << 1) + s]!++;
      }
    };
  }
};

/** The arrays of a tree the forest kernels read (forest.ts's Tree). Preorder; a leaf has feature -1. */
export interface KernelTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly missingLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
}

/**
 * Adds, to out[r] for each row r = order[start..end), the leaves of a group of trees in tree order. x is
 * row-major, nFeatures a row.
 */
export type GroupKernel = (x: Float64Array, order: Uint32Array, start: number, end: number, out: Float64Array) => void;

/** Nodes per generated function: V8 stops optimising functions much larger than this. */
const NODES_PER_GROUP = 1200;

/**
 * One function per group of trees (about NODES_PER_GROUP nodes), or undefined where code generation is
 * disabled or a tree is too large for one function (forest.ts then walks the node arrays). For each row a
 * function loads the features the group uses into locals and adds each tree's leaf, in tree order, to
 * out[row]: the same additions in the same order as training, so predictions are bit-identical to the
 * training-time sums. `scaled[t]` holds tree t's leaf values times the learning rate.
 *
 * Upper levels are nested comparisons (forest.ts visits rows in an order that makes them predictable). The
 * last levels are where a row's way is least predictable, so they take no branch: a node whose two children
 * split into four leaves evaluates its three comparisons as bits and indexes a table of those leaves; a node
 * over two leaves indexes a table with its one bit. (A mispredicted branch costs more than the comparisons:
 * 1,000 rows × 300 depth-5 trees went from 2.3 ms to 1.0 ms.)
 */
export const groupKernels = (
  trees: readonly KernelTree[],
  scaled: readonly Float64Array[],
  nFeatures: number,
): GroupKernel[] | undefined => {
  if (trees.some((t) => t.feature.length > NODES_PER_GROUP * 2)) return undefined;
  const groups: GroupKernel[] = [];
  try {
    for (let start = 0, end = 0; start < trees.length; start = end) {
      let nodes = 0;
      while (end < trees.length && (end === start || nodes + trees[end]!.feature.length <= NODES_PER_GROUP))
        nodes += trees[end++]!.feature.length;
      groups.push(groupKernel(trees, scaled, nFeatures, start, end));
    }
  } catch {
    return undefined;
  }
  return groups;
};

/** The function of trees start..end-1 (see groupKernels); throws where code generation is disabled. */
const groupKernel = (
  trees: readonly KernelTree[],
  scaled: readonly Float64Array[],
  nFeatures: number,
  start: number,
  end: number,
): GroupKernel => {
  const used = new Set<number>();
  const leaves: number[] = [];
  const sums: string[] = [];
  for (let t = start; t < end; t++) {
    const tree = trees[t]!;
    const values = scaled[t]!;
    const { feature, left, right } = tree;
    const isLeaf = (node: number): boolean => feature[node]! < 0;
    /** The feature `node` tests, whose value the function loads into the local x<j>. */
    const use = (node: number): number => {
      const j = feature[node]!;
      if (!Number.isInteger(j) || j >= nFeatures) throw new Error(`forest: feature ${j} out of range`);
      used.add(j);
      return j;
    };
    /** 1 when the row goes right at `node`, as an int32 expression without a branch. */
    const rightBit = (node: number): string => {
      const j = use(node);
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
      const j = use(node);
      const thr = literal(tree.threshold[node]!);
      // x <= thr is false for NaN (goes right); !(x > thr) is true for NaN (goes left). Same for numbers.
      const test = tree.missingLeft[node] === 1 ? `!(x${j} > ${thr})` : `x${j} <= ${thr}`;
      return `(${test} ? ${expr(l)} : ${expr(r)})`;
    };
    sums.push(`    s += ${expr(0)};`);
  }
  const locals = [...used]
    .sort((a, b) => a - b)
    .map((j) => `const x${j} = x[o + ${j}];`)
    .join(' ');
  // No unique comment: the same model loaded again finds its source (hundreds of kilobytes) in V8's cache.
  const body = [
    "'use strict';",
    'return (x, order, start, end, out) => {',
    '  for (let k = start; k < end; k++) {',
    `    const r = order[k]; const o = r * ${nFeatures}; ${locals}`,
    '    let s = out[r]; let i = 0;',
    ...sums,
    '    out[r] = s;',
    '  }',
    '};',
  ].join('\n');
  return new Function('L', body)(Float64Array.from(leaves)) as GroupKernel;
};

/** A number as a JavaScript literal that parses back to the same double (-0 included). */
const literal = (v: number): string => {
  if (!Number.isFinite(v)) throw new Error(`forest: cannot compile the non-finite number ${v}`);
  return Object.is(v, -0) ? '-0' : String(v);
};

/**
 * For forest.ts's binned layout: s plus, for each of `trees` trees padded to `depth` levels in heap order,
 * the leaf the row described by `right` reaches (node numbers in `nodes`, 2^depth leaves a tree in `leaves`).
 * The levels are unrolled.
 */
export const binnedSumKernel = (
  nodes: Uint16Array | Int32Array,
  leaves: Float64Array,
  right: Uint8Array,
  depth: number,
  trees: number,
): ((s: number) => number) => {
  const inner = (1 << depth) - 1;
  const body = [
    "'use strict';",
    'return (s) => {',
    `  for (let t = 0, base = 0, leafBase = ${-inner}; t < ${trees}; ` +
      `t++, base += ${inner}, leafBase += ${inner + 1}) {`,
    '    let h = 0;',
    ...Array.from({ length: depth }, () => '    h = 2 * h + 1 + right[nodes[base + h]];'),
    '    s += leaves[leafBase + h];',
    '  }',
    '  return s;',
    '};',
  ];
  try {
    return new Function('nodes', 'leaves', 'right', body.join('\n'))(nodes, leaves, right) as (s: number) => number;
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
