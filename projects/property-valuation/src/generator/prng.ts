// Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32. Integer-only state updates
// (Math.imul, >>> 0), so a seed gives the same stream on every run and platform. Not for cryptography.

/** FNV-1a over a string's UTF-16 code units: turns a stream label into 32 seed bits. */
const hashLabel = (label: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

/** splitmix32: spreads a 32-bit seed over the four words of xoshiro's state. */
const splitmix32 = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
};

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** `seed` is any safe integer (its high and low 32 bits both count); `salt` picks a stream. */
  constructor(seed: number, salt = 0) {
    if (!Number.isSafeInteger(seed)) throw new TypeError(`Rng seed: expected a safe integer, but got ${seed}.`);
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    const next = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(salt >>> 0, 0x632be5ab));
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  /** An independent stream for one step of the recipe: changing how many draws one step makes
   * leaves every other step's numbers unchanged. */
  static stream(seed: number, label: string): Rng {
    return new Rng(seed, hashLabel(label));
  }

  /** Next 32 random bits as an unsigned integer (xoshiro128**). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#b << 9) >>> 0;
    this.#c = (this.#c ^ this.#a) >>> 0;
    this.#d = (this.#d ^ this.#b) >>> 0;
    this.#b = (this.#b ^ this.#c) >>> 0;
    this.#a = (this.#a ^ this.#d) >>> 0;
    this.#c = (this.#c ^ t) >>> 0;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform on (0, 1): safe under log(). */
  open(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return u;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
