import t from 'tap';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataCatalog } from '../catalog.js';
import { ConfigLoader } from '../config.js';
import { Registry } from '../registry.js';
import type { Codec } from './dataset.js';
import { BUILTIN_TYPES, MemoryDataset, memoryType } from './builtins.js';
import { caught, listFiles, makeProject, readText } from '../../../test/helpers/project.js';

interface TestLike {
  teardown(fn: () => void): void;
  same(found: unknown, wanted: unknown, message?: string): boolean;
}

/** A project whose conf/base/catalog.yaml is `catalogYaml`, and the catalog built from it (which must be valid). */
const build = (t: TestLike, catalogYaml: string, registry = new Registry()) => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': catalogYaml });
  const config = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level');
  const { catalog, errors } = DataCatalog.create({
    config,
    credentials: undefined,
    params: {},
    registry,
    projectDir: dir,
    saveVersion: '2030-01-01T00.00.00.000Z',
  });
  t.same(errors, [], 'the catalog is valid');
  return { dir, catalog };
};

const bytes = (dir: string, rel: string) => readFileSync(join(dir, rel));

t.test('json holds any JSON value, pretty-printed by default', async (t) => {
  const { dir, catalog } = build(
    t,
    'cfg:\n  type: json\n  path: data/cfg.json\n' +
      'flat:\n  type: json\n  path: data/flat.json\n  indent: 0\nlist:\n  type: json\n  path: data/list.json\n',
  );
  const value = { name: 'model', layers: [8, 4], nested: { ok: true, none: null }, ratio: 0.25, label: 'é' };
  await catalog.save('cfg', value);
  t.equal(readText(dir, 'data/cfg.json'), `${JSON.stringify(value, null, 2)}\n`);
  t.same(await catalog.load('cfg'), value);
  await catalog.save('flat', value);
  t.equal(readText(dir, 'data/flat.json'), `${JSON.stringify(value)}\n`);
  await catalog.save('list', [1, 'two', null]);
  t.same(await catalog.load('list'), [1, 'two', null]);
});

t.test('yaml holds any value', async (t) => {
  const { dir, catalog } = build(t, 'params_out:\n  type: yaml\n  path: data/out.yaml\n');
  const value = { model: { depth: 3, layers: [8, 4] }, name: 'x', flag: false, none: null };
  await catalog.save('params_out', value);
  t.equal(
    readText(dir, 'data/out.yaml'),
    'model:\n  depth: 3\n  layers:\n    - 8\n    - 4\nname: x\nflag: false\nnone: null\n',
  );
  t.same(await catalog.load('params_out'), value);
});

t.test('text holds a string, in the encoding asked for', async (t) => {
  const { dir, catalog } = build(
    t,
    'note:\n  type: text\n  path: data/note.md\nlatin:\n  type: text\n  path: data/latin.txt\n  encoding: latin1\n',
  );
  const s = '# Report\n\nnaïve café — 100%\n';
  await catalog.save('note', s);
  t.same(bytes(dir, 'data/note.md'), Buffer.from(s, 'utf8'));
  t.equal(await catalog.load('note'), s);
  await catalog.save('latin', 'café');
  t.same([...bytes(dir, 'data/latin.txt')], [0x63, 0x61, 0x66, 0xe9], 'one byte per character in latin1');
  t.equal(await catalog.load('latin'), 'café');
});

class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
  format(): string {
    return `${this.amount.toFixed(2)} ${this.currency}`;
  }
}
const moneyCodec: Codec<Money> = {
  name: 'money',
  test: (v) => v instanceof Money,
  serialize: (m) => ({ amount: m.amount, currency: m.currency }),
  deserialize: (json) => {
    const j = json as { amount: number; currency: string };
    return new Money(j.amount, j.currency);
  },
};

t.test('object holds plain JSON in an envelope that says no codec was used', async (t) => {
  const { dir, catalog } = build(t, 'artifact:\n  type: object\n  path: data/artifact.json\n');
  const value = { weights: [0.5, -1.25], bias: 0.1, meta: { trained: true } };
  await catalog.save('artifact', value);
  t.same(JSON.parse(readText(dir, 'data/artifact.json')), { dagrun_object: 1, codec: null, data: value });
  t.same(await catalog.load('artifact'), value);

  writeFileSync(join(dir, 'data/artifact.json'), '{"written": "by hand"}');
  t.same(await catalog.load('artifact'), { written: 'by hand' }, 'a JSON file without the envelope loads as is');
});

