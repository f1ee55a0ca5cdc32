// validate_data: each contract rule on small hand-built frames, keep / drop / fail with their exact
// messages, schema failures, and the flagged counts on the committed data against §1 / §7.9 of
// ../../shared/property-data.md.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pl, { type DataFrame } from 'nodejs-polars';
import { parse } from 'yaml';
import t from 'tap';
import { validateData } from '../src/nodes/validate.js';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');

const contract = (extra: Record<string, unknown> = {}) => ({
  columns: {
    type: { type: 'string', allowed: ['casa', 'departamento'] },
    area: { type: 'number', min: 1, max: 5000 },
    price: { type: 'integer', min: 1000 },
  },
  ...extra,
});

// Row 0 is clean; each other row breaks exactly the rule named beside it (row 5 breaks two).
const frame = (): DataFrame =>
  pl.DataFrame([
    pl.Series('type', ['casa', 'oficina', 'departamento', 'casa', 'casa', null], pl.Utf8),
    pl.Series('area', [100, 50, 0, 90000, 80, Number.NaN], pl.Float64),
    pl.Series('price', [5000, 6000, 7000, 8000, 999, 2000], pl.Int64),
  ]);

const rulesByRow = (report: { flagged_rows: { row: number; rules: string[] }[] }) => report.flagged_rows.map((r) => [r.row, r.rules]);

t.test('each rule flags exactly the rows that break it; keep returns the data untouched', async (t) => {
  const df = frame();
  const [out, report] = validateData(df, contract());
  t.equal(out, df, 'keep passes the same DataFrame on');
  t.same(rulesByRow(report), [
    [1, ['type.allowed']],
    [2, ['area.min']],
    [3, ['area.max']],
    [4, ['price.min']],
    [5, ['type.null', 'area.null']],
  ]);
  t.same(report.counts_by_rule, { 'type.null': 1, 'type.allowed': 1, 'area.null': 1, 'area.min': 1, 'area.max': 1, 'price.min': 1 });
  t.match(report, { rows_checked: 6, rows_flagged: 5, rows_out: 6, on_flagged: 'keep', flagged_rows_total: 5, flagged_rows_listed: 5 });
  t.same(report.flagged_rows[3]!.values, { type: 'casa', area: 80, price: 999 }, 'a flagged row lists its values');
  t.same(JSON.parse(JSON.stringify(report)).flagged_rows[3].values.price, 999, 'the report survives JSON');
});

t.test('bounds are inclusive', async (t) => {
  const df = pl.DataFrame([pl.Series('area', [1, 5000, 0.999, 5000.5], pl.Float64)]);
  const [, report] = validateData(df, { columns: { area: { type: 'number', min: 1, max: 5000 } } });
  t.same(rulesByRow(report), [
    [2, ['area.min']],
    [3, ['area.max']],
  ]);
});

t.test('a clean frame gives an empty report', async (t) => {
  const df = frame().head(1);
  const [out, report] = validateData(df, contract({ on_flagged: 'fail' }));
  t.equal(out, df);
  t.same(report, { rows_checked: 1, rows_flagged: 0, on_flagged: 'fail', rows_out: 1, counts_by_rule: {}, flagged_rows_total: 0, flagged_rows_listed: 0, flagged_rows: [] });
});

t.test('drop removes the flagged rows, in order', async (t) => {
  const [out, report] = validateData(frame(), contract({ on_flagged: 'drop' }));
  t.same(out.toRecords(), [{ type: 'casa', area: 100, price: 5000 }]);
  t.same(out.columns, ['type', 'area', 'price'], 'no helper column leaks into the data');
  t.match(report, { rows_checked: 6, rows_flagged: 5, rows_out: 1, on_flagged: 'drop' });
});

t.test('fail throws, naming the counts by rule', async (t) => {
  t.throws(() => validateData(frame(), contract({ on_flagged: 'fail' })), {
    name: 'DataContractError',
    code: 'DATA_CONTRACT_VIOLATION',
    message:
      'Data contract: expected no flagged rows (on_flagged: fail), but got 5 of 6 rows flagged (type.null 1, type.allowed 1, area.null 1, area.min 1, area.max 1, price.min 1).\n' +
      'Hint: set data_contract.on_flagged to keep or drop, or change the bounds in conf/base/parameters.yaml.',
  });
});

t.test('max_listed_rows caps the listed rows; the totals stay whole', async (t) => {
  const [, report] = validateData(frame(), contract({ max_listed_rows: 2 }));
  t.match(report, { rows_flagged: 5, flagged_rows_total: 5, flagged_rows_listed: 2 });
  t.same(rulesByRow(report), [
    [1, ['type.allowed']],
    [2, ['area.min']],
  ]);
});

