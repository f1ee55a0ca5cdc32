import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataCatalog } from './catalog.js';
import { ConfigLoader } from './config.js';
import type { DagrunError } from './errors.js';
import type { DatasetType, Storage, StorageOptions } from './datasets/dataset.js';
import { HookManager } from './hooks.js';
import { node } from './pipeline/node.js';
import { Registry } from './registry.js';
import { caught, makeProject, readText } from '../../test/helpers/project.js';

interface BuildOptions {
  readonly registry?: Registry;
  readonly hooks?: HookManager;
  readonly env?: string;
  readonly environ?: Record<string, string>;
  readonly saveVersion?: string;
  readonly loadVersions?: ReadonlyMap<string, string>;
  readonly runId?: string;
}

/** The part of a tap test `build` uses. */
interface TestLike {
  teardown(fn: () => void): void;
  same(found: unknown, wanted: unknown, message?: string): boolean;
}

/** A real project on disk, its configuration loaded the way openProject does, and the catalog built from it. */
const build = (t: TestLike, files: Record<string, string>, o: BuildOptions = {}) => {
  const dir = makeProject(t, files);
  const loader = new ConfigLoader({ projectDir: dir, env: o.env, environ: o.environ ?? {} });
  const configErrors: DagrunError[] = [];
  const config = loader.load('catalog', 'replace-top-level', configErrors);
  const credentials = loader.load('credentials', 'replace-top-level', configErrors);
  const params = loader.load('parameters', 'deep', configErrors).data;
  const { catalog, errors } = DataCatalog.create({
    config,
    credentials,
    params,
    registry: o.registry ?? new Registry(),
    projectDir: dir,
    saveVersion: o.saveVersion ?? '2030-01-01T00.00.00.000Z',
    loadVersions: o.loadVersions,
    hooks: o.hooks,
    runId: o.runId,
  });
  t.same(configErrors, [], 'the configuration itself loads cleanly');
  return { dir, catalog, errors };
};

/** A dataset type that records what the catalog handed its factory. */
const probeType = (seen: Array<{ options: unknown; credentials: unknown; name: string }>): DatasetType => ({
  name: 'probe',
  description: 'records its options and credentials',
  schema: {
    type: 'object',
    properties: { table: { type: 'string' } },
    required: ['table'],
    additionalProperties: false,
  },
  create: (options, ctx) => {
    seen.push({ options, credentials: ctx.credentials, name: ctx.name });
    return {
      load: () => ctx.credentials,
      save: () => undefined,
      describe: () => ({ type: 'probe', table: (options as { table: string }).table }),
    };
  },
});

/** An in-memory byte storage for `mem://` locations, recording the options each instance was made with. */
const memStorage = (made: StorageOptions[], blobs: Map<string, Buffer>) => ({
  protocol: 'mem',
  create(options: StorageOptions): Storage {
    made.push(options);
    return {
      protocol: 'mem',
      read: async (loc) => {
        const b = blobs.get(loc);
        if (!b) throw Object.assign(new Error(`no such key ${loc}`), { code: 'ENOENT' });
        return b;
      },
      write: async (loc, bytes) => void blobs.set(loc, Buffer.from(bytes)),
      exists: async (loc) => blobs.has(loc),
      list: async (loc) => [
        ...new Set(
          [...blobs.keys()].filter((k) => k.startsWith(`${loc}/`)).map((k) => k.slice(loc.length + 1).split('/')[0]!),
        ),
      ],
    };
  },
});

