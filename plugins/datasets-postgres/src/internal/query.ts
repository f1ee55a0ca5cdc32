// `postgres.query`: the result of a SELECT as a polars DataFrame, read-only: the query runs in a READ ONLY
// transaction, so the server refuses any write it would make. The SQL comes from the entry or a .sql file;
// `params` binds $1, $2, … to values or to `params:` keys of parameters.yaml. COPY takes no bound
// parameters, so a query with params runs once into a temporary table (bound on the server, never spliced
// into the text) that is then streamed like a table.
//
//   expensive_listings:
//     type: postgres.query
//     credentials: warehouse
//     sql: SELECT * FROM listings WHERE price > $1 AND sector = $2
//     params: [params:min_price, Las Condes]

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { DataFrame } from 'nodejs-polars';
import type pg from 'pg';
import type { Static } from 'typebox';
import {
  CatalogError,
  ConfigError,
  datasetType,
  DatasetError,
  didYouMean,
  flattenParams,
  type Dataset,
  type DatasetContext,
} from '@dagrun/core';
import { copyOut } from './copy-out.js';
import { resultColumns } from './introspect.js';
import { loadError, redact, serverSays, type Target } from './pg-errors.js';
import { Connection } from './pool.js';
import { address, resolveSettings } from './settings.js';
import { quoteIdent, randomSuffix } from './sql.js';
import { selectList, type PgColumn } from './type-map.js';

const TYPE = 'postgres.query';
const PARAM_REF = 'params:';
/** What `SELECT * FROM (…) AS q` takes: any other statement would fail there with a syntax error. */
const QUERY_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);
/** Whitespace, comments and opening parentheses before a statement's first keyword. */
const LEADING = /^(?:\s|--[^\n]*|\/\*[\s\S]*?\*\/|\()*/;
/** SQLSTATE read_only_sql_transaction: the query tried to write. */
const READ_ONLY_SQL_TRANSACTION = '25006';
const WRITE_HINT =
  'Hint: a postgres.query entry only reads (it runs in a read-only transaction); write a table ' +
  'with a postgres.table entry.';

const QUERY_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    sql: {
      type: 'string',
      minLength: 1,
      description: 'The query (one SELECT, WITH … SELECT, VALUES or TABLE statement); $1, $2, … are the params.',
    },
    file: {
      type: 'string',
      minLength: 1,
      description: 'A .sql file holding the query, relative to the project. Give sql or file, not both.',
    },
    params: {
      type: 'array',
      items: { type: ['string', 'number', 'boolean', 'null'] },
      description: 'Values bound to $1, $2, …: literals, or params:key to take a value from parameters.yaml.',
    },
  },
  additionalProperties: false,
} as const;
export type QueryOptions = Static<typeof QUERY_OPTIONS_SCHEMA>;
type Scalar = NonNullable<QueryOptions['params']>[number];

export const queryType = datasetType({
  name: TYPE,
  description:
    'The result of a SQL query on PostgreSQL as a polars DataFrame (read-only), with parameters bound from params:.',
  schema: QUERY_OPTIONS_SCHEMA,
  persistent: true,
  create: (options, ctx) => new PostgresQuery(options, ctx),
});

/** The query text from the entry, trailing semicolons (and comments after them) removed. */
const queryText = (o: QueryOptions, ctx: DatasetContext): { sql: string; file: string | undefined } => {
  const subject = `Catalog entry '${ctx.name}' (${TYPE})`;
  if ((o.sql === undefined) === (o.file === undefined)) {
    throw new CatalogError(
      'DAGRUN_ERR_CATALOG_OPTIONS',
      `${subject}: expected exactly one of 'sql' or 'file', but got ${o.sql === undefined ? 'neither' : 'both'}.`,
      {
        hint: 'Hint: sql: SELECT … for a short query, file: sql/name.sql for a long one.',
      },
    );
  }
  let sql = o.sql;
  if (o.file !== undefined) {
    const path = isAbsolute(o.file) ? o.file : resolve(ctx.projectDir, o.file);
    if (!existsSync(path)) {
      throw new CatalogError(
        'DAGRUN_ERR_CATALOG_OPTIONS',
        `${subject}, field 'file': expected a .sql file at ${o.file} (relative to the project), but got no such file.`,
      );
    }
    sql = readFileSync(path, 'utf8');
  }
  const text = sql!.replace(/;(\s*(--[^\n]*)?)*$/, '').trim();
  if (text === '')
    throw new CatalogError(
      'DAGRUN_ERR_CATALOG_OPTIONS',
      `${subject}: expected a query in ${o.file ?? "'sql'"}, but got an empty text.`,
    );
  // Named here, when the catalog is built, rather than left to the server's syntax error.
  const keyword = /^[a-z]+/i.exec(text.slice(LEADING.exec(text)![0].length))?.[0].toUpperCase();
  if (keyword !== undefined && !QUERY_KEYWORDS.has(keyword)) {
    const where = o.file === undefined ? `${subject}, field 'sql'` : `${subject}, field 'file'`;
    throw new CatalogError(
      'DAGRUN_ERR_CATALOG_OPTIONS',
      `${where}: expected a query that only reads (SELECT, WITH … SELECT, VALUES or TABLE), ` +
        `but got ${/^[AEIOU]/.test(keyword) ? 'an' : 'a'} ${keyword} ` +
        `statement${o.file === undefined ? '' : ` in ${o.file}`}.`,
      {
        hint: WRITE_HINT,
      },
    );
  }
  return { sql: text, file: o.file };
};

