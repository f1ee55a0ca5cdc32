// §7.8 price: the OLS mean of log(price) from the features, Student-t noise around mean + s(lat, lon),
// the cap, and the rounding classes (each price's coarsest divisor is exactly its class's unit).

import { Categorical, normal, studentT } from './distributions.js';
import type { GeneratorParams } from './params.js';
import type { Rng } from './prng.js';

export class PriceModel {
  readonly #p: GeneratorParams['price'];
  readonly #sectorEffect: Float64Array;
  /** Per sector: casa offset, departamento offset. */
  readonly #cellOffset: Float64Array;
  readonly #units: number[];
  readonly #classes: Categorical;

  constructor(params: GeneratorParams) {
    this.#p = params.price;
    this.#sectorEffect = Float64Array.from(Object.values(params.sectors), (s) => s.price_effect);
    this.#cellOffset = Float64Array.from(
      Object.values(params.sectors).flatMap((s) => [s.price_offset.casa, s.price_offset.departamento]),
    );
    this.#units = Object.keys(params.price.rounding)
      .map(Number)
      .sort((a, b) => b - a);
    this.#classes = new Categorical(this.#units.map((u) => params.price.rounding[String(u)]!));
  }

  /** The clean-train OLS mean of log(price) (no geography beyond the sector), plus the cell offset and
   * the large-property premium. */
  mean(sector: number, dept: number, nua: number, netArea: number, rooms: number, baths: number): number {
    const p = this.#p;
    const [threshold, slope] = dept ? p.premium.departamento : p.premium.casa;
    return (
      slope * Math.max(0, Math.log(nua / threshold)) +
      p.intercept +
      this.#sectorEffect[sector]! +
      this.#cellOffset[sector * 2 + dept]! +
      dept * p.departamento +
      (p.log_nua[0] + dept * p.log_nua[1]) * Math.log(nua) +
      (p.log_ratio[0] + dept * p.log_ratio[1]) * Math.log(netArea / nua) +
      p.rooms * rooms +
      p.baths * baths
    );
  }

  /** A price around exp(logMean): noise, cap, rounding class. */
  draw(logMean: number, rng: Rng): number {
    const n = this.#p.noise;
    const eps = rng.bernoulli(n.outlier_share) ? n.outlier_sd * normal(rng) : n.scale * studentT(rng, n.t_df);
    const raw = Math.exp(logMean + eps);
    const k = this.#classes.sample(rng);
    return Math.min(
      this.#p.cap,
      roundToClass(Math.min(raw, this.#p.cap), this.#units[k]!, k > 0 ? this.#units[k - 1] : undefined),
    );
  }
}

/** Rounds to a multiple of `unit` that is not a multiple of `coarser` (moving one unit toward the value). */
export const roundToClass = (value: number, unit: number, coarser: number | undefined): number => {
  let v = Math.max(unit, Math.round(value / unit) * unit);
  if (coarser !== undefined && v % coarser === 0) v += value >= v ? unit : -unit;
  return v;
};
