// `dagrun ui`: a Fastify app over the tracking store. GET / is the page, /api/* the JSON of ui-api.ts (each
// route with its querystring and response schema), /artifacts/:runId/* a run's files with their content
// type, under `Content-Security-Policy: sandbox` so an artifact cannot script the ui.

import { createReadStream, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type CommandContext, type CommandSpec } from '@dagrun/core';
import Fastify, { type FastifyError, type FastifyServerOptions } from 'fastify';
import { describeFilterSyntax } from './filter.js';
import { mlflowRest } from './mlflow-rest.js';
import { ModelRegistry } from './registry-store.js';
import { openStore } from './open.js';
import {
  ApiError,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  compareRuns,
  experimentsJson,
  guessType,
  modelsJson,
  runDetail,
  runsPage,
  toApiError,
  type RunsView,
} from './ui-api.js';
import { uiHtml } from './ui-bundle.js';

export interface UiServerOptions {
  readonly storeRoot: string;
  readonly host?: string | undefined;
  /** 0 listens on any free port; `url` names the real one. */
  readonly port?: number | undefined;
  readonly logger?: FastifyServerOptions['logger'];
  /** Told of every request that failed inside the server (a 500), e.g. to print it. */
  readonly onError?: ((err: Error) => void) | undefined;
}

export interface UiServer {
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 5000;

// ---- schemas ------------------------------------------------------------------------------------------

const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;
const N_OR_NULL = { type: ['number', 'null'] } as const;
const S_OR_NULL = { type: ['string', 'null'] } as const;
/** A metric value: a number, or 'NaN' / 'Infinity' / '-Infinity'. */
const NUM = { type: ['number', 'string'] } as const;
const obj = (properties: Record<string, unknown>) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
});
const arr = (items: unknown) => ({ type: 'array', items });
const dict = (values: unknown) => ({ type: 'object', additionalProperties: values });

const PROBLEMS = arr(obj({ file: S, message: S }));
const POINT = obj({ step: I, timestamp: I, value: NUM });
const RUN = obj({
  runId: S,
  runName: S,
  experimentId: S,
  userId: S,
  status: S,
  startTime: N_OR_NULL,
  endTime: N_OR_NULL,
  lifecycleStage: S,
  artifactUri: S,
  params: dict(S),
  metrics: dict(NUM),
  tags: dict(S),
});
const ERROR = {
  type: 'object',
  properties: {
    error: { type: 'object', properties: { code: S, message: S, position: I }, required: ['code', 'message'] },
  },
  required: ['error'],
};
const responses = (ok: unknown) => ({ 200: ok, '4xx': ERROR, '5xx': ERROR });

const SCHEMAS = {
  info: { response: responses(obj({ storeRoot: S, filterSyntax: S })) },
  experiments: {
    response: responses(
      obj({
        experiments: arr(obj({ id: S, name: S, lifecycleStage: S, creationTime: N_OR_NULL, runs: I, deletedRuns: I })),
        problems: PROBLEMS,
      }),
    ),
  },
  runs: {
    querystring: {
      type: 'object',
      properties: {
        experiment: S,
        filter: S,
        orderBy: S,
        limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
        offset: { type: 'integer', minimum: 0, default: 0 },
        view: { type: 'string', enum: ['active', 'deleted', 'all'], default: 'active' },
      },
      additionalProperties: false,
    },
    response: responses(
      obj({
        runs: arr(RUN),
        total: I,
        offset: I,
        limit: I,
        columns: obj({ params: arr(S), metrics: arr(S), tags: arr(S) }),
        problems: PROBLEMS,
      }),
    ),
  },
  run: {
    params: obj({ runId: S }),
    response: responses(
      obj({
        run: RUN,
        experiment: { type: ['object', 'null'], properties: { id: S, name: S } },
        metrics: arr(obj({ key: S, value: NUM, step: I, history: arr(POINT) })),
        artifacts: arr(obj({ path: S, size: I, contentType: S, kind: S })),
        problems: PROBLEMS,
      }),
    ),
  },
  compare: {
    querystring: {
      type: 'object',
      properties: { ids: { type: 'string', minLength: 1 } },
      required: ['ids'],
      additionalProperties: false,
    },
    response: responses(
      obj({
        runs: arr(obj({ runId: S, runName: S, experimentId: S, status: S, startTime: N_OR_NULL })),
        params: arr(obj({ key: S, values: arr(S_OR_NULL), differs: { type: 'boolean' } })),
        metrics: arr(
          obj({
            key: S,
            values: arr({ type: ['number', 'string', 'null'] }),
            differs: { type: 'boolean' },
            better: S,
            best: arr(I),
            histories: arr(arr(POINT)),
          }),
        ),
        problems: PROBLEMS,
      }),
    ),
  },
  models: {
    response: responses(
      obj({
        models: arr(
          obj({
            name: S,
            description: S_OR_NULL,
            creationTimestamp: N_OR_NULL,
            lastUpdatedTimestamp: N_OR_NULL,
            aliases: dict(S),
            tags: dict(S),
            versions: arr(
              obj({
                version: I,
                aliases: arr(S),
                status: S,
                currentStage: S,
                creationTimestamp: N_OR_NULL,
                description: S_OR_NULL,
                source: S,
                runId: S_OR_NULL,
                runName: S_OR_NULL,
              }),
            ),
          }),
        ),
        problems: PROBLEMS,
      }),
    ),
  },
};

