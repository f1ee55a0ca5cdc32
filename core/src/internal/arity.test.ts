import t from 'tap';
import { functionArity } from './arity.js';

t.test('positional parameters, defaults and rest parameters', async (t) => {
  t.same(
    functionArity((a: number, b: number) => a + b),
    { min: 2, max: 2, names: ['a', 'b'] },
  );
  t.same(
    functionArity((a: number, b = 1) => a + b),
    { min: 1, max: 2, names: ['a', 'b = …'] },
  );
  t.same(
    functionArity((...xs: number[]) => xs.length),
    { min: 0, max: Infinity, names: ['...xs'] },
  );
  t.same(
    functionArity(function named(x: unknown, { y }: { y: number }) {
      return [x, y];
    }),
    { min: 2, max: 2, names: ['x', '{…}'] },
  );
  t.same(
    functionArity(async (df: unknown) => df),
    { min: 1, max: 1, names: ['df'] },
  );
  t.same(
    functionArity(() => 1),
    { min: 0, max: 0, names: [] },
  );
  const obj = {
    method(a: number) {
      return a;
    },
  };
  t.same(functionArity(obj.method), { min: 1, max: 1, names: ['a'] });
});

t.test('unreadable functions give no arity', async (t) => {
  t.equal(functionArity(Math.max), undefined, 'native');
  t.equal(functionArity(((a: number) => a).bind(null)), undefined, 'bound');
  class C {}
  t.equal(functionArity(C as never), undefined, 'a class');
});
