import t from 'tap';
import { applyBins, binThresholds, MISSING_BIN } from './binning.js';
import { mulberry32 } from './random.js';

t.test('few distinct values: thresholds are the midpoints between them', async (t) => {
  const x = Float64Array.from([3, 1, 2, 2, 5, Number.NaN]);
  const [thr] = binThresholds(x, 6, 1, 255, mulberry32(1));
  t.same(Array.from(thr!), [1.5, 2.5, 4]);
  t.same(Array.from(applyBins(x, 6, 1, [thr!])), [2, 0, 1, 1, 3, MISSING_BIN]);
});

t.test(
  'many distinct values: at most max_bins bins, equally filled, and bin <= b exactly when x <= thr[b]',
  async (t) => {
    const n = 10_000;
    const rand = mulberry32(7);
    const x = Float64Array.from({ length: n }, () => rand() * 1000);
    const [thr] = binThresholds(x, n, 1, 255, mulberry32(1));
    t.equal(thr!.length, 254, '255 bins need 254 edges');
    const bins = applyBins(x, n, 1, [thr!]);
    const counts = new Array<number>(255).fill(0);
    for (const b of bins) counts[b]!++;
    t.ok(
      Math.max(...counts) - Math.min(...counts) <= 2,
      `quantile bins hold about n/255 rows each (${Math.min(...counts)}..${Math.max(...counts)})`,
    );
    for (let i = 0; i < n; i += 97) {
      for (const b of [0, 10, 100, 253]) t.equal(bins[i]! <= b, x[i]! <= thr![b]!, `row ${i}, bin ${b}`);
    }
    const [small] = binThresholds(x, n, 1, 16, mulberry32(1));
    t.equal(small!.length, 15, 'max_bins 16 gives 15 edges');
  },
);

t.test('a constant feature has no edge; row-major columns are binned independently', async (t) => {
  const x = Float64Array.from([7, 1, 7, 2, 7, 3]); // column 0 constant, column 1 = 1, 2, 3
  const thr = binThresholds(x, 3, 2, 255, mulberry32(1));
  t.same(Array.from(thr[0]!), []);
  t.same(Array.from(thr[1]!), [1.5, 2.5]);
  t.same(Array.from(applyBins(x, 3, 2, thr)), [0, 0, 0, 1, 0, 2]);
});
