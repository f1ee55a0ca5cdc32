// nodejs-polars, imported on first use so a project that lists this plugin but runs no table node
// (`dagrun catalog list`, `dagrun check`) does not pay for loading the native library.

import { describeValue } from '@dagrun/core';
import type { DataFrame } from 'nodejs-polars';

export type Polars = typeof import('nodejs-polars').default;

let polars: Polars | undefined;
export const loadPolars = async (): Promise<Polars> => {
  polars ??= (await import('nodejs-polars')).default;
  return polars;
};

/** A DataFrame by shape, so a second copy of polars in node_modules still counts. */
export const isDataFrame = (v: unknown): v is DataFrame =>
  v !== null &&
  typeof v === 'object' &&
  typeof (v as DataFrame).writeCSV === 'function' &&
  Array.isArray((v as DataFrame).columns);

/** The `check` of every table format: a sentence when `data` is not a DataFrame. */
export const checkTable = (data: unknown): string | undefined =>
  isDataFrame(data) ? undefined : `expected a polars DataFrame, but got ${describeValue(data)}`;

export const DTYPE_NAMES = ['int32', 'int64', 'float32', 'float64', 'str', 'bool', 'date', 'datetime'] as const;
export type DtypeName = (typeof DTYPE_NAMES)[number];

/** The polars data type each name in a catalog's `dtypes` stands for. */
export const dtypeOf = (pl: Polars, name: DtypeName) =>
  ({
    int32: pl.Int32,
    int64: pl.Int64,
    float32: pl.Float32,
    float64: pl.Float64,
    str: pl.Utf8,
    bool: pl.Bool,
    date: pl.Date,
    datetime: pl.Datetime('ms'),
  })[name];
