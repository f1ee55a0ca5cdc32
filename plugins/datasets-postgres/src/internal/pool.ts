// One pg.Pool per distinct connection settings, shared by every dataset that uses them and ended when
// the last of those datasets is closed (catalog.close() at the end of a run). A dataset joins its pool
// on first use, so building a catalog (as `dagrun check` does) never connects.

import type pg from 'pg';
import { DagrunError } from '@dagrun/core';
import { pgLib } from './pg-lib.js';
import { sslOption, type ConnectionSettings } from './settings.js';

interface Shared {
  readonly pool: pg.Pool;
  refs: number;
  /** Whether the server takes COPY … FROM STDIN (PGlite over a socket does not), asked once per pool. */
  copyIn: Promise<boolean> | undefined;
}

const pools = new Map<string, Shared>();

/** How many pools are open in this process (tests check that a run leaves none). */
export const openPools = (): number => pools.size;

const keyOf = (s: ConnectionSettings): string =>
  JSON.stringify([
    s.host,
    s.port,
    s.user,
    s.password ?? null,
    s.database,
    s.sslmode,
    s.sslrootcert ?? null,
    s.connectTimeoutMs,
  ]);

/** A dataset's handle on its shared pool. */
export class Connection {
  readonly settings: ConnectionSettings;
  #shared: Shared | undefined;

  constructor(settings: ConnectionSettings) {
    this.settings = settings;
  }

  #join(): Shared {
    if (this.#shared) return this.#shared;
    const key = keyOf(this.settings);
    let shared = pools.get(key);
    if (!shared) {
      const s = this.settings;
      const pool = new (pgLib().Pool)({
        host: s.host,
        port: s.port,
        user: s.user,
        ...(s.password === undefined ? {} : { password: s.password }),
        database: s.database,
        ssl: sslOption(s),
        connectionTimeoutMillis: s.connectTimeoutMs,
        max: 4,
        idleTimeoutMillis: 10_000,
        // Idle clients never keep a process alive, even if nobody calls close().
        allowExitOnIdle: true,
        application_name: 'dagrun',
      });
      // An idle client that loses its server (restart, timeout) must not crash the process: the next
      // checkout opens a new connection and reports any problem there.
      pool.on('error', () => undefined);
      shared = { pool, refs: 0, copyIn: undefined };
      pools.set(key, shared);
    }
    shared.refs++;
    this.#shared = shared;
    return shared;
  }

  /**
   * Runs `fn` with a client of the pool. A client whose work failed on the server or the socket is closed
   * rather than returned, since a failed COPY may have left its session in an unknown state; one that
   * only met a check of ours (a coded error, after any rollback) goes back to the pool.
   */
  async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#join().pool.connect();
    let failed: Error | undefined;
    // A server error outside any query (a FATAL after a broken COPY) is emitted on the client; with no
    // listener it would end the process. It fails the work in progress instead.
    const onError = (err: Error) => {
      failed ??= err;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      failed ??= err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.off('error', onError);
      client.release(failed instanceof DagrunError ? undefined : failed);
    }
  }

  /** Whether COPY … FROM STDIN works on this server; saves fall back to batched INSERTs when not. */
  supportsCopyIn(client: pg.PoolClient): Promise<boolean> {
    const shared = this.#join();
    shared.copyIn ??= client.query<{ version: string }>('SELECT version()').then(
      (r) => !/PGlite/i.test(r.rows[0]?.version ?? ''),
      (err: unknown) => {
        shared.copyIn = undefined;
        throw err;
      },
    );
    return shared.copyIn;
  }

  /** Leaves the pool; the last dataset to leave ends it. Safe to call twice, or without ever connecting. */
  async close(): Promise<void> {
    const shared = this.#shared;
    if (!shared) return;
    this.#shared = undefined;
    shared.refs--;
    if (shared.refs > 0) return;
    for (const [k, v] of pools) if (v === shared) pools.delete(k);
    await shared.pool.end();
  }
}
