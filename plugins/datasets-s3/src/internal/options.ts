// The settings of an s3:// storage: `storage_options` and the credentials entry, checked when the
// catalog is built (every problem at once, never a credential value in a message), with AWS_*
// environment variables and S3 defaults filling what the entry leaves out.

import { didYouMean } from '@dagrun/core';
import type { Static } from 'typebox';

export const MiB = 1024 * 1024;
/** S3 refuses parts under 5 MiB (except the last) and over 5 GiB, and uploads of more than 10,000 parts. */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;

const CHECKSUM_MODES = ['when_supported', 'when_required'] as const;
const CONCURRENCY = { minimum: 1, maximum: 64 } as const;
const ATTEMPTS = { minimum: 1, maximum: 10 } as const;

/**
 * `storage_options` of an s3:// entry, as written in catalog.yaml (or as plugin options in dagrun.yaml):
 * their names, types and descriptions, and the limits a schema can state. checkOptions checks them with
 * those limits and what a schema cannot say (a URL's host, a size's unit, S3's part limits), in messages
 * made for each option.
 */
const S3_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    endpoint_url: {
      type: 'string',
      description:
        'Server URL for S3-compatible stores (MinIO, s3rver, Ceph, R2…); default AWS_ENDPOINT_URL_S3, ' +
        'AWS_ENDPOINT_URL, else AWS.',
    },
    region: { type: 'string', minLength: 1, description: 'Default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1.' },
    force_path_style: {
      type: 'boolean',
      description:
        '`http://host/bucket/key` instead of `http://bucket.host/key`; default true when an endpoint is set.',
    },
    multipart_threshold: {
      type: ['integer', 'string'],
      description:
        'Objects of at least this many bytes go up in parts; bytes or a size such as "64 MiB". Default 8 MiB.',
    },
    part_size: {
      type: ['integer', 'string'],
      description: 'Bytes per part (5 MiB to 5 GiB), or a size such as "16 MiB"; default 8 MiB.',
    },
    max_concurrency: { type: 'integer', ...CONCURRENCY, description: 'Parts uploaded at once; default 4.' },
    max_attempts: {
      type: 'integer',
      ...ATTEMPTS,
      description: 'Tries per request, the first included (the SDK retries throttling and network errors); default 3.',
    },
    request_checksum_calculation: {
      enum: CHECKSUM_MODES,
      description:
        'Whether to send CRC checksums with uploads; `when_required` for stores that reject them. Default: ' +
        "the SDK's (when_supported).",
    },
    response_checksum_validation: {
      enum: CHECKSUM_MODES,
      description: "Whether to check the checksums a store returns; default: the SDK's (when_supported).",
    },
  },
  additionalProperties: false,
} as const;
export type S3StorageOptions = Static<typeof S3_OPTIONS_SCHEMA>;
export type ChecksumMode = (typeof CHECKSUM_MODES)[number];
type OptionName = keyof S3StorageOptions;

export const OPTION_NAMES = Object.keys(S3_OPTIONS_SCHEMA.properties) as readonly OptionName[];

/** Credential keys, with the short names s3fs and Kedro use (`key`, `secret`, `token`). */
const CREDENTIAL_KEYS = {
  accessKeyId: ['aws_access_key_id', 'key'],
  secretAccessKey: ['aws_secret_access_key', 'secret'],
  sessionToken: ['aws_session_token', 'token'],
} as const;

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Everything an S3Storage needs, defaults applied. */
export interface S3Settings {
  /** Without a trailing slash; undefined: AWS. */
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly multipartThreshold: number;
  readonly partSize: number;
  readonly maxConcurrency: number;
  readonly maxAttempts: number;
  readonly requestChecksumCalculation: ChecksumMode | undefined;
  readonly responseChecksumValidation: ChecksumMode | undefined;
  /** Undefined: the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, SSO, instance roles). */
  readonly credentials: S3Credentials | undefined;
}

/** One thing wrong with the options or credentials. */
export interface Problem {
  readonly detail: string;
  readonly hint?: string | undefined;
}

type Environ = Readonly<Record<string, string | undefined>>;

