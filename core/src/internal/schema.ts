// JSON Schema checks with ajv, turned into DagrunErrors that name the field, the rule and the line.
// Schemas are compiled once and cached by identity.

import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ConfigError, didYouMean, type ErrorCode, type DagrunError, type SourceLocation } from './errors.js';
import { pointerToPath, type YamlPath } from './yaml-source.js';

export type JsonSchema = Record<string, unknown>;

// Start-up matters more than validation speed here (each validator runs a few times per command):
// no optimising pass over the generated code, and no check of each schema against the draft-07
// meta-schema, which would compile that large meta-schema in every process. Schemas come from code,
// not from users, and ajv still rejects a keyword with a value of the wrong type when compiling.
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  useDefaults: false,
  validateSchema: false,
  code: { optimize: false },
});
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

// ajv-formats (uri, date-time, …) is loaded with the first schema that uses `format`: core's own never do.
let formatsAdded = false;
const addFormatsFor = (schema: JsonSchema): void => {
  if (formatsAdded || !JSON.stringify(schema).includes('"format":')) return;
  (createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv) => Ajv)(ajv);
  formatsAdded = true;
};

export const compileSchema = (schema: JsonSchema): ValidateFunction => {
  let fn = compiled.get(schema);
  if (!fn) {
    addFormatsFor(schema);
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
};

export interface SchemaCheck {
  readonly schema: JsonSchema;
  readonly data: unknown;
  /** e.g. "Catalog entry 'companies'" */
  readonly subject: string;
  readonly code: ErrorCode;
  /** Maps a path inside `data` to a location in the user's file. */
  readonly locate: (path: YamlPath, key?: boolean) => SourceLocation;
}

/** Validates and returns one error per problem (empty when valid). */
export const checkSchema = (check: SchemaCheck): DagrunError[] => {
  const validate = compileSchema(check.schema);
  if (validate(check.data)) return [];
  return dedupe(validate.errors ?? []).map((e) => toError(e, check));
};

/** ajv reports "anyOf"/"oneOf" plus every branch; keep the most specific and drop the umbrella ones. */
const dedupe = (errors: ErrorObject[]): ErrorObject[] => {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  const seen = new Map<string, ErrorObject>();
  const out: ErrorObject[] = [];
  for (const e of specific.length > 0 ? specific : errors) {
    // For a union of types, report once per field, naming every type the union allows.
    const key =
      e.keyword === 'type' ? `${e.instancePath}|type` : `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    const first = seen.get(key);
    if (first) {
      if (e.keyword === 'type')
        (first.params as { type: string }).type += `,${String((e.params as { type: string }).type)}`;
      continue;
    }
    const copy = { ...e, params: { ...e.params } };
    seen.set(key, copy);
    out.push(copy);
  }
  return out;
};

const toError = (e: ErrorObject, check: SchemaCheck): DagrunError => {
  const path = pointerToPath(e.instancePath);
  const field = path.length > 0 ? path.join('.') : undefined;
  const where = field ? `${check.subject}, field '${field}'` : check.subject;
  const got = describe(valueAt(check.data, path));
  switch (e.keyword) {
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return new ConfigError(
        check.code,
        `${check.subject}: expected option '${[...path, missing].join('.')}', but got nothing.`,
        {
          location: check.locate(path, true),
          hint: `Hint: add '${missing}: …' to this entry.`,
        },
      );
    }
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(((subSchema(check.schema, path) ?? {}) as { properties?: object }).properties ?? {});
      const mean = didYouMean(extra, allowed);
      return new ConfigError(
        check.code,
        `${check.subject}: expected only known options, but got unknown option '${[...path, extra].join('.')}'.`,
        {
          location: check.locate([...path, extra], true),
          hint: mean
            ? `Hint: ${mean}`
            : allowed.length > 0
              ? `Hint: allowed options: ${allowed.join(', ')}.`
              : undefined,
        },
      );
    }
    case 'type':
      return new ConfigError(
        check.code,
        `${where}: expected ${String((e.params as { type: string }).type).replace(/,/g, ' or ')}, but got ${got}.`,
        { location: check.locate(path) },
      );
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const mean =
        typeof valueAt(check.data, path) === 'string'
          ? didYouMean(String(valueAt(check.data, path)), allowed.map(String))
          : undefined;
      return new ConfigError(
        check.code,
        `${where}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, but got ${got}.`,
        {
          location: check.locate(path),
          hint: mean ? `Hint: ${mean}` : undefined,
        },
      );
    }
    case 'const':
      return new ConfigError(
        check.code,
        `${where}: expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, but got ${got}.`,
        { location: check.locate(path) },
      );
    default:
      return new ConfigError(
        check.code,
        `${where}: expected a value that ${e.message ?? 'matches the schema'}, but got ${got}.`,
        { location: check.locate(path) },
      );
  }
};

const valueAt = (data: unknown, path: YamlPath): unknown => {
  let cur = data;
  for (const seg of path)
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[String(seg)] : undefined;
  return cur;
};

const subSchema = (schema: JsonSchema, path: YamlPath): JsonSchema | undefined => {
  let cur: JsonSchema | undefined = schema;
  for (const seg of path) {
    if (!cur) return undefined;
    const props = cur.properties as Record<string, JsonSchema> | undefined;
    if (typeof seg === 'number') cur = cur.items as JsonSchema | undefined;
    else
      cur =
        props?.[seg] ??
        (typeof cur.additionalProperties === 'object' ? (cur.additionalProperties as JsonSchema) : undefined);
  }
  return cur;
};

export const describe = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
};