t.test(
  'missing, unknown and mistyped options and unknown types are all reported together, each at its file:line',
  async (t) => {
    const { catalog, errors } = build(t, {
      'conf/base/catalog.yaml': [
        'companies:', //              1
        '  type: json', //            2
        '  path: data/companies.json', // 3
        '  indnet: 2', //             4
        'shuttles:', //               5
        '  type: yaml', //            6
        'reviews:', //                7
        '  type: json', //            8
        '  path: data/reviews.json', // 9
        '  table: "yes"', //          10
        'model:', //                  11
        '  type: jsno', //            12
        '  path: data/model.json', // 13
        'good:', //                   14
        '  type: text', //            15
        '  path: data/good.txt', //   16
        '',
      ].join('\n'),
    });
    t.same(
      errors.map((e) => [e.code, e.message]),
      [
        [
          'DAGRUN_ERR_CATALOG_OPTIONS',
          "conf/base/catalog.yaml:4:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'companies' (json): " +
            "expected only known options, but got unknown option 'indnet'.\n  Hint: did you mean: 'indent'?",
        ],
        [
          'DAGRUN_ERR_CATALOG_OPTIONS',
          "conf/base/catalog.yaml:5:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'shuttles' (yaml): " +
            "expected option 'path', but got nothing.\n  Hint: add 'path: …' to this entry.",
        ],
        [
          'DAGRUN_ERR_CATALOG_OPTIONS',
          "conf/base/catalog.yaml:10:10 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'reviews' (json), " +
            'field \'table\': expected boolean, but got string "yes".',
        ],
        [
          'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
          "conf/base/catalog.yaml:12:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'model': " +
            "expected a registered dataset type, but got 'jsno'.\n  Hint: did you mean: 'json'?",
        ],
      ],
    );
    t.same(
      errors.map((e) => e.location),
      [
        { file: 'conf/base/catalog.yaml', line: 4, col: 3 },
        { file: 'conf/base/catalog.yaml', line: 5, col: 1 },
        { file: 'conf/base/catalog.yaml', line: 10, col: 10 },
        { file: 'conf/base/catalog.yaml', line: 12, col: 9 },
      ],
    );
    t.same(catalog.list(), ['good'], 'only the valid entry becomes a dataset');
    t.equal(catalog.has('companies'), false);
    t.equal(
      catalog.isBroken('companies'),
      true,
      'a broken entry is known, so it is not also reported as a missing input',
    );
    t.equal(catalog.isBroken('good'), false);
  },
);

t.test('an unknown type far from every known one lists the known types', async (t) => {
  const { errors } = build(t, { 'conf/base/catalog.yaml': 'model:\n  type: pickle\n  path: m.pkl\n' });
  t.equal(errors.length, 1);
  t.equal(errors[0]?.code, 'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE');
  t.equal(
    errors[0]?.message,
    "conf/base/catalog.yaml:2:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'model': " +
      "expected a registered dataset type, but got 'pickle'.\n" +
      '  Hint: known types: json, yaml, text, object, memory; plugins add more (list them in dagrun.yaml).',
  );
});

t.test("a type one of dagrun's plugins provides names the plugin to add, whatever other hint there was", async (t) => {
  const { errors } = build(t, {
    'conf/base/catalog.yaml':
      'orders:\n  type: csv\n  path: data/orders.csv\nsales:\n  type: parquet\n' +
      '  path: s.parquet\nbudget:\n  type: excel\n  path: b.xlsx\nlive:\n  type: postgres.table\n  table: t\n',
  });
  t.same(
    errors.map((e) => [e.code, e.message]),
    [
      [
        'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
        "conf/base/catalog.yaml:2:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'orders': " +
          "expected a registered dataset type, but got 'csv'.\n" +
          "  Hint: type 'csv' is provided by @dagrun/datasets-polars: add it to plugins in dagrun.yaml.",
      ],
      [
        'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
        "conf/base/catalog.yaml:5:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'sales': " +
          "expected a registered dataset type, but got 'parquet'.\n" +
          "  Hint: type 'parquet' is provided by @dagrun/datasets-polars: add it to plugins in dagrun.yaml.",
      ],
      [
        'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
        "conf/base/catalog.yaml:8:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'budget': " +
          "expected a registered dataset type, but got 'excel'.\n" +
          "  Hint: type 'excel' is provided by @dagrun/datasets-polars: add it to plugins in dagrun.yaml.",
      ],
      [
        'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
        "conf/base/catalog.yaml:11:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'live': " +
          "expected a registered dataset type, but got 'postgres.table'.\n  Hint: " +
          "type 'postgres.table' is provided by @dagrun/datasets-postgres: add it to plugins in dagrun.yaml.",
      ],
    ],
  );
});

