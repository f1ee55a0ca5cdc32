// Request validation from the record schema of serve.yaml. One schema gives the validators, the OpenAPI
// document and the messages: each problem names the field (`[3].net_area`) and the rule it breaks.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '@dagrun/core';

export interface Problem {
  /** Where in the body: `net_area`, `[3].net_area`, or `` for the body itself. */
  readonly field: string;
  /** The schema keyword broken: type, required, enum, minimum, additionalProperties, … */
  readonly rule: string;
  readonly message: string;
}

/** A 4xx error carrying its problems; the error handler turns it into the response. */
export class RequestError extends Error {
  readonly statusCode: number;
  readonly problems: readonly Problem[];

  constructor(statusCode: number, message: string, problems: readonly Problem[] = []) {
    super(message);
    this.statusCode = statusCode;
    this.problems = problems;
  }
}

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });

const fieldOf = (e: ErrorObject): string => {
  let path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  if (e.keyword === 'required') path += `.${(e.params as { missingProperty: string }).missingProperty}`;
  if (e.keyword === 'additionalProperties')
    path += `.${(e.params as { additionalProperty: string }).additionalProperty}`;
  return path.startsWith('.') ? path.slice(1) : path;
};

const messageOf = (e: ErrorObject): string => {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field of a record';
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `must be ${String(p.type).replace(',', ' or ')}`;
    default:
      return e.message ?? e.keyword;
  }
};

export const problemsOf = (errors: readonly ErrorObject[] | null | undefined): Problem[] =>
  (errors ?? [])
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf')
    .map((e) => ({ field: fieldOf(e), rule: e.keyword, message: messageOf(e) }));

/** "net_area must be >= 1; [2].sector must be one of …" (the first few). */
export const summarise = (problems: readonly Problem[]): string => {
  const shown = problems.slice(0, 5).map((p) => `${p.field || 'body'} ${p.message}`);
  return `${shown.join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}.`;
};

export interface Validators {
  /** One record, or an array of 1..maxBatch records (POST /api/v1/predict). */
  readonly predictBody: JsonSchema;
  checkPredict(body: unknown): Problem[];
  /** The original service's body: an array of records that may also carry the ignored fields. */
  readonly compatBody: JsonSchema;
  checkCompat(body: unknown): Problem[];
}

export const buildValidators = (record: JsonSchema, maxBatch: number, ignoreFields: readonly string[]): Validators => {
  const one = ajv.compile(record);
  const many: ValidateFunction = ajv.compile({ type: 'array', minItems: 1, maxItems: maxBatch, items: record });
  const props = (record.properties ?? {}) as Record<string, unknown>;
  const compatRecord = {
    ...record,
    properties: {
      ...props,
      ...Object.fromEntries(
        ignoreFields.map((f) => [f, { description: 'Accepted and ignored (the original service required it).' }]),
      ),
    },
    required: [...((record.required as string[] | undefined) ?? []), ...ignoreFields],
  };
  const compatBody = { type: 'array', items: compatRecord };
  const compat = ajv.compile(compatBody);
  return {
    predictBody: { anyOf: [record, { type: 'array', minItems: 1, maxItems: maxBatch, items: record }] },
    checkPredict: (body) => {
      // Report against the shape the client sent: a record, or a batch.
      if (Array.isArray(body)) return many(body) ? [] : problemsOf(many.errors);
      if (typeof body === 'object' && body !== null) return one(body) ? [] : problemsOf(one.errors);
      return [
        {
          field: '',
          rule: 'type',
          message:
            `must be a record (object) or an array of 1 to ${maxBatch} records, but got ` +
            `${body === null ? 'null' : typeof body}`,
        },
      ];
    },
    compatBody,
    // Not one record: the route answers the original service's 400 before any record is checked.
    checkCompat: (body) =>
      Array.isArray(body) && body.length !== 1 ? [] : compat(body) ? [] : problemsOf(compat.errors),
  };
};
