// storage_options and credentials of s3:// entries: defaults, environment fallbacks, sizes, and every
// problem reported at once without ever showing a credential value.

import t from 'tap';
import { inspect } from 'node:util';
import { CatalogError, ConfigError, PluginHost, Registry } from '@dagrun/core';
import { MiB, parseSize, resolveSettings } from './options.js';
import { createS3Storage, s3Plugin } from './plugin.js';

const CREDS = { aws_access_key_id: 'AKIAEXAMPLE', aws_secret_access_key: 'secret-value-1' };

t.test(
  'without options: AWS in us-east-1, virtual-host addressing, 8 MiB parts from 8 MiB, the default credential chain',
  async (t) => {
    t.same(resolveSettings(undefined, undefined, {}), {
      settings: {
        endpoint: undefined,
        region: 'us-east-1',
        forcePathStyle: false,
        multipartThreshold: 8 * MiB,
        partSize: 8 * MiB,
        maxConcurrency: 4,
        maxAttempts: 3,
        requestChecksumCalculation: undefined,
        responseChecksumValidation: undefined,
        credentials: undefined,
      },
      problems: [],
    });
  },
);

t.test('every option is read; credentials take the aws_* names or the short key/secret/token', async (t) => {
  const { settings } = resolveSettings(
    {
      endpoint_url: 'https://minio.internal:9000/',
      region: 'eu-west-1',
      force_path_style: false,
      multipart_threshold: '64 MiB',
      part_size: 16 * MiB,
      max_concurrency: 8,
      max_attempts: 5,
      request_checksum_calculation: 'when_required',
      response_checksum_validation: 'when_supported',
    },
    { key: 'AKIASHORT', secret: 'short-secret', token: 'session' },
    {},
  );
  t.same(settings, {
    endpoint: 'https://minio.internal:9000',
    region: 'eu-west-1',
    forcePathStyle: false,
    multipartThreshold: 64 * MiB,
    partSize: 16 * MiB,
    maxConcurrency: 8,
    maxAttempts: 5,
    requestChecksumCalculation: 'when_required',
    responseChecksumValidation: 'when_supported',
    credentials: { accessKeyId: 'AKIASHORT', secretAccessKey: 'short-secret', sessionToken: 'session' },
  });
  t.same(resolveSettings({}, CREDS, {}).settings?.credentials, {
    accessKeyId: 'AKIAEXAMPLE',
    secretAccessKey: 'secret-value-1',
  });
});

t.test('the environment fills what the entry leaves out; the entry wins', async (t) => {
  const env = {
    AWS_ENDPOINT_URL: 'http://general:9000',
    AWS_ENDPOINT_URL_S3: 'http://s3-only:9000',
    AWS_REGION: 'ap-south-1',
    AWS_DEFAULT_REGION: 'us-west-2',
  };
  const from = (o: Record<string, unknown>, e: Record<string, string>) => resolveSettings(o, undefined, e).settings!;
  t.equal(from({}, env).endpoint, 'http://s3-only:9000', 'AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL');
  t.equal(from({}, { AWS_ENDPOINT_URL: 'http://general:9000' }).endpoint, 'http://general:9000');
  t.equal(from({ endpoint_url: 'http://mine:1' }, env).endpoint, 'http://mine:1');
  t.equal(from({}, env).region, 'ap-south-1', 'AWS_REGION before AWS_DEFAULT_REGION');
  t.equal(from({}, { AWS_DEFAULT_REGION: 'us-west-2' }).region, 'us-west-2');
  t.equal(from({ region: 'eu-central-1' }, env).region, 'eu-central-1');
  t.equal(from({}, { AWS_ENDPOINT_URL: '' }).endpoint, undefined, 'an empty variable is no value');
  t.equal(
    from({}, env).forcePathStyle,
    true,
    'a custom endpoint (here from the environment) means path-style addressing',
  );
  t.equal(from({ force_path_style: false }, env).forcePathStyle, false);
});

t.test(
  'sizes are bytes, or a number with B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024)',
  async (t) => {
    t.equal(parseSize(1048576), 1048576);
    t.equal(parseSize('1048576'), 1048576);
    t.equal(parseSize('64 MiB'), 64 * MiB);
    t.equal(parseSize('5MB'), 5_000_000);
    t.equal(parseSize('1.5 gib'), 1.5 * 1024 * MiB);
    t.equal(parseSize('100 KB'), 100_000);
    t.equal(parseSize('7 B'), 7);
    for (const bad of ['lots', '5 TB', '-1', '', '5 MiBs', 1.5, -1, null, true])
      t.equal(parseSize(bad), undefined, `${JSON.stringify(bad)} is not a size`);
  },
);

