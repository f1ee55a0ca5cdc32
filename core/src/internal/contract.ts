// Data contracts on catalog entries (`contract:`): their shape, checked when the catalog loads, and the
// check of the data itself on load and before save, through a TableAdapter (table-adapter.ts). Rules are
// per column (type, nullable, allowed, min, max, pattern, unique) plus row-count bounds and `strict`.

import { describeValue } from './describe.js';
import { CatalogError, ConfigError, DatasetError, type DagrunError, type SourceLocation } from './errors.js';
import type { DatasetType } from './datasets/dataset.js';
import type { HookManager } from './hooks.js';
import type { Node } from './pipeline/node.js';
import { checkSchema, type JsonSchema } from './schema.js';
import {
  plainValue,
  recordsAdapter,
  referenceMask,
  type ColumnType,
  type RowRule,
  type TableAdapter,
} from './table-adapter.js';
import type { YamlPath } from './yaml-source.js';

/** The catalog key that holds a contract. Not `schema`: postgres.table already has a `schema` option. */
export const CONTRACT_KEY = 'contract';

export const COLUMN_TYPES: readonly ColumnType[] = ['int', 'float', 'string', 'bool', 'date', 'datetime'];
export type OnViolation = 'fail' | 'drop' | 'flag' | 'warn';

export interface ColumnContract {
  readonly type: ColumnType;
  /** Default false: a declared column must be filled. */
  readonly nullable: boolean;
  readonly allowed?: readonly (string | number | boolean)[] | undefined;
  /** Inclusive bounds of an int or float column. */
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  readonly pattern?: string | undefined;
  readonly unique: boolean;
  /** For people and for the JSON Schema of a record (OpenAPI). */
  readonly description?: string | undefined;
}

export interface DataContract {
  readonly columns: Readonly<Record<string, ColumnContract>>;
  /** Bounds on the rows handed on (after `drop`). */
  readonly rows: { readonly min?: number | undefined; readonly max?: number | undefined };
  /** True: a column the contract does not list is a problem. */
  readonly strict: boolean;
  readonly onViolation: OnViolation;
  /** The boolean column `flag` adds. */
  readonly flagColumn: string;
}

/** One broken rule. Table problems (a missing column, `strict`, `rows`) have no rows and carry `detail`. */
export interface ContractViolation {
  readonly column: string | undefined;
  /** As written in the contract: `min: 1`, `type: int`, `nullable: false`, `strict: true`, `rows.min: 100`, … */
  readonly rule: string;
  /** Rows that break it. */
  readonly rows: number;
  /** Up to three, in row order; rows count from 0, header excluded. */
  readonly examples: ReadonlyArray<{ readonly row: number; readonly value: unknown }>;
  readonly detail?: string | undefined;
}

export interface ContractReport {
  readonly dataset: string;
  readonly operation: 'load' | 'save';
  readonly node?: string | undefined;
  readonly onViolation: OnViolation;
  /** Rows checked, rows that break at least one rule, rows handed on. */
  readonly rows: number;
  readonly rowsViolating: number;
  readonly rowsOut: number;
  readonly violations: readonly ContractViolation[];
}

const COLUMN_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: [...COLUMN_TYPES] },
    nullable: { type: 'boolean' },
    allowed: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
    min: { type: 'number' },
    max: { type: 'number' },
    pattern: { type: 'string', minLength: 1 },
    unique: { type: 'boolean' },
    description: { type: 'string' },
  },
};

/** The shape of `contract:`; the checks it cannot express follow in readContract. */
export const CONTRACT_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['columns'],
  properties: {
    columns: { type: 'object', additionalProperties: COLUMN_SCHEMA },
    rows: {
      type: 'object',
      additionalProperties: false,
      properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } },
    },
    strict: { type: 'boolean' },
    on_violation: { enum: ['fail', 'drop', 'flag', 'warn'] },
    flag_column: { type: 'string', minLength: 1 },
  },
};
const WRAPPED: JsonSchema = { type: 'object', properties: { [CONTRACT_KEY]: CONTRACT_SCHEMA } };

type Raw = Record<string, unknown>;

