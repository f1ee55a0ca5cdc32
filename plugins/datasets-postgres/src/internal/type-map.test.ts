// The save side of the type mapping, without a server: the column type a created table gets for each
// dtype, and which existing columns a dtype may be appended to.

import t from 'tap';
import { loadPolars } from './polars.js';
import { dtypeLabel, fits, OID, pgTypeFor, type PgColumn } from './type-map.js';

const pl = await loadPolars();
const col = (oid: number, category: string, typeName = 'x'): PgColumn => ({
  name: 'c',
  oid,
  typeName,
  castType: typeName,
  category,
});

t.test('the column type a created table gets for each dtype', async (t) => {
  const table: Array<[string, unknown]> = [
    ['smallint', pl.Int8],
    ['smallint', pl.Int16],
    ['integer', pl.Int32],
    ['bigint', pl.Int64],
    ['smallint', pl.UInt8],
    ['integer', pl.UInt16],
    ['bigint', pl.UInt32],
    ['bigint', pl.UInt64],
    ['real', pl.Float32],
    ['double precision', pl.Float64],
    ['boolean', pl.Bool],
    ['text', pl.Utf8],
    ['text', pl.Categorical],
    ['date', pl.Date],
    ['timestamp without time zone', pl.Datetime('us')],
    ['timestamp without time zone', pl.Datetime('ms')],
    ['timestamp with time zone', pl.Datetime('us', 'UTC')],
    ['timestamp with time zone', pl.Datetime('ns', 'America/Santiago')],
    ['time without time zone', pl.Time],
  ];
  for (const [want, dtype] of table) t.equal(pgTypeFor(dtype as never), want, dtypeLabel(dtype as never));
  t.equal(pgTypeFor(pl.List(pl.Int64) as never), undefined, 'lists have no mapping');
  t.equal(pgTypeFor(pl.Duration('ms') as never), undefined, 'durations have no mapping');
  t.equal(dtypeLabel(pl.Datetime('us', 'UTC') as never), 'Datetime(us,UTC)');
  t.equal(dtypeLabel(pl.List(pl.List(pl.Int64)) as never), 'List(List(Int64))');
});

t.test('which existing columns a dtype may go into', async (t) => {
  const int4 = col(OID.int4, 'N');
  const numeric = col(OID.numeric, 'N');
  const float8 = col(OID.float8, 'N');
  const text = col(OID.text, 'S');
  const uuid = col(2950, 'U');
  const boolean = col(OID.bool, 'B');
  const date = col(OID.date, 'D');
  const ts = col(OID.timestamp, 'D');
  const tstz = col(OID.timestamptz, 'D');
  t.ok(fits(pl.Int64 as never, int4), 'Int64 into integer (range is the server’s to check)');
  t.ok(fits(pl.Int32 as never, float8));
  t.notOk(fits(pl.Float64 as never, int4), 'Float64 into integer: polars writes 2.0, which integer refuses');
  t.ok(fits(pl.Float64 as never, numeric));
  t.notOk(fits(pl.Utf8 as never, int4));
  t.ok(fits(pl.Utf8 as never, text));
  t.ok(fits(pl.Utf8 as never, uuid), 'text parses into uuid, json, enums, …');
  t.notOk(fits(pl.Utf8 as never, date));
  t.ok(fits(pl.Bool as never, boolean));
  t.notOk(fits(pl.Bool as never, int4));
  t.ok(fits(pl.Date as never, ts));
  t.notOk(fits(pl.Datetime('us') as never, date));
  t.ok(fits(pl.Datetime('us', 'UTC') as never, ts));
  t.ok(fits(pl.Datetime('us') as never, tstz));
  t.ok(fits(pl.Null as never, boolean), 'an all-null column fits anywhere');
  t.notOk(fits(pl.List(pl.Int64) as never, text));
});
