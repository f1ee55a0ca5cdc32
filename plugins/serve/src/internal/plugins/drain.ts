// Shutting down without resetting a request. http.Server's close() destroys every connection idle at that
// instant, and a kept-alive client may have just sent its next request on one: that request is reset. So
// the server drains first: it stops accepting connections but keeps the open ones, answers a request
// arriving now with 503 and `connection: close` (so a kept-alive connection ends with its next request),
// and lets Fastify close once no connection is left, or after `maxMs` (a connection idle that long is not
// about to be used).

import { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Starts draining; resolves when no connection is left or after `maxMs`. */
    drain(maxMs: number): Promise<void>;
  }
}

const POLL_MS = 20;

export default fp(
  async (app: FastifyInstance) => {
    let draining = false;
    // Callback style (no promise), as it runs on every request; an answer sent here ends the request.
    app.addHook('onRequest', (request, reply, done) => {
      if (!draining) return done();
      reply.header('connection', 'close').header('retry-after', '1');
      reply
        .code(503)
        .send(errorBody(503, 'The server is shutting down; retry on another instance or in a moment.', request.id));
    });
    app.decorate('drain', async (maxMs: number) => {
      draining = true;
      // net.Server's own close(): it stops accepting and keeps open connections (http.Server's would also
      // destroy the idle ones now). Fastify's close() later finds the server not listening and waits for it.
      if (app.server.listening) Server.prototype.close.call(app.server);
      const connections = () =>
        new Promise<number>((resolve) => app.server.getConnections((err, n) => resolve(err ? 0 : n)));
      for (const until = Date.now() + maxMs; Date.now() < until && (await connections()) > 0; ) {
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    });
  },
  { name: 'dagrun-drain', fastify: '5.x', dependencies: ['dagrun-errors'] },
);
