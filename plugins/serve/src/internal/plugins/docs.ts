// The OpenAPI document (@fastify/swagger, made from the routes' schemas) and its UI at /docs. Registered
// before the routes, so it sees each of them.

import type { Project } from '@dagrun/core';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServeConfig } from '../config.js';

export interface DocsOptions {
  readonly project: Project;
  readonly config: ServeConfig;
}

export default fp<DocsOptions>(
  async (app: FastifyInstance, { project, config }) => {
    const jwtOn = config.auth.jwt !== undefined;
    await app.register(swagger, {
      openapi: {
        info: {
          title: `${project.settings.name} prediction API`,
          version: '1',
          description:
            `Predictions of pipeline '${config.pipeline}' of dagrun project '${project.settings.name}'. Send the ` +
            `header api-key${jwtOn ? ', or a JWT bearer token (HS256, with exp)' : ''}.`,
        },
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
  },
  { name: 'dagrun-docs', fastify: '5.x' },
);
