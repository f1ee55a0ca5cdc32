import t from 'tap';
import { applyParamOverrides, parseParamOverride } from './params-override.js';
import type { DagrunError } from './errors.js';
import { caughtSync } from '../../test/helpers/project.js';

const KEY_HINT = '\n  Hint: these names belong to JavaScript objects, not to parameters; use another key name.';
const ALIAS_HINT = '\n  Hint: write the value out in full, e.g. --params model.layers=[8, 8]';

t.test('a value is read as YAML: numbers, booleans, lists, anchors that repeat a value; else the text', async (t) => {
  t.same(parseParamOverride('model.depth=5'), ['model.depth', 5]);
  t.same(parseParamOverride('flags=[on, true, 0.5]'), ['flags', ['on', true, 0.5]]);
  t.same(
    parseParamOverride('pair=[&x {a: 1}, *x]'),
    ['pair', [{ a: 1 }, { a: 1 }]],
    'an alias of an earlier anchor is allowed',
  );
  t.same(
    parseParamOverride('name=*nothing'),
    ['name', '*nothing'],
    'an alias of no anchor is not YAML: the text as written',
  );
  t.same(parseParamOverride('empty='), ['empty', '']);
});

t.test('a key path naming __proto__, constructor or prototype is refused', async (t) => {
  for (const [arg, bad, key] of [
    ['__proto__.polluted=1', '__proto__', '__proto__.polluted'],
    ['model.constructor.x=1', 'constructor', 'model.constructor.x'],
    ['model.prototype=1', 'prototype', 'model.prototype'],
    ['constructor=1', 'constructor', 'constructor'],
  ] as const) {
    const err = caughtSync(() => parseParamOverride(arg));
    t.equal(err.code, 'DAGRUN_ERR_PARAMS_OVERRIDE', arg);
    t.equal(
      err.message,
      `[DAGRUN_ERR_PARAMS_OVERRIDE] Parameter override '${arg}': ` +
        `expected a key path without __proto__, constructor or prototype, but got '${bad}' in '${key}'.${KEY_HINT}`,
    );
  }
});

t.test('a value holding such a key is refused, however deep', async (t) => {
  const err = caughtSync(() => parseParamOverride('model={layers: [{__proto__: {depth: 9}}]}'));
  t.equal(err.code, 'DAGRUN_ERR_PARAMS_OVERRIDE');
  t.equal(
    err.message,
    `[DAGRUN_ERR_PARAMS_OVERRIDE] Parameter override 'model={layers: [{__proto__: {depth: 9}}]}': ` +
      `expected a value without the keys __proto__, constructor or prototype, but got '__proto__'.${KEY_HINT}`,
  );
});

t.test('a value that contains itself through an alias is refused', async (t) => {
  for (const arg of ['a=&x [*x]', 'model=&m {depth: 2, self: *m}']) {
    const err = caughtSync(() => parseParamOverride(arg));
    t.equal(err.code, 'DAGRUN_ERR_PARAMS_OVERRIDE', arg);
    t.equal(
      err.message,
      `[DAGRUN_ERR_PARAMS_OVERRIDE] Parameter override '${arg}': ` +
        `expected a value that does not contain itself, but got an alias inside its own anchor.${ALIAS_HINT}`,
    );
  }
});

t.test('a value whose aliases multiply is refused, at once', async (t) => {
  const levels = ['&a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++)
    levels.push(
      `&${'abcdefghi'[i]} [${Array(9)
        .fill(`*${'abcdefghi'[i - 1]}`)
        .join(', ')}]`,
    );
  const arg = `laughs=[${levels.join(', ')}]`;
  const started = performance.now();
  const err = caughtSync(() => parseParamOverride(arg));
  t.ok(performance.now() - started < 1000, 'refused in under a second');
  t.equal(err.code, 'DAGRUN_ERR_PARAMS_OVERRIDE');
  t.equal(
    err.message,
    `[DAGRUN_ERR_PARAMS_OVERRIDE] Parameter override '${arg}': ` +
      `expected aliases that add at most 100,000 values, but got more.${ALIAS_HINT}`,
  );
});

t.test('applyParamOverrides collects refused overrides and leaves the parameters as they were', async (t) => {
  const errors: DagrunError[] = [];
  const base = { model: { depth: 2 } };
  const { params, parsed } = applyParamOverrides(
    base,
    ['model.depth=3', 'model=&m {self: *m}', '__proto__.depth=9', 'model.constructor=1'],
    errors,
  );
  t.same(params, { model: { depth: 3 } }, 'only the good override is applied');
  t.equal(Object.getPrototypeOf(params.model), Object.prototype, 'no prototype replaced');
  t.same(parsed, [['model.depth', 3]]);
  t.same(
    errors.map((e) => e.code),
    ['DAGRUN_ERR_PARAMS_OVERRIDE', 'DAGRUN_ERR_PARAMS_OVERRIDE', 'DAGRUN_ERR_PARAMS_OVERRIDE'],
  );
});
