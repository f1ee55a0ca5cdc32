// Every file type (core's and the polars plugin's tables) at s3:// locations, through a real catalog
// built from catalog.yaml and credentials.yaml, against s3rver: round trips of every format, versioning,
// and the messages a user reads when the bucket, the key, the key id or the server is wrong.

import t from 'tap';
import { inspect } from 'node:util';
import { readdirSync } from 'node:fs';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pl from 'nodejs-polars';
import { ConfigLoader, DataCatalog, PluginHost, Registry, definePlugin, type Codec } from '@dagrun/core';
import polarsPlugin from '@dagrun/datasets-polars';
import s3Plugin from '../src/index.js';
import { BUCKET, caught, freePort, makeDir, prefix, startS3rver, type TapTest } from './helpers/s3.js';
import { dtypes, records, RECORDS, table } from '../../datasets-polars/test/helpers/frames.js';

const server = await startS3rver(t);
const raw = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
t.teardown(() => raw.destroy());

const V1 = '2024-01-01T00.00.00.000Z';
const V2 = '2024-06-01T12.30.00.000Z';
const STORAGE = `storage_options: { endpoint_url: "${server.endpoint}", force_path_style: true }`;
const CREDENTIALS = 'test_s3:\n  aws_access_key_id: S3RVER\n  aws_secret_access_key: S3RVER\n';

class Money {
  constructor(
    readonly cents: number,
    readonly currency: string,
  ) {}
}
const moneyCodec: Codec<Money> = {
  name: 'test.money',
  test: (v) => v instanceof Money,
  serialize: (m) => ({ cents: m.cents, currency: m.currency }),
  deserialize: (j) => new Money((j as Money).cents, (j as Money).currency),
};

interface Built {
  readonly dir: string;
  readonly catalog: DataCatalog;
  /** Another catalog over the same files, saving under `save` and loading the pinned versions. */
  readonly reopen: (o?: { save?: string; load?: Record<string, string> }) => DataCatalog;
}

/** A project folder with `catalogYaml` (and credentials), and a catalog built from it with the s3 plugin. */
const build = async (t: TapTest, catalogYaml: string, credentialsYaml = CREDENTIALS): Promise<Built> => {
  const dir = makeDir(t, { 'conf/base/catalog.yaml': catalogYaml, 'conf/local/credentials.yaml': credentialsYaml });
  const registry = new Registry();
  const host = new PluginHost(registry);
  // The table types (csv, parquet, json tables) are the polars plugin's; this test only holds them to s3://.
  await host.register(polarsPlugin);
  await host.register(s3Plugin);
  await host.register(definePlugin({ name: 'money', register: (api) => api.registerCodec(moneyCodec) }));
  const loader = new ConfigLoader({ projectDir: dir, environ: {} });
  const config = loader.load('catalog', 'replace-top-level');
  const credentials = loader.load('credentials', 'replace-top-level');
  const reopen = (o: { save?: string; load?: Record<string, string> } = {}) => {
    const { catalog, errors } = DataCatalog.create({
      config,
      credentials,
      params: {},
      registry,
      projectDir: dir,
      saveVersion: o.save ?? V1,
      loadVersions: new Map(Object.entries(o.load ?? {})),
    });
    t.same(
      errors.map((e) => e.message),
      [],
      'the catalog is valid',
    );
    t.teardown(() => catalog.close());
    return catalog;
  };
  return { dir, catalog: reopen(), reopen };
};

