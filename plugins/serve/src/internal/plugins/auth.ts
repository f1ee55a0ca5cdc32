// Who is asking, before anything else is read: an API key (header api-key) or an HS256 JWT (Authorization:
// Bearer), checked against what a route needs (`config.auth` of the route: a scope, or public when serve.yaml
// opens it). Addresses that keep sending wrong credentials are locked out for the rest of their window.

import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeys, FailedAuth, type Principal, type Scope } from '../auth.js';
import { durationMs, type ServeConfig } from '../config.js';
import { RequestError } from '../validation.js';

/** What a route needs from the caller: nothing (public), or a scope. */
export interface RouteAuth {
  readonly scope?: Scope;
  /** The name under which serve.yaml `auth.public` can open the route. */
  readonly publicAs?: 'health' | 'docs' | 'metrics' | 'model';
  /** Answer auth failures like the original FastAPI service ({"detail": "Invalid API key"}). */
  readonly compat?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request, once the auth hook admitted it; undefined on routes that need nobody. */
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/** The routes of @fastify/swagger-ui (under /docs) declare nothing: they need what serve.yaml says of docs. */
const DOCS_AUTH: RouteAuth = { publicAs: 'docs', scope: 'predict' };
const PUBLIC: Principal = { client: 'public', scopes: [], scheme: 'public' };
/** A token's subject becomes the client `jwt:<sub>`: a name no configured client can have (they allow no colon). */
const SUBJECT = /^[A-Za-z0-9_.@-]{1,128}$/;

export interface AuthOptions {
  readonly config: ServeConfig;
}

export default fp<AuthOptions>(
  async (app: FastifyInstance, { config }) => {
    const keys = new ApiKeys(config.auth.api_keys);
    const failedAuth = new FailedAuth(config.rate_limit.failed_auth, durationMs(config.rate_limit.window));
    const publicRoutes = new Set(config.auth.public);
    const jwt = config.auth.jwt;
    const toleranceMs = jwt ? durationMs(jwt.clock_tolerance) : 0;
    if (jwt) {
      await app.register(fastifyJwt, {
        secret: jwt.secret,
        // The algorithm is pinned (no "none", no RS/HS confusion); exp is required, and aud and iss when
        // configured (fast-jwt checks a claim's value only when the token has it); nbf and exp allow the tolerance.
        verify: {
          algorithms: ['HS256'],
          requiredClaims: [
            'exp',
            ...(jwt.audience !== undefined ? ['aud'] : []),
            ...(jwt.issuer !== undefined ? ['iss'] : []),
          ],
          clockTolerance: toleranceMs,
          ...(jwt.audience !== undefined ? { allowedAud: jwt.audience } : {}),
          ...(jwt.issuer !== undefined ? { allowedIss: jwt.issuer } : {}),
        },
      });
    }

    /** The principal of a bearer token, or why it is refused. */
    const bearer = async (request: FastifyRequest): Promise<Principal | string> => {
      let claims: { sub?: unknown; scope?: unknown; iat?: unknown };
      try {
        claims = await request.jwtVerify();
      } catch (err) {
        return (err as Error).message;
      }
      // fast-jwt checks exp and nbf; a token issued in the future (beyond the tolerance) is refused here.
      if (typeof claims.iat === 'number' && claims.iat * 1000 > Date.now() + toleranceMs)
        return 'The token is issued in the future.';
      if (typeof claims.sub !== 'string' || !SUBJECT.test(claims.sub))
        return 'The token has no valid sub claim (1 to 128 of A-Z a-z 0-9 _ . @ -).';
      const scopes = (Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? 'predict').split(' ')).filter(
        (s): s is Scope => s === 'predict' || s === 'admin',
      );
      return { client: `jwt:${claims.sub}`, scopes, scheme: 'jwt' };
    };

    /** Admits `principal` to a route that needs `auth` (returns undefined), or the error to answer with. */
    const admit = (request: FastifyRequest, auth: RouteAuth, principal: Principal | undefined, why: string) => {
      if (!principal) {
        // Only wrong credentials count (a guess); none at all is a client not set up yet.
        const sent =
          typeof request.headers['api-key'] === 'string' || typeof request.headers.authorization === 'string';
        if (sent) failedAuth.failed(request.ip);
        return new RequestError(
          401,
          auth.compat
            ? 'Invalid API key'
            : `Missing or invalid credentials${why}: send the header ` +
                `api-key: <key>${jwt ? ', or Authorization: Bearer <JWT>' : ''}.`,
        );
      }
      const needed = auth.scope ?? 'predict';
      if (!principal.scopes.includes(needed)) {
        return new RequestError(403, `Client '${principal.client}' lacks the '${needed}' scope this route needs.`);
      }
      request.principal = principal;
      return undefined;
    };

    app.decorateRequest('principal', undefined);
    // Callback style: it runs on every request, and only a bearer token has to be waited for.
    app.addHook('onRequest', (request, reply, done) => {
      const auth =
        request.routeOptions.config.auth ?? (request.routeOptions.url?.startsWith('/docs') ? DOCS_AUTH : undefined);
      if (!auth) return done();
      if (auth.publicAs && publicRoutes.has(auth.publicAs)) {
        request.principal = PUBLIC;
        return done();
      }
      // An address that sent too many wrong credentials waits, whatever it sends now.
      const locked = failedAuth.lockedFor(request.ip);
      if (locked > 0) {
        reply.header('retry-after', String(locked));
        return done(
          new RequestError(
            429,
            `Too many refused credentials from ${request.ip}: ${config.rate_limit.failed_auth} in ` +
              `${config.rate_limit.window}; retry in ${locked} s.`,
          ),
        );
      }
      const key = request.headers['api-key'];
      const authorization = request.headers.authorization;
      if (typeof key === 'string') return done(admit(request, auth, keys.verify(key), ''));
      if (jwt && typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
        void bearer(request).then((found) =>
          done(
            typeof found === 'string'
              ? admit(request, auth, undefined, ` (${found.replace(/\.$/, '')})`)
              : admit(request, auth, found, ''),
          ),
        );
        return;
      }
      done(admit(request, auth, undefined, ''));
    });
  },
  { name: 'dagrun-auth', fastify: '5.x', dependencies: ['dagrun-errors'] },
);
