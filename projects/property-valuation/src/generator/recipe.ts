// §7.1–7.8 of the recipe: draws the clean pool of rows (train and test together, split at random
// afterwards) step by step, each step from its own seeded stream.

import { bivariateNormal, Categorical, normal, studentT } from './distributions.js';
import type { GeneratorParams, Pair, SkewedSpread } from './params.js';
import { PriceModel } from './price.js';
import { Rng } from './prng.js';
import { allocRows, type Rows } from './rows.js';
import { SpatialField } from './spatial-field.js';

const clamp = (x: number, [lo, hi]: Pair): number => (x < lo ? lo : x > hi ? hi : x);
const roundTo = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};

/** §7.1, 7.2: sector, then type given sector. */
const drawCategories = (p: GeneratorParams, rows: Rows): void => {
  const sectors = Object.values(p.sectors);
  const rng = Rng.stream(p.seed, 'categories');
  const sectorDist = new Categorical(sectors.map((s) => s.share));
  for (let i = 0; i < rows.n; i++) {
    const s = sectorDist.sample(rng);
    rows.sector[i] = s;
    rows.dept[i] = rng.bernoulli(sectors[s]!.p_casa) ? 0 : 1;
  }
};

/** §7.3: a coordinate per row. New points come from the sector's bivariate normal (redrawn when
 * outside the sector's range, clipped after 50 tries) at a drawn precision; repeats reuse a building
 * point of the same sector and type (building clusters). Returns, per row, an earlier row at the same
 * point (-1 for none): its neighbour in the building, and each row's building (-1 for none). */
const drawLocations = (p: GeneratorParams, rows: Rows): { mates: Int32Array; buildingOf: Int32Array } => {
  const sectors = Object.values(p.sectors);
  const rng = Rng.stream(p.seed, 'locations');
  const precisionKeys = Object.keys(p.coordinate_precision);
  const precision = new Categorical(precisionKeys.map((k) => p.coordinate_precision[k]!));
  const quantise = (x: number, key: string): number =>
    key === 'float_noise' ? roundTo(x, 5) + 1e-14 : roundTo(x, Number(key));
  interface Building {
    readonly id: number;
    readonly lat: number;
    readonly lon: number;
    readonly rows: number[];
  }
  // Per (sector, type): the building points, and one entry per row in a building (drawing an entry
  // favours big buildings).
  const buildingsOf: Building[][] = [];
  const entriesOf: Building[][] = [];
  const mates = new Int32Array(rows.n).fill(-1);
  const buildingOf = new Int32Array(rows.n).fill(-1);
  let nextId = 0;
  for (let i = 0; i < rows.n; i++) {
    const key = rows.sector[i]! * 2 + rows.dept[i]!;
    const buildings = (buildingsOf[key] ??= []);
    const entries = (entriesOf[key] ??= []);
    const repeat = rows.dept[i] ? p.buildings.repeat.departamento : p.buildings.repeat.casa;
    let building: Building | undefined;
    if (buildings.length > 0 && rng.bernoulli(repeat)) {
      building = rng.bernoulli(p.buildings.by_row)
        ? entries[rng.int(entries.length)]!
        : buildings[rng.int(buildings.length)]!;
      mates[i] = building.rows[rng.int(building.rows.length)]!;
    } else {
      const s = sectors[rows.sector[i]!]!;
      let lat = 0;
      let lon = 0;
      for (let tries = 0; tries < 50; tries++) {
        [lat, lon] = bivariateNormal(rng, s.lat.mean, s.lat.sd, s.lon.mean, s.lon.sd, s.corr);
        if (lat >= s.lat.range[0] && lat <= s.lat.range[1] && lon >= s.lon.range[0] && lon <= s.lon.range[1]) break;
      }
      const digits = precisionKeys[precision.sample(rng)]!;
      rows.lat[i] = quantise(clamp(lat, s.lat.range), digits);
      rows.lon[i] = quantise(clamp(lon, s.lon.range), digits);
      if (rng.bernoulli(p.buildings.building_share)) {
        building = { id: nextId++, lat: rows.lat[i]!, lon: rows.lon[i]!, rows: [] };
        buildings.push(building);
      }
    }
    if (building) {
      rows.lat[i] = building.lat;
      rows.lon[i] = building.lon;
      building.rows.push(i);
      entries.push(building);
      buildingOf[i] = building.id;
    }
  }
  return { mates, buildingOf };
};

