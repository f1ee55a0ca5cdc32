import t from 'tap';
import { ConfigError } from './errors.js';
import { checkSchema, compileSchema, describe, type JsonSchema } from './schema.js';
import { YamlSource } from './yaml-source.js';

const SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    retries: { type: 'integer', minimum: 0 },
    mode: { enum: ['fast', 'safe'] },
    version: { const: 1 },
    port: { type: ['string', 'integer'] },
    tags: { type: 'array', items: { type: 'string' } },
    nested: {
      type: 'object',
      properties: { depth: { type: 'integer' } },
      required: ['depth'],
      additionalProperties: false,
    },
    either: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    free: { type: 'object', additionalProperties: { type: 'number' } },
  },
  required: ['name'],
  additionalProperties: false,
};

const check = (text: string, file = 'conf/base/thing.yaml') => {
  const src = YamlSource.parse(text, file);
  return checkSchema({
    schema: SCHEMA,
    data: src.data,
    subject: "Thing 'x'",
    code: 'DAGRUN_ERR_CONFIG_SCHEMA',
    locate: (p, k) => src.locate(p, k),
  });
};

t.test('a valid document gives no error', async (t) => {
  t.same(
    check(
      'name: x\nretries: 0\n' +
        'mode: safe\nversion: 1\nport: 80\ntags: [a]\nnested: {depth: 2}\neither: [a, b]\nfree: {a: 1.5}\n',
    ),
    [],
  );
  t.same(check('name: x\nport: "8080"\neither: one\n'), []);
});

t.test('every problem is reported together, each with its rule, value and line:col', async (t) => {
  const errors = check(
    [
      'retries: -1', //   1
      'mode: fsat', //    2
      'version: 2', //    3
      'port: 1.5', //     4
      'tags: [a, 3]', //  5
      'nested:', //       6
      '  dept: 1', //     7
      'either: 5', //     8
      'free:', //         9
      '  x: "no"', //     10
      'nmae: x', //       11
      '',
    ].join('\n'),
  );
  t.ok(errors.every((e) => e instanceof ConfigError && e.code === 'DAGRUN_ERR_CONFIG_SCHEMA'));
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/thing.yaml:1:1 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x': expected option 'name', but got nothing.\n" +
        "  Hint: add 'name: …' to this entry.",
      "conf/base/thing.yaml:11:1 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x': " +
        "expected only known options, but got unknown option 'nmae'.\n  Hint: did you mean: 'name'?",
      "conf/base/thing.yaml:1:10 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x', field 'retries': " +
        'expected a value that must be >= 0, but got number -1.',
      "conf/base/thing.yaml:2:7 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x', field 'mode': " +
        'expected one of "fast", "safe", but got string "fsat".\n  Hint: did you mean: \'fast\'?',
      "conf/base/thing.yaml:3:10 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x', field 'version': expected 1, but got number 2.",
      "conf/base/thing.yaml:4:7 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x', field 'port': " +
        'expected string or integer, but got number 1.5.',
      "conf/base/thing.yaml:5:11 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x', field 'tags.1': " +
        'expected string, but got number 3.',
      "conf/base/thing.yaml:6:1 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x': " +
        "expected option 'nested.depth', but got nothing.\n  Hint: add 'depth: …' to this entry.",
      "conf/base/thing.yaml:7:3 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x': " +
        "expected only known options, but got unknown option 'nested.dept'.\n  Hint: did you mean: 'depth'?",
      "conf/base/thing.yaml:8:9 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x', field 'either': " +
        'expected string or array, but got number 5.',
      "conf/base/thing.yaml:10:6 [DAGRUN_ERR_CONFIG_SCHEMA] Thing 'x', field 'free.x': " +
        'expected number, but got string "no".',
    ],
  );
  t.same(
    errors[1]?.location,
    { file: 'conf/base/thing.yaml', line: 11, col: 1 },
    'an unknown option points at its key',
  );
  t.same(
    errors[5]?.location,
    { file: 'conf/base/thing.yaml', line: 4, col: 7 },
    'a mistyped option points at its value',
  );
  t.equal(errors[5]?.detail, "Thing 'x', field 'port': expected string or integer, but got number 1.5.");
});

t.test('an unknown option far from every known one lists the allowed options', async (t) => {
  const errors = check('name: x\nzzzzzzzz: 1\n');
  t.equal(errors.length, 1);
  t.equal(errors[0]?.detail, "Thing 'x': expected only known options, but got unknown option 'zzzzzzzz'.");
  t.equal(errors[0]?.hint, 'Hint: allowed options: name, retries, mode, version, port, tags, nested, either, free.');
});

t.test('the code and subject come from the caller', async (t) => {
  const src = YamlSource.parse('path: 3\n', 'conf/base/catalog.yaml');
  const [err] = checkSchema({
    schema: { type: 'object', properties: { path: { type: 'string' } } },
    data: src.data,
    subject: "Catalog entry 'a' (csv)",
    code: 'DAGRUN_ERR_CATALOG_OPTIONS',
    locate: (p, k) => src.locate(p, k),
  });
  t.equal(err?.code, 'DAGRUN_ERR_CATALOG_OPTIONS');
  t.equal(
    err?.message,
    "conf/base/catalog.yaml:1:7 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'a' (csv), field 'path': " +
      'expected string, but got number 3.',
  );
});

t.test('schemas are compiled once per schema object', async (t) => {
  const schema: JsonSchema = { type: 'integer' };
  const fn = compileSchema(schema);
  t.equal(compileSchema(schema), fn);
  t.not(compileSchema({ type: 'integer' }), fn, 'an equal but distinct object compiles anew');
  t.equal(fn(3), true);
  t.equal(fn('3'), false);
});

t.test('describe() names a value the way messages show it', async (t) => {
  t.equal(describe(undefined), 'nothing');
  t.equal(describe(null), 'null');
  t.equal(describe([1, 'a']), 'a list ([1,"a"])');
  t.equal(describe({ a: 1 }), 'a mapping');
  t.equal(describe('x'), 'string "x"');
  t.equal(describe(true), 'boolean true');
  t.equal(describe(2.5), 'number 2.5');
});