// ---- the app ------------------------------------------------------------------------------------------

/** One schema violation as a phrase: `'limit' must be <= 1000`, `'ids' is required`. */
const describeViolation = (v: NonNullable<FastifyError['validation']>[number]): string => {
  const params = v.params as { missingProperty?: string; allowedValues?: unknown[] };
  if (v.keyword === 'required') return `'${params.missingProperty}' is required`;
  const allowed = params.allowedValues ? ` (${params.allowedValues.join(', ')})` : '';
  return `'${v.instancePath.replace(/^\//, '')}' ${v.message ?? 'is invalid'}${allowed}`;
};

export interface UiAppOptions {
  readonly storeRoot: string;
  readonly logger?: FastifyServerOptions['logger'];
  readonly onError?: ((err: Error) => void) | undefined;
  /** The Host headers served (others get a 403); every one when absent. */
  readonly allowedHosts?: (() => readonly string[]) | undefined;
}

/** The app without listening (tests inject requests into it). */
export const buildUiApp = (opts: UiAppOptions) => {
  const store = openStore(opts.storeRoot, { create: false });
  // Requests within a second share one listing (see TrackingStore.listingMaxAgeMs); the refresh button waits that
  // long at most.
  store.listingMaxAgeMs = 1000;
  const registry = new ModelRegistry(store.root);
  const app = Fastify({ logger: opts.logger ?? false });

  // A page of another site may resolve its own name to 127.0.0.1 (DNS rebinding) and then read the store
  // as same-origin; its requests carry that name in Host, so only this machine's names are answered.
  const hosts = opts.allowedHosts;
  if (hosts) {
    app.addHook('onRequest', async (req, reply) => {
      const host = req.headers.host ?? '';
      if (hosts().includes(host.toLowerCase())) return;
      const detail =
        `Host '${host}': expected this machine's address (${hosts().join(', ')}), but got another name.\n` +
        'Hint: open the url `dagrun ui` printed; to serve other names, listen on them with --host.';
      await reply.status(403).send(new ApiError(403, 'DAGRUN_ERR_UI_HOST', detail).body());
    });
  }

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = err.validation
      ? new ApiError(
          400,
          'DAGRUN_ERR_UI_REQUEST',
          `Request '${req.url.split('?')[0]}': ` +
            `expected its ${err.validationContext ?? 'parameters'} to match the API's schema, ` +
            `but got: ${err.validation.map(describeViolation).join('; ')}.`,
        )
      : toApiError(err);
    if (e.status >= 500) {
      req.log.error(err);
      opts.onError?.(err);
    }
    return reply.status(e.status).send(e.body());
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send(
        new ApiError(
          404,
          'DAGRUN_ERR_UI_NOT_FOUND',
          `Path '${req.url}': expected /, /api/... or /artifacts/<run id>/<path>, but got no such route.`,
        ).body(),
      ),
  );

  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .send(await uiHtml()),
  );

  app.get('/api/info', { schema: SCHEMAS.info }, async () => ({
    storeRoot: store.root,
    filterSyntax: describeFilterSyntax(),
  }));
  app.get('/api/experiments', { schema: SCHEMAS.experiments }, async () => experimentsJson(store));
  app.get<{
    Querystring: {
      experiment?: string;
      filter?: string;
      orderBy?: string;
      limit: number;
      offset: number;
      view: RunsView;
    };
  }>('/api/runs', { schema: SCHEMAS.runs }, async (req) => runsPage(store, req.query));
  app.get<{ Params: { runId: string } }>('/api/runs/:runId', { schema: SCHEMAS.run }, async (req) =>
    runDetail(store, req.params.runId),
  );
  app.get<{ Querystring: { ids: string } }>('/api/compare', { schema: SCHEMAS.compare }, async (req) =>
    compareRuns(
      store,
      req.query.ids
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  );
  app.get('/api/models', { schema: SCHEMAS.models }, async () => modelsJson(store, registry));
  // MLflow's REST API (the part a client needs to log runs), in its own scope with MLflow's error shape.
  void app.register(mlflowRest, { store });

  app.get<{ Params: { runId: string; '*': string } }>('/artifacts/:runId/*', async (req, reply) => {
    const { runId, '*': rel } = req.params;
    const file = store.artifactPath(runId, rel);
    let real: string;
    let base: string;
    try {
      [real, base] = [realpathSync(file), realpathSync(store.artifactPath(runId, ''))];
    } catch {
      throw new ApiError(
        404,
        'DAGRUN_ERR_UI_NOT_FOUND',
        `Artifact '${rel}' of run '${runId}': expected a file of the run's artifacts, but got no such file.`,
      );
    }
    // A symbolic link inside the artifacts may point anywhere: the file it names must be inside too.
    if (real !== base && !real.startsWith(`${base}/`)) {
      throw new ApiError(
        400,
        'DAGRUN_ERR_TRACKING_KEY',
        `Artifact path '${rel}': expected a path inside the run's artifacts, but got one that leaves it.`,
      );
    }
    const stat = statSync(real);
    if (!stat.isFile())
      throw new ApiError(
        404,
        'DAGRUN_ERR_UI_NOT_FOUND',
        `Artifact '${rel}' of run '${runId}': expected a file, but got a folder.`,
      );
    return reply
      .type(guessType(file).contentType)
      .header('Content-Length', stat.size)
      .header('Content-Security-Policy', 'sandbox')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'no-cache')
      .send(createReadStream(real));
  });
  return app;
};

