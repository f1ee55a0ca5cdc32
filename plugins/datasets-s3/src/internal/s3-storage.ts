// S3 (and S3-compatible stores) as a dagrun Storage: bytes in and out of `s3://bucket/key`. An S3
// object appears only when its upload completes, so a write is atomic: one PutObject, or a multipart
// upload that is aborted on any failure. The AWS SDK is imported on first use, not at plugin load.

import type { Storage } from '@dagrun/core';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { translate, httpStatus, type Op } from './errors.js';
import { contentType, parseLocation, type S3Location } from './location.js';
import { MAX_PARTS, type S3Settings } from './options.js';

type Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => {
  // This SDK release is pinned on purpose; its warning is about later releases needing Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
};

/** What one write did, for tests and callers that want to know (the Storage contract returns void). */
export interface WriteReport {
  readonly bytes: number;
  /** 0 for a single PutObject. */
  readonly parts: number;
}

export class S3Storage implements Storage {
  readonly protocol = 's3';
  readonly settings: S3Settings;
  #client: S3Client | undefined;

  constructor(settings: S3Settings) {
    this.settings = settings;
  }

  /** The endpoint as messages name it. */
  get endpoint(): string {
    return this.settings.endpoint ?? `https://s3.${this.settings.region}.amazonaws.com`;
  }

  async read(location: string): Promise<Buffer> {
    const where = parseLocation(location, 'DAGRUN_ERR_DATASET_LOAD');
    return this.#call('read', location, where, async (client, s3) => {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
      const bytes = await out.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  async write(location: string, bytes: Uint8Array): Promise<void> {
    await this.upload(location, bytes);
  }

  /** write(), reporting whether it went up in parts. */
  async upload(location: string, bytes: Uint8Array): Promise<WriteReport> {
    const where = parseLocation(location, 'DAGRUN_ERR_DATASET_SAVE');
    return this.#call('write', location, where, async (client, s3) => {
      if (bytes.byteLength === 0 || bytes.byteLength < this.settings.multipartThreshold) {
        await client.send(
          new s3.PutObjectCommand({
            Bucket: where.bucket,
            Key: where.key,
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentType: contentType(where.key),
          }),
        );
        return { bytes: bytes.byteLength, parts: 0 };
      }
      return { bytes: bytes.byteLength, parts: await this.#multipart(client, s3, where, bytes) };
    });
  }

  async exists(location: string): Promise<boolean> {
    const where = parseLocation(location, 'DAGRUN_ERR_DATASET_LOAD');
    return this.#call('check', location, where, async (client, s3) => {
      try {
        await client.send(new s3.HeadObjectCommand({ Bucket: where.bucket, Key: where.key }));
        return true;
      } catch (err) {
        // HEAD answers carry no body, so a missing bucket is a bare 404 as well: either way, nothing is there.
        if (httpStatus(err) === 404) return false;
        throw err;
      }
    });
  }

  /** Names directly under `location/`: object names and sub-prefixes, without the trailing `/`. */
  async list(location: string): Promise<string[]> {
    const where = parseLocation(location, 'DAGRUN_ERR_DATASET_LOAD', false);
    const prefix = where.key === '' || where.key.endsWith('/') ? where.key : `${where.key}/`;
    return this.#call('list', location, where, async (client, s3) => {
      const names = new Set<string>();
      let token: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: where.bucket,
            Prefix: prefix,
            Delimiter: '/',
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const p of page.CommonPrefixes ?? [])
          if (p.Prefix) names.add(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
        for (const o of page.Contents ?? []) if (o.Key) names.add(o.Key.slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      names.delete('');
      return [...names].sort();
    });
  }

  /** Closes the connections; a later call opens new ones. */
  async close(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
  }

  /** Runs one operation, turning SDK failures into messages that name the bucket and endpoint. */
  async #call<T>(
    op: Op,
    location: string,
    where: S3Location,
    fn: (client: S3Client, s3: Sdk) => Promise<T>,
  ): Promise<T> {
    const s3 = await loadSdk();
    const client = (this.#client ??= new s3.S3Client(clientConfig(this.settings)));
    try {
      return await fn(client, s3);
    } catch (err) {
      throw await translate(err, {
        op,
        location,
        bucket: where.bucket,
        endpoint: this.endpoint,
        customEndpoint: this.settings.endpoint !== undefined,
        accessKeyId: async () => {
          try {
            return this.settings.credentials?.accessKeyId ?? (await client.config.credentials()).accessKeyId;
          } catch {
            return undefined;
          }
        },
      });
    }
  }

  /**
   * Uploads `bytes` in parts, `maxConcurrency` at a time, then completes the upload: only then does
   * the object (new or replaced) become visible. Any failure aborts the upload and rethrows.
   */
  async #multipart(client: S3Client, s3: Sdk, where: S3Location, bytes: Uint8Array): Promise<number> {
    const partSize = Math.max(this.settings.partSize, Math.ceil(bytes.byteLength / MAX_PARTS));
    const count = Math.ceil(bytes.byteLength / partSize);
    // With the SDK's default integrity protection each part carries a CRC32, which S3 wants announced at the start.
    const crc = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
    const target = { Bucket: where.bucket, Key: where.key };
    const created = await client.send(
      new s3.CreateMultipartUploadCommand({
        ...target,
        ContentType: contentType(where.key),
        ...(crc ? { ChecksumAlgorithm: 'CRC32' } : {}),
      }),
    );
    const uploadId = created.UploadId!;
    const parts: Array<{ PartNumber: number; ETag: string; ChecksumCRC32?: string }> = [];
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < count) {
        const i = next++;
        const body = bytes.subarray(i * partSize, Math.min((i + 1) * partSize, bytes.byteLength));
        try {
          const out = await client.send(
            new s3.UploadPartCommand({
              ...target,
              UploadId: uploadId,
              PartNumber: i + 1,
              Body: body,
              ContentLength: body.byteLength,
              ...(crc ? { ChecksumAlgorithm: 'CRC32' } : {}),
            }),
          );
          if (!out.ETag) throw new Error(`S3 answered part ${i + 1} without an ETag`);
          parts.push({
            PartNumber: i + 1,
            ETag: out.ETag,
            ...(out.ChecksumCRC32 ? { ChecksumCRC32: out.ChecksumCRC32 } : {}),
          });
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    try {
      // Settle every worker before aborting, so no part lands after the abort.
      const results = await Promise.allSettled(
        Array.from({ length: Math.min(this.settings.maxConcurrency, count) }, worker),
      );
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      await client.send(
        new s3.CompleteMultipartUploadCommand({ ...target, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (err) {
      // Best effort: the parts are invisible either way, and a bucket lifecycle rule can clear what an abort leaves.
      await client.send(new s3.AbortMultipartUploadCommand({ ...target, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
    return count;
  }
}

const clientConfig = (s: S3Settings): S3ClientConfig => ({
  region: s.region,
  forcePathStyle: s.forcePathStyle,
  maxAttempts: s.maxAttempts,
  // A bucket in another AWS region answers with a redirect the client then follows.
  followRegionRedirects: true,
  ...(s.endpoint ? { endpoint: s.endpoint } : {}),
  ...(s.credentials ? { credentials: s.credentials } : {}),
  ...(s.requestChecksumCalculation
    ? {
        requestChecksumCalculation:
          s.requestChecksumCalculation === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      }
    : {}),
  ...(s.responseChecksumValidation
    ? {
        responseChecksumValidation:
          s.responseChecksumValidation === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      }
    : {}),
});
