// The original FastAPI service's routes, for its existing clients: same paths (trailing slash), header,
// body and answers ({"prediction": [x]}, {"detail": …}), with the fields it required and never used
// accepted and dropped.

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServeConfig } from '../config.js';
import { RequestError, type Validators } from '../validation.js';
import { compatErrorSchema, errorResponses } from './errors.js';
import { limited } from './rate-limit.js';
import { validateWith } from './validate-with.js';

export interface CompatRoutesOptions {
  readonly config: ServeConfig;
  readonly validators: Validators;
}

export default fp<CompatRoutesOptions>(
  async (app: FastifyInstance, { config, validators }) => {
    const ignored = new Set(config.compat.ignore_fields);
    const openHealth = config.auth.public.includes('health') ? { security: [] } : {};
    app.get(
      '/api/v1/health/',
      {
        config: { auth: { publicAs: 'health', compat: true } },
        schema: {
          ...openHealth,
          summary: 'Health, as the original service answered it',
          tags: ['compatibility'],
          response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
        },
      },
      async () => ({ status: 'ok' }),
    );

    app.post(
      '/api/v1/predict/',
      {
        config: { auth: { scope: 'predict', compat: true }, ...limited(config) },
        validatorCompiler: validateWith(validators.checkCompat, 422),
        schema: {
          summary: 'Predict one record, as the original service did',
          description:
            `A JSON array holding exactly one record; ${config.compat.ignore_fields.join(', ') || 'no field'} ` +
            'accepted and ignored. Answers {"prediction": [number]}.',
          tags: ['compatibility'],
          body: validators.compatBody,
          response: {
            200: { type: 'object', properties: { prediction: { type: 'array', items: { type: 'number' } } } },
            ...errorResponses([400, 401, 413, 415, 422, 429], compatErrorSchema),
          },
        },
      },
      async (request, reply) => {
        const body = request.body as Record<string, unknown>[];
        if (body.length !== 1)
          throw new RequestError(400, `Expected a list holding exactly one property, but got ${body.length}.`);
        const record = Object.fromEntries(Object.entries(body[0]!).filter(([k]) => !ignored.has(k)));
        // The original service's body has no room for the version: it goes in a header.
        const served = app.served();
        if (served.version !== undefined) reply.header('x-model-version', served.version);
        return { prediction: await app.predict(request, reply, [record], served) };
      },
    );
  },
  {
    name: 'dagrun-compat-routes',
    fastify: '5.x',
    dependencies: ['dagrun-auth', 'dagrun-rate-limit', 'dagrun-model', 'dagrun-predictions', 'dagrun-docs'],
  },
);
