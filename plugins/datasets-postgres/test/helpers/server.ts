// Test helper: the PostgreSQL server the tests use. DAGRUN_TEST_DATABASE_URL when set (.ci/run sets
// it), else the PG* variables when PGHOST or PGDATABASE is set, else an embedded PGlite served over the
// wire protocol on a free port, reached through the same pg code path: so the tests run on any machine.
// Each test file gets its own schema, dropped at the end, so files running in parallel never collide.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { flattenParams, Registry, type DatasetContext } from '@dagrun/core';

export type { TapTest } from '../../../../core/test/helpers/project.js';

export type ServerKind = 'url' | 'env' | 'pglite';

export interface TestServer {
  /** Where the server came from: DAGRUN_TEST_DATABASE_URL, the PG* variables, or an embedded PGlite. */
  readonly kind: ServerKind;
  /** A credentials.yaml entry that reaches it (no password for the local kinds). */
  readonly credentials: Readonly<Record<string, unknown>>;
  /** A postgres:// URL for it (for child processes and DATABASE_URL). */
  readonly url: string;
  /** This file's own schema, created empty and dropped with everything in it at the end. */
  readonly schema: string;
  /** A statement on an admin connection of its own (not through the datasets' pools). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** A new client, connected; the caller ends it. */
  connect(): Promise<pg.Client>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

const fromEnv = (): (Pick<TestServer, 'kind' | 'credentials' | 'url'> & { stop?: undefined }) | undefined => {
  const url = process.env.DAGRUN_TEST_DATABASE_URL;
  if (url) return { kind: 'url', credentials: { url }, url };
  const e = process.env;
  if (!e.PGHOST && !e.PGDATABASE) return undefined;
  const credentials: Record<string, unknown> = {};
  if (e.PGHOST) credentials.host = e.PGHOST;
  if (e.PGPORT) credentials.port = Number(e.PGPORT);
  if (e.PGUSER) credentials.user = e.PGUSER;
  if (e.PGPASSWORD) credentials.password = e.PGPASSWORD;
  if (e.PGDATABASE) credentials.database = e.PGDATABASE;
  const auth = e.PGUSER
    ? `${encodeURIComponent(e.PGUSER)}${e.PGPASSWORD ? `:${encodeURIComponent(e.PGPASSWORD)}` : ''}@`
    : '';
  return {
    kind: 'env',
    credentials,
    url: `postgres://${auth}${e.PGHOST ?? 'localhost'}:${e.PGPORT ?? 5432}/${e.PGDATABASE ?? ''}`,
  };
};

/** Which server testServer() will give, without starting it. */
export const serverKind = (): ServerKind => fromEnv()?.kind ?? 'pglite';

/** Starts PGlite (real PostgreSQL compiled to WASM, ~3 s) behind pglite-socket on a free port of 127.0.0.1. */
const startPglite = async (): Promise<Pick<TestServer, 'kind' | 'credentials' | 'url'> & { stop(): Promise<void> }> => {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  const [host, port] = server.getServerConn().split(':') as [string, string];
  return {
    kind: 'pglite',
    credentials: { host, port: Number(port), user: 'postgres', database: 'postgres' },
    url: `postgres://postgres@${host}:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
};

/** The server for this test file, with a fresh schema; everything is cleaned up when `t` ends. */
export const testServer = async (t: Teardown): Promise<TestServer> => {
  const { stop, ...base } = fromEnv() ?? (await startPglite());
  const schema = `dagrun_test_${randomBytes(4).toString('hex')}`;
  const config = (): pg.ClientConfig => ({ connectionString: base.url });
  const admin = new pg.Client(config());
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  t.teardown(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
    await stop?.();
  });
  return {
    ...base,
    schema,
    query: (sql, values) => admin.query(sql, values),
    connect: async () => {
      const c = new pg.Client(config());
      await c.connect();
      return c;
    },
  };
};

/** A DatasetContext as the catalog makes it, with these credentials and parameters. */
export const datasetContext = (
  name: string,
  credentials: Readonly<Record<string, unknown>> | undefined,
  opts: { params?: Record<string, unknown>; projectDir?: string } = {},
): DatasetContext => {
  const flat = flattenParams(opts.params ?? {});
  return {
    name,
    projectDir: opts.projectDir ?? process.cwd(),
    credentials,
    version: { load: undefined, save: '2026-01-01T00.00.00.000Z' },
    storageFor: () => {
      throw new Error('no storage in these tests');
    },
    codecs: new Registry(),
    parameter: (n) => flat.get(n),
    hasParameter: (n) => flat.has(n),
  };
};

export { caught } from '../../../../core/test/helpers/caught.js';
