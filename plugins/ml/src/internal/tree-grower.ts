// Grows one regression tree on binned data, depth first, splitting on the squared-error gain of the
// pseudo-residuals (scikit-learn's criterion). Histograms of (sum, count) per bin; the larger child's
// histogram is the parent's minus the smaller child's. Rows of a node stay ascending in `idx`.

import type { Tree } from './forest.js';
import {
  addKernel,
  countsToHistogramKernel,
  findSplitKernel,
  partitionKernel,
  rootSignsKernel,
  subtractKernel,
  sumKernel,
} from './grower-kernels.js';
import { histogramKernel, signCountKernel, specialize } from './kernels.js';
import { OP_HISTOGRAM, OP_SIGN_COUNTS, plainArray, sharedArray, type TrainHelper } from './train-helper.js';

const BIN_STRIDE = 256;
/** Doubles per feature in a histogram: (sum of residuals, row count) for each of 256 bins. */
const FEATURE_STRIDE = BIN_STRIDE * 2;
/**
 * The histogram of a node with at least this many rows is built in two halves: a helper thread, when
 * there is one, builds the second. A float histogram of such a node is always the sum of its two halves'
 * histograms, with or without a helper, so the trees do not depend on the threads.
 */
export const HALVES_FROM = 32_768;

export interface GrowOptions {
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  /** Residuals are all +1 or −1 (absolute_error): histograms count signs, half the memory traffic. */
  readonly signGradients?: boolean;
  /** Allocate the arrays a helper thread reads on shared memory (see attachHelper). */
  readonly shared?: boolean;
}

/** A grown tree, its leaves as ranges of the row index buffer, and the gain of each split by feature. */
export interface GrownTree {
  readonly tree: Tree;
  /** Per node, the last bin that goes left (-1 on leaves): the split on binned data. */
  readonly splitBins: Int32Array;
  /** Triples (node, start, end): leaf `node` holds rows idx[start..end). */
  readonly leaves: Int32Array;
  readonly nLeaves: number;
}

export class TreeGrower {
  readonly #nFeatures: number;
  readonly #nBins: Int32Array;
  readonly #thresholds: readonly Float64Array[];
  readonly #opts: GrowOptions;
  /** Rows of the tree being grown, grouped by node. */
  readonly idx: Uint32Array;
  readonly importances: Float64Array;
  /** Every histogram of the tree lives in this one array, at slot offsets (arrays stay the same objects). */
  readonly #hist: Float64Array;
  readonly #free: number[] = [];
  readonly #best = new Float64Array(5);
  readonly #signs: Uint8Array | undefined;
  readonly #counts: Int32Array;
  #rootValid = false;
  /** The histogram slot and sign counts of a large node's second half (built by the helper, if any). */
  readonly helperSlot: number;
  readonly helperCounts: Int32Array;
  readonly signs: Uint8Array;
  #helper: TrainHelper | undefined;
  readonly #add: (a: number, b: number) => void;

  // Kernels compiled for this grower's arrays (kernels.ts).
  readonly #build: (off: number, start: number, end: number) => void;
  readonly #countSigns: (start: number, end: number) => void;
  readonly #partition: (start: number, end: number, feature: number, bin: number, missingLeft: number) => number;
  readonly #subtract: (a: number, b: number) => void;
  readonly #countsToHistogram: (c: Int32Array, off: number) => void;
  readonly #findSplit: (off: number, g: number, n: number) => number;
  readonly #rootSigns: (n: number, rebuild: number) => void;
  readonly #rootCounts: Int32Array;
  readonly #sum: (rows: Uint32Array, n: number) => number;
  readonly #sumAndSigns: (rows: Uint32Array, n: number) => number;

  // The tree under construction, in growable arrays (a tree has few nodes).
  #feature: number[] = [];
  #threshold: number[] = [];
  #missingLeft: number[] = [];
  #left: number[] = [];
  #right: number[] = [];
  #value: number[] = [];
  #count: number[] = [];
  #splitBin: number[] = [];
  #leaves: number[] = [];

