// Built-in formats: csv, parquet and json tables (polars DataFrames), json and yaml objects, text.
// Polars is imported on first use so commands that never touch a table start fast.

import type { Format } from './dataset.js';
import type { DataFrame } from 'nodejs-polars';
import { CORE_SCHEMA, dump as stringifyYaml, load as loadYaml } from 'js-yaml';

type Polars = typeof import('nodejs-polars').default;
let polars: Polars | undefined;
export const loadPolars = async (): Promise<Polars> => {
  polars ??= (await import('nodejs-polars')).default;
  return polars;
};

/** A DataFrame by shape, so a second copy of polars in node_modules still counts. */
export const isDataFrame = (v: unknown): v is DataFrame =>
  v !== null && typeof v === 'object' && typeof (v as DataFrame).writeCSV === 'function' && Array.isArray((v as DataFrame).columns);

const kindOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : isDataFrame(v) ? 'a DataFrame' : typeof v === 'object' ? `an object (${v.constructor?.name ?? 'Object'})` : typeof v;

const checkTable = (data: unknown): string | undefined => (isDataFrame(data) ? undefined : `expected a polars DataFrame, but got ${kindOf(data)}`);

export const DTYPE_NAMES = ['int32', 'int64', 'float32', 'float64', 'str', 'bool', 'date', 'datetime'] as const;
type DtypeName = (typeof DTYPE_NAMES)[number];

const toDtypes = (pl: Polars, dtypes: Record<string, DtypeName> | undefined) => {
  if (!dtypes) return undefined;
  const map = {
    int32: pl.Int32,
    int64: pl.Int64,
    float32: pl.Float32,
    float64: pl.Float64,
    str: pl.Utf8,
    bool: pl.Bool,
    date: pl.Date,
    datetime: pl.Datetime('ms'),
  } as const;
  return Object.fromEntries(Object.entries(dtypes).map(([k, v]) => [k, map[v]]));
};

export interface CsvOptions {
  readonly separator?: string;
  readonly has_header?: boolean;
  readonly columns?: string[];
  readonly dtypes?: Record<string, DtypeName>;
  readonly null_values?: string[];
  readonly infer_schema_length?: number;
  readonly try_parse_dates?: boolean;
  readonly float_precision?: number;
}

const csvReadOptions = (pl: Polars, o: CsvOptions) => {
  const dtypes = toDtypes(pl, o.dtypes);
  return {
    sep: o.separator ?? ',',
    hasHeader: o.has_header ?? true,
    ...(o.columns ? { columns: o.columns } : {}),
    ...(dtypes ? { dtypes } : {}),
    ...(o.null_values ? { nullValues: o.null_values } : {}),
    ...(o.infer_schema_length !== undefined ? { inferSchemaLength: o.infer_schema_length } : {}),
    ...(o.try_parse_dates ? { tryParseDates: true } : {}),
  };
};

const csvWriteOptions = (o: CsvOptions) => ({
  separator: o.separator ?? ',',
  includeHeader: o.has_header ?? true,
  ...(o.float_precision !== undefined ? { floatPrecision: o.float_precision } : {}),
});

export const csvFormat: Format<DataFrame, CsvOptions> = {
  name: 'csv',
  check: checkTable,
  async decode(bytes, o) {
    const pl = await loadPolars();
    return pl.readCSV(bytes, csvReadOptions(pl, o));
  },
  async readPath(path, o) {
    const pl = await loadPolars();
    return pl.readCSV(path, csvReadOptions(pl, o));
  },
  encode: (df, o) => df.writeCSV(csvWriteOptions(o)),
  writePath: (df, path, o) => df.writeCSV(path, csvWriteOptions(o)),
};

export interface ParquetOptions {
  readonly columns?: string[];
  readonly compression?: 'uncompressed' | 'snappy' | 'gzip' | 'lz4' | 'zstd' | 'brotli';
}

export const parquetFormat: Format<DataFrame, ParquetOptions> = {
  name: 'parquet',
  check: checkTable,
  async decode(bytes, o) {
    const pl = await loadPolars();
    return pl.readParquet(bytes, o.columns ? { columns: o.columns } : {});
  },
  async readPath(path, o) {
    const pl = await loadPolars();
    return pl.readParquet(path, o.columns ? { columns: o.columns } : {});
  },
  encode: (df, o) => df.writeParquet({ compression: o.compression ?? 'snappy' }),
  writePath: (df, path, o) => {
    df.writeParquet(path, { compression: o.compression ?? 'snappy' });
  },
};

export interface JsonTableOptions {
  /** Newline-delimited JSON (one record a line) instead of one array of records. */
  readonly lines?: boolean;
}

export const jsonTableFormat: Format<DataFrame, JsonTableOptions> = {
  name: 'json-table',
  check: checkTable,
  async decode(bytes, o) {
    const pl = await loadPolars();
    // Let polars parse the array of records itself: going through JS numbers (readRecords) turned Int64 columns into Float64.
    return pl.readJSON(bytes, { format: o.lines ? 'lines' : 'json' });
  },
  encode: (df, o) => {
    if (o.lines) return df.writeJSON({ format: 'lines' });
    return Buffer.from(JSON.stringify(df.toRecords()));
  },
};

export interface JsonOptions {
  /** Spaces of indentation; 0 writes one line. */
  readonly indent?: number;
}

const checkSerialisable = (data: unknown): string | undefined => {
  if (data === undefined) return 'expected a JSON-serialisable value, but got undefined';
  if (typeof data === 'function') return 'expected a JSON-serialisable value, but got a function';
  if (isDataFrame(data)) return "expected a plain object, but got a DataFrame (use `table: true` for tables)";
  return undefined;
};

export const jsonFormat: Format<unknown, JsonOptions> = {
  name: 'json',
  check: checkSerialisable,
  decode: (bytes) => JSON.parse(bytes.toString('utf8')) as unknown,
  encode: (data, o) => Buffer.from(`${JSON.stringify(data, null, o.indent ?? 2)}\n`),
};

export const yamlFormat: Format<unknown, Record<string, never>> = {
  name: 'yaml',
  check: checkSerialisable,
  decode: (bytes) => loadYaml(bytes.toString('utf8'), { schema: CORE_SCHEMA }) as unknown,
  encode: (data) => Buffer.from(stringifyYaml(data)),
};

export interface TextOptions {
  readonly encoding?: 'utf8' | 'latin1' | 'ascii' | 'utf16le';
}

export const textFormat: Format<string, TextOptions> = {
  name: 'text',
  check: (data) => (typeof data === 'string' ? undefined : `expected a string, but got ${kindOf(data)}`),
  decode: (bytes, o) => bytes.toString(o.encoding ?? 'utf8'),
  encode: (data, o) => Buffer.from(data, o.encoding ?? 'utf8'),
};

export { kindOf };
