import t from 'tap';
import pl from 'nodejs-polars';
import { describeValue } from './describe.js';

t.test('values are described by what they are', async (t) => {
  t.equal(describeValue(undefined), 'undefined');
  t.equal(describeValue(null), 'null');
  t.equal(describeValue('abc'), "a string 'abc'");
  t.equal(describeValue('x'.repeat(50)), `a string '${'x'.repeat(37)}…'`);
  t.equal(describeValue(3), 'the number 3');
  t.equal(describeValue(true), 'the boolean true');
  t.equal(
    describeValue(function fit() {}),
    'a function (fit) (did you forget to call it?)',
  );
  t.equal(describeValue([1, 2]), 'an array of 2');
  t.equal(describeValue({}), 'an empty object');
  t.equal(describeValue({ a: 1, b: 2 }), 'an object with keys a, b');
  t.equal(describeValue(new Map([[1, 2]])), 'a Map of 1');
  t.equal(describeValue(new Float64Array(3)), 'a Float64Array of 3');
  t.equal(describeValue(Buffer.from('ab')), 'a Buffer of 2 bytes');
  t.equal(describeValue(Promise.resolve(1)), 'a Promise (await it before returning)');
  class RegressionModel {}
  t.equal(describeValue(new RegressionModel()), 'an instance of RegressionModel');
});

t.test('polars values', async (t) => {
  const df = pl.DataFrame({ a: [1, 2, 3], b: ['x', 'y', 'z'] });
  t.equal(describeValue(df), 'a polars DataFrame (3 rows × 2 columns)');
  t.equal(describeValue(df.getColumn('a')), 'a polars Series of 3 values (use .toFrame() for a table)');
});
