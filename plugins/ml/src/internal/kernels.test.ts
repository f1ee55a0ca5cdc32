import t from 'tap';
import {
  addKernel,
  countsToHistogramKernel,
  findSplitKernel,
  partitionKernel,
  rootSignsKernel,
  subtractKernel,
  sumKernel,
} from './grower-kernels.js';
import { canSpecialize, histogramKernel, signCountKernel, specialize } from './kernels.js';
import { assignLeavesKernel, leafValuesKernel, updateKernel } from './losses.js';
import { mulberry32 } from './random.js';
import { selectValue } from './stats.js';

// Kernels are compiled from their own source text, so each must be self-contained: no nested function
// and no name from outside its parameters. Running each compiled copy against a direct call proves it.

const rand = mulberry32(11);
const n = 200;
const f = 3;
const bins = Uint8Array.from({ length: n * f }, (_, i) => (i % 17 === 0 ? 255 : Math.floor(rand() * 6)));
const grad = Float64Array.from({ length: n }, () => rand() - 0.5);
const nBins = Int32Array.from([6, 6, 6]);

t.test(
  'specialize compiles a fresh function here (code generation is allowed) and binds the leading arguments',
  async (t) => {
    t.ok(canSpecialize());
    const add3 = (a: number, b: number, c: number): number => a * 100 + b * 10 + c;
    const g = specialize(add3, 1, 2);
    t.equal(g(3), 123);
    t.match(g.toString(), /kernel\(b0, b1, a0\)/);
  },
);

t.test('every kernel computes the same as a direct call', async (t) => {
  // partition
  const run = (compiled: boolean) => {
    const idx = Uint32Array.from({ length: n }, (_, i) => i);
    const part = compiled
      ? specialize(partitionKernel, idx, new Uint32Array(n), bins, new Uint8Array(256), f)
      : (s: number, e: number, ft: number, b: number, m: number) =>
          partitionKernel(idx, new Uint32Array(n), bins, new Uint8Array(256), f, s, e, ft, b, m);
    const mid = part(0, n, 1, 2, 1);
    return [mid, Array.from(idx)] as const;
  };
  t.same(run(true), run(false), 'partitionKernel');
  const [mid, order] = run(true);
  t.ok(
    order.slice(0, mid).every((r) => bins[r * f + 1]! <= 2 || bins[r * f + 1] === 255),
    'left rows: bin <= 2 or NaN (missing left)',
  );
  t.ok(
    order.slice(mid).every((r) => bins[r * f + 1]! > 2 && bins[r * f + 1] !== 255),
    'right rows',
  );

  // histograms, signs, subtraction, conversion, split search
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const hist = new Float64Array(2 * f * 512);
  histogramKernel(f, hist, idx, grad, bins)(0, 0, n);
  const direct = new Float64Array(f * 512);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < f; j++) {
      direct[j * 512 + 2 * bins[r * f + j]!]! += grad[r]!;
      direct[j * 512 + 2 * bins[r * f + j]! + 1]! += 1;
    }
  }
  t.same(Array.from(hist.subarray(0, f * 512)), Array.from(direct), 'histogramKernel');
  histogramKernel(f, hist, idx, grad, bins)(f * 512, 0, 50);
  const hist2 = hist.slice();
  specialize(subtractKernel, hist, nBins, f)(0, f * 512);
  subtractKernel(hist2, nBins, f, 0, f * 512);
  t.same(Array.from(hist), Array.from(hist2), 'subtractKernel');
  const before = Array.from(hist);
  specialize(addKernel, hist, nBins, f)(0, f * 512);
  addKernel(hist2, nBins, f, 0, f * 512);
  t.same(Array.from(hist), Array.from(hist2), 'addKernel');
  t.ok(
    before.some((v, i) => v !== hist[i]),
    'addKernel changed the histogram',
  );

  const signs = Uint8Array.from(grad, (g) => +(g > 0));
  const counts = new Int32Array(f * 512);
  signCountKernel(f, counts, idx, signs, bins)(0, n);
  const root = new Int32Array(f * 512);
  rootSignsKernel(new Uint8Array(n), root, bins, grad, f, n, 1);
  t.same(Array.from(counts), Array.from(root), 'signCountKernel and rootSignsKernel agree');
  const s1 = new Uint8Array(n);
  const c1 = new Int32Array(f * 512);
  const rootSigns = specialize(rootSignsKernel, s1, c1, bins, grad, f);
  rootSigns(n, 1);
  grad[3] = -grad[3]!;
  grad[7] = -grad[7]!;
  rootSigns(n, 0);
  const recount = new Int32Array(f * 512);
  rootSignsKernel(new Uint8Array(n), recount, bins, grad, f, n, 1);
  t.same(Array.from(c1), Array.from(recount), 'carried root counts equal a recount after two signs flip');

  const h1 = new Float64Array(f * 512);
  const h2 = new Float64Array(f * 512);
  specialize(countsToHistogramKernel, h1, nBins, f)(counts, 0);
  countsToHistogramKernel(h2, nBins, f, counts, 0);
  t.same(Array.from(h1), Array.from(h2), 'countsToHistogramKernel');

  const best1 = new Float64Array(5);
  const best2 = new Float64Array(5);
  let g = 0;
  for (let r = 0; r < n; r++) g += grad[r]!;
  t.equal(
    specialize(findSplitKernel, direct, nBins, f, 5, best1)(0, g, n),
    findSplitKernel(direct, nBins, f, 5, best2, 0, g, n),
    'findSplitKernel',
  );
  t.same(Array.from(best1), Array.from(best2));
  t.equal(
    specialize(sumKernel, grad, new Uint8Array(n))(idx, n),
    sumKernel(grad, new Uint8Array(n), idx, n),
    'sumKernel',
  );
});

