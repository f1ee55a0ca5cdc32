// SQL text built from catalog options: every identifier goes through quoteIdent and every value
// through pg's escapeLiteral, so no name or value from catalog.yaml reaches the server unquoted.

import { randomBytes } from 'node:crypto';
import { pgLib } from './pg-lib.js';

/** The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer ones are silently cut. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Says what is wrong with `name` as a PostgreSQL identifier, or undefined when it is usable. */
export const identifierProblem = (name: string): string | undefined => {
  if (name.length === 0) return 'an empty name';
  if (name.includes('\0')) return 'a name with a NUL character';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) return `a name of ${bytes} bytes (PostgreSQL keeps ${MAX_IDENTIFIER_BYTES})`;
  return undefined;
};

/** `name` as a quoted identifier: `"` around it, inner `"` doubled. Case and every character are kept. */
export const quoteIdent = (name: string): string => {
  const problem = identifierProblem(name);
  if (problem) throw new Error(`expected a PostgreSQL identifier, but got ${problem}`);
  return `"${name.replace(/"/g, '""')}"`;
};

/** `"schema"."table"`, or `"table"` when no schema is given (the server's search_path decides). */
export const qualified = (schema: string | undefined, table: string): string =>
  schema === undefined ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;

/** A value as a SQL literal of unknown type, resolved by the server from the column it is compared with. */
export const literal = (value: string | number | boolean): string => {
  if (typeof value === 'number' && !Number.isFinite(value))
    return pgLib().escapeLiteral(Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity');
  return pgLib().escapeLiteral(String(value));
};

export type FilterValue = string | number | boolean | null | ReadonlyArray<string | number | boolean | null>;

/**
 * ` WHERE …` for a `filter:` mapping (every condition must hold): a value is compared with `=`, a list
 * with `IN (…)`, null with `IS NULL`; a list holding null also accepts NULL. Empty string when no filter.
 */
export const whereClause = (
  filter: Readonly<Record<string, FilterValue>> | undefined,
  column: (name: string) => string = quoteIdent,
): string => {
  const conditions = Object.entries(filter ?? {}).map(([name, value]) => {
    const col = column(name);
    if (value === null) return `${col} IS NULL`;
    if (!Array.isArray(value)) return `${col} = ${literal(value as string | number | boolean)}`;
    const values = value.filter((v): v is string | number | boolean => v !== null);
    const orNull = values.length < value.length;
    if (values.length === 0) return orNull ? `${col} IS NULL` : 'false';
    const inList = `${col} IN (${values.map(literal).join(', ')})`;
    return orNull ? `(${inList} OR ${col} IS NULL)` : inList;
  });
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
};

/** A random suffix for staging tables, so two saves never pick the same name. */
export const randomSuffix = (): string => randomBytes(5).toString('hex');
