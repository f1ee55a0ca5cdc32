import t from 'tap';
import { ConfigLoader, deepMerge } from './config.js';
import { ConfigError, type DagrunError } from './errors.js';
import { caughtSync, makeProject } from '../../test/helpers/project.js';

const YAML_HINT = '\n  Hint: check indentation and quoting at that line; a value with ":" or "#" needs quotes.';

const LAYERS = {
  'conf/base/catalog.yaml': [
    'companies:', //                       1
    '  type: csv', //                      2
    '  path: data/base/companies.csv', //  3
    '  separator: ";"', //                 4
    'shuttles:', //                        5
    '  type: parquet', //                  6
    '  path: data/shuttles.parquet', //    7
    'reviews:', //                         8
    '  type: csv', //                      9
    '  path: data/reviews.csv', //         10
    '',
  ].join('\n'),
  'conf/local/catalog.yaml': [
    'companies:', //                            1
    '  type: parquet', //                       2
    '  path: data/local/companies.parquet', //  3
    '',
  ].join('\n'),
  'conf/prod/catalog.yaml': ['shuttles:', '  type: json', '  path: s3://bucket/shuttles.json', ''].join('\n'),
  'conf/base/parameters.yaml': [
    'model:',
    '  depth: 3',
    '  rate: 0.1',
    '  layers: [8, 8, 4]',
    '  optimizer:',
    '    name: sgd',
    '    momentum: 0.9',
    'seed: 1',
    '',
  ].join('\n'),
  'conf/local/parameters.yaml': [
    'model:',
    '  depth: 5',
    '  optimizer:',
    '    name: adam',
    'extra: from-local',
    '',
  ].join('\n'),
  'conf/prod/parameters.yaml': ['model:', '  rate: 0.5', '  layers: [16]', ''].join('\n'),
};

t.test('base < local: catalog entries are replaced whole, parameters merge deeply', async (t) => {
  const dir = makeProject(t, LAYERS);
  const loader = new ConfigLoader({ projectDir: dir, environ: {} });
  t.same(loader.envs, ['base', 'local']);
  const errors: DagrunError[] = [];
  const catalog = loader.load('catalog', 'replace-top-level', errors);
  const params = loader.load('parameters', 'deep', errors);
  t.same(errors, []);
  t.strictSame(catalog.data, {
    companies: { type: 'parquet', path: 'data/local/companies.parquet' }, // no `separator` left over from base
    shuttles: { type: 'parquet', path: 'data/shuttles.parquet' },
    reviews: { type: 'csv', path: 'data/reviews.csv' },
  });
  t.strictSame(params.data, {
    model: { depth: 5, rate: 0.1, layers: [8, 8, 4], optimizer: { name: 'adam', momentum: 0.9 } },
    seed: 1,
    extra: 'from-local',
  });
  t.same(
    catalog.locate(['companies', 'path']),
    { file: 'conf/local/catalog.yaml', line: 3, col: 9 },
    'a value is located in the layer that set it',
  );
  t.same(catalog.locate(['reviews'], true), { file: 'conf/base/catalog.yaml', line: 8, col: 1 });
  t.equal(loader.load('catalog', 'replace-top-level'), catalog, 'a section is read once and cached');
});

t.test('--env adds conf/<env> on top of base and local', async (t) => {
  const dir = makeProject(t, LAYERS);
  const loader = new ConfigLoader({ projectDir: dir, env: 'prod', environ: {} });
  t.same(loader.envs, ['base', 'local', 'prod']);
  const errors: DagrunError[] = [];
  const catalog = loader.load('catalog', 'replace-top-level', errors);
  const params = loader.load('parameters', 'deep', errors);
  t.same(errors, []);
  t.strictSame(catalog.data.shuttles, { type: 'json', path: 's3://bucket/shuttles.json' });
  t.strictSame(catalog.data.companies, { type: 'parquet', path: 'data/local/companies.parquet' });
  t.strictSame(params.data, {
    // lists are replaced, not appended
    model: { depth: 5, rate: 0.5, layers: [16], optimizer: { name: 'adam', momentum: 0.9 } },
    seed: 1,
    extra: 'from-local',
  });
  t.same(catalog.locate(['shuttles', 'path']), { file: 'conf/prod/catalog.yaml', line: 3, col: 9 });

  t.same(
    new ConfigLoader({ projectDir: dir, env: 'local' }).envs,
    ['base', 'local'],
    '--env local does not add local twice',
  );
  t.same(new ConfigLoader({ projectDir: dir, env: 'base' }).envs, ['base', 'local']);
});