/** Checks an entry's `contract:`: its type's data must be a table, then readContract. */
export const checkEntryContract = (
  entry: string,
  type: DatasetType,
  options: Raw,
  raw: unknown,
  locate: (path: YamlPath, key?: boolean) => SourceLocation,
  problems: DagrunError[],
): DataContract | undefined => {
  if (raw === undefined) return undefined;
  if (type.isTabular?.(options as never) === false) {
    problems.push(
      new ConfigError(
        'DAGRUN_ERR_CATALOG_OPTIONS',
        `Catalog entry '${entry}' (${type.name}), field '${CONTRACT_KEY}': ` +
          `expected an entry whose data is a table, but got type '${type.name}' with these options, ` +
          `whose data is not.`,
        {
          location: locate([CONTRACT_KEY], true),
          hint:
            'Hint: a data contract checks rows and columns: ' +
            'use it on a table type (csv, parquet, json with table: true, …) or remove it.',
        },
      ),
    );
    return undefined;
  }
  return readContract(raw, `Catalog entry '${entry}' (${type.name})`, locate, problems);
};

/**
 * Checks a `contract:` value (its shape, then what JSON Schema cannot say: bounds in order, patterns that
 * compile, allowed values of the column's type) and returns it, or undefined with every problem pushed.
 */
export const readContract = (
  raw: unknown,
  subject: string,
  locate: (path: YamlPath, key?: boolean) => SourceLocation,
  problems: DagrunError[],
): DataContract | undefined => {
  const before = problems.length;
  problems.push(
    ...checkSchema({
      schema: WRAPPED,
      data: { [CONTRACT_KEY]: raw },
      subject,
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      locate,
    }),
  );
  if (problems.length > before) return undefined;
  const c = raw as Raw;
  const bad = (path: YamlPath, expected: string, got: string) =>
    problems.push(
      new ConfigError(
        'DAGRUN_ERR_CATALOG_OPTIONS',
        `${subject}, field '${[CONTRACT_KEY, ...path].join('.')}': expected ${expected}, but got ${got}.`,
        { location: locate([CONTRACT_KEY, ...path]) },
      ),
    );
  const columns: Record<string, ColumnContract> = {};
  for (const [name, spec] of Object.entries(c.columns as Record<string, Raw>)) {
    const col = spec as Raw & { type: ColumnType; allowed?: unknown[]; min?: number; max?: number; pattern?: string };
    const at = ['columns', name];
    const numeric = col.type === 'int' || col.type === 'float';
    if (col.allowed) {
      const fits = (v: unknown) =>
        col.type === 'int'
          ? Number.isInteger(v)
          : col.type === 'float'
            ? typeof v === 'number'
            : col.type === 'string'
              ? typeof v === 'string'
              : typeof v === 'boolean';
      const wrong = col.allowed.find((v) => !fits(v));
      if (col.type === 'date' || col.type === 'datetime')
        bad([...at, 'allowed'], 'allowed on an int, float, string or bool column', `a ${col.type} column`);
      else if (wrong !== undefined) bad([...at, 'allowed'], `values of type ${col.type}`, JSON.stringify(wrong));
    }
    for (const bound of ['min', 'max'] as const)
      if (col[bound] !== undefined && !numeric)
        bad([...at, bound], `${bound} on an int or float column`, `a ${col.type} column`);
    if (col.min !== undefined && col.max !== undefined && col.min > col.max)
      bad([...at, 'max'], `max >= min (${col.min})`, String(col.max));
    if (col.pattern !== undefined) {
      if (col.type !== 'string') bad([...at, 'pattern'], 'pattern on a string column', `a ${col.type} column`);
      else {
        try {
          new RegExp(col.pattern, 'u');
        } catch (err) {
          bad(
            [...at, 'pattern'],
            'a JavaScript regular expression',
            `${JSON.stringify(col.pattern)} (${(err as Error).message})`,
          );
        }
      }
    }
    columns[name] = {
      type: col.type,
      nullable: col.nullable === true,
      allowed: col.allowed as ColumnContract['allowed'],
      min: col.min,
      max: col.max,
      pattern: col.pattern,
      unique: col.unique === true,
      description: col.description as string | undefined,
    };
  }
  const rows = (c.rows ?? {}) as DataContract['rows'];
  if (rows.min !== undefined && rows.max !== undefined && rows.min > rows.max)
    bad(['rows', 'max'], `max >= min (${rows.min})`, String(rows.max));
  const onViolation = (c.on_violation ?? 'fail') as OnViolation;
  const flagColumn = (c.flag_column as string | undefined) ?? 'contract_violation';
  if (c.flag_column !== undefined && onViolation !== 'flag')
    bad(['flag_column'], 'on_violation: flag with a flag_column', `on_violation: ${onViolation}`);
  if (onViolation === 'flag' && Object.hasOwn(columns, flagColumn))
    bad(['flag_column'], 'a flag column the contract does not declare', `'${flagColumn}', a declared column`);
  if (problems.length > before) return undefined;
  return { columns, rows, strict: c.strict === true, onViolation, flagColumn };
};