t.test('malformed entries: not a mapping, no type, metadata not a mapping, a bad option value', async (t) => {
  const { errors } = build(t, {
    'conf/base/catalog.yaml': [
      'just_a_string: data/x.csv', // 1
      'no_type:', //                  2
      '  path: data/x.csv', //        3
      'meta:', //                     4
      '  type: text', //              5
      '  path: t.txt', //             6
      '  metadata: 3', //             7
      'enc:', //                      8
      '  type: text', //              9
      '  path: t.txt', //             10
      '  encoding: utf-8', //         11
      'mem:', //                      12
      '  type: memory', //            13
      '  copy_mode: deep', //         14
      '',
    ].join('\n'),
  });
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/catalog.yaml:1:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'just_a_string': " +
        "expected a mapping with a 'type', but got string.",
      "conf/base/catalog.yaml:2:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'no_type': " +
        "expected option 'type', but got nothing.\n  Hint: one of json, yaml, text, object, memory.",
      "conf/base/catalog.yaml:7:13 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'meta', field 'metadata': " +
        'expected a mapping, but got number.',
      "conf/base/catalog.yaml:11:13 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'enc' (text), " +
        'field \'encoding\': expected one of "utf8", "latin1", "ascii", "utf16le", but got string "utf-8".\n' +
        "  Hint: did you mean: 'utf8'?",
      "conf/base/catalog.yaml:14:14 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'mem' (memory), " +
        'field \'copy_mode\': expected one of "assign", "deepcopy", but got string "deep".\n' +
        "  Hint: did you mean: 'deepcopy'?",
    ],
  );
});

t.test("an error in an entry set by a higher layer names that layer's file", async (t) => {
  const { errors, catalog } = build(t, {
    'conf/base/catalog.yaml': 'companies:\n  type: json\n  path: data/companies.json\n',
    'conf/local/catalog.yaml': '# local override\ncompanies:\n  type: json\n  path: 42\n',
  });
  t.same(
    errors.map((e) => e.message),
    [
      "conf/local/catalog.yaml:4:9 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'companies' (json), field 'path': " +
        'expected string, but got number 42.',
    ],
  );
  t.same(catalog.list(), []);
});

t.test('a location whose protocol has no registered storage keeps its own code and names the entry', async (t) => {
  const { errors, catalog } = build(t, {
    'conf/base/catalog.yaml': 'ok:\n  type: memory\nremote:\n  type: text\n  path: gs://bucket/x.txt\n',
  });
  t.equal(errors.length, 1);
  t.equal(errors[0]?.code, 'DAGRUN_ERR_DATASET_STORAGE');
  t.equal(
    errors[0]?.message,
    "conf/base/catalog.yaml:3:1 [DAGRUN_ERR_DATASET_STORAGE] Location of dataset 'remote': " +
      "expected a protocol with a registered storage (file), but got 'gs://'.\n" +
      '  Hint: add a plugin that provides gs:// storage to plugins in dagrun.yaml.',
  );
  t.equal(catalog.isBroken('remote'), true);
  t.same(catalog.list(), ['ok']);
});

t.test('a dataset type whose factory throws is reported at its entry', async (t) => {
  const registry = new Registry();
  registry.registerDatasetType({
    name: 'fragile',
    description: 'throws when built',
    schema: { type: 'object' },
    create: () => {
      throw new Error('endpoint missing');
    },
  });
  const { errors, catalog } = build(
    t,
    { 'conf/base/catalog.yaml': '# fragile\nremote:\n  type: fragile\n' },
    { registry },
  );
  t.same(
    errors.map((e) => [e.code, e.message]),
    [
      [
        'DAGRUN_ERR_CATALOG_OPTIONS',
        "conf/base/catalog.yaml:2:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'remote': " +
          'expected a dataset to be built from it, but got endpoint missing.',
      ],
    ],
  );
  t.equal((errors[0]!.cause as Error).message, 'endpoint missing');
  t.equal(catalog.isBroken('remote'), true);
});