t.test('object rebuilds a class instance through a registered Codec', async (t) => {
  const registry = new Registry();
  registry.registerCodec(moneyCodec);
  const { dir, catalog } = build(
    t,
    'price:\n' +
      '  type: object\n  path: data/price.json\nnamed:\n  type: object\n  path: data/named.json\n  codec: money\n',
    registry,
  );
  await catalog.save('price', new Money(12.5, 'EUR'));
  t.same(JSON.parse(readText(dir, 'data/price.json')), {
    dagrun_object: 1,
    codec: 'money',
    data: { amount: 12.5, currency: 'EUR' },
  });
  const back = await catalog.load('price');
  t.ok(back instanceof Money, 'the class comes back');
  t.equal((back as Money).format(), '12.50 EUR');

  await catalog.save('named', new Money(3, 'USD'));
  t.equal(JSON.parse(readText(dir, 'data/named.json')).codec, 'money');
  t.equal(((await catalog.load('named')) as Money).format(), '3.00 USD');

  // The same file read by a project that does not register the codec.
  const without = build(t, 'price:\n  type: object\n  path: data/price.json\n');
  mkdirSync(join(without.dir, 'data'));
  writeFileSync(join(without.dir, 'data/price.json'), readText(dir, 'data/price.json'));
  const err = await caught(() => without.catalog.load('price'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CODEC');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_CODEC] Object dataset 'price': expected codec 'money' to be registered, but " +
      'got no codec registered.\n  Hint: list the plugin that provides this codec under `plugins:` in dagrun.yaml.',
  );
});

t.test('object refuses a class instance no codec handles', async (t) => {
  const registry = new Registry();
  registry.registerCodec(moneyCodec);
  const { dir, catalog } = build(t, 'thing:\n  type: object\n  path: data/thing.json\n', registry);
  class Model {
    w = [1, 2];
  }
  const err = await caught(() => catalog.save('thing', new Model()));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_TYPE_MISMATCH] Dataset 'thing' (object): expected a plain object or a value some " +
      'registered codec handles, but got an instance of Model (register a Codec for it, or use serializer: v8).',
  );
  t.same(listFiles(dir), ['conf/base/catalog.yaml', 'dagrun.yaml'], 'nothing was written');
});

t.test('an object entry naming an unregistered codec fails when the catalog is built, at its line', async (t) => {
  const registry = new Registry();
  registry.registerCodec(moneyCodec);
  const dir = makeProject(t, {
    'conf/base/catalog.yaml': 'named:\n  type: object\n  path: data/named.json\n  codec: tensor\n',
  });
  const config = new ConfigLoader({ projectDir: dir }).load('catalog', 'replace-top-level');
  const { errors } = DataCatalog.create({
    config,
    credentials: undefined,
    params: {},
    registry,
    projectDir: dir,
    saveVersion: '2030-01-01T00.00.00.000Z',
  });
  t.equal(errors.length, 1);
  t.equal(errors[0]?.code, 'DAGRUN_ERR_DATASET_CODEC');
  t.equal(
    errors[0]?.message,
    "conf/base/catalog.yaml:1:1 [DAGRUN_ERR_DATASET_CODEC] Object dataset 'named': " +
      "expected codec 'tensor' to be registered, but got only 'money'.\n" +
      '  Hint: list the plugin that provides this codec under `plugins:` in dagrun.yaml.',
  );
});

t.test('object with serializer: v8 keeps Maps, Sets, typed arrays, Dates and BigInts', async (t) => {
  const { dir, catalog } = build(
    t,
    'model:\n  type: object\n  path: data/model.bin\n  serializer: v8\n  versioned: true\n',
  );
  const value = {
    vocab: new Map<string, number>([
      ['a', 1],
      ['b', 2],
    ]),
    seen: new Set(['x']),
    weights: new Float64Array([0.5, -1.25, 3]),
    ids: new Int32Array([7, 8]),
    at: new Date(Date.UTC(2024, 0, 2)),
    big: 2n ** 70n,
  };
  const info = await catalog.save('model', value);
  t.equal(info?.location, 'data/model.bin/2030-01-01T00.00.00.000Z/model.bin');
  t.equal(bytes(dir, 'data/model.bin/2030-01-01T00.00.00.000Z/model.bin')[0], 0xff, 'v8 serialisation header');
  const back = (await catalog.load('model')) as typeof value;
  t.ok(back.vocab instanceof Map);
  t.same(
    [...back.vocab],
    [
      ['a', 1],
      ['b', 2],
    ],
  );
  t.ok(back.seen instanceof Set && back.seen.has('x'));
  t.ok(back.weights instanceof Float64Array);
  t.same([...back.weights], [0.5, -1.25, 3]);
  t.ok(back.ids instanceof Int32Array);
  t.same([...back.ids], [7, 8]);
  t.equal(back.at.toISOString(), '2024-01-02T00:00:00.000Z');
  t.equal(back.big, 2n ** 70n);
});