t.test('a missing column or a wrong dtype fails, naming the column and what was expected', async (t) => {
  const noPrice = frame().drop('price');
  t.throws(() => validateData(noPrice, contract()), {
    code: 'DATA_CONTRACT_SCHEMA',
    message: "Data contract column 'price': expected a column of type integer, but got no such column (columns: type, area).",
  });
  const floatPrice = frame().withColumns(pl.col('price').cast(pl.Float64));
  t.throws(() => validateData(floatPrice, contract()), {
    code: 'DATA_CONTRACT_SCHEMA',
    message: "Data contract column 'price': expected type integer, but got Float64.",
  });
  const textArea = frame().withColumns(pl.col('area').cast(pl.Utf8)).drop('type');
  t.throws(() => validateData(textArea, contract()), {
    message:
      '2 errors in the data\'s columns:\n' +
      "  - Data contract column 'type': expected a column of type string, but got no such column (columns: area, price).\n" +
      "  - Data contract column 'area': expected type number, but got String.",
  });
});

t.test('a malformed contract fails before any data is read', async (t) => {
  t.throws(() => validateData(frame(), contract({ on_flagged: 'warn' })), {
    code: 'DATA_CONTRACT_INVALID',
    message: `Data contract 'on_flagged': expected one of keep, drop, fail, but got "warn".`,
  });
  t.throws(() => validateData(frame(), { columns: { area: { type: 'float' } } }), {
    code: 'DATA_CONTRACT_INVALID',
    message: `Data contract column 'area' type: expected one of string, number, integer, but got "float".`,
  });
  t.throws(() => validateData(frame(), { columns: { type: { type: 'string', min: 1 } } }), {
    code: 'DATA_CONTRACT_INVALID',
    message: "Data contract column 'type' min: expected a number on a numeric column, but got 1.",
  });
});

t.test('on the committed data, the project contract flags the dirty rows of §1 and §7.9', async (t) => {
  const params = parse(readFileSync(join(PROJECT, 'conf/base/parameters.yaml'), 'utf8')) as { data_contract: Record<string, unknown> };
  t.equal(params.data_contract.on_flagged, 'keep', 'the default is keep and report');
  const zeroRows = (df: DataFrame): number =>
    df.filter(pl.anyHorizontal(['net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'price'].map((c) => pl.col(c).eq(0)))).height;

  const train = pl.readCSV(join(PROJECT, 'data/01_raw/train.csv'));
  const [trainOut, r] = validateData(train, params.data_contract);
  t.equal(trainOut.height, 16212, 'keep keeps every row');
  t.equal(zeroRows(train), 161, '§1: 161 train rows hold a zero');
  // §1 zeros 32 / 32 / 31 / 131; §7.9 ~17 + 1 prices under 1000 (+ the zero), 13 / 12 giant areas, 17 / 16 counts above 10.
  const c = r.counts_by_rule;
  t.equal(c['net_usable_area.min'], 32);
  t.equal(c['net_area.min'], 32);
  t.equal(c['n_rooms.min'], 31);
  t.equal(c['n_bathroom.min'], 131);
  t.ok(c['price.min']! >= 15 && c['price.min']! <= 25, `prices under 1000 (${c['price.min']})`);
  t.ok(c['net_usable_area.max']! >= 10 && c['net_usable_area.max']! <= 16, `giant net_usable_area (${c['net_usable_area.max']})`);
  t.ok(c['net_area.max']! >= 9 && c['net_area.max']! <= 15, `giant net_area (${c['net_area.max']})`);
  t.ok(c['n_rooms.max']! >= 10 && c['n_rooms.max']! <= 20, `more than 10 rooms (${c['n_rooms.max']})`);
  t.ok(c['n_bathroom.max']! >= 10 && c['n_bathroom.max']! <= 20, `more than 10 baths (${c['n_bathroom.max']})`);
  t.ok(r.rows_flagged >= 200 && r.rows_flagged <= 260, `train rows flagged (${r.rows_flagged})`);
  t.equal(r.flagged_rows_listed, Math.min(500, r.rows_flagged));

  const test = pl.readCSV(join(PROJECT, 'data/01_raw/test.csv'));
  const [testOut, rt] = validateData(test, { ...params.data_contract, on_flagged: 'drop' });
  t.equal(zeroRows(test), 52, '§1: 52 test rows hold a zero');
  t.equal(rt.counts_by_rule['n_bathroom.min'], 42);
  t.ok(rt.rows_flagged >= 60 && rt.rows_flagged <= 95, `test rows flagged (${rt.rows_flagged})`);
  t.equal(testOut.height, 6949 - rt.rows_flagged, 'drop removes exactly the flagged rows');
  t.equal(zeroRows(testOut), 0, 'no zero survives drop');
});
