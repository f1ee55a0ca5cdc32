import t from 'tap';
import { NumpyRandomState } from './numpy-random.js';

// Every expected value below is numpy 1.24's np.random.RandomState(seed), printed in Python.
t.test("the first outputs of numpy's RandomState(0): MT19937 seeded as numpy seeds it", async (t) => {
  const r = new NumpyRandomState(0);
  // np.random.RandomState(0).bytes(8).hex() == 'ac0a7f8c2faac497' (two little-endian 32-bit words)
  t.same([r.nextUint32(), r.nextUint32()], [0x8c7f0aac, 0x97c4aa2f]);
});

t.test('permutation(n) equals RandomState(seed).permutation(n), past the 624-word refill', async (t) => {
  t.same(Array.from(new NumpyRandomState(42).permutation(10)), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
  t.same(
    Array.from(new NumpyRandomState(4294967295).permutation(1000).subarray(0, 8)),
    [94, 405, 819, 632, 217, 169, 449, 275],
  );
  const p = new NumpyRandomState(7).permutation(100000);
  t.same([p[0], p[50000], p[99999]], [33909, 82140, 61615]);
});

t.test('interval(max) stays in [0, max] and shuffle permutes in place', async (t) => {
  const r = new NumpyRandomState(3);
  for (const max of [0, 1, 2, 5, 1000, 2 ** 31, 2 ** 32 - 1]) {
    for (let i = 0; i < 50; i++) {
      const v = r.interval(max);
      if (!(Number.isInteger(v) && v >= 0 && v <= max)) t.fail(`interval(${max}) gave ${v}`);
    }
  }
  const a = new Uint32Array([10, 20, 30, 40]);
  t.equal(r.shuffle(a), a);
  t.same(
    [...a].sort((x, y) => x - y),
    [10, 20, 30, 40],
  );
});
