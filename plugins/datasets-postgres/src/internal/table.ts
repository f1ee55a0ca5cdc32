// `postgres.table`: a table as a polars DataFrame. Loads stream through COPY (optionally some columns,
// rows matching a filter, sorted); saves replace the table atomically (staging table swapped in one
// transaction), append to it, or upsert on key columns. A failed save rolls back and changes nothing.
//
//   listings:
//     type: postgres.table
//     credentials: warehouse
//     table: listings
//     columns: [id, sector, price]
//     filter: { sector: Las Condes }
//     save: { mode: upsert, key: [id] }

import type { DataFrame, DataType } from 'nodejs-polars';
import type pg from 'pg';
import type { Static } from 'typebox';
import {
  datasetType,
  DatasetError,
  describeValue,
  didYouMean,
  type Dataset,
  type DatasetContext,
  type SaveInfo,
} from '@dagrun/core';
import { isDataFrame, loadPolars } from './polars.js';
import { copyOut } from './copy-out.js';
import { writeRows, type WriteMethod } from './copy-in.js';
import {
  currentSchema,
  findRelation,
  hasUniqueKey,
  KIND_NAMES,
  relationColumns,
  relationNames,
  type Relation,
} from './introspect.js';
import { checkIdentifier, checkIdentifiers, checkUnqualified } from './options.js';
import { loadError, saveError, type Target } from './pg-errors.js';
import { Connection } from './pool.js';
import { address, resolveSettings } from './settings.js';
import { identifierProblem, qualified, quoteIdent, randomSuffix, whereClause } from './sql.js';
import { dtypeLabel, emptyFrame, fits, pgTypeFor, selectList, type PgColumn } from './type-map.js';

const TYPE = 'postgres.table';
const names = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true } as const;
const scalar = { type: ['string', 'number', 'boolean', 'null'] } as const;
const SAVE_MODES = ['replace', 'append', 'upsert'] as const;
export type SaveMode = (typeof SAVE_MODES)[number];

const TABLE_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    table: {
      type: 'string',
      minLength: 1,
      description: 'Table name, exactly as in the database (always quoted: case, spaces and dots are kept).',
    },
    schema: {
      type: 'string',
      minLength: 1,
      description: 'Schema of the table. Default: the search_path (public on a default server).',
    },
    columns: {
      ...names,
      description: 'Load only these columns, in this order. Default: every column, in table order.',
    },
    filter: {
      type: 'object',
      additionalProperties: { anyOf: [scalar, { type: 'array', items: scalar, minItems: 1 }] },
      description:
        'Load only rows where every column named equals its value (a list: any of its values; null: IS NULL).',
    },
    order_by: { ...names, description: 'Load rows sorted by these columns, ascending.' },
    save: {
      type: 'object',
      properties: {
        mode: {
          enum: SAVE_MODES,
          description:
            'replace (default): swap in a new table atomically; append: add rows; upsert: ' +
            'insert or update rows by key.',
        },
        key: { ...names, description: 'Key columns: required for upsert; the primary key of a table a save creates.' },
        method: {
          enum: ['auto', 'copy', 'insert'],
          description:
            'How rows are sent: COPY, or batched INSERTs for servers without COPY FROM STDIN. ' +
            'Default auto (COPY where the server takes it).',
        },
      },
      additionalProperties: false,
      if: { properties: { mode: { const: 'upsert' } }, required: ['mode'] },
      // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, not a thenable
      then: { required: ['key'] },
      // Checks nothing; without it TypeBox's type inference takes `then` as always applying.
      else: {},
    },
  },
  required: ['table'],
  additionalProperties: false,
} as const;
export type TableOptions = Static<typeof TABLE_OPTIONS_SCHEMA>;

