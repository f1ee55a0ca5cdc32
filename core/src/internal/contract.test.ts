// Data contracts: the shape checked at catalog load (file:line), every rule on real records, fail / drop /
// flag / warn through DataCatalog.load and save (a failed save leaves the old file), the hook and the run
// record, table adapters, and the JSON Schema of one record.
import t from 'tap';
import { DataCatalog } from './catalog.js';
import { ConfigLoader } from './config.js';
import { checkContract, parseContract } from './contract.js';
import { recordJsonSchema } from './contract-record-schema.js';
import type { DagrunError } from './errors.js';
import type { Format } from './datasets/dataset.js';
import { fileDatasetType } from './datasets/file-dataset.js';
import { HookManager, type AfterDatasetCheckedEvent } from './hooks.js';
import { openProject } from './project.js';
import { Registry } from './registry.js';
import { recordsAdapter, referenceMask, type TableAdapter } from './table-adapter.js';
import { caught, makeProject, readText, writeFile } from '../../test/helpers/project.js';

type Rec = Record<string, unknown>;

// A file type whose data is an array of records: a table for contracts, stored like any file type.
const recordsFormat: Format<Rec[], object> = {
  name: 'records',
  check: (d) => (Array.isArray(d) ? undefined : 'expected an array of records'),
  decode: (bytes) => JSON.parse(bytes.toString('utf8')) as Rec[],
  encode: (rows) => Buffer.from(JSON.stringify(rows)),
};
const recordsType = fileDatasetType({
  name: 'records',
  description: 'An array of records in a JSON file.',
  format: recordsFormat,
  isTabular: () => true,
  properties: {},
});

const registry = (): Registry => {
  const r = new Registry();
  r.registerDatasetType(recordsType as never);
  return r;
};

interface Teardown {
  teardown(fn: () => void): void;
}

const build = (t: Teardown, files: Record<string, string>, hooks?: HookManager) => {
  const dir = makeProject(t, files);
  const loader = new ConfigLoader({ projectDir: dir, environ: {} });
  const configErrors: DagrunError[] = [];
  const config = loader.load('catalog', 'replace-top-level', configErrors);
  const { catalog, errors } = DataCatalog.create({
    config,
    credentials: undefined,
    params: {},
    registry: registry(),
    projectDir: dir,
    saveVersion: '2030-01-01T00.00.00.000Z',
    hooks,
  });
  return { dir, catalog, errors };
};

const ROWS: Rec[] = [
  { id: 'a', rooms: 3, sector: 'vitacura', price: 100 },
  { id: 'b', rooms: 0, sector: 'vitacura', price: 200 },
  { id: 'c', rooms: 2.5, sector: 'maipu', price: 300 },
  { id: 'a', rooms: 4, sector: 'nunoa', price: null },
  { id: 'd', rooms: 12, sector: 'nunoa', price: 500 },
];

const CONTRACT = (extra = '') => `
    contract:
      columns:
        id: { type: string, unique: true }
        rooms: { type: int, min: 1, max: 10 }
        sector: { type: string, allowed: [vitacura, nunoa, las condes] }
        price: { type: float, min: 0 }
${extra
  .split('\n')
  .filter(Boolean)
  .map((l) => `      ${l}`)
  .join('\n')}\n`;

const catalogWith = (extra = '', type = 'records') =>
  `houses:\n    type: ${type}\n    path: data/houses.json${CONTRACT(extra)}`;

const BROKEN_LINES = [
  '  - id (unique: true): 1 row, e.g. row 3: "a"',
  '  - rooms (type: int): 1 row, e.g. row 2: 2.5',
  '  - rooms (min: 1): 1 row, e.g. row 1: 0',
  '  - rooms (max: 10): 1 row, e.g. row 4: 12',
  '  - sector (allowed: [vitacura, nunoa, las condes]): 1 row, e.g. row 2: "maipu"',
  '  - price (nullable: false): 1 row, e.g. row 3: null',
];

