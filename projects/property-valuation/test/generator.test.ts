// The synthetic data generator against the real data's statistics (shared/property-data.md §2–§7.10):
// marginals within stated tolerances, exact anomaly counts, determinism, and the committed CSVs.
// Each tolerance sits next to its check; the real value is the target.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject } from '@dagrun/core';
import { csvFormat } from '@dagrun/datasets-polars';
import type { DataFrame } from 'nodejs-polars';
import t from 'tap';
import { checkGeneratorParams } from '../src/generator/params.js';
import { COLUMNS, generateData } from '../src/nodes/generate.js';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');
type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

// ---- small statistics helpers (pandas semantics: linear-interpolated quantiles, sample sd) -------

const sorted = (xs: readonly number[]): Float64Array => Float64Array.from(xs).sort();
const quantile = (s: Float64Array, q: number): number => {
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? 0) - s[lo]!);
};
const mean = (xs: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i]!;
  return m / xs.length;
};
const sd = (xs: ArrayLike<number>): number => {
  const m = mean(xs);
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - m) ** 2;
  return Math.sqrt(v / (xs.length - 1));
};
/** Ranks with ties averaged. */
const ranks = (xs: readonly number[]): Float64Array => {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const r = new Float64Array(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]!] === xs[idx[i]!]) j++;
    for (let k = i; k <= j; k++) r[idx[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
};
const spearman = (a: readonly number[], b: readonly number[]): number => {
  const ra = ranks(a);
  const rb = ranks(b);
  const ma = mean(ra);
  const mb = mean(rb);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
};

interface Table {
  readonly n: number;
  readonly type: string[];
  readonly sector: string[];
  readonly nua: number[];
  readonly net: number[];
  readonly rooms: number[];
  readonly baths: number[];
  readonly lat: number[];
  readonly lon: number[];
  readonly price: number[];
}
const table = (df: DataFrame): Table => {
  const col = <T>(name: string) => df.getColumn(name).toArray() as T[];
  return {
    n: df.height,
    type: col<string>('type'),
    sector: col<string>('sector'),
    nua: col<number>('net_usable_area'),
    net: col<number>('net_area'),
    rooms: col<number>('n_rooms'),
    baths: col<number>('n_bathroom'),
    lat: col<number>('latitude'),
    lon: col<number>('longitude'),
    price: col<bigint | number>('price').map(Number),
  };
};
const featureKey = (d: Table, i: number) =>
  `${d.type[i]}|${d.sector[i]}|${d.nua[i]}|${d.net[i]}|${d.rooms[i]}|${d.baths[i]}|${d.lat[i]}|${d.lon[i]}`;
const count = (n: number, pred: (i: number) => boolean) => {
  let c = 0;
  for (let i = 0; i < n; i++) if (pred(i)) c++;
  return c;
};

/** A value within ±tol of target, relative (tol as a fraction) or absolute. */
const near = (tt: TapTest, what: string, value: number, target: number, tol: number, kind: 'rel' | 'abs') => {
  const off = kind === 'rel' ? Math.abs(value / target - 1) : Math.abs(value - target);
  const shown = kind === 'rel' ? `±${(tol * 100).toFixed(0)}%` : `±${tol}`;
  tt.ok(off <= tol, `${what}: ${+value.toFixed(4)} vs real ${target} (${shown})`);
};
const within = (tt: TapTest, what: string, value: number, lo: number, hi: number) => {
  tt.ok(value >= lo && value <= hi, `${what}: ${+value.toFixed(4)} in [${lo}, ${hi}]`);
};

// ---- one generation with the project's own parameters, shared by the checks -----------------------

const project = await openProject({ projectDir: PROJECT });
const params = project.params.generator as Record<string, unknown>;
const t0 = performance.now();
const generated = generateData(params);
const generateMs = performance.now() - t0;
const train = table(generated.train);
const test = table(generated.test);

t.test('shape, columns and dtypes match the real files', async (tt) => {
  for (const [name, df, rows] of [
    ['train', generated.train, 16212],
    ['test', generated.test, 6949],
  ] as const) {
    tt.same(df.columns, [...COLUMNS], `${name} columns`);
    tt.equal(df.height, rows, `${name} rows`);
    tt.same(
      df.dtypes.map((d) => d.variant),
      ['String', 'String', 'Float64', 'Float64', 'Float64', 'Float64', 'Float64', 'Float64', 'Int64'],
      `${name}: price Int64, other numerics Float64`,
    );
    tt.equal(
      df
        .nullCount()
        .row(0)
        .reduce((a: number, b) => a + Number(b), 0),
      0,
      `${name} has no missing value`,
    );
  }
  tt.ok(generateMs < 5000, `generation took ${generateMs.toFixed(0)} ms (< 5 s)`);
});

t.test('category shares (§2; ±1.5 pt, P(casa | sector) ±4 pt)', async (tt) => {
  const shares = {
    train: {
      casa: 0.4099,
      sectors: {
        'las condes': 0.3475,
        vitacura: 0.179,
        'lo barnechea': 0.1781,
        nunoa: 0.1187,
        providencia: 0.1141,
        'la reina': 0.0626,
      },
    },
    test: {
      casa: 0.407,
      sectors: {
        'las condes': 0.352,
        vitacura: 0.1803,
        'lo barnechea': 0.1795,
        nunoa: 0.1127,
        providencia: 0.1098,
        'la reina': 0.0658,
      },
    },
  };
  for (const [name, d] of [
    ['train', train],
    ['test', test],
  ] as const) {
    const real = shares[name];
    near(tt, `${name} share casa`, count(d.n, (i) => d.type[i] === 'casa') / d.n, real.casa, 0.015, 'abs');
    for (const [s, share] of Object.entries(real.sectors))
      near(tt, `${name} share ${s}`, count(d.n, (i) => d.sector[i] === s) / d.n, share, 0.015, 'abs');
  }
  const pCasa = {
    'la reina': 0.87,
    'las condes': 0.318,
    'lo barnechea': 0.736,
    nunoa: 0.228,
    providencia: 0.153,
    vitacura: 0.388,
  };
  for (const [s, p] of Object.entries(pCasa)) {
    const inSector = count(train.n, (i) => train.sector[i] === s);
    near(
      tt,
      `train P(casa | ${s})`,
      count(train.n, (i) => train.sector[i] === s && train.type[i] === 'casa') / inSector,
      p,
      0.04,
      'abs',
    );
  }
  tt.same(new Set(train.sector), new Set(Object.keys(pCasa)), 'lowercase sector names without accents');
});

t.test('price marginals (§3, §4, §7.8)', async (tt) => {
  const p = sorted(train.price);
  near(tt, 'train price mean', mean(p), 16180, 0.05, 'rel'); // ±5%
  near(tt, 'train price sd', sd(p), 12775, 0.1, 'rel'); // ±10%: the top 0.2% of prices weigh heavily
  for (const [q, real, tol] of [
    [0.01, 3150, 0.08],
    [0.05, 4700, 0.05],
    [0.25, 8080, 0.05],
    [0.5, 12500, 0.05],
    [0.75, 20000, 0.05],
    [0.95, 39000, 0.06],
    [0.99, 64000, 0.08],
  ] as const) {
    near(tt, `train price ${q * 100}%`, quantile(p, q), real, tol, 'rel');
  }
  const logs = train.price.filter((x) => x > 0).map(Math.log);
  near(tt, 'train log-price mean', mean(logs), 9.4615, 0.03, 'abs');
  near(tt, 'train log-price sd', sd(logs), 0.678, 0.04, 'abs');
  const tp = sorted(test.price);
  for (const [q, real, tol] of [
    [0.05, 4690, 0.05],
    [0.5, 12390, 0.05],
    [0.95, 39000, 0.06],
  ] as const)
    near(tt, `test price ${q * 100}%`, quantile(tp, q), real, tol, 'rel');
  // Cell medians (§4: the cell offsets are calibrated on them; la reina departamento has ~190 rows).
  const medians: Record<string, [number, number]> = {
    'la reina': [13200, 7725],
    'las condes': [18500, 10346],
    'lo barnechea': [25000, 13200],
    nunoa: [11591.5, 5227],
    providencia: [15400, 7166.5],
    vitacura: [22000, 13100],
  };
  for (const [s, [casa, dept]] of Object.entries(medians)) {
    for (const [type, real] of [
      ['casa', casa],
      ['departamento', dept],
    ] as const) {
      const cell = sorted(train.price.filter((_, i) => train.sector[i] === s && train.type[i] === type));
      near(tt, `train median price ${type} ${s}`, quantile(cell, 0.5), real, 0.06, 'rel'); // ±6%
    }
  }
  const mult = (u: number) => count(train.n, (i) => train.price[i]! % u === 0) / train.n;
  for (const [u, real] of [
    [1000, 0.2014],
    [500, 0.343],
    [100, 0.662],
    [50, 0.732],
    [10, 0.831],
  ] as const)
    near(tt, `prices that are multiples of ${u}`, mult(u), real, 0.015, 'abs');
  tt.ok(
    train.price.every((x) => Number.isInteger(x) && x >= 0 && x <= 215000),
    'prices are integers in [0, 215000]',
  );
});

t.test('areas, rooms, bathrooms and coordinates (§3, §7.3–7.7)', async (tt) => {
  const nua = sorted(train.nua);
  const net = sorted(train.net);
  // Quantiles ±8% (the pooled nua median is the loosest fit: the recipe's cell medians put it near +8%).
  for (const [q, real] of [
    [0.05, 58],
    [0.25, 98],
    [0.5, 140],
    [0.75, 242],
    [0.95, 480],
    [0.99, 720],
  ] as const)
    near(tt, `train nua ${q * 100}%`, quantile(nua, q), real, 0.08, 'rel');
  for (const [q, real] of [
    [0.05, 61],
    [0.25, 110],
    [0.5, 198.475],
    [0.75, 475],
    [0.95, 1500],
  ] as const)
    near(tt, `train net_area ${q * 100}%`, quantile(net, q), real, 0.08, 'rel');
  // describe()'s std is set by the injected giant areas alone (one 1.43M net_area gives 11,231 of 11,695).
  within(tt, 'train nua std (real 2775)', sd(nua), 1800, 4000);
  within(tt, 'train net_area std (real 11695)', sd(net), 6000, 18000);
  const areasInteger = count(train.n, (i) => Number.isInteger(train.nua[i])) / train.n;
  near(tt, 'integer net_usable_area share', areasInteger, 0.978, 0.01, 'abs');
  near(tt, 'train rooms mean', mean(train.rooms), 3.5906, 0.1, 'abs');
  near(tt, 'train baths mean', mean(train.baths), 3.0242, 0.1, 'abs');
  near(tt, 'train rooms sd', sd(train.rooms), 1.4497, 0.15, 'abs');
  near(tt, 'train baths sd', sd(train.baths), 1.3314, 0.15, 'abs');
  near(tt, 'train latitude mean', mean(train.lat), -33.403506, 0.002, 'abs');
  near(tt, 'train longitude mean', mean(train.lon), -70.560875, 0.002, 'abs');
  near(tt, 'train latitude sd', sd(train.lat), 0.036072, 0.003, 'abs');
  near(tt, 'train longitude sd', sd(train.lon), 0.036081, 0.003, 'abs');
  tt.ok(
    train.lat.every((x) => x >= -33.5244 && x <= -33.3053) && train.lon.every((x) => x >= -70.6437 && x <= -70.4319),
    'coordinates inside the sector ranges',
  );
  // §7.3: ~19% of rows reuse a coordinate of their sector (real clean train: 18.9% repeats, 26.4% sharing).
  const points = new Map<string, number>();
  for (const [i, la] of train.lat.entries())
    points.set(
      `${train.sector[i]}|${la}|${train.lon[i]}`,
      (points.get(`${train.sector[i]}|${la}|${train.lon[i]}`) ?? 0) + 1,
    );
  near(tt, 'rows repeating a coordinate', 1 - points.size / train.n, 0.189, 0.025, 'abs');
  near(
    tt,
    'rows sharing a coordinate',
    [...points.values()].filter((c) => c > 1).reduce((a, b) => a + b, 0) / train.n,
    0.264,
    0.03,
    'abs',
  );
  const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;
  const shareDecimals = (k: number) => count(train.n, (i) => decimals(train.lat[i]!) === k) / train.n;
  near(tt, 'latitudes with 5 decimals', shareDecimals(5), 0.445, 0.04, 'abs');
  near(tt, 'latitudes with 4 decimals', shareDecimals(4), 0.406, 0.04, 'abs');
  near(
    tt,
    'latitudes with float artefacts (> 10 digits)',
    count(train.n, (i) => decimals(train.lat[i]!) > 10) / train.n,
    0.104,
    0.03,
    'abs',
  );
});

t.test('dependencies (§5, §7.10)', async (tt) => {
  const ok = (i: number) => train.price[i]! > 0 && train.nua[i]! > 0;
  const idx = train.price.map((_, i) => i).filter(ok);
  near(
    tt,
    'Spearman ρ(price, nua)',
    spearman(
      idx.map((i) => train.price[i]!),
      idx.map((i) => train.nua[i]!),
    ),
    0.919,
    0.03,
    'abs',
  );
  near(tt, 'Spearman ρ(price, net_area)', spearman(train.price, train.net), 0.894, 0.03, 'abs');
  near(tt, 'Spearman ρ(price, latitude)', spearman(train.price, train.lat), 0.588, 0.05, 'abs');
  near(tt, 'Spearman ρ(nua, latitude)', spearman(train.nua, train.lat), 0.512, 0.05, 'abs');
  near(tt, 'Spearman ρ(rooms, baths)', spearman(train.rooms, train.baths), 0.738, 0.05, 'abs');
  const both = (i: number) => train.nua[i]! > 0 && train.net[i]! > 0;
  near(
    tt,
    'net_area < nua (both > 0)',
    count(train.n, (i) => both(i) && train.net[i]! < train.nua[i]!) / count(train.n, both),
    0.0105,
    0.004,
    'abs',
  );
  const deptEqual =
    count(train.n, (i) => train.type[i] === 'departamento' && both(i) && train.net[i] === train.nua[i]) /
    count(train.n, (i) => train.type[i] === 'departamento' && both(i));
  near(tt, 'departamentos with net_area = nua', deptEqual, 0.238, 0.03, 'abs');
});

t.test('anomalies (§1, §7.9): counts within ranges', async (tt) => {
  const zeros = (d: Table) => [d.nua, d.net, d.rooms, d.baths, d.price].map((c) => c.filter((x) => x === 0).length);
  tt.same(
    zeros(train),
    [32, 32, 31, 131, 1],
    'train zeros per column (nua, net_area, rooms, baths, price) as the real file',
  );
  tt.same(zeros(test), [12, 12, 8, 42, 0], 'test zeros per column as the real file');
  const anyZero = (d: Table) =>
    count(d.n, (i) => d.nua[i] === 0 || d.rooms[i] === 0 || d.baths[i] === 0 || d.price[i] === 0);
  tt.equal(anyZero(train), 161, 'train rows with any zero');
  tt.equal(anyZero(test), 52, 'test rows with any zero');
  const checks: Array<[string, Table, (d: Table, i: number) => boolean, number, number, string]> = [
    ['price < 1000', train, (d, i) => d.price[i]! < 1000, 17, 22, 'real 19'],
    ['price < 1000', test, (d, i) => d.price[i]! < 1000, 8, 13, 'real 10'],
    ['price > 100,000', train, (d, i) => d.price[i]! > 100000, 12, 40, 'real 24'],
    ['price > 100,000', test, (d, i) => d.price[i]! > 100000, 2, 16, 'real 5'],
    ['nua > 5000', train, (d, i) => d.nua[i]! > 5000, 11, 16, 'real 13'],
    ['nua > 5000', test, (d, i) => d.nua[i]! > 5000, 3, 6, 'real 4'],
    ['net_area > 20000', train, (d, i) => d.net[i]! > 20000, 6, 20, 'real 12'],
    ['net_area > 20000', test, (d, i) => d.net[i]! > 20000, 2, 8, 'real 4'],
    ['rooms > 10', train, (d, i) => d.rooms[i]! > 10, 8, 25, 'real 17'],
    ['baths > 10', train, (d, i) => d.baths[i]! > 10, 8, 25, 'real 16'],
    [
      'fractional rooms or baths',
      train,
      (d, i) => !Number.isInteger(d.rooms[i]) || !Number.isInteger(d.baths[i]),
      3,
      6,
      'real 4',
    ],
  ];
  for (const [what, d, pred, lo, hi, real] of checks)
    within(
      tt,
      `${d === train ? 'train' : 'test'} ${what} (${real})`,
      count(d.n, (i) => pred(d, i)),
      lo,
      hi,
    );
  tt.ok(
    Math.max(...train.nua) > 90000 && Math.max(...train.net) > 500000,
    `train holds x1000 typos: max nua ${Math.max(...train.nua)} (real 180116), max net_area ` +
      `${Math.max(...train.net)} (real 1430000)`,
  );

  const dupes = (d: Table, withPrice: boolean) => {
    const seen = new Set<string>();
    let c = 0;
    for (let i = 0; i < d.n; i++) {
      const k = featureKey(d, i) + (withPrice ? `|${d.price[i]}` : '');
      if (seen.has(k)) c++;
      seen.add(k);
    }
    return c;
  };
  within(tt, 'train exact duplicate rows (real 22)', dupes(train, true), 18, 30);
  within(tt, 'test exact duplicate rows (real 4)', dupes(test, true), 2, 8);
  within(tt, 'train duplicate rows ignoring price (real 249)', dupes(train, false), 225, 275);
  within(tt, 'test duplicate rows ignoring price (real 40)', dupes(test, false), 32, 48);
  const firstPrice = new Map<string, number>();
  for (let i = 0; i < train.n; i++)
    if (!firstPrice.has(featureKey(train, i))) firstPrice.set(featureKey(train, i), train.price[i]!);
  const inTrain = test.price.map((_, i) => i).filter((i) => firstPrice.has(featureKey(test, i)));
  within(tt, 'test rows whose features occur in train (real 179)', inTrain.length, 165, 195);
  within(
    tt,
    '... with the same price as the first train match (real 33)',
    inTrain.filter((i) => firstPrice.get(featureKey(test, i)) === test.price[i]).length,
    25,
    42,
  );
});

t.test('deterministic: the same seed gives the same bytes, another seed other data', async (tt) => {
  const again = generateData(params);
  const bytes = async (df: DataFrame) => Buffer.from(await csvFormat.encode(df, {}));
  tt.ok((await bytes(again.train)).equals(await bytes(generated.train)), 'train identical');
  tt.ok((await bytes(again.test)).equals(await bytes(generated.test)), 'test identical');
  const other = generateData({ ...params, seed: 7 });
  tt.notOk((await bytes(other.train)).equals(await bytes(generated.train)), 'seed 7 gives another train set');
  tt.equal(other.train.height, 16212, 'of the same size');
});

t.test('the committed CSVs are what the generator writes now (no drift)', async (tt) => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  for (const [name, df] of [
    ['train', generated.train],
    ['test', generated.test],
  ] as const) {
    const committed = readFileSync(join(PROJECT, 'data/01_raw', `${name}.csv`));
    tt.equal(
      sha(committed),
      sha(await csvFormat.encode(df, {})),
      `data/01_raw/${name}.csv equals a fresh generation (regenerate: dagrun run --pipeline generate_data)`,
    );
  }
});

t.test('bad parameters fail before any draw, listing every problem', async (tt) => {
  const bad = structuredClone(params) as { seed: unknown; price: { noise: Record<string, unknown> } };
  bad.seed = 'abc';
  delete bad.price.noise.scale;
  tt.throws(() => checkGeneratorParams(bad), {
    message: [
      '2 problems in the generator parameters:',
      '  Parameter \'generator.seed\': expected a non-negative integer, but got string "abc".',
      "  Parameter 'generator.price.noise.scale': expected a number, but got nothing.",
    ].join('\n'),
  });
});