export const tableType = datasetType({
  name: TYPE,
  description:
    'A PostgreSQL table as a polars DataFrame: streamed loads (COPY), atomic replace, append and upsert saves.',
  schema: TABLE_OPTIONS_SCHEMA,
  persistent: true,
  // Every save mode runs in one transaction (replace swaps in a staging table), rolled back on failure.
  atomicSaves: true,
  create: (options, ctx) => {
    checkIdentifier(ctx.name, TYPE, 'table', options.table);
    checkIdentifier(ctx.name, TYPE, 'schema', options.schema);
    checkUnqualified(ctx.name, TYPE, options.table, options.schema);
    checkIdentifiers(ctx.name, TYPE, 'columns', options.columns);
    checkIdentifiers(ctx.name, TYPE, 'order_by', options.order_by);
    checkIdentifiers(ctx.name, TYPE, 'save.key', options.save?.key);
    for (const k of Object.keys(options.filter ?? {})) checkIdentifier(ctx.name, TYPE, `filter.${k}`, k);
    return new PostgresTable(options, ctx);
  },
});

export class PostgresTable implements Dataset<DataFrame> {
  readonly #options: TableOptions;
  readonly #name: string;
  readonly #connection: Connection;
  readonly #target: Target;

  constructor(options: TableOptions, ctx: DatasetContext) {
    this.#options = options;
    this.#name = ctx.name;
    const settings = resolveSettings(ctx.name, ctx.credentials, process.env, ctx.projectDir);
    this.#connection = new Connection(settings);
    this.#target = { dataset: ctx.name, type: TYPE, settings, object: `table '${this.#label()}'` };
  }