t.test('credentials named by an entry resolve from credentials.yaml (local over base, with ${env:})', async (t) => {
  const seen: Array<{ options: unknown; credentials: unknown; name: string }> = [];
  const made: StorageOptions[] = [];
  const blobs = new Map<string, Buffer>();
  const registry = new Registry();
  registry.registerDatasetType(probeType(seen));
  registry.registerStorage(memStorage(made, blobs));
  const { catalog, errors } = build(
    t,
    {
      'conf/base/credentials.yaml': 'warehouse:\n  user: base-user\n  password: base\n',
      'conf/local/credentials.yaml':
        'warehouse:\n  user: analyst\n  password: ${env:WH_PASSWORD}\nbucket:\n  key: k1\n',
      'conf/base/catalog.yaml': [
        'orders:',
        '  type: probe',
        '  table: orders',
        '  credentials: warehouse',
        '  metadata:',
        '    owner: data-team',
        'report:',
        '  type: text',
        '  path: mem://reports/report.txt',
        '  credentials: bucket',
        '',
      ].join('\n'),
    },
    { registry, environ: { WH_PASSWORD: 's3cret' } },
  );
  t.same(errors, []);
  t.same(
    seen,
    [{ name: 'orders', options: { table: 'orders' }, credentials: { user: 'analyst', password: 's3cret' } }],
    'credentials, type and metadata are not passed as options',
  );
  t.same(await catalog.load('orders'), { user: 'analyst', password: 's3cret' });
  t.same(
    made,
    [{ credentials: { key: 'k1' }, options: undefined }],
    "the storage is made with the entry's credentials",
  );
  await catalog.save('report', 'quarterly numbers');
  t.equal(blobs.get('mem://reports/report.txt')?.toString(), 'quarterly numbers');
  t.equal(await catalog.load('report'), 'quarterly numbers');
  t.same(
    catalog.describe('report'),
    { type: 'text', path: 'mem://reports/report.txt', versioned: false, storage: 'mem' },
    'describe() shows no secret',
  );
});

t.test('an unknown credentials name is DAGRUN_ERR_CONFIG_CREDENTIALS at the reference', async (t) => {
  const seen: Array<{ options: unknown; credentials: unknown; name: string }> = [];
  const registry = new Registry();
  registry.registerDatasetType(probeType(seen));
  const { catalog, errors } = build(
    t,
    {
      'conf/local/credentials.yaml': 'warehouse:\n  user: analyst\nbad_entry: just-a-string\n',
      'conf/base/catalog.yaml': [
        'orders:', //                     1
        '  type: probe', //               2
        '  table: orders', //             3
        '  credentials: warehose', //     4
        'refunds:', //                    5
        '  type: probe', //               6
        '  table: refunds', //            7
        '  credentials: nothing_close', // 8
        'returns:', //                    9
        '  type: probe', //               10
        '  table: returns', //            11
        '  credentials: {user: x}', //    12
        'flat:', //                       13
        '  type: probe', //               14
        '  table: flat', //               15
        '  credentials: bad_entry', //    16
        '',
      ].join('\n'),
    },
    { registry },
  );
  t.same(
    errors.map((e) => e.code),
    [
      'DAGRUN_ERR_CONFIG_CREDENTIALS',
      'DAGRUN_ERR_CONFIG_CREDENTIALS',
      'DAGRUN_ERR_CONFIG_CREDENTIALS',
      'DAGRUN_ERR_CONFIG_CREDENTIALS',
    ],
  );
  t.same(
    errors.map((e) => e.message),
    [
      'conf/base/catalog.yaml:4:16 [DAGRUN_ERR_CONFIG_CREDENTIALS] Credentials ' +
        "'warehose' of catalog entry 'orders': expected an entry in credentials.yaml, but got no such entry.\n" +
        "  Hint: did you mean: 'warehouse'?",
      "conf/base/catalog.yaml:8:16 [DAGRUN_ERR_CONFIG_CREDENTIALS] Credentials 'nothing_close' " +
        "of catalog entry 'refunds': expected an entry in credentials.yaml, but got no such entry.\n" +
        '  Hint: add it to conf/local/credentials.yaml (kept out of git).',
      "conf/base/catalog.yaml:12:16 [DAGRUN_ERR_CONFIG_CREDENTIALS] Catalog entry 'returns', " +
        "field 'credentials': expected the name of an entry in credentials.yaml, but got object.\n" +
        '  Hint: keep secrets in conf/local/credentials.yaml and reference them by name.',
      "conf/base/catalog.yaml:16:16 [DAGRUN_ERR_CONFIG_CREDENTIALS] Credentials 'bad_entry' " +
        "of catalog entry 'flat': expected a mapping (user: …, password: …) in credentials.yaml, but got string.",
    ],
  );
  t.same(seen, [], 'no dataset is built from an entry whose credentials fail');
  t.same(catalog.list(), []);
});

