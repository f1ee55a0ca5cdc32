// S3Storage against a real S3 server (s3rver on a free port): bytes in and out, listing, multipart
// uploads, atomicity when an upload fails, and what each failure (missing key or bucket, unknown
// key, bad signature, no server) tells the user.

import t from 'tap';
import { inspect } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DatasetError } from '@dagrun/core';
import { BUCKET, caught, freePort, prefix, startProxy, startS3rver, type Teardown } from '../../test/helpers/s3.js';
import { createS3Storage } from './plugin.js';
import type { S3Storage } from './s3-storage.js';
import { MiB } from './options.js';

const server = await startS3rver(t);

/** A storage on `endpoint` (default: the server), closed when the test ends. */
const storage = (
  tt: Teardown,
  options: Record<string, unknown> = {},
  credentials: Record<string, unknown> | undefined = server.credentials,
): S3Storage => {
  const s = createS3Storage({ credentials, options: { ...server.options, ...options } }, {});
  tt.teardown(() => s.close());
  return s;
};

const raw = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
t.teardown(() => raw.destroy());

t.test('bytes written are the bytes read; exists and the content type follow the key', async (t) => {
  const s = storage(t);
  const p = prefix('roundtrip');
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const loc = `s3://${BUCKET}/${p}/data/all-bytes.bin`;
  t.equal(await s.exists(loc), false);
  await s.write(loc, every);
  t.equal(await s.exists(loc), true);
  const back = await s.read(loc);
  t.ok(Buffer.isBuffer(back));
  t.ok(back.equals(every), 'every byte value survives');

  await s.write(`s3://${BUCKET}/${p}/orders.csv`, Buffer.from('a,b\n1,2\n'));
  const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${p}/orders.csv` }));
  t.equal(head.ContentType, 'text/csv');
  t.equal(head.ContentLength, 8);

  await s.write(loc, Buffer.from('replaced'));
  t.equal((await s.read(loc)).toString(), 'replaced', 'a second write replaces the object');
  await s.write(`s3://${BUCKET}/${p}/empty.txt`, new Uint8Array(0));
  t.equal((await s.read(`s3://${BUCKET}/${p}/empty.txt`)).length, 0, 'an empty object is an object');
  t.equal(
    await s.exists(`s3://no-such-bucket-here/${p}/x`),
    false,
    'nothing is there when the bucket is missing either',
  );
});

t.test('list gives the names directly under a location: objects and folders, sorted, across pages', async (t) => {
  const p = prefix('list');
  const s = storage(t);
  // (s3rver misses a folder whose objects all sit two or more
  // levels down, so every folder here holds an object directly.)
  for (const k of [
    'r.txt/2024-01-01T00.00.00.000Z/r.txt',
    'r.txt/2024-06-01T00.00.00.000Z/r.txt',
    'r.txt/notes.md',
    'r.txt/sub/x',
    'r.txt.bak',
    'other/y',
  ]) {
    await s.write(`s3://${BUCKET}/${p}/${k}`, Buffer.from(k));
  }
  const under = ['2024-01-01T00.00.00.000Z', '2024-06-01T00.00.00.000Z', 'notes.md', 'sub'];
  t.same(await s.list(`s3://${BUCKET}/${p}/r.txt`), under, "'r.txt.bak' shares the prefix but is not under r.txt/");
  t.same(await s.list(`s3://${BUCKET}/${p}/r.txt/`), under, 'a trailing slash is the same folder');
  t.same(await s.list(`s3://${BUCKET}/${p}`), ['other', 'r.txt', 'r.txt.bak']);
  t.same(await s.list(`s3://${BUCKET}/${p}/nothing`), [], 'an empty folder lists nothing');
  t.ok((await s.list(`s3://${BUCKET}`)).includes(p), 'the bucket root lists top-level folders');
});