export const startUiServer = async (opts: UiServerOptions): Promise<UiServer> => {
  const host = opts.host ?? '127.0.0.1';
  let port = opts.port ?? DEFAULT_PORT;
  const shown = host.includes(':') ? `[${host}]` : host;
  // On a loopback address only this machine's names are served; on another address, whatever name reaches it.
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  const names = [...new Set([shown, '127.0.0.1', 'localhost', '[::1]'])];
  const allowedHosts = loopback ? () => names.map((n) => `${n}:${port}`.toLowerCase()) : undefined;
  const app = buildUiApp({ storeRoot: opts.storeRoot, logger: opts.logger, onError: opts.onError, allowedHosts });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE')
      throw new ConfigError(
        'DAGRUN_ERR_CLI_USAGE',
        `Port ${opts.port} on ${host}: expected a free port, but got one in use.`,
        { hint: 'Hint: --port 0 picks any free port.' },
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new ConfigError(
        'DAGRUN_ERR_CLI_USAGE',
        `Host '${host}': expected an address of this machine, but got one it cannot listen on.`,
        { hint: 'Hint: --host 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).' },
      );
    throw err;
  }
  const address = app.server.address();
  if (typeof address === 'object' && address) port = address.port;
  return { url: `http://${shown}:${port}/`, close: () => app.close() };
};

// ---- the command --------------------------------------------------------------------------------------

export interface UiCommandOptions {
  readonly port?: string | undefined;
  readonly host?: string | undefined;
  readonly store?: string | undefined;
}

const usage = (detail: string, hint?: string): ConfigError => new ConfigError('DAGRUN_ERR_CLI_USAGE', detail, { hint });

const checkPort = (port: string | undefined): number => {
  if (port === undefined) return DEFAULT_PORT;
  const n = Number(port);
  if (port.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw usage(
      `--port '${port}': expected an integer from 0 to 65535, but got '${port}'.`,
      'Hint: --port 0 picks any free port.',
    );
  return n;
};

/** Resolves once SIGINT or SIGTERM arrives (Ctrl-C), and stops listening for them. */
const untilSignal = (): Promise<void> =>
  new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

/** Serves the store until `stopped` resolves (by default a signal); tests pass their own promise. */
export const runUi = async (
  o: UiCommandOptions,
  ctx: CommandContext,
  resolveStore: (projectDir: string) => string | Promise<string>,
  stopped: () => Promise<void> = untilSignal,
): Promise<number> => {
  const port = checkPort(o.port);
  const storeRoot = o.store !== undefined ? resolve(process.cwd(), o.store) : await resolveStore(ctx.projectDir);
  const server = await startUiServer({
    storeRoot,
    host: o.host,
    port,
    onError: (err) => ctx.stderr(`Request failed: ${err.stack ?? err.message}`),
  });
  ctx.stdout(server.url);
  ctx.stderr(`Serving the tracking store at ${storeRoot} on ${server.url}; Ctrl-C stops.`);
  await stopped();
  await server.close();
  ctx.stderr('Stopped.');
  return 0;
};

/** The `ui` command, with where the store is when --store is not given (the lead may read it from tracking.yaml). */
export const uiCommandFor = (resolveStore: (projectDir: string) => string | Promise<string>): CommandSpec => ({
  name: 'ui',
  description:
    'Browse the tracking store in a web page: runs (filter, sort, compare), their metrics and artifacts, ' +
    'and the model registry',
  options: [
    { flags: '--port <number>', description: `port to listen on (default ${DEFAULT_PORT}; 0 for any free port)` },
    { flags: '--host <address>', description: 'address to listen on (default 127.0.0.1, this machine only)' },
    { flags: '--store <path>', description: "the tracking store (default: the project's mlruns/)" },
  ],
  action: (_args, options, ctx) => runUi(options as UiCommandOptions, ctx, resolveStore),
});

export const uiCommand: CommandSpec = uiCommandFor((projectDir) => join(projectDir, 'mlruns'));
