// The prediction API as a Fastify instance: routes with schemas (which also make the OpenAPI document),
// API-key / JWT auth in onRequest, per-client rate limits before the body is parsed, the prediction log
// with group commit, Prometheus metrics and one access-log line per request. buildApp does no I/O of its
// own beyond what it is given, so tests drive it with inject() and the CLI adds listen() and signals.

import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { Project } from '@dagrun/core';
import { ApiKeys, FailedAuth, type KeyMemo, type Principal, type Scope } from './auth.js';
import { DEFAULT_RELOAD_EVERY, reloadEveryMs, windowMs, type ServeConfig } from './config.js';
import { Metrics } from './metrics.js';
import { describeModel, MODEL_RESPONSE, type ServedModel } from './model.js';
import { ModelReloader, type ReloadEvent } from './model-reloader.js';
import type { PredictionLog } from './prediction-log.js';
import type { ErrorObject } from 'ajv';
import { buildValidators, problemsOf, RequestError, summarise, type Problem } from './validation.js';

export interface AppOptions {
  readonly project: Project;
  readonly config: ServeConfig;
  /** The model to serve first (loadModel). */
  readonly model: ServedModel;
  /** false: `model` was loaded at a version asked for, so it is kept when the dataset's current version moves. Default true. */
  readonly follow?: boolean | undefined;
  /** Where reloads and failed reload polls are told, as one line each (the CLI: stderr); the access log gets them too. */
  readonly notify?: ((line: string) => void) | undefined;
  readonly predictionLog: PredictionLog;
  /** Access log; undefined: none. */
  readonly accessLog?: Logger | undefined;
}

/** What a route needs from the caller: nothing (public), or a scope. */
interface RouteAuth {
  readonly scope?: Scope;
  /** The name under which serve.yaml `auth.public` can open the route. */
  readonly publicAs?: 'health' | 'docs' | 'metrics' | 'model';
  /** Answer auth failures like the original FastAPI service ({"detail": "Invalid API key"}). */
  readonly compat?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    startedAt: number;
    /** The matched route's path and auth, set by its onRequest hook; undefined when no route matched. */
    route: RouteInfo | undefined;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyInstance {
    /** The model being served now (it changes on reload). */
    served(): ServedModel;
  }
}

/** What the per-route hook knows of its route, computed once when the route is added. */
interface RouteInfo {
  readonly url: string;
  readonly auth: RouteAuth | undefined;
}

const DOCS_AUTH: RouteAuth = { publicAs: 'docs', scope: 'predict' };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_PROBLEMS = 50;
const PUBLIC: Principal = { client: 'public', scopes: [], scheme: 'public' };

const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    request_id: { type: 'string' },
    problems: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } } },
  },
};
const compatErrorSchema = { type: 'object', properties: { detail: {} } };
const errorResponses = (codes: number[], schema: object = errorSchema) => Object.fromEntries(codes.map((c) => [c, schema]));