const DEFAULT_SIZE = 8 * MiB;

/** Checks options and credentials; returns the settings, or every problem found. */
export const resolveSettings = (
  options: Readonly<Record<string, unknown>> | undefined,
  credentials: Readonly<Record<string, unknown>> | undefined,
  environ: Environ = process.env,
): { settings: S3Settings; problems: [] } | { settings: undefined; problems: Problem[] } => {
  const problems: Problem[] = checkOptions(options ?? {});
  const creds = checkCredentials(credentials, problems);
  if (problems.length > 0) return { settings: undefined, problems };
  const o = (options ?? {}) as S3StorageOptions;
  const endpoint = (
    o.endpoint_url ??
    nonEmpty(environ.AWS_ENDPOINT_URL_S3) ??
    nonEmpty(environ.AWS_ENDPOINT_URL)
  )?.replace(/\/+$/, '');
  return {
    settings: {
      endpoint,
      region: o.region ?? nonEmpty(environ.AWS_REGION) ?? nonEmpty(environ.AWS_DEFAULT_REGION) ?? 'us-east-1',
      forcePathStyle: o.force_path_style ?? endpoint !== undefined,
      multipartThreshold:
        o.multipart_threshold === undefined ? DEFAULT_SIZE : (parseSize(o.multipart_threshold) as number),
      partSize: o.part_size === undefined ? DEFAULT_SIZE : (parseSize(o.part_size) as number),
      maxConcurrency: o.max_concurrency ?? 4,
      maxAttempts: o.max_attempts ?? 3,
      requestChecksumCalculation: o.request_checksum_calculation,
      responseChecksumValidation: o.response_checksum_validation,
      credentials: creds,
    },
    problems: [],
  };
};

/** Problems of `storage_options` (or of the plugin's options, which are defaults for them). */
export const checkOptions = (options: Readonly<Record<string, unknown>>): Problem[] => {
  const problems: Problem[] = [];
  const bad = (name: string, expected: string, value: unknown, hint?: string) =>
    problems.push({ detail: `S3 storage option '${name}': expected ${expected}, but got ${show(value)}.`, hint });
  for (const [name, value] of Object.entries(options)) {
    switch (name as OptionName) {
      case 'endpoint_url':
        if (typeof value !== 'string' || !isHttpUrl(value))
          bad(
            name,
            'an http:// or https:// URL',
            value,
            'Hint: e.g. http://localhost:9000 for MinIO; leave it out for AWS.',
          );
        break;
      case 'region':
        if (typeof value !== 'string' || value === '') bad(name, 'a region name such as eu-west-1', value);
        break;
      case 'force_path_style':
        if (typeof value !== 'boolean') bad(name, 'true or false', value);
        break;
      case 'multipart_threshold': {
        const n = parseSize(value);
        if (n === undefined || n < 1)
          bad(name, 'a size of at least 1 byte (bytes, or a string such as "64 MiB")', value);
        break;
      }
      case 'part_size': {
        const n = parseSize(value);
        if (n === undefined) bad(name, 'a size in bytes (an integer, or a string such as "16 MiB")', value);
        else if (n < MIN_PART_SIZE || n > MAX_PART_SIZE)
          bad(name, "a size from 5 MiB to 5 GiB (S3's limits for a part)", value);
        break;
      }
      case 'max_concurrency':
        if (!isIntIn(value, CONCURRENCY))
          bad(name, `an integer from ${CONCURRENCY.minimum} to ${CONCURRENCY.maximum}`, value);
        break;
      case 'max_attempts':
        if (!isIntIn(value, ATTEMPTS)) bad(name, `an integer from ${ATTEMPTS.minimum} to ${ATTEMPTS.maximum}`, value);
        break;
      case 'request_checksum_calculation':
      case 'response_checksum_validation':
        if (!(CHECKSUM_MODES as readonly unknown[]).includes(value))
          bad(name, CHECKSUM_MODES.map((m) => `'${m}'`).join(' or '), value);
        break;
      default: {
        const mean = didYouMean(name, OPTION_NAMES);
        problems.push({
          detail: `S3 storage option '${name}': expected one of ${OPTION_NAMES.join(', ')}, but got an unknown option.`,
          hint: mean
            ? `Hint: ${mean}`
            : name === 'credentials' || /key|secret|token/i.test(name)
              ? 'Hint: keys belong in credentials.yaml; name that entry with `credentials:` in the catalog entry.'
              : undefined,
        });
      }
    }
  }
  return problems;
};

