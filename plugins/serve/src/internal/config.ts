// conf/<env>/serve.yaml: what a project serves and how. Layered like parameters (conf/base, conf/local,
// --env), `${env:VAR}` for secrets, checked against a JSON Schema with file:line in every error.

import { checkSchema, ConfigError, CONTRACT_KEY, didYouMean, parseContract, recordJsonSchema, type DagrunError, type JsonSchema, type Project, type SourceLocation } from '@dagrun/core';

export interface ApiKeyConfig {
  /** Who the key belongs to: written to the prediction log and used for rate limits (never the key). */
  readonly client: string;
  /** The key itself (from `${env:VAR}`), or… */
  readonly key?: string | undefined;
  /** …its SHA-256 in hex, so the configuration never holds the key. */
  readonly key_sha256?: string | undefined;
  /** `predict` (default) and/or `admin` (model reload). */
  readonly scopes?: readonly ('predict' | 'admin')[] | undefined;
}

export interface ServeConfig {
  /** The pipeline run per request. */
  readonly pipeline: string;
  /** The dataset the request's records fill (an array of records). */
  readonly input: string;
  /** The dataset the response is made of: one prediction per record. */
  readonly output: string;
  /**
   * JSON Schema of one input record: validation, error messages and the OpenAPI document all come from it.
   * Written here, or derived from a catalog entry's data contract (`record_schema_from`).
   */
  readonly record_schema: JsonSchema;
  /**
   * The model: the dataset whose version the API reports and reloads; the metrics saved with it (a plain
   * versioned dataset; a registry version brings its run's own); how often to look for a new current
   * version (`5 seconds`; `off` or 0: never; default 10 seconds).
   */
  readonly model: { readonly dataset: string; readonly metrics?: string | undefined; readonly reload_every?: string | number | undefined };
  /** Most records in one request. */
  readonly max_batch: number;
  /** Largest request body, bytes (larger: 413). */
  readonly body_limit: number;
  readonly auth: {
    readonly api_keys: readonly ApiKeyConfig[];
    /** HS256 secret for bearer tokens; empty or absent: JWT off. */
    readonly jwt_secret?: string | undefined;
    /** Routes reachable without credentials: any of health, docs, metrics, model. */
    readonly public: readonly ('health' | 'docs' | 'metrics' | 'model')[];
  };
  /**
   * Per client: at most `max` requests per `window` (e.g. "1 minute"). A 429 carries retry-after and the
   * x-ratelimit-* headers; `headers: true` sends x-ratelimit-limit, -remaining and -reset on every answer.
   * Per IP address: after `failed_auth` refused credentials in a window, every request from it is a 429
   * until the window ends (the right key included, so guessing keys cannot go on).
   */
  readonly rate_limit: { readonly max: number; readonly window: string; readonly headers: boolean; readonly failed_auth: number };
  /** Where every prediction is appended as a JSON line; `{date}` becomes the UTC day (one file per day). */
  readonly prediction_log: { readonly path: string };
  /** Access logs (one line per request): `stdout`, `off`, or a file path. */
  readonly access_log: string;
  /** The original FastAPI service's routes (/api/v1/health/, /api/v1/predict/), with fields it accepts and drops. */
  readonly compat: { readonly enabled: boolean; readonly ignore_fields: readonly string[] };
  readonly port: number;
  readonly host: string;
}

/** A rate-limit window: a number and a unit. */
const WINDOW = /^(\d+) ?(ms|s|second|seconds|m|minute|minutes|h|hour|hours)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, second: 1000, seconds: 1000, m: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hour: 3_600_000, hours: 3_600_000 };

/** model.reload_every: a window, or off (also `0`, or 0 in any unit). */
const RELOAD = new RegExp(`^(off|0|${WINDOW.source.slice(1, -1)})$`);
/** The poll interval when serve.yaml does not say: a moved alias is served within this. */
export const DEFAULT_RELOAD_EVERY = '10 seconds';