t.test('params:a.b, params:a and parameters load from the catalog', async (t) => {
  const { catalog, errors } = build(t, {
    'conf/base/parameters.yaml': 'model:\n  depth: 3\n  optimizer:\n    name: sgd\nseed: 7\n',
    'conf/local/parameters.yaml': 'model:\n  optimizer:\n    name: adam\n',
    'conf/base/catalog.yaml': 'companies:\n  type: json\n  path: data/companies.json\n',
  });
  t.same(errors, []);
  t.equal(await catalog.load('params:model.depth'), 3);
  t.equal(await catalog.load('params:model.optimizer.name'), 'adam');
  t.same(await catalog.load('params:model'), { depth: 3, optimizer: { name: 'adam' } });
  t.same(await catalog.load('parameters'), { model: { depth: 3, optimizer: { name: 'adam' } }, seed: 7 });
  t.equal(catalog.has('params:seed'), true);
  t.equal(catalog.has('params:model.width'), false);
  t.equal(catalog.isPersistent('params:seed'), true, 'a partial run can start from a parameter');
  t.equal(await catalog.exists('parameters'), true);
  t.same(catalog.describe('params:model.depth'), { type: 'parameter', value: 3 });
  t.equal(catalog.entryType('params:seed'), 'parameter');
  const err = await caught(() => catalog.load('params:model.dept'));
  t.equal(err.code, 'DAGRUN_ERR_CATALOG_UNKNOWN_DATASET');
  t.equal(
    err.message,
    "[DAGRUN_ERR_CATALOG_UNKNOWN_DATASET] Dataset 'params:model.dept': expected it in the catalog, " +
      "but got no such entry.\n  Hint: did you mean: 'params:model.depth', 'params:model'?",
  );
});

const FACTORIES = [
  '"{name}_csv":', //                  1
  '  type: text', //                   2
  '  path: data/{name}.csv', //        3
  '"{ns}.summary":', //                4
  '  type: json', //                   5
  '  path: data/{ns}/summary.json', // 6
  '  indent: 0', //                    7
  '"raw_{name}_csv":', //              8
  '  type: text', //                   9
  '  path: raw/{name}.txt', //         10
  '"{default}":', //                   11
  '  type: yaml', //                   12
  '  path: any/{default}.yaml', //     13
  'sales_csv:', //                     14
  '  type: text', //                   15
  '  path: explicit/sales.txt', //     16
  '',
].join('\n');

t.test('dataset factories match names and substitute placeholders; the most specific pattern wins', async (t) => {
  const { catalog, errors, dir } = build(t, { 'conf/base/catalog.yaml': FACTORIES });
  t.same(errors, []);
  t.same(catalog.list(), ['sales_csv'], 'patterns are not datasets until a name matches');
  t.same(
    catalog.patterns(),
    ['{ns}.summary', 'raw_{name}_csv', '{name}_csv', '{default}'],
    'most literal characters first, then fewest placeholders, then by name',
  );
  t.same(catalog.describe('orders_csv'), { type: 'text', path: 'data/orders.csv', versioned: false, storage: 'file' });
  t.same(catalog.describe('eu.summary'), {
    type: 'json',
    path: 'data/eu/summary.json',
    versioned: false,
    storage: 'file',
  });
  t.same(catalog.describe('emea.eu.summary'), {
    type: 'json',
    path: 'data/emea.eu/summary.json',
    versioned: false,
    storage: 'file',
  });
  t.same(
    catalog.describe('raw_orders_csv'),
    { type: 'text', path: 'raw/orders.txt', versioned: false, storage: 'file' },
    'raw_{name}_csv is more specific than {name}_csv',
  );
  t.same(
    catalog.describe('sales_csv'),
    { type: 'text', path: 'explicit/sales.txt', versioned: false, storage: 'file' },
    'an explicit entry beats every pattern',
  );
  t.same(
    catalog.describe('anything_else'),
    { type: 'yaml', path: 'any/anything_else.yaml', versioned: false, storage: 'file' },
    'the catch-all takes the rest',
  );
  t.equal(catalog.entryType('orders_csv'), 'text');
  t.equal(catalog.isDeclared('orders_csv'), true, 'a factory match counts as declared');
  t.equal(catalog.isPersistent('orders_csv'), true);

  await catalog.save('eu.summary', { total: 3 });
  t.equal(
    readText(dir, 'data/eu/summary.json'),
    '{"total":3}\n',
    'the pattern options (indent: 0) apply to the matched dataset',
  );
  t.same(await catalog.load('eu.summary'), { total: 3 });
  t.same(
    catalog.list(),
    ['sales_csv', 'orders_csv', 'eu.summary', 'emea.eu.summary', 'raw_orders_csv', 'anything_else'],
    'matched names are listed once resolved',
  );
});

