// Where a dataset connects. A credentials entry (a `url`, and/or host, port, user, password, database,
// ssl) comes first; without one, DATABASE_URL; whatever is still unset comes from the PG* variables
// libpq reads, then libpq's defaults. Values are checked here, and no message ever quotes one of them.

import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, didYouMean } from '@dagrun/core';

export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Undefined: pg looks in ~/.pgpass, as libpq does. */
  readonly password: string | undefined;
  readonly database: string;
  readonly sslmode: SslMode;
  /** Path of a CA certificate file for verify-ca / verify-full. */
  readonly sslrootcert: string | undefined;
  readonly connectTimeoutMs: number;
  /**
   * Where host and the rest came from, for hints: "its credentials
   * entry", "DATABASE_URL", "the PG* environment variables".
   */
  readonly source: string;
}

export const CREDENTIAL_KEYS = [
  'url',
  'host',
  'port',
  'user',
  'password',
  'database',
  'ssl',
  'sslrootcert',
  'connect_timeout',
] as const;
const SSL_MODES: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const DEFAULT_CONNECT_TIMEOUT_S = 10;

type Partial = { -readonly [K in keyof ConnectionSettings]?: ConnectionSettings[K] | undefined };

const credentialsError = (dataset: string, detail: string, hint?: string): ConfigError =>
  new ConfigError('DAGRUN_ERR_CONFIG_CREDENTIALS', `Credentials of catalog entry '${dataset}': ${detail}`, { hint });

/**
 * The settings for one dataset; throws a DAGRUN_ERR_CONFIG_CREDENTIALS
 * error naming the key at fault (never its value).
 */
export const resolveSettings = (
  dataset: string,
  credentials: Readonly<Record<string, unknown>> | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  projectDir = process.cwd(),
): ConnectionSettings => {
  let out: Partial = {};
  let source: string;
  if (credentials) {
    const unknown = Object.keys(credentials).filter((k) => !(CREDENTIAL_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      const mean = didYouMean(unknown[0]!, CREDENTIAL_KEYS);
      throw credentialsError(
        dataset,
        `expected only ${CREDENTIAL_KEYS.join(', ')}, but got unknown ` +
          `key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}.`,
        mean ? `Hint: ${mean}` : undefined,
      );
    }
    if (credentials.url !== undefined) out = parseUrl(dataset, credentials.url, 'url');
    out = { ...out, ...fromFields(dataset, credentials) };
    source = 'its credentials entry';
  } else if (env.DATABASE_URL) {
    out = parseUrl(dataset, env.DATABASE_URL, 'DATABASE_URL');
    source = 'DATABASE_URL';
  } else source = 'the PG* environment variables';
  const fromEnv = fromFields(
    dataset,
    {
      host: env.PGHOST || undefined,
      port: env.PGPORT || undefined,
      user: env.PGUSER || undefined,
      password: env.PGPASSWORD || undefined,
      database: env.PGDATABASE || undefined,
      ssl: env.PGSSLMODE || undefined,
      sslrootcert: env.PGSSLROOTCERT || undefined,
      connect_timeout: env.PGCONNECT_TIMEOUT || undefined,
    },
    'environment variable',
  );
  const pick = <K extends keyof Partial>(k: K) => out[k] ?? fromEnv[k];
  const user = pick('user') ?? osUser();
  const given = pick('sslrootcert');
  const rootcert = given === undefined || isAbsolute(given) ? given : resolve(projectDir, given);
  if (rootcert !== undefined && !existsSync(rootcert)) {
    throw credentialsError(
      dataset,
      `expected the sslrootcert file ${given} (relative to the project), but got no such file.`,
    );
  }
  return {
    host: pick('host') ?? 'localhost',
    port: pick('port') ?? 5432,
    user,
    password: pick('password'),
    database: pick('database') ?? user,
    sslmode: pick('sslmode') ?? 'disable',
    sslrootcert: rootcert,
    connectTimeoutMs: pick('connectTimeoutMs') ?? DEFAULT_CONNECT_TIMEOUT_S * 1000,
    source,
  };
};

const osUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
};

const ENV_NAMES: Record<string, string> = {
  host: 'PGHOST',
  port: 'PGPORT',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  database: 'PGDATABASE',
  ssl: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  connect_timeout: 'PGCONNECT_TIMEOUT',
};