t.test(
  'an --env folder that does not exist is DAGRUN_ERR_CONFIG_NOT_FOUND listing the environments present',
  async (t) => {
    const dir = makeProject(t, LAYERS);
    const err = caughtSync(() => new ConfigLoader({ projectDir: dir, env: 'staging' }));
    t.ok(err instanceof ConfigError);
    t.equal(err.code, 'DAGRUN_ERR_CONFIG_NOT_FOUND');
    t.equal(err.detail, "Environment 'staging': expected a folder conf/staging, but got no such folder.");
    t.equal(
      err.message,
      "[DAGRUN_ERR_CONFIG_NOT_FOUND] Environment 'staging': " +
        'expected a folder conf/staging, but got no such folder.\n  Hint: environments present: base, local, prod.',
    );

    const custom = makeProject(t, { 'settings/base/catalog.yaml': 'a: {type: memory}\n' });
    const err2 = caughtSync(() => new ConfigLoader({ projectDir: custom, confDir: 'settings', env: 'prod' }));
    t.equal(
      err2.message,
      "[DAGRUN_ERR_CONFIG_NOT_FOUND] Environment 'prod': " +
        'expected a folder settings/prod, but got no such folder.\n  Hint: environments present: base.',
    );
    const loaded = new ConfigLoader({ projectDir: custom, confDir: 'settings' }).load('catalog', 'replace-top-level');
    t.strictSame(loaded.data, { a: { type: 'memory' } }, 'confDir moves the configuration folder');
  },
);

t.test('name_*.yaml and .yml files of one environment are read together; other names are not', async (t) => {
  const dir = makeProject(t, {
    'conf/base/catalog.yaml': 'a:\n  type: memory\n',
    'conf/base/catalog_raw.yaml': 'b:\n  type: text\n  path: b.txt\n',
    'conf/base/catalog_models.yml': 'c:\n  type: object\n  path: c.json\n',
    'conf/base/catalogue.yaml': 'not_read_1:\n  type: memory\n',
    'conf/base/my_catalog.yaml': 'not_read_2:\n  type: memory\n',
    'conf/base/catalog.json': '{"not_read_3": {}}',
    'conf/local/catalog_secret.yaml': 'b:\n  type: text\n  path: local-b.txt\n',
  });
  const errors: DagrunError[] = [];
  const section = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level', errors);
  t.same(errors, []);
  t.strictSame(section.data, {
    a: { type: 'memory' },
    c: { type: 'object', path: 'c.json' },
    b: { type: 'text', path: 'local-b.txt' },
  });
  t.same(
    section.sources.map((s) => s.file),
    [
      'conf/base/catalog.yaml',
      'conf/base/catalog_models.yml',
      'conf/base/catalog_raw.yaml',
      'conf/local/catalog_secret.yaml',
    ],
  );
  t.same(section.locate(['c', 'path']), { file: 'conf/base/catalog_models.yml', line: 3, col: 9 });
});

t.test('the same key twice in one environment is DAGRUN_ERR_CONFIG_SCHEMA at the second one', async (t) => {
  const dir = makeProject(t, {
    'conf/base/parameters.yaml': 'model:\n  depth: 3\nseed: 1\n',
    'conf/base/parameters_tuning.yaml': '# tuning\nlr: 0.1\nmodel:\n  depth: 9\n',
    'conf/local/parameters.yaml': 'seed: 2\n', // a higher layer may set it again
  });
  const errors: DagrunError[] = [];
  const params = new ConfigLoader({ projectDir: dir, environ: {} }).load('parameters', 'deep', errors);
  t.equal(errors.length, 1);
  const [err] = errors;
  t.equal(err?.code, 'DAGRUN_ERR_CONFIG_SCHEMA');
  t.same(err?.location, { file: 'conf/base/parameters_tuning.yaml', line: 3, col: 1 });
  t.equal(
    err?.message,
    'conf/base/parameters_tuning.yaml:3:1 ' +
      "[DAGRUN_ERR_CONFIG_SCHEMA] Key 'model' in 'conf/base/parameters_tuning.yaml': " +
      "expected each key once per environment, but got it in 'conf/base/parameters.yaml' too.",
  );
  t.equal(params.data.seed, 2);
});