  /** `grad` is the array the residuals of every tree are written to (the same object throughout). */
  constructor(
    bins: Uint8Array,
    nRows: number,
    thresholds: readonly Float64Array[],
    grad: Float64Array,
    opts: GrowOptions,
  ) {
    const f = thresholds.length;
    this.#nFeatures = f;
    this.#thresholds = thresholds;
    const nBins = Int32Array.from(thresholds, (t) => t.length + 1);
    this.#nBins = nBins;
    this.#opts = opts;
    const alloc = opts.shared ? sharedArray : plainArray;
    this.idx = alloc.u32(nRows);
    const scratch = new Uint32Array(nRows);
    this.importances = new Float64Array(f);
    // Depth-first growth keeps at most one pending sibling per level, plus the node and its small child;
    // the last slot holds a large node's second half.
    const slots = opts.maxDepth + 3;
    this.#hist = alloc.f64((slots + 1) * f * FEATURE_STRIDE);
    for (let i = slots - 1; i >= 0; i--) this.#free.push(i * f * FEATURE_STRIDE);
    this.helperSlot = slots * f * FEATURE_STRIDE;
    this.#signs = opts.signGradients ? alloc.u8(nRows) : undefined;
    const signs = this.#signs ?? new Uint8Array(0);
    this.signs = signs;
    this.helperCounts = alloc.i32(opts.signGradients ? f * FEATURE_STRIDE : 0);
    this.#counts = new Int32Array(opts.signGradients ? f * FEATURE_STRIDE : 0);
    this.#rootCounts = new Int32Array(opts.signGradients ? f * FEATURE_STRIDE : 0);
    this.#build = histogramKernel(f, this.#hist, this.idx, grad, bins);
    this.#countSigns = signCountKernel(f, this.#counts, this.idx, signs, bins);
    this.#partition = specialize(partitionKernel, this.idx, scratch, bins, new Uint8Array(BIN_STRIDE), f);
    this.#subtract = specialize(subtractKernel, this.#hist, nBins, f);
    this.#add = specialize(addKernel, this.#hist, nBins, f);
    this.#countsToHistogram = specialize(countsToHistogramKernel, this.#hist, nBins, f);
    this.#findSplit = specialize(findSplitKernel, this.#hist, nBins, f, opts.minSamplesLeaf, this.#best);
    this.#rootSigns = specialize(rootSignsKernel, signs, this.#rootCounts, bins, grad, f);
    this.#sum = specialize(sumKernel, grad, new Uint8Array(0));
    this.#sumAndSigns = specialize(sumKernel, grad, signs);
  }

  /** The histograms, for a helper thread (shared memory when created with `shared`). */
  get hist(): Float64Array {
    return this.#hist;
  }

  /** From now on, a helper thread builds the second half of large nodes' histograms. */
  attachHelper(helper: TrainHelper | undefined): void {
    this.#helper = helper;
  }