t.test('memory: assign hands back the same object, deepcopy a copy', async (t) => {
  const { catalog } = build(t, 'shared:\n  type: memory\ncopied:\n  type: memory\n  copy_mode: deepcopy\n');
  const value = { rows: [1, 2] };
  t.same(await catalog.save('shared', value), undefined);
  const a = await catalog.load('shared');
  t.equal(a, value, 'assign: the very same object');

  await catalog.save('copied', value);
  value.rows.push(3); // a change after saving does not reach the saved copy
  const c1 = (await catalog.load('copied')) as typeof value;
  t.not(c1, value);
  t.same(c1, { rows: [1, 2] });
  c1.rows.push(99); // nor does a change to what a reader got
  t.same(await catalog.load('copied'), { rows: [1, 2] });

  // A DataFrame is shared, not cloned (structuredClone cannot copy one): tested with real polars in
  // @dagrun/datasets-polars.
  t.equal(catalog.isPersistent('copied'), false);
  t.equal(catalog.isDeclared('copied'), true);
  t.same(catalog.describe('copied'), { type: 'memory', copy_mode: 'deepcopy' });

  const m = new MemoryDataset('m');
  t.equal(m.exists(), false);
  m.save(null);
  t.equal(m.exists(), true, 'null is a value');
  t.equal(m.load(), null);
  m.release();
  t.equal(m.exists(), false);
  t.equal(memoryType.persistent, false);
});

t.test('saving the wrong kind of value is DAGRUN_ERR_DATASET_TYPE_MISMATCH and keeps the old file', async (t) => {
  const { dir, catalog } = build(t, 'j:\n  type: json\n  path: data/j.json\ntx:\n  type: text\n  path: data/t.txt\n');
  await catalog.save('tx', 'before\n');
  const before = bytes(dir, 'data/t.txt');
  // Shaped like a polars DataFrame (core imports no DataFrame library, but still words the message).
  const frameLike = { columns: ['id'], writeCSV: () => '' };
  const cases: Array<[string, unknown, string]> = [
    [
      'j',
      frameLike,
      "Dataset 'j' (json): expected a plain object, but got a DataFrame (use `table: true` for tables).",
    ],
    ['j', () => 1, "Dataset 'j' (json): expected a JSON-serialisable value, but got a function."],
    ['tx', 42, "Dataset 'tx' (text): expected a string, but got the number 42."],
    ['tx', null, "Dataset 'tx' (text): expected a string, but got null."],
    ['tx', frameLike, "Dataset 'tx' (text): expected a string, but got a polars DataFrame."],
  ];
  for (const [name, value, detail] of cases) {
    const err = await caught(() => catalog.save(name, value));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH', `${name}: code`);
    t.equal(err.message, `[DAGRUN_ERR_DATASET_TYPE_MISMATCH] ${detail}`);
  }
  t.same(bytes(dir, 'data/t.txt'), before, 'the text written before is untouched');
  t.same(listFiles(join(dir, 'data')), ['t.txt'], 'no other file appeared');
});

t.test('json with table: true but no table plugin fails when the catalog is built, naming the plugin', async (t) => {
  const dir = makeProject(t, {
    'conf/base/catalog.yaml':
      'plain:\n  type: json\n  path: data/plain.json\n' +
      '  table: false\nproducts:\n  type: json\n  path: data/products.json\n  table: true\n',
  });
  const config = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level');
  const { catalog, errors } = DataCatalog.create({
    config,
    credentials: undefined,
    params: {},
    registry: new Registry(),
    projectDir: dir,
    saveVersion: '2030-01-01T00.00.00.000Z',
  });
  t.same(
    errors.map((e) => [e.code, e.message]),
    [
      [
        'DAGRUN_ERR_CATALOG_OPTIONS',
        "conf/base/catalog.yaml:5:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'products' (json), field 'table': " +
          'expected a registered plugin that loads tables, but got none.\n  Hint: ' +
          "`table: true` on type 'json' is provided by @dagrun/datasets-polars: add it to plugins in dagrun.yaml.",
      ],
    ],
  );
  t.equal(catalog.has('plain'), true, 'table: false is plain json');
});

