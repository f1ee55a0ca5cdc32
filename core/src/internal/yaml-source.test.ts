import t from 'tap';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { pointerToPath, YamlSource } from './yaml-source.js';
import { caughtSync, makeProject } from '../../test/helpers/project.js';

const HINT = '\n  Hint: check indentation and quoting at that line; a value with ":" or "#" needs quotes.';

const CATALOG = [
  '# a comment line',
  'companies:',
  '  type: csv',
  '  path: data/companies.csv',
  '  load_args:',
  '    columns: [id, name]',
  'shuttles:',
  '  - first',
  '  - second: 2',
  '',
].join('\n');

t.test('locate() gives 1-based line:col of a value, of a key, and inside lists', async (t) => {
  const src = YamlSource.parse(CATALOG, 'conf/base/catalog.yaml');
  t.same(src.data, {
    companies: { type: 'csv', path: 'data/companies.csv', load_args: { columns: ['id', 'name'] } },
    shuttles: ['first', { second: 2 }],
  });
  t.same(src.locate(['companies', 'path']), { file: 'conf/base/catalog.yaml', line: 4, col: 9 }, 'value of path');
  t.same(src.locate(['companies', 'path'], true), { file: 'conf/base/catalog.yaml', line: 4, col: 3 }, 'key path');
  t.same(src.locate(['companies'], true), { file: 'conf/base/catalog.yaml', line: 2, col: 1 }, 'top-level key');
  t.same(
    src.locate(['companies', 'load_args', 'columns', 1]),
    { file: 'conf/base/catalog.yaml', line: 6, col: 19 },
    'second item of a flow list',
  );
  t.same(
    src.locate(['shuttles', 1, 'second']),
    { file: 'conf/base/catalog.yaml', line: 9, col: 13 },
    'value inside a block list item',
  );
  t.same(
    src.locate([]),
    { file: 'conf/base/catalog.yaml', line: 2, col: 1 },
    'the document itself starts at its first node',
  );
});

t.test('locate() falls back to the closest parent that exists', async (t) => {
  const src = YamlSource.parse(CATALOG, 'catalog.yaml');
  t.same(
    src.locate(['companies', 'nope', 'deeper']),
    { file: 'catalog.yaml', line: 3, col: 3 },
    'the mapping of companies',
  );
  t.same(
    src.locate(['shuttles', 7]),
    { file: 'catalog.yaml', line: 8, col: 3 },
    'a list index past the end stays at the list',
  );
  t.same(src.locate(['absent']), { file: 'catalog.yaml', line: 2, col: 1 });
  t.same(
    YamlSource.parse('', 'empty.yaml').locate(['x']),
    { file: 'empty.yaml' },
    'an empty file has no position at all',
  );
});

t.test('has() tells whether a path holds a value, even a null one', async (t) => {
  const src = YamlSource.parse('a:\n  b: null\n  c: 0\n', 'p.yaml');
  t.equal(src.has(['a']), true);
  t.equal(src.has(['a', 'b']), true, 'null is a value that was set');
  t.equal(src.has(['a', 'c']), true);
  t.equal(src.has(['a', 'd']), false);
  t.equal(src.has(['a', 'c', 'x']), false, 'nothing below a scalar');
  t.same(YamlSource.parse('', 'empty.yaml').data, {}, 'an empty file reads as an empty mapping');
});

t.test('a syntax error is DAGRUN_ERR_CONFIG_YAML with file:line:col', async (t) => {
  const err = caughtSync(() => YamlSource.parse('a: 1\nb: [1, 2\nc: 3\n', 'conf/base/parameters.yaml'));
  t.ok(err instanceof ConfigError);
  t.equal(err.code, 'DAGRUN_ERR_CONFIG_YAML');
  t.same(err.location, { file: 'conf/base/parameters.yaml', line: 3, col: 1 });
  t.equal(
    err.detail,
    "Invalid YAML in 'conf/base/parameters.yaml': " +
      'Flow sequence in block collection must be sufficiently indented and end with a ].',
  );
  t.equal(err.message, `conf/base/parameters.yaml:3:1 [DAGRUN_ERR_CONFIG_YAML] ${err.detail}${HINT}`);

  const indent = caughtSync(() => YamlSource.parse('model:\n  depth: 3\n   rate: 0.1\n', 'p.yaml'));
  t.equal(indent.code, 'DAGRUN_ERR_CONFIG_YAML');
  t.same(indent.location, { file: 'p.yaml', line: 2, col: 10 });
  t.equal(indent.detail, "Invalid YAML in 'p.yaml': Nested mappings are not allowed in compact mappings (and 1 more).");
});

t.test('a key twice in one file is a YAML error at the second one', async (t) => {
  const err = caughtSync(() => YamlSource.parse('alpha: 1\nbeta: 2\nalpha: 3\n', 'conf/base/parameters.yaml'));
  t.equal(err.code, 'DAGRUN_ERR_CONFIG_YAML');
  t.equal(
    err.message,
    `conf/base/parameters.yaml:3:1 [DAGRUN_ERR_CONFIG_YAML] Invalid YAML in 'conf/base/parameters.yaml': ` +
      `Map keys must be unique.${HINT}`,
  );
});