/** A window of serve.yaml (already checked against WINDOW) in milliseconds. */
export const windowMs = (window: string): number => {
  const m = WINDOW.exec(window);
  if (!m) throw new Error(`rate_limit.window '${window}': expected a number and a unit (ms, s, minute, hour), e.g. '1 minute'`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
};

/** model.reload_every (already checked against the schema) in milliseconds; 0: no polling. */
export const reloadEveryMs = (config: ServeConfig): number => {
  const every = config.model.reload_every ?? DEFAULT_RELOAD_EVERY;
  return every === 0 || every === '0' || every === 'off' ? 0 : windowMs(String(every));
};

const SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['pipeline', 'input', 'output', 'model'],
  properties: {
    pipeline: { type: 'string', minLength: 1 },
    input: { type: 'string', minLength: 1 },
    output: { type: 'string', minLength: 1 },
    record_schema: { type: 'object', required: ['type', 'properties'], properties: { type: { const: 'object' }, properties: { type: 'object' } } },
    record_schema_from: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'object', additionalProperties: false, required: ['dataset'], properties: { dataset: { type: 'string', minLength: 1 }, omit: { type: 'array', items: { type: 'string' } } } },
      ],
    },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['dataset'],
      properties: {
        dataset: { type: 'string', minLength: 1 },
        metrics: { type: 'string', minLength: 1 },
        // Its form is checked in loadServeConfig, with a message that says what to write (a pattern would not).
        reload_every: { type: ['string', 'integer'] },
      },
    },
    max_batch: { type: 'integer', minimum: 1, maximum: 100000 },
    body_limit: { type: 'integer', minimum: 1024 },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        api_keys: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['client'],
            properties: {
              client: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
              key: { type: 'string', maxLength: 512 },
              key_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              scopes: { type: 'array', items: { enum: ['predict', 'admin'] } },
            },
          },
        },
        jwt_secret: { type: 'string' },
        public: { type: 'array', items: { enum: ['health', 'docs', 'metrics', 'model'] } },
      },
    },
    rate_limit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max: { type: 'integer', minimum: 1 },
        window: { type: 'string', pattern: WINDOW.source },
        headers: { type: 'boolean' },
        failed_auth: { type: 'integer', minimum: 1 },
      },
    },
    prediction_log: { type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string', minLength: 1 } } },
    access_log: { type: 'string', minLength: 1 },
    compat: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, ignore_fields: { type: 'array', items: { type: 'string' } } },
    },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: { type: 'string', minLength: 1 },
  },
};

const DEFAULTS = {
  max_batch: 1000,
  body_limit: 1_048_576,
  rate_limit: { max: 600_000, window: '1 minute', headers: false, failed_auth: 30 },
  prediction_log: { path: 'data/09_monitoring/predictions-{date}.jsonl' },
  access_log: 'stdout',
  compat: { enabled: false, ignore_fields: [] as string[] },
  port: 8000,
  host: '127.0.0.1',
};

type Locate = (path: ReadonlyArray<string | number>, key?: boolean) => SourceLocation;

/**
 * The record schema: serve.yaml's own `record_schema`, or the JSON Schema of one record of a catalog
 * entry's data contract (`record_schema_from: train`, or `{ dataset: train, omit: [price] }`), closed to
 * fields the contract does not list. Resolved once at start-up: a request pays only the Ajv check.
 */