/** Runs `fn` between `begin` and COMMIT; rolls back when it fails. */
const inTransaction = async <T>(c: pg.PoolClient, begin: string, fn: () => Promise<T>): Promise<T> => {
  await c.query(begin);
  try {
    const out = await fn();
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
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
      const known =
        all && typeof all === 'object'
          ? [...flattenParams(all as Record<string, unknown>).keys()].filter((k) => k !== 'parameters')
          : [];
      const mean = didYouMean(p, known);
      throw new ConfigError(
        'DAGRUN_ERR_PARAMS_UNKNOWN',
        `Parameter '${p}' of catalog entry '${this.#name}' (${TYPE}), params.${i}: expected a key defined ` +
          `in parameters.yaml, but got no such key.`,
        {
          hint: mean ? `Hint: ${mean}` : `Hint: add '${p.slice(PARAM_REF.length)}' to conf/base/parameters.yaml.`,
        },
      );
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
    throw new DatasetError(
      'DAGRUN_ERR_DATASET_SAVE',
      `Dataset '${this.#name}' (${TYPE}): expected a dataset that can be written, but got a query, which is read-only.`,
      {
        hint: 'Hint: write the frame to a postgres.table entry instead.',
      },
    );
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  async load(): Promise<DataFrame> {
    const values = this.#values();
    try {
      return await this.#connection.withClient(async (c) => {
        if (values.length === 0) {
          return inTransaction(c, 'BEGIN READ ONLY', async () => {
            const columns = await this.#columns(c, values);
            return copyOut(
              c,
              `COPY (SELECT ${selectList(columns, 'q')} FROM (\n${this.#sql}\n) AS q) TO STDOUT (FORMAT csv)`,
              columns,
            );
          });
        }
        // A read-only transaction cannot create the temporary table, so it is made first (from PostgreSQL 13,
        // WITH NO DATA only reads the query's column types: nothing of it is planned or run), then the
        // transaction turns read-only before the query runs into it (writing a temporary table stays allowed).
        const columns = await inTransaction(c, 'BEGIN READ ONLY', () => this.#columns(c, values));
        const temp = quoteIdent(`_dagrun_query_${randomSuffix()}`);
        return inTransaction(c, 'BEGIN', async () => {
          await c.query({
            text: `CREATE TEMPORARY TABLE ${temp} ON COMMIT DROP AS SELECT * FROM (\n${this.#sql}\n) AS q WITH NO DATA`,
            values,
          });
          await c.query('SET TRANSACTION READ ONLY');
          await c.query({ text: `INSERT INTO ${temp}\n${this.#sql}\n`, values });
          return copyOut(c, `COPY (SELECT ${selectList(columns)} FROM ${temp}) TO STDOUT (FORMAT csv)`, columns);
        });
      });
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code === READ_ONLY_SQL_TRANSACTION) {
        const settings = this.#connection.settings;
        throw new DatasetError(
          'DAGRUN_ERR_DATASET_LOAD',
          redact(
            `Dataset '${this.#name}' (${TYPE}): expected a query that only reads, but got one that ` +
              `writes: ${serverSays(err)}.`,
            settings,
          ),
          { hint: WRITE_HINT, cause: err },
        );
      }
      const wrapped = loadError(err, this.#target);
      if (/bind message supplies \d+ parameters/.test(wrapped.message)) {
        return Promise.reject(
          new DatasetError(wrapped.code, wrapped.detail, {
            hint:
              `Hint: params gives ${values.length} value${values.length === 1 ? '' : 's'}; ` +
              `the query must use exactly $1 to $${values.length}.`,
            cause: err,
          }),
        );
      }
      throw wrapped;
    }
  }

  /** The result's columns and types, without running the query for its rows; its names must be distinct. */
  async #columns(c: pg.PoolClient, values: unknown[]): Promise<PgColumn[]> {
    const probe = await c.query({ text: `SELECT * FROM (\n${this.#sql}\n) AS q LIMIT 0`, values });
    const seen = new Set<string>();
    const twice = probe.fields.map((f) => f.name).filter((n) => seen.size === seen.add(n).size);
    if (twice.length > 0) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_LOAD',
        `Dataset '${this.#name}' (${TYPE}): expected distinct column names in the result, ` +
          `but got ${[...new Set(twice)].map((n) => `'${n}'`).join(', ')} more than once.`,
        {
          hint: 'Hint: give the columns distinct names with AS in the query.',
        },
      );
    }
    return resultColumns(c, probe.fields);
  }
}
