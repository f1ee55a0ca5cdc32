// Test helper: the small table the table types are tested with, on the local disk and on S3 (plugins/datasets-s3),
// so every storage is held to the same round trip.

import pl from 'nodejs-polars';

/** A small table with every common dtype, nulls, a comma inside a value and a non-ASCII character. */
export const table = () =>
  pl.DataFrame([
    pl.Series('id', [1, 2, 3], pl.Int64),
    pl.Series('name', ['a', 'b,c', 'é'], pl.Utf8),
    pl.Series('price', [1.5, 2.25, null], pl.Float64),
    pl.Series('ok', [true, false, true], pl.Bool),
  ]);

/** `table()` as records. */
export const RECORDS = [
  { id: 1, name: 'a', price: 1.5, ok: true },
  { id: 2, name: 'b,c', price: 2.25, ok: false },
  { id: 3, name: 'é', price: null, ok: true },
];

export const records = (df: unknown) => (df as { toRecords(): unknown[] }).toRecords();
export const dtypes = (df: unknown) => (df as { dtypes: unknown[] }).dtypes.map(String);