t.test('list follows continuation tokens across pages', async (t) => {
  // s3rver cannot paginate on Node 17+ (it ciphers its tokens with DES, which OpenSSL 3 dropped), so
  // the proxy answers the two ListObjectsV2 pages itself, as S3 does for a folder of many versions.
  const page = (contents: string[], prefixes: string[], next?: string) =>
    `<ListBucketResult><Name>${BUCKET}</Name><Prefix>m/</Prefix><Delimiter>/</Delimiter>` +
    `<KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>2</MaxKeys>` +
    `<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>` +
    `${next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ''}` +
    contents.map((k) => `<Contents><Key>m/${k}</Key><Size>1</Size></Contents>`).join('') +
    prefixes.map((k) => `<CommonPrefixes><Prefix>m/${k}/</Prefix></CommonPrefixes>`).join('') +
    '</ListBucketResult>';
  const proxy = await startProxy(t, server.port, (method, url) => {
    if (method !== 'GET' || !url.includes('list-type=2')) return undefined;
    return {
      answer: {
        status: 200,
        xml: url.includes('continuation-token=page-2')
          ? page(['d'], ['2024-06-01T00.00.00.000Z'])
          : page(['a', 'b'], ['2024-01-01T00.00.00.000Z'], 'page-2'),
      },
    };
  });
  const s = storage(t, { endpoint_url: proxy.endpoint });
  t.same(await s.list(`s3://${BUCKET}/m`), ['2024-01-01T00.00.00.000Z', '2024-06-01T00.00.00.000Z', 'a', 'b', 'd']);
  const lists = proxy.requests.filter((r) => r.includes('list-type=2'));
  t.equal(lists.length, 2, 'two pages');
  t.match(lists[0]!, /delimiter=%2F/);
  t.match(lists[0]!, /prefix=m%2F/);
  t.match(lists[1]!, /continuation-token=page-2/);
});

t.test('a missing key reads as ENOENT, which FileDataset reports as no such file', async (t) => {
  const s = storage(t);
  const loc = `s3://${BUCKET}/${prefix('missing')}/none.csv`;
  const err = await caught(() => s.read(loc));
  t.equal(err.code, 'ENOENT');
  t.equal(err.message, `S3 object ${loc}: expected it to exist, but got no such key.`);
});

t.test('a missing bucket is DAGRUN_ERR_DATASET_LOAD or _SAVE naming the bucket and the endpoint', async (t) => {
  const s = storage(t);
  const hint =
    `\n  Hint: create it (aws s3 mb s3://no-such-bucket --endpoint-url ${server.endpoint}), ` +
    `or correct the bucket in the dataset's path.`;
  const read = await caught(() => s.read('s3://no-such-bucket/a/b.csv'));
  t.ok(read instanceof DatasetError);
  t.equal(read.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    read.message,
    `[DAGRUN_ERR_DATASET_LOAD] S3 bucket 'no-such-bucket' at ${server.endpoint}: expected an existing bucket, ` +
      `but got no such bucket.${hint}`,
  );
  const write = await caught(() => s.write('s3://no-such-bucket/a/b.csv', Buffer.from('x')));
  t.equal(write.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    write.message,
    `[DAGRUN_ERR_DATASET_SAVE] S3 bucket 'no-such-bucket' at ${server.endpoint}: expected an existing bucket, ` +
      `but got no such bucket.${hint}`,
  );
  const list = await caught(() => s.list('s3://no-such-bucket/a/b.csv'));
  t.equal(list.code, 'DAGRUN_ERR_DATASET_LOAD', 'listing versions in a missing bucket is an error, not "no versions"');
  t.equal(list.message, read.message);
});

