// The table types through a real catalog built from catalog.yaml with this plugin registered: csv,
// parquet and json tables round-trip a DataFrame through real files (moved here from core's tests).

import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { ConfigLoader, DataCatalog, PluginHost, Registry } from '@dagrun/core';
import { polarsPlugin } from './plugin.js';
import { caught, listFiles, makeProject, readText } from '../../../../core/test/helpers/project.js';
import { dtypes, records, RECORDS, table } from '../../test/helpers/frames.js';

interface TestLike {
  teardown(fn: () => void): void;
  same(found: unknown, wanted: unknown, message?: string): boolean;
}

/** A registry with core's types and this plugin's. */
const polarsRegistry = async (): Promise<Registry> => {
  const registry = new Registry();
  await new PluginHost(registry).register(polarsPlugin);
  return registry;
};

/** A project whose conf/base/catalog.yaml is `catalogYaml`, and the catalog built from it (which must be valid). */
const build = async (t: TestLike, catalogYaml: string) => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': catalogYaml });
  const config = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level');
  const { catalog, errors } = DataCatalog.create({
    config,
    credentials: undefined,
    params: {},
    registry: await polarsRegistry(),
    projectDir: dir,
    saveVersion: '2030-01-01T00.00.00.000Z',
  });
  t.same(errors, [], 'the catalog is valid');
  return { dir, catalog };
};

const bytes = (dir: string, rel: string) => readFileSync(join(dir, rel));

t.test('csv round-trips a DataFrame through a real CSV file', async (t) => {
  const { dir, catalog } = await build(
    t,
    'sales:\n  type: csv\n  path: data/sales.csv\nsemi:\n  type: csv\n  path: data/semi.csv\n  separator: ";"\n',
  );
  t.same(await catalog.save('sales', table()), { location: 'data/sales.csv', version: undefined });
  t.equal(readText(dir, 'data/sales.csv'), 'id,name,price,ok\n1,a,1.5,true\n2,"b,c",2.25,false\n3,é,,true\n');
  const back = await catalog.load('sales');
  t.same(records(back), RECORDS);
  t.same(
    dtypes(back),
    ['Int64', 'String', 'Float64', 'Bool'].map((d) => `DataType(${d})`),
  );

  await catalog.save('semi', table());
  t.equal(readText(dir, 'data/semi.csv'), 'id;name;price;ok\n1;a;1.5;true\n2;b,c;2.25;false\n3;é;;true\n');
  t.same(records(await catalog.load('semi')), RECORDS);
});

