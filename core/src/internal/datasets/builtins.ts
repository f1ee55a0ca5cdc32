// The dataset types core registers: json, yaml, text, object, memory. Each is a few lines on top of
// fileDatasetType or the small MemoryDataset. Tables (csv, parquet, excel, json with `table: true`) come
// from @dagrun/datasets-polars, which replaces `json` with a type that also reads tables.

import { serialize, deserialize } from 'node:v8';
import type { Static } from 'typebox';
import { CatalogError, DatasetError } from '../errors.js';
import { pluginFor, pluginHint } from '../known-plugins.js';
import {
  datasetType,
  type Codec,
  type Dataset,
  type DatasetContext,
  type DatasetType,
  type Format,
} from './dataset.js';
import { fileDatasetType, type FileOptions } from './file-dataset.js';
import { describeValue, isDataFrame } from '../describe.js';
import { JSON_OPTIONS_SCHEMA, TEXT_OPTIONS_SCHEMA, jsonFormat, textFormat, yamlFormat } from './formats.js';

// `table` and `lines` are declared here, not by the plugin, so a catalog checks alike with or without it
// and an entry with `table: true` but no plugin is told which plugin to add.
const JSON_TYPE_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    table: {
      type: 'boolean',
      description: 'Load and save a polars DataFrame (an array of records). Needs the @dagrun/datasets-polars plugin.',
    },
    lines: { type: 'boolean', description: 'With table: newline-delimited JSON.' },
    ...JSON_OPTIONS_SCHEMA.properties,
  },
} as const;
/** The options of `json`, including the table ones that only @dagrun/datasets-polars carries out. */
export type JsonTypeOptions = Static<typeof JSON_TYPE_OPTIONS_SCHEMA>;

const plainJsonType = fileDatasetType<unknown, JsonTypeOptions>({
  name: 'json',
  description: 'A JSON file: any JSON value, or with `table: true` a table (polars DataFrame) of records.',
  format: jsonFormat,
  isTabular: (o) => o.table === true,
  properties: JSON_TYPE_OPTIONS_SCHEMA.properties,
});

export const jsonType: DatasetType<FileOptions & JsonTypeOptions> = {
  ...plainJsonType,
  create: (options, ctx) => {
    // Reached only without the polars plugin (it replaces this type): say which plugin reads tables.
    if (options.table) {
      throw new CatalogError(
        'DAGRUN_ERR_CATALOG_OPTIONS',
        `Catalog entry '${ctx.name}' (json), field 'table': ` +
          `expected a registered plugin that loads tables, but got none.`,
        {
          hint: pluginHint('datasetOption', 'json.table'),
        },
      );
    }
    return plainJsonType.create(options, ctx);
  },
};

export const yamlType = fileDatasetType({
  name: 'yaml',
  description: 'A YAML file holding any value.',
  format: yamlFormat,
  isTabular: () => false,
  properties: {},
});

export const textType = fileDatasetType({
  name: 'text',
  description: 'A text file, loaded as a string.',
  format: textFormat,
  isTabular: () => false,
  properties: TEXT_OPTIONS_SCHEMA.properties,
});

/** Envelope written by the `object` type so a load knows which codec rebuilds the value. */
interface ObjectEnvelope {
  readonly dagrun_object: 1;
  readonly codec: string | null;
  readonly data: unknown;
}

const OBJECT_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    serializer: { enum: ['json', 'v8'] },
    codec: {
      type: 'string',
      description: 'Codec name; default: the first registered codec whose test() accepts the value.',
    },
  },
} as const;
type ObjectOptions = Static<typeof OBJECT_OPTIONS_SCHEMA>;

/** The object type on core's file type: the format is made per entry, as it needs the entry's codecs. */
const objectFileType = (format: Format<unknown, ObjectOptions>) =>
  fileDatasetType({
    name: 'object',
    description: 'A model or other artifact. JSON through a registered codec (default) or v8 serialisation.',
    format,
    isTabular: () => false,
    properties: OBJECT_OPTIONS_SCHEMA.properties,
  });

/**
 * A JSON file the `object` type wrote, as the value it held: rebuilt by the codec its envelope names
 * (plain JSON without an envelope is returned as parsed). Exported for dataset types that read such
 * files from elsewhere (a registered model version).
 */
export const decodeObject = (bytes: Buffer, ctx: DatasetContext): unknown => {
  const env = JSON.parse(bytes.toString('utf8')) as ObjectEnvelope;
  if (env === null || typeof env !== 'object' || env.dagrun_object !== 1) return env;
  if (env.codec === null) return env.data;
  const codec = ctx.codecs.byName(env.codec);
  if (!codec) {
    throw new DatasetError(
      'DAGRUN_ERR_DATASET_CODEC',
      `Object dataset '${ctx.name}': expected codec '${env.codec}' to be registered, but got ${registered(ctx)}.`,
      {
        hint: 'Hint: list the plugin that provides this codec under `plugins:` in dagrun.yaml.',
      },
    );
  }
  return codec.deserialize(env.data);
};

