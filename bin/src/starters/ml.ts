// The `ml` starter: house prices from a generated csv (deterministic, 400 rows), a seeded split, a
// `train` node whose @dagrun/ml model is saved as a versioned `object`, and an `evaluate` node's metrics.

import {
  BASE_DEPENDENCIES,
  BASE_PLUGINS,
  DAGRUN_VERSION,
  dagrunYaml,
  GITIGNORE,
  packageJson,
  TSCONFIG,
  type Starter,
} from './common.js';

export const HOUSE_ROWS = 400;

/** mulberry32: a tiny seeded generator, so every scaffold writes the same bytes. */
const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Price per m² (thousands) by district: the signal the target encoder has to find. */
const DISTRICTS: ReadonlyArray<readonly [string, number]> = [
  ['centre', 5.2],
  ['north', 4.1],
  ['east', 3.6],
  ['south', 2.9],
  ['west', 2.4],
];

/** houses.csv: price (thousands) from district, area, rooms and age, plus noise. */
export const housesCsv = (rows = HOUSE_ROWS, seed = 2024): string => {
  const rand = mulberry32(seed);
  const lines = ['house_id,district,area_m2,rooms,age_years,price'];
  for (let i = 1; i <= rows; i++) {
    const [district, perM2] = DISTRICTS[Math.floor(rand() * DISTRICTS.length)]!;
    const area = Math.round(35 + 185 * rand() ** 1.4);
    const rooms = Math.min(6, Math.max(1, Math.round(area / 40 + (rand() - 0.5) * 1.5)));
    const age = Math.floor(rand() * 60);
    const noise = (rand() + rand() + rand() - 1.5) * 25;
    const price = area * perM2 * (1 - 0.004 * age) + rooms * 8 + noise;
    lines.push(`${i},${district},${area},${rooms},${age},${price.toFixed(1)}`);
  }
  return `${lines.join('\n')}\n`;
};

const PIPELINE = `# Pipelines: each node is a function plus the datasets it reads and writes.
# Run with: dagrun run   (the model is saved under data/06_models, metrics under data/08_reporting)
train_evaluate:
  description: Split the houses, train gradient-boosted trees on one part, measure them on the other.
  nodes:
    - name: split
      func: src/nodes.ts#splitData
      inputs: [houses, params:split]
      outputs: [train_set, test_set]
      tags: [data]
    - name: train
      func: src/nodes.ts#train
      inputs: [train_set, params:model]
      outputs: model
      tags: [training]
    - name: evaluate
      func: src/nodes.ts#evaluate
      inputs: [model, test_set, params:model.target, params:mape_threshold]
      outputs: metrics
      tags: [evaluation]

__default__:
  pipelines: [train_evaluate]
`;

const CATALOG = `# Datasets by name. Anything a node produces that is not here (train_set, test_set) is kept in memory.
houses:
  type: csv
  path: data/01_raw/houses.csv

# The fitted RegressionModel, through @dagrun/ml's codec; one version per run.
model:
  type: object
  path: data/06_models/model.json
  codec: dagrun.ml/regression-model
  versioned: true

metrics:
  type: json
  path: data/08_reporting/metrics.json
  versioned: true
`;

const PARAMETERS = `# metrics.mape_above: the MAPE of the houses priced at least this much (thousands).
mape_threshold: 400

split:
  test_fraction: 0.25
  seed: 7

model:
  target: price
  features: [district, area_m2, rooms, age_years]
  categorical: [district]
  # scikit-learn's names; see @dagrun/ml's README for every hyperparameter.
  hyper_params:
    loss: squared_error
    learning_rate: 0.1
    n_estimators: 150
    max_depth: 3
    random_state: 42
`;