t.test('saving undefined is DAGRUN_ERR_DATASET_UNDEFINED and writes nothing', async (t) => {
  const { dir, catalog } = build(t, 'c:\n  type: json\n  path: data/c.json\nm:\n  type: memory\n');
  for (const name of ['c', 'm', 'undeclared']) {
    const err = await caught(() => catalog.save(name, undefined));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_UNDEFINED');
    t.equal(
      err.message,
      `[DAGRUN_ERR_DATASET_UNDEFINED] Output '${name}': expected a value, but got undefined.\n` +
        `  Hint: the function must return a value for each declared output (null is allowed).`,
    );
  }
  t.equal(existsSync(join(dir, 'data')), false);
  t.equal(await catalog.exists('m'), false);
  t.equal(catalog.has('undeclared'), false, 'a refused save does not make a memory dataset');
});

t.test('loading a missing file is DAGRUN_ERR_DATASET_LOAD naming the dataset, for every file type', async (t) => {
  const types: Array<[string, string]> = [
    ['json', 'data/a.json'],
    ['yaml', 'data/a.yaml'],
    ['text', 'data/a.txt'],
    ['object', 'data/a.bin'],
  ];
  const { catalog } = build(t, types.map(([type, path]) => `${type}_ds:\n  type: ${type}\n  path: ${path}\n`).join(''));
  for (const [type, path] of types) {
    const err = await caught(() => catalog.load(`${type}_ds`));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_LOAD', type);
    t.equal(
      err.message,
      `[DAGRUN_ERR_DATASET_LOAD] Dataset '${type}_ds': expected a file at ${path}, but got no such file.\n` +
        `  Hint: check \`path\` in the catalog entry, or run the pipeline that produces it.`,
    );
  }
});

t.test(
  'unreadable content is DAGRUN_ERR_DATASET_LOAD naming the dataset, its type and path, with the cause',
  async (t) => {
    const { dir, catalog } = build(t, 'cfg:\n  type: json\n  path: data/cfg.json\n');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data/cfg.json'), '{"a": 1,');
    const parseError = (() => {
      try {
        JSON.parse('{"a": 1,');
      } catch (e) {
        return e as Error;
      }
      throw new Error('unreachable');
    })();
    const err = await caught(() => catalog.load('cfg'));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_LOAD');
    t.equal(
      err.message,
      `[DAGRUN_ERR_DATASET_LOAD] Failed to load dataset 'cfg' (json at data/cfg.json): ${parseError.message}`,
    );
    t.ok(err.cause instanceof SyntaxError, 'the original error is kept as the cause');
  },
);

t.test('core registers exactly the built-in types', async (t) => {
  t.same(
    BUILTIN_TYPES.map((x) => x.name),
    ['json', 'yaml', 'text', 'object', 'memory'],
  );
  t.same(
    new Registry().datasetTypes().map((x) => [x.name, x.persistent !== false, x.versionable === true]),
    [
      ['json', true, true],
      ['yaml', true, true],
      ['text', true, true],
      ['object', true, true],
      ['memory', false, false],
    ],
  );
  const dup = await caught(() => new Registry().registerDatasetType(memoryType as never));
  t.equal(
    dup.message,
    "[DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Dataset type 'memory': expected one registration, but got a second.",
  );
});

t.test('a built-in type is replaced only when asked, and only once', async (t) => {
  const registry = new Registry();
  const shout = { ...memoryType, description: 'a replacement' };
  const plain = await caught(() => registry.registerDatasetType(shout as never));
  t.equal(
    plain.message,
    "[DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Dataset type 'memory': expected one registration, but got a second.",
    'no silent replacement',
  );
  registry.registerDatasetType(shout as never, { replaceBuiltin: true });
  t.equal(registry.datasetType('memory')?.description, 'a replacement');
  t.same(
    registry.datasetTypes().map((x) => x.name),
    ['json', 'yaml', 'text', 'object', 'memory'],
    'the replacement keeps its place',
  );
  const twice = await caught(() => registry.registerDatasetType(memoryType as never, { replaceBuiltin: true }));
  t.equal(
    twice.message,
    "[DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Dataset type 'memory': expected one registration, but got a second.",
    'a second replacement is a clash',
  );
  registry.registerDatasetType({ ...memoryType, name: 'fresh' } as never, { replaceBuiltin: true });
  const plugin = await caught(() =>
    registry.registerDatasetType({ ...memoryType, name: 'fresh' } as never, { replaceBuiltin: true }),
  );
  t.equal(
    plugin.message,
    "[DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Dataset type 'fresh': expected one registration, but got a second.",
    "a plugin's own type is never replaceable",
  );
});