/** A contract from its YAML value (a catalog entry's `contract:`); throws a CatalogError naming every problem. */
export const parseContract = (raw: unknown, subject = 'Data contract'): DataContract => {
  const problems: DagrunError[] = [];
  const contract = readContract(raw, subject, () => ({ file: '' }), problems);
  if (contract) return contract;
  const details = problems.map((p) => p.detail);
  throw new CatalogError(
    'DAGRUN_ERR_CATALOG_OPTIONS',
    details.length === 1
      ? details[0]!
      : `${subject}: expected a valid contract, ` +
          `but got ${details.length} problems:\n${details.map((d) => `  - ${d}`).join('\n')}`,
  );
};

interface LabelledRule {
  readonly rule: RowRule;
  readonly label: string;
}

const list = (values: readonly unknown[]): string =>
  `[${values.slice(0, 5).map(String).join(', ')}${values.length > 5 ? `, … (${values.length} values)` : ''}]`;

/** The row rules of the columns the data has, in contract order: type, nullable, allowed, min, max, pattern, unique. */
const rulesOf = (contract: DataContract, present: ReadonlySet<string>): LabelledRule[] => {
  const out: LabelledRule[] = [];
  for (const [column, c] of Object.entries(contract.columns)) {
    if (!present.has(column)) continue;
    out.push({ rule: { kind: 'type', column, type: c.type }, label: `type: ${c.type}` });
    if (!c.nullable) out.push({ rule: { kind: 'null', column }, label: 'nullable: false' });
    if (c.allowed)
      out.push({ rule: { kind: 'allowed', column, values: c.allowed }, label: `allowed: ${list(c.allowed)}` });
    if (c.min !== undefined) out.push({ rule: { kind: 'min', column, value: c.min }, label: `min: ${c.min}` });
    if (c.max !== undefined) out.push({ rule: { kind: 'max', column, value: c.max }, label: `max: ${c.max}` });
    if (c.pattern !== undefined)
      out.push({ rule: { kind: 'pattern', column, pattern: c.pattern }, label: `pattern: ${c.pattern}` });
    if (c.unique) out.push({ rule: { kind: 'unique', column }, label: 'unique: true' });
  }
  return out;
};

const EXAMPLES = 3;