/** A standard draw of a skewed spread: t or normal, stretched differently below and above 0. */
const skewed = (rng: Rng, s: SkewedSpread): number => {
  let z: number;
  do z = s.t_df === undefined ? normal(rng) : studentT(rng, s.t_df);
  while (Math.abs(z) > s.truncate);
  return z * (z < 0 ? s.scale[0] : s.scale[1]);
};

/** §7.4, 7.5: net_usable_area per (sector, type), then net_area = nua * r; both rounded like the real
 * files (integers, a few with 2 decimals). */
const drawAreas = (p: GeneratorParams, rows: Rows): void => {
  const sectors = Object.values(p.sectors);
  const rng = Rng.stream(p.seed, 'areas');
  const a = p.net_usable_area;
  const d = p.net_area.departamento;
  const c = p.net_area.casa;
  for (let i = 0; i < rows.n; i++) {
    const s = sectors[rows.sector[i]!]!;
    const dept = rows.dept[i]!;
    const [m, sd] = dept ? s.log_nua.departamento : s.log_nua.casa;
    const g = a.gradient;
    const trend = g.lat * ((rows.lat[i]! - s.lat.mean) / s.lat.sd) + g.lon * ((rows.lon[i]! - s.lon.mean) / s.lon.sd);
    const trendVar = g.lat * g.lat + g.lon * g.lon + 2 * g.lat * g.lon * s.corr;
    const spread = Math.sqrt(Math.max(0, sd * sd - trendVar));
    const nuaRaw = clamp(Math.exp(m + trend + spread * skewed(rng, dept ? a.departamento : a.casa)), a.clip);
    const decimals = rng.bernoulli(a.decimal_share);
    const nua = decimals ? roundTo(nuaRaw, 2) : Math.round(nuaRaw);
    let logR: number;
    if (rng.bernoulli(dept ? d.equal_share : c.equal_share)) {
      logR = 0;
    } else if (dept) {
      const u = rng.next();
      if (u < d.below_one_share) logR = -rng.uniform(d.below_one_range[0], d.below_one_range[1]);
      else if (u < d.below_one_share + d.tail_share) logR = rng.uniform(d.tail_range[0], d.tail_range[1]);
      else logR = Math.exp(d.log_log_ratio[0] + d.log_log_ratio[1] * normal(rng));
    } else {
      do logR = s.casa_log_ratio + skewed(rng, c.spread);
      while (logR < 0 && !rng.bernoulli(c.below_one_keep));
    }
    const netDecimals = decimals || rng.bernoulli(p.net_area.extra_decimal_share);
    const net =
      logR === 0
        ? nua
        : Math.max(1, netDecimals ? roundTo(nuaRaw * Math.exp(logR), 2) : Math.round(nuaRaw * Math.exp(logR)));
    rows.nua[i] = nua;
    rows.netArea[i] = net;
  }
};

/** §7.6, 7.7: rooms from log(nua), bathrooms from log(nua) and rooms, each rounded and clipped. */
const drawRoomsAndBaths = (p: GeneratorParams, rows: Rows): void => {
  const rng = Rng.stream(p.seed, 'rooms');
  for (let i = 0; i < rows.n; i++) {
    const r = rows.dept[i] ? p.n_rooms.departamento : p.n_rooms.casa;
    const b = rows.dept[i] ? p.n_bathroom.departamento : p.n_bathroom.casa;
    const lnNua = Math.log(rows.nua[i]!);
    const rooms = clamp(Math.round(r.intercept + r.log_nua * lnNua + r.sd * normal(rng)), p.n_rooms.clip);
    const baths = clamp(
      Math.round(b.intercept + b.log_nua * lnNua + (b.rooms ?? 0) * rooms + b.sd * normal(rng)),
      p.n_bathroom.clip,
    );
    rows.rooms[i] = rooms;
    rows.baths[i] = baths;
  }
};

/** Units of one building often share a floor plan: with probability same_plan a repeat row takes its
 * neighbour's plan (rooms, baths, area ratio) and its area within ±plan_jitter, never an area already
 * listed at that coordinate (so this makes no duplicate rows). */
