// conf/<env>/serve.yaml: what a project serves and how. Layered like parameters (conf/base, conf/local,
// --env), `${env:VAR}` for secrets, checked against one JSON Schema (whose TypeScript type TypeBox's Static
// reads off it) with file:line in every error.

import {
  checkSchema,
  ConfigError,
  CONTRACT_KEY,
  didYouMean,
  parseContract,
  recordJsonSchema,
  type DagrunError,
  type JsonSchema,
  type Project,
  type SourceLocation,
} from '@dagrun/core';
import type { Static } from 'typebox';
import {
  type ApiKeyConfig,
  DURATION,
  JWT_SCHEMA,
  SERVE_YAML_SCHEMA,
  type ServeYaml,
  UNIT_MS,
} from './config-schema.js';

export type { ApiKeyConfig };

/** What serve.yaml leaves out. */
const DEFAULTS = {
  max_batch: 1000,
  body_limit: 1_048_576,
  request_timeout: '10 seconds',
  headers_timeout: '5 seconds',
  keep_alive_timeout: '5 seconds',
  rate_limit: { max: 600_000, window: '1 minute', headers: false, failed_auth: 30 },
  prediction_log: { path: 'data/09_monitoring/predictions-{date}.jsonl' },
  access_log: 'stdout',
  compat: { enabled: false, ignore_fields: [] as string[] },
  port: 8000,
  host: '127.0.0.1',
};
/** Default clock tolerance of JWT time claims. */
const JWT_CLOCK_TOLERANCE = '30 seconds';

/** serve.yaml with its defaults filled in and its record schema resolved: what the server runs on. */
export type ServeConfig = Readonly<
  Omit<ServeYaml, keyof typeof DEFAULTS | 'auth' | 'record_schema' | 'record_schema_from'> &
    typeof DEFAULTS & {
      /** JSON Schema of one input record: validation, error messages and the OpenAPI document all come from it. */
      record_schema: JsonSchema;
      auth: {
        readonly api_keys: readonly ApiKeyConfig[];
        /** Bearer tokens; undefined: off. */
        readonly jwt:
          | (Omit<Static<typeof JWT_SCHEMA>, 'secret' | 'clock_tolerance'> & {
              readonly secret: string;
              readonly clock_tolerance: string;
            })
          | undefined;
        readonly public: readonly ('health' | 'docs' | 'metrics' | 'model')[];
      };
    }
>;

/** model.reload_every: a duration, or off (also `0`, or 0 in any unit). */
const RELOAD = new RegExp(`^(off|0|${DURATION.source.slice(1, -1)})$`);
/** The poll interval when serve.yaml does not say: a moved alias is served within this. */
export const DEFAULT_RELOAD_EVERY = '10 seconds';

