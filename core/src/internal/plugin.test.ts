import t from 'tap';
import { satisfies } from './plugin.js';

t.test('satisfies handles caret, tilde, comparators and alternatives', async (t) => {
  t.ok(satisfies('0.1.0', '^0.1.0'));
  t.notOk(satisfies('0.2.0', '^0.1.0'));
  t.ok(satisfies('1.4.2', '^1.2.0'));
  t.notOk(satisfies('2.0.0', '^1.2.0'));
  t.ok(satisfies('1.2.9', '~1.2.3'));
  t.notOk(satisfies('1.3.0', '~1.2.3'));
  t.ok(satisfies('0.1.0', '>=0.1 <0.3'));
  t.notOk(satisfies('0.3.0', '>=0.1 <0.3'));
  t.ok(satisfies('3.0.0', '^1.0.0 || ^3.0.0'));
  t.ok(satisfies('0.1.0', '*'));
});