const resolveRecordSchema = (project: Project, data: Record<string, unknown>, locate: Locate, errors: DagrunError[]): JsonSchema => {
  const from = data.record_schema_from as string | { dataset: string; omit?: string[] } | undefined;
  const given = data.record_schema as JsonSchema | undefined;
  if ((from === undefined) === (given === undefined)) {
    errors.push(new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration: expected one of record_schema or record_schema_from, but got ${given ? 'both' : 'neither'}.`, {
      location: locate(given ? ['record_schema_from'] : [], given !== undefined),
      hint: 'Hint: record_schema_from: <catalog entry> derives the record from that entry\'s data contract (docs/serve.md).',
    }));
    return given ?? {};
  }
  if (given) return given;
  const { dataset, omit = [] } = typeof from === 'string' ? { dataset: from } : from!;
  const at = typeof from === 'string' ? ['record_schema_from'] : ['record_schema_from', 'dataset'];
  const entries = project.catalogConfig?.data ?? {};
  const entry = entries[dataset] as Record<string, unknown> | undefined;
  if (!entry || typeof entry !== 'object') {
    const mean = didYouMean(dataset, Object.keys(entries));
    errors.push(new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field '${at.join('.')}': expected a catalog entry with a data contract, but got '${dataset}', which the catalog does not hold.`, {
      location: locate(at),
      hint: mean ? `Hint: ${mean}` : undefined,
    }));
    return {};
  }
  if (entry[CONTRACT_KEY] === undefined) {
    errors.push(new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field '${at.join('.')}': expected a catalog entry with a data contract, but got '${dataset}' (${String(entry.type)}), which has no '${CONTRACT_KEY}:'.`, {
      location: locate(at),
      hint: `Hint: add ${CONTRACT_KEY}: to catalog entry '${dataset}' (docs/catalog-yaml.md#data-contracts), or write record_schema here by hand.`,
    }));
    return {};
  }
  let contract;
  try {
    contract = parseContract(entry[CONTRACT_KEY], `Data contract of catalog entry '${dataset}'`);
  } catch (err) {
    // The catalog check reports it with its own file:line; here it only stops serving.
    errors.push(err as DagrunError);
    return {};
  }
  omit.forEach((name, i) => {
    if (Object.hasOwn(contract.columns, name)) return;
    const mean = didYouMean(name, Object.keys(contract.columns));
    errors.push(new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field 'record_schema_from.omit.${i}': expected a column of the contract of '${dataset}' (${Object.keys(contract.columns).join(', ')}), but got '${name}'.`, {
      location: locate(['record_schema_from', 'omit', i]),
      hint: mean ? `Hint: ${mean}` : undefined,
    }));
  });
  // A request record is closed: a field the model never saw (a typo, a column of another version) is refused.
  return recordJsonSchema(contract, { omit, additionalProperties: false });
};

/** serve.yaml of the project's environments, merged, with defaults; every problem as a DagrunError. */
export const loadServeConfig = (project: Project): { config: ServeConfig | undefined; errors: DagrunError[] } => {
  const errors: DagrunError[] = [];
  const section = project.config.load('serve', 'deep', errors);
  if (errors.length > 0) return { config: undefined, errors };
  if (section.sources.length === 0) {
    return {
      config: undefined,
      errors: [
        new ConfigError('DAGRUN_ERR_CONFIG_NOT_FOUND', `Serving configuration of project '${project.settings.name}': expected conf/base/serve.yaml, but got no such file.`, {
          hint: 'Hint: declare the pipeline, its input and output datasets and the record schema; see docs/serve.md.',
        }),
      ],
    };
  }
  const data = section.data;
  // A key of digits only arrives from ${env:VAR} as a number: it is still a key (and never printed).
  for (const k of ((data.auth as { api_keys?: unknown[] } | undefined)?.api_keys ?? []) as Array<Record<string, unknown>>) {
    if (k && typeof k === 'object' && typeof k.key === 'number') k.key = String(k.key);
  }
  errors.push(...checkSchema({ schema: SCHEMA, data, subject: 'Serving configuration', code: 'DAGRUN_ERR_CONFIG_SCHEMA', locate: (path, key) => section.locate(path, key) }));
  if (errors.length > 0) return { config: undefined, errors };
  const every = (data.model as { reload_every?: string | number }).reload_every;
  if (every !== undefined && !RELOAD.test(String(every))) {
    errors.push(new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field 'model.reload_every': expected a duration (a number and a unit: ms, s, minute, hour) or off, but got ${JSON.stringify(every)}.`, {
      location: section.locate(['model', 'reload_every']),
      hint: `Hint: e.g. reload_every: 10 seconds; off (or 0) never looks for a new version.`,
    }));
  }
  const recordSchema = resolveRecordSchema(project, data, section.locate.bind(section), errors);
  const auth = (data.auth ?? {}) as Partial<ServeConfig['auth']>;
  const keys = (auth.api_keys ?? []).filter((k) => (k.key ?? '') !== '' || k.key_sha256 !== undefined);
  (auth.api_keys ?? []).forEach((k, i) => {
    if (k.key !== undefined && k.key_sha256 !== undefined) {
      errors.push(new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field 'auth.api_keys.${i}': expected one of key or key_sha256, but got both.`, { location: section.locate(['auth', 'api_keys', i]) }));
    }
    if (k.key !== undefined && k.key !== '' && k.key.length < 16) {
      errors.push(new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field 'auth.api_keys.${i}.key': expected a key of at least 16 characters, but got ${k.key.length}.`, {
        location: section.locate(['auth', 'api_keys', i, 'key']),
        hint: 'Hint: generate one with `openssl rand -hex 24`.',
      }));
    }
  });
  const config: ServeConfig = {
    ...DEFAULTS,
    ...(data as unknown as Partial<ServeConfig>),
    record_schema: recordSchema,
    rate_limit: { ...DEFAULTS.rate_limit, ...((data.rate_limit ?? {}) as object) },
    compat: { ...DEFAULTS.compat, ...((data.compat ?? {}) as object) },
    auth: { api_keys: keys, jwt_secret: auth.jwt_secret || undefined, public: auth.public ?? ['health', 'docs'] },
  } as ServeConfig;
  return { config: errors.length > 0 ? undefined : config, errors };
};
