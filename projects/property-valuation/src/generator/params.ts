// The generator's parameters (the `generator:` block of conf/base/parameters.yaml) as types, and a
// structural check that reports every missing or mistyped key at once, naming its path.

export type Pair = readonly [number, number];
export type PropertyType = 'casa' | 'departamento';

export interface SectorParams {
  /** Share of all rows in this sector. */
  readonly share: number;
  /** P(type = casa | sector). */
  readonly p_casa: number;
  /** Bivariate normal of the coordinates: mean, sd and the clip range of each axis, and their correlation. */
  readonly lat: { readonly mean: number; readonly sd: number; readonly range: Pair };
  readonly lon: { readonly mean: number; readonly sd: number; readonly range: Pair };
  readonly corr: number;
  /** log(net_usable_area) centre and robust sd per type. */
  readonly log_nua: { readonly casa: Pair; readonly departamento: Pair };
  /** Median of log(net_area / net_usable_area) for casas. */
  readonly casa_log_ratio: number;
  /** Additive effect on log(price); la reina is the reference (0). */
  readonly price_effect: number;
  /** Per-type correction of log(price) on top of the OLS mean, which has no sector × type interaction:
   * calibrated so each cell's median price lands on the real one. */
  readonly price_offset: { readonly casa: number; readonly departamento: number };
}

/** A skewed location-scale draw: centre + sd * z * (z < 0 ? scale[0] : scale[1]), z ~ t(t_df) or normal. */
export interface SkewedSpread {
  /** Degrees of freedom of the Student-t; absent for a normal. */
  readonly t_df?: number;
  readonly scale: Pair;
  /** z beyond ±truncate is redrawn (keeps a heavy tail from reaching absurd values). */
  readonly truncate: number;
}

export interface Regression {
  readonly intercept: number;
  readonly log_nua: number;
  readonly rooms?: number;
  /** Sd of the normal error before rounding. */
  readonly sd: number;
}

export interface GiantArea {
  readonly column: 'net_usable_area' | 'net_area' | 'both';
  /** The typo: the value multiplied by this factor. */
  readonly factor: number;
  readonly count: number;
  /** Rows eligible: net_usable_area (net_area for column net_area) inside this range before the typo. */
  readonly base: Pair;
}

export interface AnomalyCounts {
  readonly exact_duplicates: number;
  /** Rows whose features copy another row's, with the price noise redrawn. */
  readonly price_redraws: number;
  /** Test only: rows whose features copy a train row; `copied_same_price` of them keep its price too. */
  readonly copied_from_train: number;
  readonly copied_same_price: number;
  readonly zero_price: number;
  /** Price replaced by a value in `low_price_range` (the price divided by ~100–1000). */
  readonly price_typo_1000: number;
  /** Price divided by 10 (small nunoa departamentos). */
  readonly price_typo_10: number;
  readonly zero_baths: number;
  readonly zero_rooms_baths: number;
  readonly zero_areas: number;
  readonly zero_areas_baths: number;
  readonly zero_all: number;
  readonly big_rooms: number;
  readonly big_baths: number;
  readonly half_rooms: number;
  readonly half_baths: number;
  readonly giant_areas: readonly GiantArea[];
}

