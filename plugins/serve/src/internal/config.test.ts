// serve.yaml: defaults, layering (conf/local, --env), and every problem as an error naming file:line and
// the field; the model and the pipeline's inputs/outputs checked when the model is loaded.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openProject, type DagrunError } from '@dagrun/core';
import t, { type Test } from 'tap';
import { copyProject, environ, trainedProject } from '../../test/fixture.js';
import { durationMs, loadServeConfig, reloadEveryMs, type ServeConfig } from './config.js';
import { loadModel } from './model.js';

const FILE = 'conf/base/serve.yaml';

const dir = await trainedProject(t, 'config');
const BASE = readFileSync(join(dir, FILE), 'utf8');

/** loadServeConfig with conf/base/serve.yaml = `text` (restored afterwards). */
const load = async (text: string, env: Record<string, string | undefined> = environ(), opts: { env?: string } = {}) => {
  writeFileSync(join(dir, FILE), text);
  try {
    const project = await openProject({ projectDir: dir, environ: env, env: opts.env });
    return { project, ...loadServeConfig(project) };
  } finally {
    writeFileSync(join(dir, FILE), BASE);
  }
};

/** The 1-based line of the first line of `text` that holds `needle`. */
const lineOf = (text: string, needle: string): number => {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line holds ${needle}`);
  return i + 1;
};

const replaced = (from: string, to: string): string => {
  if (!BASE.includes(from)) throw new Error(`serve.yaml has no ${from}`);
  return BASE.replace(from, to);
};

const only = (t: Test, errors: readonly DagrunError[]): DagrunError => {
  t.equal(errors.length, 1, `one error: ${errors.map((e) => e.message).join(' | ')}`);
  return errors[0]!;
};

t.test(
  "the property project's serve.yaml loads, with empty keys dropped and an empty JWT secret meaning off",
  async (t) => {
    const { config, errors } = await load(
      BASE,
      environ({ PROPERTY_ADMIN_KEY: undefined, PROPERTY_JWT_SECRET: undefined }),
    );
    t.same(errors, []);
    t.match(config, {
      pipeline: 'inference',
      input: 'property_request',
      output: 'predictions',
      model: { dataset: 'served_model', metrics: 'metrics', reload_every: '10 seconds' },
      max_batch: 1000,
      body_limit: 1048576,
      rate_limit: { max: 600000, window: '1 minute', headers: false, failed_auth: 30 },
      prediction_log: { path: 'data/09_monitoring/predictions-{date}.jsonl' },
      compat: { enabled: true, ignore_fields: ['price'] },
      port: 8000,
      host: '127.0.0.1',
    });
    t.same(
      config!.auth.api_keys.map((k) => k.client),
      ['default'],
      'the admin key is empty, so dropped',
    );
    t.equal(config!.auth.api_keys[0]!.key, 'predict-key-abcdefghijklmnop', 'the key comes from the environment');
    t.equal(config!.auth.jwt, undefined, 'JWT off');
    t.same(config!.auth.public, ['health', 'docs']);
    t.same(config!.record_schema.required, [
      'type',
      'sector',
      'net_usable_area',
      'net_area',
      'n_rooms',
      'n_bathroom',
      'latitude',
      'longitude',
    ]);
  },
);

t.test('with every variable set: both keys and the JWT secret', async (t) => {
  const { config } = await load(BASE);
  t.same(
    config!.auth.api_keys.map((k) => [k.client, k.scopes]),
    [
      ['default', ['predict']],
      ['admin', ['predict', 'admin']],
    ],
  );
  t.same(config!.auth.jwt, { secret: 'jwt-secret-for-tests-only-abcdefghijkl', clock_tolerance: '30 seconds' });
});

t.test('a minimal serve.yaml gets every default', async (t) => {
  const minimal = [
    'pipeline: inference',
    'input: property_request',
    'output: predictions',
    'model: { dataset: model }',
    'record_schema: { type: object, properties: {} }',
    '',
  ].join('\n');
  const { config, errors } = await load(minimal);
  t.same(errors, []);
  t.same(config, {
    pipeline: 'inference',
    input: 'property_request',
    output: 'predictions',
    model: { dataset: 'model' },
    record_schema: { type: 'object', properties: {} },
    max_batch: 1000,
    body_limit: 1_048_576,
    rate_limit: { max: 600_000, window: '1 minute', headers: false, failed_auth: 30 },
    prediction_log: { path: 'data/09_monitoring/predictions-{date}.jsonl' },
    access_log: 'stdout',
    compat: { enabled: false, ignore_fields: [] },
    port: 8000,
    host: '127.0.0.1',
    request_timeout: '10 seconds',
    headers_timeout: '5 seconds',
    keep_alive_timeout: '5 seconds',
    auth: { api_keys: [], jwt: undefined, public: ['health', 'docs'] },
  } satisfies ServeConfig);
});

t.test('conf/local and --env layers are deep-merged over conf/base', async (t) => {
  writeFileSync(join(dir, 'conf/local/serve.yaml'), 'rate_limit:\n  max: 5\nport: 9001\n');
  mkdirSync(join(dir, 'conf/prod'), { recursive: true });
  writeFileSync(join(dir, 'conf/prod/serve.yaml'), 'max_batch: 10\nauth:\n  public: [health]\n');
  t.teardown(() => {
    rmSync(join(dir, 'conf/local/serve.yaml'), { force: true });
    rmSync(join(dir, 'conf/prod'), { recursive: true, force: true });
  });
  const local = await load(BASE);
  t.same(local.errors, []);
  t.same(
    local.config!.rate_limit,
    { max: 5, window: '1 minute', headers: false, failed_auth: 30 },
    'window kept from conf/base',
  );
  t.equal(local.config!.port, 9001);
  t.equal(local.config!.max_batch, 1000);
  const prod = await load(BASE, environ(), { env: 'prod' });
  t.same(prod.errors, []);
  t.equal(prod.config!.max_batch, 10);
  t.same(prod.config!.auth.public, ['health']);
  t.same(
    prod.config!.auth.api_keys.map((k) => k.client),
    ['default', 'admin'],
    'the keys of conf/base are kept',
  );
});

t.test('serve.yaml problems: each an error naming file:line and the field', async (t) => {
  const cases: Array<{
    name: string;
    text: string;
    env?: Record<string, string | undefined>;
    line: string;
    code?: string;
    has: string[];
    not?: string[];
  }> = [
    {
      name: 'missing pipeline key',
      text: replaced('pipeline: inference\n', ''),
      line: 'input: property_request',
      has: ["Serving configuration: expected option 'pipeline', but got nothing."],
    },
    {
      name: 'unknown key',
      text: replaced('body_limit: 1048576', 'max_batches: 3\nbody_limit: 1048576'),
      line: 'max_batches: 3',
      has: ["unknown option 'max_batches'", "did you mean: 'max_batch'"],
    },
    {
      name: 'bad scope',
      text: replaced('scopes: [predict]\n', 'scopes: [predict, root]\n'),
      line: 'scopes: [predict, root]',
      has: ["field 'auth.api_keys.0.scopes.1'", 'expected one of "predict", "admin"', '"root"'],
    },
    {
      name: 'a too-short key',
      text: BASE,
      env: environ({ PROPERTY_API_KEY: 'short-key' }),
      line: 'key: ${env:PROPERTY_API_KEY}',
      has: ["field 'auth.api_keys.0.key'", 'at least 16 characters, but got 9', 'openssl rand'],
      not: ['short-key'],
    },
    {
      name: 'both key and key_sha256',
      text: replaced(
        '      key: ${env:PROPERTY_API_KEY}\n',
        `      key: \${env:PROPERTY_API_KEY}\n      key_sha256: ${'ab'.repeat(32)}\n`,
      ),
      line: '- client: default',
      has: ["field 'auth.api_keys.0'", 'expected one of key or key_sha256, but got both'],
    },
    {
      name: 'an unset ${env:VAR} without default',
      text: BASE,
      env: environ({ PROPERTY_API_KEY: undefined }),
      line: 'key: ${env:PROPERTY_API_KEY}',
      code: 'DAGRUN_ERR_CONFIG_ENV_VAR',
      has: ["Environment variable 'PROPERTY_API_KEY'", "'conf/base/serve.yaml'", 'expected it to be set'],
    },
    {
      name: 'a key_sha256 that is not 64 hex digits',
      text: replaced('      key: ${env:PROPERTY_ADMIN_KEY,}', '      key_sha256: ABCDEF'),
      line: 'key_sha256: ABCDEF',
      has: ["field 'auth.api_keys.1.key_sha256'", '"ABCDEF"'],
    },
    {
      name: 'a client id with a space',
      text: replaced('client: default', 'client: my client'),
      line: 'client: my client',
      has: ["field 'auth.api_keys.0.client'", '"my client"'],
    },
    {
      name: 'a JWT secret under 32 bytes',
      text: BASE,
      env: environ({ PROPERTY_JWT_SECRET: 'short-secret-of-31-bytes-xxxxxx' }),
      line: 'secret: ${env:PROPERTY_JWT_SECRET,}',
      has: [
        "Serving configuration, field 'auth.jwt.secret': expected a secret of at least 32 bytes (HS256, RFC 7518 " +
          '§3.2), but got 31.\n  Hint: generate one with `openssl rand -hex 32`.',
      ],
      not: ['short-secret'],
    },
    {
      name: 'the JWT secret under its old name',
      text: replaced('  jwt:', '  jwt_secret: x\n  jwt:'),
      line: 'jwt_secret: x',
      has: ["unknown option 'auth.jwt_secret'", "did you mean: 'jwt'"],
    },
    {
      name: 'a request timeout shorter than the headers timeout',
      text: replaced('request_timeout: 10 seconds', 'request_timeout: 2 seconds'),
      line: 'request_timeout: 2 seconds',
      has: [
        "Serving configuration, field 'request_timeout': expected at least headers_timeout (5 seconds): the whole " +
          'request includes its headers, but got 2 seconds.',
      ],
    },
    {
      name: 'a request timeout that is not a duration',
      text: replaced('request_timeout: 10 seconds', 'request_timeout: 10'),
      line: 'request_timeout: 10',
      has: ["field 'request_timeout'", '10'],
    },
    {
      name: 'max_batch 0',
      text: replaced('max_batch: 1000', 'max_batch: 0'),
      line: 'max_batch: 0',
      has: ["field 'max_batch'", '>= 1'],
    },
    {
      name: 'body_limit as a string',
      text: replaced('body_limit: 1048576', 'body_limit: 1MB'),
      line: 'body_limit: 1MB',
      has: ["field 'body_limit'", 'integer', '"1MB"'],
    },
    {
      name: 'a rate-limit window that is not a duration',
      text: replaced('window: 1 minute', 'window: soon'),
      line: 'window: soon',
      has: ["field 'rate_limit.window'", '"soon"'],
    },
    {
      name: 'a failed-auth lockout of zero',
      text: replaced('failed_auth: 30', 'failed_auth: 0'),
      line: 'failed_auth: 0',
      has: ["field 'rate_limit.failed_auth'", '>= 1'],
    },
    {
      name: 'a reload interval that is not a duration',
      text: replaced('reload_every: 10 seconds', 'reload_every: often'),
      line: 'reload_every: often',
      has: [
        "Serving configuration, field 'model.reload_every': expected a duration (a number and a unit: ms, s, " +
          'minute, hour) or off, but got "often".\n  Hint: e.g. reload_every: 10 seconds; off (or 0) never looks for ' +
          'a new version.',
      ],
    },
    {
      name: 'a reload interval without a unit',
      // 0 needs none (it is off); any other number would be a guess at the unit.
      text: replaced('reload_every: 10 seconds', 'reload_every: 5'),
      line: 'reload_every: 5',
      has: [
        "field 'model.reload_every': expected a duration (a number and a unit: ms, s, minute, hour) or off, but got 5.",
      ],
    },
    {
      name: 'an unknown public route',
      text: replaced('public: [health, docs]', 'public: [health, admin]'),
      line: 'public: [health, admin]',
      has: ["field 'auth.public.1'", '"admin"'],
    },
  ];
  for (const c of cases) {
    const { config, errors } = await load(c.text, c.env);
    t.equal(config, undefined, `${c.name}: no configuration`);
    const err = only(t, errors);
    t.equal(err.code, c.code ?? 'DAGRUN_ERR_CONFIG_SCHEMA', `${c.name}: code`);
    t.match(
      err.message,
      new RegExp(`^${FILE.replace(/\./g, '\\.')}:${lineOf(c.text, c.line)}:\\d+ \\[${err.code}\\] `),
      `${c.name}: file:line of '${c.line}'`,
    );
    for (const h of c.has) t.match(err.message, h, `${c.name}: says ${h}`);
    for (const n of c.not ?? []) t.notMatch(err.message, n, `${c.name}: does not print ${n}`);
  }
});

t.test('several problems are reported together', async (t) => {
  const text = replaced('max_batch: 1000', 'max_batch: -1\nmax_batches: 3').replace(
    'scopes: [predict]',
    'scopes: [root]',
  );
  const { errors } = await load(text);
  t.equal(errors.length, 3, errors.map((e) => e.message).join(' | '));
  t.same(
    errors.map((e) => e.location?.line).sort((a, b) => a! - b!),
    [lineOf(text, 'max_batch: -1'), lineOf(text, 'max_batches'), lineOf(text, 'scopes: [root]')],
  );
});

t.test('an API key that is all digits is kept as a string (and never printed)', async (t) => {
  const digits = '12345678901234567890';
  const { config, errors } = await load(BASE, environ({ PROPERTY_API_KEY: digits }));
  t.same(
    errors.map((e) => e.message),
    [],
  );
  t.equal(config?.auth.api_keys[0]?.key, digits);
  for (const e of errors) t.notMatch(e.message, '1234567890123456');
});

t.test('a key longer than the 512 characters ApiKeys.verify accepts is refused when loading', async (t) => {
  const { errors } = await load(BASE, environ({ PROPERTY_API_KEY: 'k'.repeat(600) }));
  t.equal(errors.length, 1);
});

t.test('no serve.yaml: DAGRUN_ERR_CONFIG_NOT_FOUND', async (t) => {
  rmSync(join(dir, FILE));
  t.teardown(() => writeFileSync(join(dir, FILE), BASE));
  const project = await openProject({ projectDir: dir, environ: environ() });
  const { config, errors } = loadServeConfig(project);
  t.equal(config, undefined);
  const err = only(t, errors);
  t.equal(err.code, 'DAGRUN_ERR_CONFIG_NOT_FOUND');
  t.match(
    err.message,
    "Serving configuration of project 'property-valuation': expected conf/base/serve.yaml, but got no such file.",
  );
});

t.test('serve.yaml that is not YAML: an error at its line', async (t) => {
  const text = replaced('max_batch: 1000', 'max_batch: [1000');
  const { config, errors } = await load(text);
  t.equal(config, undefined);
  t.ok(errors.length >= 1);
  t.match(errors[0]!.message, /^conf\/base\/serve\.yaml:\d+:\d+ /);
});

/** Loads the model with a serve.yaml that `edit` changed. */
const loadWith = async (edit: (c: ServeConfig) => ServeConfig) => {
  const { project, config } = await load(BASE);
  return loadModel(project, edit(config!));
};

t.test("the model loads: newest version, its metrics, the model's own description", async (t) => {
  const m = await loadWith((c) => c);
  t.match(m.version, /^\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d\.\d{3}Z$/);
  t.equal(m.trainedAt, m.version!.replace(/T(\d\d)\.(\d\d)\.(\d\d)\./, 'T$1:$2:$3.'));
  t.match(m.metrics, { n: 6949, r2: Number, mae: Number });
  t.match(m.details, { schema: { target: 'price' } });
  t.equal(m.dataset, 'served_model');
  t.equal(m.info, undefined, 'a versioned file knows nothing more of its versions');
});

t.test('a model.dataset the pipeline does not load: a clear error naming it and what the pipeline loads', async (t) => {
  await t.rejects(
    loadWith((c) => ({ ...c, model: { dataset: 'metrics' } })),
    {
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      message:
        /field 'model\.dataset': expected a dataset pipeline 'inference' loads \(served_model\), but got 'metrics'/,
    },
  );
});

t.test("inputs and outputs that are not the pipeline's: DAGRUN_ERR_INFERENCE_SPEC naming them", async (t) => {
  await t.rejects(
    loadWith((c) => ({ ...c, input: 'request_body' })),
    {
      code: 'DAGRUN_ERR_INFERENCE_SPEC',
      message: /Inference inputs of pipeline 'inference'.*but got 'request_body'/,
    },
  );
  await t.rejects(
    loadWith((c) => ({ ...c, output: 'valuations' })),
    {
      code: 'DAGRUN_ERR_INFERENCE_SPEC',
      message: /Inference outputs of pipeline 'inference'.*\(predictions\), but got 'valuations'/,
    },
  );
  // input: served_model (a free input, so accepted as the request's): the real request dataset is then loaded
  // from the catalog at build time, and fails naming it.
  await t.rejects(
    loadWith((c) => ({ ...c, input: 'served_model' })),
    { message: /'property_request'/ },
    'the request dataset cannot be loaded ahead',
  );
});

t.test('an unknown pipeline: an error naming it', async (t) => {
  await t.rejects(
    loadWith((c) => ({ ...c, pipeline: 'serving' })),
    { message: /serving/ },
  );
});

t.test('a project never trained: loading the model fails naming the dataset', async (t) => {
  const untrained = copyProject(t, 'config-untrained');
  const project = await openProject({ projectDir: untrained, environ: environ() });
  const { config } = loadServeConfig(project);
  await t.rejects(loadModel(project, config!), { message: /'served_model'/ });
});

t.test('a rate-limit window in milliseconds, for every unit serve.yaml accepts', async (t) => {
  const cases: Array<[string, number]> = [
    ['500ms', 500],
    ['1 s', 1000],
    ['30 seconds', 30_000],
    ['1 minute', 60_000],
    ['2m', 120_000],
    ['1 hour', 3_600_000],
    ['3 hours', 10_800_000],
  ];
  for (const [window, ms] of cases) t.equal(durationMs(window), ms, window);
  t.throws(() => durationMs('soon'), { message: /Duration 'soon': expected a number and a unit/ });
});

t.test('model.reload_every: a duration in milliseconds, 10 seconds when absent, 0 for off', async (t) => {
  const every = (reload_every: string | number | undefined) =>
    reloadEveryMs({ model: { dataset: 'served_model', reload_every } } as ServeConfig);
  t.equal(every(undefined), 10_000, 'the default');
  t.equal(every('5 seconds'), 5000);
  t.equal(every('250ms'), 250);
  t.equal(every('1 minute'), 60_000);
  for (const off of ['off', 0, '0', '0 s']) t.equal(every(off), 0, `${String(off)}: no polling`);
  for (const text of ['reload_every: off', 'reload_every: 0', 'reload_every: 2 s']) {
    const { errors, config } = await load(replaced('reload_every: 10 seconds', text));
    t.same(errors, [], `${text} is accepted`);
    t.equal(reloadEveryMs(config!), text.endsWith('2 s') ? 2000 : 0);
  }
});

t.test(
  "record_schema_from: the record is a row of the catalog entry's data contract, less the omitted columns",
  async (t) => {
    const { config, errors } = await load(BASE);
    t.same(errors, []);
    t.same(config!.record_schema, {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'sector', 'net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude'],
      properties: {
        type: { type: 'string', enum: ['casa', 'departamento'], description: 'Property type.' },
        sector: {
          type: 'string',
          enum: ['la reina', 'las condes', 'lo barnechea', 'nunoa', 'providencia', 'vitacura'],
          description: 'Comuna of eastern Santiago.',
        },
        net_usable_area: { type: 'number', minimum: 1, maximum: 5000, description: 'Usable area, m².' },
        net_area: { type: 'number', minimum: 1, maximum: 20000, description: 'Total (lot or unit) area, m².' },
        n_rooms: { type: 'integer', minimum: 1, maximum: 10, description: 'Bedrooms.' },
        n_bathroom: { type: 'integer', minimum: 1, maximum: 10, description: 'Bathrooms.' },
        latitude: { type: 'number', minimum: -33.5244, maximum: -33.3053 },
        longitude: { type: 'number', minimum: -70.6437, maximum: -70.4319 },
      },
    });
    const short = await load(
      replaced('record_schema_from:\n  dataset: train\n  omit: [price]', 'record_schema_from: test'),
    );
    t.same(short.errors, []);
    t.same(
      Object.keys((short.config!.record_schema.properties as object) ?? {}).at(-1),
      'price',
      'the short form omits nothing',
    );
  },
);

t.test(
  'record_schema_from: an entry without a contract, an unknown entry or column, or both schemas, are errors at their ' +
    'line',
  async (t) => {
    const FROM = 'record_schema_from:\n  dataset: train\n  omit: [price]';
    const noContract = replaced(FROM, 'record_schema_from:\n  dataset: model\n  omit: [price]');
    const e1 = only(t, (await load(noContract)).errors);
    t.equal(e1.code, 'DAGRUN_ERR_CONFIG_SCHEMA');
    t.equal(
      e1.message,
      `conf/base/serve.yaml:${lineOf(noContract, 'record_schema_from:') + 1}:12 [DAGRUN_ERR_CONFIG_SCHEMA] Serving ` +
        `configuration, field 'record_schema_from.dataset': expected a catalog entry with a data contract, but got ` +
        `'model' (object), which has no 'contract:'.\n  Hint: add contract: to catalog entry 'model' ` +
        '(docs/catalog-yaml.md#data-contracts), or write record_schema here by hand.',
    );
    const unknown = replaced(FROM, 'record_schema_from: trian');
    t.equal(
      only(t, (await load(unknown)).errors).message,
      `conf/base/serve.yaml:${lineOf(unknown, 'trian')}:21 [DAGRUN_ERR_CONFIG_SCHEMA] Serving configuration, field ` +
        `'record_schema_from': expected a catalog entry with a data contract, but got 'trian', which the catalog ` +
        `does not hold.\n  Hint: did you mean: 'train'?`,
    );
    const badOmit = replaced('omit: [price]', 'omit: [prize]');
    t.equal(
      only(t, (await load(badOmit)).errors).message,
      `conf/base/serve.yaml:${lineOf(badOmit, 'prize')}:10 [DAGRUN_ERR_CONFIG_SCHEMA] Serving configuration, field ` +
        `'record_schema_from.omit.0': expected a column of the contract of 'train' (type, sector, net_usable_area, ` +
        `net_area, n_rooms, n_bathroom, latitude, longitude, price), but got 'prize'.\n  Hint: did you mean: 'price'?`,
    );
    const both = `${BASE}\nrecord_schema: { type: object, properties: {} }\n`;
    t.equal(
      only(t, (await load(both)).errors).message,
      `conf/base/serve.yaml:${lineOf(both, 'record_schema_from')}:1 [DAGRUN_ERR_CONFIG_SCHEMA] Serving ` +
        'configuration: expected one of record_schema or record_schema_from, but got both.\n' +
        `  Hint: record_schema_from: <catalog entry> derives the record from that entry's data contract ` +
        '(docs/serve.md).',
    );
  },
);