t.test('csv read options: dtypes, null_values, has_header with columns', async (t) => {
  const { dir, catalog } = await build(
    t,
    [
      'typed:',
      '  type: csv',
      '  path: data/typed.csv',
      '  dtypes: {id: str, price: float64}',
      '  null_values: [NA]',
      'headless:',
      '  type: csv',
      '  path: data/headless.csv',
      '  has_header: false',
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data/typed.csv'), 'id,price\n007,NA\n008,2\n');
  const typed = await catalog.load('typed');
  t.same(records(typed), [
    { id: '007', price: null },
    { id: '008', price: 2 },
  ]);
  t.same(dtypes(typed), ['DataType(String)', 'DataType(Float64)']);
  await catalog.save('headless', table());
  t.equal(
    readText(dir, 'data/headless.csv'),
    '1,a,1.5,true\n2,"b,c",2.25,false\n3,é,,true\n',
    'no header line is written',
  );
  t.same(records(await catalog.load('headless'))[0], { column_1: 1, column_2: 'a', column_3: 1.5, column_4: true });
});

t.test('parquet round-trips a DataFrame with exact dtypes', async (t) => {
  const { dir, catalog } = await build(
    t,
    'p:\n  type: parquet\n  path: data/p.parquet\ngz:\n  type: parquet\n  path: data/gz.parquet\n' +
      '  compression: gzip\nsome:\n  type: parquet\n  path: data/p.parquet\n  columns: [id, ok]\n',
  );
  const df = table().withColumns(pl.col('id').cast(pl.Int32).alias('id32'));
  await catalog.save('p', df);
  const file = bytes(dir, 'data/p.parquet');
  t.equal(file.subarray(0, 4).toString(), 'PAR1', 'a Parquet file starts with its magic');
  t.equal(file.subarray(-4).toString(), 'PAR1', 'and ends with it');
  const back = await catalog.load('p');
  t.same(
    records(back),
    RECORDS.map((r) => ({ ...r, id32: r.id })),
  );
  t.same(
    dtypes(back),
    ['Int64', 'String', 'Float64', 'Bool', 'Int32'].map((d) => `DataType(${d})`),
  );
  await catalog.save('gz', df);
  t.same(records(await catalog.load('gz')), records(back));
  t.same(
    records(await catalog.load('some')),
    RECORDS.map((r) => ({ id: r.id, ok: r.ok })),
    'columns loads a subset',
  );
});

t.test('json with table: true holds a DataFrame as an array of records, or lines with lines: true', async (t) => {
  const { dir, catalog } = await build(
    t,
    'recs:\n  type: json\n  path: data/recs.json\n  table: true\nnd:\n  type: json\n  path: data/recs.jsonl\n' +
      '  table: true\n  lines: true\n',
  );
  await catalog.save('recs', table());
  t.same(JSON.parse(readText(dir, 'data/recs.json')), RECORDS);
  const back = await catalog.load('recs');
  t.same(records(back), RECORDS);
  t.same(
    dtypes(back),
    ['Int64', 'String', 'Float64', 'Bool'].map((d) => `DataType(${d})`),
    'integer columns stay integers',
  );

  await catalog.save('nd', table());
  t.equal(
    readText(dir, 'data/recs.jsonl'),
    '{"id":1,"name":"a","price":1.5,"ok":true}\n{"id":2,"name":"b,c","price":2.25,"ok":false}\n' +
      '{"id":3,"name":"é","price":null,"ok":true}\n',
  );
  const nd = await catalog.load('nd');
  t.same(records(nd), RECORDS);
  t.same(
    dtypes(nd),
    ['Int64', 'String', 'Float64', 'Bool'].map((d) => `DataType(${d})`),
  );
});

t.test('json without table: true is still core json: any value, and a DataFrame is refused', async (t) => {
  const { dir, catalog } = await build(t, 'cfg:\n  type: json\n  path: data/cfg.json\n  indent: 0\n');
  await catalog.save('cfg', { a: [1, 2], ok: true });
  t.equal(readText(dir, 'data/cfg.json'), '{"a":[1,2],"ok":true}\n');
  t.same(await catalog.load('cfg'), { a: [1, 2], ok: true });
  const err = await caught(() => catalog.save('cfg', table()));
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_TYPE_MISMATCH] Dataset 'cfg' (json): expected a plain object, " +
      'but got a DataFrame (use `table: true` for tables).',
  );
});

t.test(
  'saving the wrong kind of value to a table type is DAGRUN_ERR_DATASET_TYPE_MISMATCH and keeps the old file',
  async (t) => {
    const { dir, catalog } = await build(
      t,
      'c:\n  type: csv\n  path: data/c.csv\np:\n  type: parquet\n  path: data/p.parquet\njt:\n  type: json\n' +
        '  path: data/jt.json\n  table: true\nx:\n  type: excel\n  path: data/x.xlsx\n',
    );
    await catalog.save('c', table());
    const before = bytes(dir, 'data/c.csv');
    const cases: Array<[string, unknown, string]> = [
      ['c', { id: [1, 2] }, "Dataset 'c' (csv): expected a polars DataFrame, but got an object with keys id."],
      ['c', [{ id: 1 }], "Dataset 'c' (csv): expected a polars DataFrame, but got an array of 1."],
      ['p', 'a string', "Dataset 'p' (parquet): expected a polars DataFrame, but got a string 'a string'."],
      ['jt', [{ id: 1 }], "Dataset 'jt' (json): expected a polars DataFrame, but got an array of 1."],
      ['x', null, "Dataset 'x' (excel): expected a polars DataFrame, but got null."],
    ];
    for (const [name, value, detail] of cases) {
      const err = await caught(() => catalog.save(name, value));
      t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH', `${name}: code`);
      t.equal(err.message, `[DAGRUN_ERR_DATASET_TYPE_MISMATCH] ${detail}`);
    }
    t.same(bytes(dir, 'data/c.csv'), before, 'the csv written before is untouched');
    t.same(listFiles(join(dir, 'data')), ['c.csv'], 'no other file appeared');
  },
);

