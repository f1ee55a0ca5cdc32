import t from 'tap';
import pl from 'nodejs-polars';
import { MlError } from './errors.js';
import { asTable } from './table.js';

const caught = (fn: () => unknown): MlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError, but the call succeeded');
};

t.test('a record of columns, row objects and a DataFrame-shaped object read the same', async (t) => {
  const cols = asTable({ a: [1, 2], b: new Float64Array([3, 4]) });
  t.same([cols.names, cols.rows, Array.from(cols.column('b')!), cols.column('zz')], [['a', 'b'], 2, [3, 4], undefined]);
  const rows = asTable([
    { a: 1, b: 3 },
    { a: 2, b: 4 },
  ]);
  t.same([rows.names, rows.rows, rows.column('b'), rows.column('zz')], [['a', 'b'], 2, [3, 4], undefined]);
  let reads = 0;
  const df = asTable({
    columns: ['a', 'b'],
    height: 2,
    getColumn: (name: string) => ({ toArray: () => (reads++, name === 'a' ? [1, 2] : [3, 4]) }),
  });
  t.same(
    [df.names, df.rows, df.column('b'), df.column('b'), df.column('zz')],
    [['a', 'b'], 2, [3, 4], [3, 4], undefined],
  );
  t.equal(reads, 1, 'a DataFrame column is converted once');
  t.same(asTable([]).rows, 0);
  t.same(asTable({}).rows, 0);
});

t.test('a polars DataFrame: numeric columns without nulls as typed arrays, the rest as arrays', async (t) => {
  const df = pl
    .DataFrame({ f: [1.5, 2.5], i: [1, 2], s: ['a', 'b'], n: [1.5, null] })
    .withColumns(pl.col('i').cast(pl.Int64), pl.col('n').cast(pl.Float64));
  const table = asTable(df);
  t.ok(table.column('f') instanceof Float64Array, 'Float64 column: a Float64Array');
  t.same(Array.from(table.column('f')!), [1.5, 2.5]);
  t.strictSame(
    Array.from(table.column('i')!, (v) => typeof v),
    ['number', 'number'],
    'Int64 column: numbers, not bigints',
  );
  t.same(table.column('s'), ['a', 'b']);
  t.same(table.column('n'), [1.5, null], 'a column with nulls: an array keeping the null');
});

t.test('uneven input is an error naming the column or row', async (t) => {
  t.equal(
    caught(() => asTable({ a: [1, 2], b: [1] })).detail,
    "Column 'b': expected 2 values like column 'a', but got 1.",
  );
  t.equal(
    caught(() => asTable({ a: [1, 2], b: 7 as unknown as number[] })).detail,
    "Column 'b': expected an array of values, but got number.",
  );
  const rows = asTable([{ a: 1, b: 3 }, { a: 2 }]);
  const err = caught(() => rows.column('b'));
  t.equal(err.code, 'DAGRUN_ERR_ML_MISSING_COLUMN');
  t.equal(err.detail, "Row 1: expected field 'b' like row 0, but got only 'a'.");
});