t.test('a catch-all pattern does not capture parameter names', async (t) => {
  const { catalog } = build(t, {
    'conf/base/catalog.yaml': FACTORIES,
    'conf/base/parameters.yaml': 'model:\n  depth: 3\n',
  });
  t.equal(catalog.has('params:model.width'), false, 'an unknown parameter stays unknown');
  t.equal(catalog.isDeclared('params:model.depth'), false);
  t.equal(await catalog.load('params:model.depth'), 3);
  t.same(catalog.list(), ['sales_csv'], 'no file dataset was made up for a parameter');
  const err = await caught(() => catalog.load('params:model.width'));
  t.equal(err.code, 'DAGRUN_ERR_CATALOG_UNKNOWN_DATASET');
});

t.test('a factory entry with bad options is reported at load and its names count as broken', async (t) => {
  const { catalog, errors } = build(t, {
    'conf/base/catalog.yaml': '"{name}_csv":\n  type: text\n  path: data/{name}.csv\n  encodng: latin1\n',
  });
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/catalog.yaml:4:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry '{name}_csv' (text): " +
        "expected only known options, but got unknown option 'encodng'.\n  Hint: did you mean: 'encoding'?",
    ],
  );
  t.equal(catalog.has('orders_csv'), false);
  t.equal(catalog.isBroken('orders_csv'), true);
  t.equal(catalog.isBroken('orders_parquet'), false);
});

t.test('undeclared names become memory datasets only through addMemory or save', async (t) => {
  const { catalog, dir } = build(t, {
    'conf/base/catalog.yaml': 'companies:\n  type: json\n  path: data/companies.json\n',
  });
  t.equal(catalog.has('scratch'), false);
  t.equal(await catalog.exists('scratch'), false);
  t.same(catalog.describe('scratch'), { type: 'memory', declared: false });
  t.equal(catalog.entryType('scratch'), undefined);
  const unknown = await caught(() => catalog.load('companie'));
  t.equal(unknown.code, 'DAGRUN_ERR_CATALOG_UNKNOWN_DATASET');
  t.equal(
    unknown.message,
    "[DAGRUN_ERR_CATALOG_UNKNOWN_DATASET] Dataset 'companie': " +
      "expected it in the catalog, but got no such entry.\n  Hint: did you mean: 'companies'?",
  );
  t.equal(
    (await caught(() => catalog.load('zzz'))).message,
    "[DAGRUN_ERR_CATALOG_UNKNOWN_DATASET] Dataset 'zzz': expected it in the catalog, but got no such entry.",
  );
  t.equal(catalog.has('scratch'), false, 'a failed load does not make the name up');

  catalog.addMemory('scratch');
  t.equal(catalog.has('scratch'), true);
  t.equal(catalog.isDeclared('scratch'), false);
  t.equal(catalog.isPersistent('scratch'), false);
  t.equal(await catalog.exists('scratch'), false, 'nothing saved yet');
  t.same(catalog.describe('scratch'), { type: 'memory', copy_mode: 'assign', declared: false });
  const empty = await caught(() => catalog.load('scratch'));
  t.equal(empty.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    empty.message,
    "[DAGRUN_ERR_DATASET_LOAD] Memory dataset 'scratch': expected data saved earlier in this run, " +
      'but got nothing.\n  Hint: memory datasets live only during one run; ' +
      'run the node that produces it in the same run, or declare it in catalog.yaml with a file type.',
  );

  const value = { rows: [1, 2] };
  t.same(await catalog.save('intermediate', value), undefined, 'an undeclared save returns no location');
  t.equal(catalog.has('intermediate'), true);
  t.equal(await catalog.load('intermediate'), value, 'memory keeps the same object (assign)');
  t.same(catalog.list(), ['companies'], 'memory datasets are not listed as declared');
  await catalog.release('intermediate');
  t.equal(await catalog.exists('intermediate'), false, 'release drops the data');
  t.same(
    await import('node:fs').then((fs) => fs.readdirSync(dir)),
    ['dagrun.yaml', 'conf'].sort(),
    'nothing was written to disk',
  );

  catalog.feed('companies', [{ id: 1 }]);
  t.same(await catalog.load('companies'), [{ id: 1 }], 'feed() puts a value in front of a declared dataset');
  t.equal(existsSync(join(dir, 'data/companies.json')), false);
});

