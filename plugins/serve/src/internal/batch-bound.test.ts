// topLevelCount: elements of a top-level JSON array, counted without building them, up to max + 1.
import t from 'tap';
import { topLevelCount } from './batch-bound.js';

t.test('counts top-level elements only, through strings, escapes and nesting', async (t) => {
  const cases: Array<[string, number]> = [
    ['[]', 0],
    [' [ ] ', 0],
    ['[1]', 1],
    ['[{}]', 1],
    ['[{},{},{}]', 3],
    ['[{"a": [1, 2, 3], "b": {"c": ",,,"}}, 2]', 2],
    ['["a,b", "c\\",d", "e\\\\", "f"]', 4],
    ['[[1,2],[3,4]]', 2],
    ['\n\t[1,\n 2]', 2],
    ['[""]', 1],
  ];
  for (const [text, n] of cases) {
    t.equal(topLevelCount(text, 100), n, text);
    t.equal(JSON.parse(text).length, n, `JSON.parse agrees on ${text}`);
  }
});

t.test('an object or a scalar is not an array (-1); counting stops past max', async (t) => {
  t.equal(topLevelCount('{"a": [1,2,3]}', 100), -1);
  t.equal(topLevelCount('3', 100), -1);
  t.equal(topLevelCount('', 100), -1);
  t.equal(topLevelCount(`[${Array.from({ length: 10 }, () => '{}').join(',')}]`, 10), 10, 'exactly max');
  t.equal(topLevelCount(`[${Array.from({ length: 11 }, () => '{}').join(',')}]`, 10), 11, 'max + 1');
  t.equal(
    topLevelCount(`[${Array.from({ length: 1e6 }, () => '0').join(',')}]`, 10),
    11,
    'a million: stops at max + 1',
  );
});
