// The excel format: one worksheet of an .xlsx workbook as a polars DataFrame, read and written with
// exceljs. Cells carry no column type, so each column's dtype is inferred from its values on load.

import { DatasetError, didYouMean, type Format } from '@dagrun/core';
import type { DataFrame, Series } from 'nodejs-polars';
import type { Cell, CellValue, Workbook, Worksheet } from 'exceljs';
import { checkTable, dtypeOf, loadPolars, type DtypeName, type Polars } from './polars.js';

export interface ExcelOptions {
  /** Sheet name, or 0-based index; default the first sheet. A save writes one sheet named by it (or `Sheet1`). */
  readonly sheet?: string | number;
  readonly has_header?: boolean;
  readonly skip_rows?: number;
  readonly columns?: string[];
  readonly dtypes?: Record<string, DtypeName>;
}

type Exceljs = typeof import('exceljs');
let exceljs: Exceljs | undefined;
const loadExceljs = async (): Promise<Exceljs> => {
  // exceljs is CommonJS: its classes sit on the default export.
  exceljs ??= ((await import('exceljs')) as unknown as { default: Exceljs }).default;
  return exceljs;
};

type Value = number | string | boolean | Date | null;

/** A cell as a plain value: formulas give their cached result, rich text and links their text, errors null. */
const cellValue = (cell: Cell): Value => {
  const v: CellValue = cell.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v instanceof Date) return v;
  if ('result' in v)
    return v.result === undefined || (typeof v.result === 'object' && !(v.result instanceof Date)) ? null : v.result;
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('text' in v) return String(v.text);
  return null;
};

const pickSheet = (book: Workbook, sheet: string | number | undefined): Worksheet => {
  const sheets = book.worksheets;
  const names = sheets.map((s) => `'${s.name}'`).join(', ');
  if (typeof sheet === 'string') {
    const found = sheets.find((s) => s.name === sheet);
    if (found) return found;
    const mean = didYouMean(
      sheet,
      sheets.map((s) => s.name),
    );
    throw new DatasetError(
      'DAGRUN_ERR_DATASET_LOAD',
      `Sheet '${sheet}': expected a sheet of the workbook (${names}), but got no sheet of that name.`,
      { hint: mean ? `Hint: ${mean}` : undefined },
    );
  }
  const found = sheets[sheet ?? 0];
  if (found) return found;
  throw new DatasetError(
    'DAGRUN_ERR_DATASET_LOAD',
    `Sheet index ${sheet ?? 0}: expected 0–${sheets.length - 1} (the workbook's sheets are ${names}), ` +
      `but got no sheet at that index.`,
    {
      hint: sheets.length === 0 ? 'Hint: the workbook has no sheet at all.' : undefined,
    },
  );
};

/** Header cells as unique column names; an empty header cell is `column_<n>` (1-based), as polars names CSV columns. */
const columnNames = (header: readonly Value[], width: number): string[] => {
  const seen = new Map<string, number>();
  return Array.from({ length: width }, (_, i) => {
    const raw = header[i];
    const base =
      raw === null || raw === undefined || raw === ''
        ? `column_${i + 1}`
        : raw instanceof Date
          ? raw.toISOString()
          : String(raw);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  });
};

const isMidnight = (d: Date): boolean =>
  d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;

/**
 * One column as a Series with the narrowest dtype its values allow: bool, int64 (whole numbers),
 * float64, date (dates at midnight, unless the cells show a time), datetime, else str. An empty column is str.
 */
const toSeries = (pl: Polars, name: string, values: Value[], showsTime: boolean): Series => {
  const present = values.filter((v) => v !== null);
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return pl.Series(name, values, pl.Bool);
  if (present.length > 0 && present.every((v) => typeof v === 'number')) {
    return pl.Series(name, values, present.every((v) => Number.isSafeInteger(v)) ? pl.Int64 : pl.Float64);
  }
  if (present.length > 0 && present.every((v) => v instanceof Date)) {
    return pl.Series(
      name,
      values,
      !showsTime && present.every((v) => isMidnight(v as Date)) ? pl.Date : pl.Datetime('ms'),
    );
  }
  return pl.Series(
    name,
    values.map((v) => (v === null ? null : v instanceof Date ? v.toISOString() : String(v))),
    pl.Utf8,
  );
};

