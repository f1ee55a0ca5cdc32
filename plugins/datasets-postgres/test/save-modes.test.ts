// The three save modes against a real server: replace swaps a new table in atomically (a reader running
// all along sees the old rows or the new ones, never a mix, an empty table or no table), append adds
// rows, upsert inserts or updates by key; and a save that fails rolls back, leaving the table as it was.

import t from 'tap';
import type { DataFrame } from 'nodejs-polars';
import { loadPolars } from '../src/internal/polars.js';
import { tableType, type TableOptions } from '../src/index.js';
import { caught, datasetContext, testServer } from './helpers/server.js';

const pl = await loadPolars();
const server = await testServer(t);
const S = server.schema;
/** COPY where the server takes it; PGlite over a socket takes no COPY FROM STDIN, so only INSERTs there. */
const METHODS = server.kind === 'pglite' ? (['auto', 'insert'] as const) : (['auto', 'copy', 'insert'] as const);

interface Table {
  load(): Promise<DataFrame>;
  save(df: DataFrame): Promise<unknown>;
  exists(): Promise<boolean>;
  close(): Promise<void>;
}
const open = (name: string, options: Omit<TableOptions, 'schema'>): Table => {
  const ds = tableType.create({ schema: S, ...options }, datasetContext(name, server.credentials)) as unknown as Table;
  t.teardown(() => ds.close());
  return ds;
};
const rows = async (table: string, order = 'id') =>
  (await server.query(`SELECT * FROM ${S}.${table} ORDER BY ${order}`)).rows;
const columnsOf = async (table: string) =>
  (
    await server.query(
      `SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_schema = $1 ` +
        `AND table_name = $2 ORDER BY ordinal_position`,
      [S, table],
    )
  ).rows.map((r) => r.c as string);

t.test('replace creates the table from the frame, then replaces rows and columns', async (t) => {
  const ds = open('listings', { table: 'listings' });
  t.equal(await ds.exists(), false);
  await ds.save(pl.DataFrame({ id: pl.Series('id', [1, 2], pl.Int32), sector: ['a', 'b'] }));
  t.equal(await ds.exists(), true);
  t.same(await rows('listings'), [
    { id: 1, sector: 'a' },
    { id: 2, sector: 'b' },
  ]);
  await ds.save(pl.DataFrame({ id: pl.Series('id', [3], pl.Int64), price: [9.5] }));
  t.same(
    await columnsOf('listings'),
    ['id bigint', 'price double precision'],
    'the new table has the new frame’s columns and types',
  );
  t.same(await rows('listings'), [{ id: '3', price: 9.5 }]);
  const left = await server.query(
    `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ` +
      `AND relname LIKE '\\_dagrun%'`,
    [S],
  );
  t.same(left.rows, [], 'no staging table is left behind');
});