t.test('read() names the file relative to the project root', async (t) => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': CATALOG, 'conf/base/bad.yaml': 'x: "open\n' });
  const src = YamlSource.read(join(dir, 'conf/base/catalog.yaml'), dir);
  t.equal(src.file, 'conf/base/catalog.yaml');
  t.same(src.locate(['companies', 'type']), { file: 'conf/base/catalog.yaml', line: 3, col: 9 });
  const err = caughtSync(() => YamlSource.read(join(dir, 'conf/base/bad.yaml'), dir));
  t.equal(err.code, 'DAGRUN_ERR_CONFIG_YAML');
  t.equal(
    err.message,
    `conf/base/bad.yaml:2:1 [DAGRUN_ERR_CONFIG_YAML] Invalid YAML in 'conf/base/bad.yaml': ` +
      `Missing closing "quote.${HINT}`,
  );
});

t.test('pointerToPath turns an ajv instancePath into a YAML path', async (t) => {
  t.same(pointerToPath(''), []);
  t.same(pointerToPath('/companies/columns/2'), ['companies', 'columns', 2]);
  t.same(pointerToPath('/a~1b/c~0d'), ['a/b', 'c~d'], 'JSON pointer escapes');
});

t.test('characters above U+00FF, a byte-order mark and a lone surrogate read as YAML says', async (t) => {
  const text = [
    '# per sector — rows, P(casa) … ×10 typos',
    'las condes: { share: 0.3 }   # ≥ 0',
    'note: "price ≥ 0 → UF"',
    'emoji: "ok 👍"',
    'wide key ≤: 1',
    '',
  ].join('\n');
  t.same(YamlSource.parse(text, 'params.yaml').data, {
    'las condes': { share: 0.3 },
    note: 'price ≥ 0 → UF',
    emoji: 'ok 👍',
    'wide key ≤': 1,
  });
  t.same(YamlSource.parse('\ufeffa: — 1\n', 'f.yaml').data, { a: '— 1' });
  t.throws(() => YamlSource.parse('a: "\ud800x" — \n', 'f.yaml'));
});

const ALIAS_HINT =
  "\n  Hint: each alias (*name) repeats its anchor's whole value, " +
  'and aliases of anchors holding aliases multiply; write the values out, or nest fewer aliases.';
const CYCLE_HINT =
  '\n  Hint: an alias (*name) can only repeat an anchor (&name) that it is not part of; write the value out.';

/** A "billion laughs": nine lines whose aliases, written out, make 9^9 (387 million) strings. */
const LAUGHS = [
  'lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
  '',
].join('\n');

t.test('aliases that expand into a huge document are refused in well under a second, at the alias', async (t) => {
  // load both parsers first: the figure is the check's
  YamlSource.parse('warm: &w [1]\nup: *w\n', 'warm.yaml').locate(['up']);
  const started = performance.now();
  const err = caughtSync(() => YamlSource.parse(LAUGHS, 'conf/base/parameters.yaml'));
  const ms = performance.now() - started;
  t.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
  t.ok(err instanceof ConfigError);
  t.equal(err.code, 'DAGRUN_ERR_CONFIG_YAML_ALIAS');
  t.same(err.location, { file: 'conf/base/parameters.yaml', line: 6, col: 8 }, 'the first alias past the limit');
  t.equal(
    err.message,
    `conf/base/parameters.yaml:6:8 [DAGRUN_ERR_CONFIG_YAML_ALIAS] Aliases in 'conf/base/parameters.yaml': ` +
      `expected them to add at most 100,000 values, but got more.${ALIAS_HINT}`,
  );
});

t.test('an alias inside its own anchor is refused, where it sits', async (t) => {
  const err = caughtSync(() =>
    YamlSource.parse('model:\n  depth: 2\nlayers: &l\n  - 8\n  - [4, *l]\n', 'conf/base/parameters.yaml'),
  );
  t.equal(err.code, 'DAGRUN_ERR_CONFIG_YAML_ALIAS');
  t.equal(
    err.message,
    `conf/base/parameters.yaml:5:9 [DAGRUN_ERR_CONFIG_YAML_ALIAS] Alias in 'conf/base/parameters.yaml': ` +
      `expected a value that does not contain itself, but got an alias inside its own anchor.${CYCLE_HINT}`,
  );
});

t.test('anchors, aliases and merge keys as real configurations use them are read, shared many times', async (t) => {
  const catalog = [
    '_csv: &csv',
    '  type: csv',
    '  load_args: { separator: ";" }',
    'orders:',
    '  <<: *csv',
    '  path: data/orders.csv',
    'products:',
    '  <<: *csv',
    '  path: data/products.csv',
    '  load_args: { separator: "," }',
    'columns: &cols [id, name]',
    'report: { columns: *cols }',
    '',
  ].join('\n');
  t.same(YamlSource.parse(catalog, 'catalog.yaml').data, {
    _csv: { type: 'csv', load_args: { separator: ';' } },
    orders: { type: 'csv', load_args: { separator: ';' }, path: 'data/orders.csv' },
    products: { type: 'csv', load_args: { separator: ',' }, path: 'data/products.csv' },
    columns: ['id', 'name'],
    report: { columns: ['id', 'name'] },
  });
  // 2,000 aliases of a 20-value anchor add 42,000 values: below the limit.
  const many = [
    'base: &b',
    ...Array.from({ length: 20 }, (_, i) => `  k${i}: ${i}`),
    ...Array.from({ length: 2000 }, (_, i) => `e${i}: *b`),
    '',
  ].join('\n');
  const data = YamlSource.parse(many, 'parameters.yaml').data as Record<string, unknown>;
  t.equal(Object.keys(data).length, 2001);
  t.same(data.e1999, data.base);
});
