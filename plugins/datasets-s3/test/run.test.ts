// End to end through core's public API: a project lists the plugin in dagrun.yaml (with its options),
// its catalog keeps a raw CSV, versioned Parquet features and a versioned model object on s3://, and
// real runs write, read back, resume from S3, and fail with messages naming the dataset and the bucket.

import t from 'tap';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pl from 'nodejs-polars';
import { listRuns, openProject, readRunRecord, type NodeError } from '@dagrun/core';
import { BUCKET, caught, makeDir, prefix, startS3rver, type TapTest, type Teardown } from './helpers/s3.js';

const server = await startS3rver(t);
const raw = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
t.teardown(() => raw.destroy());

const HERE = dirname(fileURLToPath(import.meta.url));
const PLUGIN = join(HERE, '..', 'src', 'index.ts');

const NODES =
  `
import pl from 'nodejs-polars';

export const featurize = (raw: pl.DataFrame) =>
  raw.withColumns(pl.col('area').cast(pl.Float64).alias('area'), ` +
  `(pl.col('price').cast(pl.Float64).div(pl.col('area'))).alias('price_per_m2'));

/** Least squares of price on area. */
export const fit = (features: pl.DataFrame) => {
  const x = features.getColumn('area').toArray() as number[];
  const y = features.getColumn('price').toArray() as number[];
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  const slope = x.reduce((a, xi, i) => a + (xi - mx) * (y[i]! - my), 0) / x.reduce((a, xi) => a + (xi - mx) ** 2, 0);
  return { kind: 'linear', slope, intercept: my - slope * mx, rows: x.length };
};

export const evaluate = (features: pl.DataFrame, model: { slope: number; intercept: number }) => {
  const x = features.getColumn('area').toArray() as number[];
  const y = features.getColumn('price').toArray() as number[];
  return { mae: x.reduce((a, xi, i) => a + Math.abs(model.intercept + model.slope * xi - y[i]!), 0) / x.length, ` +
  `rows: x.length };
};
`;

const PIPELINE = `__default__:
  nodes:
    - { name: featurize, func: src/nodes.ts#featurize, inputs: raw_sales, outputs: features }
    - { name: fit, func: src/nodes.ts#fit, inputs: features, outputs: model }
    - { name: evaluate, func: src/nodes.ts#evaluate, inputs: [features, model], outputs: metrics }
`;

