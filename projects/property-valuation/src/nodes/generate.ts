// Node of the generate_data pipeline: the seeded synthetic train/test sets that stand in for the
// client's data (recipe: ../../shared/property-data.md §7). Same seed, same bytes.
//
//   generate_data:
//     nodes:
//       - name: generate_data
//         func: src/nodes/generate.ts#generateData
//         inputs: [params:generator]
//         outputs: { train: train_raw, test: test_raw }
//
// Other sizes keep the same statistics, anomaly counts scaled (a small set for a pipeline test, a
// large one for a benchmark): generateData({ ...params.generator, n_train: 2000, n_test: 800 }).

import pl, { type DataFrame } from 'nodejs-polars';
import { injectAnomalies } from '../generator/anomalies.js';
import { permutation } from '../generator/distributions.js';
import { checkGeneratorParams, scaleCounts, type GeneratorParams } from '../generator/params.js';
import { PriceModel } from '../generator/price.js';
import { Rng } from '../generator/prng.js';
import { drawPool } from '../generator/recipe.js';
import { pick, type Rows } from '../generator/rows.js';

export const COLUMNS = [
  'type',
  'sector',
  'net_usable_area',
  'net_area',
  'n_rooms',
  'n_bathroom',
  'latitude',
  'longitude',
  'price',
] as const;

export interface GeneratedRows {
  readonly sectors: readonly string[];
  readonly train: Rows;
  readonly test: Rows;
}

/** The generator without polars: one pool of n_train + n_test rows split at random, then each
 * split's anomalies (test copies some rows of the final train), scaled to the split's size. */
export const generateRows = (raw: unknown): GeneratedRows => {
  const p: GeneratorParams = checkGeneratorParams(raw);
  const sectors = Object.keys(p.sectors);
  const model = new PriceModel(p);
  const pool = drawPool(p, p.n_train + p.n_test, model);
  const order = permutation(Rng.stream(p.seed, 'split'), pool.n);
  const train = pick(pool, order.subarray(0, p.n_train));
  const test = pick(pool, order.subarray(p.n_train));
  const nunoa = sectors.indexOf('nunoa');
  const common = { params: p, model, nunoa: nunoa >= 0 ? nunoa : undefined };
  const a = p.anomalies;
  const trainCounts = scaleCounts(a.train, train.n, a.counts_for_rows.train);
  const testCounts = scaleCounts(a.test, test.n, a.counts_for_rows.test);
  const touched = injectAnomalies(train, trainCounts, { ...common, rng: Rng.stream(p.seed, 'anomalies/train') });
  injectAnomalies(test, testCounts, {
    ...common,
    rng: Rng.stream(p.seed, 'anomalies/test'),
    train: { rows: train, touched },
  });
  return { sectors, train, test };
};

/** Rows as a DataFrame with the real files' columns: price Int64, the other numerics Float64. */
export const toDataFrame = (rows: Rows, sectors: readonly string[]): DataFrame =>
  pl.DataFrame([
    pl.Series(
      'type',
      Array.from(rows.dept, (d) => (d ? 'departamento' : 'casa')),
      pl.Utf8,
    ),
    pl.Series(
      'sector',
      Array.from(rows.sector, (s) => sectors[s]!),
      pl.Utf8,
    ),
    pl.Series('net_usable_area', rows.nua, pl.Float64),
    pl.Series('net_area', rows.netArea, pl.Float64),
    pl.Series('n_rooms', rows.rooms, pl.Float64),
    pl.Series('n_bathroom', rows.baths, pl.Float64),
    pl.Series('latitude', rows.lat, pl.Float64),
    pl.Series('longitude', rows.lon, pl.Float64),
    pl.Series('price', Array.from(rows.price), pl.Int64),
  ]);

/** Generates the train and test sets from the `generator:` parameters. */
export const generateData = (params: unknown): { train: DataFrame; test: DataFrame } => {
  const { sectors, train, test } = generateRows(params);
  return { train: toDataFrame(train, sectors), test: toDataFrame(test, sectors) };
};
