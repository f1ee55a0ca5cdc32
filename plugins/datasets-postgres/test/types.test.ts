// Type round trips through a real server: a frame saved and loaded back is the same frame (integers,
// floats with NaN and infinities, text with NULL kept apart from '', booleans, dates, timestamps with
// and without time zone), by every way rows can be sent; and columns of each PostgreSQL type load as
// the documented dtype.

import t from 'tap';
import type { DataFrame } from 'nodejs-polars';
import { loadPolars } from '../src/internal/polars.js';
import { tableType, type TableOptions } from '../src/index.js';
import { copyOut } from '../src/internal/copy-out.js';
import { findRelation, relationColumns } from '../src/internal/introspect.js';
import { selectList } from '../src/internal/type-map.js';
import { datasetContext, testServer, type TapTest } from './helpers/server.js';

const pl = await loadPolars();
const server = await testServer(t);
const S = server.schema;
/** COPY where the server takes it; PGlite over a socket takes no COPY FROM STDIN, so only INSERTs there. */
const METHODS = server.kind === 'pglite' ? (['auto', 'insert'] as const) : (['auto', 'copy', 'insert'] as const);

const open = (name: string, options: Omit<TableOptions, 'schema'>) => {
  const ds = tableType.create({ schema: S, ...options }, datasetContext(name, server.credentials));
  t.teardown(() => (ds as unknown as { close(): Promise<void> }).close());
  return ds as unknown as { load(): Promise<DataFrame>; save(df: DataFrame): Promise<unknown>; close(): Promise<void> };
};

const micros = (xs: Array<string | null>, tz?: string) =>
  pl
    .Series('x', xs, pl.Utf8)
    .cast(pl.Int64)
    .cast(tz ? pl.Datetime('us', tz) : pl.Datetime('us'));
const int64 = (xs: Array<string | null>) => pl.Series('x', xs, pl.Utf8).cast(pl.Int64);

const mixed = () =>
  pl.DataFrame([
    pl.Series('int32', [1, null, -2147483648, 2147483647, 0], pl.Int32),
    int64(['9007199254740993', null, '-9223372036854775808', '9223372036854775807', '0']).alias('int64'),
    pl.Series('float64', [0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null], pl.Float64),
    pl.Series('float64b', [1e300, 5e-324, 0.30000000000000004, -1.5, 123456789.12345679], pl.Float64),
    pl.Series('text', ['', null, 'a,"b"\nc', 'tab\there \\N NULL', ' ñandú 🦤 '], pl.Utf8),
    pl.Series('bool', [true, false, null, true, false], pl.Bool),
    micros(['1700000000123456', null, '-1', '0', '-2208988800000000']).alias('ts'),
    micros(['1700000000123456', null, '-1', '0', '253402300799999999'], 'UTC').alias('tstz'),
    pl.Series('date', [19000, null, -1, 0, -25567], pl.Int32).cast(pl.Date).alias('date'),
  ]);

t.test('a frame saved and loaded back is the same frame, by every way of sending rows', async (t) => {
  const df = mixed();
  for (const method of METHODS) {
    const ds = open(`roundtrip_${method}`, { table: `roundtrip_${method}`, save: { method } });
    await ds.save(df);
    const back = await ds.load();
    t.same(back.schema, df.schema, `${method}: same dtypes`);
    t.ok(back.frameEqual(df, true), `${method}: same values, nulls where they were`);
    t.same(
      back.getColumn('int64').cast(pl.Utf8).toArray(),
      df.getColumn('int64').cast(pl.Utf8).toArray(),
      `${method}: 64-bit integers exact`,
    );
    t.same(
      back.getColumn('text').toArray(),
      ['', null, 'a,"b"\nc', 'tab\there \\N NULL', ' ñandú 🦤 '],
      `${method}: NULL and '' stay apart`,
    );
    const stored = await server.query(
      `SELECT count(*)::int AS n FROM ${server.schema}.roundtrip_${method} WHERE text IS NULL`,
    );
    t.equal(stored.rows[0]?.n, 1, `${method}: one NULL in the table, not two`);
  }
});

t.test('dtypes without an exact twin: narrower ones widen, finer time units round to microseconds', async (t) => {
  for (const method of METHODS) await widen(t, method);
});

