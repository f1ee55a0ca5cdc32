// File datasets: a Format (bytes <-> data) over a Storage (disk, S3, …), with versioning.
// A versioned dataset at `dir/name.ext` saves to `dir/name.ext/<version>/name.ext` and loads the newest.

import { posix } from 'node:path';
import type { Static } from 'typebox';
import { DatasetError } from '../errors.js';
import type { JsonSchema } from '../schema.js';
import type { Dataset, DatasetContext, DatasetType, Format, SaveInfo, Storage } from './dataset.js';

/** Kedro's version format: sortable as text, safe in file names and S3 keys. */
export const VERSION_RE = /^\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}\.\d{3}Z$/;
export const formatVersion = (d: Date): string => d.toISOString().replace(/:/g, '.');

/** The options every file type has, before its format's own; the type is read off the schema. */
const FILE_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'File location: a path relative to the project, or protocol://bucket/key.',
    },
    versioned: { type: 'boolean', description: 'Keep every save under path/<version>/; loads take the newest.' },
    storage_options: {
      type: 'object',
      additionalProperties: true,
      description: 'Options for the storage behind the path (endpoint, region, …).',
    },
  },
  required: ['path'],
} as const;
export type FileOptions = Static<typeof FILE_OPTIONS_SCHEMA>;

export interface FileTypeSpec<T, O> {
  readonly name: string;
  readonly description: string;
  readonly format: Format<T, O>;
  /** JSON Schema properties of the format's own options. */
  readonly properties: Record<string, JsonSchema>;
  /** Turns entry options into format options (default: the entry itself). */
  readonly formatOptions?: (options: FileOptions & O) => O;
  /** Picks the format per entry (e.g. json: object or table). */
  readonly pickFormat?: (options: FileOptions & O) => Format<T, O>;
  /** Whether the entry's data is a table (a data contract applies); see DatasetType.isTabular. */
  readonly isTabular?: (options: FileOptions & O) => boolean;
}

/** Builds a versionable dataset type that stores `format` through whichever storage the path names. */
export const fileDatasetType = <T, O extends object>(spec: FileTypeSpec<T, O>): DatasetType<FileOptions & O> => ({
  name: spec.name,
  description: spec.description,
  versionable: true,
  persistent: true,
  ...(spec.isTabular ? { isTabular: spec.isTabular } : {}),
  // Storage.write is atomic by contract (temp file + rename locally, one PUT or multipart on S3).
  atomicSaves: true,
  schema: {
    type: 'object',
    properties: { ...FILE_OPTIONS_SCHEMA.properties, ...spec.properties },
    required: FILE_OPTIONS_SCHEMA.required,
    additionalProperties: false,
  },
  create: (options, ctx) =>
    new FileDataset<T, O>(
      spec.pickFormat?.(options) ?? spec.format,
      options,
      spec.formatOptions?.(options) ?? (options as O),
      ctx,
      spec.name,
    ),
});

export class FileDataset<T, O> implements Dataset<T> {
  readonly #format: Format<T, O>;
  readonly #formatOptions: O;
  readonly #storage: Storage;
  readonly #path: string;
  readonly #versioned: boolean;
  readonly #ctx: DatasetContext;
  readonly #type: string;

  constructor(format: Format<T, O>, options: FileOptions, formatOptions: O, ctx: DatasetContext, type: string) {
    this.#format = format;
    this.#formatOptions = formatOptions;
    this.#path = options.path;
    this.#versioned = options.versioned ?? false;
    this.#ctx = ctx;
    this.#type = type;
    this.#storage = ctx.storageFor(options.path, { credentials: ctx.credentials, options: options.storage_options });
  }

  /** Location of one version's file. */
  #versionPath(version: string): string {
    // Keep a `protocol://` prefix whole: posix.join would fold `s3://b/k` into `s3:/b/k`.
    const [, prefix = '', rest = this.#path] = /^([a-z][a-z0-9+.-]*:\/\/)?(.*)$/is.exec(this.#path) ?? [];
    return `${prefix}${posix.join(rest, version, posix.basename(rest))}`;
  }

  async versions(): Promise<string[]> {
    if (!this.#versioned) return [];
    const names = await this.#storage.list(this.#path);
    const found: string[] = [];
    for (const v of names
      .filter((n) => VERSION_RE.test(n))
      .sort()
      .reverse()) {
      if (await this.#storage.exists(this.#versionPath(v))) found.push(v);
    }
    return found;
  }

  async #loadLocation(): Promise<string> {
    if (!this.#versioned) return this.#path;
    const wanted = this.#ctx.version.load;
    if (wanted) {
      const loc = this.#versionPath(wanted);
      if (!(await this.#storage.exists(loc))) {
        const have = (await this.versions()).slice(0, 5);
        throw new DatasetError(
          'DAGRUN_ERR_DATASET_VERSION',
          `Version of dataset '${this.#ctx.name}': ` +
            `expected '${wanted}' to exist under ${this.#path}, but got no such version.`,
          {
            hint:
              have.length > 0
                ? `Hint: versions present (newest first): ${have.join(', ')}.`
                : 'Hint: no version has been saved yet; run the node that produces it.',
          },
        );
      }
      return loc;
    }
    const newest = (await this.versions())[0];
    if (!newest) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_VERSION',
        `Versioned dataset '${this.#ctx.name}': expected at least one version under ${this.#path}, but got none.`,
        {
          hint: 'Hint: run the node that produces it first.',
        },
      );
    }
    return this.#versionPath(newest);
  }

  async load(): Promise<T> {
    const location = await this.#loadLocation();
    if (this.#storage.localPath && this.#format.readPath) {
      const local = this.#storage.localPath(location);
      if (!(await this.#storage.exists(location))) throw missing(this.#ctx.name, location);
      return this.#format.readPath(local, this.#formatOptions);
    }
    let bytes: Buffer;
    try {
      bytes = await this.#storage.read(location);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(this.#ctx.name, location);
      throw err;
    }
    return this.#format.decode(bytes, this.#formatOptions);
  }

  validate(data: unknown): string | undefined {
    return this.#format.check(data);
  }

  async save(data: T): Promise<SaveInfo> {
    const problem = this.#format.check(data);
    if (problem) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
        `Dataset '${this.#ctx.name}' (${this.#type}): ${problem}.`,
      );
    }
    const version = this.#versioned ? this.#ctx.version.save : undefined;
    const location = version ? this.#versionPath(version) : this.#path;
    if (this.#storage.writeVia && this.#format.writePath) {
      const writePath = this.#format.writePath.bind(this.#format);
      await this.#storage.writeVia(location, async (tmp) => {
        await writePath(data, tmp, this.#formatOptions);
      });
    } else {
      await this.#storage.write(location, await this.#format.encode(data, this.#formatOptions));
    }
    return { location, version };
  }

  async exists(): Promise<boolean> {
    if (this.#versioned) return (await this.versions()).length > 0;
    return this.#storage.exists(this.#path);
  }

  describe(): Record<string, unknown> {
    return { type: this.#type, path: this.#path, versioned: this.#versioned, storage: this.#storage.protocol };
  }
}

const missing = (name: string, location: string): DatasetError =>
  new DatasetError(
    'DAGRUN_ERR_DATASET_LOAD',
    `Dataset '${name}': expected a file at ${location}, but got no such file.`,
    {
      hint: 'Hint: check `path` in the catalog entry, or run the pipeline that produces it.',
    },
  );