const objectFormat = (ctx: DatasetContext, o: ObjectOptions): Format<unknown, ObjectOptions> => ({
  name: 'object',
  check: (data) => {
    if (data === undefined || typeof data === 'function')
      return `expected a serialisable object, but got ${describeValue(data)}`;
    if (o.serializer === 'v8') return undefined;
    const codec = o.codec ? ctx.codecs.byName(o.codec) : ctx.codecs.forValue(data);
    if (
      !codec &&
      data !== null &&
      typeof data === 'object' &&
      !Array.isArray(data) &&
      Object.getPrototypeOf(data) !== Object.prototype &&
      typeof (data as { toJSON?: unknown }).toJSON !== 'function'
    ) {
      const plugin = pluginFor('valueClass', (data as object).constructor?.name ?? '');
      const fix = plugin
        ? `its codec is in ${plugin}: add it to plugins in dagrun.yaml`
        : 'register a Codec for it, or use serializer: v8';
      const got = describeValue(data);
      return `expected a plain object or a value some registered codec handles, but got ${got} (${fix})`;
    }
    return undefined;
  },
  decode: (bytes) => (o.serializer === 'v8' ? (deserialize(bytes) as unknown) : decodeObject(bytes, ctx)),
  encode: (data) => {
    if (o.serializer === 'v8') return serialize(data);
    const codec: Codec | undefined = o.codec ? ctx.codecs.byName(o.codec) : ctx.codecs.forValue(data);
    const env: ObjectEnvelope = {
      dagrun_object: 1,
      codec: codec?.name ?? null,
      data: codec ? codec.serialize(data) : data,
    };
    return Buffer.from(JSON.stringify(env));
  },
});

const objectFileBase = objectFileType({
  name: 'object',
  check: () => undefined,
  decode: () => undefined,
  encode: () => Buffer.alloc(0),
});

export const objectType: DatasetType<FileOptions & ObjectOptions> = {
  // The schema, versioning and atomic saves of every file type; create() makes the format for the entry.
  ...objectFileBase,
  create: (options, ctx) => {
    // A named codec must exist when the catalog is built, so the checks before a run report it.
    if (options.codec && options.serializer !== 'v8' && !ctx.codecs.byName(options.codec)) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_CODEC',
        `Object dataset '${ctx.name}': expected codec '${options.codec}' to be registered, but got ${registered(ctx)}.`,
        {
          hint: 'Hint: list the plugin that provides this codec under `plugins:` in dagrun.yaml.',
        },
      );
    }
    return objectFileType(objectFormat(ctx, options)).create(options, ctx);
  },
};

const registered = (ctx: DatasetContext): string => {
  const names = ctx.codecs.names();
  return names.length > 0 ? `only ${names.map((n) => `'${n}'`).join(', ')}` : 'no codec registered';
};

/** Holds a value in memory. Declared in the catalog or made for any undeclared intermediate. */
export class MemoryDataset<T = unknown> implements Dataset<T> {
  #data: T | undefined;
  #has = false;
  readonly #name: string;
  readonly #copy: 'assign' | 'deepcopy';

  constructor(name: string, copyMode: 'assign' | 'deepcopy' = 'assign') {
    this.#name = name;
    this.#copy = copyMode;
  }

  load(): T {
    if (!this.#has) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_LOAD',
        `Memory dataset '${this.#name}': expected data saved earlier in this run, but got nothing.`,
        {
          hint:
            'Hint: memory datasets live only during one run; ' +
            'run the node that produces it in the same run, or declare it in catalog.yaml with a file type.',
        },
      );
    }
    // DataFrames are immutable and cannot be cloned: they are shared, as on save.
    return this.#copy === 'deepcopy' && !isDataFrame(this.#data) ? structuredClone(this.#data as T) : (this.#data as T);
  }

  save(data: T): void {
    this.#data = this.#copy === 'deepcopy' && !isDataFrame(data) ? structuredClone(data) : data;
    this.#has = true;
  }

  exists(): boolean {
    return this.#has;
  }

  release(): void {
    this.#data = undefined;
    this.#has = false;
  }

  describe(): Record<string, unknown> {
    return { type: 'memory', copy_mode: this.#copy };
  }
}

export const memoryType = datasetType({
  name: 'memory',
  description: 'Keeps the value in memory for the length of a run.',
  persistent: false,
  schema: { type: 'object', properties: { copy_mode: { enum: ['assign', 'deepcopy'] } }, additionalProperties: false },
  create: (options, ctx) => new MemoryDataset(ctx.name, options.copy_mode ?? 'assign'),
});

export const BUILTIN_TYPES: readonly DatasetType<never>[] = [jsonType, yamlType, textType, objectType, memoryType];
