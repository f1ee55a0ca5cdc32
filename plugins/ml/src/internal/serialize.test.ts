import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openProject, PluginHost, Registry } from '@dagrun/core';
import { FEATURES, propertyLike } from '../../test/fixtures/property-like.js';
import mlPluginDefault from '../index.js';
import { MlError } from './errors.js';
import { GradientBoostingRegressor } from './gbdt.js';
import { LinearRegressor } from './linear.js';
import { isRegressionModel, RegressionModel } from './model.js';
import {
  deserializeModel,
  MODEL_FORMAT,
  regressionModelCodec,
  serializeModel,
  type SerializedRegressionModel,
} from './serialize.js';

const caught = (fn: () => unknown): MlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError, but the call succeeded');
};

/** Bit-for-bit equality of two Float64Arrays (t.same would accept -0 for 0). */
const sameBits = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length &&
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

const model = (estimator: GradientBoostingRegressor | LinearRegressor) =>
  new RegressionModel({ target: 'price', categorical: ['type', 'sector'], estimator }).fit(
    { ...propertyLike(3000, 41) },
    { trainedAt: '2025-06-01T00:00:00Z' },
  );

t.test(
  'a boosted model survives JSON text: identical bits on 4,000 rows, NaN and unknown categories included',
  async (t) => {
    const m = model(
      new GradientBoostingRegressor({
        loss: 'absolute_error',
        learning_rate: 0.05,
        n_estimators: 120,
        max_depth: 5,
        subsample: 0.8,
        random_state: 7,
      }),
    );
    const json = JSON.parse(JSON.stringify(serializeModel(m))) as SerializedRegressionModel;
    const back = deserializeModel(json);
    const test = { ...propertyLike(4000, 42) } as Record<string, ArrayLike<unknown>>;
    test.sector = Array.from(test.sector!, (s, i) => (i % 97 === 0 ? 'atlantis' : s));
    t.ok(sameBits(back.predict(test), m.predict(test)), 'identical predictions');
    t.same(JSON.parse(JSON.stringify(serializeModel(back))), json, 'and it serialises to the same JSON');
    t.same(back.metadata, m.metadata);
    t.same(back.schema, m.schema);
    t.same(back.featureImportances(), m.featureImportances());
  },
);

t.test(
  'the JSON holds format, version, schema, encoder tables, trees as plain arrays, and training metadata',
  async (t) => {
    const m = model(new GradientBoostingRegressor({ n_estimators: 5, max_depth: 2, random_state: 9 }));
    const j = serializeModel(m);
    t.equal(j.format, 'dagrun.ml/regression-model');
    t.equal(j.formatVersion, 1);
    t.same(Object.keys(j), ['format', 'formatVersion', 'featureSchema', 'encoder', 'estimator', 'training']);
    t.same(
      j.featureSchema.features.map((f) => f.name),
      [...FEATURES],
    );
    t.same(Object.keys(j.encoder.tables), ['type', 'sector']);
    t.same(Object.keys(j.encoder.tables.type!.values).sort(), ['casa', 'departamento']);
    t.equal(j.encoder.prior, m.encoder.prior);
    t.same(j.encoder.params, { min_samples_leaf: 20, smoothing: 1 });
    if (j.estimator.kind !== 'gradient_boosting') throw new Error('expected trees');
    t.equal(j.estimator.trees.length, 5);
    const tree = j.estimator.trees[0]!;
    t.same(Object.keys(tree), ['feature', 'threshold', 'missing_left', 'left', 'right', 'value', 'count']);
    t.ok(Array.isArray(tree.feature) && tree.feature.length === 7, 'a depth-2 tree: 7 nodes in preorder');
    t.equal(tree.count[0], 3000);
    t.same(j.estimator.params, { ...m.estimator.params });
    t.same(Object.keys(j.training), [
      'estimator',
      'params',
      'encoderParams',
      'nRows',
      'trainedAt',
      'seed',
      'featureImportances',
    ]);
    t.equal(j.training.nRows, 3000);
    t.equal(j.training.seed, 9);
    t.equal(j.training.trainedAt, '2025-06-01T00:00:00.000Z');
    t.same(Object.keys(j.training.featureImportances!), [...FEATURES]);
  },
);

