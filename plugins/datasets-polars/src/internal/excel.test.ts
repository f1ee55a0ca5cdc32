// The excel type through a real catalog: workbooks written by exceljs (as a spreadsheet program would)
// are read by sheet name or index, a DataFrame round-trips with its dtypes, and a missing sheet says
// which sheets there are.

import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import pl from 'nodejs-polars';
import { ConfigLoader, DataCatalog, PluginHost, Registry } from '@dagrun/core';
import { polarsPlugin } from './plugin.js';
import { caught, listFiles, makeProject } from '../../../../core/test/helpers/project.js';

interface TestLike {
  teardown(fn: () => void): void;
  same(found: unknown, wanted: unknown, message?: string): boolean;
}

const V1 = '2030-01-01T00.00.00.000Z';

const build = async (t: TestLike, catalogYaml: string, files: Record<string, string> = {}) => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': catalogYaml, ...files });
  const registry = new Registry();
  await new PluginHost(registry).register(polarsPlugin);
  const config = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level');
  const { catalog, errors } = DataCatalog.create({
    config,
    credentials: undefined,
    params: {},
    registry,
    projectDir: dir,
    saveVersion: V1,
  });
  return { dir, catalog, errors };
};

const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

/** A workbook as someone would keep one: a title sheet, two data sheets, a sheet with a title above its table. */
const writeBook = async (file: string): Promise<void> => {
  const book = new ExcelJS.Workbook();
  const cover = book.addWorksheet('Cover');
  cover.addRow(['Quarterly sales, made by hand']);
  const q1 = book.addWorksheet('Q1');
  q1.addRow(['region', 'units', 'price', 'closed', 'since', 'note']);
  q1.addRow(['north', 3, 2.5, true, day(2024, 1, 31), 'first']);
  q1.addRow(['south', 12, 10, false, day(2023, 12, 1), null]);
  q1.addRow(['east', null, 6.25, true, null, { richText: [{ text: 'bold ' }, { text: 'text' }] }]);
  q1.addRow([
    'west',
    7,
    { formula: 'B2*2', result: 6 },
    null,
    day(2024, 2, 29),
    { text: 'link', hyperlink: 'https://example.com' },
  ]);
  const q2 = book.addWorksheet('Q2');
  q2.addRow(['region', 'units']);
  q2.addRow(['north', 4]);
  const titled = book.addWorksheet('Titled');
  titled.addRow(['Report of 2024']);
  titled.addRow([]);
  titled.addRow(['code', 'amount']);
  titled.addRow(['007', 1]);
  titled.addRow(['008', 2.5]);
  await book.xlsx.writeFile(file);
};

const CATALOG = [
  'first:',
  '  type: excel',
  '  path: data/book.xlsx',
  'q1:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: Q1',
  'second:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: 2',
  'titled:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: Titled',
  '  skip_rows: 2',
  '  dtypes: { amount: float64 }',
  'raw:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: Q2',
  '  has_header: false',
  'some:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: Q1',
  '  columns: [units, region]',
  'missing:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: Q3',
  'beyond:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: 7',
  'nocol:',
  '  type: excel',
  '  path: data/book.xlsx',
  '  sheet: Q2',
  '  columns: [region, unit]',
  '',
].join('\n');

const typesOf = (df: unknown) =>
  Object.fromEntries((df as pl.DataFrame).getColumns().map((s) => [s.name, String(s.dtype)]));

