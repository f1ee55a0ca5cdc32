// How S3 failures reach the user. A missing key becomes the ENOENT error FileDataset reports as "no
// such file"; a missing bucket, an unreachable server and a refused key become coded DatasetErrors
// naming the bucket, the endpoint and the access key id (never the secret). The catalog then puts
// the dataset's name in front.

import { DatasetError } from '@dagrun/core';

/** What the storage was doing, as the message says it. */
export type Op = 'read' | 'write' | 'check' | 'list';

export interface FailureContext {
  readonly op: Op;
  readonly location: string;
  readonly bucket: string;
  /** The endpoint as messages name it: the URL, or AWS's regional one. */
  readonly endpoint: string;
  /** Whether endpoint_url (or AWS_ENDPOINT_URL) chose it, for the hint. */
  readonly customEndpoint: boolean;
  /** The access key id in use (from the entry or the default chain), when one could be found. */
  readonly accessKeyId: () => Promise<string | undefined>;
}

/** Node's network failures, and the SDK's timeout. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'TimeoutError',
]);

/** The server does not take the key (or its signature, or its session token). */
const LOGIN_HINTS: Record<string, string> = {
  InvalidAccessKeyId:
    'Hint: check aws_access_key_id in the credentials entry the catalog entry names (or AWS_ACCESS_KEY_ID): ' +
    'this server does not know it.',
  SignatureDoesNotMatch:
    'Hint: check aws_secret_access_key in the credentials entry the catalog entry names ' +
    '(or AWS_SECRET_ACCESS_KEY): it does not belong to the access key id.',
  InvalidToken: 'Hint: renew aws_session_token in the credentials entry (or AWS_SESSION_TOKEN).',
  ExpiredToken: 'Hint: renew aws_session_token in the credentials entry (or AWS_SESSION_TOKEN).',
  TokenRefreshRequired: 'Hint: renew aws_session_token in the credentials entry (or AWS_SESSION_TOKEN).',
};

/** The key is known, but may not do this. */
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem']);

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly errors?: ReadonlyArray<{ readonly code?: string }>;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The S3 error code (NoSuchKey, AccessDenied…) or Node's (ECONNREFUSED…), when there is one. */
export const errorCode = (err: unknown): string | undefined => {
  const e = (err ?? {}) as SdkError;
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.code === 'string') return e.code;
  const inner = e.errors?.find((x) => typeof x.code === 'string')?.code; // AggregateError of IPv4 and IPv6 attempts
  if (inner) return inner;
  return e.name && !['Error', 'Unknown', 'S3ServiceException', 'AggregateError'].includes(e.name) ? e.name : undefined;
};

export const httpStatus = (err: unknown): number | undefined => ((err ?? {}) as SdkError).$metadata?.httpStatusCode;

/** "HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records" */
const describe = (err: unknown): string => {
  const status = httpStatus(err);
  const code = errorCode(err);
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw === 'UnknownError' || raw === code ? '' : raw.replace(/\.$/, '');
  const head = [status ? `HTTP ${status}` : '', code ?? ''].filter(Boolean).join(' ');
  return head && message ? `${head}: ${message}` : head || message || 'an unknown error';
};

/** Turns an SDK error into what the user should read. */
export const translate = async (err: unknown, ctx: FailureContext): Promise<Error> => {
  if (err instanceof DatasetError) return err;
  const code = errorCode(err);
  const status = httpStatus(err);
  const { op, location, bucket, endpoint } = ctx;
  if (code === 'NoSuchKey' || (op === 'read' && status === 404 && code !== 'NoSuchBucket')) {
    // FileDataset turns ENOENT into "expected a file at s3://…, but got no such file."
    return Object.assign(new Error(`S3 object ${location}: expected it to exist, but got no such key.`), {
      code: 'ENOENT',
      cause: err,
    });
  }
  if (code === 'NoSuchBucket') {
    return new DatasetError(
      op === 'write' ? 'DAGRUN_ERR_DATASET_SAVE' : 'DAGRUN_ERR_DATASET_LOAD',
      `S3 bucket '${bucket}' at ${endpoint}: expected an existing bucket, but got no such bucket.`,
      {
        hint:
          `Hint: create it (aws s3 mb s3://${bucket}${ctx.customEndpoint ? ` --endpoint-url ${endpoint}` : ''}), ` +
          `or correct the bucket in the dataset's path.`,
        cause: err,
      },
    );
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new DatasetError(
      'DAGRUN_ERR_DATASET_CONNECTION',
      `S3 endpoint ${endpoint} (bucket '${bucket}'): expected a server that answers, but got ${describe(err)}.`,
      {
        hint: ctx.customEndpoint
          ? 'Hint: check that the server runs, and endpoint_url in storage_options (or AWS_ENDPOINT_URL).'
          : 'Hint: check the network, and region in storage_options (or AWS_REGION).',
        cause: err,
      },
    );
  }
  if ((err as SdkError | undefined)?.name === 'CredentialsProviderError') {
    return new DatasetError(
      'DAGRUN_ERR_DATASET_CONNECTION',
      `S3 credentials for bucket '${bucket}' at ${endpoint}: expected an access key from the catalog entry's ` +
        `credentials or the AWS default chain, but got none.`,
      {
        hint:
          'Hint: name a credentials entry holding aws_access_key_id and aws_secret_access_key in the catalog ' +
          'entry, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE).',
        cause: err,
      },
    );
  }
  if (code !== undefined && code in LOGIN_HINTS) {
    const key = await ctx.accessKeyId();
    return new DatasetError(
      'DAGRUN_ERR_DATASET_CONNECTION',
      `S3 login to bucket '${bucket}' at ${endpoint}: expected access key id ${key ? `'${key}'` : '(unknown)'} ` +
        `to be accepted, but got ${describe(err)}.`,
      {
        hint: LOGIN_HINTS[code],
        cause: err,
      },
    );
  }
  if ((code !== undefined && DENIED.has(code)) || status === 403) {
    const key = await ctx.accessKeyId();
    return new DatasetError(
      'DAGRUN_ERR_DATASET_CONNECTION',
      `S3 ${op} of ${location} at ${endpoint}: expected access key id ${key ? `'${key}'` : '(unknown)'} to be ` +
        `allowed, but got ${describe(err)}.`,
      {
        hint:
          'Hint: check the key, and that it may get, put and list objects in this bucket (without s3:ListBucket, ' +
          'S3 answers 403 for a missing key too).',
        cause: err,
      },
    );
  }
  return new DatasetError(
    op === 'write' ? 'DAGRUN_ERR_DATASET_SAVE' : 'DAGRUN_ERR_DATASET_LOAD',
    `S3 ${op} of ${location} at ${endpoint}: expected success, but got ${describe(err)}.`,
    { cause: err },
  );
};