t.test('a linear model round-trips too', async (t) => {
  const m = model(new LinearRegressor());
  const back = deserializeModel(JSON.parse(JSON.stringify(serializeModel(m))));
  const test = { ...propertyLike(2000, 43) };
  t.ok(sameBits(back.predict(test), m.predict(test)));
  t.equal(back.estimatorKind, 'linear');
});

t.test('a foreign, newer or damaged file fails on load with the path of the bad field', async (t) => {
  const good = () =>
    JSON.parse(
      JSON.stringify(serializeModel(model(new GradientBoostingRegressor({ n_estimators: 3, max_depth: 2 })))),
    ) as Record<string, any>;
  const fail = (mutate: (j: Record<string, any>) => void): MlError => {
    const j = good();
    mutate(j);
    return caught(() => deserializeModel(j));
  };
  const format = fail((j) => (j.format = 'sklearn/pickle'));
  t.equal(format.code, 'DAGRUN_ERR_ML_FORMAT');
  t.equal(format.detail, "Model JSON at format: expected 'dagrun.ml/regression-model', but got 'sklearn/pickle'.");
  t.equal(
    fail((j) => (j.formatVersion = 2)).message,
    '[DAGRUN_ERR_ML_FORMAT] Model JSON at formatVersion: expected 1, but got 2.\n' +
      '  Hint: the model was written by a newer @dagrun/ml; upgrade this package to load it.',
  );
  t.equal(
    fail((j) => (j.estimator.trees[1].left[0] = 0)).detail,
    'Model JSON at estimator.trees[1].left[0]: expected a node index in 1..6, but got 0.',
  );
  t.equal(
    fail((j) => (j.estimator.trees[0].feature[0] = 8)).detail,
    'Model JSON at estimator.trees[0].feature[0]: expected -1 or a feature index below 8, but got 8.',
  );
  t.equal(
    fail((j) => j.estimator.trees[2].value.pop()).detail,
    'Model JSON at estimator.trees[2].value.length: expected 7 (as many as feature), but got 6.',
  );
  t.equal(
    fail((j) => delete j.encoder.tables.sector).detail,
    "Model JSON at encoder.tables['sector']: expected the table of a categorical feature, but got undefined.",
  );
  t.equal(
    fail((j) => (j.encoder.tables.type.values.casa = 'many')).detail,
    "Model JSON at encoder.tables['type'].values['casa']: expected a finite number, but got 'many'.",
  );
  t.equal(
    fail((j) => (j.estimator.params.n_estimators = -3)).detail,
    "GradientBoostingRegressor hyperparameter 'n_estimators': expected an integer >= 1, but got -3.",
  );
  t.equal(
    fail((j) => (j.estimator.kind = 'forest')).detail,
    "Model JSON at estimator.kind: expected 'gradient_boosting' or 'linear', but got 'forest'.",
  );
  t.equal(
    fail((j) => (j.featureSchema.features[3].name = 'type')).detail,
    "Model JSON at featureSchema.features[3].name: expected a name no other feature has, but got 'type'.",
  );
  t.equal(caught(() => deserializeModel(null)).detail, 'Model JSON at (root): expected an object, but got null.');
});

t.test('the codec and the plugin', async (t) => {
  const m = model(new GradientBoostingRegressor({ n_estimators: 3 }));
  t.equal(regressionModelCodec.name, MODEL_FORMAT);
  t.ok(regressionModelCodec.test(m));
  t.notOk(regressionModelCodec.test({ format: MODEL_FORMAT }));
  t.notOk(regressionModelCodec.test(new GradientBoostingRegressor()));
  const back = regressionModelCodec.deserialize(JSON.parse(JSON.stringify(regressionModelCodec.serialize(m))));
  t.ok(back instanceof RegressionModel);

  t.equal(mlPluginDefault.name, '@dagrun/ml');
  t.equal(mlPluginDefault.engine, '^0.1.0');
  const registry = new Registry();
  await new PluginHost(registry).register(mlPluginDefault);
  t.equal(registry.byName(MODEL_FORMAT), regressionModelCodec);
  t.equal(registry.forValue(m), regressionModelCodec, 'the object type finds the codec by value');
});