t.test('every problem is reported, naming the option, with did-you-mean', async (t) => {
  const { problems } = resolveSettings(
    {
      endpont_url: 'http://x',
      path_style: true,
      region: '',
      force_path_style: 'yes',
      endpoint_url: 'minio:9000',
      multipart_threshold: 'lots',
      part_size: '1 MiB',
      max_concurrency: 0,
      max_attempts: 2.5,
      request_checksum_calculation: 'always',
    },
    undefined,
    {},
  );
  t.same(problems, [
    {
      detail:
        "S3 storage option 'endpont_url': expected one of endpoint_url, region, force_path_style, " +
        'multipart_threshold, part_size, max_concurrency, max_attempts, request_checksum_calculation, ' +
        'response_checksum_validation, but got an unknown option.',
      hint: "Hint: did you mean: 'endpoint_url'?",
    },
    {
      detail:
        "S3 storage option 'path_style': expected one of endpoint_url, region, force_path_style, " +
        'multipart_threshold, part_size, max_concurrency, max_attempts, request_checksum_calculation, ' +
        'response_checksum_validation, but got an unknown option.',
      hint: "Hint: did you mean: 'force_path_style'?",
    },
    {
      detail: 'S3 storage option \'region\': expected a region name such as eu-west-1, but got string "".',
      hint: undefined,
    },
    {
      detail: 'S3 storage option \'force_path_style\': expected true or false, but got string "yes".',
      hint: undefined,
    },
    {
      detail: 'S3 storage option \'endpoint_url\': expected an http:// or https:// URL, but got string "minio:9000".',
      hint: 'Hint: e.g. http://localhost:9000 for MinIO; leave it out for AWS.',
    },
    {
      detail:
        "S3 storage option 'multipart_threshold': expected a size of at least 1 byte (bytes, " +
        'or a string such as "64 MiB"), but got string "lots".',
      hint: undefined,
    },
    {
      detail:
        "S3 storage option 'part_size': expected a size from 5 MiB to 5 GiB (S3's limits for a part), " +
        'but got string "1 MiB".',
      hint: undefined,
    },
    {
      detail: "S3 storage option 'max_concurrency': expected an integer from 1 to 64, but got number 0.",
      hint: undefined,
    },
    {
      detail: "S3 storage option 'max_attempts': expected an integer from 1 to 10, but got number 2.5.",
      hint: undefined,
    },
    {
      detail:
        "S3 storage option 'request_checksum_calculation': expected 'when_supported' or 'when_required', " +
        'but got string "always".',
      hint: undefined,
    },
  ]);
  const keyHint = resolveSettings({ aws_secret_access_key: 'x' }, undefined, {}).problems[0];
  t.equal(
    keyHint?.hint,
    'Hint: keys belong in credentials.yaml; name that entry with `credentials:` in the catalog entry.',
    'a secret in storage_options is pointed at credentials.yaml',
  );
});

t.test('credential problems name keys and kinds of values, never the values', async (t) => {
  const secret = 'do-not-print-this-secret';
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [
      { aws_acess_key_id: 'AKIA', aws_secret_access_key: secret },
      [
        "S3 credentials key 'aws_acess_key_id': expected one of aws_access_key_id, key, aws_secret_access_key, " +
          'secret, aws_session_token, token, but got an unknown key.',
      ],
    ],
    [
      { aws_access_key_id: 'AKIA' },
      [
        'S3 credentials: expected aws_access_key_id and aws_secret_access_key together, ' +
          'but got only aws_access_key_id.',
      ],
    ],
    [
      { secret },
      [
        'S3 credentials: expected aws_access_key_id and aws_secret_access_key together, ' +
          'but got only aws_secret_access_key.',
      ],
    ],
    [
      { aws_access_key_id: 'AKIA', aws_secret_access_key: 42 },
      ["S3 credentials key 'aws_secret_access_key': expected a non-empty string, but got number."],
    ],
    [
      { aws_access_key_id: 'AKIA', aws_secret_access_key: '' },
      ["S3 credentials key 'aws_secret_access_key': expected a non-empty string, but got an empty string."],
    ],
    [
      { aws_access_key_id: 'AKIA', key: 'AKIB', secret },
      ["S3 credentials: expected one of 'aws_access_key_id' and its short name 'key', but got both."],
    ],
    [{}, ['S3 credentials: expected aws_access_key_id and aws_secret_access_key together, but got neither.']],
  ];
  for (const [creds, details] of cases) {
    const { problems } = resolveSettings({}, creds, {});
    t.same(
      problems.map((p) => p.detail),
      details,
      JSON.stringify(Object.keys(creds)),
    );
    t.notMatch(inspect(problems), secret);
  }
  t.equal(
    resolveSettings({}, { aws_acess_key_id: 'AKIA', aws_secret_access_key: secret }, {}).problems[0]?.hint,
    "Hint: did you mean: 'aws_access_key_id'?",
  );
  const meant = (name: string) => resolveSettings({}, { [name]: 'x' }, {}).problems[0]?.hint;
  t.equal(meant('aws_secret_key'), "Hint: did you mean: 'aws_secret_access_key'?", 'by meaning when not by spelling');
  t.equal(meant('password'), "Hint: did you mean: 'aws_secret_access_key'?");
  t.equal(meant('session_token'), "Hint: did you mean: 'aws_session_token'?");
  t.equal(meant('access_key'), "Hint: did you mean: 'aws_access_key_id'?");
  t.equal(meant('user'), undefined);
});

