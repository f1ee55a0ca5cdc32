// numpy's legacy RandomState (MT19937 seeded with one 32-bit integer), the generator scikit-learn builds for
// random_state=int: only the draws a shuffle needs, so trainTestSplit picks the rows scikit-learn picks.

const N = 624;
const M = 397;

/** The Mersenne Twister as numpy's `RandomState(seed)` runs it; `seed` is an integer in [0, 2³² − 1]. */
export class NumpyRandomState {
  readonly #key = new Uint32Array(N);
  #pos = N;

  constructor(seed: number) {
    // numpy's mt19937_seed: Knuth's initialisation, products kept to 32 bits (Math.imul).
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.#key[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
  }

  /** The next 32-bit output (numpy's mt19937_next32). */
  nextUint32(): number {
    if (this.#pos === N) this.#generate();
    let y = this.#key[this.#pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] by masked rejection, as numpy's random_interval (max < 2³²). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** Shuffles `a` in place, as `RandomState.shuffle` does a one-dimensional array. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const tmp = a[i]!;
      a[i] = a[j]!;
      a[j] = tmp;
    }
    return a;
  }

  /** `RandomState.permutation(n)`: 0..n-1 shuffled. */
  permutation(n: number): Uint32Array {
    const a = new Uint32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    return this.shuffle(a);
  }

  #generate(): void {
    const k = this.#key;
    const twist = (i: number, j: number, m: number) => {
      const y = (k[i]! & 0x80000000) | (k[j]! & 0x7fffffff);
      k[i] = (k[m]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    };
    let i = 0;
    for (; i < N - M; i++) twist(i, i + 1, i + M);
    for (; i < N - 1; i++) twist(i, i + 1, i + M - N);
    twist(N - 1, 0, M - 1);
    this.#pos = 0;
  }
}