const getObject = async (key: string): Promise<Buffer> => {
  const out = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
};
const keysUnder = async (p: string): Promise<string[]> =>
  ((await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${p}/` }))).Contents ?? [])
    .map((o) => o.Key!)
    .sort();

/** Only the configuration: nothing was written to the local disk. */
const localFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();

t.test('every file type round-trips through s3://, stored as its format writes it', async (t) => {
  const p = prefix('formats');
  const entry = (name: string, type: string, key: string, extra = '') =>
    `${name}:\n  type: ${type}\n  path: s3://${BUCKET}/${p}/${key}\n  credentials: test_s3\n  ${STORAGE}\n${extra}`;
  const { dir, catalog } = await build(
    t,
    [
      entry('sales_csv', 'csv', 'sales.csv'),
      entry('sales_semi', 'csv', 'semi.csv', '  separator: ";"\n'),
      entry('sales_parquet', 'parquet', 'sales.parquet', '  compression: zstd\n'),
      entry('settings', 'json', 'settings.json'),
      entry('rows', 'json', 'rows.json', '  table: true\n'),
      entry('config', 'yaml', 'config.yaml'),
      entry('notes', 'text', 'notes.txt'),
      entry('legacy', 'text', 'legacy.txt', '  encoding: latin1\n'),
      entry('model', 'object', 'model.json'),
      entry('price', 'object', 'price.json'),
      entry('state', 'object', 'state.bin', '  serializer: v8\n'),
    ].join(''),
  );

  t.same(await catalog.save('sales_csv', table()), { location: `s3://${BUCKET}/${p}/sales.csv`, version: undefined });
  t.equal(
    (await getObject(`${p}/sales.csv`)).toString(),
    'id,name,price,ok\n1,a,1.5,true\n2,"b,c",2.25,false\n3,é,,true\n',
    'the CSV the polars plugin writes',
  );
  const csv = await catalog.load('sales_csv');
  t.same(records(csv), RECORDS);
  t.same(
    dtypes(csv),
    ['Int64', 'String', 'Float64', 'Bool'].map((d) => `DataType(${d})`),
  );
  await catalog.save('sales_semi', table());
  t.equal(
    (await getObject(`${p}/semi.csv`)).toString(),
    'id;name;price;ok\n1;a;1.5;true\n2;b,c;2.25;false\n3;é;;true\n',
  );
  t.same(records(await catalog.load('sales_semi')), RECORDS);

  await catalog.save('sales_parquet', table());
  t.equal((await getObject(`${p}/sales.parquet`)).subarray(0, 4).toString(), 'PAR1', 'a Parquet file');
  const parquet = await catalog.load('sales_parquet');
  t.same(records(parquet), RECORDS);
  t.same(dtypes(parquet), dtypes(table()), 'dtypes survive');

  const settings = { depth: 3, rate: 0.05, tags: ['a', 'ü'], nested: { ok: true, none: null } };
  await catalog.save('settings', settings);
  t.equal((await getObject(`${p}/settings.json`)).toString(), `${JSON.stringify(settings, null, 2)}\n`);
  t.same(await catalog.load('settings'), settings);

  await catalog.save('rows', table());
  t.same(records(await catalog.load('rows')), RECORDS);
  t.same(dtypes(await catalog.load('rows')), dtypes(table()), 'Int64 stays Int64 through JSON');

  await catalog.save('config', { model: { depth: 4 }, when: '2024-01-01' });
  t.equal((await getObject(`${p}/config.yaml`)).toString(), "model:\n  depth: 4\nwhen: '2024-01-01'\n");
  t.same(await catalog.load('config'), { model: { depth: 4 }, when: '2024-01-01' });

  await catalog.save('notes', 'línea 1\nline 2 ✓\n');
  t.equal(await catalog.load('notes'), 'línea 1\nline 2 ✓\n');
  await catalog.save('legacy', 'café');
  t.same([...(await getObject(`${p}/legacy.txt`))], [0x63, 0x61, 0x66, 0xe9], 'latin1 bytes');
  t.equal(await catalog.load('legacy'), 'café');

  const model = { kind: 'linear', coef: [0.5, -1.25], intercept: 3 };
  await catalog.save('model', model);
  t.same(JSON.parse((await getObject(`${p}/model.json`)).toString()), { dagrun_object: 1, codec: null, data: model });
  t.same(await catalog.load('model'), model);
  await catalog.save('price', new Money(1999, 'EUR'));
  t.same(JSON.parse((await getObject(`${p}/price.json`)).toString()), {
    dagrun_object: 1,
    codec: 'test.money',
    data: { cents: 1999, currency: 'EUR' },
  });
  const price = await catalog.load('price');
  t.ok(price instanceof Money, 'rebuilt through the codec');
  t.same(price, new Money(1999, 'EUR'));
  const state = { seen: new Map([['a', 1]]), at: new Date(Date.UTC(2024, 0, 1)), big: 12345678901234567890n };
  await catalog.save('state', state);
  t.same(await catalog.load('state'), state, 'v8 keeps Maps, Dates and bigints');

  t.same(
    await keysUnder(p),
    [
      'config.yaml',
      'legacy.txt',
      'model.json',
      'notes.txt',
      'price.json',
      'rows.json',
      'sales.csv',
      'sales.parquet',
      'semi.csv',
      'settings.json',
      'state.bin',
    ].map((k) => `${p}/${k}`),
  );
  t.same(localFiles(dir), ['catalog.yaml', 'credentials.yaml'], 'nothing touched the local disk');
  t.same(catalog.describe('sales_parquet'), {
    type: 'parquet',
    path: `s3://${BUCKET}/${p}/sales.parquet`,
    versioned: false,
    storage: 's3',
  });
  t.equal(await catalog.exists('sales_parquet'), true);
});

