// `postgres.query`: the result of a SELECT as a polars DataFrame, read-only. The SQL comes from the
// entry or a .sql file; `params` binds $1, $2, … to values or to `params:` keys of parameters.yaml.
// COPY takes no bound parameters, so a query with params runs once into a temporary table (bound on
// the server, never spliced into the text) that is then streamed like a table.
//
//   expensive_listings:
//     type: postgres.query
//     credentials: warehouse
//     sql: SELECT * FROM listings WHERE price > $1 AND sector = $2
//     params: [params:min_price, Las Condes]

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { DataFrame } from 'nodejs-polars';
import { CatalogError, ConfigError, DatasetError, didYouMean, flattenParams, type Dataset, type DatasetContext, type DatasetType } from '@dagrun/core';
import { copyOut } from './copy-out.js';
import { resultColumns } from './introspect.js';
import { loadError, type Target } from './pg-errors.js';
import { Connection } from './pool.js';
import { address, resolveSettings } from './settings.js';
import { quoteIdent, randomSuffix } from './sql.js';
import { selectList } from './type-map.js';

type Scalar = string | number | boolean | null;

export interface QueryOptions {
  readonly sql?: string;
  readonly file?: string;
  readonly params?: readonly Scalar[];
}

const TYPE = 'postgres.query';
const PARAM_REF = 'params:';

export const querySchema = {
  type: 'object',
  properties: {
    sql: { type: 'string', minLength: 1, description: 'The query (one SELECT, WITH … SELECT, VALUES or TABLE statement); $1, $2, … are the params.' },
    file: { type: 'string', minLength: 1, description: 'A .sql file holding the query, relative to the project. Give sql or file, not both.' },
    params: {
      type: 'array',
      items: { type: ['string', 'number', 'boolean', 'null'] },
      description: 'Values bound to $1, $2, …: literals, or params:key to take a value from parameters.yaml.',
    },
  },
  additionalProperties: false,
} as const;

export const queryType: DatasetType<QueryOptions> = {
  name: TYPE,
  description: 'The result of a SQL query on PostgreSQL as a polars DataFrame (read-only), with parameters bound from params:.',
  schema: querySchema as unknown as Record<string, unknown>,
  persistent: true,
  create: (options, ctx) => new PostgresQuery(options, ctx),
};

/** The query text from the entry, trailing semicolons (and comments after them) removed. */
const queryText = (o: QueryOptions, ctx: DatasetContext): { sql: string; file: string | undefined } => {
  const subject = `Catalog entry '${ctx.name}' (${TYPE})`;
  if ((o.sql === undefined) === (o.file === undefined)) {
    throw new CatalogError('DAGRUN_ERR_CATALOG_OPTIONS', `${subject}: expected exactly one of 'sql' or 'file', but got ${o.sql === undefined ? 'neither' : 'both'}.`, {
      hint: 'Hint: sql: SELECT … for a short query, file: sql/name.sql for a long one.',
    });
  }
  let sql = o.sql;
  if (o.file !== undefined) {
    const path = isAbsolute(o.file) ? o.file : resolve(ctx.projectDir, o.file);
    if (!existsSync(path)) {
      throw new CatalogError('DAGRUN_ERR_CATALOG_OPTIONS', `${subject}, field 'file': expected a .sql file at ${o.file} (relative to the project), but got no such file.`);
    }
    sql = readFileSync(path, 'utf8');
  }
  const text = sql!.replace(/;(\s*(--[^\n]*)?)*$/, '').trim();
  if (text === '') throw new CatalogError('DAGRUN_ERR_CATALOG_OPTIONS', `${subject}: expected a query in ${o.file ?? "'sql'"}, but got an empty text.`);
  return { sql: text, file: o.file };
};

export class PostgresQuery implements Dataset<DataFrame> {
  readonly #name: string;
  readonly #sql: string;
  readonly #file: string | undefined;
  readonly #params: readonly Scalar[];
  readonly #ctx: DatasetContext;
  readonly #connection: Connection;
  readonly #target: Target;

