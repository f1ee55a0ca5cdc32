// Grows one regression tree on binned data, depth first, splitting on the squared-error gain of the
// pseudo-residuals (scikit-learn's criterion). Histograms of (sum, count) per bin; the larger child's
// histogram is the parent's minus the smaller child's. Rows of a node stay ascending in `idx`.

import { MISSING_BIN } from './binning.js';
import type { Tree } from './forest.js';

const BIN_STRIDE = 256;
/** Doubles per feature in a histogram: (sum of residuals, row count) for each of 256 bins. */
const FEATURE_STRIDE = BIN_STRIDE * 2;

export interface GrowOptions {
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  /** Residuals are all +1 or −1 (absolute_error): histograms count signs, half the memory traffic. */
  readonly signGradients?: boolean;
}

/** A grown tree, its leaves as ranges of the row index buffer, and the gain of each split by feature. */
export interface GrownTree {
  readonly tree: Tree;
  /** Triples (node, start, end): leaf `node` holds rows idx[start..end). */
  readonly leaves: Int32Array;
  readonly nLeaves: number;
}

/** Adds (residual, 1) of rows idx[start..end) into each feature's bin of `hist`. */
type HistogramBuilder = (hist: Float64Array, idx: Uint32Array, grad: Float64Array, bins: Uint8Array, start: number, end: number) => void;

const builders = new Map<number, HistogramBuilder>();

/**
 * The histogram loop with the feature loop unrolled for `f` features: V8 does not unroll loops, and the
 * unrolled body runs about 2.5 times faster. The generated code holds only integer literals derived from `f`.
 */
const histogramBuilder = (f: number): HistogramBuilder => {
  const cached = builders.get(f);
  if (cached) return cached;
  let build: HistogramBuilder;
  if (f <= 64) {
    const body = [`for (let k = start; k < end; k++) {`, `  const r = idx[k]; const g = grad[r]; const o = r * ${f}; let h = 0;`];
    for (let j = 0; j < f; j++) body.push(`  h = ${j * FEATURE_STRIDE} + (bins[o + ${j}] << 1); hist[h] += g; hist[h + 1] += 1;`);
    body.push('}');
    build = new Function('hist', 'idx', 'grad', 'bins', 'start', 'end', body.join('\n')) as HistogramBuilder;
  } else {
    build = (hist, idx, grad, bins, start, end) => {
      for (let k = start; k < end; k++) {
        const r = idx[k]!;
        const g = grad[r]!;
        const o = r * f;
        for (let j = 0; j < f; j++) {
          const h = j * FEATURE_STRIDE + (bins[o + j]! << 1);
          hist[h]! += g;
          hist[h + 1]! += 1;
        }
      }
    };
  }
  builders.set(f, build);
  return build;
};

/** Counts rows idx[start..end) per (bin, sign): counts[2·bin + sign]. */
type SignHistogramBuilder = (counts: Int32Array, idx: Uint32Array, signs: Uint8Array, bins: Uint8Array, start: number, end: number) => void;

const signBuilders = new Map<number, SignHistogramBuilder>();

const signHistogramBuilder = (f: number): SignHistogramBuilder => {
  const cached = signBuilders.get(f);
  if (cached) return cached;
  let build: SignHistogramBuilder;
  if (f <= 64) {
    const body = [`for (let k = start; k < end; k++) {`, `  const r = idx[k]; const s = signs[r]; const o = r * ${f};`];
    for (let j = 0; j < f; j++) body.push(`  counts[${j * FEATURE_STRIDE} + (bins[o + ${j}] << 1) + s]++;`);
    body.push('}');
    build = new Function('counts', 'idx', 'signs', 'bins', 'start', 'end', body.join('\n')) as SignHistogramBuilder;
  } else {
    build = (counts, idx, signs, bins, start, end) => {
      for (let k = start; k < end; k++) {
        const r = idx[k]!;
        const s = signs[r]!;
        const o = r * f;
        for (let j = 0; j < f; j++) counts[j * FEATURE_STRIDE + (bins[o + j]! << 1) + s]!++;
      }
    };
  }
  signBuilders.set(f, build);
  return build;
};