export const buildApp = async (opts: AppOptions): Promise<FastifyInstance> => {
  const { config, predictionLog, accessLog, project } = opts;
  const keys = new ApiKeys(config.auth.api_keys);
  const failedAuth = new FailedAuth(config.rate_limit.failed_auth, windowMs(config.rate_limit.window));
  const metrics = new Metrics();
  metrics.model(opts.model.dataset, opts.model.version);
  const onReload = (e: ReloadEvent): void => {
    if (e.error === undefined) metrics.model(config.model.dataset, e.version);
    if (e.reason === 'admin' && e.error === undefined) return; // the reload route logs it with its request
    const line = e.error === undefined
      ? `Model '${config.model.dataset}': its current version moved to ${e.version ?? '?'}; now serving it (was ${e.previous ?? 'unversioned'}).`
      : `Model '${config.model.dataset}': expected to load its current version${e.version ? ` ${e.version}` : ''}, but got: ${e.error.replace(/\.$/, '')}. Still serving ${e.previous ?? 'unversioned'}; retrying every ${config.model.reload_every ?? DEFAULT_RELOAD_EVERY}.`;
    opts.notify?.(line);
    if (e.error === undefined) accessLog?.info({ previous_version: e.previous ?? null, version: e.version ?? null, reason: e.reason }, 'model reloaded');
    else accessLog?.warn({ version: e.version ?? null, served_version: e.previous ?? null, err: e.error }, 'model reload failed');
  };
  const reloader = new ModelReloader({ project, config, model: opts.model, follow: opts.follow ?? true, everyMs: reloadEveryMs(config), onEvent: onReload });
  const publicRoutes = new Set(config.auth.public);
  const validators = buildValidators(config.record_schema, config.max_batch, config.compat.ignore_fields);
  const started = Date.now();
  // Requests between their first hook and their answer: close waits for them before logs are flushed.
  let inFlight = 0;
  /** A request's start: its clock, its id header, and one more in flight. */
  const begin = (request: FastifyRequest, reply: FastifyReply): void => {
    request.startedAt = performance.now();
    inFlight++;
    reply.header('x-request-id', request.id);
  };

  const app = Fastify({
    logger: false,
    bodyLimit: config.body_limit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
    // Refused before routing (a malformed percent-encoding in the path): no hook runs, so the answer is
    // made here, in the same shape and with the same id header as every other.
    frameworkErrors: (err, request, reply) => {
      const status = err.statusCode ?? 400;
      const hint = err.code === 'FST_ERR_BAD_URL' ? '; percent-encode the path (RFC 3986), e.g. %25 for %' : '';
      reply.header('x-request-id', request.id);
      (reply as FastifyReply).code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: `${err.message}${hint}.`, request_id: request.id });
    },
  });
  // JSON only: any other content type is a 415, not a string handed to the validators.
  app.removeContentTypeParser('text/plain');
  app.addHook('onClose', async () => {
    await reloader.close();
    for (let i = 0; i < 200 && inFlight > 0; i++) await new Promise((r) => setTimeout(r, 5));
  });

  app.decorateRequest('principal', undefined);
  app.decorateRequest('startedAt', 0);
  app.decorateRequest('route', undefined);

  // Errors: every 4xx names what to change; a 500 names the request id to find in the server log.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const compat = request.route?.auth?.compat === true;
    if (status >= 500) {
      accessLog?.error({ req_id: request.id, err: { message: err.message, stack: err.stack } }, 'request failed');
      return reply.code(500).send(compat ? { detail: 'Internal Server Error' } : { statusCode: 500, error: STATUS_CODES[500], message: `Internal error; the server log has the details under request id ${request.id}.`, request_id: request.id });
    }
    // At most 50 problems in an answer (the message says how many more): a huge bad body must not get a huger answer.
    const all: Problem[] = err instanceof RequestError ? [...err.problems] : Array.isArray(err.validation) ? problemsOf(err.validation as ErrorObject[]) : [];
    const problems = all.slice(0, MAX_PROBLEMS);
    const message = all.length > 0 && !(err instanceof RequestError) ? `Invalid request ${String((err as { validationContext?: string }).validationContext ?? 'body')}: ${summarise(all)}` : messageFor(err, status);
    if (compat) {
      // FastAPI's shapes: 422 {"detail": [{loc, msg, type}]} for validation, {"detail": "..."} otherwise.
      if (problems.length > 0) return reply.code(422).send({ detail: problems.map((p) => ({ loc: ['body', ...p.field.split(/[.[\]]+/).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))], msg: p.message, type: p.rule })) });
      return reply.code(status).send({ detail: message });
    }
    return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, request_id: request.id, ...(problems.length > 0 ? { problems } : {}) });
  });
  app.setNotFoundHandler((request, reply) => {
    begin(request, reply);
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `Route ${request.method} ${request.url.split('?')[0]} does not exist; GET /docs lists the routes.`, request_id: request.id });
  });

  // Auth, before anything else is read.
  const jwtOn = config.auth.jwt_secret !== undefined;
  if (jwtOn) await app.register(fastifyJwt, { secret: config.auth.jwt_secret! });
  // Callback-style hooks: no promise per request on the API-key path (only a JWT needs to wait). Each
  // route gets its own first hook, built when the route is added, so a request never looks its route's
  // settings up: it starts the request's clock, sends its id header, and checks its credentials (one hook
  // rather than a global one and a route one: a hook call less per request).
  const authHook = (info: RouteInfo) => (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    begin(request, reply);
    request.route = info;
    const auth = info.auth;
    if (!auth) return done();
    if (auth.publicAs && publicRoutes.has(auth.publicAs)) {
      request.principal = PUBLIC;
      return done();
    }
    // An address that sent too many wrong credentials waits, whatever it sends now.
    const locked = failedAuth.active ? failedAuth.lockedFor(request.ip) : 0;
    if (locked > 0) {
      reply.header('retry-after', String(locked));
      return done(new RequestError(429, `Too many refused credentials from ${request.ip}: ${config.rate_limit.failed_auth} in ${config.rate_limit.window}; retry in ${locked} s.`));
    }
    const admit = (principal: Principal | undefined): void => {
      if (!principal) {
        // Only wrong credentials count (a guess); none at all is a client not set up yet.
        if (typeof request.headers['api-key'] === 'string' || typeof request.headers.authorization === 'string') failedAuth.failed(request.ip);
        return done(new RequestError(401, auth.compat ? 'Invalid API key' : 'Missing or invalid credentials: send the header api-key: <key>, or Authorization: Bearer <JWT>.'));
      }
      const needed = auth.scope ?? 'predict';
      if (!principal.scopes.includes(needed)) return done(new RequestError(403, `Client '${principal.client}' lacks the '${needed}' scope this route needs.`));
      request.principal = principal;
      done();
    };
    const key = request.headers['api-key'];
    if (typeof key === 'string') return admit(keys.verifyMemo(key, request.raw.socket as { dagrunKey?: KeyMemo }));
    verifyBearer(request).then(admit, () => admit(undefined));
  };
  app.addHook('onRoute', (route) => {
    const info: RouteInfo = { url: route.url, auth: (route.config as { auth?: RouteAuth } | undefined)?.auth ?? (route.url.startsWith('/docs') ? DOCS_AUTH : undefined) };
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [authHook(info), ...own];
  });
  const verifyBearer = async (request: FastifyRequest): Promise<Principal | undefined> => {
    const bearer = request.headers.authorization;
    if (!jwtOn || typeof bearer !== 'string' || !bearer.startsWith('Bearer ')) return undefined;
    try {
      const claims = await request.jwtVerify<{ sub?: unknown; scope?: unknown }>();
      const scopes = (Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? 'predict').split(' ')).filter((s): s is Scope => s === 'predict' || s === 'admin');
      return typeof claims.sub === 'string' && claims.sub.length > 0 ? { client: claims.sub, scopes, scheme: 'jwt' } : undefined;
    } catch {
      return undefined;
    }
  };

  // Rate limits per client, before the body is parsed.
  await app.register(rateLimit, {
    global: false,
    hook: 'preParsing',
    max: config.rate_limit.max,
    timeWindow: config.rate_limit.window,
    keyGenerator: (request) => request.principal?.client ?? request.ip,
    errorResponseBuilder: (request, context) => new RequestError(429, `Client '${request.principal?.client ?? request.ip}' sent more than ${context.max} requests per ${config.rate_limit.window}; retry in ${context.after}.`),
    // Quota headers on a 429 always; on other answers only when asked (three more headers on every answer).
    addHeadersOnExceeding: { 'x-ratelimit-limit': config.rate_limit.headers, 'x-ratelimit-remaining': config.rate_limit.headers, 'x-ratelimit-reset': config.rate_limit.headers },
  });
  const limited = { rateLimit: { max: config.rate_limit.max, timeWindow: config.rate_limit.window } };

  // Metrics and the access log, as the answer goes out (onSend: every answer passes there, errors and 404s
  // included, and it needs no 'finish' listener per request as onResponse does).
  app.addHook('onSend', (request, reply, payload, done) => {
    const started = request.startedAt;
    if (started > 0) inFlight--;
    else reply.header('x-request-id', request.id); // failed before its route's first hook or the 404 handler ran (a bad body on an unknown path): no clock
    const seconds = started > 0 ? (performance.now() - started) / 1000 : 0;
    const route = request.route?.url ?? 'unmatched';
    metrics.observe(route, request.method, reply.statusCode, seconds);
    accessLog?.info({ req_id: request.id, client: request.principal?.client, method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(seconds * 1e6) / 1000 });
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: `${project.settings.name} prediction API`, version: '1', description: `Predictions of pipeline '${config.pipeline}' of dagrun project '${project.settings.name}'. Send the header api-key${jwtOn ? ', or a JWT bearer token' : ''}.` },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'api-key' },
          ...(jwtOn ? { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } : {}),
        },
      },
      security: [{ apiKey: [] }, ...(jwtOn ? [{ bearer: [] }] : [])],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // The plan's inputs object, { <serve.yaml input>: records }, from a literal with the name written in: a
  // computed key ({ [config.input]: records }) or a keyed store each request showed up in profiles as calls
  // into V8's runtime or its megamorphic store; a constant key makes an object of one fixed shape.
  const inputsOf = new Function('records', `return { ${JSON.stringify(config.input)}: records };`) as (records: readonly unknown[]) => Record<string, unknown>;

  /**
   * Runs the plan of `served` (the model when the request started: a reload meanwhile does not change it)
   * on the records, logs one line per prediction naming its version, and returns the predictions once logged.
   */
  const predict = async (request: FastifyRequest, records: readonly unknown[], served: ServedModel): Promise<number[]> => {
    let out = served.plan.run(inputsOf(records));
    if (out instanceof Promise) out = await out;
    const raw = out[config.output] as ArrayLike<unknown> | undefined;
    if (!raw || typeof raw.length !== 'number' || raw.length !== records.length) {
      throw new Error(`Pipeline '${config.pipeline}' output '${config.output}': expected ${records.length} predictions, but got ${raw === undefined ? 'nothing' : describe(raw)}.`);
    }
    // A plain array for the response serialiser, copied by hand (Array.from of a typed array is several
    // times slower for the one or few values of a request), each value checked on the way.
    const n = records.length;
    const predictions = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const p = (raw as ArrayLike<unknown>)[i];
      if (typeof p !== 'number' || !Number.isFinite(p)) throw new Error(`Pipeline '${config.pipeline}' output '${config.output}': prediction ${i} is ${String(p)}, not a finite number.`);
      predictions[i] = p;
    }
    const latency = Math.round((performance.now() - request.startedAt) * 1000) / 1000;
    await predictionLog.appendRequest(request.id, request.principal?.client ?? 'unknown', served.version, records, predictions, latency);
    metrics.predictions(records.length);
    return predictions;
  };

  /** In the OpenAPI document, a route serve.yaml makes public needs no credentials. */
  const openTo = (name: 'health' | 'docs' | 'metrics' | 'model') => (publicRoutes.has(name) ? { security: [] } : {});

  // true: valid, the body stays as parsed (Fastify reads { value } as a replacement body).
  const validateWith = (check: (body: unknown) => Problem[], status = 400) => () => (body: unknown) => {
    const problems = check(body);
    return problems.length === 0 ? true : { error: new RequestError(status, `Invalid request body: ${summarise(problems)}`, problems) };
  };

  app.get('/api/v1/health', {
    config: { auth: { publicAs: 'health' } },
    schema: {
      summary: 'Liveness and the model being served',
      ...openTo('health'),
      response: { 200: { type: 'object', properties: { status: { type: 'string' }, model_version: { type: ['string', 'null'] }, uptime_s: { type: 'number' } } }, ...errorResponses([401]) },
    },
  }, async () => ({ status: 'ok', model_version: reloader.model.version ?? null, uptime_s: Math.round((Date.now() - started) / 100) / 10 }));

  app.post('/api/v1/predict', {
    config: { auth: { scope: 'predict' }, ...limited },
    bodyLimit: config.body_limit,
    validatorCompiler: validateWith(validators.checkPredict),
    schema: {
      summary: `Predict one record, or a batch of up to ${config.max_batch}`,
      description: 'The body is one record (an object) or an array of records. Every prediction is logged for monitoring before the answer is sent.',
      body: validators.predictBody,
      response: {
        200: { type: 'object', properties: { request_id: { type: 'string' }, model_version: { type: ['string', 'null'] }, predictions: { type: 'array', items: { type: 'number' } } } },
        ...errorResponses([400, 401, 403, 413, 415, 429, 500]),
      },
    },
  }, async (request) => {
    const body = request.body;
    const records = Array.isArray(body) ? body : [body];
    const served = reloader.model;
    const predictions = await predict(request, records, served);
    return { request_id: request.id, model_version: served.version ?? null, predictions };
  });

  app.get('/api/v1/model', {
    config: { auth: { scope: 'predict', publicAs: 'model' } },
    schema: {
      summary: 'The model being served: version, training date, metrics, feature schema, and the run and registry version it came from',
      ...openTo('model'),
      response: { 200: MODEL_RESPONSE, ...errorResponses([401, 403]) },
    },
  }, async () => {
    const served = reloader.model;
    return describeModel(served, await reloader.info(), config, reloader.following && reloadEveryMs(config) > 0 && served.version !== undefined);
  });

  app.get('/metrics', {
    config: { auth: { scope: 'predict', publicAs: 'metrics' } },
    schema: { ...openTo('metrics'), summary: 'Prometheus metrics (text format 0.0.4)', response: { 200: { type: 'string' }, ...errorResponses([401, 403]) } },
  }, async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return metrics.render(predictionLog.writes);
  });

  app.post('/api/v1/admin/reload', {
    config: { auth: { scope: 'admin' } },
    schema: {
      summary: 'Load another model version without a restart: the one given (then kept), else the current one (then followed)',
      body: { type: ['object', 'null'], additionalProperties: false, properties: { version: { type: 'string', pattern: '^([0-9T.:-]+Z|[0-9]+)$' } } },
      response: { 200: { type: 'object', properties: { previous_version: { type: ['string', 'null'] }, version: { type: ['string', 'null'] }, loaded_at: { type: 'string' } } }, ...errorResponses([400, 401, 403, 404, 409]) },
    },
  }, async (request) => {
    if (reloader.busy) throw new RequestError(409, 'A reload is already running; retry when it ends.');
    const version = (request.body as { version?: string } | null)?.version;
    let swapped;
    try {
      swapped = await reloader.reload(version, 'admin');
    } catch (err) {
      throw new RequestError(404, `Model '${config.model.dataset}' could not be loaded${version ? ` at version ${version}` : ''}: ${(err as Error).message.split('\n')[0]}`);
    }
    const { previous, next } = swapped;
    accessLog?.info({ req_id: request.id, client: request.principal?.client, previous_version: previous.version ?? null, version: next.version ?? null }, 'model reloaded');
    return { previous_version: previous.version ?? null, version: next.version ?? null, loaded_at: next.loadedAt };
  });

  const ignored = new Set(config.compat.ignore_fields);
  if (config.compat.enabled) {
    // The original FastAPI service, for its clients: same paths (trailing slash), header, body and answer.
    app.get('/api/v1/health/', {
      config: { auth: { publicAs: 'health', compat: true } },
      schema: { ...openTo('health'), summary: 'Health, as the original service answered it', tags: ['compatibility'], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
    }, async () => ({ status: 'ok' }));
    app.post('/api/v1/predict/', {
      config: { auth: { scope: 'predict', compat: true }, ...limited },
      validatorCompiler: validateWith(validators.checkCompat, 422),
      schema: {
        summary: 'Predict one record, as the original service did',
        description: `A JSON array holding exactly one record; ${config.compat.ignore_fields.join(', ') || 'no field'} accepted and ignored. Answers {"prediction": [number]}.`,
        tags: ['compatibility'],
        body: validators.compatBody,
        response: { 200: { type: 'object', properties: { prediction: { type: 'array', items: { type: 'number' } } } }, ...errorResponses([400, 401, 413, 415, 422, 429], compatErrorSchema) },
      },
    }, async (request, reply) => {
      const body = request.body as Record<string, unknown>[];
      if (body.length !== 1) throw new RequestError(400, `Expected a list holding exactly one property, but got ${body.length}.`);
      // A copy without the ignored fields (delete would turn the record into a slow dictionary object).
      const record: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body[0]!)) if (!ignored.has(k)) record[k] = v;
      // The original service's body has no room for the version: it goes in a header.
      const served = reloader.model;
      if (served.version !== undefined) reply.header('x-model-version', served.version);
      return { prediction: await predict(request, [record], served) };
    });
  }

  app.decorate('served', () => reloader.model);
  return app;
};

const describe = (v: unknown): string => (Array.isArray(v) || ArrayBuffer.isView(v) ? `${(v as ArrayLike<unknown>).length} values` : typeof v);

const notJson = (err: Error): string => `Body is not valid JSON (${err.message}). NaN and Infinity are not JSON numbers: send finite numbers.`;

/** The sentence for a 4xx raised by Fastify itself (content type, JSON syntax, body size) or by us. */
const messageFor = (err: Error & { code?: string }, status: number): string => {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `Request body too large: the limit is set by serve.yaml body_limit; send fewer records per request.`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Unsupported content type: send the body as JSON with the header content-type: application/json.`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Empty body: send a JSON record, or an array of records, with content-type: application/json.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return notJson(err);
    default:
      if (err instanceof RequestError) return err.message;
      if (err instanceof SyntaxError) return notJson(err);
      return status === 404 ? 'Not found.' : err.message;
  }
};
