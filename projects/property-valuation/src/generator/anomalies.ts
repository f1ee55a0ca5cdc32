// §7.9: the dirty rows of the real files, injected into one split after the clean draw, with the
// counts each real file has. Every anomaly takes rows no earlier anomaly touched, so counts are exact.

import { sampleWithoutReplacement } from './distributions.js';
import type { AnomalyCounts, GeneratorParams } from './params.js';
import type { PriceModel } from './price.js';
import type { Rng } from './prng.js';
import { copyRow, type Rows } from './rows.js';

export interface InjectContext {
  readonly params: GeneratorParams;
  readonly model: PriceModel;
  readonly rng: Rng;
  /** The clean sector index of nunoa (small nunoa departamentos get the price/10 typo), if any. */
  readonly nunoa: number | undefined;
  /** For the test split: the train rows to copy features from, and which of them are untouched. */
  readonly train?: { readonly rows: Rows; readonly touched: Uint8Array };
}

/** Injects the anomalies into `rows` in place; returns the mask of rows it changed or used as a source. */
export const injectAnomalies = (rows: Rows, counts: AnomalyCounts, ctx: InjectContext): Uint8Array => {
  const { rng, model } = ctx;
  const a = ctx.params.anomalies;
  const touched = new Uint8Array(rows.n);
  const take = (k: number, eligible: (i: number) => boolean = () => true): number[] => {
    if (k <= 0) return [];
    const pool: number[] = [];
    for (let i = 0; i < rows.n; i++) if (!touched[i] && eligible(i)) pool.push(i);
    const chosen = sampleWithoutReplacement(rng, pool, k);
    for (const i of chosen) touched[i] = 1;
    return chosen;
  };
  const redraw = (i: number) => {
    rows.price[i] = model.draw(rows.logMean[i]!, rng);
  };

  // Copies first, from clean rows to clean rows.
  const pairs = (k: number) => {
    const both = take(2 * k);
    return Array.from({ length: both.length >> 1 }, (_, j) => [both[2 * j]!, both[2 * j + 1]!] as const);
  };
  for (const [from, to] of pairs(counts.exact_duplicates)) copyRow(rows, from, rows, to);
  for (const [from, to] of pairs(counts.price_redraws)) {
    copyRow(rows, from, rows, to, false);
    redraw(to);
  }
  if (ctx.train && counts.copied_from_train > 0) {
    const train = ctx.train;
    const sources: number[] = [];
    for (let i = 0; i < train.rows.n; i++) if (!train.touched[i]) sources.push(i);
    const from = sampleWithoutReplacement(rng, sources, counts.copied_from_train);
    const to = take(from.length);
    from.forEach((f, j) => {
      copyRow(train.rows, f, rows, to[j]!, j < counts.copied_same_price);
      if (j >= counts.copied_same_price) redraw(to[j]!);
    });
  }

  // Prices.
  for (const i of take(counts.zero_price, (i) => rows.dept[i] === 1)) rows.price[i] = 0;
  // Divisors log-uniform, stratified over the range: MAPE is dominated by these few rows, and a fixed
  // spread keeps it from swinging with the seed.
  const typos = take(
    counts.price_typo_1000,
    (i) => rows.price[i]! >= a.low_price_source[0] && rows.price[i]! <= a.low_price_source[1],
  );
  const [dLo, dHi] = a.low_price_divisor.map(Math.log) as [number, number];
  for (const [k, i] of typos.entries()) {
    const divisor = Math.exp(dLo + ((k + rng.next()) / typos.length) * (dHi - dLo));
    rows.price[i] = Math.min(
      a.low_price_range[1],
      Math.max(a.low_price_range[0], Math.round(rows.price[i]! / divisor)),
    );
  }
  // Small nunoa departamentos priced 5,600–9,400, so the typo lands where the real ones do (560–940).
  for (const i of take(
    counts.price_typo_10,
    (i) => rows.sector[i] === ctx.nunoa && rows.dept[i] === 1 && rows.price[i]! >= 5600 && rows.price[i]! < 9400,
  )) {
    rows.price[i] = Math.round(rows.price[i]! / 10);
  }

  // Zero patterns (features lost; the price stays what the property is worth).
  for (const i of take(counts.zero_baths)) rows.baths[i] = 0;
  for (const i of take(counts.zero_rooms_baths)) rows.rooms[i] = rows.baths[i] = 0;
  for (const i of take(counts.zero_areas)) rows.nua[i] = rows.netArea[i] = 0;
  for (const i of take(counts.zero_areas_baths)) rows.nua[i] = rows.netArea[i] = rows.baths[i] = 0;
  for (const i of take(counts.zero_all)) rows.nua[i] = rows.netArea[i] = rows.rooms[i] = rows.baths[i] = 0;

  // Typos in areas (x10, x100, x1000) and counts.
  for (const g of counts.giant_areas) {
    const base = g.column === 'net_area' ? rows.netArea : rows.nua;
    for (const i of take(g.count, (i) => base[i]! >= g.base[0] && base[i]! <= g.base[1])) {
      if (g.column !== 'net_area') rows.nua[i] = Math.round(rows.nua[i]! * g.factor * 100) / 100;
      if (g.column !== 'net_usable_area') rows.netArea[i] = Math.round(rows.netArea[i]! * g.factor * 100) / 100;
    }
  }
  const big = () =>
    Math.min(
      a.big_counts.max,
      Math.max(11, Math.round(a.big_counts.scale * Math.pow(rng.open(), -1 / a.big_counts.alpha))),
    );
  for (const i of take(counts.big_rooms, (i) => rows.nua[i]! >= 200)) rows.rooms[i] = big();
  for (const i of take(counts.big_baths, (i) => rows.nua[i]! >= 200)) rows.baths[i] = big();
  for (const i of take(counts.half_rooms, (i) => rows.rooms[i]! >= 2 && rows.rooms[i]! <= 4))
    rows.rooms[i] = rows.rooms[i]! + 0.5;
  for (const i of take(counts.half_baths, (i) => rows.baths[i]! >= 2 && rows.baths[i]! <= 3))
    rows.baths[i] = rows.baths[i]! + 0.5;
  return touched;
};