t.test(
  'createS3Storage throws DAGRUN_ERR_CATALOG_OPTIONS: one problem as is, several listed with their hints',
  async (t) => {
    const one = (() => {
      try {
        createS3Storage({ options: { endpont_url: 'http://x' } }, {});
      } catch (err) {
        return err as CatalogError;
      }
      throw new Error('expected an error');
    })();
    t.ok(one instanceof CatalogError);
    t.equal(one.code, 'DAGRUN_ERR_CATALOG_OPTIONS');
    t.equal(
      one.message,
      "[DAGRUN_ERR_CATALOG_OPTIONS] S3 storage option 'endpont_url': expected one of endpoint_url, region, " +
        'force_path_style, multipart_threshold, part_size, max_concurrency, max_attempts, ' +
        'request_checksum_calculation, response_checksum_validation, but got an unknown option.\n' +
        "  Hint: did you mean: 'endpoint_url'?",
    );
    const secret = 'never-shown-secret';
    const several = (() => {
      try {
        createS3Storage({ options: { region: 3, part_size: 1 }, credentials: { aws_secret_access_key: secret } }, {});
      } catch (err) {
        return err as CatalogError;
      }
      throw new Error('expected an error');
    })();
    t.equal(several.code, 'DAGRUN_ERR_CATALOG_OPTIONS');
    t.equal(
      several.message,
      '[DAGRUN_ERR_CATALOG_OPTIONS] S3 storage: expected valid storage options and credentials, but got 3 problems:\n' +
        "  1) S3 storage option 'region': expected a region name such as eu-west-1, but got number 3.\n" +
        "  2) S3 storage option 'part_size': expected a size from 5 MiB to 5 GiB (S3's limits for a part), " +
        'but got number 1.\n' +
        '  3) S3 credentials: expected aws_access_key_id and aws_secret_access_key together, ' +
        'but got only aws_secret_access_key. Hint: give both in the credentials entry, ' +
        'or name no credentials to use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the AWS profile.',
    );
    t.notMatch(inspect(several), secret);
  },
);

t.test(
  'the plugin registers the s3 storage; its options are defaults under each entry, checked at registration',
  async (t) => {
    t.equal(s3Plugin.name, '@dagrun/datasets-s3');
    t.equal(s3Plugin.engine, '^0.1.0');
    const registry = new Registry();
    await new PluginHost(registry).register(s3Plugin, {
      endpoint_url: 'http://minio:9000',
      region: 'eu-west-1',
      part_size: '16 MiB',
    });
    const factory = registry.storage('s3');
    t.ok(factory);
    const s = factory!.create({ credentials: CREDS, options: { region: 'eu-north-1' } }) as ReturnType<
      typeof createS3Storage
    >;
    t.equal(s.protocol, 's3');
    t.equal(s.settings.endpoint, 'http://minio:9000', 'from the plugin options');
    t.equal(s.settings.region, 'eu-north-1', 'the entry wins');
    t.equal(s.settings.partSize, 16 * MiB);
    await s.close();

    const err = await new PluginHost(new Registry())
      .register(s3Plugin, { endpoint: 'http://minio:9000' } as never)
      .then(
        () => undefined,
        (e: unknown) => e as ConfigError,
      );
    t.ok(err instanceof ConfigError);
    t.equal(err?.code, 'DAGRUN_ERR_CONFIG_SCHEMA');
    t.equal(
      err?.message,
      "[DAGRUN_ERR_CONFIG_SCHEMA] S3 storage option 'endpoint': expected one of endpoint_url, region, " +
        'force_path_style, multipart_threshold, part_size, max_concurrency, max_attempts, ' +
        'request_checksum_calculation, response_checksum_validation, but got an unknown option.\n' +
        "  Hint: did you mean: 'endpoint_url'?",
    );
  },
);
