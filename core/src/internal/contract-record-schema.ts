// A contract's record as JSON Schema (draft-07): one row of the table, as `dagrun serve` validates the
// records of a request and documents them in OpenAPI. Row rules only: `unique` and `rows` need a table.

import type { DataContract } from './contract.js';
import type { JsonSchema } from './schema.js';
import type { ColumnType } from './table-adapter.js';

export interface RecordSchemaOptions {
  /** Columns left out (e.g. the target a model predicts). */
  readonly omit?: readonly string[] | undefined;
  /** Whether a record may hold fields the contract does not list; default: unless the contract is strict. */
  readonly additionalProperties?: boolean | undefined;
}

// Dates travel as strings in JSON; a pattern (not `format`) keeps the schema free of format plugins.
const JSON_TYPES: Record<ColumnType, JsonSchema> = {
  int: { type: 'integer' },
  float: { type: 'number' },
  string: { type: 'string' },
  bool: { type: 'boolean' },
  date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  datetime: {
    type: 'string',
    pattern: '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?$',
  },
};

/**
 * The JSON Schema of one record of `contract`'s table: each column's type, allowed values, bounds and
 * pattern; non-nullable columns are required, nullable ones also take null.
 *
 *   recordJsonSchema(parseContract({ columns: { rooms: { type: 'int', min: 1, max: 10 } }, strict: true }))
 *   // { type: 'object', additionalProperties: false, required: ['rooms'],
 *   //   properties: { rooms: { type: 'integer', minimum: 1, maximum: 10 } } }
 */
export const recordJsonSchema = (contract: DataContract, options: RecordSchemaOptions = {}): JsonSchema => {
  const omit = new Set(options.omit ?? []);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, c] of Object.entries(contract.columns)) {
    if (omit.has(name)) continue;
    const base = JSON_TYPES[c.type];
    const p: Record<string, unknown> = { ...base, type: c.nullable ? [base.type, 'null'] : base.type };
    if (c.allowed) p.enum = c.nullable ? [...c.allowed, null] : [...c.allowed];
    if (c.min !== undefined) p.minimum = c.min;
    if (c.max !== undefined) p.maximum = c.max;
    if (c.pattern !== undefined) p.pattern = c.pattern;
    if (c.description !== undefined) p.description = c.description;
    properties[name] = p;
    if (!c.nullable) required.push(name);
  }
  return {
    type: 'object',
    additionalProperties: options.additionalProperties ?? !contract.strict,
    required,
    properties,
  };
};
