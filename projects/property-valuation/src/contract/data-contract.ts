// The declared data contract of params:data_contract: its shape, checked once, and the rules it implies
// as polars expressions (one boolean column per rule). Checks columns, dtypes, nulls, allowed categories
// and min/max ranges; it does not check relations between columns.
import pl, { type DataFrame, type Expr } from 'nodejs-polars';

export type ColumnType = 'string' | 'number' | 'integer';
export type OnFlagged = 'keep' | 'drop' | 'fail';

export interface ColumnContract {
  type: ColumnType;
  /** Allowed values of a string column. */
  allowed?: string[];
  /** Inclusive bounds of a numeric column: a value below min or above max is flagged. */
  min?: number;
  max?: number;
}

export interface DataContract {
  columns: Record<string, ColumnContract>;
  on_flagged: OnFlagged;
  /** How many flagged rows the report lists (the total is always given). */
  max_listed_rows: number;
}

/** A column or dtype mismatch, a malformed contract, or flagged rows under `on_flagged: fail`. */
export class DataContractError extends Error {
  readonly code: 'DATA_CONTRACT_INVALID' | 'DATA_CONTRACT_SCHEMA' | 'DATA_CONTRACT_VIOLATION';
  constructor(code: DataContractError['code'], message: string) {
    super(message);
    this.name = 'DataContractError';
    this.code = code;
  }
}

const COLUMN_TYPES: readonly ColumnType[] = ['string', 'number', 'integer'];
const ON_FLAGGED: readonly OnFlagged[] = ['keep', 'drop', 'fail'];
const INTEGER_DTYPES = new Set(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64']);
const NUMBER_DTYPES = new Set([...INTEGER_DTYPES, 'Float32', 'Float64']);
const STRING_DTYPES = new Set(['String', 'Utf8', 'Categorical']);

const invalid = (what: string, expected: string, got: unknown): DataContractError =>
  new DataContractError('DATA_CONTRACT_INVALID', `Data contract ${what}: expected ${expected}, but got ${JSON.stringify(got)}.`);

/** Checks the raw parameter (as parameters.yaml gives it) and fills the defaults. */
export const parseContract = (raw: unknown): DataContract => {
  if (typeof raw !== 'object' || raw === null) throw invalid('params:data_contract', 'an object with `columns`', raw);
  const { columns, on_flagged = 'keep', max_listed_rows = 500 } = raw as Record<string, unknown>;
  if (typeof columns !== 'object' || columns === null || Object.keys(columns).length === 0) throw invalid("'columns'", 'a non-empty mapping of column name to contract', columns);
  if (!ON_FLAGGED.includes(on_flagged as OnFlagged)) throw invalid("'on_flagged'", 'one of keep, drop, fail', on_flagged);
  if (!Number.isInteger(max_listed_rows) || (max_listed_rows as number) < 0) throw invalid("'max_listed_rows'", 'a non-negative integer', max_listed_rows);
  const parsed: Record<string, ColumnContract> = {};
  for (const [name, spec] of Object.entries(columns as Record<string, unknown>)) {
    const s = (spec ?? {}) as Record<string, unknown>;
    if (!COLUMN_TYPES.includes(s.type as ColumnType)) throw invalid(`column '${name}' type`, 'one of string, number, integer', s.type);
    const col: ColumnContract = { type: s.type as ColumnType };
    if (s.allowed !== undefined) {
      if (col.type !== 'string' || !Array.isArray(s.allowed) || !s.allowed.every((v) => typeof v === 'string')) throw invalid(`column '${name}' allowed`, 'a list of strings on a string column', s.allowed);
      col.allowed = s.allowed as string[];
    }
    for (const bound of ['min', 'max'] as const) {
      if (s[bound] === undefined) continue;
      if (col.type === 'string' || typeof s[bound] !== 'number') throw invalid(`column '${name}' ${bound}`, 'a number on a numeric column', s[bound]);
      col[bound] = s[bound] as number;
    }
    parsed[name] = col;
  }
  return { columns: parsed, on_flagged: on_flagged as OnFlagged, max_listed_rows: max_listed_rows as number };
};

/** Every declared column must exist with a matching dtype; all problems are reported together. */
export const checkSchema = (df: DataFrame, contract: DataContract): void => {
  const problems: string[] = [];
  for (const [name, col] of Object.entries(contract.columns)) {
    if (!df.columns.includes(name)) {
      problems.push(`Data contract column '${name}': expected a column of type ${col.type}, but got no such column (columns: ${df.columns.join(', ')}).`);
      continue;
    }
    const dtype = df.getColumn(name).dtype.variant;
    const ok = col.type === 'string' ? STRING_DTYPES.has(dtype) : col.type === 'integer' ? INTEGER_DTYPES.has(dtype) : NUMBER_DTYPES.has(dtype);
    if (!ok) problems.push(`Data contract column '${name}': expected type ${col.type}, but got ${dtype}.`);
  }
  if (problems.length === 1) throw new DataContractError('DATA_CONTRACT_SCHEMA', problems[0]!);
  if (problems.length > 1) throw new DataContractError('DATA_CONTRACT_SCHEMA', `${problems.length} errors in the data's columns:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
};

export interface Rule {
  /** `<column>.<check>`: null, allowed, min or max. */
  name: string;
  /** True on the rows the rule flags (never null). */
  expr: Expr;
}

/** The rules a contract implies, in declaration order: null, then allowed / min / max per column. */
export const rulesOf = (contract: DataContract): Rule[] => {
  const rules: Rule[] = [];
  for (const [name, col] of Object.entries(contract.columns)) {
    const c = pl.col(name);
    // A NaN counts as missing; polars orders it above every number, so it is kept out of `max`.
    const nan = col.type === 'string' ? pl.lit(false) : c.cast(pl.Float64).isNan().fillNull(false);
    rules.push({ name: `${name}.null`, expr: c.isNull().or(nan) });
    if (col.allowed) rules.push({ name: `${name}.allowed`, expr: c.isIn(col.allowed).not().fillNull(false) });
    if (col.min !== undefined) rules.push({ name: `${name}.min`, expr: c.lt(col.min).fillNull(false) });
    if (col.max !== undefined) rules.push({ name: `${name}.max`, expr: c.gt(col.max).fillNull(false).and(nan.not()) });
  }
  return rules;
};
