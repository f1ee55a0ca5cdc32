// Scales and tick choice for the report's hand-written SVG charts: linear and base-10 log scales mapping
// a data domain onto a pixel range, with "nice" ticks (1, 2, 5 × 10^k). No clamping: callers pick domains.

export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** Tick values inside the domain. */
  ticks(count?: number): number[];
}

const STEPS = [1, 2, 5, 10];

/** The 1/2/5 × 10^k step giving about `count` intervals over [lo, hi]. */
export const niceStep = (lo: number, hi: number, count: number): number => {
  const raw = Math.abs(hi - lo) / Math.max(1, count);
  if (raw === 0 || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = STEPS.find((s) => s * mag >= raw) ?? 10;
  return step * mag;
};

/** Multiples of niceStep inside [lo, hi], rounded so 0.1 + 0.2 prints as 0.3. */
export const linearTicks = (lo: number, hi: number, count = 5): number[] => {
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const step = niceStep(a, b, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const out: number[] = [];
  for (let k = Math.ceil(a / step - 1e-9); k * step <= b + step * 1e-9; k++)
    out.push(Number((k * step).toFixed(decimals)) + 0);
  return out;
};

/** Powers of ten inside [lo, hi]; with fewer than three, the 2 and 5 multiples as well. */
export const logTicks = (lo: number, hi: number): number[] => {
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const inside = (v: number) => v >= a * (1 - 1e-9) && v <= b * (1 + 1e-9);
  const powers: number[] = [];
  for (let e = Math.floor(Math.log10(a)); e <= Math.ceil(Math.log10(b)); e++) powers.push(10 ** e);
  const major = powers.filter(inside);
  if (major.length >= 3) return major;
  return powers.flatMap((p) => [p, 2 * p, 5 * p]).filter(inside);
};

/** Maps [d0, d1] linearly onto [r0, r1]. */
export const linearScale = (domain: readonly [number, number], range: readonly [number, number]): Scale => {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = (v: number) => r0 + (v - d0) * k;
  return Object.assign(f, { domain, range, ticks: (count = 5) => linearTicks(d0, d1, count) });
};

/** Maps [d0, d1] (both > 0) onto [r0, r1] by log10. */
export const logScale = (domain: readonly [number, number], range: readonly [number, number]): Scale => {
  const [d0, d1] = domain;
  if (!(d0 > 0 && d1 > 0)) throw new RangeError(`logScale: expected a positive domain, but got [${d0}, ${d1}].`);
  const inner = linearScale([Math.log10(d0), Math.log10(d1)], range);
  const f = (v: number) => inner(Math.log10(v));
  return Object.assign(f, { domain, range, ticks: () => logTicks(d0, d1) });
};