/** The credentials entry as SDK credentials. Only key names and kinds of values ever reach a message. */
const checkCredentials = (
  raw: Readonly<Record<string, unknown>> | undefined,
  problems: Problem[],
): S3Credentials | undefined => {
  if (raw === undefined) return undefined;
  const known = Object.values(CREDENTIAL_KEYS).flat() as string[];
  const found: Partial<Record<keyof typeof CREDENTIAL_KEYS, string>> = {};
  let ok = true;
  for (const [name, value] of Object.entries(raw)) {
    if (!known.includes(name)) {
      const mean = credentialMeant(name) ?? didYouMean(name, known);
      problems.push({
        detail: `S3 credentials key '${name}': expected one of ${known.join(', ')}, but got an unknown key.`,
        hint: mean ? `Hint: ${mean}` : undefined,
      });
      ok = false;
      continue;
    }
    if (typeof value !== 'string' || value === '') {
      problems.push({
        detail:
          `S3 credentials key '${name}': expected a non-empty string, ` +
          `but got ${value === '' ? 'an empty string' : kind(value)}.`,
      });
      ok = false;
    }
  }
  for (const [field, names] of Object.entries(CREDENTIAL_KEYS) as Array<
    [keyof typeof CREDENTIAL_KEYS, readonly string[]]
  >) {
    const given = names.filter((n) => raw[n] !== undefined);
    if (given.length > 1) {
      problems.push({
        detail: `S3 credentials: expected one of '${names[0]}' and its short name '${names[1]}', but got both.`,
      });
      ok = false;
    } else if (given.length === 1 && typeof raw[given[0]!] === 'string') found[field] = raw[given[0]!] as string;
  }
  if (!ok) return undefined;
  const { accessKeyId, secretAccessKey, sessionToken } = found;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const has =
      accessKeyId !== undefined
        ? 'aws_access_key_id'
        : secretAccessKey !== undefined
          ? 'aws_secret_access_key'
          : sessionToken !== undefined
            ? 'aws_session_token'
            : undefined;
    problems.push({
      detail:
        `S3 credentials: expected aws_access_key_id and aws_secret_access_key together, ` +
        `but got ${has ? `only ${has}` : 'neither'}.`,
      hint:
        'Hint: give both in the credentials entry, or name no credentials to use AWS_ACCESS_KEY_ID / ' +
        'AWS_SECRET_ACCESS_KEY or the AWS profile.',
    });
    return undefined;
  }
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
};

/** Names such as aws_secret_key or access_key are close in meaning, if not in spelling, to one key. */
const credentialMeant = (name: string): string | undefined => {
  const meant = /secret|password/i.test(name)
    ? 'aws_secret_access_key'
    : /token|session/i.test(name)
      ? 'aws_session_token'
      : /key|access|id$/i.test(name)
        ? 'aws_access_key_id'
        : undefined;
  return meant ? `did you mean: '${meant}'?` : undefined;
};

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: MiB, gib: 1024 * MiB };

/** Bytes from an integer or a string such as "64 MiB", "5MB", "1048576"; undefined when it is neither. */
export const parseSize = (value: unknown): number | undefined => {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined) return undefined;
  const n = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
};

const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
};

const isIntIn = (v: unknown, { minimum, maximum }: { minimum: number; maximum: number }): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= minimum && v <= maximum;

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);

/** An option's value as a message shows it (options are not secrets). */
const show = (v: unknown): string =>
  typeof v === 'string'
    ? `string ${JSON.stringify(v)}`
    : typeof v === 'number' || typeof v === 'boolean'
      ? `${typeof v} ${String(v)}`
      : kind(v);
