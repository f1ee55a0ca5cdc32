// Per-client rate limits (@fastify/rate-limit), counted before the body is read: a client over its quota
// gets a 429 without its body being parsed. Routes opt in with `config.rateLimit`; quota headers on a 429
// always, on other answers when serve.yaml asks.

import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServeConfig } from '../config.js';
import { RequestError } from '../validation.js';

export interface RateLimitOptions {
  readonly config: ServeConfig;
}

export default fp<RateLimitOptions>(
  async (app: FastifyInstance, { config }) => {
    const { max, window, headers } = config.rate_limit;
    await app.register(rateLimit, {
      global: false,
      hook: 'preParsing',
      max,
      timeWindow: window,
      keyGenerator: (request) => request.principal?.client ?? request.ip,
      errorResponseBuilder: (request, context) =>
        new RequestError(
          429,
          `Client '${request.principal?.client ?? request.ip}' sent more than ${context.max} requests per ${window}; ` +
            `retry in ${context.after}.`,
        ),
      addHeadersOnExceeding: {
        'x-ratelimit-limit': headers,
        'x-ratelimit-remaining': headers,
        'x-ratelimit-reset': headers,
      },
    });
  },
  { name: 'dagrun-rate-limit', fastify: '5.x', dependencies: ['dagrun-auth'] },
);

/** A route's `config` entry that puts it under the per-client limit. */
export const limited = (config: ServeConfig) => ({
  rateLimit: { max: config.rate_limit.max, timeWindow: config.rate_limit.window },
});