t.test(
  'sheets are chosen by name or 0-based index, the first by default, with dtypes inferred per column',
  async (t) => {
    const { dir, catalog, errors } = await build(t, CATALOG);
    t.same(errors, []);
    mkdirSync(join(dir, 'data'));
    await writeBook(join(dir, 'data/book.xlsx'));

    const first = (await catalog.load('first')) as pl.DataFrame;
    t.same(first.toRecords(), [], 'the Cover sheet: a header and no rows');
    t.same(first.columns, ['Quarterly sales, made by hand']);

    const q1 = (await catalog.load('q1')) as pl.DataFrame;
    t.same(
      q1.toRecords(),
      [
        { region: 'north', units: 3, price: 2.5, closed: true, since: day(2024, 1, 31), note: 'first' },
        { region: 'south', units: 12, price: 10, closed: false, since: day(2023, 12, 1), note: null },
        { region: 'east', units: null, price: 6.25, closed: true, since: null, note: 'bold text' },
        { region: 'west', units: 7, price: 6, closed: null, since: day(2024, 2, 29), note: 'link' },
      ],
      'formulas give their result, rich text and links their text, empty cells null',
    );
    t.same(typesOf(q1), {
      region: 'DataType(String)',
      units: 'DataType(Int64)',
      price: 'DataType(Float64)',
      closed: 'DataType(Bool)',
      since: 'DataType(Date)',
      note: 'DataType(String)',
    });

    t.same(
      ((await catalog.load('second')) as pl.DataFrame).toRecords(),
      [{ region: 'north', units: 4 }],
      'index 2 is the third sheet, Q2',
    );

    const titled = (await catalog.load('titled')) as pl.DataFrame;
    t.same(
      titled.toRecords(),
      [
        { code: '007', amount: 1 },
        { code: '008', amount: 2.5 },
      ],
      'skip_rows passes the title; text that looks like a number stays text',
    );
    t.same(typesOf(titled), { code: 'DataType(String)', amount: 'DataType(Float64)' });

    const raw = (await catalog.load('raw')) as pl.DataFrame;
    t.same(
      raw.toRecords(),
      [
        { column_1: 'region', column_2: 'units' },
        { column_1: 'north', column_2: '4' },
      ],
      'no header: every row is data, a mixed column is text',
    );

    const some = (await catalog.load('some')) as pl.DataFrame;
    t.same(some.columns, ['units', 'region']);
  },
);

t.test('a missing sheet or column is DAGRUN_ERR_DATASET_LOAD naming it and listing what there is', async (t) => {
  const { dir, catalog } = await build(t, CATALOG);
  mkdirSync(join(dir, 'data'));
  await writeBook(join(dir, 'data/book.xlsx'));

  const byName = await caught(() => catalog.load('missing'));
  t.equal(byName.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    byName.message,
    "[DAGRUN_ERR_DATASET_LOAD] Failed to load dataset 'missing' (excel at data/book.xlsx): Sheet 'Q3': " +
      "expected a sheet of the workbook ('Cover', 'Q1', 'Q2', 'Titled'), but got no sheet of that name.\n" +
      "  Hint: did you mean: 'Q1', 'Q2'?",
  );

  const byIndex = await caught(() => catalog.load('beyond'));
  t.equal(byIndex.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    byIndex.message,
    "[DAGRUN_ERR_DATASET_LOAD] Failed to load dataset 'beyond' (excel at data/book.xlsx): Sheet index 7: " +
      "expected 0–3 (the workbook's sheets are 'Cover', 'Q1', 'Q2', 'Titled'), but got no sheet at that index.",
  );

  const column = await caught(() => catalog.load('nocol'));
  t.equal(column.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    column.message,
    "[DAGRUN_ERR_DATASET_LOAD] Failed to load dataset 'nocol' (excel at data/book.xlsx): " +
      "Columns of sheet 'Q2': expected 'unit' among 'region', 'units', but got no such column.",
  );
});

