// What the server knows about tables and results: whether a relation exists and of which kind, its
// columns with their base types, the names near a missing one, and whether a unique key covers a list
// of columns. Names are passed as bound values (regclass input parses them), never spliced into SQL.

import type pg from 'pg';
import { qualified } from './sql.js';
import type { PgColumn } from './type-map.js';

export interface Relation {
  readonly oid: number;
  /** r table, p partitioned table, v view, m materialized view, f foreign table. */
  readonly kind: string;
  readonly schema: string;
  readonly name: string;
}

export const KIND_NAMES: Record<string, string> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  S: 'sequence',
  i: 'index',
  c: 'composite type',
};

/** The relation `schema.table` (or `table` through the search_path), or undefined when there is none. */
export const findRelation = async (
  client: pg.ClientBase,
  schema: string | undefined,
  table: string,
): Promise<Relation | undefined> => {
  const r = await client.query<{ oid: string; kind: string; schema: string; name: string }>(
    `SELECT c.oid::int8::text AS oid, c.relkind::text AS kind, n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [qualified(schema, table)],
  );
  const row = r.rows[0];
  return row ? { oid: Number(row.oid), kind: row.kind, schema: row.schema, name: row.name } : undefined;
};

/** The schema new tables go to when none is named: the first existing schema of the search_path. */
export const currentSchema = async (client: pg.ClientBase): Promise<string | undefined> =>
  (await client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s ?? undefined;

const COLUMN_SQL = `
  SELECT a.attname AS name,
         bt.oid::int8::text AS oid,
         format_type(a.atttypid, a.atttypmod) AS type_name,
         quote_ident(tn.nspname) || '.' || quote_ident(t.typname) AS cast_type,
         bt.typcategory::text AS category
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_namespace tn ON tn.oid = t.typnamespace
    JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
   WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY a.attnum`;

/** The columns of a relation, in table order. */
export const relationColumns = async (client: pg.ClientBase, rel: Relation): Promise<PgColumn[]> => {
  const r = await client.query<{ name: string; oid: string; type_name: string; cast_type: string; category: string }>(
    COLUMN_SQL,
    [rel.oid],
  );
  return r.rows.map((row) => ({
    name: row.name,
    oid: Number(row.oid),
    typeName: row.type_name,
    castType: row.cast_type,
    category: row.category,
  }));
};

/** The columns a query returns, from its RowDescription (domains already come as their base type). */
export const resultColumns = async (
  client: pg.ClientBase,
  fields: ReadonlyArray<{ name: string; dataTypeID: number }>,
): Promise<PgColumn[]> => {
  const oids = [...new Set(fields.map((f) => f.dataTypeID))];
  const r = await client.query<{ oid: string; type_name: string; category: string }>(
    'SELECT oid::int8::text AS oid, format_type(oid, NULL) AS type_name, typcategory::text AS category ' +
      'FROM pg_type WHERE oid = ANY($1::oid[])',
    [oids],
  );
  const byOid = new Map(r.rows.map((row) => [Number(row.oid), row]));
  return fields.map((f) => {
    const typeName = byOid.get(f.dataTypeID)?.type_name ?? 'unknown';
    return {
      name: f.name,
      oid: f.dataTypeID,
      typeName,
      castType: typeName,
      category: byOid.get(f.dataTypeID)?.category ?? 'X',
    };
  });
};

/** Names of the tables and views in `schema` (or in the search_path), for did-you-mean hints. */
export const relationNames = async (client: pg.ClientBase, schema: string | undefined): Promise<string[]> => {
  const r = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND (CASE WHEN $1::text IS NULL THEN n.nspname = ANY(current_schemas(false)) ELSE n.nspname = $1::text END)`,
    [schema ?? null],
  );
  return r.rows.map((row) => row.name);
};

/** Whether a primary key or unique constraint/index (not partial, no expressions) covers exactly `columns`. */
export const hasUniqueKey = async (
  client: pg.ClientBase,
  rel: Relation,
  columns: readonly string[],
): Promise<boolean> => {
  const r = await client.query(
    `SELECT 1 FROM pg_index i
      WHERE i.indrelid = $1::oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        AND i.indnkeyatts = cardinality($2::text[])
        AND (SELECT array_agg(a.attname::text) FROM pg_attribute a
              WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey[0:i.indnkeyatts - 1])) @> $2::text[]`,
    [rel.oid, columns],
  );
  return (r.rowCount ?? 0) > 0;
};