t.test('a __proto__ key is DAGRUN_ERR_CONFIG_SCHEMA, never a replaced prototype', async (t) => {
  const dir = makeProject(t, { 'conf/base/parameters.yaml': 'model:\n  depth: 3\n  __proto__:\n    polluted: true\n' });
  const errors: DagrunError[] = [];
  const params = new ConfigLoader({ projectDir: dir, environ: {} }).load('parameters', 'deep', errors);
  t.equal(errors.length, 1);
  t.equal(
    errors[0]?.message,
    'conf/base/parameters.yaml:3:3 [DAGRUN_ERR_CONFIG_SCHEMA] Key ' +
      "'model.__proto__' in 'conf/base/parameters.yaml': expected a key other than __proto__, but got __proto__.\n" +
      '  Hint: rename the key; __proto__ cannot be a configuration key.',
  );
  const model = params.data.model as Record<string, unknown>;
  t.equal(Object.getPrototypeOf(model), Object.prototype, 'the prototype is untouched');
  t.equal(model.polluted, undefined);
  t.same(model, { depth: 3 });
});

t.test('${env:VAR} and ${env:VAR,default} interpolate, typed when the whole string is one interpolation', async (t) => {
  const dir = makeProject(t, {
    'conf/base/parameters.yaml': [
      'db:',
      '  port: ${env:DB_PORT}',
      '  host: ${env:DB_HOST,localhost}',
      '  url: postgres://${env:DB_HOST,localhost}:${env:DB_PORT}/app',
      '  ssl: ${env:DB_SSL,false}',
      '  ratio: ${env:RATIO,0.25}',
      '  label: "${env:LABEL}"',
      '  empty: "${env:UNSET_EMPTY,}"',
      '  with_comma: ${env:UNSET_LIST,a,b}',
      '  list: ["${env:DB_PORT}", "x-${env:DB_PORT}"]',
      '',
    ].join('\n'),
    'conf/base/catalog.yaml': 'companies:\n  type: csv\n  path: ${env:DATA_DIR,data}/companies.csv\n',
  });
  const errors: DagrunError[] = [];
  const loader = new ConfigLoader({
    projectDir: dir,
    environ: { DB_PORT: '5432', LABEL: '007', DATA_DIR: '/mnt/data' },
  });
  const params = loader.load('parameters', 'deep', errors);
  const catalog = loader.load('catalog', 'replace-top-level', errors);
  t.same(errors, []);
  t.strictSame(params.data.db, {
    port: 5432,
    host: 'localhost',
    url: 'postgres://localhost:5432/app',
    ssl: false,
    ratio: 0.25,
    label: '007', // a whole interpolation is typed only when lossless: 007 would lose its zeros
    empty: '',
    with_comma: 'a,b',
    list: [5432, 'x-5432'],
  });
  t.strictSame(catalog.data.companies, { type: 'csv', path: '/mnt/data/companies.csv' });
});

t.test('interpolation reads process.env when no environ is given', async (t) => {
  const name = `DAGRUN_TEST_VAR_${process.pid}`;
  process.env[name] = 'from-process';
  t.teardown(() => delete process.env[name]);
  const dir = makeProject(t, { 'conf/base/parameters.yaml': `who: \${env:${name}}\n` });
  t.strictSame(new ConfigLoader({ projectDir: dir }).load('parameters', 'deep').data, { who: 'from-process' });
});

t.test('a missing variable with no default is DAGRUN_ERR_CONFIG_ENV_VAR naming file:line', async (t) => {
  const dir = makeProject(t, {
    'conf/base/parameters.yaml': 'a: 1\n',
    'conf/local/credentials.yaml': [
      'warehouse:', //                      1
      '  user: analyst', //                 2
      '  password: ${env:WH_PASSWORD}', //  3
      '  hosts:', //                        4
      '    - main', //                      5
      '    - "${env:WH_REPLICA}:5432"', //  6
      '',
    ].join('\n'),
  });
  const errors: DagrunError[] = [];
  const creds = new ConfigLoader({ projectDir: dir, environ: {} }).load('credentials', 'replace-top-level', errors);
  t.equal(errors.length, 2, 'every missing variable is reported');
  t.same(
    errors.map((e) => e.code),
    ['DAGRUN_ERR_CONFIG_ENV_VAR', 'DAGRUN_ERR_CONFIG_ENV_VAR'],
  );
  t.same(
    errors.map((e) => e.location),
    [
      { file: 'conf/local/credentials.yaml', line: 3, col: 13 },
      { file: 'conf/local/credentials.yaml', line: 6, col: 7 },
    ],
  );
  t.equal(
    errors[0]?.message,
    'conf/local/credentials.yaml:3:13 [DAGRUN_ERR_CONFIG_ENV_VAR] Environment ' +
      "variable 'WH_PASSWORD' in 'conf/local/credentials.yaml': expected it to be set, but got nothing.\n" +
      '  Hint: export WH_PASSWORD=… before running, or give a default: ${env:WH_PASSWORD,value}.',
  );
  t.equal(
    errors[1]?.detail,
    "Environment variable 'WH_REPLICA' in 'conf/local/credentials.yaml': expected it to be set, but got nothing.",
  );
  t.equal(errors[0]?.hint, 'Hint: export WH_PASSWORD=… before running, or give a default: ${env:WH_PASSWORD,value}.');
  // The unresolved reference stays as written, so the schema check adds no second error about it.
  t.strictSame(creds.data.warehouse, {
    user: 'analyst',
    password: '${env:WH_PASSWORD}',
    hosts: ['main', '${env:WH_REPLICA}:5432'],
  });
});

