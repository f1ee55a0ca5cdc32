// postgres.query against a real server: SQL from the entry or a .sql file, $1… bound to literals and
// to params: values, the result's types mapped like a table's, its order kept, and the errors a query
// can meet (duplicate column names, a params count that does not match, SQL the server refuses).

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { DataFrame } from 'nodejs-polars';
import { queryType, type QueryOptions } from '../src/index.js';
import { caught, datasetContext, testServer } from './helpers/server.js';

const server = await testServer(t);
const S = server.schema;

interface Query {
  load(): Promise<DataFrame>;
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}
const open = (
  name: string,
  options: QueryOptions,
  opts: { params?: Record<string, unknown>; projectDir?: string } = {},
): Query => {
  const ds = queryType.create(options, datasetContext(name, server.credentials, opts)) as unknown as Query;
  t.teardown(() => ds.close());
  return ds;
};

await server.query(`CREATE TABLE ${S}.listings (id integer, sector text, price numeric(12, 2), listed timestamptz)`);
await server.query(
  `INSERT INTO ${S}.listings SELECT g, CASE WHEN g % 2 = 0 THEN 'Las Condes' ELSE 'Ñuñoa' ` +
    `END, g * 1000, timestamptz '2024-01-01' + g * interval '1 day' FROM generate_series(1, 10) g`,
);

t.test('sql in the entry, no params: the result streams through COPY, typed and in order', async (t) => {
  const ds = open('q', {
    sql: `SELECT id, sector, price, listed, price > 5000 AS pricey FROM ${S}.listings WHERE id <= 4 ORDER BY id DESC;`,
  });
  const df = await ds.load();
  t.same(df.columns, ['id', 'sector', 'price', 'listed', 'pricey']);
  t.same(df.getColumn('id').toArray(), [4, 3, 2, 1]);
  t.same(df.getColumn('price').toArray(), [4000, 3000, 2000, 1000]);
  t.same(df.getColumn('pricey').toArray(), [false, false, false, false]);
  t.equal(String(df.getColumn('listed').dtype), 'DataType(Datetime(us,UTC))');
  t.same(ds.describe(), {
    type: 'postgres.query',
    query: short(
      `SELECT id, sector, price, listed, price > 5000 AS pricey FROM ${S}.listings WHERE id <= 4 ORDER BY id DESC`,
    ),
    ...hostFacts(),
  });
});

t.test('params bind literals and params: values of parameters.yaml, server-side', async (t) => {
  const ds = open(
    'q',
    {
      sql: `SELECT id FROM ${S}.listings WHERE price > $1 AND sector = $2 AND id = ANY($3) ORDER BY id`,
      params: ['params:model.min_price', 'Las Condes', 'params:ids'],
    },
    { params: { model: { min_price: 3000 }, ids: [2, 4, 6, 8] } },
  );
  t.same((await ds.load()).getColumn('id').toArray(), [4, 6, 8]);
  t.same(ds.describe(), {
    type: 'postgres.query',
    query: short(`SELECT id FROM ${S}.listings WHERE price > $1 AND sector = $2 AND id = ANY($3) ORDER BY id`),
    params: ['params:model.min_price', 'Las Condes', 'params:ids'],
    ...hostFacts(),
  });
  const untyped = open('q2', {
    sql: 'SELECT $1 AS a, $2::int AS b, $3::boolean AS c, $4::text AS d',
    params: ['x', 7, true, null],
  });
  t.same((await untyped.load()).toRecords(), [{ a: 'x', b: 7, c: true, d: null }]);
  const many = open('q3', { sql: `SELECT g FROM generate_series(1, $1::int) g ORDER BY g DESC`, params: [25_000] });
  const df = await many.load();
  t.equal(df.height, 25_000);
  t.same(
    df.getColumn('g').head(2).toArray(),
    [25_000, 24_999],
    'the order of the query is kept through the temporary table',
  );
});

t.test('sql from a file relative to the project, a trailing semicolon and comment allowed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-pg-sql-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sql'));
  writeFileSync(
    join(dir, 'sql/by_sector.sql'),
    `-- listings of one sector\nSELECT sector, count(*)::int AS n\n  FROM ${S}.listings\n WHERE sector = $1\n` +
      ` GROUP BY sector; -- done\n`,
  );
  const ds = open('by_sector', { file: 'sql/by_sector.sql', params: ['Ñuñoa'] }, { projectDir: dir });
  t.same((await ds.load()).toRecords(), [{ sector: 'Ñuñoa', n: 5 }]);
  t.equal(ds.describe().query, 'sql/by_sector.sql');
});