/** The explicit fields of a credentials entry (or of the PG* variables, `origin` 'environment variable'). */
const fromFields = (
  dataset: string,
  f: Readonly<Record<string, unknown>>,
  origin: 'key' | 'environment variable' = 'key',
): Partial => {
  const name = (k: string) => (origin === 'key' ? `key '${k}'` : `environment variable ${ENV_NAMES[k]}`);
  const text = (k: string): string | undefined => {
    const v = f[k];
    if (v === undefined || v === null) return undefined;
    // YAML reads `password: 12345` as a number: it is still the password.
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    throw credentialsError(dataset, `expected ${name(k)} to be a string, but got ${kindOf(v)}.`);
  };
  const out: Partial = {};
  const host = text('host');
  if (host !== undefined) out.host = host;
  const port = text('port');
  if (port !== undefined) out.port = parsePort(dataset, port, name('port'));
  const user = text('user');
  if (user !== undefined) out.user = user;
  const password = text('password');
  if (password !== undefined) out.password = password;
  const database = text('database');
  if (database !== undefined) out.database = database;
  if (f.ssl !== undefined && f.ssl !== null) out.sslmode = parseSsl(dataset, f.ssl, name('ssl'));
  const rootcert = text('sslrootcert');
  if (rootcert !== undefined) out.sslrootcert = rootcert;
  const timeout = text('connect_timeout');
  if (timeout !== undefined) out.connectTimeoutMs = parseTimeout(dataset, timeout, name('connect_timeout'));
  return out;
};

const kindOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : typeof v;

const parsePort = (dataset: string, v: string, what: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < 1 || n > 65535)
    throw credentialsError(
      dataset,
      `expected ${what} to be a port number (1 to 65535), ` +
        `but got ${/^\s*$/.test(v) ? 'an empty value' : 'something else'}.`,
    );
  return n;
};

const parseTimeout = (dataset: string, v: string, what: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw credentialsError(dataset, `expected ${what} to be a number of seconds, but got something else.`);
  // libpq: 0 waits forever; pg: 0 is no timeout too.
  return Math.round(n * 1000);
};

/** `ssl: true` verifies the server's certificate and name (verify-full), `false` turns TLS off; or a libpq sslmode. */
const parseSsl = (dataset: string, v: unknown, what: string): SslMode => {
  if (v === true) return 'verify-full';
  if (v === false) return 'disable';
  if (typeof v === 'string' && SSL_MODES.includes(v)) {
    // pg has no opportunistic TLS: allow and prefer connect in plain text, as they do when the server has no TLS.
    return v === 'allow' || v === 'prefer' ? 'disable' : (v as SslMode);
  }
  const mean = typeof v === 'string' ? didYouMean(v, SSL_MODES) : undefined;
  throw credentialsError(
    dataset,
    `expected ${what} to be true, false or an sslmode (${SSL_MODES.join(', ')}), ` +
      `but got ${typeof v === 'string' ? `'${v}'` : kindOf(v)}.`,
    mean ? `Hint: ${mean}` : undefined,
  );
};

/** A postgres:// or postgresql:// URL as libpq reads it, query parameters (sslmode, host, …) included. */
const parseUrl = (dataset: string, raw: unknown, what: 'url' | 'DATABASE_URL'): Partial => {
  const label = what === 'url' ? "key 'url'" : 'DATABASE_URL';
  if (typeof raw !== 'string')
    throw credentialsError(dataset, `expected ${label} to be a postgres:// URL, but got ${kindOf(raw)}.`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Never echo the URL: it may hold the password.
    throw credentialsError(
      dataset,
      `expected ${label} to be a postgres:// URL, but got a value that does not parse as a URL.`,
      'Hint: percent-encode special characters of the user and password (@ as %40, / as %2F).',
    );
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw credentialsError(
      dataset,
      `expected ${label} to be a postgres:// URL, but got a ${u.protocol.replace(/:$/, '')}:// URL.`,
    );
  }
  const q = Object.fromEntries(u.searchParams.entries());
  const known = [
    'host',
    'port',
    'user',
    'password',
    'dbname',
    'sslmode',
    'sslrootcert',
    'connect_timeout',
    'application_name',
  ];
  const unknown = Object.keys(q).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw credentialsError(
      dataset,
      `expected ${label} parameters among ${known.join(', ')}, but got ${unknown.map((k) => `'${k}'`).join(', ')}.`,
    );
  const decode = (s: string): string | undefined => {
    if (s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch {
      throw credentialsError(
        dataset,
        `expected ${label} to be a postgres:// URL, but got a bad percent-encoding in it.`,
        'Hint: write % itself as %25.',
      );
    }
  };
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const path = decode(u.pathname.replace(/^\//, ''));
  return fromFields(dataset, {
    host: q.host ?? (host || undefined),
    port: q.port ?? (u.port || undefined),
    user: q.user ?? decode(u.username),
    password: q.password ?? decode(u.password),
    database: q.dbname ?? path,
    ssl: q.sslmode,
    sslrootcert: q.sslrootcert,
    connect_timeout: q.connect_timeout,
  });
};

/** The `ssl` option of pg for these settings. */
export const sslOption = (
  s: ConnectionSettings,
): false | { rejectUnauthorized: boolean; ca?: string; checkServerIdentity?: () => undefined } => {
  if (s.sslmode === 'disable') return false;
  const ca = s.sslrootcert === undefined ? undefined : readFileSync(s.sslrootcert, 'utf8');
  if (s.sslmode === 'require') return { rejectUnauthorized: false };
  if (s.sslmode === 'verify-ca')
    return { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
  return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
};

/** "host:port" as messages and describe() show it. */
export const address = (s: ConnectionSettings): string => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