  constructor(options: QueryOptions, ctx: DatasetContext) {
    this.#name = ctx.name;
    this.#ctx = ctx;
    const { sql, file } = queryText(options, ctx);
    this.#sql = sql;
    this.#file = file;
    this.#params = options.params ?? [];
    this.#checkParams();
    const settings = resolveSettings(ctx.name, ctx.credentials, process.env, ctx.projectDir);
    this.#connection = new Connection(settings);
    this.#target = { dataset: ctx.name, type: TYPE, settings, object: file ? `the query of ${file}` : 'the query' };
  }

  /** A `params:` reference parameters.yaml does not define fails when the catalog is built, before anything runs. */
  #checkParams(): void {
    this.#params.forEach((p, i) => {
      if (typeof p !== 'string' || !p.startsWith(PARAM_REF) || this.#ctx.hasParameter(p)) return;
      const all = this.#ctx.parameter('parameters');
      const known = all && typeof all === 'object' ? [...flattenParams(all as Record<string, unknown>).keys()].filter((k) => k !== 'parameters') : [];
      const mean = didYouMean(p, known);
      throw new ConfigError('DAGRUN_ERR_PARAMS_UNKNOWN', `Parameter '${p}' of catalog entry '${this.#name}' (${TYPE}), params.${i}: expected a key defined in parameters.yaml, but got no such key.`, {
        hint: mean ? `Hint: ${mean}` : `Hint: add '${p.slice(PARAM_REF.length)}' to conf/base/parameters.yaml.`,
      });
    });
  }

  #values(): unknown[] {
    return this.#params.map((p) => (typeof p === 'string' && p.startsWith(PARAM_REF) ? this.#ctx.parameter(p) : p));
  }

  describe(): Record<string, unknown> {
    const s = this.#connection.settings;
    const oneLine = this.#sql.replace(/\s+/g, ' ');
    return {
      type: TYPE,
      query: this.#file ?? (oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine),
      ...(this.#params.length > 0 ? { params: [...this.#params] } : {}),
      host: address(s),
      database: s.database,
      user: s.user,
    };
  }

  save(): never {
    throw new DatasetError('DAGRUN_ERR_DATASET_SAVE', `Dataset '${this.#name}' (${TYPE}): expected a dataset that can be written, but got a query, which is read-only.`, {
      hint: 'Hint: write the frame to a postgres.table entry instead.',
    });
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  async load(): Promise<DataFrame> {
    const values = this.#values();
    try {
      return await this.#connection.withClient(async (c) => {
        // The result's columns and types, without running the query for its rows.
        const probe = await c.query({ text: `SELECT * FROM (\n${this.#sql}\n) AS q LIMIT 0`, values });
        const seen = new Set<string>();
        const twice = probe.fields.map((f) => f.name).filter((n) => seen.size === seen.add(n).size);
        if (twice.length > 0) {
          throw new DatasetError('DAGRUN_ERR_DATASET_LOAD', `Dataset '${this.#name}' (${TYPE}): expected distinct column names in the result, but got ${[...new Set(twice)].map((n) => `'${n}'`).join(', ')} more than once.`, {
            hint: 'Hint: give the columns distinct names with AS in the query.',
          });
        }
        const columns = await resultColumns(c, probe.fields);
        if (values.length === 0) return copyOut(c, `COPY (SELECT ${selectList(columns, 'q')} FROM (\n${this.#sql}\n) AS q) TO STDOUT (FORMAT csv)`, columns);
        const temp = quoteIdent(`_dagrun_query_${randomSuffix()}`);
        await c.query('BEGIN');
        try {
          await c.query({ text: `CREATE TEMPORARY TABLE ${temp} ON COMMIT DROP AS\n${this.#sql}\n`, values });
          const df = await copyOut(c, `COPY (SELECT ${selectList(columns)} FROM ${temp}) TO STDOUT (FORMAT csv)`, columns);
          await c.query('COMMIT');
          return df;
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
    } catch (err) {
      const wrapped = loadError(err, this.#target);
      if (/bind message supplies \d+ parameters/.test(wrapped.message)) {
        return Promise.reject(new DatasetError(wrapped.code, wrapped.detail, { hint: `Hint: params gives ${values.length} value${values.length === 1 ? '' : 's'}; the query must use exactly $1 to $${values.length}.`, cause: err }));
      }
      throw wrapped;
    }
  }
}