t.test(
  'end to end: a project lists the plugin, a node returns a model, a versioned object entry saves and loads it',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dagrun-ml-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const index = join(dirname(fileURLToPath(import.meta.url)), '..', 'index.ts');
    // The workspace's packages (@dagrun/core) resolve from the project, as in a real installation.
    symlinkSync(
      join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'node_modules'),
      join(dir, 'node_modules'),
      'dir',
    );
    const files: Record<string, string> = {
      'package.json': '{ "type": "module" }\n',
      'dagrun.yaml': `name: ml-test\nplugins:\n  - module: ${JSON.stringify(index)}\n`,
      'src/nodes.ts': `
import {
  GradientBoostingRegressor,
  RegressionModel,
  isRegressionModel,
  regressionMetrics,
} from ${JSON.stringify(index)};
const rows = (n: number, seed: number) => {
  let a = seed;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    a = (a * 16807) % 2147483647;
    const area = 40 + (a % 300);
    out.push({ kind: i % 3 === 0 ? 'casa' : 'departamento', area, price: area * 90 + (i % 3 === 0 ? 3000 : 0) });
  }
  return out;
};
export const train = (params: Record<string, unknown>) =>
  new RegressionModel({ target: 'price', categorical: ['kind'], estimator: new GradientBoostingRegressor(params) })
    .fit(rows(500, 7));
export const evaluate = (model: RegressionModel) => {
  if (!isRegressionModel(model)) throw new Error('expected a RegressionModel, got ' + typeof model);
  const test = rows(200, 11);
  return regressionMetrics(test.map((r) => r.price as number), model.predict(test));
};
`,
      'pipeline.yaml': `__default__:
  nodes:
    - { name: train, func: src/nodes.ts#train, inputs: "params:hyper_params", outputs: model }
    - { name: evaluate, func: src/nodes.ts#evaluate, inputs: model, outputs: metrics }
`,
      'conf/base/catalog.yaml':
        'model:\n  type: object\n  path: data/06_models/model.json\n  versioned: true\nmetrics:\n  type: json\n' +
        '  path: data/08_reporting/metrics.json\n',
      'conf/base/parameters.yaml':
        'hyper_params:\n  learning_rate: 0.1\n  n_estimators: 50\n  max_depth: 3\n  loss: absolute_error\n',
    };
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), content);
    }
    const p = await openProject({ projectDir: dir });
    t.same(p.check(), []);
    const out = await p.run();
    const saved = out.record.datasets.find((d) => d.name === 'model');
    t.ok(saved?.version, 'the model was saved under a version');
    const file = JSON.parse(readFileSync(join(dir, saved!.location!), 'utf8')) as {
      dagrun_object: number;
      codec: string;
      data: SerializedRegressionModel;
    };
    t.equal(file.codec, 'dagrun.ml/regression-model', 'written through the codec');
    t.equal(file.data.format, 'dagrun.ml/regression-model');
    t.same(
      file.data.featureSchema.features.map((f) => f.name),
      ['kind', 'area'],
    );
    const metrics = JSON.parse(readFileSync(join(dir, 'data/08_reporting/metrics.json'), 'utf8')) as { r2: number };
    t.ok(metrics.r2 > 0.95, `the loaded model predicts (R² ${metrics.r2})`);
    const { catalog } = p.createCatalog();
    const loaded = await catalog.load('model');
    t.ok(isRegressionModel(loaded), 'loading the entry gives a RegressionModel back');
    t.equal((loaded as RegressionModel).predict([{ kind: 'casa', area: 100 }]).length, 1);
  },
);
