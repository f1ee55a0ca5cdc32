// The dataset types of this plugin: csv, parquet and excel tables, and a `json` that replaces core's
// so `table: true` loads and saves a DataFrame. All sit on core's fileDatasetType: versioning, every
// storage (local disk, s3://, …) and atomic saves come with it.

import {
  fileDatasetType,
  jsonType as coreJsonType,
  type DatasetType,
  type FileOptions,
  type JsonTypeOptions,
} from '@dagrun/core';
import { excelFormat } from './excel.js';
import { csvFormat, jsonTableFormat, parquetFormat } from './formats.js';
import { DTYPE_NAMES } from './polars.js';

const stringList = { type: 'array', items: { type: 'string' } } as const;
const dtypes = { type: 'object', additionalProperties: { enum: [...DTYPE_NAMES] } } as const;

export const csvType = fileDatasetType({
  name: 'csv',
  description: 'A table (polars DataFrame) in a CSV file.',
  format: csvFormat,
  isTabular: () => true,
  properties: {
    separator: {
      type: 'string',
      minLength: 1,
      maxLength: 1,
      description: 'Field separator, one character. Default `,`.',
    },
    has_header: {
      type: 'boolean',
      description: 'Whether the first row holds the column names (read and written). Default `true`.',
    },
    columns: { ...stringList, description: 'Read only these columns.' },
    dtypes: { ...dtypes, description: 'Column types to read with, instead of inferring them.' },
    null_values: { ...stringList, description: 'Strings read as null.' },
    infer_schema_length: {
      type: 'integer',
      minimum: 0,
      description: 'Rows scanned to infer column types; `0` reads every column as a string.',
    },
    try_parse_dates: { type: 'boolean', description: 'Parse date-like strings into dates when reading.' },
    float_precision: {
      type: 'integer',
      minimum: 0,
      description: 'Digits after the decimal point when writing floats.',
    },
  },
});

export const parquetType = fileDatasetType({
  name: 'parquet',
  description: 'A table (polars DataFrame) in a Parquet file.',
  format: parquetFormat,
  isTabular: () => true,
  properties: {
    columns: { ...stringList, description: 'Read only these columns.' },
    compression: {
      enum: ['uncompressed', 'snappy', 'gzip', 'lz4', 'zstd', 'brotli'],
      description: 'Compression when writing. Default `snappy`.',
    },
  },
});

export const excelType = fileDatasetType({
  name: 'excel',
  description: 'A table (polars DataFrame) in one sheet of an Excel workbook (.xlsx).',
  format: excelFormat,
  isTabular: () => true,
  properties: {
    sheet: {
      anyOf: [
        { type: 'string', minLength: 1, maxLength: 31 },
        { type: 'integer', minimum: 0 },
      ],
      description:
        'The sheet to read: its name, or its 0-based index. Default the first sheet. ' +
        'A save writes one sheet with this name (default `Sheet1`).',
    },
    has_header: {
      type: 'boolean',
      description:
        'Whether the first row (after `skip_rows`) holds the column names (read and written). Default `true`; ' +
        'without one, columns are `column_1`, `column_2`, …',
    },
    skip_rows: {
      type: 'integer',
      minimum: 0,
      description: 'Rows above the table to skip when reading (a title, notes). Default `0`.',
    },
    columns: { ...stringList, description: 'Read only these columns, in this order.' },
    dtypes: {
      ...dtypes,
      description:
        'Column types to cast to after reading, instead of the inferred ones (whole numbers read as `int64`).',
    },
  },
});

// Table entries read polars; the rest is core's own json. The schema is core's: it declares `table`
// and `lines` so a catalog checks the same with this plugin or without it.
const tableJsonType = fileDatasetType({ name: 'json', description: '', format: jsonTableFormat, properties: {} });

export const jsonType: DatasetType<FileOptions & JsonTypeOptions> = {
  ...coreJsonType,
  create: (options, ctx) => (options.table ? tableJsonType.create(options, ctx) : coreJsonType.create(options, ctx)),
};