/** Checks `data` against `contract`; returns the data to hand on and the report. Throws nothing. */
export const checkContract = (
  contract: DataContract,
  data: unknown,
  adapter: TableAdapter<unknown>,
  where: { readonly dataset: string; readonly operation: 'load' | 'save'; readonly node?: string | undefined },
): { data: unknown; report: ContractReport; fails: boolean } => {
  const names = adapter.columnNames(data);
  const height = adapter.height(data);
  const present = new Set(names);
  const violations: ContractViolation[] = [];
  // An empty array of records has no columns to look at.
  const knowsColumns = names.length > 0 || height > 0;
  if (knowsColumns) {
    for (const column of Object.keys(contract.columns)) {
      if (!present.has(column))
        violations.push({
          column,
          rule: 'column',
          rows: 0,
          examples: [],
          detail: `no such column (the data has: ${names.join(', ')})`,
        });
    }
    const extra = contract.strict
      ? names.filter((n) => !Object.hasOwn(contract.columns, n) && n !== contract.flagColumn)
      : [];
    if (extra.length > 0)
      violations.push({
        column: undefined,
        rule: 'strict: true',
        rows: 0,
        examples: [],
        detail:
          `${extra.length} ${extra.length === 1 ? 'column' : 'columns'} ` +
          `not in the contract: ${extra.map((e) => `'${e}'`).join(', ')}`,
      });
  }
  const rules = rulesOf(contract, present);
  const columns = new Map<string, ArrayLike<unknown>>();
  const valuesOf = (name: string) => {
    let v = columns.get(name);
    if (!v) columns.set(name, (v = adapter.column(data, name)));
    return v;
  };
  const any = new Uint8Array(height);
  let broken = 0;
  rules.forEach(({ rule, label }) => {
    const mask = referenceMask(valuesOf(rule.column), rule);
    let count = 0;
    const rows: number[] = [];
    for (let r = 0; r < height; r++) {
      if (mask[r] !== 1) continue;
      count++;
      any[r] = 1;
      if (rows.length < EXAMPLES) rows.push(r);
    }
    if (count === 0) return;
    broken++;
    const values = rows.map((r) => valuesOf(rule.column)[r]);
    violations.push({
      column: rule.column,
      rule: label,
      rows: count,
      examples: rows.map((row, k) => ({ row, value: plainValue(values[k]) })),
    });
  });
  let rowsViolating = 0;
  for (let r = 0; r < height; r++) rowsViolating += any[r]!;
  let out = data;
  if (rowsViolating > 0 && contract.onViolation === 'drop') {
    for (let r = 0; r < height; r++) any[r] = any[r] === 1 ? 0 : 1;
    out = adapter.filter(data, any);
  } else if (contract.onViolation === 'flag') out = adapter.withColumn(data, contract.flagColumn, any);
  const rowsOut = contract.onViolation === 'drop' ? height - rowsViolating : height;
  for (const bound of ['min', 'max'] as const) {
    const b = contract.rows[bound];
    if (b !== undefined && (bound === 'min' ? rowsOut < b : rowsOut > b))
      violations.push({
        column: undefined,
        rule: `rows.${bound}: ${b}`,
        rows: 0,
        examples: [],
        detail: `got ${rowsOut} ${rowsOut === 1 ? 'row' : 'rows'}`,
      });
  }
  const tableProblems = violations.length - broken;
  const report: ContractReport = {
    dataset: where.dataset,
    operation: where.operation,
    node: where.node,
    onViolation: contract.onViolation,
    rows: height,
    rowsViolating,
    rowsOut,
    violations,
  };
  return { data: out, report, fails: tableProblems > 0 || (broken > 0 && contract.onViolation === 'fail') };
};

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** One line per broken rule: `n_rooms (min: 1): 31 rows, e.g. row 17: 0, row 230: 0, row 1002: 0`. */
export const violationLines = (report: ContractReport): string[] =>
  report.violations.map((v) => {
    if (v.detail !== undefined)
      return v.column !== undefined && v.rule === 'column' ? `${v.column}: ${v.detail}` : `${v.rule}: ${v.detail}`;
    const eg = v.examples.map((e) => `row ${e.row}: ${show(e.value)}`).join(', ');
    return `${v.column} (${v.rule}): ${v.rows} ${v.rows === 1 ? 'row' : 'rows'}, e.g. ${eg}`;
  });

const heading = (r: ContractReport): string =>
  `Data contract of dataset '${r.dataset}' ` +
  `(${r.operation === 'load' ? 'checked on load' : 'checked before saving; nothing was written'})`;

/** The warning of a check that went on (drop, flag, warn): what broke and what was done with it. */
export const describeReport = (r: ContractReport): string => {
  const rules = r.violations.length;
  const done = r.onViolation === 'drop' ? 'removed them' : r.onViolation === 'flag' ? 'marked them' : 'kept them';
  const head =
    `Data contract of dataset '${r.dataset}' (checked on ${r.operation}): ` +
    `${r.rowsViolating} of ${r.rows} rows break ${rules} ${rules === 1 ? 'rule' : 'rules'}; ` +
    `on_violation: ${r.onViolation} ${done}:`;
  return [head, ...violationLines(r).map((l) => `  - ${l}`)].join('\n');
};