t.test('a contract that breaks the rules is reported at catalog load, each problem at its line', async (t) => {
  const { errors } = build(t, {
    'conf/base/catalog.yaml': [
      'a:',
      '  type: records',
      '  path: data/a.json',
      '  contract:',
      '    columns:',
      '      rooms: { type: integer }',
      '      sector: { type: string, min: 1 }',
      '      price: { type: float, min: 10, max: 5 }',
      '      code: { type: string, pattern: "([a-z" }',
      '      flag: { type: bool, allowed: [yes] }',
      '    on_violation: dorp',
      'model:',
      '  type: object',
      '  path: data/model.json',
      '  contract: { columns: {} }',
      'meta:',
      '  type: json',
      '  path: data/meta.json',
      '  contract: { columns: {} }',
      'table:',
      '  type: json',
      '  path: data/table.json',
      '  table: true',
      '  contract: { columns: {}, rows: { min: 5, max: 2 }, flag_column: bad }',
      '',
    ].join('\n'),
  });
  t.same(
    errors.map((e) => e.code),
    Array(6).fill('DAGRUN_ERR_CATALOG_OPTIONS'),
  );
  t.same(
    errors.map((e) => e.message),
    [
      `conf/base/catalog.yaml:6:22 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'a' (records), ` +
        `field 'contract.columns.rooms.type': expected one of "int", ` +
        `"float", "string", "bool", "date", "datetime", but got string "integer".\n  Hint: did you mean: 'int'?`,
      `conf/base/catalog.yaml:11:19 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'a' (records), ` +
        `field 'contract.on_violation': expected one of "fail", "drop", "flag", "warn", but got string "dorp".\n` +
        `  Hint: did you mean: 'drop'?`,
      // 'a' broke its shape, so its other rules wait for the next load; 'table' (json, table: true) is a table.
      `conf/base/catalog.yaml:15:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'model' (object), field 'contract': ` +
        `expected an entry whose data is a table, but got type 'object' with these options, whose data is not.\n` +
        `  Hint: a data contract checks rows and columns: ` +
        `use it on a table type (csv, parquet, json with table: true, …) or remove it.`,
      `conf/base/catalog.yaml:19:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'meta' (json), field 'contract': ` +
        `expected an entry whose data is a table, but got type 'json' with these options, whose data is not.\n` +
        `  Hint: a data contract checks rows and columns: ` +
        `use it on a table type (csv, parquet, json with table: true, …) or remove it.`,
      `conf/base/catalog.yaml:24:49 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'table' (json), ` +
        `field 'contract.rows.max': expected max >= min (5), but got 2.`,
      `conf/base/catalog.yaml:24:67 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'table' (json), ` +
        `field 'contract.flag_column': expected on_violation: flag with a flag_column, but got on_violation: fail.`,
    ],
  );

  // With the shape right, the rules JSON Schema cannot express.
  const second = build(t, {
    'conf/base/catalog.yaml': [
      'a:',
      '  type: records',
      '  path: data/a.json',
      '  contract:',
      '    columns:',
      '      sector: { type: string, min: 1 }',
      '      price: { type: float, min: 10, max: 5 }',
      '      code: { type: string, pattern: "([a-z" }',
      '      flag: { type: bool, allowed: [1] }',
      '',
    ].join('\n'),
  });
  t.same(
    second.errors.map((e) => e.message),
    [
      `conf/base/catalog.yaml:6:36 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'a' (records), ` +
        `field 'contract.columns.sector.min': expected min on an int or float column, but got a string column.`,
      `conf/base/catalog.yaml:7:43 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'a' (records), ` +
        `field 'contract.columns.price.max': expected max >= min (10), but got 5.`,
      `conf/base/catalog.yaml:8:38 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'a' (records), ` +
        `field 'contract.columns.code.pattern': expected a JavaScript regular expression, ` +
        `but got "([a-z" (Invalid regular expression: /([a-z/u: Unterminated character class).`,
      `conf/base/catalog.yaml:9:36 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'a' (records), ` +
        `field 'contract.columns.flag.allowed': expected values of type bool, but got 1.`,
    ],
  );
});

