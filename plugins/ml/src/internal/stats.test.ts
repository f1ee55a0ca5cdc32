import t from 'tap';
import { lerp, linearPercentile, lowerPercentile, quickselect, selectValue } from './stats.js';
import { mulberry32 } from './random.js';

t.test('quickselect finds each order statistic, also with repeats and sorted input', async (t) => {
  const cases = [
    [5, 1, 4, 2, 3],
    [1, 2, 3, 4, 5, 6, 7],
    [7, 7, 7, 1, 7, 7],
    [3, 3, 3, 3],
    [-1.5, 2, -0.5, 10, 0],
  ];
  for (const c of cases) {
    const sorted = [...c].sort((a, b) => a - b);
    for (let k = 0; k < c.length; k++)
      t.equal(quickselect(Float64Array.from(c), k), sorted[k], `k=${k} of ${c.join(',')}`);
  }
});

t.test(
  'selectValue gives the sorted value at k of a sub-range, leaves the array as is, on every kind of order',
  async (t) => {
    const rand = mulberry32(7);
    const inputs: [string, Float64Array][] = [];
    for (const m of [1, 2, 17, 4095, 4096, 4097, 30_000]) {
      inputs.push([`random ${m}`, Float64Array.from({ length: m }, () => (rand() - 0.5) * 1e4 * Math.exp(rand() * 4))]);
    }
    inputs.push(['few distinct values', Float64Array.from({ length: 20_000 }, () => Math.floor(rand() * 3) - 1)]);
    inputs.push(['constant', new Float64Array(9000).fill(2.5)]);
    inputs.push(['ascending', Float64Array.from({ length: 10_000 }, (_, i) => i)]);
    inputs.push(['descending', Float64Array.from({ length: 10_000 }, (_, i) => -i)]);
    // Sample positions (every m/1024-th value) hold the smallest values: the bracket misses, quickselect finishes.
    const adversarial = Float64Array.from({ length: 8192 }, (_, i) => (i % 8 === 0 ? -1e9 + i : i));
    inputs.push(['sample positions hold the minima', adversarial]);
    for (const [name, a] of inputs) {
      const before = Array.from(a);
      for (const [lo, hi] of [
        [0, a.length - 1],
        [Math.floor(a.length / 5), a.length - 1 - Math.floor(a.length / 7)],
      ] as const) {
        const sorted = Array.from(a.subarray(lo, hi + 1)).sort((x, y) => x - y);
        const m = hi - lo + 1;
        const ks = new Set([
          0,
          m - 1,
          Math.floor(m / 2),
          Math.ceil(m / 2) - 1,
          Math.floor(m * 0.9),
          Math.floor(m * 0.1),
        ]);
        const wrong = [...ks].filter((k) => selectValue(a, lo + k, lo, hi) !== sorted[k]);
        t.same(wrong, [], `${name}, range ${lo}..${hi}: order statistics ${[...ks].join(', ')}`);
      }
      t.same(Array.from(a), before, `${name}: the array is unchanged`);
    }
  },
);

t.test("lowerPercentile is scikit-learn's _weighted_percentile with unit weights", async (t) => {
  // Even n: the lower middle value (numpy's median would average 2 and 3).
  t.equal(lowerPercentile(Float64Array.from([4, 1, 3, 2]), 4, 50), 2);
  t.equal(lowerPercentile(Float64Array.from([5, 1, 3, 2, 4]), 5, 50), 3);
  t.equal(lowerPercentile(Float64Array.from([9]), 1, 50), 9);
  // scikit-learn gives 9 and 18 here (checked with _weighted_percentile(np.arange(1., 11), np.ones(10), 90)).
  t.equal(lowerPercentile(Float64Array.from([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), 10, 0.9 * 100), 9);
  t.equal(
    lowerPercentile(
      Float64Array.from({ length: 20 }, (_, i) => 20 - i),
      20,
      0.9 * 100,
    ),
    18,
  );
  // 90% of 6 is 5.4: the 6th value.
  t.equal(lowerPercentile(Float64Array.from([6, 4, 2, 2, 4, 30]), 6, 90), 30);
  t.equal(lowerPercentile(Float64Array.from([1, 2, 3, 4, 5, 6]), 6, 50), 3);
  t.equal(lowerPercentile(Float64Array.from([2, 2, 4, 4, 6, 30]), 6, 50), 4);
  t.ok(Number.isNaN(lowerPercentile(new Float64Array(0), 0, 50)));
});

t.test("linearPercentile is numpy's default percentile", async (t) => {
  t.equal(linearPercentile(Float64Array.from([4, 1, 3, 2]), 4, 50), 2.5);
  t.equal(linearPercentile(Float64Array.from([2, 4, 6, 10, 12, 38]), 6, 50), 8);
  t.equal(linearPercentile(Float64Array.from([1, 2, 3, 4]), 4, 25), 1.75); // np.percentile([1,2,3,4], 25)
  t.equal(linearPercentile(Float64Array.from([10, 20, 30]), 3, 100), 30);
  t.equal(linearPercentile(Float64Array.from([10, 20, 30]), 3, 0), 10);
  // numpy computes from the nearer end: lerp(a, b, 1) is exactly b.
  t.equal(lerp(0.1, 0.7, 1), 0.7);
  t.equal(lerp(1, 3, 0.25), 1.5);
});
