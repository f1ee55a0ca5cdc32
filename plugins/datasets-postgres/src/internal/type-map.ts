// The type mapping, both ways. Loading: each column is selected as something polars' CSV reader parses
// exactly (timestamps as epoch microseconds, dates as day numbers) and cast back after. Saving: each
// dtype has the column type a created table gets, and the column types an existing table may have.

import type { DataFrame, DataType } from 'nodejs-polars';
import type { Polars } from './polars.js';
import { quoteIdent } from './sql.js';

/** A column of a table or query result, its type resolved through domains to the base type. */
export interface PgColumn {
  readonly name: string;
  /** OID of the base type. */
  readonly oid: number;
  /** format_type() of the column's own type, e.g. `character varying(20)` or `public.mood` (quoted by the server). */
  readonly typeName: string;
  /**
   * The type by its catalog name, without modifier (`pg_catalog.varchar`, `pg_catalog.bpchar`), for casting
   * text to it: an explicit cast to varchar(2), or to `character` (which means char(1)), would cut a longer
   * value silently, where the INSERT's own assignment to the column refuses it.
   */
  readonly castType: string;
  /** pg_type.typcategory of the base type: N numeric, S string, B boolean, D date/time, … */
  readonly category: string;
}

export const OID = {
  bool: 16,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

type CsvKind = 'Int32' | 'Int64' | 'Float64' | 'Utf8' | 'Bool';
type Final = 'datetime' | 'datetime_utc' | 'date';

interface LoadRule {
  /** The select-list expression for the column `c` (already quoted). */
  readonly expr: (c: string) => string;
  readonly csv: CsvKind;
  readonly final?: Final;
}

const asIs = (c: string) => c;
const epochMicros = (c: string) => `CASE WHEN isfinite(${c}) THEN (EXTRACT(epoch FROM ${c}) * 1000000)::int8 END`;
const LOAD: Record<number, LoadRule> = {
  [OID.bool]: { expr: (c) => `${c}::text`, csv: 'Bool' },
  [OID.int2]: { expr: asIs, csv: 'Int32' },
  [OID.int4]: { expr: asIs, csv: 'Int32' },
  [OID.int8]: { expr: asIs, csv: 'Int64' },
  [OID.float4]: { expr: (c) => `${c}::float8`, csv: 'Float64' },
  [OID.float8]: { expr: asIs, csv: 'Float64' },
  [OID.numeric]: { expr: (c) => `${c}::float8`, csv: 'Float64' },
  [OID.text]: { expr: asIs, csv: 'Utf8' },
  [OID.varchar]: { expr: asIs, csv: 'Utf8' },
  [OID.bpchar]: { expr: asIs, csv: 'Utf8' },
  [OID.name]: { expr: asIs, csv: 'Utf8' },
  [OID.char]: { expr: asIs, csv: 'Utf8' },
  [OID.date]: {
    expr: (c) => `CASE WHEN isfinite(${c}) THEN ${c} - DATE '1970-01-01' END`,
    csv: 'Int32',
    final: 'date',
  },
  [OID.timestamp]: { expr: epochMicros, csv: 'Int64', final: 'datetime' },
  [OID.timestamptz]: { expr: epochMicros, csv: 'Int64', final: 'datetime_utc' },
};
/** Every other type (uuid, json, jsonb, interval, time, arrays, enums, …) loads as its text form. */
const TEXT: LoadRule = { expr: (c) => `${c}::text`, csv: 'Utf8' };

const loadRule = (c: PgColumn): LoadRule => LOAD[c.oid] ?? TEXT;

/** `expr AS "name"` for every column, reading from `qualifier` (a quoted alias) when given. */
export const selectList = (columns: readonly PgColumn[], qualifier?: string): string =>
  columns
    .map(
      (c) =>
        `${loadRule(c).expr(qualifier ? `${qualifier}.${quoteIdent(c.name)}` : quoteIdent(c.name))} ` +
        `AS ${quoteIdent(c.name)}`,
    )
    .join(', ');

/** The dtypes polars reads the COPY output with, in column order. */
export const csvSchema = (pl: Polars, columns: readonly PgColumn[]): Record<string, DataType> =>
  Object.fromEntries(columns.map((c) => [c.name, pl[loadRule(c).csv] as DataType]));

/** The dtype a column has in the loaded frame. */
export const frameDtype = (pl: Polars, c: PgColumn): DataType => {
  const rule = loadRule(c);
  if (rule.final === 'datetime') return pl.Datetime('us');
  if (rule.final === 'datetime_utc') return pl.Datetime('us', 'UTC');
  if (rule.final === 'date') return pl.Date;
  return pl[rule.csv] as DataType;
};

/** Casts the columns read as numbers back to dates and timestamps. */
export const finishChunk = (pl: Polars, df: DataFrame, columns: readonly PgColumn[]): DataFrame => {
  let out = df;
  for (const c of columns) {
    if (loadRule(c).final) out = out.withColumn(out.getColumn(c.name).cast(frameDtype(pl, c)));
  }
  return out;
};

/** An empty frame with the columns and dtypes a load of these columns gives. */
export const emptyFrame = (pl: Polars, columns: readonly PgColumn[]): DataFrame =>
  pl.DataFrame(columns.map((c) => pl.Series(c.name, [], frameDtype(pl, c))));

// ------------------------------------------------------------------ saving

/** "Int64", "Datetime(us,UTC)", "String": a dtype as messages show it. */
export const dtypeLabel = (d: DataType): string => {
  // polars prints List(DataType(Int64)) inside DataType(…): drop every wrapper with its closing parenthesis.
  let s = String(d);
  for (let i = s.indexOf('DataType('); i >= 0; i = s.indexOf('DataType(')) {
    let depth = 0;
    let j = i + 'DataType'.length;
    for (; j < s.length; j++) {
      if (s[j] === '(') depth++;
      else if (s[j] === ')' && --depth === 0) break;
    }
    s = s.slice(0, i) + s.slice(i + 'DataType('.length, j) + s.slice(j + 1);
  }
  return s;
};

interface DtypeFacts {
  readonly variant: string;
  readonly timeZone?: string | null | undefined;
}

/**
 * The column type a created table gets for a dtype; undefined for
 * dtypes with no mapping (lists, structs, durations, objects).
 */
export const pgTypeFor = (d: DataType): string | undefined => {
  const { variant, timeZone } = d as unknown as DtypeFacts;
  switch (variant) {
    case 'Int8':
    case 'Int16':
    case 'UInt8':
      return 'smallint';
    case 'Int32':
    case 'UInt16':
      return 'integer';
    case 'Int64':
    case 'UInt32':
    case 'UInt64':
      return 'bigint';
    case 'Float32':
      return 'real';
    case 'Float64':
      return 'double precision';
    case 'Decimal':
      return 'numeric';
    case 'Bool':
      return 'boolean';
    case 'Utf8':
    case 'String':
    case 'Categorical':
    case 'Enum':
    case 'Null':
      return 'text';
    case 'Date':
      return 'date';
    case 'Datetime':
      return timeZone ? 'timestamp with time zone' : 'timestamp without time zone';
    case 'Time':
      return 'time without time zone';
    default:
      return undefined;
  }
};

const INTEGER_OIDS: ReadonlySet<number> = new Set([OID.int2, OID.int4, OID.int8]);

/** Whether a frame column of dtype `d` may be written into an existing column `c` without a cast of its own. */
export const fits = (d: DataType, c: PgColumn): boolean => {
  const { variant } = d as unknown as DtypeFacts;
  switch (variant) {
    case 'Null':
      return true;
    case 'Int8':
    case 'Int16':
    case 'Int32':
    case 'Int64':
    case 'UInt8':
    case 'UInt16':
    case 'UInt32':
    case 'UInt64':
    case 'Decimal':
      return c.category === 'N';
    case 'Float32':
    case 'Float64':
      // polars writes 2.0 as "2.0", which integer columns refuse.
      return c.category === 'N' && !INTEGER_OIDS.has(c.oid);
    case 'Bool':
      return c.category === 'B';
    case 'Date':
      return c.oid === OID.date || c.oid === OID.timestamp || c.oid === OID.timestamptz;
    case 'Datetime':
      return c.oid === OID.timestamp || c.oid === OID.timestamptz;
    case 'Time':
      return c.oid === OID.time || c.oid === 1266;
    case 'Utf8':
    case 'String':
    case 'Categorical':
    case 'Enum':
      // Text goes into text-like columns and into types parsed from text (uuid, json, enums, inet, …),
      // not into numbers, booleans, dates or times.
      return !['N', 'B', 'D'].includes(c.category);
    default:
      return false;
  }
};

/** The frame with columns that COPY cannot take as written (categoricals) cast to text. */
export const forCopy = (pl: Polars, df: DataFrame): DataFrame => {
  let out = df;
  for (const s of df.getColumns()) {
    const v = (s.dtype as unknown as DtypeFacts).variant;
    if (v === 'Categorical' || v === 'Enum') out = out.withColumn(s.cast(pl.Utf8));
  }
  return out;
};
