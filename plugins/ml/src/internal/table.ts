// Tabular input for RegressionModel without depending on a DataFrame library: a record of columns, an
// array of row objects, or anything shaped like a nodejs-polars DataFrame (columns + getColumn().toArray()).

import { MlError } from './errors.js';

/** Columns by name; each an array or typed array, all of the same length. */
export type Columns = Readonly<Record<string, ArrayLike<unknown>>>;

/** The part of a nodejs-polars Series this package reads (the optional methods make numeric columns fast). */
export interface SeriesLike {
  toArray(): ArrayLike<unknown>;
  toTypedArray?(): ArrayLike<unknown>;
  isNumeric?(): boolean;
  nullCount?(): number;
}

/** The part of a nodejs-polars DataFrame this package reads. */
export interface DataFrameLike {
  readonly columns: readonly string[];
  readonly height: number;
  getColumn(name: string): SeriesLike;
}

/**
 * A column's values: numeric columns without nulls as the typed array polars holds (a copy of its buffer,
 * 20 to 30 times faster than a JavaScript array of numbers); 64-bit integers, nulls and other types as an array.
 */
const seriesValues = (s: SeriesLike): ArrayLike<unknown> => {
  if (typeof s.toTypedArray === 'function' && s.isNumeric?.() === true && s.nullCount?.() === 0) {
    const typed = s.toTypedArray();
    if (!(typed instanceof BigInt64Array) && !(typed instanceof BigUint64Array)) return typed;
  }
  return s.toArray();
};

export type TabularInput = Columns | DataFrameLike | readonly Readonly<Record<string, unknown>>[];

export const isDataFrame = (x: unknown): x is DataFrameLike =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as DataFrameLike).getColumn === 'function' &&
  Array.isArray((x as DataFrameLike).columns);

/** A uniform view: the column names, the row count and a way to get one column. */
export interface Table {
  readonly names: readonly string[];
  readonly rows: number;
  column(name: string): ArrayLike<unknown> | undefined;
}

/** Wraps any accepted input; checks that record columns have equal lengths and that row objects share their fields. */
export const asTable = (input: TabularInput): Table => {
  if (isDataFrame(input)) {
    const cache = new Map<string, ArrayLike<unknown>>();
    return {
      names: input.columns,
      rows: input.height,
      column: (name) => {
        if (!input.columns.includes(name)) return undefined;
        let c = cache.get(name);
        if (!c) cache.set(name, (c = seriesValues(input.getColumn(name))));
        return c;
      },
    };
  }
  if (Array.isArray(input)) {
    const rows = input as readonly Readonly<Record<string, unknown>>[];
    const names = rows.length > 0 ? Object.keys(rows[0]!) : [];
    return {
      names,
      rows: rows.length,
      column: (name) => {
        const out = new Array<unknown>(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          if (!Object.hasOwn(row, name)) {
            if (i === 0) return undefined;
            throw new MlError(
              'DAGRUN_ERR_ML_MISSING_COLUMN',
              `Row ${i}: expected field '${name}' like row 0, but got only ${
                Object.keys(row)
                  .map((k) => `'${k}'`)
                  .join(', ') || 'no field'
              }.`,
            );
          }
          out[i] = row[name];
        }
        return out;
      },
    };
  }
  const cols = input as Columns;
  const names = Object.keys(cols);
  for (const name of names) {
    const c: unknown = cols[name];
    if (typeof c !== 'object' || c === null || typeof (c as ArrayLike<unknown>).length !== 'number') {
      throw new MlError(
        'DAGRUN_ERR_ML_SHAPE',
        `Column '${name}': expected an array of values, but got ${c === null ? 'null' : typeof c}.`,
      );
    }
  }
  const rows = names.length > 0 ? cols[names[0]!]!.length : 0;
  for (const name of names) {
    const len = cols[name]!.length;
    if (len !== rows)
      throw new MlError(
        'DAGRUN_ERR_ML_SHAPE',
        `Column '${name}': expected ${rows} values like column '${names[0]}', but got ${len}.`,
      );
  }
  return { names, rows, column: (name) => (Object.hasOwn(cols, name) ? cols[name] : undefined) };
};
