// Core's formats: JSON and YAML values, text. Tables (csv, parquet, json records, excel) are the
// @dagrun/datasets-polars plugin's: core imports no DataFrame library.

import type { Static } from 'typebox';
import { describeValue, isDataFrame } from '../describe.js';
import type { Format } from './dataset.js';
import { CORE_SCHEMA, dump as stringifyYaml, load as loadYaml } from 'js-yaml';

// Each format's options are a JSON Schema whose properties go into its dataset types' schemas (see
// builtins.ts) and whose type, read off it, is what encode and decode get.

/** `indent`: spaces of indentation; 0 writes one line. */
export const JSON_OPTIONS_SCHEMA = {
  type: 'object',
  properties: { indent: { type: 'integer', minimum: 0, maximum: 8 } },
} as const;
export type JsonOptions = Static<typeof JSON_OPTIONS_SCHEMA>;

const checkSerialisable = (data: unknown): string | undefined => {
  if (data === undefined) return 'expected a JSON-serialisable value, but got undefined';
  if (typeof data === 'function') return 'expected a JSON-serialisable value, but got a function';
  if (isDataFrame(data)) return 'expected a plain object, but got a DataFrame (use `table: true` for tables)';
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

export const TEXT_OPTIONS_SCHEMA = {
  type: 'object',
  properties: { encoding: { enum: ['utf8', 'latin1', 'ascii', 'utf16le'] } },
} as const;
export type TextOptions = Static<typeof TEXT_OPTIONS_SCHEMA>;

export const textFormat: Format<string, TextOptions> = {
  name: 'text',
  check: (data) => (typeof data === 'string' ? undefined : `expected a string, but got ${describeValue(data)}`),
  decode: (bytes, o) => bytes.toString(o.encoding ?? 'utf8'),
  encode: (data, o) => Buffer.from(data, o.encoding ?? 'utf8'),
};