t.test(
  'a DataFrame round-trips through one sheet: numbers, strings, booleans, dates, datetimes and empty cells',
  async (t) => {
    const { dir, catalog } = await build(
      t,
      'out:\n  type: excel\n  path: data/out.xlsx\n  sheet: Sales\nplain:\n  type: excel\n' +
        '  path: data/plain.xlsx\n  versioned: true\n',
    );
    const df = pl.DataFrame([
      pl.Series('id', [1, 2, 3], pl.Int64),
      pl.Series('price', [1.5, null, 2.25], pl.Float64),
      pl.Series('name', ['a', 'b,c', null], pl.Utf8),
      pl.Series('ok', [true, null, false], pl.Bool),
      pl.Series('day', [day(2024, 1, 31), null, day(1999, 12, 1)], pl.Date),
      pl.Series(
        'at',
        [new Date(Date.UTC(2024, 0, 31, 13, 5, 7)), new Date(Date.UTC(2024, 1, 1)), null],
        pl.Datetime('ms'),
      ),
      pl.Series('empty', [null, null, null], pl.Utf8),
    ]);
    t.same(await catalog.save('out', df), { location: 'data/out.xlsx', version: undefined });
    const back = (await catalog.load('out')) as pl.DataFrame;
    t.same(back.toRecords(), df.toRecords());
    t.same(typesOf(back), typesOf(df), 'every dtype survives, the datetime column included (its cells show a time)');

    // What a spreadsheet program sees: one sheet with the name asked for, real typed cells.
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(dir, 'data/out.xlsx'));
    t.same(
      book.worksheets.map((w) => w.name),
      ['Sales'],
    );
    const ws = book.worksheets[0]!;
    t.same((ws.getRow(1).values as unknown[]).slice(1), ['id', 'price', 'name', 'ok', 'day', 'at', 'empty']);
    t.same(
      [ws.getCell('A2').type, ws.getCell('C2').type, ws.getCell('D2').type, ws.getCell('E2').type],
      [ExcelJS.ValueType.Number, ExcelJS.ValueType.String, ExcelJS.ValueType.Boolean, ExcelJS.ValueType.Date],
    );
    t.equal(ws.getCell('E2').numFmt, 'yyyy-mm-dd');
    t.equal(ws.getCell('B3').value, null, 'a null is an empty cell');

    const info = await catalog.save('plain', df.select('id', 'name'));
    t.same(info, { location: `data/plain.xlsx/${V1}/plain.xlsx`, version: V1 }, 'versioned like every file type');
    const plain = new ExcelJS.Workbook();
    await plain.xlsx.readFile(join(dir, info!.location!));
    t.same(
      plain.worksheets.map((w) => w.name),
      ['Sheet1'],
      'the sheet is Sheet1 when none is named',
    );
    t.same(((await catalog.load('plain')) as pl.DataFrame).toRecords(), df.select('id', 'name').toRecords());
    t.same(listFiles(join(dir, 'data')), ['out.xlsx', `plain.xlsx/${V1}/plain.xlsx`], 'no temporary file is left');
  },
);

t.test(
  'whole-number floats read back as int64 unless dtypes says otherwise; a save to a sheet index other than 0 fails',
  async (t) => {
    const { dir, catalog } = await build(
      t,
      'f:\n  type: excel\n  path: data/f.xlsx\ntyped:\n  type: excel\n  path: data/f.xlsx\n' +
        '  dtypes: { x: float64 }\nthird:\n  type: excel\n  path: data/g.xlsx\n  sheet: 2\n',
    );
    const df = pl.DataFrame([pl.Series('x', [1, 2], pl.Float64)]);
    await catalog.save('f', df);
    t.same(typesOf(await catalog.load('f')), { x: 'DataType(Int64)' }, 'Excel keeps no integer/float distinction');
    t.same(typesOf(await catalog.load('typed')), { x: 'DataType(Float64)' });

    const err = await caught(() => catalog.save('third', df));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
    t.equal(
      err.message,
      "[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'third' (excel at data/g.xlsx): Sheet index 2: " +
        'expected a sheet name or 0 to write the one sheet a save makes, but got 2. What was saved before ' +
        'is intact.',
    );
    t.same(listFiles(join(dir, 'data')), ['f.xlsx']);
  },
);

t.test('a file that is not a workbook fails to load naming the dataset', async (t) => {
  const { dir, catalog } = await build(t, 'bad:\n  type: excel\n  path: data/bad.xlsx\n');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data/bad.xlsx'), 'id,name\n1,a\n');
  const err = await caught(() => catalog.load('bad'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.match(err.message, /^\[DAGRUN_ERR_DATASET_LOAD\] Failed to load dataset 'bad' \(excel at data\/bad\.xlsx\): /);
});

t.test('bad excel options fail when the catalog loads, naming the entry', async (t) => {
  const { errors } = await build(t, 'x:\n  type: excel\n  path: data/x.xlsx\n  sheet: -1\n  header: true\n');
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/catalog.yaml:5:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'x' (excel): " +
        "expected only known options, but got unknown option 'header'.\n  Hint: did you mean: 'has_header'?",
      "conf/base/catalog.yaml:4:10 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'x' (excel), field 'sheet': " +
        'expected string, but got number -1.',
      "conf/base/catalog.yaml:4:10 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'x' (excel), field 'sheet': " +
        'expected a value that must be >= 0, but got number -1.',
    ],
    'a sheet is a name or an index of 0 or more (each alternative says why -1 fails)',
  );
});
