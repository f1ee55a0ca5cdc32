// buildApp driven with inject(): every route, every auth case, every class of bad input, the prediction
// log, rate and size limits, reload between two trained versions, the OpenAPI document and the routes of
// the original FastAPI service. The project is a trained copy of property-valuation (two versions).
import { readFileSync } from 'node:fs';
import type { InferencePlan } from '@dagrun/core';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import {
  ADMIN_KEY,
  API_KEY,
  environ,
  features,
  json,
  JWT_SECRET,
  modelVersions,
  RECORD,
  sampleRows,
  signJwt,
  testApp,
  trainedProject,
} from '../../test/fixture.js';
import { buildApp } from './app.js';
import { PredictionLog } from './prediction-log.js';

const dir = await trainedProject(t, 'app', { trainings: 2 });
const [V1, V2] = modelVersions(dir) as [string, string];
const main = await testApp(t, dir);
const KEY = { 'api-key': API_KEY };
const ADMIN = { 'api-key': ADMIN_KEY };
const ROWS = sampleRows(1001);
const RECORDS = ROWS.map(features);
const now = () => Math.floor(Date.now() / 1000);
const bearer = (claims: Record<string, unknown>, secret = JWT_SECRET) => ({
  authorization: `Bearer ${signJwt(claims, secret)}`,
});

const post = (app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = KEY) =>
  app.inject({ method: 'POST', url, payload: payload as NonNullable<InjectOptions['payload']>, headers });
const raw = (
  app: FastifyInstance,
  url: string,
  body: string,
  contentType = 'application/json',
  headers: Record<string, string> = KEY,
) => app.inject({ method: 'POST', url, payload: body, headers: { ...headers, 'content-type': contentType } });
const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

/**
 * An error answer of the v1 routes: exact status, JSON with statusCode, error, message (with each fragment) and
 * request_id.
 */
const expectError = (t: Test, res: LightMyRequestResponse, status: number, fragments: readonly string[], what = '') => {
  t.equal(res.statusCode, status, `${what} status ${status}: ${res.body.slice(0, 300)}`);
  t.match(res.headers['content-type'], /^application\/json/, `${what} JSON`);
  const body = json(res);
  t.equal(body.statusCode, status, `${what} statusCode in the body`);
  t.type(body.message, 'string');
  t.type(body.request_id, 'string');
  for (const f of fragments) t.match(body.message, f, `${what} message says ${f}`);
  return body as { message: string; problems?: Array<{ field: string; rule: string; message: string }> };
};

/** The v1 prediction of one record by the main app. */
const predictOne = async (record: Record<string, unknown>): Promise<number> => {
  const res = await post(main.app, '/api/v1/predict', record);
  if (res.statusCode !== 200) throw new Error(res.body);
  return (json(res).predictions as number[])[0]!;
};

t.test('GET /api/v1/health: public, status, the model version, uptime', async (t) => {
  const res = await get(main.app, '/api/v1/health');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const body = json(res);
  t.same(Object.keys(body).sort(), ['model_version', 'status', 'uptime_s']);
  t.match(body, { status: 'ok', model_version: V2 });
  t.ok(typeof body.uptime_s === 'number' && body.uptime_s >= 0, 'uptime in seconds');
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'a request id header');
});

t.test('POST /api/v1/predict: one record', async (t) => {
  const res = await post(main.app, '/api/v1/predict', RECORD, { ...KEY, 'x-request-id': 'one-record-1' });
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.same(Object.keys(body).sort(), ['model_version', 'predictions', 'request_id']);
  t.match(body, { request_id: 'one-record-1', model_version: V2 });
  t.equal(res.headers['x-request-id'], 'one-record-1');
  const [p] = body.predictions as number[];
  t.ok(Number.isFinite(p) && p! > 100 && p! < 1e6, `a price in UF (${p})`);
  const direct = (main.model.plan.run({ property_request: [RECORD] }) as Record<string, Float64Array>).predictions![0];
  t.equal(p, direct, 'the same number as the inference plan run directly');
  t.equal(await predictOne(RECORD), p, 'the same record twice: the same prediction');
});

t.test('POST /api/v1/predict: a batch, and a batch of exactly max_batch', async (t) => {
  const five = RECORDS.slice(0, 5);
  const res = await post(main.app, '/api/v1/predict', five);
  t.equal(res.statusCode, 200, res.body);
  const batch = json(res).predictions as number[];
  t.equal(batch.length, 5);
  const singles = [];
  for (const r of five) singles.push(await predictOne(r));
  t.same(batch, singles, 'prediction i of a batch is the prediction of record i alone');
  const full = await post(main.app, '/api/v1/predict', RECORDS.slice(0, 1000));
  t.equal(full.statusCode, 200, 'max_batch records are accepted');
  t.equal((json(full).predictions as number[]).length, 1000);
});

t.test('POST /api/v1/predict: a batch over max_batch is 413 naming the limit, whatever its records hold', async (t) => {
  t.equal(RECORDS.length, 1001);
  const body = expectError(t, await post(main.app, '/api/v1/predict', RECORDS), 413, [
    'Invalid request body: body must hold at most 1000 records (serve.yaml max_batch), but holds more than 1000; ' +
      'send them in several requests.',
  ]);
  t.same(
    body.problems,
    [
      {
        field: '',
        rule: 'maxItems',
        message:
          'must hold at most 1000 records (serve.yaml max_batch), but holds more than 1000; send them in several ' +
          'requests',
      },
    ],
    'one problem: the records themselves were not checked',
  );
  const junk = expectError(
    t,
    await post(
      main.app,
      '/api/v1/predict',
      Array.from({ length: 5000 }, () => ({})),
    ),
    413,
    ['but holds more than 1000'],
  );
  t.equal(junk.problems.length, 1, 'not 5000 × 8 missing fields');
});

t.test('GET /api/v1/model: version, training date, metrics, feature schema; needs a key', async (t) => {
  expectError(t, await get(main.app, '/api/v1/model'), 401, ['api-key'], 'without a key:');
  const res = await get(main.app, '/api/v1/model', KEY);
  t.equal(res.statusCode, 200);
  const body = json(res);
  t.match(body, {
    dataset: 'served_model',
    version: V2,
    trained_at: V2.replace(/T(\d\d)\.(\d\d)\.(\d\d)\./, 'T$1:$2:$3.'),
    pipeline: 'inference',
    metrics: { n: 6949, r2: Number, mae: Number, rmse: Number, mape: Number },
    model: { schema: { target: 'price' }, metadata: { params: { n_estimators: 20 } } },
    auto_reload: true,
  });
  t.equal(body.registry, null, 'a versioned file is no registry version');
  t.equal(body.run, null, 'and names no run');
  t.ok(!Number.isNaN(Date.parse(body.trained_at as string)), 'trained_at is an ISO date');
  t.ok(!Number.isNaN(Date.parse(body.loaded_at as string)), 'loaded_at is an ISO date');
  t.same(body.feature_schema, main.config.record_schema, 'the record schema of serve.yaml');
  const props = (body.feature_schema as { properties: Record<string, Record<string, unknown>> }).properties;
  t.same(
    Object.keys(props),
    ['type', 'sector', 'net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude'].concat(
      Object.keys(props).slice(8),
    ),
  );
  t.equal(props.net_usable_area!.description, 'Usable area, m².');
  t.notOk(Object.values(props).some((p) => 'm².' in p));
});