const failure = (r: ContractReport): DatasetError => {
  const broken = r.violations.filter((v) => v.detail === undefined).length;
  const table = r.violations.length - broken;
  const parts = [
    broken > 0 ? `${broken} broken ${broken === 1 ? 'rule' : 'rules'} in ${r.rowsViolating} of ${r.rows} rows` : '',
    table > 0 ? `${table} table ${table === 1 ? 'problem' : 'problems'}` : '',
  ].filter(Boolean);
  return new DatasetError(
    'DAGRUN_ERR_DATASET_CONTRACT',
    `${heading(r)}: expected data that keeps it, but got ${parts.join(' and ')}:\n${violationLines(r)
      .map((l) => `  - ${l}`)
      .join('\n')}`,
    {
      hint:
        table > 0
          ? 'Hint: a missing column, ' +
            'a column strict: true does not allow and a row count out of bounds fail whatever on_violation says.'
          : `Hint: fix the data, or set on_violation (drop, flag or warn) under ${CONTRACT_KEY}: in its catalog entry.`,
    },
  );
};

/**
 * The catalog's contracts: checks data on load and before save, reports through the hooks, and keeps the
 * reports with violations for the run record.
 */
export class ContractBook {
  readonly #contracts = new Map<string, DataContract>();
  readonly #adapters: () => readonly TableAdapter<unknown>[];
  readonly #hooks: HookManager | undefined;
  readonly #reports: ContractReport[] = [];
  /**
   * Datasets already checked on load whose check handed the data on unchanged: loaded again in the same
   * catalog with no save in between, the same file gives the same answer, so it is not checked (nor
   * reported) again. A node reading `train` after another did costs nothing more.
   */
  readonly #passedOnLoad = new Set<string>();

  constructor(adapters: () => readonly TableAdapter<unknown>[], hooks: HookManager | undefined) {
    this.#adapters = adapters;
    this.#hooks = hooks;
  }

  set(name: string, contract: DataContract | undefined): void {
    if (contract) this.#contracts.set(name, contract);
  }

  get(name: string): DataContract | undefined {
    return this.#contracts.get(name);
  }

  /** Reports of the checks that found something, in order. */
  reports(): readonly ContractReport[] {
    return this.#reports;
  }

  /**
   * The data as the contract of `name` hands it on (all of it, without the broken rows, or flagged); throws
   * DAGRUN_ERR_DATASET_CONTRACT.
   */
  async enforce(
    name: string,
    data: unknown,
    operation: 'load' | 'save',
    node: Node | undefined,
    runId: string | undefined,
  ): Promise<unknown> {
    const contract = this.#contracts.get(name);
    if (!contract) return data;
    if (operation === 'save') this.#passedOnLoad.delete(name);
    else if (this.#passedOnLoad.has(name)) return data;
    const adapters = [...this.#adapters(), recordsAdapter as TableAdapter<unknown>];
    const adapter = adapters.find((a) => a.test(data));
    if (!adapter) {
      const kinds = adapters.map((a) => a.name).join(', ');
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_CONTRACT',
        `${heading({ dataset: name, operation } as ContractReport)}: ` +
          `expected a table (${kinds}), but got ${kindOf(data)}.`,
        {
          hint: 'Hint: a contract checks tables; a plugin adds a kind of table with registerTableAdapter.',
        },
      );
    }
    const checked = checkContract(contract, data, adapter, { dataset: name, operation, node: node?.name });
    if (checked.report.violations.length > 0) this.#reports.push(checked.report);
    if (checked.fails) throw failure(checked.report);
    if (this.#hooks?.has('afterDatasetChecked'))
      await this.#hooks.call('afterDatasetChecked', { runId, name, node, operation, report: checked.report });
    if (operation === 'load' && checked.data === data) this.#passedOnLoad.add(name);
    return checked.data;
  }
}

const kindOf = (v: unknown): string =>
  Array.isArray(v) ? `${describeValue(v)} that are not all plain records` : describeValue(v);