t.test('a result with a column name twice, a params count that does not match, SQL the server refuses', async (t) => {
  const dup = await caught(() =>
    open('dup', { sql: `SELECT a.id, b.id FROM ${S}.listings a JOIN ${S}.listings b USING (id)` }).load(),
  );
  t.equal(dup.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    dup.detail,
    "Dataset 'dup' (postgres.query): expected distinct column names in the result, but got 'id' more than once.",
  );
  t.equal(dup.hint, 'Hint: give the columns distinct names with AS in the query.');

  const count = await caught(() =>
    open('count', { sql: `SELECT * FROM ${S}.listings WHERE id > $1 AND id < $2`, params: [1] }).load(),
  );
  t.equal(count.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.match(
    count.detail,
    new RegExp(
      /^Dataset 'count' \(postgres\.query\): expected to read the query on .+, /.source +
        /but got bind message supplies 1 parameters, but prepared statement "" requires 2 \(SQLSTATE 08P01\)\.$/.source,
    ),
  );
  t.equal(count.hint, 'Hint: params gives 1 value; the query must use exactly $1 to $1.');

  const bad = await caught(() => open('bad', { sql: `SELECT nope FROM ${S}.listings` }).load());
  t.equal(bad.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.match(
    bad.detail,
    new RegExp(
      /^Dataset 'bad' \(postgres\.query\): expected to read the query on .+, /.source +
        /but got column "nope" does not exist \(SQLSTATE 42703\)\.$/.source,
    ),
  );
});

t.test(
  'loads run read-only: a statement that writes is named when the catalog is built, ' +
    'and a write the query makes fails the load',
  async (t) => {
    const hint =
      'Hint: a postgres.query entry only reads (it runs in a read-only transaction); ' +
      'write a table with a postgres.table entry.';
    const purge = await caught(() => open('purge', { sql: `delete from ${S}.listings returning *` }));
    t.equal(purge.code, 'DAGRUN_ERR_CATALOG_OPTIONS');
    t.equal(
      purge.detail,
      "Catalog entry 'purge' (postgres.query), field 'sql': expected a query that only reads (SELECT, " +
        'WITH … SELECT, VALUES or TABLE), but got a DELETE statement.',
    );
    t.equal(purge.hint, hint);
    const update = await caught(() =>
      open('bump', { sql: `-- nightly\n/* all rows */ UPDATE ${S}.listings SET price = 0 RETURNING id` }),
    );
    t.equal(
      update.detail,
      "Catalog entry 'bump' (postgres.query), field 'sql': expected a query that only reads (SELECT, " +
        'WITH … SELECT, VALUES or TABLE), but got an UPDATE statement.',
      'comments before the statement are skipped',
    );

    // Writes the server sees only when the query runs: a function that deletes, a sequence that advances.
    await server.query(`CREATE TABLE ${S}.keep (id integer)`);
    await server.query(`INSERT INTO ${S}.keep VALUES (1), (2), (3)`);
    await server.query(
      `CREATE FUNCTION ${S}.forget(below integer) RETURNS integer LANGUAGE sql AS 'DELETE FROM ${S}.keep ` +
        `WHERE id < below RETURNING id'`,
    );
    await server.query(`CREATE SEQUENCE ${S}.ticket`);
    const forget = await caught(() => open('forget', { sql: `SELECT ${S}.forget(10) AS n` }).load());
    t.equal(forget.code, 'DAGRUN_ERR_DATASET_LOAD');
    t.equal(
      forget.detail,
      `Dataset 'forget' (postgres.query): expected a query that only reads, but got one that writes: ` +
        `cannot execute DELETE in a read-only transaction (SQL function "forget" statement 1; SQLSTATE 25006).`,
    );
    t.equal(forget.hint, hint);
    const bound = await caught(() =>
      open('forget_below', { sql: `SELECT ${S}.forget($1::int) AS n`, params: [10] }).load(),
    );
    t.equal(
      bound.detail,
      `Dataset 'forget_below' (postgres.query): expected a query that only reads, but got one that writes: ` +
        `cannot execute DELETE in a read-only transaction (SQL function "forget" statement 1; SQLSTATE 25006).`,
      'a query with params (run into a temporary table) is read-only too',
    );
    const ticket = await caught(() => open('ticket', { sql: `SELECT nextval('${S}.ticket') AS n` }).load());
    t.equal(
      ticket.detail,
      "Dataset 'ticket' (postgres.query): expected a query that only reads, but got one that writes: " +
        'cannot execute nextval() in a read-only transaction (SQLSTATE 25006).',
    );
    t.same((await server.query(`SELECT count(*)::int AS n FROM ${S}.keep`)).rows, [{ n: 3 }], 'no row was deleted');
    t.same(
      (await server.query(`SELECT last_value::int AS v, is_called FROM ${S}.ticket`)).rows,
      [{ v: 1, is_called: false }],
      'the sequence did not advance',
    );
    t.same(
      (await open('reads', { sql: `SELECT id FROM ${S}.keep WHERE id > $1 ORDER BY id`, params: [1] }).load())
        .getColumn('id')
        .toArray(),
      [2, 3],
      'a query that only reads still loads, through the temporary table',
    );
  },
);

/** describe() shows a long query's first 77 characters. */
const short = (sql: string) => (sql.length > 80 ? `${sql.slice(0, 77)}...` : sql);

function hostFacts() {
  const c = server.credentials as { host?: string; port?: number; url?: string; database?: string; user?: string };
  if (c.url) {
    const u = new URL(c.url);
    return {
      host: `${u.hostname}:${u.port || 5432}`,
      database: u.pathname.slice(1),
      user: decodeURIComponent(u.username),
    };
  }
  return { host: `${c.host}:${c.port ?? 5432}`, database: c.database, user: c.user };
}