const shareFloorPlans = (p: GeneratorParams, rows: Rows, mates: Int32Array, buildingOf: Int32Array): void => {
  const rng = Rng.stream(p.seed, 'floor-plans');
  const listed = new Map<number, Set<number>>();
  for (let i = 0; i < rows.n; i++) {
    const b = buildingOf[i]!;
    if (b < 0) continue;
    let areas = listed.get(b);
    if (!areas) listed.set(b, (areas = new Set()));
    const j = mates[i]!;
    if (j >= 0 && rng.bernoulli(p.buildings.same_plan)) {
      const nuaJ = rows.nua[j]!;
      const spread = Math.max(2, Math.round(nuaJ * p.buildings.plan_jitter));
      let nua = 0;
      for (let tries = 0; tries < 8 && (nua <= 0 || areas.has(nua)); tries++)
        nua = nuaJ + (rng.bernoulli(0.5) ? 1 : -1) * (1 + rng.int(spread));
      if (nua > 0 && !areas.has(nua)) {
        rows.nua[i] = nua;
        rows.netArea[i] = rows.netArea[j] === nuaJ ? nua : Math.max(1, Math.round((rows.netArea[j]! * nua) / nuaJ));
        rows.rooms[i] = rows.rooms[j]!;
        rows.baths[i] = rows.baths[j]!;
      }
    }
    areas.add(rows.nua[i]!);
  }
};

/** The box holding every sector's coordinate range (the spatial field covers it). */
export const sectorBox = (p: GeneratorParams) => {
  const ss = Object.values(p.sectors);
  return {
    lat: [Math.min(...ss.map((s) => s.lat.range[0])), Math.max(...ss.map((s) => s.lat.range[1]))] as const,
    lon: [Math.min(...ss.map((s) => s.lon.range[0])), Math.max(...ss.map((s) => s.lon.range[1]))] as const,
  };
};

/** §7.8: log-price mean (OLS mean + spatial field + building effect), then a noisy, capped, rounded price.
 * The local term is centred within each sector, so the sector price levels do not move with the seed. */
const drawPrices = (p: GeneratorParams, rows: Rows, model: PriceModel): void => {
  const field = new SpatialField(p.seed, sectorBox(p), p.price.spatial);
  const buildingRng = Rng.stream(p.seed, 'buildings');
  // One value per exact coordinate: the field is a function of it, the building effect is drawn once.
  const atPoint = new Map<number, Map<number, number>>();
  const local = new Float64Array(rows.n);
  const nSectors = Object.keys(p.sectors).length;
  const sum = new Float64Array(nSectors);
  const count = new Float64Array(nSectors);
  for (let i = 0; i < rows.n; i++) {
    const lat = rows.lat[i]!;
    const lon = rows.lon[i]!;
    let atLat = atPoint.get(lat);
    if (!atLat) atPoint.set(lat, (atLat = new Map()));
    let v = atLat.get(lon);
    if (v === undefined) {
      v = field.at(lat, lon) + p.price.building_sd * normal(buildingRng);
      atLat.set(lon, v);
    }
    local[i] = v;
    sum[rows.sector[i]!]! += v;
    count[rows.sector[i]!]! += 1;
  }
  const rng = Rng.stream(p.seed, 'prices');
  for (let i = 0; i < rows.n; i++) {
    const s = rows.sector[i]!;
    const mu = model.mean(s, rows.dept[i]!, rows.nua[i]!, rows.netArea[i]!, rows.rooms[i]!, rows.baths[i]!);
    rows.logMean[i] = mu + local[i]! - sum[s]! / count[s]!;
    rows.price[i] = model.draw(rows.logMean[i]!, rng);
  }
};

/** The clean pool of n rows, before the split and before any anomaly. */
export const drawPool = (p: GeneratorParams, n: number, model: PriceModel): Rows => {
  const rows = allocRows(n);
  drawCategories(p, rows);
  const { mates, buildingOf } = drawLocations(p, rows);
  drawAreas(p, rows);
  drawRoomsAndBaths(p, rows);
  shareFloorPlans(p, rows, mates, buildingOf);
  drawPrices(p, rows, model);
  return rows;
};