t.test('the loss kernels compute the same as a direct call', async (t) => {
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const y = Float64Array.from({ length: n }, () => Math.round(rand() * 100));
  const raw = Float64Array.from({ length: n }, () => 50);
  const leaves = Int32Array.from([1, 0, 70, 2, 70, 200]);
  // Leaf 0 holds rows 0..69, leaf 1 rows 70..199. Expected values from a sort (the lower median).
  const lowerMedian = (from: number, to: number) => {
    const d = Array.from(y.subarray(from, to), (v, i) => v - raw[from + i]!).sort((p, q) => p - q);
    return d[Math.ceil(d.length / 2) - 1]!;
  };
  const mean = (from: number, to: number) =>
    Array.from(grad.subarray(from, to)).reduce((s, v) => s + v, 0) / (to - from);
  const expected: Record<number, number[]> = {
    0: [mean(0, 70), mean(70, 200)],
    1: [lowerMedian(0, 70), lowerMedian(70, 200)],
  };
  for (const loss of [0, 1, 2]) {
    const a = new Float64Array(2);
    const b = new Float64Array(2);
    specialize(leafValuesKernel, selectValue, idx, y, raw, grad, new Float64Array(n), loss)(leaves, 0, 2, 7, a);
    leafValuesKernel(selectValue, idx, y, raw, grad, new Float64Array(n), loss, leaves, 0, 2, 7, b);
    t.same(Array.from(a), Array.from(b), `leafValuesKernel, loss ${loss}`);
    if (expected[loss])
      t.same(Array.from(a), expected[loss], `leafValuesKernel, loss ${loss}: mean or lower median of each leaf`);
    const second = new Float64Array(2);
    leafValuesKernel(selectValue, idx, y, raw, grad, new Float64Array(n), loss, leaves, 1, 2, 7, second);
    t.same(Array.from(second), [0, a[1]], `leafValuesKernel, loss ${loss}: leaves 1..1 only`);
  }
  const leafOf = new Uint32Array(n).fill(9);
  specialize(assignLeavesKernel, idx, leafOf)(leaves, 1, 2);
  t.same([leafOf[0], leafOf[69], leafOf[70], leafOf[199]], [9, 9, 1, 1], 'assignLeavesKernel, leaves 1..1');
  specialize(assignLeavesKernel, idx, leafOf)(leaves, 0, 2);
  t.same([leafOf[0], leafOf[69], leafOf[70], leafOf[199]], [0, 0, 1, 1], 'assignLeavesKernel');
  const r1 = raw.slice();
  specialize(updateKernel, r1, leafOf, n)(Float64Array.from([1, -1]));
  t.same([r1[0], r1[199]], [51, 49], 'updateKernel');
});
