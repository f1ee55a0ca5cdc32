// Errors as answers: every 4xx names what to change, a 500 names the request id to find in the server log,
// the original service's routes answer in FastAPI's shapes. An error raised before the body was read (a
// refused credential, a body over the limit) also closes the connection, so a slow body is not read on.

import { STATUS_CODES } from 'node:http';
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { problemsOf, RequestError, summarise, type Problem } from '../validation.js';

/**
 * At most this many problems in an answer (the message says how many more): a huge bad body must not get a huger
 * answer.
 */
const MAX_PROBLEMS = 50;

const problemSchema = {
  type: 'object',
  properties: { field: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } },
};
const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    request_id: { type: 'string' },
    problems: { type: 'array', items: problemSchema },
  },
};
/** The original service's error body. */
export const compatErrorSchema = { type: 'object', properties: { detail: {} } };
/** Response schemas of the error answers a route can give, for its schema (and the OpenAPI document). */
export const errorResponses = (codes: number[], schema: object = errorSchema) =>
  Object.fromEntries(codes.map((c) => [c, schema]));

/** The answer body of an error, in this API's shape. */
export const errorBody = (status: number, message: string, requestId: string, problems: readonly Problem[] = []) => ({
  statusCode: status,
  error: STATUS_CODES[status] ?? 'Error',
  message,
  request_id: requestId,
  ...(problems.length > 0 ? { problems } : {}),
});

/** A request whose body is not fully received gets its answer and then the connection is closed. */
const closeIfUnread = (request: FastifyRequest, reply: FastifyReply): void => {
  if (!request.raw.complete) reply.header('connection', 'close');
};

/**
 * Answers for errors Fastify raises before routing (a malformed percent-encoding in the path): same shape, same id
 * header.
 */
export const frameworkErrors = (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
  const status = err.statusCode ?? 400;
  const hint = err.code === 'FST_ERR_BAD_URL' ? '; percent-encode the path (RFC 3986), e.g. %25 for %' : '';
  reply.header('x-request-id', request.id);
  closeIfUnread(request, reply);
  void reply.code(status).send(errorBody(status, `${err.message}${hint}.`, request.id));
};

const notJson = (err: Error): string =>
  `Body is not valid JSON (${err.message}). NaN and Infinity are not JSON numbers: send finite numbers.`;

/** The sentence for a 4xx raised by Fastify itself (content type, JSON syntax, body size) or by us. */
const messageFor = (err: Error & { code?: string }, status: number): string => {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body too large: the limit is set by serve.yaml body_limit; send fewer records per request.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type: send the body as JSON with the header content-type: application/json.';
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

/** FastAPI's 422 body: {"detail": [{loc, msg, type}]}. */
const fastApiDetail = (problems: readonly Problem[]) =>
  problems.map((p) => ({
    loc: [
      'body',
      ...p.field
        .split(/[.[\]]+/)
        .filter(Boolean)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
    ],
    msg: p.message,
    type: p.rule,
  }));

export default fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler(
      (err: Error & { statusCode?: number; validation?: unknown; validationContext?: string }, request, reply) => {
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
        const compat = request.routeOptions.config.auth?.compat === true;
        closeIfUnread(request, reply);
        if (status >= 500) {
          app.accessLog?.error(
            { req_id: request.id, err: { message: err.message, stack: err.stack } },
            'request failed',
          );
          return reply
            .code(500)
            .send(
              compat
                ? { detail: 'Internal Server Error' }
                : errorBody(
                    500,
                    `Internal error; the server log has the details under request id ${request.id}.`,
                    request.id,
                  ),
            );
        }
        const all: Problem[] =
          err instanceof RequestError
            ? [...err.problems]
            : Array.isArray(err.validation)
              ? problemsOf(err.validation as ErrorObject[])
              : [];
        const problems = all.slice(0, MAX_PROBLEMS);
        const message =
          all.length > 0 && !(err instanceof RequestError)
            ? `Invalid request ${err.validationContext ?? 'body'}: ${summarise(all)}`
            : messageFor(err, status);
        if (compat)
          return problems.length > 0
            ? reply.code(422).send({ detail: fastApiDetail(problems) })
            : reply.code(status).send({ detail: message });
        return reply.code(status).send(errorBody(status, message, request.id, problems));
      },
    );
    app.setNotFoundHandler((request, reply) => {
      closeIfUnread(request, reply);
      void reply
        .code(404)
        .send(
          errorBody(
            404,
            `Route ${request.method} ${request.url.split('?')[0]} does not exist; GET /docs lists the routes.`,
            request.id,
          ),
        );
    });
  },
  { name: 'dagrun-errors', fastify: '5.x', dependencies: ['dagrun-access-log'] },
);