t.test('on_violation: fail (the default) stops a load, naming each rule, its count and three examples', async (t) => {
  const { dir, catalog, errors } = build(t, { 'conf/base/catalog.yaml': catalogWith() });
  t.same(errors, []);
  writeFile(dir, 'data/houses.json', JSON.stringify(ROWS));
  const err = await caught(() => catalog.load('houses'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONTRACT');
  t.equal(
    err.message,
    [
      "[DAGRUN_ERR_DATASET_CONTRACT] Data contract of dataset 'houses' (checked on load): " +
        'expected data that keeps it, but got 6 broken rules in 4 of 5 rows:',
      ...BROKEN_LINES,
      '  Hint: fix the data, or set on_violation (drop, flag or warn) under contract: in its catalog entry.',
    ].join('\n'),
  );
});

t.test('a save that breaks the contract writes nothing: the file saved before is intact', async (t) => {
  const { dir, catalog } = build(t, { 'conf/base/catalog.yaml': catalogWith() });
  const good = [{ id: 'x', rooms: 2, sector: 'nunoa', price: 1 }];
  await catalog.save('houses', good);
  const before = readText(dir, 'data/houses.json');
  t.same(JSON.parse(before), good);
  const err = await caught(() => catalog.save('houses', ROWS));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONTRACT');
  t.equal(
    (err as unknown as DagrunError).detail.split('\n')[0],
    "Data contract of dataset 'houses' (checked before saving; nothing was written): " +
      'expected data that keeps it, but got 6 broken rules in 4 of 5 rows:',
  );
  t.equal(readText(dir, 'data/houses.json'), before, 'the old file, byte for byte');
});

t.test(
  'drop hands on the rows that keep the contract and reports the rest to the hook; unique keeps the first',
  async (t) => {
    const hooks = new HookManager();
    const events: AfterDatasetCheckedEvent[] = [];
    hooks.register({ afterDatasetChecked: (e) => void events.push(e) });
    const { dir, catalog } = build(t, { 'conf/base/catalog.yaml': catalogWith('on_violation: drop') }, hooks);
    writeFile(dir, 'data/houses.json', JSON.stringify(ROWS));
    t.same(await catalog.load('houses'), [ROWS[0]]);
    t.equal(events.length, 1);
    t.match(events[0], {
      name: 'houses',
      operation: 'load',
      report: { dataset: 'houses', onViolation: 'drop', rows: 5, rowsViolating: 4, rowsOut: 1 },
    });
    t.same(events[0]!.report.violations[0], {
      column: 'id',
      rule: 'unique: true',
      rows: 1,
      examples: [{ row: 3, value: 'a' }],
    });
    t.same(catalog.contractReports(), [events[0]!.report], 'kept for the run record');

    // On save, drop writes only the rows that pass.
    await catalog.save('houses', ROWS);
    t.same(JSON.parse(readText(dir, 'data/houses.json')), [ROWS[0]]);
  },
);

t.test('flag adds a boolean column on copies of the records; warn hands the data on unchanged', async (t) => {
  const flagged = build(t, { 'conf/base/catalog.yaml': catalogWith('on_violation: flag\nflag_column: suspicious') });
  writeFile(flagged.dir, 'data/houses.json', JSON.stringify(ROWS));
  const rows = (await flagged.catalog.load('houses')) as Rec[];
  t.same(
    rows.map((r) => r.suspicious),
    [false, true, true, true, true],
  );
  t.same(Object.keys(rows[0]!), ['id', 'rooms', 'sector', 'price', 'suspicious']);
  const mine = ROWS.map((r) => ({ ...r }));
  await flagged.catalog.save('houses', mine);
  t.same(mine, ROWS, "the node's own records are not changed");
  t.same(
    (JSON.parse(readText(flagged.dir, 'data/houses.json')) as Rec[]).map((r) => r.suspicious),
    [false, true, true, true, true],
  );

  const warned = build(t, { 'conf/base/catalog.yaml': catalogWith('on_violation: warn') });
  writeFile(warned.dir, 'data/houses.json', JSON.stringify(ROWS));
  t.same(await warned.catalog.load('houses'), ROWS);
  t.match(warned.catalog.contractReports()[0], { onViolation: 'warn', rowsViolating: 4, rowsOut: 5 });
});

t.test('a missing column, strict and row bounds fail whatever on_violation says', async (t) => {
  const { dir, catalog } = build(t, {
    'conf/base/catalog.yaml': catalogWith('strict: true\nrows: { min: 2 }\non_violation: drop'),
  });
  writeFile(
    dir,
    'data/houses.json',
    JSON.stringify([
      { id: 'a', rooms: 3, sector: 'nunoa', extra: 1, more: 2 },
      { id: 'b', rooms: 0, sector: 'nunoa' },
    ]),
  );
  const err = await caught(() => catalog.load('houses'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONTRACT');
  t.equal(
    err.message,
    [
      "[DAGRUN_ERR_DATASET_CONTRACT] Data contract of dataset 'houses' (checked on load): " +
        'expected data that keeps it, but got 1 broken rule in 1 of 2 rows and 3 table problems:',
      '  - price: no such column (the data has: id, rooms, sector, extra, more)',
      "  - strict: true: 2 columns not in the contract: 'extra', 'more'",
      '  - rooms (min: 1): 1 row, e.g. row 1: 0',
      '  - rows.min: 2: got 1 row',
      '  Hint: a missing column, ' +
        'a column strict: true does not allow and a row count out of bounds fail whatever on_violation says.',
    ].join('\n'),
  );
});

t.test('a contract on data that is not a table fails, naming the kinds of table known', async (t) => {
  const { catalog } = build(t, {
    'conf/base/catalog.yaml': 'notes:\n  type: memory\n  contract: { columns: { a: { type: int } } }\n',
  });
  const err = await caught(() => catalog.save('notes', 'just text'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONTRACT');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_CONTRACT] Data contract of dataset 'notes' " +
      "(checked before saving; nothing was written): expected a table (records), but got a string 'just text'.\n" +
      '  Hint: a contract checks tables; a plugin adds a kind of table with registerTableAdapter.',
  );
  await catalog.save('notes', [{ a: 1 }, { a: 2 }]);
  t.same(await catalog.load('notes'), [{ a: 1 }, { a: 2 }], 'an array of records is a table');
});

t.test('each rule by its definition: missing values, other types, bigints, dates, patterns', async (t) => {
  const mask = (values: unknown[], rule: Parameters<typeof referenceMask>[1]) => [...referenceMask(values, rule)];
  const v = [1, 2.5, null, Number.NaN, '3', 4n, undefined, Number.POSITIVE_INFINITY];
  t.same(
    mask(v, { kind: 'type', column: 'x', type: 'int' }),
    [0, 1, 0, 0, 1, 0, 0, 1],
    'int: whole numbers and bigints; missing values pass',
  );
  t.same(mask(v, { kind: 'type', column: 'x', type: 'float' }), [0, 0, 0, 0, 1, 0, 0, 0]);
  t.same(mask(v, { kind: 'null', column: 'x' }), [0, 0, 1, 1, 0, 0, 1, 0], 'null, NaN and undefined are missing');
  t.same(
    mask(v, { kind: 'min', column: 'x', value: 2 }),
    [1, 0, 0, 0, 0, 0, 0, 0],
    'a string is left to the type rule',
  );
  t.same(mask(v, { kind: 'max', column: 'x', value: 3 }), [0, 0, 0, 0, 0, 1, 0, 1]);
  t.same(mask(['a', 'b', 1, null, 'a'], { kind: 'allowed', column: 'x', values: ['a'] }), [0, 1, 0, 0, 0]);
  t.same(
    mask([1, 1n, 2, 1.0, null, null], { kind: 'unique', column: 'x' }),
    [0, 1, 0, 1, 0, 0],
    '1n and 1.0 repeat 1; nulls do not count',
  );
  t.same(
    mask(['2024-02-29', '2024-13-01', '2024-01-01T10:00', new Date(0), 'x'], {
      kind: 'type',
      column: 'x',
      type: 'date',
    }),
    [0, 1, 1, 0, 1],
  );
  t.same(
    mask(['2024-01-01T10:00:00Z', '2024-01-01', '2024-01-01 10:00+01:00'], {
      kind: 'type',
      column: 'x',
      type: 'datetime',
    }),
    [0, 1, 0],
  );
  t.same(mask(['AB-1', 'ab-1', 7], { kind: 'pattern', column: 'x', pattern: '^[A-Z]{2}-\\d$' }), [0, 1, 0]);
});

t.test('a registered table adapter is used before records', async (t) => {
  // A column-major table: { cols: { name: values } }.
  interface Cols {
    cols: Record<string, unknown[]>;
  }
  const asked: string[] = [];
  const columnar: TableAdapter<Cols> = {
    name: 'columnar',
    test: (v) => typeof v === 'object' && v !== null && 'cols' in v,
    columnNames: (c) => Object.keys(c.cols),
    height: (c) => Object.values(c.cols)[0]?.length ?? 0,
    column: (c, n) => {
      asked.push(n);
      return c.cols[n]!;
    },
    filter: (c, keep) => ({
      cols: Object.fromEntries(Object.entries(c.cols).map(([k, vs]) => [k, vs.filter((_, i) => keep[i] === 1)])),
    }),
    withColumn: (c, n, vs) => ({ cols: { ...c.cols, [n]: [...vs].map((b) => b === 1) } }),
  };
  const r = registry();
  r.registerTableAdapter(columnar);
  t.equal(
    (await caught(() => r.registerTableAdapter(columnar))).message,
    "[DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Table adapter 'columnar': expected one registration, but got a second.",
  );
  const contract = parseContract({ columns: { n: { type: 'int', min: 1 } }, on_violation: 'drop' });
  const { data, report } = checkContract(contract, { cols: { n: [0, 2, 3] } }, r.tableAdapters()[0]!, {
    dataset: 'd',
    operation: 'load',
  });
  t.same(data, { cols: { n: [2, 3] } });
  t.same(
    report.violations.map((v) => [v.rule, v.rows, v.examples]),
    [['min: 1', 1, [{ row: 0, value: 0 }]]],
  );
  t.same(asked, ['n'], 'the column is read once, for every rule on it and the examples');
});

t.test('the run record counts the checks that broke rules; the run goes on under warn', async (t) => {
  const dir = makeProject(t, {
    'conf/base/catalog.yaml': `${catalogWith('on_violation: warn')}\ncount:\n  type: json\n  path: data/count.json\n`,
    'conf/base/parameters.yaml': '{}\n',
    'pipeline.yaml':
      '__default__:\n  nodes:\n    - { name: count, func: src/nodes.ts#count, inputs: [houses], outputs: count }\n',
    'src/nodes.ts': 'export const count = (rows: unknown[]) => rows.length;\n',
    'data/houses.json': JSON.stringify(ROWS),
  });
  const project = await openProject({ projectDir: dir, environ: {} });
  project.registry.registerDatasetType(recordsType as never);
  const outcome = await project.run();
  t.equal(readText(dir, 'data/count.json').trim(), '5');
  t.same(
    outcome.record.contracts?.map((c) => [
      c.dataset,
      c.node,
      c.operation,
      c.onViolation,
      c.rowsViolating,
      c.violations.length,
    ]),
    [['houses', 'count', 'load', 'warn', 4, 6]],
  );
});

t.test('the JSON Schema of one record: types, bounds, allowed values, nullability, omitted columns', async (t) => {
  const contract = parseContract({
    columns: {
      rooms: { type: 'int', min: 1, max: 10, description: 'Bedrooms.' },
      sector: { type: 'string', allowed: ['nunoa', 'vitacura'] },
      note: { type: 'string', nullable: true, pattern: '^[a-z ]*$' },
      sold: { type: 'date' },
      price: { type: 'float', min: 0 },
      id: { type: 'string', unique: true },
    },
    strict: true,
  });
  t.same(recordJsonSchema(contract, { omit: ['price', 'id'] }), {
    type: 'object',
    additionalProperties: false,
    required: ['rooms', 'sector', 'sold'],
    properties: {
      rooms: { type: 'integer', minimum: 1, maximum: 10, description: 'Bedrooms.' },
      sector: { type: 'string', enum: ['nunoa', 'vitacura'] },
      note: { type: ['string', 'null'], pattern: '^[a-z ]*$' },
      sold: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    },
  });
  t.equal(
    (recordJsonSchema(parseContract({ columns: {} })) as { additionalProperties: boolean }).additionalProperties,
    true,
    'a contract that is not strict lets other fields through',
  );
  const err = await caught(() =>
    parseContract({ columns: { a: { type: 'int', min: 'one' } }, strict: 'yes' }, "Contract of catalog entry 'x'"),
  );
  t.equal(
    err.message,
    [
      "[DAGRUN_ERR_CATALOG_OPTIONS] Contract of catalog entry 'x': expected a valid contract, but got 2 problems:",
      "  - Contract of catalog entry 'x', field 'contract.columns.a.min': expected number, but got string \"one\".",
      "  - Contract of catalog entry 'x', field 'contract.strict': expected boolean, but got string \"yes\".",
    ].join('\n'),
  );
});

t.test('the records adapter reads absent keys as null and columns in order of appearance', async (t) => {
  const rows = [{ a: 1 }, { b: 2, a: 3 }];
  t.same(recordsAdapter.columnNames(rows), ['a', 'b']);
  t.same(recordsAdapter.column(rows, 'b'), [null, 2]);
  t.notOk(recordsAdapter.test([{ a: 1 }, new Date()]), 'an array with a non-record is not a table of records');
});

t.test('a dataset checked on load is not checked again until it is saved', async (t) => {
  const { catalog } = build(t, {
    'conf/base/catalog.yaml': catalogWith('on_violation: warn'),
    'data/houses.json': JSON.stringify(ROWS),
  });
  await catalog.load('houses');
  await catalog.load('houses');
  t.equal(catalog.contractReports().length, 1, 'the second load of the same file is not checked (nor reported) again');
  await catalog.save('houses', ROWS.slice(0, 2)).catch(() => undefined);
  await catalog.load('houses');
  t.equal(catalog.contractReports().length, 3, 'a save checks, and the next load checks the new file');
  const { catalog: dropping } = build(t, {
    'conf/base/catalog.yaml': catalogWith('on_violation: drop'),
    'data/houses.json': JSON.stringify(ROWS),
  });
  const first = (await dropping.load('houses')) as Rec[];
  const second = (await dropping.load('houses')) as Rec[];
  t.equal(second.length, first.length, 'drop changes the data, so every load is checked and filtered');
  t.equal(dropping.contractReports().length, 2);
});