const widen = async (t: TapTest, method: (typeof METHODS)[number]) => {
  const table = `widen_${method}`;
  const df = pl.DataFrame([
    pl.Series('int8', [1, -128, null], pl.Int8),
    pl.Series('int16', [1, -32768, null], pl.Int16),
    pl.Series('uint32', [1, 4294967295, null], pl.UInt32),
    pl.Series('float32', [0.5, -1.25, null], pl.Float32),
    pl.Series('cat', ['a', null, 'b'], pl.Utf8).cast(pl.Categorical),
    pl.Series('ms', ['1700000000123', null, '-1'], pl.Utf8).cast(pl.Int64).cast(pl.Datetime('ms')),
    pl.Series('ns', ['1700000000123456789', null, '1'], pl.Utf8).cast(pl.Int64).cast(pl.Datetime('ns')),
    pl.Series('time', ['1700000000123456789', null, '0'], pl.Utf8).cast(pl.Int64).cast(pl.Datetime('ns')).cast(pl.Time),
    pl.Series('dec', ['1.25', null, '-1000.5'], pl.Utf8).cast(pl.Decimal(10, 2)),
  ]);
  const ds = open(table, { table, save: { method } });
  await ds.save(df);
  const columns = await server.query(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ` +
      `ORDER BY ordinal_position`,
    [S, table],
  );
  t.same(
    columns.rows.map((r) => `${r.column_name}: ${r.data_type}`),
    [
      'int8: smallint',
      'int16: smallint',
      'uint32: bigint',
      'float32: real',
      'cat: text',
      'ms: timestamp without time zone',
      'ns: timestamp without time zone',
      'time: time without time zone',
      'dec: numeric',
    ],
    method,
  );
  const back = await ds.load();
  t.same(Object.fromEntries(Object.entries(back.schema).map(([k, v]) => [k, String(v)])), {
    int8: 'DataType(Int32)',
    int16: 'DataType(Int32)',
    uint32: 'DataType(Int64)',
    float32: 'DataType(Float64)',
    cat: 'DataType(String)',
    ms: 'DataType(Datetime(us,))',
    ns: 'DataType(Datetime(us,))',
    time: 'DataType(String)',
    dec: 'DataType(Float64)',
  });
  t.same(back.getColumn('int8').toArray(), [1, -128, null]);
  t.same(back.getColumn('uint32').toArray(), [1, 4294967295, null]);
  t.same(back.getColumn('float32').toArray(), [0.5, -1.25, null]);
  t.same(back.getColumn('cat').toArray(), ['a', null, 'b']);
  t.same(back.getColumn('ms').cast(pl.Int64).toArray(), [1700000000123000, null, -1000]);
  // 123456789 ns is 123456.789 µs: the server rounds to the microsecond.
  t.same(back.getColumn('ns').cast(pl.Int64).toArray(), [1700000000123457, null, 0]);
  t.same(
    back.getColumn('time').toArray(),
    ['22:13:20.123457', null, '00:00:00'],
    `${method}: times keep their microseconds, as text`,
  );
  t.same(back.getColumn('dec').toArray(), [1.25, null, -1000.5]);
};

t.test('each PostgreSQL column type loads as its documented dtype', async (t) => {
  const s = server.schema;
  await server.query(`CREATE TYPE ${s}.mood AS ENUM ('sad', 'ok')`);
  await server.query(`CREATE DOMAIN ${s}.price AS numeric(12, 2)`);
  await server.query(`CREATE TABLE ${s}.every_type (
    i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, num numeric(10, 2), dom ${s}.price,
    txt text, vc varchar(5), ch char(3), b boolean, d date, ts timestamp, tstz timestamptz,
    u uuid, j json, jb jsonb, iv interval, m ${s}.mood, arr integer[])`);
  await server.query(
    `INSERT INTO ${s}.every_type VALUES
    (1, 2, 3, 1.5, 2.5, 12.34, 99.99, 'x', 'abc', 'ab', true, '2024-02-29', '2024-02-29 12:34:56.789012', ` +
      `'2024-02-29 12:34:56.789012+00',
     '0b3c4a2e-0000-4000-8000-000000000001', '{"a": 1}', '{"b": [1, 2]}', '1 day 02:00:00', 'ok', '{1,NULL,3}'),
    (NULL, NULL, NULL, 'NaN', '-Infinity', 'NaN', NULL, '', NULL, NULL, NULL, 'infinity', '-infinity', ` +
      `'infinity', NULL, NULL, NULL, NULL, NULL, NULL)`,
  );
  const df = await open('every_type', { table: 'every_type' }).load();
  t.same(
    Object.fromEntries(Object.entries(df.schema).map(([k, v]) => [k, String(v).replace(/^DataType\((.*)\)$/, '$1')])),
    {
      i2: 'Int32',
      i4: 'Int32',
      i8: 'Int64',
      f4: 'Float64',
      f8: 'Float64',
      num: 'Float64',
      dom: 'Float64',
      txt: 'String',
      vc: 'String',
      ch: 'String',
      b: 'Bool',
      d: 'Date',
      ts: 'Datetime(us,)',
      tstz: 'Datetime(us,UTC)',
      u: 'String',
      j: 'String',
      jb: 'String',
      iv: 'String',
      m: 'String',
      arr: 'String',
    },
  );
  const [first, second] = df.toRecords() as Array<Record<string, unknown>>;
  t.match(first, {
    i2: 1,
    i4: 2,
    i8: 3,
    f4: 1.5,
    f8: 2.5,
    num: 12.34,
    dom: 99.99,
    txt: 'x',
    vc: 'abc',
    ch: 'ab ',
    b: true,
    u: '0b3c4a2e-0000-4000-8000-000000000001',
    j: '{"a": 1}',
    jb: '{"b": [1, 2]}',
    iv: '1 day 02:00:00',
    m: 'ok',
    arr: '{1,NULL,3}',
  });
  t.same(df.getColumn('ts').cast(pl.Int64).toArray()[0], 1709210096789012, 'timestamps keep their microseconds');
  t.same(df.getColumn('tstz').cast(pl.Int64).toArray()[0], 1709210096789012);
  t.equal((first!.d as Date).toISOString(), '2024-02-29T00:00:00.000Z');
  t.ok(Number.isNaN(second!.f4) && Number.isNaN(second!.num), 'NaN stays NaN');
  t.equal(second!.f8, Number.NEGATIVE_INFINITY);
  t.match(
    second,
    { i2: null, txt: '', vc: null, b: null, d: null, ts: null, tstz: null },
    "NULL and '' stay apart; infinite dates and timestamps load as null",
  );
});

t.test('an empty table loads as an empty frame with the mapped dtypes', async (t) => {
  await server.query(`CREATE TABLE ${server.schema}.empty (a integer, b text, c timestamptz)`);
  const df = await open('empty', { table: 'empty' }).load();
  t.equal(df.height, 0);
  t.same(df.columns, ['a', 'b', 'c']);
  t.equal(String(df.getColumn('c').dtype), 'DataType(Datetime(us,UTC))');
});

t.test('a load parsed in many small chunks, cut inside quoted newlines, gives the same frame', async (t) => {
  const n = 3000;
  const texts = Array.from({ length: n }, (_, i) =>
    i % 3 === 0 ? `line ${i}\nnext, "quoted"\n` : i % 3 === 1 ? '' : `${'x'.repeat(i % 97)},"`,
  );
  const df = pl.DataFrame([
    pl.Series(
      'id',
      Array.from({ length: n }, (_, i) => i),
      pl.Int32,
    ),
    pl.Series(
      'text',
      texts.map((x, i) => (i % 10 === 5 ? null : x)),
      pl.Utf8,
    ),
  ]);
  await open('chunks', { table: 'chunks' }).save(df);
  const client = await server.connect();
  t.teardown(() => client.end());
  const rel = (await findRelation(client, S, 'chunks'))!;
  const columns = await relationColumns(client, rel);
  for (const chunkBytes of [1, 100, 4096]) {
    const back = await copyOut(
      client as never,
      `COPY (SELECT ${selectList(columns)} FROM ${S}.chunks ORDER BY id) TO STDOUT (FORMAT csv)`,
      columns,
      chunkBytes,
    );
    t.ok(back.frameEqual(df, true), `chunks of ${chunkBytes} bytes`);
  }
});
