// The JSON Schema of serve.yaml as written (before defaults), and the duration format its fields use. Its
// TypeScript type is read off it with TypeBox's Static (a type-only import: the builders cost ~165 ms to load).

import type { Static } from 'typebox';

/** A duration: a number and a unit ("1 minute", "500 ms"). */
export const DURATION = /^(\d+) ?(ms|s|second|seconds|m|minute|minutes|h|hour|hours)$/;
export const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};
/** A duration in serve.yaml: a number and a unit. */
const duration = (description: string) => ({ type: 'string', pattern: DURATION.source, description }) as const;

export const API_KEY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['client'],
  properties: {
    client: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]{1,64}$',
      description: 'Who the key belongs to: written to the prediction log and used for rate limits (never the key).',
    },
    key: { type: 'string', maxLength: 512, description: 'The key itself (from `${env:VAR}`), at least 16 characters.' },
    key_sha256: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description: "The key's SHA-256 in hex, so the configuration never holds the key.",
    },
    scopes: {
      type: 'array',
      items: { enum: ['predict', 'admin'] },
      description: '`predict` (default) and/or `admin` (model reload).',
    },
  },
} as const;

export const JWT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    secret: { type: 'string', description: 'HS256 secret of at least 32 bytes; empty or absent: bearer tokens off.' },
    audience: { type: 'string', minLength: 1, description: "When set, a token's `aud` must name it." },
    issuer: { type: 'string', minLength: 1, description: "When set, a token's `iss` must equal it." },
    clock_tolerance: duration('Clock skew allowed on exp, nbf and iat (default 30 seconds).'),
  },
} as const;

/**
 * The serve.yaml file, as written (before defaults): one JSON Schema, which checks the file and whose
 * TypeScript type TypeBox's Static reads off it (a type-only import: its builders cost ~165 ms to load).
 */
export const SERVE_YAML_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['pipeline', 'input', 'output', 'model'],
  properties: {
    pipeline: { type: 'string', minLength: 1, description: 'The pipeline run per request.' },
    input: {
      type: 'string',
      minLength: 1,
      description: "The dataset the request's records fill (an array of records).",
    },
    output: {
      type: 'string',
      minLength: 1,
      description: 'The dataset the response is made of: one prediction per record.',
    },
    record_schema: {
      type: 'object',
      required: ['type', 'properties'],
      properties: { type: { const: 'object' }, properties: { type: 'object' } },
    },
    record_schema_from: {
      anyOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          additionalProperties: false,
          required: ['dataset'],
          properties: { dataset: { type: 'string', minLength: 1 }, omit: { type: 'array', items: { type: 'string' } } },
        },
      ],
    },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['dataset'],
      properties: {
        dataset: {
          type: 'string',
          minLength: 1,
          description: 'The dataset whose version the API reports and reloads.',
        },
        metrics: {
          type: 'string',
          minLength: 1,
          description: "The metrics saved with a plain versioned model (a registry version brings its run's own).",
        },
        // Its form is checked in loadServeConfig, with a message that says what to write (a pattern would not).
        reload_every: {
          type: ['string', 'integer'],
          description: 'How often to look for a new current version (`5 seconds`; `off` or 0: never).',
        },
      },
    },
    max_batch: {
      type: 'integer',
      minimum: 1,
      maximum: 100000,
      description: 'Most records in one request (more: 413, refused before any record is looked at).',
    },
    body_limit: { type: 'integer', minimum: 1024, description: 'Largest request body, bytes (larger: 413).' },
    request_timeout: duration(
      'Time a client has to send its whole request, body included (then 408 and the connection closes).',
    ),
    headers_timeout: duration('Time a client has to send the request headers.'),
    keep_alive_timeout: duration('How long an idle keep-alive connection is kept open.'),
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        api_keys: { type: 'array', items: API_KEY_SCHEMA },
        jwt: JWT_SCHEMA,
        public: {
          type: 'array',
          items: { enum: ['health', 'docs', 'metrics', 'model'] },
          description: 'Routes reachable without credentials.',
        },
      },
    },
    rate_limit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max: { type: 'integer', minimum: 1, description: 'Requests per client per window.' },
        window: duration('The rate-limit window, e.g. "1 minute".'),
        headers: {
          type: 'boolean',
          description: 'Send x-ratelimit-limit, -remaining and -reset on every answer (a 429 always has them).',
        },
        failed_auth: {
          type: 'integer',
          minimum: 1,
          description: 'Refused credentials per IP address per window; then 429s until the window ends.',
        },
      },
    },
    prediction_log: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: { type: 'string', minLength: 1, description: '`{date}` becomes the UTC day (one file per day).' },
      },
    },
    access_log: { type: 'string', minLength: 1, description: '`stdout`, `off`, or a file path.' },
    compat: {
      type: 'object',
      additionalProperties: false,
      description: "The original FastAPI service's routes, with fields it accepts and drops.",
      properties: { enabled: { type: 'boolean' }, ignore_fields: { type: 'array', items: { type: 'string' } } },
    },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: { type: 'string', minLength: 1 },
  },
} as const;
export type ServeYaml = Static<typeof SERVE_YAML_SCHEMA>;
export type ApiKeyConfig = Static<typeof API_KEY_SCHEMA>;