/** A duration of serve.yaml (already checked against DURATION) in milliseconds. */
export const durationMs = (duration: string): number => {
  const m = DURATION.exec(duration);
  if (!m)
    throw new Error(`Duration '${duration}': expected a number and a unit (ms, s, minute, hour), e.g. '1 minute'.`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
};

/** model.reload_every (already checked against the schema) in milliseconds; 0: no polling. */
export const reloadEveryMs = (config: ServeConfig): number => {
  const every = config.model.reload_every ?? DEFAULT_RELOAD_EVERY;
  return every === 0 || every === '0' || every === 'off' ? 0 : durationMs(String(every));
};

type Locate = (path: ReadonlyArray<string | number>, key?: boolean) => SourceLocation;

/**
 * The record schema: serve.yaml's own `record_schema`, or the JSON Schema of one record of a catalog
 * entry's data contract (`record_schema_from: train`, or `{ dataset: train, omit: [price] }`), closed to
 * fields the contract does not list. Resolved once at start-up: a request pays only the Ajv check.
 */
const resolveRecordSchema = (
  project: Project,
  data: Record<string, unknown>,
  locate: Locate,
  errors: DagrunError[],
): JsonSchema => {
  const from = data.record_schema_from as string | { dataset: string; omit?: string[] } | undefined;
  const given = data.record_schema as JsonSchema | undefined;
  if ((from === undefined) === (given === undefined)) {
    errors.push(
      new ConfigError(
        'DAGRUN_ERR_CONFIG_SCHEMA',
        'Serving configuration: expected one of record_schema or record_schema_from, but got ' +
          `${given ? 'both' : 'neither'}.`,
        {
          location: locate(given ? ['record_schema_from'] : [], given !== undefined),
          hint:
            "Hint: record_schema_from: <catalog entry> derives the record from that entry's data contract " +
            '(docs/serve.md).',
        },
      ),
    );
    return given ?? {};
  }
  if (given) return given;
  const { dataset, omit = [] } = typeof from === 'string' ? { dataset: from } : from!;
  const at = typeof from === 'string' ? ['record_schema_from'] : ['record_schema_from', 'dataset'];
  const entries = project.catalogConfig?.data ?? {};
  const entry = entries[dataset] as Record<string, unknown> | undefined;
  if (!entry || typeof entry !== 'object') {
    const mean = didYouMean(dataset, Object.keys(entries));
    errors.push(
      new ConfigError(
        'DAGRUN_ERR_CONFIG_SCHEMA',
        `Serving configuration, field '${at.join('.')}': expected a catalog entry with a data contract, but got ` +
          `'${dataset}', which the catalog does not hold.`,
        {
          location: locate(at),
          hint: mean ? `Hint: ${mean}` : undefined,
        },
      ),
    );
    return {};
  }
  if (entry[CONTRACT_KEY] === undefined) {
    errors.push(
      new ConfigError(
        'DAGRUN_ERR_CONFIG_SCHEMA',
        `Serving configuration, field '${at.join('.')}': expected a catalog entry with a data contract, but got ` +
          `'${dataset}' (${String(entry.type)}), which has no '${CONTRACT_KEY}:'.`,
        {
          location: locate(at),
          hint:
            `Hint: add ${CONTRACT_KEY}: to catalog entry '${dataset}' (docs/catalog-yaml.md#data-contracts), ` +
            'or write record_schema here by hand.',
        },
      ),
    );
    return {};
  }
  let contract: ReturnType<typeof parseContract>;
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
    errors.push(
      new ConfigError(
        'DAGRUN_ERR_CONFIG_SCHEMA',
        `Serving configuration, field 'record_schema_from.omit.${i}': expected a column of the contract of ` +
          `'${dataset}' (${Object.keys(contract.columns).join(', ')}), but got '${name}'.`,
        {
          location: locate(['record_schema_from', 'omit', i]),
          hint: mean ? `Hint: ${mean}` : undefined,
        },
      ),
    );
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
        new ConfigError(
          'DAGRUN_ERR_CONFIG_NOT_FOUND',
          `Serving configuration of project '${project.settings.name}': expected conf/base/serve.yaml, but got no ` +
            'such file.',
          {
            hint: 'Hint: declare the pipeline, its input and output datasets and the record schema; see docs/serve.md.',
          },
        ),
      ],
    };
  }
  const data = section.data;
  // A key of digits only arrives from ${env:VAR} as a number: it is still a key (and never printed).
  for (const k of ((data.auth as { api_keys?: unknown[] } | undefined)?.api_keys ?? []) as Array<
    Record<string, unknown>
  >) {
    if (k && typeof k === 'object' && typeof k.key === 'number') k.key = String(k.key);
  }
  const jwtData = (data.auth as { jwt?: Record<string, unknown> } | undefined)?.jwt;
  if (jwtData && typeof jwtData === 'object' && typeof jwtData.secret === 'number')
    jwtData.secret = String(jwtData.secret);
  errors.push(
    ...checkSchema({
      schema: SERVE_YAML_SCHEMA,
      data,
      subject: 'Serving configuration',
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      locate: (path, key) => section.locate(path, key),
    }),
  );
  if (errors.length > 0) return { config: undefined, errors };
  const yaml = data as ServeYaml;
  const fieldError = (path: Array<string | number>, message: string, hint?: string): void => {
    errors.push(
      new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field '${path.join('.')}': ${message}`, {
        location: section.locate(path),
        hint,
      }),
    );
  };
  const every = yaml.model.reload_every;
  if (every !== undefined && !RELOAD.test(String(every))) {
    fieldError(
      ['model', 'reload_every'],
      `expected a duration (a number and a unit: ms, s, minute, hour) or off, but got ${JSON.stringify(every)}.`,
      'Hint: e.g. reload_every: 10 seconds; off (or 0) never looks for a new version.',
    );
  }
  const recordSchema = resolveRecordSchema(project, data, section.locate.bind(section), errors);
  const auth = yaml.auth ?? {};
  const keys = (auth.api_keys ?? []).filter((k) => (k.key ?? '') !== '' || k.key_sha256 !== undefined);
  (auth.api_keys ?? []).forEach((k, i) => {
    if (k.key !== undefined && k.key_sha256 !== undefined)
      fieldError(['auth', 'api_keys', i], 'expected one of key or key_sha256, but got both.');
    if (k.key !== undefined && k.key !== '' && k.key.length < 16) {
      fieldError(
        ['auth', 'api_keys', i, 'key'],
        `expected a key of at least 16 characters, but got ${k.key.length}.`,
        'Hint: generate one with `openssl rand -hex 24`.',
      );
    }
  });
  // HS256 with a short secret can be brute-forced offline from one token: at least 32 bytes, as RFC 7518 §3.2 asks.
  const secret = auth.jwt?.secret ?? '';
  if (secret !== '' && Buffer.byteLength(secret) < 32) {
    fieldError(
      ['auth', 'jwt', 'secret'],
      `expected a secret of at least 32 bytes (HS256, RFC 7518 §3.2), but got ${Buffer.byteLength(secret)}.`,
      'Hint: generate one with `openssl rand -hex 32`.',
    );
  }
  const headers = durationMs(yaml.headers_timeout ?? DEFAULTS.headers_timeout);
  const request = durationMs(yaml.request_timeout ?? DEFAULTS.request_timeout);
  if (request < headers) {
    fieldError(
      ['request_timeout'],
      `expected at least headers_timeout (${yaml.headers_timeout ?? DEFAULTS.headers_timeout}): the whole request ` +
        `includes its headers, but got ${yaml.request_timeout ?? DEFAULTS.request_timeout}.`,
    );
  }
  const { auth: _auth, record_schema: _given, record_schema_from: _from, ...rest } = yaml;
  const config: ServeConfig = {
    ...DEFAULTS,
    ...rest,
    record_schema: recordSchema,
    rate_limit: { ...DEFAULTS.rate_limit, ...yaml.rate_limit },
    compat: { ...DEFAULTS.compat, ...yaml.compat },
    prediction_log: yaml.prediction_log ?? DEFAULTS.prediction_log,
    auth: {
      api_keys: keys,
      jwt:
        secret === ''
          ? undefined
          : { ...auth.jwt, secret, clock_tolerance: auth.jwt?.clock_tolerance ?? JWT_CLOCK_TOLERANCE },
      public: auth.public ?? ['health', 'docs'],
    },
  };
  return { config: errors.length > 0 ? undefined : config, errors };
};