t.test('a YAML syntax error is DAGRUN_ERR_CONFIG_YAML with file:line:col; the other files still load', async (t) => {
  const dir = makeProject(t, {
    'conf/base/catalog.yaml': 'companies:\n  type: csv\n  path: "data/companies.csv\n',
    'conf/base/catalog_more.yaml': 'shuttles:\n  type: memory\n',
    'conf/local/catalog.yaml': 'reviews:\n  type: text\n   path: r.txt\n',
  });
  const errors: DagrunError[] = [];
  const section = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level', errors);
  t.same(
    errors.map((e) => e.code),
    ['DAGRUN_ERR_CONFIG_YAML', 'DAGRUN_ERR_CONFIG_YAML'],
  );
  t.equal(
    errors[0]?.message,
    `conf/base/catalog.yaml:4:1 [DAGRUN_ERR_CONFIG_YAML] Invalid YAML in 'conf/base/catalog.yaml': ` +
      `Missing closing "quote.${YAML_HINT}`,
  );
  t.same(errors[0]?.location, { file: 'conf/base/catalog.yaml', line: 4, col: 1 });
  t.equal(
    errors[1]?.message,
    `conf/local/catalog.yaml:2:9 [DAGRUN_ERR_CONFIG_YAML] Invalid YAML in 'conf/local/catalog.yaml': ` +
      `Nested mappings are not allowed in compact mappings (and 1 more).${YAML_HINT}`,
  );
  t.strictSame(section.data, { shuttles: { type: 'memory' } });
});

t.test('a file that is not a mapping is DAGRUN_ERR_CONFIG_SCHEMA', async (t) => {
  const dir = makeProject(t, {
    'conf/base/parameters.yaml': '- 1\n- 2\n',
    'conf/base/parameters_x.yaml': '42\n',
  });
  const errors: DagrunError[] = [];
  const section = new ConfigLoader({ projectDir: dir, environ: {} }).load('parameters', 'deep', errors);
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/parameters.yaml:1:1 [DAGRUN_ERR_CONFIG_SCHEMA] Configuration file 'conf/base/parameters.yaml': " +
        'expected a mapping of keys to values, but got a list.',
      'conf/base/parameters_x.yaml:1:1 [DAGRUN_ERR_CONFIG_SCHEMA] ' +
        "Configuration file 'conf/base/parameters_x.yaml': expected a mapping of keys to values, but got number 42.",
    ],
  );
  t.strictSame(section.data, {});
});

t.test('a project without conf/local or the section file loads empty, without errors', async (t) => {
  const dir = makeProject(t, { 'conf/base/parameters.yaml': 'a: 1\n' });
  const errors: DagrunError[] = [];
  const loader = new ConfigLoader({ projectDir: dir, environ: {} });
  t.strictSame(loader.load('parameters', 'deep', errors).data, { a: 1 });
  const creds = loader.load('credentials', 'replace-top-level', errors);
  t.strictSame(creds.data, {});
  t.same(creds.locate(['x']), { file: 'credentials.yaml' });
  t.same(errors, []);
});

t.test('deepMerge merges plain objects key by key and replaces everything else', async (t) => {
  const base = { a: { b: 1, c: [1, 2] }, d: 'x', e: { f: 1 } };
  const merged = deepMerge(base, { a: { c: [3] }, e: null, g: true });
  t.strictSame(merged, { a: { b: 1, c: [3] }, d: 'x', e: null, g: true });
  t.strictSame(base, { a: { b: 1, c: [1, 2] }, d: 'x', e: { f: 1 } }, 'the inputs are not mutated');
});