/** A project in a temp folder whose node_modules is the workspace's, as in a real installation. */
const project = (t: Teardown, p: string, modelBucket = BUCKET): string => {
  const dir = makeDir(t, {
    'package.json': '{ "type": "module" }\n',
    'dagrun.yaml':
      `name: s3-run\nplugins:\n  - "@dagrun/datasets-polars"\n  - module: ${JSON.stringify(PLUGIN)}\n` +
      `    options: { endpoint_url: "${server.endpoint}", force_path_style: true }\n`,
    'src/nodes.ts': NODES,
    'pipeline.yaml': PIPELINE,
    'conf/base/catalog.yaml': [
      `raw_sales:\n  type: csv\n  path: s3://${BUCKET}/${p}/01_raw/sales.csv\n  credentials: shop_s3\n`,
      `features:\n  type: parquet\n  path: s3://${BUCKET}/${p}/04_features/features.parquet\n` +
        `  versioned: true\n  credentials: shop_s3\n`,
      `model:\n  type: object\n  path: s3://${modelBucket}/${p}/06_models/model.json\n  versioned: true\n` +
        `  credentials: shop_s3\n`,
      'metrics:\n  type: json\n  path: data/08_reporting/metrics.json\n',
    ].join(''),
    'conf/local/credentials.yaml': 'shop_s3:\n  key: ${env:SHOP_S3_KEY}\n  secret: ${env:SHOP_S3_SECRET}\n',
  });
  symlinkSync(join(HERE, '..', '..', '..', 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
};

const ENVIRON = { SHOP_S3_KEY: 'S3RVER', SHOP_S3_SECRET: 'S3RVER' };

/** Puts 30,000 sales rows (a CSV of about 0.5 MB) at raw_sales, through the catalog like any save. */
const seed = async (t: TapTest, dir: string) => {
  const n = 30_000;
  const area = Array.from({ length: n }, (_, i) => 40 + (i % 200));
  const df = pl.DataFrame({
    id: Array.from({ length: n }, (_, i) => i),
    area,
    price: area.map((a, i) => 1000 + 90 * a + ((i * 7919) % 11) - 5),
  });
  const p = await openProject({ projectDir: dir, environ: ENVIRON });
  const { catalog, errors } = p.createCatalog();
  t.same(errors, []);
  await catalog.save('raw_sales', df);
  await catalog.close();
};

const getJson = async (key: string): Promise<unknown> => {
  const out = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(Buffer.from(await out.Body!.transformToByteArray()).toString());
};

t.test(
  'a run writes versioned parquet and object datasets to s3://, reads them back, and resumes from them',
  async (t) => {
    const p = prefix('run');
    const dir = project(t, p);
    await seed(t, dir);
    const proj = await openProject({ projectDir: dir, environ: ENVIRON });
    t.same(
      proj.check().map((e) => e.message),
      [],
      'the project checks clean with the plugin from dagrun.yaml',
    );
    const described = proj.createCatalog().catalog;
    t.same(described.describe('model'), {
      type: 'object',
      path: `s3://${BUCKET}/${p}/06_models/model.json`,
      versioned: true,
      storage: 's3',
    });
    await described.close();

    const first = await proj.run();
    t.equal(first.record.status, 'ok');
    const saved = Object.fromEntries(first.record.datasets.map((d) => [d.name, d]));
    t.equal(
      saved.features?.location,
      `s3://${BUCKET}/${p}/04_features/features.parquet/${first.runId}/features.parquet`,
    );
    t.equal(saved.features?.version, first.runId);
    t.equal(saved.model?.location, `s3://${BUCKET}/${p}/06_models/model.json/${first.runId}/model.json`);
    const model1 = (await getJson(`${p}/06_models/model.json/${first.runId}/model.json`)) as {
      dagrun_object: number;
      data: { slope: number; intercept: number; rows: number };
    };
    t.equal(model1.dagrun_object, 1);
    t.equal(model1.data.rows, 30_000, 'fit loaded the features the run had just saved to S3');
    t.ok(Math.abs(model1.data.slope - 90) < 0.01, `slope ${model1.data.slope}`);
    const local = proj.createCatalog().catalog;
    const metrics = (await local.load('metrics')) as { mae: number; rows: number };
    await local.close();
    t.equal(metrics.rows, 30_000);
    t.ok(metrics.mae < 5, `mae ${metrics.mae}`);

    // A partial run from 'fit' has no producer for 'features' in it: it loads the newest version from S3.
    const second = await proj.run({ filter: { fromNodes: ['fit'] } });
    t.same(
      second.record.datasets.map((d) => d.name),
      ['model', 'metrics'],
    );
    const { catalog } = proj.createCatalog();
    t.same(await catalog.versions('model'), [second.runId, first.runId], 'two model versions, newest first');
    t.same(await catalog.versions('features'), [first.runId], 'the partial run did not write features');
    t.same(
      await catalog.load('model'),
      ((await getJson(`${p}/06_models/model.json/${second.runId}/model.json`)) as { data: unknown }).data,
    );
    const pinned = proj.createCatalog({ loadVersions: new Map([['model', first.runId]]) }).catalog;
    t.same(await pinned.load('model'), model1.data, "a pinned version loads the first run's model");
    const features = (await catalog.load('features')) as pl.DataFrame;
    t.same(features.columns, ['id', 'area', 'price', 'price_per_m2']);
    t.equal(features.height, 30_000);
    await catalog.close();
    await pinned.close();

    // The run records say where each version went.
    const rec = await readRunRecord(proj.runsDir, second.runId);
    t.equal(
      rec?.datasets.find((d) => d.name === 'model')?.location,
      `s3://${BUCKET}/${p}/06_models/model.json/${second.runId}/model.json`,
    );
  },
);

t.test(
  'a run that cannot save to S3 fails at that node, naming the dataset, the bucket and the endpoint',
  async (t) => {
    const p = prefix('run-fail');
    const dir = project(t, p, 'no-such-bucket');
    await seed(t, dir);
    const proj = await openProject({ projectDir: dir, environ: ENVIRON });
    t.same(proj.check(), [], 'a missing bucket is only found by trying: the checks pass');
    const err = (await caught(() => proj.run())) as unknown as NodeError;
    t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
    t.equal(
      err.message,
      `[DAGRUN_ERR_DATASET_SAVE] Node 'fit' (src/nodes.ts#fit): Failed to save dataset 'model' (object ` +
        `at s3://no-such-bucket/${p}/06_models/model.json): S3 bucket 'no-such-bucket' at ${server.endpoint}: ` +
        `expected an existing bucket, but got no such bucket. What was saved before is intact.\n` +
        `  Hint: create it (aws s3 mb s3://no-such-bucket --endpoint-url ${server.endpoint}), ` +
        `or correct the bucket in the dataset's path.`,
    );
    t.same(err.run?.resume, { fromNodes: ['fit'], flags: [] }, 'the resume plan beside the error');
    t.equal((await listRuns(proj.runsDir)).length, 1);
    const rec = await readRunRecord(proj.runsDir);
    t.equal(rec?.status, 'failed');
    t.equal(rec?.error?.code, 'DAGRUN_ERR_DATASET_SAVE');
    t.same(
      rec?.nodes.filter((n) => n.name !== 'evaluate').map((n) => [n.name, n.status]),
      [
        ['featurize', 'ok'],
        ['fit', 'failed'],
      ],
    );
    t.same(
      rec?.datasets.map((d) => d.name),
      ['features'],
      'the features were saved before the failure',
    );
  },
);

t.test('without the plugin, an s3:// entry fails the checks with DAGRUN_ERR_DATASET_STORAGE', async (t) => {
  const dir = project(t, prefix('no-plugin'));
  writeFileSync(join(dir, 'dagrun.yaml'), 'name: s3-run\nplugins: ["@dagrun/datasets-polars"]\n');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const errors = (await openProject({ projectDir: dir, environ: ENVIRON })).check();
  t.same(
    errors.map((e) => e.code),
    ['DAGRUN_ERR_DATASET_STORAGE', 'DAGRUN_ERR_DATASET_STORAGE', 'DAGRUN_ERR_DATASET_STORAGE'],
  );
  t.equal(
    errors[0]?.message,
    "conf/base/catalog.yaml:1:1 [DAGRUN_ERR_DATASET_STORAGE] Location of dataset 'raw_sales': " +
      "expected a protocol with a registered storage (file), but got 's3://'.\n" +
      "  Hint: storage 's3://' is provided by @dagrun/datasets-s3: add it to plugins in dagrun.yaml.",
  );
});

t.test('wrong plugin options are reported at the plugin entry of dagrun.yaml', async (t) => {
  const dir = project(t, prefix('bad-options'));
  writeFileSync(
    join(dir, 'dagrun.yaml'),
    `name: s3-run\nplugins:\n  - module: ${JSON.stringify(PLUGIN)}\n    options: { endpoint: "${server.endpoint}" }\n`,
  );
  const errors = (await openProject({ projectDir: dir, environ: ENVIRON })).check();
  const plugin = errors.filter((e) => e.code === 'DAGRUN_ERR_CONFIG_SCHEMA');
  t.equal(plugin.length, 1);
  t.equal(
    plugin[0]?.message,
    "dagrun.yaml:3:5 [DAGRUN_ERR_CONFIG_SCHEMA] S3 storage option 'endpoint': expected one of endpoint_url, " +
      'region, force_path_style, multipart_threshold, part_size, max_concurrency, max_attempts, ' +
      'request_checksum_calculation, response_checksum_validation, but got an unknown option.\n' +
      "  Hint: did you mean: 'endpoint_url'?",
  );
});