  /** Grows a tree on `rows` (ascending row positions) fitted to the residuals in `grad`. */
  grow(rows: Uint32Array): GrownTree {
    this.#feature = [];
    this.#threshold = [];
    this.#missingLeft = [];
    this.#left = [];
    this.#right = [];
    this.#value = [];
    this.#count = [];
    this.#splitBin = [];
    this.#leaves = [];
    const n = rows.length;
    this.idx.set(rows);
    const splittable = this.#opts.maxDepth > 0 && n >= 2 * this.#opts.minSamplesLeaf && n >= 2;
    let hist = -1;
    let g: number;
    if (this.#signs && n === this.idx.length) {
      // Every row, as in the tree before: with a small learning rate few residuals change sign between
      // trees, so the root's counts are the previous ones corrected for those rows (integers: exact).
      g = this.#sum(rows, n);
      this.#rootSigns(n, this.#rootValid ? 0 : 1);
      this.#rootValid = true;
      if (splittable) {
        hist = this.#acquire();
        this.#countsToHistogram(this.#rootCounts, hist);
      }
    } else {
      this.#rootValid = false;
      g = this.#signs ? this.#sumAndSigns(rows, n) : this.#sum(rows, n);
      if (splittable) {
        hist = this.#acquire();
        this.#buildHistogram(hist, 0, n);
      }
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
    return {
      tree,
      splitBins: Int32Array.from(this.#splitBin),
      leaves: Int32Array.from(this.#leaves),
      nLeaves: this.#leaves.length / 3,
    };
  }

  /** The root's sign counts must be rebuilt (the rows were rearranged in memory). */
  invalidateRoot(): void {
    this.#rootValid = false;
  }

  #acquire(): number {
    const slot = this.#free.pop();
    if (slot === undefined) throw new Error('TreeGrower: out of histogram slots');
    return slot;
  }

  #release(slot: number): void {
    if (slot >= 0) this.#free.push(slot);
  }

  #buildHistogram(off: number, start: number, end: number): void {
    const helper = this.#helper;
    const half = end - start >= HALVES_FROM ? start + ((end - start) >> 1) : end;
    if (this.#signs) {
      // absolute_error: residuals are ±1, so count (negative, positive) per bin, one increment per value,
      // then turn the counts into (sum, count). Integer counts: the halves add up exactly.
      if (helper && half < end) {
        helper.request(OP_SIGN_COUNTS, half, end);
        this.#countSigns(start, half);
        helper.wait();
        const c = this.#counts;
        const h = this.helperCounts;
        for (let i = 0; i < c.length; i++) c[i]! += h[i]!;
      } else {
        this.#countSigns(start, end);
      }
      this.#countsToHistogram(this.#counts, off);
      return;
    }
    if (half === end) {
      this.#build(off, start, end);
      return;
    }
    if (helper) {
      helper.request(OP_HISTOGRAM, half, end);
      this.#build(off, start, half);
      helper.wait();
    } else {
      this.#build(off, start, half);
      this.#build(this.helperSlot, half, end);
    }
    this.#add(off, this.helperSlot);
  }

  /** Grows the node holding rows idx[start..end) (sum of residuals g, n rows, histogram at slot hist or -1). */
  #growNode(depth: number, start: number, end: number, g: number, n: number, hist: number): number {
    const id = this.#feature.length;
    this.#feature.push(-1);
    this.#threshold.push(0);
    this.#missingLeft.push(0);
    this.#left.push(-1);
    this.#right.push(-1);
    this.#value.push(g / n);
    this.#count.push(n);
    this.#splitBin.push(-1);
    if (hist < 0) {
      this.#leaves.push(id, start, end);
      return id;
    }
    if (this.#findSplit(hist, g, n) === 0) {
      this.#release(hist);
      this.#leaves.push(id, start, end);
      return id;
    }
    const best = this.#best;
    const gain = best[0]!;
    const feature = best[1]!;
    const bin = best[2]!;
    const missingLeft = best[3]!;
    const gLeft = best[4]!;
    this.importances[feature]! += gain;
    const mid = this.#partition(start, end, feature, bin, missingLeft);
    const nLeft = mid - start;
    const nRight = end - mid;
    const min = this.#opts.minSamplesLeaf;
    const leftSplits = depth + 1 < this.#opts.maxDepth && nLeft >= 2 * min && nLeft >= 2;
    const rightSplits = depth + 1 < this.#opts.maxDepth && nRight >= 2 * min && nRight >= 2;
    let hLeft = -1;
    let hRight = -1;
    if (leftSplits || rightSplits) {
      // Build the smaller child's histogram; the parent's slot becomes the larger child's by subtraction.
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
        hLeft = -1;
      }
      if (!rightSplits) {
        this.#release(hRight);
        hRight = -1;
      }
    } else {
      this.#release(hist);
    }
    this.#feature[id] = feature;
    this.#splitBin[id] = bin;
    this.#threshold[id] = bin < this.#thresholds[feature]!.length ? this.#thresholds[feature]![bin]! : Number.MAX_VALUE;
    this.#missingLeft[id] = missingLeft;
    this.#left[id] = this.#growNode(depth + 1, start, mid, gLeft, nLeft, hLeft);
    this.#right[id] = this.#growNode(depth + 1, mid, end, g - gLeft, nRight, hRight);
    return id;
  }
}