t.test('loading a missing file is DAGRUN_ERR_DATASET_LOAD naming the dataset, for every table type', async (t) => {
  const types: Array<[string, string, string]> = [
    ['csv', 'data/a.csv', ''],
    ['parquet', 'data/a.parquet', ''],
    ['excel', 'data/a.xlsx', ''],
    ['json', 'data/t.json', '  table: true\n'],
  ];
  const { catalog } = await build(
    t,
    types.map(([type, path, extra]) => `${type}_ds:\n  type: ${type}\n  path: ${path}\n${extra}`).join(''),
  );
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

t.test('memory with copy_mode: deepcopy shares a DataFrame instead of failing to clone it', async (t) => {
  const { catalog } = await build(t, 'copied:\n  type: memory\n  copy_mode: deepcopy\n');
  const df = table();
  t.throws(() => structuredClone(df), { name: 'DataCloneError' }, 'a DataFrame cannot be cloned');
  await catalog.save('copied', df);
  t.equal(await catalog.load('copied'), df, 'the very same DataFrame (immutable, so sharing is safe)');
  t.same(records(await catalog.load('copied')), RECORDS);
});

t.test("the plugin registers csv, parquet and excel, and replaces core's json once", async (t) => {
  const registry = await polarsRegistry();
  t.same(
    registry.datasetTypes().map((x) => [x.name, x.versionable === true, x.persistent !== false]),
    [
      ['json', true, true],
      ['yaml', true, true],
      ['text', true, true],
      ['object', true, true],
      ['memory', false, false],
      ['csv', true, true],
      ['parquet', true, true],
      ['excel', true, true],
    ],
  );
  t.equal(
    registry.datasetType('json')?.schema,
    new Registry().datasetType('json')?.schema,
    "json keeps core's schema, so catalogs check alike",
  );
  const again = await caught(() => new PluginHost(registry).register(polarsPlugin));
  t.equal(
    again.message,
    "[DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Dataset type 'csv': expected one registration, but got a second.",
  );
  const twice = await caught(() =>
    registry.registerDatasetType(registry.datasetType('json')!, { replaceBuiltin: true }),
  );
  t.equal(
    twice.message,
    "[DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Dataset type 'json': expected one registration, but got a second.",
    'a built-in is replaced once',
  );
});

t.test('a versioned csv saves each run under its version and loads the newest', async (t) => {
  const { dir, catalog } = await build(t, 'v:\n  type: csv\n  path: data/v.csv\n  versioned: true\n');
  const info = await catalog.save('v', table());
  t.same(info, { location: 'data/v.csv/2030-01-01T00.00.00.000Z/v.csv', version: '2030-01-01T00.00.00.000Z' });
  t.same(records(await catalog.load('v')), RECORDS);
  t.same(listFiles(join(dir, 'data')), ['v.csv/2030-01-01T00.00.00.000Z/v.csv']);
  mkdirSync(join(dir, 'data/v.csv/2031-01-01T00.00.00.000Z'));
  writeFileSync(join(dir, 'data/v.csv/2031-01-01T00.00.00.000Z/v.csv'), 'id\n9\n');
  t.same(records(await catalog.load('v')), [{ id: 9 }], 'the newest version is the one loaded');
});