t.test(
  'an unknown access key id is DAGRUN_ERR_DATASET_CONNECTION naming it, the bucket and the endpoint, never the secret',
  async (t) => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz-never-print-me';
    const s = storage(t, {}, { aws_access_key_id: 'AKIAWRONGKEY', aws_secret_access_key: secret });
    const message =
      `[DAGRUN_ERR_DATASET_CONNECTION] S3 login to bucket '${BUCKET}' at ${server.endpoint}: ` +
      `expected access key id 'AKIAWRONGKEY' to be accepted, but got HTTP 403 InvalidAccessKeyId: ` +
      `The AWS Access Key Id you provided does not exist in our records.\n` +
      `  Hint: check aws_access_key_id in the credentials entry the catalog entry names (or AWS_ACCESS_KEY_ID): ` +
      `this server does not know it.`;
    for (const op of [
      () => s.read(`s3://${BUCKET}/x.csv`),
      () => s.write(`s3://${BUCKET}/x.csv`, Buffer.from('x')),
      () => s.list(`s3://${BUCKET}/x.csv`),
    ]) {
      const err = await caught(op);
      t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
      t.equal(err.message, message);
      t.notMatch(inspect(err, { depth: 8 }), secret, 'not in the error, its cause or its stack');
    }
    // HEAD answers have no body: the 403 alone says the key was refused.
    const head = await caught(() => s.exists(`s3://${BUCKET}/x.csv`));
    t.equal(head.code, 'DAGRUN_ERR_DATASET_CONNECTION');
    t.equal(
      head.message,
      `[DAGRUN_ERR_DATASET_CONNECTION] S3 check of s3://${BUCKET}/x.csv at ${server.endpoint}: ` +
        `expected access key id 'AKIAWRONGKEY' to be allowed, but got HTTP 403.\n` +
        `  Hint: check the key, and that it may get, put and list objects in this bucket (without s3:ListBucket, ` +
        `S3 answers 403 for a missing key too).`,
    );
    t.notMatch(inspect(head, { depth: 8 }), secret);
  },
);

t.test(
  'a secret that does not match its key (SignatureDoesNotMatch, as AWS and MinIO answer) ' +
    'is DAGRUN_ERR_DATASET_CONNECTION',
  async (t) => {
    // s3rver does not verify SigV4 signatures, so a one-route server answers as AWS does for a wrong secret.
    const strict = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The ' +
            'request signature we calculated does not match the signature you provided. ' +
            'Check your key and signing method.</Message><AWSAccessKeyId>AKIAGOODKEY</AWSAccessKeyId></Error>',
        );
      });
    });
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => strict.close(() => resolve())));
    const endpoint = `http://127.0.0.1:${(strict.address() as AddressInfo).port}`;
    const secret = 'a-wrong-secret-that-must-not-show';
    const s = storage(t, { endpoint_url: endpoint }, { key: 'AKIAGOODKEY', secret });
    const err = await caught(() => s.read(`s3://${BUCKET}/model.json`));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
    t.equal(
      err.message,
      `[DAGRUN_ERR_DATASET_CONNECTION] S3 login to bucket '${BUCKET}' at ${endpoint}: ` +
        `expected access key id 'AKIAGOODKEY' to be accepted, but got HTTP 403 SignatureDoesNotMatch: ` +
        `The request signature we calculated does not match the signature you provided. ` +
        `Check your key and signing method.\n  Hint: check aws_secret_access_key in the credentials entry ` +
        `the catalog entry names (or AWS_SECRET_ACCESS_KEY): it does not belong to the access key id.`,
    );
    t.notMatch(inspect(err, { depth: 8 }), secret);
  },
);

t.test('no server at the endpoint is DAGRUN_ERR_DATASET_CONNECTION naming the endpoint and the bucket', async (t) => {
  const port = await freePort();
  const s = storage(t, { endpoint_url: `http://127.0.0.1:${port}`, max_attempts: 1 });
  for (const op of [
    () => s.read(`s3://${BUCKET}/a.csv`),
    () => s.write(`s3://${BUCKET}/a.csv`, Buffer.from('x')),
    () => s.exists(`s3://${BUCKET}/a.csv`),
    () => s.list(`s3://${BUCKET}/a.csv`),
  ]) {
    const err = await caught(op);
    t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
    t.equal(
      err.message,
      `[DAGRUN_ERR_DATASET_CONNECTION] S3 endpoint http://127.0.0.1:${port} (bucket '${BUCKET}'): expected a server that answers, but got ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}.\n  Hint: check that the server runs, and endpoint_url in storage_options (or AWS_ENDPOINT_URL).`,
    );
  }
});