export class TreeGrower {
  readonly #bins: Uint8Array;
  readonly #nFeatures: number;
  readonly #nBins: Int32Array;
  readonly #thresholds: readonly Float64Array[];
  readonly #opts: GrowOptions;
  readonly #pool: Float64Array[] = [];
  readonly #scratch: Uint32Array;
  /** Rows of the tree being grown, grouped by node. */
  readonly idx: Uint32Array;
  readonly importances: Float64Array;

  // The tree under construction, in growable arrays (a tree has few nodes).
  #feature: number[] = [];
  #threshold: number[] = [];
  #missingLeft: number[] = [];
  #left: number[] = [];
  #right: number[] = [];
  #value: number[] = [];
  #count: number[] = [];
  #leaves: number[] = [];
  #grad: Float64Array = new Float64Array(0);
  readonly #build: HistogramBuilder;
  readonly #buildSigns: SignHistogramBuilder;
  /** 1 where the residual is positive (signGradients only). */
  readonly #signs: Uint8Array | undefined;
  readonly #counts: Int32Array;
  readonly #goLeft = new Uint8Array(BIN_STRIDE);

  constructor(bins: Uint8Array, nRows: number, thresholds: readonly Float64Array[], opts: GrowOptions) {
    this.#bins = bins;
    this.#nFeatures = thresholds.length;
    this.#thresholds = thresholds;
    this.#nBins = Int32Array.from(thresholds, (t) => t.length + 1);
    this.#opts = opts;
    this.idx = new Uint32Array(nRows);
    this.#scratch = new Uint32Array(nRows);
    this.importances = new Float64Array(this.#nFeatures);
    this.#build = histogramBuilder(this.#nFeatures);
    this.#buildSigns = signHistogramBuilder(this.#nFeatures);
    this.#signs = opts.signGradients ? new Uint8Array(nRows) : undefined;
    this.#counts = new Int32Array(opts.signGradients ? this.#nFeatures * FEATURE_STRIDE : 0);
  }

  /** Grows a tree on `rows` (ascending row numbers) fitted to `grad`. */
  grow(rows: Uint32Array, grad: Float64Array): GrownTree {
    this.#feature = [];
    this.#threshold = [];
    this.#missingLeft = [];
    this.#left = [];
    this.#right = [];
    this.#value = [];
    this.#count = [];
    this.#leaves = [];
    this.#grad = grad;
    const n = rows.length;
    this.idx.set(rows);
    let g = 0;
    for (let k = 0; k < n; k++) g += grad[rows[k]!]!;
    const signs = this.#signs;
    if (signs) for (let k = 0; k < n; k++) signs[rows[k]!] = +(grad[rows[k]!]! > 0);
    const splittable = this.#opts.maxDepth > 0 && n >= 2 * this.#opts.minSamplesLeaf && n >= 2;
    let hist: Float64Array | undefined;
    if (splittable) {
      hist = this.#acquire();
      this.#buildHistogram(hist, 0, n);
    }
    this.#growNode(0, 0, n, g, n, hist);
    const tree: Tree = {
      feature: Int32Array.from(this.#feature),
      threshold: Float64Array.from(this.#threshold),
      missingLeft: Uint8Array.from(this.#missingLeft),
      left: Int32Array.from(this.#left),
      right: Int32Array.from(this.#right),
      value: Float64Array.from(this.#value),
      count: Float64Array.from(this.#count),
    };
    return { tree, leaves: Int32Array.from(this.#leaves), nLeaves: this.#leaves.length / 3 };
  }

  #acquire(): Float64Array {
    return this.#pool.pop() ?? new Float64Array(this.#nFeatures * FEATURE_STRIDE);
  }

  #release(h: Float64Array | undefined): void {
    if (h) this.#pool.push(h);
  }

  #buildHistogram(hist: Float64Array, start: number, end: number): void {
    if (this.#signs) {
      // absolute_error: residuals are ±1, so count (negative, positive) per bin, one increment per value,
      // then turn the counts into (sum, count).
      const c = this.#counts;
      c.fill(0);
      this.#buildSigns(c, this.idx, this.#signs, this.#bins, start, end);
      for (let j = 0; j < this.#nFeatures; j++) {
        const base = j * FEATURE_STRIDE;
        for (let h = base, last = base + 2 * this.#nBins[j]!; h < last; h += 2) {
          hist[h] = c[h + 1]! - c[h]!;
          hist[h + 1] = c[h + 1]! + c[h]!;
        }
        const m = base + (MISSING_BIN << 1);
        hist[m] = c[m + 1]! - c[m]!;
        hist[m + 1] = c[m + 1]! + c[m]!;
      }
      return;
    }
    hist.fill(0);
    this.#build(hist, this.idx, this.#grad, this.#bins, start, end);
  }

  #growNode(depth: number, start: number, end: number, g: number, n: number, hist: Float64Array | undefined): number {
    const id = this.#feature.length;
    this.#feature.push(-1);
    this.#threshold.push(0);
    this.#missingLeft.push(0);
    this.#left.push(-1);
    this.#right.push(-1);
    this.#value.push(g / n);
    this.#count.push(n);
    if (!hist) {
      this.#leaves.push(id, start, end);
      return id;
    }
    const split = this.#findSplit(hist, g, n);
    if (split === undefined) {
      this.#release(hist);
      this.#leaves.push(id, start, end);
      return id;
    }
    const { feature, bin, missingLeft, gain, gLeft } = split;
    this.importances[feature]! += gain;
    const mid = this.#partition(start, end, feature, bin, missingLeft);
    const nLeft = mid - start;
    const nRight = end - mid;
    const min = this.#opts.minSamplesLeaf;
    const leftSplits = depth + 1 < this.#opts.maxDepth && nLeft >= 2 * min && nLeft >= 2;
    const rightSplits = depth + 1 < this.#opts.maxDepth && nRight >= 2 * min && nRight >= 2;
    let hLeft: Float64Array | undefined;
    let hRight: Float64Array | undefined;
    if (leftSplits || rightSplits) {
      // Build the smaller child's histogram; the parent's buffer becomes the larger child's by subtraction.
      const small = this.#acquire();
      if (nLeft <= nRight) this.#buildHistogram(small, start, mid);
      else this.#buildHistogram(small, mid, end);
      this.#subtract(hist, small);
      if (nLeft <= nRight) {
        hLeft = small;
        hRight = hist;
      } else {
        hLeft = hist;
        hRight = small;
      }
      if (!leftSplits) {
        this.#release(hLeft);
        hLeft = undefined;
      }
      if (!rightSplits) {
        this.#release(hRight);
        hRight = undefined;
      }
    } else {
      this.#release(hist);
    }
    this.#feature[id] = feature;
    this.#threshold[id] = bin < this.#thresholds[feature]!.length ? this.#thresholds[feature]![bin]! : Number.MAX_VALUE;
    this.#missingLeft[id] = missingLeft ? 1 : 0;
    this.#left[id] = this.#growNode(depth + 1, start, mid, gLeft, nLeft, hLeft);
    this.#right[id] = this.#growNode(depth + 1, mid, end, g - gLeft, nRight, hRight);
    return id;
  }

  /** hist -= small, over the bins each feature uses. */
  #subtract(hist: Float64Array, small: Float64Array): void {
    for (let j = 0; j < this.#nFeatures; j++) {
      const base = j * FEATURE_STRIDE;
      for (let i = base, end = base + 2 * this.#nBins[j]!; i < end; i++) hist[i]! -= small[i]!;
      const m = base + (MISSING_BIN << 1);
      hist[m]! -= small[m]!;
      hist[m + 1]! -= small[m + 1]!;
    }
  }

  /** The best split of a node by squared-error gain, or undefined when no split improves it. */
  #findSplit(hist: Float64Array, g: number, n: number): { feature: number; bin: number; missingLeft: boolean; gain: number; gLeft: number } | undefined {
    const min = this.#opts.minSamplesLeaf;
    const parent = (g * g) / n;
    let bestGain = 0;
    let bestFeature = -1;
    let bestBin = 0;
    let bestMissingLeft = false;
    let bestGLeft = 0;
    for (let j = 0; j < this.#nFeatures; j++) {
      const base = j * FEATURE_STRIDE;
      const nb = this.#nBins[j]!;
      const gm = hist[base + (MISSING_BIN << 1)]!;
      const nm = hist[base + (MISSING_BIN << 1) + 1]!;
      // With missing values, "every value left, missing right" is a candidate too.
      const last = nm > 0 ? nb - 1 : nb - 2;
      let gl = 0;
      let nl = 0;
      for (let b = 0; b <= last; b++) {
        const c = hist[base + 2 * b + 1]!;
        if (c === 0) continue;
        gl += hist[base + 2 * b]!;
        nl += c;
        // Missing to the right.
        let nL = nl;
        let nR = n - nl;
        if (nL >= min && nR >= min) {
          const gR = g - gl;
          const gain = (gl * gl) / nL + (gR * gR) / nR - parent;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = j;
            bestBin = b;
            // Without missing values at training, NaN later follows the larger child (as in scikit-learn).
            bestMissingLeft = nm > 0 ? false : nL >= nR;
            bestGLeft = gl;
          }
        }
        if (nm > 0) {
          nL = nl + nm;
          nR = n - nL;
          if (nL >= min && nR >= min) {
            const gL = gl + gm;
            const gR = g - gL;
            const gain = (gL * gL) / nL + (gR * gR) / nR - parent;
            if (gain > bestGain) {
              bestGain = gain;
              bestFeature = j;
              bestBin = b;
              bestMissingLeft = true;
              bestGLeft = gL;
            }
          }
        }
      }
    }
    // Gains at rounding level (identical residuals) are not splits.
    if (bestFeature < 0 || !(bestGain > 1e-12 * parent)) return undefined;
    return { feature: bestFeature, bin: bestBin, missingLeft: bestMissingLeft, gain: bestGain, gLeft: bestGLeft };
  }

  /** Stable partition of idx[start..end): rows going left first. Returns where the right rows begin. */
  #partition(start: number, end: number, feature: number, bin: number, missingLeft: boolean): number {
    const goLeft = this.#goLeft;
    for (let b = 0; b < BIN_STRIDE; b++) goLeft[b] = b <= bin ? 1 : 0;
    goLeft[MISSING_BIN] = missingLeft ? 1 : 0;
    const idx = this.idx;
    const scratch = this.#scratch;
    const bins = this.#bins;
    const f = this.#nFeatures;
    let l = start;
    let rc = 0;
    for (let k = start; k < end; k++) {
      const r = idx[k]!;
      const left = goLeft[bins[r * f + feature]!]!;
      idx[l] = r;
      scratch[rc] = r;
      l += left;
      rc += 1 - left;
    }
    idx.set(scratch.subarray(0, rc), l);
    return l;
  }
}

/**
 * Stable partition of idx[start..end) by goLeft[bin of the row's feature]. Branch-free: every row is written
 * to both sides and only the side it belongs to advances (a data-dependent branch is mispredicted about half
 * the time). A function of its own so V8 optimises it on its own.
 */
const partitionRows = (idx: Uint32Array, scratch: Uint32Array, bins: Uint8Array, f: number, feature: number, goLeft: Uint8Array, start: number, end: number): number => {
  let l = start;
  let rc = 0;
  for (let k = start, o = feature; k < end; k++) {
    const r = idx[k]!;
    const left = goLeft[bins[r * f + o]!]!;
    idx[l] = r;
    scratch[rc] = r;
    l += left;
    rc += 1 - left;
  }
  idx.set(scratch.subarray(0, rc), l);
  return l;
};
