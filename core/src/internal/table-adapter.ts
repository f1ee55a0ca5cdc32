// How data contracts reach a table without core knowing its library: a TableAdapter per kind of table.
// Core handles arrays of plain records itself; plugins register adapters (polars). `referenceMask` is
// the meaning of each rule, evaluated in core over a column's values.

import { isPlainObject } from './config.js';

export type ColumnType = 'int' | 'float' | 'string' | 'bool' | 'date' | 'datetime';

/**
 * One rule checked row by row. Every rule but `null` passes a missing value (null, undefined, NaN), and
 * `allowed`, `min`, `max` and `pattern` pass a value of another type: the `type` rule reports it once.
 */
export type RowRule =
  /**
   * int: a whole number (a float column of whole numbers passes); float: any number; date: a Date or
   * 'YYYY-MM-DD'; datetime: a Date or an ISO 8601 date and time.
   */
  | { readonly kind: 'type'; readonly column: string; readonly type: ColumnType }
  | { readonly kind: 'null'; readonly column: string }
  | { readonly kind: 'allowed'; readonly column: string; readonly values: readonly (string | number | boolean)[] }
  | { readonly kind: 'min'; readonly column: string; readonly value: number }
  | { readonly kind: 'max'; readonly column: string; readonly value: number }
  /** A JavaScript regular expression (with the u flag), searched as JSON Schema's `pattern` is. */
  | { readonly kind: 'pattern'; readonly column: string; readonly pattern: string }
  /** The second and later rows holding a value; the first one passes. */
  | { readonly kind: 'unique'; readonly column: string };

/** A kind of table the contract checker can read, filter and extend. Masks hold 1 on the rows meant. */
export interface TableAdapter<T = never> {
  /** Shown in messages, e.g. `polars`. */
  readonly name: string;
  test(value: unknown): boolean;
  columnNames(table: T): readonly string[];
  height(table: T): number;
  /** A column's values, with null for a missing value; read once per column a rule needs. */
  column(table: T, name: string): ArrayLike<unknown>;
  /** The rows whose `keep` is 1, in order. */
  filter(table: T, keep: Uint8Array): T;
  /** The table with a boolean column `name` added (or replaced). */
  withColumn(table: T, name: string, values: Uint8Array): T;
}

type Row = Record<string, unknown>;

/** Arrays of plain objects: a row is a record, a column is a key (absent keys read as null). */
export const recordsAdapter: TableAdapter<Row[]> = {
  name: 'records',
  test: (v) => Array.isArray(v) && v.every(isPlainObject),
  columnNames: (rows) => {
    const names = new Set<string>();
    for (const r of rows) for (const k in r) names.add(k);
    return [...names];
  },
  height: (rows) => rows.length,
  column: (rows, name) => rows.map((r) => r[name] ?? null),
  filter: (rows, keep) => rows.filter((_, i) => keep[i] === 1),
  // New objects: the caller's records stay as they were.
  withColumn: (rows, name, values) => rows.map((r, i) => ({ ...r, [name]: values[i] === 1 })),
};

export const isMissing = (v: unknown): boolean =>
  v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const isNumber = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';

const hasType = (v: unknown, type: ColumnType): boolean => {
  switch (type) {
    case 'int':
      return typeof v === 'bigint' || Number.isInteger(v);
    case 'float':
      return isNumber(v);
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'date':
      return (
        (v instanceof Date && !Number.isNaN(v.getTime())) ||
        (typeof v === 'string' && DATE.test(v) && !Number.isNaN(Date.parse(v)))
      );
    case 'datetime':
      return (
        (v instanceof Date && !Number.isNaN(v.getTime())) ||
        (typeof v === 'string' && DATETIME.test(v) && !Number.isNaN(Date.parse(v)))
      );
  }
};

/** A value as a Set key: bigints as numbers (1n and 1 are the same value), dates by their time. */
const key = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : v);

/** The rows of `values` that break `rule`, by the rule's definition. */
export const referenceMask = (values: ArrayLike<unknown>, rule: RowRule): Uint8Array => {
  const n = values.length;
  const out = new Uint8Array(n);
  const each = (bad: (v: unknown) => boolean): Uint8Array => {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!isMissing(v) && bad(v)) out[i] = 1;
    }
    return out;
  };
  switch (rule.kind) {
    case 'type':
      return each((v) => !hasType(v, rule.type));
    case 'null':
      for (let i = 0; i < n; i++) if (isMissing(values[i])) out[i] = 1;
      return out;
    case 'allowed': {
      const allowed = new Set<unknown>(rule.values);
      const kinds = new Set(rule.values.map((a) => typeof a));
      // Compared as written: a Date is not one of the numbers allowed, it is another type.
      return each((v) => {
        const k = typeof v === 'bigint' ? Number(v) : v;
        return kinds.has(typeof k) && !allowed.has(k);
      });
    }
    case 'min':
      return each((v) => isNumber(v) && v < rule.value);
    case 'max':
      return each((v) => isNumber(v) && v > rule.value);
    case 'pattern': {
      const re = new RegExp(rule.pattern, 'u');
      return each((v) => typeof v === 'string' && !re.test(v));
    }
    case 'unique': {
      const seen = new Set<unknown>();
      return each((v) => {
        const k = key(v);
        if (seen.has(k)) return true;
        seen.add(k);
        return false;
      });
    }
  }
};

/** JSON-safe example values: bigints as numbers, dates as ISO strings. */
export const plainValue = (v: unknown): unknown => {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v === undefined ? null : v;
};
