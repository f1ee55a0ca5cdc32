// The prediction API as a Fastify instance, made of plugins with one concern each (plugins/): errors,
// draining at shutdown, access log, model, auth, rate limits, metrics, predictions, docs, routes, the original
// service's routes, each declaring the plugins it needs. buildApp does no I/O of its own beyond what it is given, so
// tests drive it with inject() and the CLI adds listen() and signals.

import { randomUUID } from 'node:crypto';
import type { Project } from '@dagrun/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { boundJsonBatches } from './batch-bound.js';
import { durationMs, type ServeConfig } from './config.js';
import type { ServedModel } from './model.js';
import accessLogPlugin from './plugins/access-log.js';
import authPlugin from './plugins/auth.js';
import compatRoutes from './plugins/compat-routes.js';
import docsPlugin from './plugins/docs.js';
import drainPlugin from './plugins/drain.js';
import errorsPlugin, { frameworkErrors } from './plugins/errors.js';
import metricsPlugin from './plugins/metrics.js';
import modelPlugin from './plugins/model.js';
import predictionsPlugin from './plugins/predictions.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import routes from './plugins/routes.js';
import type { PredictionLog } from './prediction-log.js';
import { buildValidators } from './validation.js';

export interface AppOptions {
  readonly project: Project;
  readonly config: ServeConfig;
  /** The model to serve first (loadModel). */
  readonly model: ServedModel;
  /**
   * false: `model` was loaded at a version asked for, so it is kept when the dataset's current version moves. Default
   * true.
   */
  readonly follow?: boolean | undefined;
  /**
   * Where reloads and failed reload polls are told, as one line each (the CLI: stderr); the access log gets them too.
   */
  readonly notify?: ((line: string) => void) | undefined;
  readonly predictionLog: PredictionLog;
  /** Access log; undefined: none. */
  readonly accessLog?: Logger | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const buildApp = async (opts: AppOptions): Promise<FastifyInstance> => {
  const { config, project, predictionLog } = opts;
  const app = Fastify({
    logger: false,
    bodyLimit: config.body_limit,
    // The whole request (headers and body) within request_timeout, else 408 and the connection closes; Node
    // checks the deadlines every connectionsCheckingInterval, so that is a fraction of the timeout.
    requestTimeout: durationMs(config.request_timeout),
    keepAliveTimeout: durationMs(config.keep_alive_timeout),
    http: {
      headersTimeout: durationMs(config.headers_timeout),
      connectionsCheckingInterval: Math.max(100, Math.min(1000, durationMs(config.request_timeout) / 10)),
    },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
    frameworkErrors,
  });
  // JSON only (any other content type is a 415, not a string handed to the validators), and no batch over max_batch.
  app.removeContentTypeParser('text/plain');
  boundJsonBatches(app, config.max_batch);

  const validators = buildValidators(config.record_schema, config.max_batch, config.compat.ignore_fields);
  await app.register(accessLogPlugin, { accessLog: opts.accessLog });
  await app.register(errorsPlugin);
  await app.register(drainPlugin);
  await app.register(modelPlugin, {
    project,
    config,
    model: opts.model,
    follow: opts.follow ?? true,
    notify: opts.notify,
  });
  await app.register(authPlugin, { config });
  await app.register(rateLimitPlugin, { config });
  await app.register(docsPlugin, { project, config });
  await app.register(metricsPlugin, { predictionLog, openToAll: config.auth.public.includes('metrics') });
  await app.register(predictionsPlugin, { config, predictionLog });
  await app.register(routes, { config, validators });
  if (config.compat.enabled) await app.register(compatRoutes, { config, validators });
  return app;
};
