// `s3://bucket/key` locations. The key is kept as written: S3 keys are plain strings, so `a//b` and
// `a/b` are different objects, and "folders" are only prefixes ending in `/`.

import { DatasetError, type ErrorCode } from '@dagrun/core';

export interface S3Location {
  readonly bucket: string;
  /** Empty for `s3://bucket` (allowed only where a folder is meant, as in list). */
  readonly key: string;
}

/** Splits a location; `object` demands a key naming an object (not empty, not ending in `/`). */
export const parseLocation = (location: string, code: ErrorCode, object = true): S3Location => {
  const m = /^s3:\/\/([^/]*)\/?(.*)$/is.exec(location);
  const bucket = m?.[1] ?? '';
  const key = m?.[2] ?? '';
  const got = !m
    ? 'another form'
    : bucket === ''
      ? 'no bucket'
      : object && key === ''
        ? 'no key after the bucket'
        : object && key.endsWith('/')
          ? "a key ending in '/' (a folder, not an object)"
          : undefined;
  if (got) {
    throw new DatasetError(code, `S3 location '${location}': expected s3://bucket/key, but got ${got}.`, {
      hint: 'Hint: write the path as s3://<bucket>/<key>, e.g. s3://my-bucket/data/01_raw/orders.csv.',
    });
  }
  return { bucket, key };
};

const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
};

/** A Content-Type from the key's extension, so consoles and browsers show objects sensibly. */
export const contentType = (key: string): string =>
  CONTENT_TYPES[/\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';
