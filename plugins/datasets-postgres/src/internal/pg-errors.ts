// pg and socket errors turned into DatasetErrors that name the dataset, the server (host:port,
// database, user) and the table, never the password: connection and login problems, missing objects,
// values that do not fit their column. Server messages are kept, with their SQLSTATE.

import { DagrunError, DatasetError, type ErrorCode } from '@dagrun/core';
import { address, type ConnectionSettings } from './settings.js';

/** What an error is about: the dataset, its type, its server and the object it reads or writes. */
export interface Target {
  readonly dataset: string;
  readonly type: string;
  readonly settings: ConnectionSettings;
  /** e.g. `table 'public.listings'` or `the query of sql/q.sql`. */
  readonly object: string;
}

interface PgLikeError {
  readonly code?: string;
  readonly message?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly where?: string;
  readonly errors?: readonly PgLikeError[];
}

const SOCKET: Record<string, (host: string) => string> = {
  ECONNREFUSED: () => 'connection refused',
  ENOTFOUND: (h) => `unknown host '${h}'`,
  EAI_AGAIN: (h) => `no answer from DNS for host '${h}'`,
  ETIMEDOUT: () => 'no answer (timed out)',
  EHOSTUNREACH: () => 'host unreachable',
  ENETUNREACH: () => 'network unreachable',
  ECONNRESET: () => 'the connection reset by the server',
  EPIPE: () => 'the connection closed by the server',
  ENOENT: () => 'no server socket at that path',
};
const TLS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);
/** SQLSTATEs meaning the session could not start or was cut: not the query's fault. */
const SESSION_STATES = new Set(['53300', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
/** SQLSTATEs meaning a value does not fit its column: wrong type, out of range, too long, bad text. */
export const VALUE_STATES = new Set([
  '22P02',
  '22003',
  '22007',
  '22008',
  '22001',
  '42804',
  '22021',
  '22P05',
  '2200N',
  '22025',
]);

const codeOf = (err: PgLikeError): string | undefined => err.code ?? err.errors?.find((e) => e.code)?.code;

/** The text with the password replaced, for anything that quotes a server's or a library's words. */
export const redact = (text: string, settings: ConnectionSettings): string => {
  const pw = settings.password;
  return pw !== undefined && pw.length >= 3 ? text.split(pw).join('***') : text;
};

/** A connection or login problem as a DAGRUN_ERR_DATASET_CONNECTION error; undefined for any other error. */
export const connectionError = (err: unknown, t: Target): DatasetError | undefined => {
  const e = (err ?? {}) as PgLikeError;
  const code = codeOf(e);
  const s = t.settings;
  const where = address(s);
  const message = e.message ?? '';
  const head = `Dataset '${t.dataset}' (${t.type})`;
  const make = (detail: string, hint: string) =>
    new DatasetError('DAGRUN_ERR_DATASET_CONNECTION', redact(`${head}: ${detail}`, s), {
      hint: redact(hint, s),
      cause: err,
    });
  const hostHint = `Hint: check that the server runs and that host/port in ${s.source} are right.`;
  if (code === '28P01' || code === '28000') {
    return make(
      `expected to log in to ${where} as '${s.user}', but got ${message} (SQLSTATE ${code}).`,
      `Hint: check user and password in ${s.source}.`,
    );
  }
  if (code === '3D000') {
    return make(
      `expected database '${s.database}' on ${where}, but got ${message} (SQLSTATE ${code}).`,
      `Hint: create it (createdb ${s.database}) or fix the database name in ${s.source}.`,
    );
  }
  if (code && SOCKET[code])
    return make(`expected to connect to ${where} as '${s.user}', but got ${SOCKET[code]!(s.host)}.`, hostHint);
  if (code && TLS.has(code)) {
    return make(
      `expected to connect to ${where} over TLS, but got a certificate it cannot verify (${code}).`,
      'Hint: give the CA file as sslrootcert, or use ssl: require to encrypt without verifying.',
    );
  }
  if (code && SESSION_STATES.has(code))
    return make(`expected to connect to ${where} as '${s.user}', but got ${message} (SQLSTATE ${code}).`, hostHint);
  if (/timeout/i.test(message) && /connect/i.test(message)) {
    return make(
      `expected to connect to ${where} as '${s.user}', but got no answer within ${s.connectTimeoutMs / 1000} s.`,
      `${hostHint.slice(0, -1)}, or raise connect_timeout.`,
    );
  }
  if (/Connection terminated|does not support SSL|server closed the connection/i.test(message)) {
    return make(`expected to connect to ${where} as '${s.user}', but got ${message.replace(/\.$/, '')}.`, hostHint);
  }
  return undefined;
};

/** The server's words for an error, with its detail, context and SQLSTATE. */
export const serverSays = (err: unknown): string => {
  const e = (err ?? {}) as PgLikeError;
  const code = codeOf(e);
  const extras = [
    e.detail?.replace(/\.$/, ''),
    e.where?.split('\n')[0],
    code && /^[0-9A-Z]{5}$/.test(code) ? `SQLSTATE ${code}` : undefined,
  ].filter(Boolean);
  const message = (e.message || (err instanceof Error ? err.name : String(err))).replace(/\.$/, '');
  return extras.length > 0 ? `${message} (${extras.join('; ')})` : message;
};

/** Any failure of a load as a coded error naming the dataset; coded errors pass through. */
export const loadError = (err: unknown, t: Target): DagrunError => {
  if (err instanceof DagrunError) return err;
  const conn = connectionError(err, t);
  if (conn) return conn;
  const e = (err ?? {}) as PgLikeError;
  return new DatasetError(
    'DAGRUN_ERR_DATASET_LOAD',
    redact(
      `Dataset '${t.dataset}' (${t.type}): expected to read ${t.object} ` +
        `on ${address(t.settings)}/${t.settings.database}, but got ${serverSays(err)}.`,
      t.settings,
    ),
    {
      hint: e.hint ? redact(`Hint: ${e.hint}`, t.settings) : undefined,
      cause: err,
    },
  );
};

/** Any failure of a save; the transaction was rolled back, so the message says nothing changed. */
export const saveError = (err: unknown, t: Target): DagrunError => {
  const unchanged = ' Nothing was written: the table is as it was.';
  if (err instanceof DagrunError) return err;
  const conn = connectionError(err, t);
  if (conn) return new DatasetError(conn.code, `${conn.detail}${unchanged}`, { hint: conn.hint, cause: err });
  const e = (err ?? {}) as PgLikeError;
  const code: ErrorCode = VALUE_STATES.has(codeOf(e) ?? '')
    ? 'DAGRUN_ERR_DATASET_TYPE_MISMATCH'
    : 'DAGRUN_ERR_DATASET_SAVE';
  return new DatasetError(
    code,
    redact(
      `Dataset '${t.dataset}' (${t.type}): expected to write ${t.object} ` +
        `on ${address(t.settings)}/${t.settings.database}, but got ${serverSays(err)}.${unchanged}`,
      t.settings,
    ),
    {
      hint: e.hint ? redact(`Hint: ${e.hint}`, t.settings) : undefined,
      cause: err,
    },
  );
};