const NODES = `// Node functions of the train/evaluate pipeline. The model is a @dagrun/ml RegressionModel: the
// catalog's \`object\` entry saves it with the package's codec and loads it back for evaluate.
import type { DataFrame } from 'nodejs-polars';
import {
  GradientBoostingRegressor,
  RegressionModel,
  regressionMetrics,
  type GradientBoostingParams,
  type RegressionMetrics,
} from '@dagrun/ml';

// A type, not an interface: @dagrun/ml takes rows as records, and only type aliases convert to one.
export type House = {
  house_id: number;
  district: string;
  area_m2: number;
  rooms: number;
  age_years: number;
  price: number;
};

export interface SplitParams {
  test_fraction: number;
  seed: number;
}

export interface ModelParams {
  target: string;
  features: string[];
  categorical: string[];
  hyper_params: Partial<GradientBoostingParams>;
}

/** A seeded shuffle (mulberry32 + Fisher-Yates): the same seed gives the same split on every run. */
const shuffled = (n: number, seed: number): number[] => {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
};

/** [train, test] rows; test_fraction of the rows, at least one, go to test. */
export const splitData = (houses: DataFrame, params: SplitParams): [House[], House[]] => {
  const rows = houses.toRecords() as unknown as House[];
  const nTest = Math.max(1, Math.round(rows.length * params.test_fraction));
  const order = shuffled(rows.length, params.seed);
  const test = order.slice(0, nTest).sort((a, b) => a - b).map((i) => rows[i]!);
  const train = order.slice(nTest).sort((a, b) => a - b).map((i) => rows[i]!);
  return [train, test];
};

/** Target-encodes the categorical features and fits gradient-boosted trees. */
export const train = (rows: House[], params: ModelParams): RegressionModel =>
  new RegressionModel({
    target: params.target,
    features: params.features,
    categorical: params.categorical,
    estimator: new GradientBoostingRegressor(params.hyper_params),
  }).fit(rows);

export type Metrics = RegressionMetrics & { readonly n_train: number };

/** The model's errors on rows it has not seen, in the target's unit (thousands). */
export const evaluate = (model: RegressionModel, rows: House[], target: string, mapeThreshold: number): Metrics => {
  const actual = rows.map((r) => Number(r[target as keyof House]));
  return { ...regressionMetrics(actual, model.predict(rows), mapeThreshold), n_train: model.metadata.nRows };
};
`;

const TEST = `// Tests of the node functions on the bundled data, without the pipeline: npm test
// (node --import tsx --test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pl from 'nodejs-polars';
import { deserializeModel, serializeModel } from '@dagrun/ml';
import { evaluate, splitData, train, type ModelParams } from '../src/nodes.ts';

const houses = pl.readCSV(fileURLToPath(new URL('../data/01_raw/houses.csv', import.meta.url)));
const params: ModelParams = {
  target: 'price',
  features: ['district', 'area_m2', 'rooms', 'age_years'],
  categorical: ['district'],
  hyper_params: { n_estimators: 100, max_depth: 3, random_state: 42 },
};

test('splitData is deterministic and keeps every row exactly once', () => {
  const [trainRows, testRows] = splitData(houses, { test_fraction: 0.25, seed: 7 });
  assert.equal(testRows.length, Math.round(houses.height * 0.25));
  assert.equal(trainRows.length + testRows.length, houses.height);
  const ids = [...trainRows, ...testRows].map((r) => r.house_id).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: houses.height }, (_, i) => i + 1));
  assert.deepEqual(splitData(houses, { test_fraction: 0.25, seed: 7 })[1], testRows);
  assert.notDeepEqual(splitData(houses, { test_fraction: 0.25, seed: 8 })[1], testRows);
});

test('train fits a model that explains most of the price on unseen rows', () => {
  const [trainRows, testRows] = splitData(houses, { test_fraction: 0.25, seed: 7 });
  const model = train(trainRows, params);
  const metrics = evaluate(model, testRows, 'price', 400);
  assert.equal(metrics.n, testRows.length);
  assert.equal(metrics.n_train, trainRows.length);
  assert.equal(metrics.mape_threshold, 400);
  assert.ok(metrics.r2 > 0.8, \`r2 \${metrics.r2}\`);
});

test('the saved form of the model predicts the same values', () => {
  const [trainRows, testRows] = splitData(houses, { test_fraction: 0.25, seed: 7 });
  const model = train(trainRows, params);
  const reloaded = deserializeModel(JSON.parse(JSON.stringify(serializeModel(model))));
  assert.deepEqual(reloaded.predict(testRows), model.predict(testRows));
});
`;

export const mlStarter: Starter = {
  description: 'house prices: train gradient-boosted trees with @dagrun/ml, then evaluate them',
  files: (name) => ({
    'dagrun.yaml': dagrunYaml(
      name,
      [...BASE_PLUGINS, '@dagrun/ml'],
      'Project settings. @dagrun/ml registers the codec that saves models.',
    ),
    'pipeline.yaml': PIPELINE,
    'conf/base/catalog.yaml': CATALOG,
    'conf/base/parameters.yaml': PARAMETERS,
    'conf/local/.gitkeep': '',
    'data/01_raw/houses.csv': housesCsv(),
    'src/nodes.ts': NODES,
    'test/nodes.test.ts': TEST,
    'tsconfig.json': TSCONFIG,
    '.gitignore': GITIGNORE,
    'package.json': packageJson(name, { ...BASE_DEPENDENCIES, '@dagrun/ml': DAGRUN_VERSION }),
  }),
};
