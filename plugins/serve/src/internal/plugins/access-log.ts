// One access-log line per answered request (pino; undefined: none), and the request id on every answer
// (x-request-id: the client's own when it sends a well-formed one, else a new UUID) so a client can name
// its request when it asks about it.

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';

declare module 'fastify' {
  interface FastifyInstance {
    /** The access log, if serve.yaml keeps one; errors and model reloads are written there too. */
    accessLog: Logger | undefined;
  }
  interface FastifyRequest {
    /** Counted among the requests whose access-log line is not written yet. */
    logPending: boolean;
  }
}

export interface AccessLogOptions {
  readonly accessLog: Logger | undefined;
}

/** How long closing waits for the access-log lines of requests still between their answer and their line. */
const CLOSE_WAIT_MS = 2000;

export default fp<AccessLogOptions>(
  async (app: FastifyInstance, { accessLog }) => {
    app.decorate('accessLog', accessLog);
    // The hooks are callback style (no promise each): they run on every request.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });
    if (!accessLog) return;
    // The server can finish closing before the onResponse hooks of the last answers have run: requests are
    // counted from their first hook to their line, and closing waits for the count to reach zero.
    let open = 0;
    let idle: (() => void) | undefined;
    app.decorateRequest('logPending', false);
    app.addHook('onRequest', (request, _reply, done) => {
      request.logPending = true;
      open++;
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      const ms = Math.round(reply.elapsedTime * 1000) / 1000;
      accessLog.info({
        req_id: request.id,
        client: request.principal?.client,
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms,
      });
      if (request.logPending) {
        request.logPending = false;
        if (--open === 0) idle?.();
      }
      done();
    });
    app.addHook('onClose', async () => {
      if (open === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_WAIT_MS); // a request whose client vanished never gets its line
        idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    });
  },
  { name: 'dagrun-access-log', fastify: '5.x' },
);
