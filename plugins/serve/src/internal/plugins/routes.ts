// The API's routes: health, predict (one record or a batch), the model being served, and the admin reload.
// Each declares its body and response schemas (validation, serialisation and the OpenAPI document).

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { reloadEveryMs, type ServeConfig } from '../config.js';
import { describeModel, MODEL_RESPONSE } from '../model.js';
import { RequestError, type Validators } from '../validation.js';
import { errorResponses } from './errors.js';
import { limited } from './rate-limit.js';
import { validateWith } from './validate-with.js';

export interface RoutesOptions {
  readonly config: ServeConfig;
  readonly validators: Validators;
}

export default fp<RoutesOptions>(
  async (app: FastifyInstance, { config, validators }) => {
    const started = Date.now();
    const publicRoutes = new Set(config.auth.public);
    /** In the OpenAPI document, a route serve.yaml makes public needs no credentials. */
    const openTo = (name: 'health' | 'model') => (publicRoutes.has(name) ? { security: [] } : {});

    app.get(
      '/api/v1/health',
      {
        config: { auth: { publicAs: 'health' } },
        schema: {
          summary: 'Liveness and the model being served',
          ...openTo('health'),
          response: {
            200: {
              type: 'object',
              properties: {
                status: { type: 'string' },
                model_version: { type: ['string', 'null'] },
                uptime_s: { type: 'number' },
              },
            },
            ...errorResponses([401]),
          },
        },
      },
      async () => ({
        status: 'ok',
        model_version: app.served().version ?? null,
        uptime_s: Math.round((Date.now() - started) / 100) / 10,
      }),
    );

    app.post(
      '/api/v1/predict',
      {
        config: { auth: { scope: 'predict' }, ...limited(config) },
        validatorCompiler: validateWith(validators.checkPredict),
        schema: {
          summary: `Predict one record, or a batch of up to ${config.max_batch}`,
          description:
            `The body is one record (an object) or an array of 1 to ${config.max_batch} records (more: 413, refused ` +
            'before any record is checked). Every prediction is logged for monitoring before the answer is sent.',
          body: validators.predictBody,
          response: {
            200: {
              type: 'object',
              properties: {
                request_id: { type: 'string' },
                model_version: { type: ['string', 'null'] },
                predictions: { type: 'array', items: { type: 'number' } },
              },
            },
            ...errorResponses([400, 401, 403, 408, 413, 415, 429, 500]),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const records = Array.isArray(body) ? body : [body];
        const served = app.served();
        const predictions = await app.predict(request, reply, records, served);
        return { request_id: request.id, model_version: served.version ?? null, predictions };
      },
    );

    app.get(
      '/api/v1/model',
      {
        config: { auth: { scope: 'predict', publicAs: 'model' } },
        schema: {
          summary:
            'The model being served: version, training date, metrics, feature schema, and the run and registry ' +
            'version it came from',
          ...openTo('model'),
          response: { 200: MODEL_RESPONSE, ...errorResponses([401, 403]) },
        },
      },
      async () => {
        const { reloader } = app;
        const served = reloader.model;
        return describeModel(
          served,
          await reloader.info(),
          config,
          reloader.following && reloadEveryMs(config) > 0 && served.version !== undefined,
        );
      },
    );

    app.post(
      '/api/v1/admin/reload',
      {
        config: { auth: { scope: 'admin' } },
        schema: {
          summary:
            'Load another model version without a restart: the one given (then kept), else the current one (then ' +
            'followed)',
          body: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: { version: { type: 'string', pattern: '^([0-9T.:-]+Z|[0-9]+)$' } },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                previous_version: { type: ['string', 'null'] },
                version: { type: ['string', 'null'] },
                loaded_at: { type: 'string' },
              },
            },
            ...errorResponses([400, 401, 403, 404, 409]),
          },
        },
      },
      async (request) => {
        const { reloader } = app;
        if (reloader.busy) throw new RequestError(409, 'A reload is already running; retry when it ends.');
        const version = (request.body as { version?: string } | null)?.version;
        let swapped: Awaited<ReturnType<typeof reloader.reload>>;
        try {
          swapped = await reloader.reload(version, 'admin');
        } catch (err) {
          throw new RequestError(
            404,
            `Model '${config.model.dataset}' could not be loaded${version ? ` at version ${version}` : ''}: ` +
              `${(err as Error).message.split('\n')[0]}`,
          );
        }
        const { previous, next } = swapped;
        app.accessLog?.info(
          {
            req_id: request.id,
            client: request.principal?.client,
            previous_version: previous.version ?? null,
            version: next.version ?? null,
          },
          'model reloaded',
        );
        return { previous_version: previous.version ?? null, version: next.version ?? null, loaded_at: next.loadedAt };
      },
    );
  },
  {
    name: 'dagrun-routes',
    fastify: '5.x',
    dependencies: ['dagrun-auth', 'dagrun-rate-limit', 'dagrun-model', 'dagrun-predictions', 'dagrun-docs'],
  },
);