t.test('GET /metrics: request counters, latency histogram, predictions served, model info', async (t) => {
  const m = await testApp(t, dir);
  await post(m.app, '/api/v1/predict', RECORD);
  await post(m.app, '/api/v1/predict', RECORDS.slice(0, 3));
  await post(m.app, '/api/v1/predict', { ...RECORD, net_area: -1 });
  await post(m.app, '/api/v1/predict', RECORD, {});
  await get(m.app, '/api/v1/health');
  await get(m.app, '/no/such/route/123');
  await get(m.app, '/no/such/route/456');
  expectError(t, await get(m.app, '/metrics'), 401, ['api-key'], 'metrics are not public by default:');
  const res = await get(m.app, '/metrics', KEY);
  t.equal(res.statusCode, 200);
  t.equal(
    res.headers['content-type'],
    'text/plain; version=0.0.4; charset=utf-8',
    'the exposition format prom-client writes',
  );
  const text = res.body;
  const value = (series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  t.equal(value('dagrun_http_requests_total{route="/api/v1/predict",method="POST",status="200"}'), 2);
  t.equal(value('dagrun_http_requests_total{route="/api/v1/predict",method="POST",status="400"}'), 1);
  t.equal(value('dagrun_http_requests_total{route="/api/v1/predict",method="POST",status="401"}'), 1);
  t.equal(value('dagrun_http_requests_total{route="/api/v1/health",method="GET",status="200"}'), 1);
  t.equal(
    value('dagrun_http_requests_total{route="unmatched",method="GET",status="404"}'),
    2,
    'unknown paths share one series',
  );
  t.notMatch(text, '/no/such/route', 'no series per unknown path');
  t.equal(value('dagrun_http_requests_total{route="/metrics",method="GET",status="401"}'), 1);
  t.match(text, /^# TYPE dagrun_http_request_duration_seconds histogram$/m);
  t.equal(value('dagrun_http_request_duration_seconds_bucket{le="+Inf",route="/api/v1/predict"}'), 4);
  t.equal(value('dagrun_http_request_duration_seconds_count{route="/api/v1/predict"}'), 4);
  t.ok(value('dagrun_http_request_duration_seconds_bucket{le="2.5",route="/api/v1/predict"}')! <= 4);
  t.ok(value('dagrun_http_request_duration_seconds_sum{route="/api/v1/predict"}')! > 0);
  t.equal(value('dagrun_predictions_total'), 4, 'records predicted (1 + 3)');
  const writes = m.predictionLog.writes;
  t.equal(value('dagrun_prediction_log_writes_total'), writes, "the log's writes");
  t.ok(writes >= 1, 'the two logged requests were written');
  t.equal(value(`dagrun_model_info{dataset="served_model",version="${V2}"}`), 1);
});

t.test(
  'POST /api/v1/admin/reload: admin scope; to an older version, back to the newest; unknown version 404',
  async (t) => {
    const r = await testApp(t, dir);
    expectError(t, await post(r.app, '/api/v1/admin/reload', {}, {}), 401, ['api-key'], 'no key:');
    expectError(
      t,
      await post(r.app, '/api/v1/admin/reload', {}, KEY),
      403,
      ["Client 'default' lacks the 'admin' scope"],
      'predict-only key:',
    );
    const before = json(await post(r.app, '/api/v1/predict', RECORD)).predictions as number[];

    const older = await post(r.app, '/api/v1/admin/reload', { version: V1 }, ADMIN);
    t.equal(older.statusCode, 200, older.body);
    t.match(json(older), { previous_version: V2, version: V1, loaded_at: String });
    t.match(json(await get(r.app, '/api/v1/health')), { model_version: V1 });
    t.match(json(await get(r.app, '/api/v1/model', KEY)), {
      version: V1,
      model: { metadata: { params: { n_estimators: 10 } } },
    });
    const res = await post(r.app, '/api/v1/predict', RECORD, { ...KEY, 'x-request-id': 'after-reload' });
    t.match(json(res), { model_version: V1 });
    t.not((json(res).predictions as number[])[0], before[0], 'the older model predicts differently');
    t.match(
      r.lines().find((l) => l.request_id === 'after-reload'),
      { model_version: V1 },
      'the log names the version that predicted',
    );
    t.match((await get(r.app, '/metrics', KEY)).body, `dagrun_model_info{dataset="served_model",version="${V1}"} 1`);
    t.match(
      json(await get(r.app, '/api/v1/model', KEY)),
      { version: V1, auto_reload: false },
      'a version asked for is kept: no reload when the newest moves',
    );

    const newest = await post(r.app, '/api/v1/admin/reload', {}, ADMIN);
    t.equal(newest.statusCode, 200, newest.body);
    t.match(json(newest), { previous_version: V1, version: V2 });
    t.match(
      json(await get(r.app, '/api/v1/model', KEY)),
      { auto_reload: true },
      'a reload without a version follows the newest again',
    );
    t.same(json(await post(r.app, '/api/v1/predict', RECORD)).predictions, before, 'the newest model again');

    const noBody = await r.app.inject({ method: 'POST', url: '/api/v1/admin/reload', headers: ADMIN });
    t.equal(noBody.statusCode, 200, 'no body at all also reloads the newest');

    const unknown = '2001-02-03T04.05.06.789Z';
    expectError(
      t,
      await post(r.app, '/api/v1/admin/reload', { version: unknown }, ADMIN),
      404,
      ["Model 'served_model' could not be loaded", unknown],
      'unknown version:',
    );
    t.match(json(await get(r.app, '/api/v1/health')), { model_version: V2 }, 'a failed reload keeps the model served');
    expectError(
      t,
      await post(r.app, '/api/v1/admin/reload', { version: 'latest' }, ADMIN),
      400,
      ['version', 'pattern'],
      'not a version:',
    );
    // A misspelt field must not be dropped silently: {"verison": V1} would then reload the newest model.
    const typo = await post(r.app, '/api/v1/admin/reload', { verison: V1 }, ADMIN);
    t.ok(typo.statusCode !== 500, 'a misspelt field is not a 500');
    const removeAdditional =
      "bug: app.ts: Fastify's default Ajv options include removeAdditional: true (only allErrors and coerceTypes " +
      "are overridden), so the reload body's additionalProperties: false silently strips unknown fields: " +
      '{"verison": "…"} answers 200 and loads the newest model; add removeAdditional: false to ajv.customOptions';
    t.equal(typo.statusCode, 400);
    t.match(json(typo).message, 'verison');
    await post(r.app, '/api/v1/admin/reload', {}, ADMIN); // back to the newest whatever happened

    const both = await Promise.all([
      post(r.app, '/api/v1/admin/reload', { version: V1 }, ADMIN),
      post(r.app, '/api/v1/admin/reload', { version: V1 }, ADMIN),
    ]);
    t.same(both.map((b) => b.statusCode).sort(), [200, 409], 'a reload while one runs is 409');
    t.match(json(both.find((b) => b.statusCode === 409)!).message, 'A reload is already running');
  },
);

t.test('GET /docs/json: the OpenAPI document lists the routes and the security schemes; /docs is public', async (t) => {
  const res = await get(main.app, '/docs/json');
  t.equal(res.statusCode, 200);
  const doc = json(res) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: { securitySchemes: Record<string, unknown> };
    security: unknown[];
    info: { title: string };
  };
  t.match(doc.openapi, /^3\./);
  t.match(doc.info.title, 'property-valuation');
  t.same(Object.keys(doc.paths).sort(), [
    '/api/v1/admin/reload',
    '/api/v1/health',
    '/api/v1/health/',
    '/api/v1/model',
    '/api/v1/predict',
    '/api/v1/predict/',
    '/metrics',
  ]);
  t.ok(doc.paths['/api/v1/predict']!.post, 'predict is a POST');
  t.ok(doc.paths['/api/v1/model']!.get, 'model is a GET');
  t.match(doc.paths['/api/v1/predict']!.post, {
    requestBody: {
      content: {
        'application/json': {
          schema: {
            anyOf: [{ properties: { net_area: { type: 'number', minimum: 1 } } }, { type: 'array', maxItems: 1000 }],
          },
        },
      },
    },
  });
  t.match(doc.paths['/api/v1/predict']!.post, { responses: { 200: {}, 400: {}, 401: {}, 413: {}, 415: {}, 429: {} } });
  t.same(doc.components.securitySchemes.apiKey, { type: 'apiKey', in: 'header', name: 'api-key' });
  t.match(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  t.same(doc.security, [{ apiKey: [] }, { bearer: [] }]);
  t.same(
    (doc.paths['/api/v1/health']!.get as { security?: unknown }).security,
    [],
    'the public health route needs no credentials in the document',
  );
  t.equal(
    (doc.paths['/api/v1/model']!.get as { security?: unknown }).security,
    undefined,
    'the model route keeps the global security',
  );
  t.match(
    doc.paths['/api/v1/model']!.get,
    {
      responses: {
        200: {
          content: {
            'application/json': {
              schema: {
                properties: {
                  auto_reload: { type: 'boolean' },
                  registry: { properties: { version: {}, aliases: { type: 'array' } } },
                  run: {
                    properties: { run_id: { type: 'string' }, params: { type: 'object' }, metrics: { type: 'object' } },
                  },
                },
              },
            },
          },
        },
      },
    },
    'the run and registry version of the served model are in the document',
  );
  const ui = await get(main.app, '/docs');
  t.ok(
    ui.statusCode === 200 || (ui.statusCode >= 300 && ui.statusCode < 400),
    `the UI answers without a key (${ui.statusCode})`,
  );
});

t.test('compat: GET /api/v1/health/ and POST /api/v1/predict/ answer as the original service', async (t) => {
  const health = await get(main.app, '/api/v1/health/');
  t.equal(health.statusCode, 200);
  t.same(json(health), { status: 'ok' });

  const row = { ...ROWS[0]!, price: 12345 };
  const res = await post(main.app, '/api/v1/predict/', [row], { ...KEY, 'x-request-id': 'compat-1' });
  t.equal(res.statusCode, 200, res.body);
  t.same(Object.keys(json(res)), ['prediction']);
  t.equal(res.headers['x-model-version'], V2, "the body is the original service's: the version is in a header");
  t.same(json(res).prediction, [await predictOne(features(row))], 'the v1 prediction of the same record');
  t.same(
    main.lines().find((l) => l.request_id === 'compat-1')?.input,
    features(row),
    'price is dropped before the model and the log',
  );

  for (const headers of [{ 'api-key': 'wrong-key-wrong-key-wrong' }, {}, { 'x-api-key': API_KEY }]) {
    const bad = await post(main.app, '/api/v1/predict/', [row], headers);
    t.equal(bad.statusCode, 401, `401 with ${JSON.stringify(headers)}`);
    t.same(json(bad), { detail: 'Invalid API key' });
  }
  for (const list of [[], [row, row]]) {
    const bad = await post(main.app, '/api/v1/predict/', list);
    t.equal(bad.statusCode, 400, `${list.length} items`);
    t.same(json(bad), { detail: `Expected a list holding exactly one property, but got ${list.length}.` });
  }
  const typeError = await post(main.app, '/api/v1/predict/', [{ ...row, n_rooms: 'three' }]);
  t.equal(typeError.statusCode, 422);
  t.same(json(typeError), { detail: [{ loc: ['body', 0, 'n_rooms'], msg: 'must be integer', type: 'type' }] });
  const noPrice = await post(main.app, '/api/v1/predict/', [features(row)]);
  t.equal(noPrice.statusCode, 422, 'price is required, as it was');
  t.same(json(noPrice), { detail: [{ loc: ['body', 0, 'price'], msg: 'is required', type: 'required' }] });
  const notList = await post(main.app, '/api/v1/predict/', row);
  t.equal(notList.statusCode, 422);
  t.same(json(notList), { detail: [{ loc: ['body'], msg: 'must be array', type: 'type' }] });
  const nan = await raw(main.app, '/api/v1/predict/', `[{"net_area": NaN}]`);
  t.equal(nan.statusCode, 400);
  t.match(json(nan), { detail: /not valid JSON/ });
  const text = await raw(main.app, '/api/v1/predict/', JSON.stringify([row]), 'text/plain');
  t.ok(text.statusCode >= 400 && text.statusCode < 500, `text/plain: 4xx (${text.statusCode})`);
  t.equal(text.statusCode, 415, 'text/plain: 415');
});

t.test('compat routes are absent when compat.enabled is false', async (t) => {
  const off = await testApp(t, dir, { configure: (c) => ({ ...c, compat: { enabled: false, ignore_fields: [] } }) });
  t.equal((await get(off.app, '/api/v1/health/')).statusCode, 404);
  t.equal((await post(off.app, '/api/v1/predict/', [{ ...RECORD, price: 1 }])).statusCode, 404);
  t.equal((await get(off.app, '/api/v1/health')).statusCode, 200);
});

t.test('auth: missing, wrong, right key; the key in the wrong place', async (t) => {
  expectError(
    t,
    await post(main.app, '/api/v1/predict', RECORD, {}),
    401,
    ['Missing or invalid credentials', 'api-key: <key>'],
    'missing:',
  );
  for (const wrong of [
    'wrong-key-wrong-key-wrong',
    API_KEY.toUpperCase(),
    API_KEY.slice(0, -1),
    `${API_KEY} `,
    '',
    'x'.repeat(5000),
  ]) {
    expectError(
      t,
      await post(main.app, '/api/v1/predict', RECORD, { 'api-key': wrong }),
      401,
      ['Missing or invalid credentials'],
      `wrong key (${wrong.length} chars):`,
    );
  }
  t.equal((await post(main.app, '/api/v1/predict', RECORD, KEY)).statusCode, 200, 'right key');
  t.equal((await post(main.app, '/api/v1/predict', RECORD, ADMIN)).statusCode, 200, 'the admin key may predict too');
  for (const headers of [
    { 'x-api-key': API_KEY },
    { apikey: API_KEY },
    { api_key: API_KEY },
    { authorization: API_KEY },
    { authorization: `Bearer ${API_KEY}` },
    { cookie: `api-key=${API_KEY}` },
  ]) {
    expectError(
      t,
      await post(main.app, '/api/v1/predict', RECORD, headers),
      401,
      ['Missing or invalid credentials'],
      `${Object.keys(headers)[0]}:`,
    );
  }
  const query = await main.app.inject({ method: 'POST', url: `/api/v1/predict?api-key=${API_KEY}`, payload: RECORD });
  t.equal(query.statusCode, 401, 'in the query string');
  t.equal(
    (
      await post(main.app, '/api/v1/predict', RECORD, {
        'api-key': 'wrong-key-wrong-key-wrong',
        ...bearer({ sub: 'x', exp: now() + 60 }),
      })
    ).statusCode,
    401,
    'a wrong api-key is not rescued by a bearer token',
  );
});

t.test('auth: JWT bearer tokens (HS256 pinned, exp required, 30 s clock tolerance, sub as jwt:<sub>)', async (t) => {
  const ok = await post(main.app, '/api/v1/predict', RECORD, {
    ...bearer({ sub: 'partner-7', iat: now(), exp: now() + 60 }),
    'x-request-id': 'jwt-ok',
  });
  t.equal(ok.statusCode, 200, ok.body);
  t.match(
    main.lines().find((l) => l.request_id === 'jwt-ok'),
    { client: 'jwt:partner-7' },
    "the token's sub, apart from configured clients, is the client in the prediction log",
  );
  const admitted: Array<[string, Record<string, string>]> = [
    ['iat 20 s ahead (within the tolerance)', bearer({ sub: 'partner-7', iat: now() + 20, exp: now() + 60 })],
    ['nbf 20 s ahead (within the tolerance)', bearer({ sub: 'partner-7', nbf: now() + 20, exp: now() + 60 })],
    ['expired 20 s ago (within the tolerance)', bearer({ sub: 'partner-7', exp: now() - 20 })],
    ['sub naming a configured client', bearer({ sub: 'admin', exp: now() + 60 })],
  ];
  for (const [name, headers] of admitted)
    t.equal((await post(main.app, '/api/v1/predict', RECORD, headers)).statusCode, 200, name);
  const cases: Array<[string, Record<string, string>, string]> = [
    ['expired', bearer({ sub: 'partner-7', iat: now() - 120, exp: now() - 60 }), 'Authorization token expired'],
    ['without exp', bearer({ sub: 'partner-7', iat: now() }), 'The exp claim is required'],
    [
      'issued in the future',
      bearer({ sub: 'partner-7', iat: now() + 600, exp: now() + 900 }),
      'The token is issued in the future',
    ],
    [
      'forged (another secret)',
      bearer({ sub: 'partner-7', exp: now() + 60 }, 'another-secret-another-secret-xx'),
      'signature',
    ],
    ['not yet valid', bearer({ sub: 'partner-7', nbf: now() + 600, exp: now() + 900 }), 'will be active'],
    ['without sub', bearer({ exp: now() + 60 }), 'no valid sub claim'],
    ['empty sub', bearer({ sub: '', exp: now() + 60 }), 'no valid sub claim'],
    ['sub with a newline', bearer({ sub: 'a\nb', exp: now() + 60 }), 'no valid sub claim'],
    [
      'alg none',
      {
        authorization: `Bearer ${signJwt({ sub: 'partner-7', exp: now() + 60 }, JWT_SECRET, {
          alg: 'none',
          typ: 'JWT',
        }).replace(/[^.]+$/, '')}`,
      },
      'Missing or invalid credentials',
    ],
    [
      'HS512 (the algorithm is pinned to HS256)',
      {
        authorization: `Bearer ${signJwt({ sub: 'partner-7', exp: now() + 60 }, JWT_SECRET, {
          alg: 'HS512',
          typ: 'JWT',
        })}`,
      },
      'Missing or invalid credentials',
    ],
    ['garbage', { authorization: 'Bearer not.a.token' }, 'Missing or invalid credentials'],
    [
      'lower-case scheme',
      { authorization: `bearer ${signJwt({ sub: 'partner-7', exp: now() + 60 }, JWT_SECRET)}` },
      'Missing or invalid credentials',
    ],
  ];
  for (const [name, headers, why] of cases) {
    expectError(
      t,
      await post(main.app, '/api/v1/predict', RECORD, headers),
      401,
      ['Missing or invalid credentials', why],
      `${name}:`,
    );
  }
  expectError(
    t,
    await post(main.app, '/api/v1/admin/reload', {}, bearer({ sub: 'partner-7', exp: now() + 60 })),
    403,
    ["Client 'jwt:partner-7' lacks the 'admin' scope"],
    'predict-scoped token on reload:',
  );
  const admin = await post(
    main.app,
    '/api/v1/admin/reload',
    {},
    bearer({ sub: 'ops', scope: 'predict admin', exp: now() + 60 }),
  );
  t.equal(admin.statusCode, 200, 'a token with the admin scope may reload');
});

t.test('auth: JWT audience and issuer, when serve.yaml names them', async (t) => {
  const strict = await testApp(t, dir, {
    configure: (c) => ({
      ...c,
      auth: { ...c.auth, jwt: { ...c.auth.jwt!, audience: 'valuation-api', issuer: 'https://id.example.cl' } },
    }),
  });
  const good = { sub: 'partner-7', aud: 'valuation-api', iss: 'https://id.example.cl', exp: now() + 60 };
  t.equal((await post(strict.app, '/api/v1/predict', RECORD, bearer(good))).statusCode, 200, 'right aud and iss');
  t.equal(
    (await post(strict.app, '/api/v1/predict', RECORD, bearer({ ...good, aud: ['other', 'valuation-api'] })))
      .statusCode,
    200,
    'aud as a list naming it',
  );
  expectError(
    t,
    await post(strict.app, '/api/v1/predict', RECORD, bearer({ ...good, aud: 'other-api' })),
    401,
    ['aud'],
    'wrong aud:',
  );
  expectError(
    t,
    await post(strict.app, '/api/v1/predict', RECORD, bearer({ ...good, iss: 'https://evil.example' })),
    401,
    ['iss'],
    'wrong iss:',
  );
  const { aud: _aud, ...noAud } = good;
  expectError(t, await post(strict.app, '/api/v1/predict', RECORD, bearer(noAud)), 401, ['aud'], 'no aud:');
});

t.test('auth: with no JWT secret configured, bearer tokens are refused', async (t) => {
  const noJwt = await testApp(t, dir, { environ: environ({ PROPERTY_JWT_SECRET: undefined }) });
  t.equal(noJwt.config.auth.jwt, undefined);
  expectError(t, await post(noJwt.app, '/api/v1/predict', RECORD, bearer({ sub: 'partner-7', exp: now() + 60 })), 401, [
    'Missing or invalid credentials: send the header api-key: <key>.',
  ]);
  const doc = json(await get(noJwt.app, '/docs/json')) as { components: { securitySchemes: Record<string, unknown> } };
  t.same(Object.keys(doc.components.securitySchemes), ['apiKey'], 'no bearer scheme in the document');
});

t.test('public routes are configurable', async (t) => {
  const closed = await testApp(t, dir, { configure: (c) => ({ ...c, auth: { ...c.auth, public: [] } }) });
  expectError(t, await get(closed.app, '/api/v1/health'), 401, ['api-key'], 'health not public:');
  t.equal((await get(closed.app, '/api/v1/health', KEY)).statusCode, 200);
  t.equal((await get(closed.app, '/docs/json')).statusCode, 401, 'docs not public');
  t.equal((await get(closed.app, '/docs/json', KEY)).statusCode, 200);
  t.equal((await get(closed.app, '/api/v1/health/')).statusCode, 401, 'the compat health follows health');
  const open = await testApp(t, dir, {
    configure: (c) => ({ ...c, auth: { ...c.auth, public: ['health', 'docs', 'metrics', 'model'] } }),
  });
  t.equal((await get(open.app, '/metrics')).statusCode, 200, 'metrics public');
  t.equal((await get(open.app, '/api/v1/model')).statusCode, 200, 'model public');
  t.equal((await post(open.app, '/api/v1/predict', RECORD, {})).statusCode, 401, 'predict is never public');
  t.equal((await post(open.app, '/api/v1/admin/reload', {}, {})).statusCode, 401, 'reload is never public');
});

t.test('rate limit: 429 naming the client, per client', async (t) => {
  const r = await testApp(t, dir, {
    configure: (c) => ({ ...c, rate_limit: { ...c.rate_limit, max: 3, window: '1 minute', headers: false } }),
  });
  for (let i = 0; i < 3; i++) {
    const ok = await post(r.app, '/api/v1/predict', RECORD);
    t.equal(ok.statusCode, 200, `request ${i + 1} of 3`);
    t.equal(ok.headers['x-ratelimit-remaining'], undefined, 'no quota headers on an answer under the limit by default');
  }
  const res = await post(r.app, '/api/v1/predict', RECORD);
  const body = expectError(t, res, 429, ["Client 'default' sent more than 3 requests per 1 minute; retry in"]);
  t.match(json(res), { error: 'Too Many Requests' });
  t.ok(body.message.length > 0);
  t.equal(res.headers['x-ratelimit-limit'], '3');
  t.ok(Number(res.headers['retry-after']) > 0, 'retry-after');
  t.equal((await post(r.app, '/api/v1/predict', RECORD, ADMIN)).statusCode, 200, 'another client has its own budget');
  const jwt = await post(r.app, '/api/v1/predict', RECORD, bearer({ sub: 'partner-7', exp: now() + 60 }));
  t.equal(jwt.statusCode, 200, 'so does a JWT client');
  for (let i = 0; i < 3; i++) await post(r.app, '/api/v1/predict/', [{ ...RECORD, price: 1 }]);
  const compat = await post(r.app, '/api/v1/predict/', [{ ...RECORD, price: 1 }]);
  t.equal(compat.statusCode, 429);
  t.match(json(compat), { detail: /^Client 'default' sent more than 3 requests/ });
  t.equal(r.lines().length, 8, 'refused requests log nothing');
});

t.test('rate limit: with headers: true, every answer carries the quota left', async (t) => {
  const r = await testApp(t, dir, {
    configure: (c) => ({ ...c, rate_limit: { ...c.rate_limit, max: 5, window: '1 minute', headers: true } }),
  });
  const first = await post(r.app, '/api/v1/predict', RECORD);
  t.equal(first.statusCode, 200);
  t.same([first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining']], ['5', '4']);
  t.ok(Number(first.headers['x-ratelimit-reset']) > 0, 'x-ratelimit-reset');
  t.equal((await post(r.app, '/api/v1/predict', RECORD)).headers['x-ratelimit-remaining'], '3');
});

t.test(
  'refused credentials: after failed_auth of them an address gets 429s, the right key included, until the window ends',
  async (t) => {
    const r = await testApp(t, dir, {
      configure: (c) => ({ ...c, rate_limit: { ...c.rate_limit, failed_auth: 3, window: '2 s' } }),
    });
    const from = (address: string, headers: Record<string, string>) =>
      r.app.inject({
        method: 'POST',
        url: '/api/v1/predict',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(RECORD),
        remoteAddress: address,
      });
    for (let i = 0; i < 5; i++)
      t.equal((await from('10.1.1.1', {})).statusCode, 401, `no credentials at all (${i + 1}): a 401, not counted`);
    for (let i = 0; i < 3; i++)
      t.equal(
        (await from('10.1.1.1', { 'api-key': `wrong-key-number-${i}-padding` })).statusCode,
        401,
        `wrong key ${i + 1} of 3`,
      );
    const locked = await from('10.1.1.1', KEY);
    expectError(t, locked, 429, ['Too many refused credentials from 10.1.1.1: 3 in 2 s; retry in']);
    t.ok(Number(locked.headers['retry-after']) >= 1, 'retry-after');
    t.equal((await from('10.1.1.1', { authorization: 'Bearer not.a.token' })).statusCode, 429, 'a bearer token too');
    t.equal((await from('10.2.2.2', KEY)).statusCode, 200, 'another address is not locked out');
    const compat = await r.app.inject({
      method: 'POST',
      url: '/api/v1/predict/',
      headers: { 'content-type': 'application/json', ...KEY },
      payload: JSON.stringify([{ ...RECORD, price: 1 }]),
      remoteAddress: '10.1.1.1',
    });
    t.equal(compat.statusCode, 429);
    t.match(json(compat), { detail: /^Too many refused credentials/ }, 'the compat route answers in its own shape');
    t.equal(
      (await r.app.inject({ method: 'GET', url: '/api/v1/health', remoteAddress: '10.1.1.1' })).statusCode,
      200,
      'public routes stay open',
    );
    await new Promise((resolve) => setTimeout(resolve, 2100));
    t.equal((await from('10.1.1.1', KEY)).statusCode, 200, 'once the window is over, the right key works again');
    t.equal(r.lines().length, 2, 'locked-out requests log nothing');
  },
);

t.test('body size limit: 413', async (t) => {
  expectError(
    t,
    await raw(main.app, '/api/v1/predict', `[${JSON.stringify(RECORD)}${`,${JSON.stringify(RECORD)}`.repeat(8000)}]`),
    413,
    ['Request body too large', 'body_limit'],
  );
  const small = await testApp(t, dir, { configure: (c) => ({ ...c, body_limit: 2048 }) });
  t.equal((await post(small.app, '/api/v1/predict', RECORDS.slice(0, 5))).statusCode, 200, 'under the limit');
  expectError(
    t,
    await post(small.app, '/api/v1/predict', RECORDS.slice(0, 20)),
    413,
    ['Request body too large'],
    'a 20-record batch over 2 KiB:',
  );
  const compat = await post(small.app, '/api/v1/predict/', [{ ...RECORD, price: 1, pad: 'x'.repeat(4000) }]);
  t.equal(compat.statusCode, 413);
  t.match(json(compat), { detail: /Request body too large/ });
});

t.test(
  'the prediction log: one JSON line per record, with who, which model, what and how long; never the key',
  async (t) => {
    const p = await testApp(t, dir);
    const single = json(await post(p.app, '/api/v1/predict', RECORD, { ...KEY, 'x-request-id': 'log-single' }));
    const batch = json(
      await post(p.app, '/api/v1/predict', RECORDS.slice(10, 13), { ...ADMIN, 'x-request-id': 'log-batch' }),
    );
    const compat = json(
      await post(p.app, '/api/v1/predict/', [{ ...ROWS[20]!, price: 99 }], { ...KEY, 'x-request-id': 'log-compat' }),
    );
    const jwt = json(
      await post(p.app, '/api/v1/predict', RECORD, {
        ...bearer({ sub: 'partner-7', exp: now() + 60 }),
        'x-request-id': 'log-jwt',
      }),
    );
    await post(p.app, '/api/v1/predict', { ...RECORD, net_area: -1 }, { ...KEY, 'x-request-id': 'log-bad' });
    await post(p.app, '/api/v1/predict', RECORD, {
      'api-key': 'wrong-key-wrong-key-wrong',
      'x-request-id': 'log-unauth',
    });
    const lines = p.lines();
    t.same(
      lines.map((l) => l.request_id),
      ['log-single', 'log-batch', 'log-batch', 'log-batch', 'log-compat', 'log-jwt'],
      'one line per record, refused requests none',
    );
    for (const l of lines) {
      t.same(Object.keys(l), ['time', 'client', 'model_version', 'request_id', 'input', 'prediction', 'latency_ms']);
      t.match(l, { time: /^\d{4}-\d\d-\d\dT/, model_version: V2, prediction: Number, latency_ms: Number });
      t.ok((l.latency_ms as number) >= 0 && (l.latency_ms as number) < 10_000, 'latency in ms');
    }
    t.same(
      lines.map((l) => l.client),
      ['default', 'admin', 'admin', 'admin', 'default', 'jwt:partner-7'],
    );
    t.same(lines[0], { ...lines[0], input: RECORD, prediction: (single.predictions as number[])[0] });
    t.same(
      lines.slice(1, 4).map((l) => [l.input, l.prediction]),
      RECORDS.slice(10, 13).map((r, i) => [r, (batch.predictions as number[])[i]]),
    );
    t.same([lines[4]!.input, lines[4]!.prediction], [features(ROWS[20]!), (compat.prediction as number[])[0]]);
    t.equal(lines[5]!.prediction, (jwt.predictions as number[])[0]);
    const text = readFileSync(p.logFile, 'utf8');
    for (const secret of [API_KEY, ADMIN_KEY, JWT_SECRET, 'wrong-key-wrong-key-wrong'])
      t.notMatch(text, secret, 'no key or secret in the log');
    t.notMatch(text, 'eyJ', 'no token in the log');
  },
);

t.test('x-request-id: a well-formed one is kept; anything else is replaced by a UUID', async (t) => {
  const kept = await post(main.app, '/api/v1/predict', RECORD, { ...KEY, 'x-request-id': 'abc.DEF_123:456-7' });
  t.equal(json(kept).request_id, 'abc.DEF_123:456-7');
  for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', '<script>']) {
    const res = await post(main.app, '/api/v1/predict', RECORD, { ...KEY, 'x-request-id': bad });
    t.match(json(res).request_id, /^[0-9a-f-]{36}$/, JSON.stringify(bad.slice(0, 20)));
    t.equal(res.headers['x-request-id'], json(res).request_id);
  }
});

t.test('bad input: each class is a 4xx naming the field and the rule, never a 5xx', async (t) => {
  const R = JSON.stringify(RECORD);
  const without = (k: string) => Object.fromEntries(Object.entries(RECORD).filter(([key]) => key !== k));
  type Case = {
    name: string;
    status: number;
    has: string[];
    problems?: Array<{ field: string; rule: string }>;
    payload?: unknown;
    body?: string;
    type?: string;
    noType?: boolean;
  };
  const cases: Case[] = [
    {
      name: 'boolean for a number',
      payload: { ...RECORD, n_rooms: true },
      status: 400,
      has: ['n_rooms must be integer'],
      problems: [{ field: 'n_rooms', rule: 'type' }],
    },
    {
      name: 'object for a number',
      payload: { ...RECORD, latitude: { deg: -33 } },
      status: 400,
      has: ['latitude must be number'],
      problems: [{ field: 'latitude', rule: 'type' }],
    },
    { name: 'number for a string', payload: { ...RECORD, type: 1 }, status: 400, has: ['type must be string'] },
    {
      name: 'null for a number',
      payload: { ...RECORD, n_bathroom: null },
      status: 400,
      has: ['n_bathroom must be integer'],
      problems: [{ field: 'n_bathroom', rule: 'type' }],
    },
    {
      name: 'string where a number belongs',
      payload: { ...RECORD, net_area: '120' },
      status: 400,
      has: ['net_area must be number'],
      problems: [{ field: 'net_area', rule: 'type' }],
    },
    {
      name: 'missing field',
      payload: without('latitude'),
      status: 400,
      has: ['latitude is required'],
      problems: [{ field: 'latitude', rule: 'required' }],
    },
    {
      name: 'two missing fields',
      payload: Object.fromEntries(Object.entries(RECORD).filter(([k]) => k !== 'type' && k !== 'sector')),
      status: 400,
      has: ['type is required', 'sector is required'],
    },
    {
      name: 'extra field',
      payload: { ...RECORD, pool: true },
      status: 400,
      has: ['pool is not a field of a record'],
      problems: [{ field: 'pool', rule: 'additionalProperties' }],
    },
    {
      name: 'NaN',
      body: `{"net_area": NaN}`,
      status: 400,
      has: ['not valid JSON', 'NaN and Infinity are not JSON numbers'],
    },
    {
      name: 'NaN in a full record',
      body: R.replace(/"net_area":[^,]+/, '"net_area":NaN'),
      status: 400,
      has: ['not valid JSON'],
    },
    {
      name: 'Infinity',
      body: R.replace(/"net_area":[^,]+/, '"net_area":Infinity'),
      status: 400,
      has: ['not valid JSON'],
    },
    {
      name: '-Infinity',
      body: R.replace(/"latitude":[^,]+/, '"latitude":-Infinity'),
      status: 400,
      has: ['not valid JSON'],
    },
    {
      name: '1e999 (parses to Infinity)',
      body: R.replace(/"net_area":[^,]+/, '"net_area":1e999'),
      status: 400,
      has: ['net_area must be <= 20000'],
      problems: [{ field: 'net_area', rule: 'maximum' }],
    },
    {
      name: 'negative area',
      payload: { ...RECORD, net_area: -5 },
      status: 400,
      has: ['net_area must be >= 1'],
      problems: [{ field: 'net_area', rule: 'minimum' }],
    },
    {
      name: 'zero usable area',
      payload: { ...RECORD, net_usable_area: 0 },
      status: 400,
      has: ['net_usable_area must be >= 1'],
      problems: [{ field: 'net_usable_area', rule: 'minimum' }],
    },
    {
      name: 'absurd area',
      payload: { ...RECORD, net_usable_area: 1e9 },
      status: 400,
      has: ['net_usable_area must be <= 5000'],
      problems: [{ field: 'net_usable_area', rule: 'maximum' }],
    },
    // Rooms and bathrooms: whole numbers 1–10, from the data contract of train (record_schema_from).
    {
      name: 'absurd rooms',
      payload: { ...RECORD, n_rooms: 500 },
      status: 400,
      has: ['n_rooms must be <= 10'],
      problems: [{ field: 'n_rooms', rule: 'maximum' }],
    },
    {
      name: 'more rooms than the data holds',
      payload: { ...RECORD, n_rooms: 11 },
      status: 400,
      has: ['n_rooms must be <= 10'],
      problems: [{ field: 'n_rooms', rule: 'maximum' }],
    },
    {
      name: 'no bathroom',
      payload: { ...RECORD, n_bathroom: 0 },
      status: 400,
      has: ['n_bathroom must be >= 1'],
      problems: [{ field: 'n_bathroom', rule: 'minimum' }],
    },
    {
      name: 'half a room',
      payload: { ...RECORD, n_rooms: 2.5 },
      status: 400,
      has: ['n_rooms must be integer'],
      problems: [{ field: 'n_rooms', rule: 'type' }],
    },
    {
      name: 'coordinates outside the sectors',
      payload: { ...RECORD, latitude: 48.85, longitude: 2.35 },
      status: 400,
      has: ['latitude must be <= -33.3053', 'longitude must be <= -70.4319'],
    },
    {
      name: 'unknown sector',
      payload: { ...RECORD, sector: 'santiago' },
      status: 400,
      has: ['sector must be one of "la reina", "las condes"'],
      problems: [{ field: 'sector', rule: 'enum' }],
    },
    {
      name: 'sector in another case',
      payload: { ...RECORD, sector: 'Las Condes' },
      status: 400,
      has: ['sector must be one of'],
      problems: [{ field: 'sector', rule: 'enum' }],
    },
    {
      name: 'unknown type',
      payload: { ...RECORD, type: 'castillo' },
      status: 400,
      has: ['type must be one of "casa", "departamento"'],
      problems: [{ field: 'type', rule: 'enum' }],
    },
    { name: 'non-JSON', body: 'type=casa&sector=vitacura', status: 400, has: ['not valid JSON'] },
    { name: 'truncated JSON', body: R.slice(0, 40), status: 400, has: ['not valid JSON'] },
    { name: 'empty body', body: '', status: 400, has: ['Empty body', 'content-type: application/json'] },
    {
      name: 'no body, no content type',
      noType: true,
      status: 400,
      has: ['must be a record (object) or an array of 1 to 1000 records'],
    },
    {
      name: 'null body',
      body: 'null',
      status: 400,
      has: ['body must be a record (object) or an array of 1 to 1000 records, but got null'],
      problems: [{ field: '', rule: 'type' }],
    },
    { name: 'a string body', body: '"casa"', status: 400, has: ['but got string'] },
    { name: 'a number body', body: '42', status: 400, has: ['but got number'] },
    {
      name: 'array of non-objects',
      body: '[1, "casa", null]',
      status: 400,
      has: ['[0] must be object', '[1] must be object', '[2] must be object'],
      problems: [
        { field: '[0]', rule: 'type' },
        { field: '[1]', rule: 'type' },
        { field: '[2]', rule: 'type' },
      ],
    },
    {
      name: 'empty array',
      body: '[]',
      status: 400,
      has: ['must NOT have fewer than 1 items'],
      problems: [{ field: '', rule: 'minItems' }],
    },
    {
      name: 'a bad record inside a batch',
      payload: [RECORD, RECORD, { ...RECORD, net_area: -1 }],
      status: 400,
      has: ['[2].net_area must be >= 1'],
      problems: [{ field: '[2].net_area', rule: 'minimum' }],
    },
    { name: 'nested arrays', body: '[[' + R + ']]', status: 400, has: ['[0] must be object'] },
    {
      name: 'a duplicate key (the last one counts)',
      body: R.replace(/}$/, ',"net_area":"big"}'),
      status: 400,
      has: ['net_area must be number'],
    },
    { name: '__proto__ key', body: R.replace(/}$/, ',"__proto__":{"x":1}}'), status: 400, has: ['not valid JSON'] },
    { name: 'oversize body', body: `[${R}${`,${R}`.repeat(8000)}]`, status: 413, has: ['Request body too large'] },
    {
      name: 'content type application/xml',
      body: '<record/>',
      type: 'application/xml',
      status: 415,
      has: ['Unsupported content type', 'content-type: application/json'],
    },
    {
      name: 'content type form-urlencoded',
      body: 'type=casa',
      type: 'application/x-www-form-urlencoded',
      status: 415,
      has: ['Unsupported content type'],
    },
    {
      name: 'content type multipart',
      body: '--x\r\n\r\n--x--',
      type: 'multipart/form-data; boundary=x',
      status: 415,
      has: ['Unsupported content type'],
    },
    {
      name: 'content type text/plain',
      body: R,
      type: 'text/plain',
      status: 415,
      has: ['Unsupported content type'],
    },
  ];
  for (const c of cases) {
    const res = c.noType
      ? await main.app.inject({ method: 'POST', url: '/api/v1/predict', headers: KEY })
      : c.body !== undefined
        ? await raw(main.app, '/api/v1/predict', c.body, c.type)
        : await post(main.app, '/api/v1/predict', c.payload);
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${c.name}: a 4xx (${res.statusCode})`);
    const body = json(res);
    t.type(body.message, 'string', `${c.name}: a message`);
    expectError(t, res, c.status, c.has, `${c.name}:`);
    if (c.problems) t.match(body.problems, c.problems, `${c.name}: problems name field and rule`);
    if (c.status === 400 && c.problems)
      t.equal((body.problems as unknown[]).length, c.problems.length, `${c.name}: no other problem`);
  }
  t.equal((await post(main.app, '/api/v1/predict', RECORD)).statusCode, 200, 'still answering');
});

t.test('an error answer stays small whatever the request: problems are capped', async (t) => {
  // 1,000 empty records: 8,000 problems. A 3 KB request must not get a half-megabyte answer.
  const res = await raw(main.app, '/api/v1/predict', JSON.stringify(Array.from({ length: 1000 }, () => ({}))));
  const body = expectError(t, res, 400, ['[0].type is required', 'and 7995 more']);
  t.ok(body.problems!.length > 0);
  const cap =
    'bug: app.ts/validation.ts send every Ajv problem back (allErrors): 1,000 empty records (3 KB) get 8,000 ' +
    'problems (~550 KB), a 390 KB batch of records with extra fields ~5 MB; cap problems (e.g. the first 50, the ' +
    "message already says 'and N more') and consider stopping validation early for huge batches";
  t.ok(res.body.length < 64 * 1024, `answer of ${res.body.length} bytes`);
  const compat = await raw(
    main.app,
    '/api/v1/predict/',
    JSON.stringify([Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`f${i}`, 1]))]),
  );
  t.equal(compat.statusCode, 422);
  t.ok(compat.body.length < 64 * 1024, `compat answer of ${compat.body.length} bytes`);
});

t.test(
  'routing: HEAD, encoded paths and query strings go through the same auth; unknown routes are JSON 404s',
  async (t) => {
    t.equal(
      (await main.app.inject({ method: 'HEAD', url: '/api/v1/model' })).statusCode,
      401,
      'HEAD /api/v1/model needs a key',
    );
    t.equal((await main.app.inject({ method: 'HEAD', url: '/metrics' })).statusCode, 401, 'HEAD /metrics needs a key');
    t.equal((await main.app.inject({ method: 'HEAD', url: '/api/v1/health' })).statusCode, 200);
    t.equal((await get(main.app, '/api/v1/%6dodel')).statusCode, 401, 'a percent-encoded path');
    t.equal((await get(main.app, '/api/v1/model?api-key=x')).statusCode, 401, 'a query string');
    for (const [method, url] of [
      ['GET', '/api/v1/predict'],
      ['OPTIONS', '/api/v1/predict'],
      ['GET', '//api/v1/model'],
      ['DELETE', '/api/v1/model'],
      ['GET', '/API/V1/HEALTH'],
    ] as const) {
      const res = await main.app.inject({ method, url });
      expectError(t, res, 404, [`Route ${method} ${url} does not exist`], `${method} ${url}:`);
    }
  },
);

t.test(
  'every answer names its request in x-request-id: success, 401, 404, 415, bad JSON, a malformed URL',
  async (t) => {
    const answers = [
      ['200', await post(main.app, '/api/v1/predict', RECORD)],
      ['401', await post(main.app, '/api/v1/predict', RECORD, {})],
      ['404', await get(main.app, '/no/such/route')],
      [
        '404 with a bad body',
        await main.app.inject({
          method: 'POST',
          url: '/no/such/route',
          headers: { 'content-type': 'application/json' },
          payload: '{',
        }),
      ],
      [
        '415',
        await main.app.inject({
          method: 'POST',
          url: '/api/v1/predict',
          headers: { ...KEY, 'content-type': 'text/csv' },
          payload: 'a,b',
        }),
      ],
      [
        '400 bad JSON',
        await main.app.inject({
          method: 'POST',
          url: '/api/v1/predict',
          headers: { ...KEY, 'content-type': 'application/json' },
          payload: '{"type":',
        }),
      ],
      ['malformed URL', await get(main.app, '/api/v1/%E0%A4%A')],
    ] as const;
    for (const [what, res] of answers) {
      t.ok(res.statusCode >= 200 && res.statusCode < 500, `${what}: status ${res.statusCode}`);
      t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, `${what}: a request id header`);
    }
    const bad = answers[6][1];
    expectError(
      t,
      bad,
      400,
      ["'/api/v1/%E0%A4%A' is not a valid url component", 'percent-encode the path'],
      'malformed URL:',
    );
    t.equal(json(bad).request_id, bad.headers['x-request-id'], 'malformed URL: the id in the body is the header');
  },
);

t.test('a failing pipeline is a 500 naming the request id, without internals, and logs nothing', async (t) => {
  const broken = (run: () => unknown) => ({ ...main.model, plan: { run } as unknown as InferencePlan });
  const log = new PredictionLog('data/09_monitoring/broken.jsonl', dir);
  t.teardown(() => log.close());
  const make = async (run: () => unknown) => {
    const app = await buildApp({ project: main.project, config: main.config, model: broken(run), predictionLog: log });
    t.teardown(() => app.close());
    return app;
  };
  const throwing = await make(() => {
    throw new Error('secret internals at /srv/model');
  });
  const res = await post(throwing, '/api/v1/predict', RECORD, { ...KEY, 'x-request-id': 'boom-1' });
  t.equal(res.statusCode, 500);
  t.same(json(res), {
    statusCode: 500,
    error: 'Internal Server Error',
    message: 'Internal error; the server log has the details under request id boom-1.',
    request_id: 'boom-1',
  });
  t.notMatch(res.body, 'secret internals');
  const compat = await post(throwing, '/api/v1/predict/', [{ ...RECORD, price: 1 }]);
  t.equal(compat.statusCode, 500);
  t.same(json(compat), { detail: 'Internal Server Error' });
  for (const [name, out] of [
    ['NaN', { predictions: [NaN] }],
    ['too few', { predictions: [] }],
    ['nothing', {}],
    ['a string', { predictions: ['1'] }],
  ] as const) {
    const app = await make(() => out);
    const r = await post(app, '/api/v1/predict', RECORD);
    t.equal(r.statusCode, 500, `a pipeline answering ${name}: 500, not a wrong 200`);
  }
  t.equal(log.path.length > 0, true);
  let logged = '';
  try {
    logged = readFileSync(log.path, 'utf8');
  } catch {
    // never created: nothing was logged
  }
  t.equal(logged, '', 'no prediction logged');
});