t.test('any other answer is DAGRUN_ERR_DATASET_LOAD or _SAVE with the status, code and message', async (t) => {
  const proxy = await startProxy(t, server.port, () => ({
    fail: { status: 400, code: 'InvalidRequest', message: 'Something about this request.' },
  }));
  const s = storage(t, { endpoint_url: proxy.endpoint });
  const read = await caught(() => s.read(`s3://${BUCKET}/a.csv`));
  t.equal(
    read.message,
    `[DAGRUN_ERR_DATASET_LOAD] S3 read of s3://${BUCKET}/a.csv at ${proxy.endpoint}: expected success, ` +
      `but got HTTP 400 InvalidRequest: Something about this request.`,
  );
  const write = await caught(() => s.write(`s3://${BUCKET}/a.csv`, Buffer.from('x')));
  t.equal(
    write.message,
    `[DAGRUN_ERR_DATASET_SAVE] S3 write of s3://${BUCKET}/a.csv at ${proxy.endpoint}: expected success, ` +
      `but got HTTP 400 InvalidRequest: Something about this request.`,
  );
});

t.test('a location without a bucket or an object key is refused before any request', async (t) => {
  const s = storage(t);
  const cases: Array<[() => Promise<unknown>, string, string]> = [
    [
      () => s.read('s3:///a.csv'),
      'DAGRUN_ERR_DATASET_LOAD',
      "S3 location 's3:///a.csv': expected s3://bucket/key, but got no bucket.",
    ],
    [
      () => s.write(`s3://${BUCKET}`, Buffer.from('x')),
      'DAGRUN_ERR_DATASET_SAVE',
      `S3 location 's3://${BUCKET}': expected s3://bucket/key, but got no key after the bucket.`,
    ],
    [
      () => s.exists(`s3://${BUCKET}/folder/`),
      'DAGRUN_ERR_DATASET_LOAD',
      `S3 location 's3://${BUCKET}/folder/': expected s3://bucket/key, but got a key ending in '/' (a folder, ` +
        `not an object).`,
    ],
  ];
  for (const [op, code, detail] of cases) {
    const err = await caught(op);
    t.equal(err.code, code);
    t.equal(
      err.message,
      `[${code}] ${detail}\n  Hint: write the path as s3://<bucket>/<key>, e.g. s3://my-bucket/data/01_raw/orders.csv.`,
    );
  }
});

const MULTIPART = { multipart_threshold: '5 MiB', part_size: '5 MiB' };

t.test('an object at or above multipart_threshold goes up in parts and comes back byte for byte', async (t) => {
  const proxy = await startProxy(t, server.port);
  const s = storage(t, { ...MULTIPART, endpoint_url: proxy.endpoint });
  const p = prefix('multipart');
  const big = randomBytes(12 * MiB + 123);
  const report = await s.upload(`s3://${BUCKET}/${p}/big.parquet`, big);
  t.same(report, { bytes: big.length, parts: 3 });
  const parts = proxy.requests
    .filter((r) => /^PUT .*partNumber=\d+/.test(r))
    .map((r) => Number(/partNumber=(\d+)/.exec(r)?.[1]))
    .sort();
  t.same(parts, [1, 2, 3], 'three UploadPart requests reached the server');
  t.equal(proxy.requests.filter((r) => /^POST .*\?uploads/.test(r)).length, 1, 'one CreateMultipartUpload');
  t.equal(proxy.requests.filter((r) => /^POST .*uploadId=/.test(r)).length, 1, 'one CompleteMultipartUpload');
  t.ok((await s.read(`s3://${BUCKET}/${p}/big.parquet`)).equals(big), 'byte-equal');

  const small = randomBytes(5 * MiB - 1);
  t.same(
    await s.upload(`s3://${BUCKET}/${p}/small.bin`, small),
    { bytes: small.length, parts: 0 },
    'one byte under the threshold: a single PutObject',
  );
  t.ok((await s.read(`s3://${BUCKET}/${p}/small.bin`)).equals(small));
  const exact = randomBytes(5 * MiB);
  t.same(
    await s.upload(`s3://${BUCKET}/${p}/exact.bin`, exact),
    { bytes: exact.length, parts: 1 },
    'at the threshold: multipart, one part',
  );
  t.ok((await s.read(`s3://${BUCKET}/${p}/exact.bin`)).equals(exact));
  t.same(
    await storage(t).upload(`s3://${BUCKET}/${p}/default.bin`, big),
    { bytes: big.length, parts: 2 },
    'defaults: 8 MiB threshold and parts',
  );
});