export interface GeneratorParams {
  readonly seed: number;
  readonly n_train: number;
  readonly n_test: number;
  readonly sectors: Readonly<Record<string, SectorParams>>;
  readonly buildings: {
    /** P(a row reuses an existing building coordinate of its sector and type), per type. */
    readonly repeat: { readonly casa: number; readonly departamento: number };
    /** Share of new coordinates that are buildings (open to reuse); the rest stay single. Fewer
     * buildings make bigger clusters. */
    readonly building_share: number;
    /** P(the reused coordinate is drawn by row rather than by building): bigger buildings grow faster. */
    readonly by_row: number;
    /** P(a repeat row copies the floor plan of an earlier unit at its coordinate), and the area jitter. */
    readonly same_plan: number;
    readonly plan_jitter: number;
  };
  /** Shares of coordinate precisions: decimals "5", "4", "3", "2", and float_noise (5 decimals + 1e-14). */
  readonly coordinate_precision: Readonly<Record<string, number>>;
  readonly net_usable_area: {
    /** log(nua) = m + s * z, with z per type (sector's m and s from log_nua). */
    readonly casa: SkewedSpread;
    readonly departamento: SkewedSpread;
    /** Within-sector trend: log(nua) += lat * z_lat + lon * z_lon, z = the coordinate's z-score in its
     * sector (bigger properties toward the north-east). The random part shrinks so each cell's spread stays. */
    readonly gradient: { readonly lat: number; readonly lon: number };
    readonly clip: Pair;
    /** Share of rows whose areas keep 2 decimals (the rest are integers). */
    readonly decimal_share: number;
  };
  readonly net_area: {
    readonly departamento: {
      readonly equal_share: number;
      /** log r ~ LogNormal(mu, sigma) when r != 1. */
      readonly log_log_ratio: Pair;
      /** A heavier tail: this share of rows draws log r uniformly from `range`. */
      readonly tail_share: number;
      readonly tail_range: Pair;
      /** This share of rows gets r < 1: log r uniform on -range. */
      readonly below_one_share: number;
      readonly below_one_range: Pair;
    };
    readonly casa: {
      readonly equal_share: number;
      /** log r ~ casa_log_ratio(sector) + skewed t (the scale pair is absolute here). */
      readonly spread: SkewedSpread;
      /** Draws with log r < 0 are kept with this probability (else redrawn), to hit the real share of r < 1. */
      readonly below_one_keep: number;
    };
    /** Extra share of net_area values with 2 decimals when net_usable_area is an integer. */
    readonly extra_decimal_share: number;
  };
  readonly n_rooms: { readonly casa: Regression; readonly departamento: Regression; readonly clip: Pair };
  readonly n_bathroom: { readonly casa: Regression; readonly departamento: Regression; readonly clip: Pair };
  readonly price: {
    readonly intercept: number;
    readonly departamento: number;
    /** Slope for casa, and the extra slope for departamento. */
    readonly log_nua: Pair;
    readonly log_ratio: Pair;
    readonly rooms: number;
    readonly baths: number;
    /** Large-property premium per type, [threshold m², slope]: + slope * max(0, ln(nua / threshold)).
     * The OLS is fitted on the body; the real price tail (99% casa 85,000) is steeper. */
    readonly premium: { readonly casa: Pair; readonly departamento: Pair };
    readonly spatial: ReadonlyArray<{ readonly spacing_m: number; readonly length_m: Pair; readonly sd: number }>;
    /** Sd of a normal effect shared by all rows at one exact coordinate (a building or condominium). */
    readonly building_sd: number;
    /** scale * t(t_df), except outlier_share of rows drawn from N(0, outlier_sd): listings priced far from
     * what their features say (the real residuals' 2.3% beyond ±0.5). */
    readonly noise: {
      readonly t_df: number;
      readonly scale: number;
      readonly outlier_share: number;
      readonly outlier_sd: number;
    };
    readonly cap: number;
    /** Share of prices whose coarsest divisor is each unit ("1" = no rounding beyond the integer). */
    readonly rounding: Readonly<Record<string, number>>;
  };
  readonly anomalies: {
    /** price_typo_1000: the price divided by a log-uniform factor in this range, then kept inside low_price_range. */
    readonly low_price_divisor: Pair;
    readonly low_price_range: Pair;
    /** Rows eligible for price_typo_1000: price inside this range. */
    readonly low_price_source: Pair;
    /** Big room/bath counts: round(scale * U^(-1/alpha)), at least 11, capped. */
    readonly big_counts: { readonly scale: number; readonly alpha: number; readonly max: number };
    /** The counts below are for splits of these sizes (the real files); other sizes scale them. */
    readonly counts_for_rows: { readonly train: number; readonly test: number };
    readonly train: AnomalyCounts;
    readonly test: AnomalyCounts;
  };
}

// ---- structural check ------------------------------------------------------------------------

type Shape = 'number' | 'number?' | 'integer' | 'pair' | readonly [Shape] | { readonly [key: string]: Shape };

const spread: Shape = { t_df: 'number?', scale: 'pair', truncate: 'number' };

const regression: Shape = { intercept: 'number', log_nua: 'number', sd: 'number' };
const anomalyCounts: Shape = {
  exact_duplicates: 'integer',
  price_redraws: 'integer',
  copied_from_train: 'integer',
  copied_same_price: 'integer',
  zero_price: 'integer',
  price_typo_1000: 'integer',
  price_typo_10: 'integer',
  zero_baths: 'integer',
  zero_rooms_baths: 'integer',
  zero_areas: 'integer',
  zero_areas_baths: 'integer',
  zero_all: 'integer',
  big_rooms: 'integer',
  big_baths: 'integer',
  half_rooms: 'integer',
  half_baths: 'integer',
  giant_areas: [{ factor: 'number', count: 'integer', base: 'pair' }],
};