t.test('hooks fire around load and save with the documented event fields, in order', async (t) => {
  const calls: Array<[string, Record<string, unknown>]> = [];
  const hooks = new HookManager();
  hooks.register({
    beforeDatasetLoaded: (e) => void calls.push(['beforeDatasetLoaded', { ...e }]),
    afterDatasetLoaded: (e) => void calls.push(['afterDatasetLoaded', { ...e }]),
    beforeDatasetSaved: (e) => void calls.push(['beforeDatasetSaved', { ...e }]),
    afterDatasetSaved: (e) => void calls.push(['afterDatasetSaved', { ...e }]),
  });
  const { catalog, dir } = build(
    t,
    {
      'conf/base/catalog.yaml':
        'report:\n' +
        '  type: text\n  path: data/report.txt\n  versioned: true\nnotes:\n  type: text\n  path: data/notes.txt\n',
    },
    { hooks, runId: 'run-1', saveVersion: '2030-05-06T07.08.09.010Z' },
  );
  const n = node({ name: 'write_report', func: () => 'x', inputs: 'notes', outputs: 'report' });

  const info = await catalog.save('report', 'hello', n);
  t.same(info, {
    location: 'data/report.txt/2030-05-06T07.08.09.010Z/report.txt',
    version: '2030-05-06T07.08.09.010Z',
  });
  await catalog.save('notes', 'plain');
  t.equal(await catalog.load('report', n), 'hello');

  t.same(
    calls.map(([h, e]) => `${h}:${String(e.name)}`),
    [
      'beforeDatasetSaved:report',
      'afterDatasetSaved:report',
      'beforeDatasetSaved:notes',
      'afterDatasetSaved:notes',
      'beforeDatasetLoaded:report',
      'afterDatasetLoaded:report',
    ],
  );
  const [bs, as, , asNotes, bl, al] = calls.map(([, e]) => e);
  t.same(Object.keys(bs!).sort(), ['data', 'name', 'node', 'runId']);
  t.equal(bs!.runId, 'run-1');
  t.equal(bs!.node, n);
  t.equal(bs!.data, 'hello');
  t.same(Object.keys(as!).sort(), ['data', 'durationMs', 'location', 'name', 'node', 'runId', 'version']);
  t.equal(as!.version, '2030-05-06T07.08.09.010Z');
  t.ok(typeof as!.durationMs === 'number' && as!.durationMs >= 0);
  t.equal(asNotes!.version, undefined, 'an unversioned save has no version');
  t.equal(asNotes!.node, undefined, 'a save outside a node has no node');
  t.same(Object.keys(bl!).sort(), ['name', 'node', 'runId']);
  t.equal(bl!.node, n);
  t.same(Object.keys(al!).sort(), ['data', 'durationMs', 'name', 'node', 'runId']);
  t.equal(al!.data, 'hello');
  t.ok(typeof al!.durationMs === 'number' && al!.durationMs >= 0);

  // The before-save hook runs before anything touches disk: make it throw and nothing is written.
  const failing = new HookManager();
  failing.register({ beforeDatasetSaved: () => Promise.reject(new Error('veto')) });
  const vetoed = build(
    t,
    { 'conf/base/catalog.yaml': 'notes:\n  type: text\n  path: data/notes.txt\n' },
    { hooks: failing },
  );
  t.equal((await caught(() => vetoed.catalog.save('notes', 'x'))).message, 'veto');
  t.equal(existsSync(join(vetoed.dir, 'data/notes.txt')), false);
  t.equal(existsSync(join(dir, 'data/notes.txt')), true);
});