const readSheet = async (book: Workbook, o: ExcelOptions): Promise<DataFrame> => {
  const pl = await loadPolars();
  const ws = pickSheet(book, o.sheet);
  const hasHeader = o.has_header ?? true;
  const first = (o.skip_rows ?? 0) + 1;
  const rows: Value[][] = [];
  const timed: boolean[] = [];
  let width = 0;
  for (let r = first; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    width = Math.max(width, row.cellCount);
    const values: Value[] = [];
    row.eachCell({ includeEmpty: true }, (cell, c) => {
      values[c - 1] = cellValue(cell);
      if (cell.value instanceof Date && /h/i.test(cell.numFmt ?? '')) timed[c - 1] = true;
    });
    rows.push(values);
  }
  const header = hasHeader ? (rows.shift() ?? []) : [];
  const names = columnNames(header, width);
  let df = pl.DataFrame(
    names.map((name, c) =>
      toSeries(
        pl,
        name,
        rows.map((row) => row[c] ?? null),
        timed[c] === true,
      ),
    ),
  );
  if (o.columns) {
    const missing = o.columns.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_LOAD',
        `Columns of sheet '${ws.name}': expected ${missing.map((c) => `'${c}'`).join(', ')} ` +
          `among ${names.map((c) => `'${c}'`).join(', ')}, but got no such column.`,
      );
    }
    df = df.select(...o.columns);
  }
  if (o.dtypes) df = df.withColumns(...Object.entries(o.dtypes).map(([c, t]) => pl.col(c).cast(dtypeOf(pl, t))));
  return df;
};

/** Number formats that keep a date a date (and a time a time) when the file is opened in a spreadsheet. */
const numFmtOf = (series: Series): string | undefined => {
  const variant = (series.dtype as { variant?: string }).variant;
  return variant === 'Date' ? 'yyyy-mm-dd' : variant === 'Datetime' ? 'yyyy-mm-dd hh:mm:ss' : undefined;
};

/** A value exceljs writes as a cell: lists and structs become JSON text, big integers numbers. */
const cellOf = (v: unknown): Value => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'bigint') return Number(v);
  return JSON.stringify(v);
};

const writeSheet = async (df: DataFrame, o: ExcelOptions): Promise<Workbook> => {
  if (typeof o.sheet === 'number' && o.sheet !== 0) {
    throw new Error(
      `Sheet index ${o.sheet}: expected a sheet name or 0 to write the one sheet a save makes, but got ${o.sheet}.`,
    );
  }
  const { Workbook } = await loadExceljs();
  const book = new Workbook();
  const ws = book.addWorksheet(typeof o.sheet === 'string' ? o.sheet : 'Sheet1');
  const series = df.getColumns();
  ws.columns = series.map((s) => ({ key: s.name, ...(numFmtOf(s) ? { style: { numFmt: numFmtOf(s)! } } : {}) }));
  if (o.has_header ?? true) ws.addRow(df.columns);
  const columns = series.map((s) => s.toArray() as unknown[]);
  for (let r = 0; r < df.height; r++) ws.addRow(columns.map((col) => cellOf(col[r])));
  return book;
};

export const excelFormat: Format<DataFrame, ExcelOptions> = {
  name: 'excel',
  check: checkTable,
  async decode(bytes, o) {
    const { Workbook } = await loadExceljs();
    const book = new Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    return readSheet(book, o);
  },
  async readPath(path, o) {
    const { Workbook } = await loadExceljs();
    const book = new Workbook();
    await book.xlsx.readFile(path);
    return readSheet(book, o);
  },
  encode: async (df, o) => Buffer.from(await (await writeSheet(df, o)).xlsx.writeBuffer()),
  writePath: async (df, path, o) => {
    await (await writeSheet(df, o)).xlsx.writeFile(path);
  },
};
