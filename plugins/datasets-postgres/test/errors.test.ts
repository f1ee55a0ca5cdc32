// The errors a user meets at run time, each with its code and exact message: connection refused,
// unknown host, authentication failed, unknown database, missing table and columns, a value that is not
// a frame. They name the dataset and the host, and never the password: not in the message, the hint,
// describe(), nor anywhere in the error object with its causes.

import { inspect } from 'node:util';
import t from 'tap';
import type { DataFrame } from 'nodejs-polars';
import { loadPolars } from '../src/internal/polars.js';
import { queryType, tableType, type TableOptions } from '../src/index.js';
import { closedPort, fakeServer } from './helpers/fake-server.js';
import { caught, datasetContext, serverKind, testServer, type TapTest } from './helpers/server.js';

const pl = await loadPolars();
const SECRET = 'Tr0ub4dor&3-never-shown';

interface Table {
  load(): Promise<DataFrame>;
  save(df: unknown): Promise<unknown>;
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}
const open = (name: string, options: TableOptions, credentials: Record<string, unknown>): Table => {
  const ds = tableType.create(options, datasetContext(name, credentials)) as unknown as Table;
  t.teardown(() => ds.close());
  return ds;
};

/** The password appears nowhere: message, hint, describe(), or the whole error with its causes. */
const noSecret = (t: TapTest, err: Error, ds: Table) => {
  t.notMatch(err.message, SECRET, 'not in the message');
  t.notMatch(inspect(err, { depth: 10 }), SECRET, 'not anywhere in the error and its causes');
  t.notMatch(JSON.stringify(ds.describe()), SECRET, 'not in describe()');
};

t.test('connection refused names the dataset, host:port and user', async (t) => {
  const port = await closedPort();
  for (const credentials of [
    { host: '127.0.0.1', port, user: 'dagrun', password: SECRET, database: 'shop' },
    { url: `postgres://dagrun:${encodeURIComponent(SECRET)}@127.0.0.1:${port}/shop` },
  ]) {
    const ds = open('raw_listings', { table: 'listings' }, credentials);
    const err = await caught(() => ds.load());
    t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
    t.equal(
      err.detail,
      `Dataset 'raw_listings' (postgres.table): expected to connect to 127.0.0.1:${port} as 'dagrun', ` +
        `but got connection refused.`,
    );
    t.equal(err.hint, 'Hint: check that the server runs and that host/port in its credentials entry are right.');
    noSecret(t, err, ds);
    const save = await caught(() => ds.save(pl.DataFrame({ a: [1] })));
    t.equal(
      save.detail,
      `Dataset 'raw_listings' (postgres.table): expected to connect to 127.0.0.1:${port} as 'dagrun', ` +
        `but got connection refused. Nothing was written: the table is as it was.`,
    );
    t.same(ds.describe(), {
      type: 'postgres.table',
      table: 'listings',
      host: `127.0.0.1:${port}`,
      database: 'shop',
      user: 'dagrun',
      save_mode: 'replace',
    });
  }
});

t.test('an unknown host', async (t) => {
  const ds = open(
    'raw',
    { table: 'listings' },
    { host: 'no-such-host.invalid', user: 'dagrun', password: SECRET, database: 'shop' },
  );
  const err = await caught(() => ds.load());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
  // Without a reachable DNS server the lookup fails with EAI_AGAIN instead.
  t.match(
    err.detail,
    new RegExp(
      /^Dataset 'raw' \(postgres.table\): expected to connect to no-such-host\.invalid:5432 as 'dagrun', /.source +
        /but got (unknown host|no answer from DNS for host) 'no-such-host\.invalid'\.$/.source,
    ),
  );
  noSecret(t, err, ds);
});

t.test('authentication failed: the password was sent, and is in no message', async (t) => {
  const fake = await fakeServer(t, '28P01', 'password authentication failed for user "dagrun"');
  const ds = open(
    'raw',
    { table: 'listings' },
    { host: fake.host, port: fake.port, user: 'dagrun', password: SECRET, database: 'shop' },
  );
  const err = await caught(() => ds.load());
  t.same(fake.passwords, [SECRET], 'the server was asked, and got the password');
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
  t.equal(
    err.detail,
    `Dataset 'raw' (postgres.table): expected to log in to 127.0.0.1:${fake.port} as 'dagrun', ` +
      `but got password authentication failed for user "dagrun" (SQLSTATE 28P01).`,
  );
  t.equal(err.hint, 'Hint: check user and password in its credentials entry.');
  noSecret(t, err, ds);
});

t.test('a server quoting the password back has it replaced', async (t) => {
  const fake = await fakeServer(t, '28P01', `password "${SECRET}" is wrong`);
  const ds = open(
    'raw',
    { table: 'listings' },
    { host: fake.host, port: fake.port, user: 'dagrun', password: SECRET, database: 'shop' },
  );
  const err = await caught(() => ds.load());
  t.equal(
    err.detail,
    `Dataset 'raw' (postgres.table): expected to log in to 127.0.0.1:${fake.port} as 'dagrun', ` +
      `but got password "***" is wrong (SQLSTATE 28P01).`,
  );
});

t.test('an unknown database', async (t) => {
  const fake = await fakeServer(t, '3D000', 'database "shopp" does not exist');
  const ds = open(
    'raw',
    { table: 'listings' },
    { host: fake.host, port: fake.port, user: 'dagrun', password: SECRET, database: 'shopp' },
  );
  const err = await caught(() => ds.load());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
  t.equal(
    err.detail,
    `Dataset 'raw' (postgres.table): expected database 'shopp' on 127.0.0.1:${fake.port}, ` +
      `but got database "shopp" does not exist (SQLSTATE 3D000).`,
  );
  t.equal(err.hint, 'Hint: create it (createdb shopp) or fix the database name in its credentials entry.');
  noSecret(t, err, ds);
});