t.test('a failed load fires no after-hook and names the dataset; a failed save keeps the old data', async (t) => {
  const calls: string[] = [];
  const hooks = new HookManager();
  hooks.register({
    beforeDatasetLoaded: (e) => void calls.push(`beforeDatasetLoaded:${e.name}`),
    afterDatasetLoaded: (e) => void calls.push(`afterDatasetLoaded:${e.name}`),
    beforeDatasetSaved: (e) => void calls.push(`beforeDatasetSaved:${e.name}`),
    afterDatasetSaved: (e) => void calls.push(`afterDatasetSaved:${e.name}`),
  });
  const { catalog } = build(
    t,
    { 'conf/base/catalog.yaml': 'notes:\n  type: text\n  path: data/notes.txt\n' },
    { hooks },
  );
  const err = await caught(() => catalog.load('notes'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_LOAD] Dataset 'notes': expected a file at data/notes.txt, but got no such file.\n" +
      '  Hint: check `path` in the catalog entry, or run the pipeline that produces it.',
  );
  const mismatch = await caught(() => catalog.save('notes', { not: 'text' }));
  t.equal(mismatch.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.same(calls, ['beforeDatasetLoaded:notes'], 'a value of the wrong kind is refused before any save hook');
  const undef = await caught(() =>
    catalog.save('notes', undefined, node({ name: 'make_notes', func: () => undefined, outputs: 'notes' })),
  );
  t.equal(
    undef.message,
    "[DAGRUN_ERR_DATASET_UNDEFINED] Output 'notes' of node 'make_notes': expected a value, but got undefined.\n" +
      '  Hint: the function must return a value for each declared output (null is allowed).',
  );
  t.same(calls, ['beforeDatasetLoaded:notes'], 'undefined is refused before any hook');
});

t.test('--load-versions picks the version a versioned dataset loads', async (t) => {
  const files = { 'conf/base/catalog.yaml': 'model:\n  type: json\n  path: data/model.json\n  versioned: true\n' };
  const first = build(t, files, { saveVersion: '2030-01-01T00.00.00.000Z' });
  const dir = first.dir;
  await first.catalog.save('model', { v: 1 });
  const loader = new ConfigLoader({ projectDir: dir, environ: {} });
  const make = (saveVersion: string, loadVersions?: ReadonlyMap<string, string>) =>
    DataCatalog.create({
      config: loader.load('catalog', 'replace-top-level'),
      credentials: undefined,
      params: {},
      registry: new Registry(),
      projectDir: dir,
      saveVersion,
      loadVersions,
    }).catalog;
  await make('2030-02-01T00.00.00.000Z').save('model', { v: 2 });
  t.same(await make('x').load('model'), { v: 2 }, 'the newest by default');
  t.same(await make('x', new Map([['model', '2030-01-01T00.00.00.000Z']])).load('model'), { v: 1 });
  const err = await caught(() => make('x', new Map([['model', '2029-01-01T00.00.00.000Z']])).load('model'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_VERSION');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_VERSION] Version of dataset 'model': " +
      "expected '2029-01-01T00.00.00.000Z' to exist under data/model.json, but got no such version.\n" +
      '  Hint: versions present (newest first): 2030-02-01T00.00.00.000Z, 2030-01-01T00.00.00.000Z.',
  );
});

t.test('close() closes the storages the catalog opened', async (t) => {
  let closed = 0;
  const registry = new Registry();
  registry.registerStorage({
    protocol: 'mem',
    create: () => ({
      protocol: 'mem',
      read: async () => Buffer.from('x'),
      write: async () => undefined,
      exists: async () => true,
      list: async () => [],
      close: async () => void closed++,
    }),
  });
  const { catalog } = build(
    t,
    { 'conf/base/catalog.yaml': 'a:\n  type: text\n  path: mem://b/a.txt\nb:\n  type: text\n  path: mem://b/b.txt\n' },
    { registry },
  );
  t.equal(await catalog.load('a'), 'x');
  await catalog.close();
  t.equal(closed, 1, 'one storage per protocol and options, closed once');
});