t.test(
  'uploads carry CRC32 checksums by default; request_checksum_calculation: when_required sends none',
  async (t) => {
    const p = prefix('checksums');
    const big = randomBytes(6 * MiB);
    const uploads = async (options: Record<string, unknown>) => {
      const proxy = await startProxy(t, server.port);
      const s = storage(t, { ...MULTIPART, ...options, endpoint_url: proxy.endpoint });
      await s.write(`s3://${BUCKET}/${p}/small.txt`, Buffer.from('small'));
      t.same(await s.upload(`s3://${BUCKET}/${p}/big.bin`, big), { bytes: big.length, parts: 2 });
      t.ok((await s.read(`s3://${BUCKET}/${p}/big.bin`)).equals(big));
      // PutObject, CreateMultipartUpload and each UploadPart: which of them named a CRC32.
      const kind = (r: string) =>
        /[?&]uploads/.test(r)
          ? 'create'
          : (/partNumber=(\d+)/.exec(r)?.[0] ?? (/uploadId=/.test(r) ? 'complete' : r.split(' ')[0]!));
      const crc = (names: string[]) =>
        names.some((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm');
      const rows = proxy.requests
        .map((r, i) => [kind(r), crc(proxy.headers[i]!)] as const)
        .filter(([k]) => k !== 'GET' && k !== 'complete');
      // Parts go up concurrently: sorted, so their order of arrival does not matter.
      return [
        ...rows.filter(([k]) => !k.startsWith('part')),
        ...rows.filter(([k]) => k.startsWith('part')).sort(([a], [b]) => a.localeCompare(b)),
      ];
    };
    t.same(await uploads({}), [
      ['PUT', true],
      ['create', true],
      ['partNumber=1', true],
      ['partNumber=2', true],
    ]);
    t.same(
      await uploads({ request_checksum_calculation: 'when_required', response_checksum_validation: 'when_required' }),
      [
        ['PUT', false],
        ['create', false],
        ['partNumber=1', false],
        ['partNumber=2', false],
      ],
    );
  },
);

t.test('a failed multipart upload leaves the previous object whole and readable, and is aborted', async (t) => {
  const p = prefix('atomic');
  const loc = `s3://${BUCKET}/${p}/model.bin`;
  const before = randomBytes(1000);
  await storage(t).write(loc, before);
  const proxy = await startProxy(t, server.port, (method, url) =>
    method === 'PUT' && url.includes('partNumber=2')
      ? { fail: { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' } }
      : undefined,
  );
  const s = storage(t, { ...MULTIPART, endpoint_url: proxy.endpoint, max_attempts: 1 });
  const err = await caught(() => s.write(loc, randomBytes(11 * MiB)));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    err.message,
    `[DAGRUN_ERR_DATASET_SAVE] S3 write of ${loc} at ${proxy.endpoint}: expected success, ` +
      `but got HTTP 500 InternalError: We encountered an internal error. Please try again.`,
  );
  t.ok((await storage(t).read(loc)).equals(before), 'the previous object is intact');
  t.ok(
    proxy.requests.some((r) => /^DELETE .*uploadId=/.test(r)),
    'the upload was aborted (AbortMultipartUpload)',
  );
  const completes = proxy.requests.filter((r) => /^POST .*uploadId=/.test(r));
  t.same(completes, [], 'never completed');

  // The same failure for a new key: nothing appears at all.
  const fresh = `s3://${BUCKET}/${p}/never.bin`;
  await caught(() => s.write(fresh, randomBytes(11 * MiB)));
  t.equal(await storage(t).exists(fresh), false);
});

t.test(
  'while an upload is in flight, readers see the previous object; the new one appears only when complete',
  async (t) => {
    const p = prefix('visible');
    const loc = `s3://${BUCKET}/${p}/table.parquet`;
    await storage(t).write(loc, Buffer.from('version 1'));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const partHeld = new Promise<void>((resolve) => (reached = resolve));
    const proxy = await startProxy(t, server.port, (method, url) => {
      if (method === 'PUT' && url.includes('partNumber=2')) {
        reached();
        return { hold: held };
      }
      return undefined;
    });
    const next = randomBytes(11 * MiB);
    const writing = storage(t, { ...MULTIPART, endpoint_url: proxy.endpoint, max_concurrency: 1 }).write(loc, next);
    await partHeld;
    const reader = storage(t);
    t.equal((await reader.read(loc)).toString(), 'version 1', 'part 1 is up, part 2 held: still the old object');
    release();
    await writing;
    t.ok((await reader.read(loc)).equals(next), 'complete: the new object');
  },
);

t.test('the AWS default chain supplies credentials and the endpoint when the entry names none', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL: server.endpoint,
    AWS_REGION: 'eu-west-1',
  });
  const s = createS3Storage({});
  t.teardown(() => s.close());
  t.equal(s.settings.endpoint, server.endpoint);
  t.equal(s.settings.region, 'eu-west-1');
  t.equal(s.settings.forcePathStyle, true, 'a custom endpoint defaults to path-style addressing');
  t.equal(s.settings.credentials, undefined);
  const loc = `s3://${BUCKET}/${prefix('env')}/from-env.txt`;
  await s.write(loc, Buffer.from('env'));
  t.equal((await s.read(loc)).toString(), 'env');

  // An unknown key from the environment is named the same way as one from credentials.yaml.
  process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENV';
  const other = createS3Storage({});
  t.teardown(() => other.close());
  const err = await caught(() => other.read(loc));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
  t.match(err.message, `expected access key id 'AKIAFROMENV' to be accepted`);
});

t.test('no credentials anywhere is DAGRUN_ERR_DATASET_CONNECTION saying where they may come from', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  const home = (await import('node:os')).tmpdir();
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: `${home}/dagrun-no-such-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/dagrun-no-such-aws-credentials`,
  });
  const s = createS3Storage({ options: server.options });
  t.teardown(() => s.close());
  const err = await caught(() => s.read(`s3://${BUCKET}/a.csv`));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_CONNECTION');
  t.equal(
    err.message,
    `[DAGRUN_ERR_DATASET_CONNECTION] S3 credentials for bucket '${BUCKET}' at ${server.endpoint}: ` +
      `expected an access key from the catalog entry's credentials or the AWS default chain, but got none.\n` +
      `  Hint: name a credentials entry holding aws_access_key_id and aws_secret_access_key in the catalog entry, ` +
      `or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE).`,
  );
});

t.test('close() releases the connections; a later call opens new ones', async (t) => {
  const s = storage(t);
  const loc = `s3://${BUCKET}/${prefix('close')}/a.txt`;
  await s.write(loc, Buffer.from('a'));
  await s.close();
  await s.close();
  t.equal((await s.read(loc)).toString(), 'a');
});
