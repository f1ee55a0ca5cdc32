// The table formats moved out of core: csv and parquet files, and JSON records (an array, or JSON
// Lines) for `json` with `table: true`. Each reads and writes a polars DataFrame.

import type { Format } from '@dagrun/core';
import type { DataFrame } from 'nodejs-polars';
import { checkTable, dtypeOf, loadPolars, type DtypeName, type Polars } from './polars.js';

const toDtypes = (pl: Polars, dtypes: Record<string, DtypeName> | undefined) =>
  dtypes ? Object.fromEntries(Object.entries(dtypes).map(([k, v]) => [k, dtypeOf(pl, v)])) : undefined;

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
    // Let polars parse the array of records itself: going through
    // JS numbers (readRecords) turned Int64 columns into Float64.
    return pl.readJSON(bytes, { format: o.lines ? 'lines' : 'json' });
  },
  encode: (df, o) => {
    if (o.lines) return df.writeJSON({ format: 'lines' });
    return Buffer.from(JSON.stringify(df.toRecords()));
  },
};