t.test(
  'versioned: true keeps every save under path/<version>/, loads the newest or a pinned one, lists versions',
  async (t) => {
    const p = prefix('versions');
    const yaml = [
      `model:\n  type: object\n  path: s3://${BUCKET}/${p}/06_models/model.json\n  versioned: true\n` +
        `  credentials: test_s3\n  ${STORAGE}\n`,
      `features:\n  type: parquet\n  path: s3://${BUCKET}/${p}/04_features/features.parquet\n` +
        `  versioned: true\n  credentials: test_s3\n  ${STORAGE}\n`,
    ].join('');
    const { reopen } = await build(t, yaml);
    const first = reopen({ save: V1 });
    t.equal(await first.exists('model'), false, 'no version yet');
    const none = await caught(() => first.load('model'));
    t.equal(none.code, 'DAGRUN_ERR_DATASET_VERSION');
    t.equal(
      none.message,
      `[DAGRUN_ERR_DATASET_VERSION] Versioned dataset 'model': expected at least one version under ` +
        `s3://${BUCKET}/${p}/06_models/model.json, but got none.\n  Hint: run the node that produces it first.`,
    );

    t.same(await first.save('model', { v: 1 }), {
      location: `s3://${BUCKET}/${p}/06_models/model.json/${V1}/model.json`,
      version: V1,
    });
    await first.save('features', table());
    const second = reopen({ save: V2 });
    await second.save('model', { v: 2 });
    await second.save('features', table().withColumn(pl.col('price').fillNull(0)));
    t.same(await keysUnder(p), [
      `${p}/04_features/features.parquet/${V1}/features.parquet`,
      `${p}/04_features/features.parquet/${V2}/features.parquet`,
      `${p}/06_models/model.json/${V1}/model.json`,
      `${p}/06_models/model.json/${V2}/model.json`,
    ]);

    const reader = reopen({ save: 'unused' });
    t.same(await reader.load('model'), { v: 2 }, 'the newest');
    t.same(await reader.versions('model'), [V2, V1], 'newest first');
    t.equal(await reader.exists('model'), true);
    t.same(
      records(await reader.load('features')).map((r) => (r as { price: number }).price),
      [1.5, 2.25, 0],
    );
    const pinned = reopen({ load: { model: V1, features: V1 } });
    t.same(await pinned.load('model'), { v: 1 }, 'the pinned version');
    t.same(records(await pinned.load('features')), RECORDS);

    const missing = await caught(() => reopen({ load: { model: '2023-12-31T00.00.00.000Z' } }).load('model'));
    t.equal(missing.code, 'DAGRUN_ERR_DATASET_VERSION');
    t.equal(
      missing.message,
      `[DAGRUN_ERR_DATASET_VERSION] Version of dataset 'model': expected '2023-12-31T00.00.00.000Z' to exist ` +
        `under s3://${BUCKET}/${p}/06_models/model.json, but got no such version.\n` +
        `  Hint: versions present (newest first): ${V2}, ${V1}.`,
    );
  },
);