t.test('replace with key: the new table has that primary key, named after the table', async (t) => {
  const ds = open('keyed', { table: 'keyed', save: { key: ['id'] } });
  await ds.save(pl.DataFrame([i32('id', [1, 2]), pl.Series('v', ['a', 'b'])]));
  await ds.save(pl.DataFrame([i32('id', [5, 6]), pl.Series('v', ['e', 'f'])]));
  const pk = await server.query(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass ` +
      `AND contype = 'p'`,
    [`${S}.keyed`],
  );
  t.same(pk.rows, [{ conname: 'keyed_pkey', def: 'PRIMARY KEY (id)' }]);
});

t.test('append adds rows (creating the table when missing) and checks the frame fits', async (t) => {
  const ds = open('events', { table: 'events', save: { mode: 'append' } });
  await ds.save(pl.DataFrame({ id: pl.Series('id', [1], pl.Int32), kind: ['a'] }));
  await ds.save(pl.DataFrame({ kind: ['b', null], id: pl.Series('id', [2, 3], pl.Int64) }));
  t.same(
    await rows('events'),
    [
      { id: 1, kind: 'a' },
      { id: 2, kind: 'b' },
      { id: 3, kind: null },
    ],
    'columns matched by name, Int64 into integer',
  );
  await server.query(`ALTER TABLE ${S}.events ADD COLUMN created timestamptz DEFAULT now()`);
  await ds.save(pl.DataFrame({ id: pl.Series('id', [4], pl.Int32) }));
  const r = await server.query(`SELECT kind, created IS NOT NULL AS has_default FROM ${S}.events WHERE id = 4`);
  t.same(r.rows, [{ kind: null, has_default: true }], 'columns the frame lacks get their default');

  const err = await caught(() =>
    ds.save(
      pl.DataFrame({ id: pl.Series('id', [5], pl.Float64), kind: pl.Series('kind', [1], pl.Int32), kinds: ['x'] }),
    ),
  );
  t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    err.detail,
    `Dataset 'events' (postgres.table): expected the frame to fit table '${S}.events' on ${addr()} for append, ` +
      `but got column 'id' is integer in the table, but Float64 in the frame; column 'kind' is text in the table, ` +
      `but Int32 in the frame; 'kinds' is not a column of the table (did you mean: 'kind'?). Nothing was written: ` +
      `the table is as it was.`,
  );
  t.equal(
    err.hint,
    "Hint: cast the column in the node (e.g. pl.col('id').cast(...)), or save with mode replace to recreate " +
      'the table from the frame.',
  );
  t.equal((await rows('events')).length, 4);
});

t.test(
  'a value the column refuses on append is a type mismatch naming the column, and nothing is written',
  async (t) => {
    for (const method of METHODS) {
      const table = `small_${method}`;
      await server.query(`CREATE TABLE ${S}.${table} (id integer, code varchar(2), tag char(3))`);
      await server.query(`INSERT INTO ${S}.${table} VALUES (1, 'ok', 'abc')`);
      const ds = open(table, { table, save: { mode: 'append', method } });
      const big = await caught(() =>
        ds.save(pl.DataFrame({ id: int64(['2', '3', '9999999999']), code: ['a', 'b', 'c'] })),
      );
      t.equal(big.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH', method);
      t.match(
        big.detail,
        new RegExp(
          `^Dataset '${table}' \\(postgres.table\\): expected to write table '${S}.${table}' ` +
            `on ${esc(addr())}, but got value "9999999999" is out of range for type integer ` +
            `\\(.*SQLSTATE 22003\\)\\. Nothing was written: the table is as it was\\.$`,
        ),
        method,
      );
      if (method === 'copy') t.match(big.detail, 'column id: "9999999999"', 'COPY says which row and column');
      // An explicit cast to varchar(2) would cut the value: the
      // INSERT path casts to varchar and lets the column refuse it.
      const long = await caught(() => ds.save(pl.DataFrame([i32('id', [2]), pl.Series('code', ['too long'])])));
      t.equal(long.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH', method);
      t.match(long.detail, 'value too long for type character varying(2)', method);
      const longer = await caught(() => ds.save(pl.DataFrame([i32('id', [2]), pl.Series('tag', ['abcd'])])));
      t.equal(longer.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH', method);
      t.match(longer.detail, 'value too long for type character(3)', method);
      t.same(await rows(table), [{ id: 1, code: 'ok', tag: 'abc' }], `${method}: unchanged`);
      await ds.save(pl.DataFrame([i32('id', [2]), pl.Series('code', ['hi']), pl.Series('tag', ['ab'])]));
      t.same(
        await rows(table),
        [
          { id: 1, code: 'ok', tag: 'abc' },
          { id: 2, code: 'hi', tag: 'ab ' },
        ],
        `${method}: values that fit go in whole`,
      );
    }
  },
);

t.test('upsert inserts new keys and updates existing ones', async (t) => {
  const ds = open('prices', { table: 'prices', save: { mode: 'upsert', key: ['sector', 'id'] } });
  await ds.save(
    pl.DataFrame([pl.Series('sector', ['a', 'a', 'b']), i32('id', [1, 2, 1]), pl.Series('price', [10, 20, 30])]),
  );
  const pk = await server.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
    [`${S}.prices`],
  );
  t.same(pk.rows, [{ def: 'PRIMARY KEY (sector, id)' }], 'a table upsert creates gets the key as primary key');
  await ds.save(pl.DataFrame([i32('id', [2, 3]), pl.Series('sector', ['a', 'b']), pl.Series('price', [21, 33])]));
  t.same(await rows('prices', 'sector, id'), [
    { sector: 'a', id: '1', price: 10 },
    { sector: 'a', id: '2', price: 21 },
    { sector: 'b', id: '1', price: 30 },
    { sector: 'b', id: '3', price: 33 },
  ]);
  const keysOnly = open('prices_keys', { table: 'prices', save: { mode: 'upsert', key: ['sector', 'id'] } });
  await keysOnly.save(pl.DataFrame([pl.Series('sector', ['c', 'a']), i32('id', [1, 1])]));
  t.same(
    (await rows('prices', 'sector, id')).map((r) => `${r.sector}${r.id}:${r.price}`),
    ['a1:10', 'a2:21', 'b1:30', 'b3:33', 'c1:null'],
    'a frame of key columns only inserts missing keys',
  );
});

t.test('upsert refuses what it cannot do: no unique key, duplicate keys, a missing key column', async (t) => {
  await server.query(`CREATE TABLE ${S}.nokey (id integer, v text)`);
  await server.query(`INSERT INTO ${S}.nokey VALUES (1, 'old')`);
  const ds = open('nokey', { table: 'nokey', save: { mode: 'upsert', key: ['id'] } });
  const none = await caught(() => ds.save(pl.DataFrame([i32('id', [1]), pl.Series('v', ['new'])])));
  t.equal(none.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    none.detail,
    `Dataset 'nokey' (postgres.table): expected a primary key or unique constraint on (id) of table ` +
      `'${S}.nokey' on ${addr()}, but got none. Nothing was written: the table is as it was.`,
  );
  t.equal(
    none.hint,
    `Hint: upsert needs one to find existing rows: ALTER TABLE "${S}"."nokey" ADD PRIMARY KEY ("id");`,
  );
  await server.query(`CREATE UNIQUE INDEX ON ${S}.nokey (id)`);
  await ds.save(pl.DataFrame([i32('id', [1]), pl.Series('v', ['new'])]));
  t.same(await rows('nokey'), [{ id: 1, v: 'new' }], 'a unique index is enough');

  const dup = await caught(() => ds.save(pl.DataFrame([i32('id', [7, 7, 8]), pl.Series('v', ['a', 'b', 'c'])])));
  t.equal(dup.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    dup.detail,
    "Dataset 'nokey' (postgres.table): expected each key (id) once in the frame, but got 2 rows sharing a key " +
      'with another row. Nothing was written: the table is as it was.',
  );
  const missing = await caught(() => ds.save(pl.DataFrame([i32('ID', [1]), pl.Series('v', ['x'])])));
  t.equal(missing.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    missing.detail,
    "Dataset 'nokey' (postgres.table): expected the key column 'id' in the frame, but got no 'id' among 'ID', 'v'.",
  );
  t.equal(missing.hint, "Hint: did you mean: 'ID', 'v'?");
  t.same(await rows('nokey'), [{ id: 1, v: 'new' }]);
});

t.test('a failed save rolls back: the table is as it was, in every mode', async (t) => {
  await server.query(`CREATE TABLE ${S}.strict (id integer PRIMARY KEY, v text NOT NULL)`);
  await server.query(`INSERT INTO ${S}.strict VALUES (1, 'one'), (2, 'two')`);
  const before = await rows('strict');
  // Row 3 of 4 breaks NOT NULL: rows before it were already sent when the server refuses.
  const bad = pl.DataFrame([i32('id', [10, 11, 12, 13]), pl.Series('v', ['a', 'b', null, 'd'])]);
  for (const mode of ['append', 'upsert'] as const) {
    const ds = open(`strict_${mode}`, { table: 'strict', save: { mode, key: ['id'] } });
    const err = await caught(() => ds.save(bad));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE', mode);
    t.match(err.detail, /null value in column "v" .*violates not-null constraint/, mode);
    t.match(err.detail, /Nothing was written: the table is as it was\.$/);
    t.same(await rows('strict'), before, `${mode}: unchanged`);
  }
  // replace builds a new table: a duplicate key fails it, and the old table stays, with its rows and constraints.
  const replace = open('strict_replace', { table: 'strict', save: { mode: 'replace', key: ['id'] } });
  const dup = await caught(() => replace.save(pl.DataFrame([i32('id', [5, 5]), pl.Series('v', ['x', 'y'])])));
  t.equal(dup.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.same(await rows('strict'), before, 'replace: unchanged');
  t.same(await columnsOf('strict'), ['id integer', 'v text']);
  const left = await server.query(
    `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ` +
      `AND relname LIKE '\\_dagrun%'`,
    [S],
  );
  t.same(left.rows, [], 'the staging table went with the rollback');
});

t.test('replace refuses to drop a view, and names what the table is', async (t) => {
  await server.query(`CREATE VIEW ${S}.a_view AS SELECT 1 AS x`);
  const err = await caught(() => open('a_view', { table: 'a_view' }).save(pl.DataFrame({ x: [2] })));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    err.detail,
    `Dataset 'a_view' (postgres.table): expected '${S}.a_view' on ${addr()} to be a table for replace, ` +
      `but got a view. Nothing was written.`,
  );
  t.same((await server.query(`SELECT * FROM ${S}.a_view`)).rows, [{ x: 1 }]);
});

t.test('replace fails, changing nothing, when a view depends on the table', async (t) => {
  await server.query(`CREATE TABLE ${S}.base (id integer)`);
  await server.query(`INSERT INTO ${S}.base VALUES (1)`);
  await server.query(`CREATE VIEW ${S}.base_view AS SELECT id FROM ${S}.base`);
  const err = await caught(() => open('base', { table: 'base' }).save(pl.DataFrame([i32('id', [2])])));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.match(
    err.detail,
    new RegExp(
      /^Dataset 'base' \(postgres\.table\): expected to write table '.+\.base' on .+, /.source +
        /but got cannot drop table .*base because other objects depend on it \(.*SQLSTATE 2BP01\)\. /.source +
        /Nothing was written: the table is as it was\.$/.source,
    ),
  );
  t.same(await rows('base_view'), [{ id: 1 }]);
});

t.test(
  'replace is atomic: a reader polling all along sees the old rows or the new ones, never a mix or no table',
  async (t) => {
    const n = 20_000;
    const ds = open('swap', { table: 'swap' });
    await ds.save(
      pl.DataFrame({
        id: pl.Series(
          'id',
          Array.from({ length: n }, (_, i) => i),
          pl.Int32,
        ),
        generation: pl.Series('g', Array(n).fill(1), pl.Int32).alias('generation'),
      }),
    );
    const reader = await server.connect();
    t.teardown(() => reader.end());
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let stop = false;
    const poll = (async () => {
      while (!stop) {
        try {
          const r = await reader.query(
            `SELECT count(*)::int AS n, min(generation) AS lo, max(generation) AS hi FROM ${S}.swap`,
          );
          const { n: count, lo, hi } = r.rows[0] as { n: number; lo: number; hi: number };
          const key = `${count} rows of generation ${lo}..${hi}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    // Let the reader run before, during and after three replaces.
    await new Promise((r) => setTimeout(r, 50));
    for (const generation of [2, 3, 4]) {
      await ds.save(
        pl.DataFrame({
          id: pl.Series(
            'id',
            Array.from({ length: n + generation }, (_, i) => i),
            pl.Int32,
          ),
          generation: pl.Series('generation', Array(n + generation).fill(generation), pl.Int32),
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await poll;
    t.same(failures, [], 'no read failed (no moment without the table)');
    const allowed = new Set([
      `${n} rows of generation 1..1`,
      ...[2, 3, 4].map((g) => `${n + g} rows of generation ${g}..${g}`),
    ]);
    const odd = [...seen.keys()].filter((k) => !allowed.has(k));
    t.same(odd, [], `every read saw one whole generation (${[...seen].map(([k, v]) => `${k}: ${v}×`).join('; ')})`);
    t.ok(
      seen.has(`${n} rows of generation 1..1`) && seen.has(`${n + 4} rows of generation 4..4`),
      'the reader saw the first and the last generation',
    );
    t.ok([...seen.values()].reduce((a, b) => a + b, 0) > 10, 'the reader read many times');
  },
);

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const addr = () => {
  const c = server.credentials as { host?: string; port?: number; url?: string; database?: string };
  if (c.url) {
    const u = new URL(c.url);
    return `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
  }
  return `${c.host ?? 'localhost'}:${c.port ?? 5432}/${c.database}`;
};
const int64 = (xs: string[]) => pl.Series('id', xs, pl.Utf8).cast(pl.Int64);
const i32 = (name: string, xs: Array<number | null>) => pl.Series(name, xs, pl.Int32);