const SHAPE: Shape = {
  seed: 'integer',
  n_train: 'integer',
  n_test: 'integer',
  sectors: {
    '*': {
      share: 'number',
      p_casa: 'number',
      lat: { mean: 'number', sd: 'number', range: 'pair' },
      lon: { mean: 'number', sd: 'number', range: 'pair' },
      corr: 'number',
      log_nua: { casa: 'pair', departamento: 'pair' },
      casa_log_ratio: 'number',
      price_effect: 'number',
      price_offset: { casa: 'number', departamento: 'number' },
    },
  },
  buildings: {
    repeat: { casa: 'number', departamento: 'number' },
    building_share: 'number',
    by_row: 'number',
    same_plan: 'number',
    plan_jitter: 'number',
  },
  coordinate_precision: { '*': 'number' },
  net_usable_area: {
    casa: spread,
    departamento: spread,
    gradient: { lat: 'number', lon: 'number' },
    clip: 'pair',
    decimal_share: 'number',
  },
  net_area: {
    departamento: {
      equal_share: 'number',
      log_log_ratio: 'pair',
      tail_share: 'number',
      tail_range: 'pair',
      below_one_share: 'number',
      below_one_range: 'pair',
    },
    casa: { equal_share: 'number', spread, below_one_keep: 'number' },
    extra_decimal_share: 'number',
  },
  n_rooms: { casa: regression, departamento: regression, clip: 'pair' },
  n_bathroom: {
    casa: { ...regression, rooms: 'number' },
    departamento: { ...regression, rooms: 'number' },
    clip: 'pair',
  },
  price: {
    intercept: 'number',
    departamento: 'number',
    log_nua: 'pair',
    log_ratio: 'pair',
    rooms: 'number',
    baths: 'number',
    premium: { casa: 'pair', departamento: 'pair' },
    spatial: [{ spacing_m: 'number', length_m: 'pair', sd: 'number' }],
    building_sd: 'number',
    noise: { t_df: 'number', scale: 'number', outlier_share: 'number', outlier_sd: 'number' },
    cap: 'number',
    rounding: { '*': 'number' },
  },
  anomalies: {
    low_price_divisor: 'pair',
    low_price_range: 'pair',
    low_price_source: 'pair',
    big_counts: { scale: 'number', alpha: 'number', max: 'number' },
    counts_for_rows: { train: 'integer', test: 'integer' },
    train: anomalyCounts,
    test: anomalyCounts,
  },
};

const describe = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? `an array of ${v.length}`
        : typeof v === 'object'
          ? 'an object'
          : `${typeof v} ${JSON.stringify(v)}`;

const walk = (value: unknown, shape: Shape, path: string, problems: string[]): void => {
  const bad = (expected: string) =>
    problems.push(`Parameter '${path}': expected ${expected}, but got ${describe(value)}.`);
  if (shape === 'number?') {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) bad('a number or nothing');
  } else if (shape === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) bad('a number');
  } else if (shape === 'integer') {
    if (!Number.isSafeInteger(value) || (value as number) < 0) bad('a non-negative integer');
  } else if (shape === 'pair') {
    if (!Array.isArray(value) || value.length !== 2 || !value.every((x) => typeof x === 'number' && Number.isFinite(x)))
      bad('a pair of numbers [a, b]');
  } else if (Array.isArray(shape)) {
    if (!Array.isArray(value)) bad('a list');
    else for (const [i, item] of value.entries()) walk(item, shape[0], `${path}[${i}]`, problems);
  } else if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    bad('a mapping');
  } else {
    const obj = value as Record<string, unknown>;
    const spec = shape as Record<string, Shape>;
    if ('*' in spec) {
      if (Object.keys(obj).length === 0) bad('at least one entry');
      for (const [k, v] of Object.entries(obj)) walk(v, spec['*']!, `${path}.${k}`, problems);
    } else {
      for (const [k, s] of Object.entries(spec)) walk(obj[k], s, `${path}.${k}`, problems);
    }
  }
};

/** The anomaly counts for a split of `rows` rows: the configured counts scaled by rows / counts_for. */
export const scaleCounts = (counts: AnomalyCounts, rows: number, countsFor: number): AnomalyCounts => {
  if (rows === countsFor) return counts;
  const f = rows / countsFor;
  const scaled = Object.fromEntries(
    Object.entries(counts).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * f) : v]),
  ) as unknown as AnomalyCounts;
  return { ...scaled, giant_areas: counts.giant_areas.map((g) => ({ ...g, count: Math.round(g.count * f) })) };
};

/** Checks the `generator:` parameters, throwing one error that lists every problem. */
export const checkGeneratorParams = (raw: unknown): GeneratorParams => {
  const problems: string[] = [];
  walk(raw, SHAPE, 'generator', problems);
  if (problems.length === 0) {
    const p = raw as GeneratorParams;
    if (p.n_train + p.n_test < 2)
      problems.push(`Parameter 'generator.n_train': expected n_train + n_test >= 2, but got ${p.n_train + p.n_test}.`);
    for (const [name, s] of Object.entries(p.sectors)) {
      if (!(s.p_casa >= 0 && s.p_casa <= 1))
        problems.push(
          `Parameter 'generator.sectors.${name}.p_casa': expected a probability in [0, 1], but got ${s.p_casa}.`,
        );
    }
    for (const split of ['train', 'test'] as const) {
      for (const [i, g] of p.anomalies[split].giant_areas.entries()) {
        if (!['net_usable_area', 'net_area', 'both'].includes(g.column)) {
          problems.push(
            `Parameter 'generator.anomalies.${split}.giant_areas[${i}].column': expected one of net_usable_area, ` +
              `net_area, both, but got ${describe(g.column)}.`,
          );
        }
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the generator parameters:\n` +
        `  ${problems.join('\n  ')}`,
    );
  }
  return raw as GeneratorParams;
};