t.test('a missing key is DAGRUN_ERR_DATASET_LOAD naming the dataset and the s3:// location', async (t) => {
  const p = prefix('missing-key');
  const { catalog } = await build(
    t,
    `orders:\n  type: csv\n  path: s3://${BUCKET}/${p}/orders.csv\n  credentials: test_s3\n  ${STORAGE}\n`,
  );
  t.equal(await catalog.exists('orders'), false);
  const err = await caught(() => catalog.load('orders'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    err.message,
    `[DAGRUN_ERR_DATASET_LOAD] Dataset 'orders': expected a file at s3://${BUCKET}/${p}/orders.csv, ` +
      `but got no such file.\n  Hint: check \`path\` in the catalog entry, or run the pipeline that produces it.`,
  );
});

t.test('a missing bucket: the load and the save name the dataset, the bucket and the endpoint', async (t) => {
  const { catalog } = await build(
    t,
    `orders:\n  type: csv\n  path: s3://no-such-bucket/raw/orders.csv\n  credentials: test_s3\n  ${STORAGE}\n` +
      `model:\n  type: object\n  path: s3://no-such-bucket/models/model.json\n  versioned: true\n` +
      `  credentials: test_s3\n  ${STORAGE}\n`,
  );
  const where = `S3 bucket 'no-such-bucket' at ${server.endpoint}`;
  const bucket = `${where}: expected an existing bucket, but got no such bucket.`;
  const hint =
    `\n  Hint: create it (aws s3 mb s3://no-such-bucket --endpoint-url ${server.endpoint}), ` +
    `or correct the bucket in the dataset's path.`;
  const load = await caught(() => catalog.load('orders'));
  t.equal(load.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    load.message,
    `[DAGRUN_ERR_DATASET_LOAD] Failed to load dataset 'orders' (csv ` +
      `at s3://no-such-bucket/raw/orders.csv): ${bucket}${hint}`,
  );
  const save = await caught(() => catalog.save('orders', table()));
  t.equal(save.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    save.message,
    `[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'orders' (csv ` +
      `at s3://no-such-bucket/raw/orders.csv): ${bucket} What was saved before is intact.${hint}`,
  );
  const versioned = await caught(() => catalog.load('model'));
  t.equal(
    versioned.code,
    'DAGRUN_ERR_DATASET_LOAD',
    'listing the versions finds the bucket missing, rather than "no version yet"',
  );
  t.equal(
    versioned.message,
    `[DAGRUN_ERR_DATASET_LOAD] Failed to load dataset 'model' (object ` +
      `at s3://no-such-bucket/models/model.json): ${bucket}${hint}`,
  );
});

t.test(
  'bad credentials and no server are DAGRUN_ERR_DATASET_CONNECTION naming the dataset, endpoint, ' +
    'bucket and key id, not the secret',
  async (t) => {
    const p = prefix('login');
    const port = await freePort();
    const secret = 'wrong-secret-never-printed';
    const { catalog } = await build(
      t,
      `orders:\n  type: csv\n  path: s3://${BUCKET}/${p}/orders.csv\n  credentials: wrong\n  ${STORAGE}\n` +
        `offline:\n  type: json\n  path: s3://${BUCKET}/${p}/offline.json\n  credentials: test_s3\n  storage_options: { endpoint_url: "http://127.0.0.1:${port}", max_attempts: 1 }\n`,
      `${CREDENTIALS}wrong:\n  key: AKIANOTKNOWN\n  secret: ${secret}\n`,
    );
    const login =
      `S3 login to bucket '${BUCKET}' at ${server.endpoint}: expected access key id 'AKIANOTKNOWN' to be ` +
      `accepted, but got HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our ` +
      `records.`;
    const loginHint =
      '\n  Hint: check aws_access_key_id in the credentials entry the catalog entry names ' +
      '(or AWS_ACCESS_KEY_ID): this server does not know it.';
    const load = await caught(() => catalog.load('orders'));
    t.equal(load.code, 'DAGRUN_ERR_DATASET_CONNECTION');
    t.equal(
      load.message,
      `[DAGRUN_ERR_DATASET_CONNECTION] Failed to load dataset 'orders' (csv ` +
        `at s3://${BUCKET}/${p}/orders.csv): ${login}${loginHint}`,
    );
    t.notMatch(inspect(load, { depth: 10 }), secret);
    const save = await caught(() => catalog.save('orders', table()));
    t.equal(save.code, 'DAGRUN_ERR_DATASET_CONNECTION');
    t.equal(
      save.message,
      `[DAGRUN_ERR_DATASET_CONNECTION] Failed to save dataset 'orders' (csv ` +
        `at s3://${BUCKET}/${p}/orders.csv): ${login} What was saved before is intact.${loginHint}`,
    );
    t.notMatch(inspect(save, { depth: 10 }), secret);

    const offline = await caught(() => catalog.save('offline', { a: 1 }));
    t.equal(offline.code, 'DAGRUN_ERR_DATASET_CONNECTION');
    t.equal(
      offline.message,
      `[DAGRUN_ERR_DATASET_CONNECTION] Failed to save dataset 'offline' (json at s3://${BUCKET}/${p}/offline.json): S3 endpoint http://127.0.0.1:${port} (bucket '${BUCKET}'): expected a server that answers, but got ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}. What was saved before is intact.\n  Hint: check that the server runs, and endpoint_url in storage_options (or AWS_ENDPOINT_URL).`,
    );
  },
);

t.test(
  'wrong storage_options or credentials fail when the catalog is built, at the entry, without the secret',
  async (t) => {
    const secret = 'a-secret-value-in-the-wrong-key';
    const dir = makeDir(t, {
      'conf/base/catalog.yaml': [
        `orders:\n  type: csv\n  path: s3://${BUCKET}/orders.csv\n  credentials: test_s3\n` +
          `  storage_options: { endpont_url: "${server.endpoint}" }\n`,
        `model:\n  type: object\n  path: s3://${BUCKET}/model.json\n  credentials: typo\n  ${STORAGE}\n`,
      ].join(''),
      'conf/local/credentials.yaml': `${CREDENTIALS}typo:\n  aws_access_key_id: AKIA\n  aws_secret_key: ${secret}\n`,
    });
    const registry = new Registry();
    await new PluginHost(registry).register(polarsPlugin);
    await new PluginHost(registry).register(s3Plugin);
    const loader = new ConfigLoader({ projectDir: dir, environ: {} });
    const { errors } = DataCatalog.create({
      config: loader.load('catalog', 'replace-top-level'),
      credentials: loader.load('credentials', 'replace-top-level'),
      params: {},
      registry,
      projectDir: dir,
      saveVersion: V1,
    });
    t.same(
      errors.map((e) => e.code),
      ['DAGRUN_ERR_CATALOG_OPTIONS', 'DAGRUN_ERR_CATALOG_OPTIONS'],
    );
    t.same(
      errors.map((e) => e.message),
      [
        "conf/base/catalog.yaml:1:1 [DAGRUN_ERR_CATALOG_OPTIONS] S3 storage option 'endpont_url': " +
          'expected one of endpoint_url, region, force_path_style, multipart_threshold, part_size, ' +
          'max_concurrency, max_attempts, request_checksum_calculation, response_checksum_validation, ' +
          "but got an unknown option.\n  Hint: did you mean: 'endpoint_url'?",
        "conf/base/catalog.yaml:6:1 [DAGRUN_ERR_CATALOG_OPTIONS] S3 credentials key 'aws_secret_key': " +
          'expected one of aws_access_key_id, key, aws_secret_access_key, secret, aws_session_token, token, ' +
          "but got an unknown key.\n  Hint: did you mean: 'aws_secret_access_key'?",
      ],
    );
    t.notMatch(inspect(errors, { depth: 10 }), secret);
  },
);