  /** `schema.table` as the entry names it (just `table` without a schema), for messages and describe(). */
  #label(): string {
    const { schema, table } = this.#options;
    return schema === undefined ? table : `${schema}.${table}`;
  }

  describe(): Record<string, unknown> {
    const s = this.#connection.settings;
    const o = this.#options;
    return {
      type: TYPE,
      table: this.#label(),
      host: address(s),
      database: s.database,
      user: s.user,
      ...(o.columns ? { columns: [...o.columns] } : {}),
      ...(o.filter ? { filter: { ...o.filter } } : {}),
      save_mode: o.save?.mode ?? 'replace',
    };
  }

  async exists(): Promise<boolean> {
    try {
      return await this.#connection.withClient(
        async (c) => (await findRelation(c, this.#options.schema, this.#options.table)) !== undefined,
      );
    } catch (err) {
      throw loadError(err, this.#target);
    }
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  async load(): Promise<DataFrame> {
    const o = this.#options;
    try {
      return await this.#connection.withClient(async (c) => {
        const rel = await this.#relation(c);
        const all = await relationColumns(c, rel);
        const byName = new Map(all.map((col) => [col.name, col]));
        const known = (field: string, list: readonly string[]) => {
          const missing = list.filter((n) => !byName.has(n));
          if (missing.length > 0) throw this.#unknownColumns(field, missing, all, rel);
        };
        known('columns', o.columns ?? []);
        known('filter', Object.keys(o.filter ?? {}));
        known('order_by', o.order_by ?? []);
        const columns = o.columns ? o.columns.map((n) => byName.get(n)!) : all;
        const pl = await loadPolars();
        if (columns.length === 0) return emptyFrame(pl, columns);
        const order = o.order_by ? ` ORDER BY ${o.order_by.map(quoteIdent).join(', ')}` : '';
        const sql =
          `COPY (SELECT ${selectList(columns)} ` +
          `FROM ${qualified(rel.schema, rel.name)}${whereClause(o.filter)}${order}) TO STDOUT (FORMAT csv)`;
        return copyOut(c, sql, columns);
      });
    } catch (err) {
      throw loadError(err, this.#target);
    }
  }

  /** The relation to load, or an error naming the nearest existing names. */
  async #relation(c: pg.PoolClient): Promise<Relation> {
    const rel = await findRelation(c, this.#options.schema, this.#options.table);
    if (rel) return rel;
    const mean = didYouMean(this.#options.table, await relationNames(c, this.#options.schema));
    const s = this.#connection.settings;
    throw new DatasetError(
      'DAGRUN_ERR_DATASET_LOAD',
      `Dataset '${this.#name}' (${TYPE}): expected table '${this.#label()}' on ${address(s)}/${s.database}, ` +
        `but got no such table.`,
      {
        hint: mean ? `Hint: ${mean}` : 'Hint: check table and schema in the catalog entry, or save the table first.',
      },
    );
  }

  #unknownColumns(field: string, missing: readonly string[], all: readonly PgColumn[], rel: Relation): DatasetError {
    const mean = didYouMean(
      missing[0]!,
      all.map((c) => c.name),
    );
    return new DatasetError(
      'DAGRUN_ERR_DATASET_LOAD',
      `Dataset '${this.#name}' (${TYPE}), option '${field}': expected columns of table ` +
        `'${rel.schema}.${rel.name}' (${all.map((c) => c.name).join(', ')}), ` +
        `but got ${missing.map((m) => `'${m}'`).join(', ')}.`,
      {
        hint: mean ? `Hint: ${mean}` : undefined,
      },
    );
  }

  async save(data: DataFrame): Promise<SaveInfo> {
    const df = this.#checkFrame(data);
    const mode = this.#options.save?.mode ?? 'replace';
    const key = this.#options.save?.key;
    if (key) await this.#checkKey(df, key, mode);
    try {
      await this.#connection.withClient(async (c) => {
        const option = this.#options.save?.method ?? 'auto';
        const method: WriteMethod =
          option === 'auto' ? ((await this.#connection.supportsCopyIn(c)) ? 'copy' : 'insert') : option;
        await c.query('BEGIN');
        try {
          if (mode === 'replace') await this.#replace(c, df, method);
          else await this.#merge(c, df, method, mode);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
    } catch (err) {
      throw saveError(err, this.#target);
    }
    const s = this.#connection.settings;
    return { location: `postgres://${s.user}@${address(s)}/${s.database}/${this.#label()}` };
  }

  /** The frame, or a DAGRUN_ERR_DATASET_TYPE_MISMATCH error for anything else or a column PostgreSQL cannot hold. */
  #checkFrame(data: unknown): DataFrame {
    const head = `Dataset '${this.#name}' (${TYPE})`;
    if (!isDataFrame(data))
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
        `${head}: expected a polars DataFrame, but got ${describeValue(data)}.`,
      );
    const df = data as DataFrame;
    if (df.width === 0)
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
        `${head}: expected a DataFrame with at least one column, but got none.`,
      );
    const bad = df.columns.filter((n) => identifierProblem(n) !== undefined);
    if (bad.length > 0) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
        `${head}: expected column names PostgreSQL can hold, ` +
          `but got ${bad.map((n) => `'${n.slice(0, 80)}' (${identifierProblem(n)})`).join(', ')}.`,
      );
    }
    const unmapped = df.getColumns().filter((s) => pgTypeFor(s.dtype) === undefined);
    if (unmapped.length > 0) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
        `${head}: expected columns of integer, float, decimal, boolean, string, categorical, date, ` +
          `datetime or time dtype, ` +
          `but got ${unmapped.map((s) => `'${s.name}' (${dtypeLabel(s.dtype)})`).join(', ')}.`,
        {
          hint:
            'Hint: convert these columns first (e.g. a list or struct to a JSON string with .cast(pl.Utf8) after ' +
            'encoding).',
        },
      );
    }
    return df;
  }

  async #checkKey(df: DataFrame, key: readonly string[], mode: SaveMode): Promise<void> {
    const head = `Dataset '${this.#name}' (${TYPE})`;
    const missing = key.filter((k) => !df.columns.includes(k));
    if (missing.length > 0) {
      const mean = didYouMean(missing[0]!, df.columns);
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
        `${head}: expected the key column${key.length > 1 ? 's' : ''} ${key.map((k) => `'${k}'`).join(', ')} ` +
          `in the frame, but got no ${missing.map((m) => `'${m}'`).join(', ')} ` +
          `among ${df.columns.map((c) => `'${c}'`).join(', ')}.`,
        {
          hint: mean ? `Hint: ${mean}` : undefined,
        },
      );
    }
    const pl = await loadPolars();
    // sum() of a boolean Series is a boolean in nodejs-polars 0.24: count as integers.
    const repeated = df
      .select(...key)
      .isDuplicated()
      .cast(pl.Int32)
      .sum() as number;
    if (repeated > 0 && mode !== 'append') {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_SAVE',
        `${head}: expected each key (${key.join(', ')}) once in the frame, but got ${repeated} rows sharing ` +
          `a key with another row. Nothing was written: the table is as it was.`,
        {
          hint: 'Hint: drop the duplicates first, e.g. df.unique({ subset: [...key], keep: "last" }).',
        },
      );
    }
  }

  #columnDefs(df: DataFrame, constraint: string | undefined): string {
    const defs = df.getColumns().map((s) => `${quoteIdent(s.name)} ${pgTypeFor(s.dtype)!}`);
    const key = this.#options.save?.key;
    if (key)
      defs.push(
        `${constraint ? `CONSTRAINT ${quoteIdent(constraint)} ` : ''}PRIMARY KEY (${key.map(quoteIdent).join(', ')})`,
      );
    return defs.join(', ');
  }

  #frameTypes(df: DataFrame): string[] {
    return df.getColumns().map((s) => pgTypeFor(s.dtype)!);
  }

  /** The schema a new table goes to: the one named, else the relation's, else the search_path's first. */
  async #schemaFor(c: pg.PoolClient, rel: Relation | undefined): Promise<string> {
    const schema = this.#options.schema ?? rel?.schema ?? (await currentSchema(c));
    if (schema !== undefined) return schema;
    const s = this.#connection.settings;
    throw new DatasetError(
      'DAGRUN_ERR_DATASET_SAVE',
      `Dataset '${this.#name}' (${TYPE}): expected a schema to create table '${this.#options.table}' ` +
        `in on ${address(s)}/${s.database}, but got an empty search_path.`,
      {
        hint: 'Hint: name the schema in the catalog entry (schema: public).',
      },
    );
  }

  /**
   * Builds the new table under a staging name, fills it, then drops the old one and renames the new one
   * into place: all in the caller's transaction, so readers see the old table or the new one, and the
   * old one is locked only for the swap, not while rows are sent.
   */
  async #replace(c: pg.PoolClient, df: DataFrame, method: WriteMethod): Promise<void> {
    const rel = await findRelation(c, this.#options.schema, this.#options.table);
    if (rel && rel.kind !== 'r' && rel.kind !== 'p') throw this.#notATable(rel, 'replace');
    const schema = await this.#schemaFor(c, rel);
    const stage = `_dagrun_stage_${randomSuffix()}`;
    const staged = qualified(schema, stage);
    const key = this.#options.save?.key;
    await c.query(`CREATE TABLE ${staged} (${this.#columnDefs(df, key ? `${stage}_pkey` : undefined)})`);
    await writeRows(c, staged, df, this.#frameTypes(df), method);
    if (rel) await c.query(`DROP TABLE ${qualified(rel.schema, rel.name)}`);
    await c.query(`ALTER TABLE ${staged} RENAME TO ${quoteIdent(this.#options.table)}`);
    if (key)
      await c.query(
        `ALTER TABLE ${qualified(schema, this.#options.table)} RENAME ` +
          `CONSTRAINT ${quoteIdent(`${stage}_pkey`)} TO ${quoteIdent(constraintName(this.#options.table, 'pkey'))}`,
      );
  }

  /** append and upsert: into the table as it is (created from the frame when missing). */
  async #merge(c: pg.PoolClient, df: DataFrame, method: WriteMethod, mode: 'append' | 'upsert'): Promise<void> {
    const rel = await findRelation(c, this.#options.schema, this.#options.table);
    if (!rel) {
      const schema = await this.#schemaFor(c, undefined);
      const target = qualified(schema, this.#options.table);
      const key = this.#options.save?.key;
      await c.query(
        `CREATE TABLE ${target} ` +
          `(${this.#columnDefs(df, key ? constraintName(this.#options.table, 'pkey') : undefined)})`,
      );
      await writeRows(c, target, df, this.#frameTypes(df), method);
      return;
    }
    if (rel.kind !== 'r' && rel.kind !== 'p' && rel.kind !== 'f') throw this.#notATable(rel, mode);
    const target = qualified(rel.schema, rel.name);
    const columns = await relationColumns(c, rel);
    const types = this.#checkFits(df, columns, rel, mode);
    if (mode === 'append') {
      await writeRows(c, target, df, types, method);
      return;
    }
    const key = this.#options.save!.key!;
    if (!(await hasUniqueKey(c, rel, key))) {
      const s = this.#connection.settings;
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_SAVE',
        `Dataset '${this.#name}' (${TYPE}): expected a primary key or unique constraint on (${key.join(', ')}) ` +
          `of table '${rel.schema}.${rel.name}' on ${address(s)}/${s.database}, but got none. ` +
          `Nothing was written: the table is as it was.`,
        {
          hint:
            `Hint: upsert needs one to find existing rows: ALTER TABLE ${target} ADD PRIMARY KEY ` +
            `(${key.map(quoteIdent).join(', ')});`,
        },
      );
    }
    // Rows go to a temporary table of the target's column types, then one INSERT … ON CONFLICT merges them.
    const temp = quoteIdent(`_dagrun_upsert_${randomSuffix()}`);
    const cols = df.columns.map(quoteIdent).join(', ');
    await c.query(`CREATE TEMPORARY TABLE ${temp} ON COMMIT DROP AS SELECT ${cols} FROM ${target} WITH NO DATA`);
    await writeRows(c, temp, df, types, method);
    const rest = df.columns.filter((n) => !key.includes(n));
    const action =
      rest.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${rest.map((n) => `${quoteIdent(n)} = EXCLUDED.${quoteIdent(n)}`).join(', ')}`;
    await c.query(
      `INSERT INTO ${target} (${cols}) SELECT ${cols} FROM ${temp} ON CONFLICT ` +
        `(${key.map(quoteIdent).join(', ')}) ${action}`,
    );
  }

  /** The existing columns' types for the frame's columns, or one error listing every column that does not fit. */
  #checkFits(df: DataFrame, columns: readonly PgColumn[], rel: Relation, mode: SaveMode): string[] {
    const byName = new Map(columns.map((c) => [c.name, c]));
    const problems: string[] = [];
    const types: string[] = [];
    let hint: string | undefined;
    for (const s of df.getColumns()) {
      const col = byName.get(s.name);
      if (!col) {
        const mean = didYouMean(
          s.name,
          columns.map((c) => c.name),
        );
        problems.push(`'${s.name}' is not a column of the table${mean ? ` (${mean})` : ''}`);
        continue;
      }
      types.push(col.castType);
      if (!fits(s.dtype as DataType, col)) {
        problems.push(`column '${s.name}' is ${col.typeName} in the table, but ${dtypeLabel(s.dtype)} in the frame`);
        hint ??=
          `Hint: cast the column in the node (e.g. pl.col('${s.name}').cast(...)), or save with mode replace ` +
          `to recreate the table from the frame.`;
      }
    }
    if (problems.length > 0) {
      const s = this.#connection.settings;
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
        `Dataset '${this.#name}' (${TYPE}): expected the frame to fit table '${rel.schema}.${rel.name}' ` +
          `on ${address(s)}/${s.database} for ${mode}, but got ${problems.join('; ')}. Nothing was written: ` +
          `the table is as it was.`,
        {
          hint: hint ?? `Hint: the table's columns are ${columns.map((c) => `${c.name} (${c.typeName})`).join(', ')}.`,
        },
      );
    }
    return types;
  }

  #notATable(rel: Relation, mode: SaveMode): DatasetError {
    const s = this.#connection.settings;
    return new DatasetError(
      'DAGRUN_ERR_DATASET_SAVE',
      `Dataset '${this.#name}' (${TYPE}): expected '${rel.schema}.${rel.name}' on ${address(s)}/${s.database} ` +
        `to be a table for ${mode}, but got a ${KIND_NAMES[rel.kind] ?? `relation of kind '${rel.kind}'`}. ` +
        `Nothing was written.`,
    );
  }
}

/** `<table>_<suffix>` cut to PostgreSQL's 63 bytes the way it cuts names itself (whole characters). */
const constraintName = (table: string, suffix: string): string => {
  let base = table;
  while (Buffer.byteLength(`${base}_${suffix}`, 'utf8') > 63) base = [...base].slice(0, -1).join('');
  return `${base}_${suffix}`;
};
