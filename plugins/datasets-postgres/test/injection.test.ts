// Injection attempts in every place catalog.yaml or a frame puts a name or a value: table, schema,
// columns, filter keys and values, order_by, key columns, frame column names, query params. Each one
// ends up as a name or a value, exactly as written, and the canary table is still there at the end.

import t from 'tap';
import type { DataFrame } from 'nodejs-polars';
import { loadPolars } from '../src/internal/polars.js';
import { queryType, quoteIdent, tableType, type TableOptions } from '../src/index.js';
import { datasetContext, testServer, type TapTest } from './helpers/server.js';

const pl = await loadPolars();
const server = await testServer(t);
const S = server.schema;
const CANARY = `${S}.canary`;
const EVIL = `x"; DROP TABLE ${CANARY}; --`;
const EVIL_VALUE = `'; DROP TABLE ${CANARY}; -- \\' "`;

interface Table {
  load(): Promise<DataFrame>;
  save(df: DataFrame): Promise<unknown>;
  close(): Promise<void>;
}
const open = (name: string, options: TableOptions): Table => {
  const ds = tableType.create(options, datasetContext(name, server.credentials)) as unknown as Table;
  t.teardown(() => ds.close());
  return ds;
};
const canaryAlive = async (t: TapTest) => {
  t.same((await server.query(`SELECT n FROM ${CANARY}`)).rows, [{ n: 1 }], 'the canary table is still there');
};

await server.query(`CREATE TABLE ${CANARY} (n integer)`);
await server.query(`INSERT INTO ${CANARY} VALUES (1)`);

t.test('a table name holding SQL is a table of that exact name', async (t) => {
  const ds = open('evil_table', { table: EVIL, schema: S, save: { key: ['id'] } });
  const df = pl.DataFrame([pl.Series('id', [1, 2], pl.Int32), pl.Series('v', ['a', 'b'])]);
  await ds.save(df);
  await ds.save(df);
  const names = await server.query(
    `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ` +
      `AND relkind = 'r' ORDER BY relname`,
    [S],
  );
  t.same(
    names.rows.map((r) => r.relname),
    ['canary', EVIL],
  );
  t.ok((await ds.load()).frameEqual(df));
  await canaryAlive(t);
});

t.test('a schema name holding SQL, and a key whose constraint name is built from the table name', async (t) => {
  const schema = `s"; DROP TABLE ${CANARY}; --`;
  await server.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  t.teardown(() => server.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`));
  const table = `t'); DROP TABLE ${CANARY}; --`;
  const ds = open('evil_schema', { table, schema, save: { mode: 'upsert', key: ['id'] } });
  await ds.save(pl.DataFrame([pl.Series('id', [1], pl.Int32), pl.Series('v', ['first'])]));
  await ds.save(pl.DataFrame([pl.Series('id', [1, 2], pl.Int32), pl.Series('v', ['second', 'new'])]));
  t.same((await ds.load()).sort('id').toRecords(), [
    { id: 1, v: 'second' },
    { id: 2, v: 'new' },
  ]);
  await canaryAlive(t);
});

t.test('column names, filter keys and values, order_by and key columns holding SQL', async (t) => {
  const col = `a"); DROP TABLE ${CANARY}; --`;
  const key = `k" = 1; DROP TABLE ${CANARY}; --`;
  const df = pl.DataFrame([
    pl.Series(key, [1, 2, 3], pl.Int32),
    pl.Series(col, [EVIL_VALUE, 'plain', EVIL_VALUE]),
    pl.Series('back\\slash', ['\\', '\\\\', "'"]),
  ]);
  const writer = open('evil_columns', { table: 'evil_columns', schema: S, save: { mode: 'upsert', key: [key] } });
  await writer.save(df);
  await writer.save(df);
  const reader = open('evil_filter', {
    table: 'evil_columns',
    schema: S,
    columns: [col, key],
    filter: { [col]: EVIL_VALUE, [key]: [1, 3, null] },
    order_by: [key],
  });
  const got = await reader.load();
  t.same(got.columns, [col, key]);
  t.same(
    got.toRecords(),
    [
      { [col]: EVIL_VALUE, [key]: 1 },
      { [col]: EVIL_VALUE, [key]: 3 },
    ],
    'the filter value matched literally',
  );
  const backslash = open('evil_backslash', { table: 'evil_columns', schema: S, filter: { 'back\\slash': '\\\\' } });
  t.same((await backslash.load()).getColumn(key).toArray(), [2], 'backslashes in filter values are literal');
  await canaryAlive(t);
});

t.test('query params holding SQL are bound values', async (t) => {
  await server.query(`CREATE TABLE ${S}.notes (id integer, body text)`);
  await server.query(`INSERT INTO ${S}.notes VALUES (1, $1), (2, 'other')`, [EVIL_VALUE]);
  const q = queryType.create(
    { sql: `SELECT id FROM ${S}.notes WHERE body = $1 ORDER BY id`, params: [EVIL_VALUE] },
    datasetContext('evil_query', server.credentials),
  );
  t.teardown(() => (q as unknown as Table).close());
  t.same(((await q.load()) as DataFrame).toRecords(), [{ id: 1 }]);
  const fromParams = queryType.create(
    { sql: `SELECT id FROM ${S}.notes WHERE body = $1`, params: ['params:body'] },
    datasetContext('evil_param', server.credentials, { params: { body: EVIL_VALUE } }),
  );
  t.teardown(() => (fromParams as unknown as Table).close());
  t.same(((await fromParams.load()) as DataFrame).toRecords(), [{ id: 1 }]);
  await canaryAlive(t);
});