// PGlite serves one database under any name to any user: there, only the fake server above shows these.
const noRealServer =
  serverKind() === 'pglite' ? 'no real PostgreSQL configured (set DAGRUN_TEST_DATABASE_URL or PGHOST)' : false;
t.test('an unknown database and an unknown role on a real server', { skip: noRealServer }, async (t) => {
  const server = await testServer(t);
  const base = server.credentials.url ? { url: server.credentials.url } : server.credentials;
  const db = open('raw', { table: 'listings' }, { ...base, database: 'dagrun_no_such_db' });
  const err = await caught(() => db.load());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
  t.match(
    err.detail,
    new RegExp(
      /^Dataset 'raw' \(postgres.table\): expected database 'dagrun_no_such_db' on .+, /.source +
        /but got database "dagrun_no_such_db" does not exist \(SQLSTATE 3D000\)\.$/.source,
    ),
  );
  const role = open('raw', { table: 'listings' }, { ...base, user: 'dagrun_no_such_role', password: SECRET });
  const roleErr = await caught(() => role.load());
  t.equal(roleErr.code, 'DAGRUN_ERR_DATASET_CONNECTION');
  t.match(
    roleErr.detail,
    new RegExp(
      /^Dataset 'raw' \(postgres.table\): expected to log in to .+ as 'dagrun_no_such_role', /.source +
        /but got .*"dagrun_no_such_role".* \(SQLSTATE 28(000|P01)\)\.$/.source,
    ),
  );
  noSecret(t, roleErr, role);
});

t.test('a missing table, unknown columns, and values that are no frame', async (t) => {
  const server = await testServer(t);
  const S = server.schema;
  await server.query(`CREATE TABLE ${S}.listings (id integer, price double precision, sector text)`);
  const where = (() => {
    const c = server.credentials as { host?: string; port?: number; url?: string; database?: string };
    if (c.url) {
      const u = new URL(c.url);
      return `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
    }
    return `${c.host ?? 'localhost'}:${c.port ?? 5432}/${c.database}`;
  })();

  const missing = await caught(() => open('raw', { table: 'listing', schema: S }, server.credentials).load());
  t.equal(missing.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    missing.detail,
    `Dataset 'raw' (postgres.table): expected table '${S}.listing' on ${where}, but got no such table.`,
  );
  t.equal(missing.hint, "Hint: did you mean: 'listings'?");
  const nowhere = await caught(() => open('raw', { table: 'zzz', schema: S }, server.credentials).load());
  t.equal(nowhere.hint, 'Hint: check table and schema in the catalog entry, or save the table first.');

  const columns = await caught(() =>
    open('raw', { table: 'listings', schema: S, columns: ['id', 'pirce'] }, server.credentials).load(),
  );
  t.equal(columns.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    columns.detail,
    `Dataset 'raw' (postgres.table), option 'columns': expected columns of table '${S}.listings' (id, price, ` +
      `sector), but got 'pirce'.`,
  );
  t.equal(columns.hint, "Hint: did you mean: 'price'?");
  const filter = await caught(() =>
    open('raw', { table: 'listings', schema: S, filter: { sectr: 'a' } }, server.credentials).load(),
  );
  t.equal(
    filter.detail,
    `Dataset 'raw' (postgres.table), option 'filter': expected columns of table '${S}.listings' (id, price, ` +
      `sector), but got 'sectr'.`,
  );
  const order = await caught(() =>
    open('raw', { table: 'listings', schema: S, order_by: ['ID'] }, server.credentials).load(),
  );
  t.equal(
    order.detail,
    `Dataset 'raw' (postgres.table), option 'order_by': expected columns of table '${S}.listings' (id, price, ` +
      `sector), but got 'ID'.`,
  );

  const ds = open('out', { table: 'out', schema: S }, server.credentials);
  const notFrame = await caught(() => ds.save([{ a: 1 }]));
  t.equal(notFrame.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(notFrame.detail, "Dataset 'out' (postgres.table): expected a polars DataFrame, but got an array of 1.");
  const noColumns = await caught(() => ds.save(pl.DataFrame()));
  t.equal(
    noColumns.detail,
    "Dataset 'out' (postgres.table): expected a DataFrame with at least one column, but got none.",
  );
  const list = await caught(() => ds.save(pl.DataFrame([pl.Series('tags', [[1, 2], [3]]), pl.Series('ok', [1, 2])])));
  t.equal(list.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    list.detail,
    "Dataset 'out' (postgres.table): expected columns of integer, float, decimal, boolean, string, " +
      "categorical, date, datetime or time dtype, but got 'tags' (List(Float64)).",
  );
  const long = await caught(() => ds.save(pl.DataFrame([pl.Series('x'.repeat(64), [1])])));
  t.equal(
    long.detail,
    `Dataset 'out' (postgres.table): expected column names PostgreSQL can hold, but got '${'x'.repeat(64)}' ` +
      `(a name of 64 bytes (PostgreSQL keeps 63)).`,
  );
  const rows = await server.query(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `WHERE n.nspname = $1 AND relname = 'out'`,
    [S],
  );
  t.equal(rows.rows[0]?.n, 0, 'nothing was created');

  const query = queryType.create({ sql: 'SELECT 1 AS one' }, datasetContext('q', server.credentials));
  t.teardown(() => (query as unknown as Table).close());
  const readOnly = await caught(() => query.save(pl.DataFrame({ a: [1] })));
  t.equal(readOnly.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    readOnly.detail,
    "Dataset 'q' (postgres.query): expected a dataset that can be written, but got a query, which is read-only.",
  );
  t.equal(readOnly.hint, 'Hint: write the frame to a postgres.table entry instead.');
});
