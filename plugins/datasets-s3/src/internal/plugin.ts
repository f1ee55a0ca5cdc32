// The plugin: registers the `s3` storage, so every file type core has (csv, parquet, json, yaml,
// text, object) works at s3://bucket/key, versioning included. Options given to the plugin in
// dagrun.yaml are defaults for every s3:// entry's storage_options.

import {
  CatalogError,
  ConfigError,
  definePlugin,
  type ErrorCode,
  type StorageFactory,
  type StorageOptions,
} from '@dagrun/core';
import { checkOptions, resolveSettings, type Problem, type S3StorageOptions } from './options.js';
import { S3Storage } from './s3-storage.js';

type Environ = Readonly<Record<string, string | undefined>>;

/**
 * An S3Storage for one entry's storage_options and credentials;
 * throws DAGRUN_ERR_CATALOG_OPTIONS listing every problem.
 */
export const createS3Storage = (options: StorageOptions = {}, environ: Environ = process.env): S3Storage => {
  const { settings, problems } = resolveSettings(options.options, options.credentials, environ);
  if (!settings) throw problemsError(problems, 'DAGRUN_ERR_CATALOG_OPTIONS', CatalogError);
  return new S3Storage(settings);
};

/** The factory the plugin registers; `defaults` sit under each entry's storage_options. */
export const s3StorageFactory = (defaults: S3StorageOptions = {}): StorageFactory => ({
  protocol: 's3',
  create: (o) => createS3Storage({ credentials: o.credentials, options: { ...defaults, ...(o.options ?? {}) } }),
});

export const s3Plugin = definePlugin<S3StorageOptions>({
  name: '@dagrun/datasets-s3',
  engine: '^0.1.0',
  register(api, options) {
    const problems = checkOptions((options ?? {}) as Readonly<Record<string, unknown>>);
    if (problems.length > 0) throw problemsError(problems, 'DAGRUN_ERR_CONFIG_SCHEMA', ConfigError);
    api.registerStorage(s3StorageFactory(options));
  },
});

/** One problem as it is; several as one error that lists them, each with its hint. */
const problemsError = (
  problems: readonly Problem[],
  code: ErrorCode,
  Err: typeof CatalogError | typeof ConfigError,
): Error => {
  const [first] = problems;
  if (problems.length === 1 && first) return new Err(code, first.detail, { hint: first.hint });
  const lines = problems.map((p, i) => `\n  ${i + 1}) ${p.detail}${p.hint ? ` ${p.hint}` : ''}`).join('');
  return new Err(
    code,
    `S3 storage: expected valid storage options and credentials, but got ${problems.length} problems:${lines}`,
  );
};
