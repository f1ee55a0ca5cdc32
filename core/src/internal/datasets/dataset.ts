// The dataset contract and the doors plugins use to add to it: dataset types, storages and codecs.
// A dataset type is an options schema plus a factory; core wraps every call (see catalog.ts).

import type { Static, TSchema } from 'typebox';
import type { JsonSchema } from '../schema.js';

/** What a node reads from and writes to. Only load, save and describe are required. */
export interface Dataset<T = unknown> {
  load(): T | Promise<T>;
  /** May return where and under which version the data was written, for the run record. */
  save(data: T): void | SaveInfo | Promise<void | SaveInfo>;
  /** Plain, secret-free facts for `dagrun catalog list` and the graph viewer. */
  describe(): Record<string, unknown>;
  exists?(): boolean | Promise<boolean>;
  /**
   * What is wrong with `data` for this dataset (a sentence: "expected a polars DataFrame, but got an array
   * of 3"), or undefined when it can be saved. Checked for every output of a node before any is saved.
   */
  validate?(data: unknown): string | undefined;
  /** Drop any cached data; called once no later node needs the dataset. */
  release?(): void | Promise<void>;
  /**
   * Saved versions, newest first, when the dataset is versioned; a dataset whose "current" version is not
   * the newest (a registry alias) lists that one first: it is what load() gives without a version.
   */
  versions?(): Promise<string[]>;
  /** Plain facts about a saved version from the dataset's store (the run that made it: id, params, metrics). */
  versionInfo?(version: string): Promise<Record<string, unknown> | undefined>;
}

export interface SaveInfo {
  readonly location?: string | undefined;
  readonly version?: string | undefined;
}

export interface DatasetContext {
  /** The dataset's name in the catalog. */
  readonly name: string;
  readonly projectDir: string;
  /** The credentials entry the catalog entry named, already resolved. */
  readonly credentials: Readonly<Record<string, unknown>> | undefined;
  /** Version to load (undefined: the latest) and the version this run saves under. */
  readonly version: { readonly load: string | undefined; readonly save: string };
  /** Finds the storage for a location (a path or `protocol://…`). */
  storageFor(location: string, options?: StorageOptions): Storage;
  /** Finds a codec by name, or the codec that accepts `value`. */
  readonly codecs: CodecLookup;
  /**
   * A parameter as a node would get it (`params:a.b`, or `parameters` for all); undefined when
   * parameters.yaml has no such key.
   */
  parameter(name: string): unknown;
  /** Whether parameters.yaml defines `name` (`params:a.b`). */
  hasParameter(name: string): boolean;
}

export interface DatasetType<Options extends object = Record<string, unknown>> {
  /** The `type:` value in catalog.yaml, e.g. `csv` or `postgres.table`. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the entry's options (without `type`, `credentials`, `metadata`). */
  readonly schema: JsonSchema;
  /** Whether `versioned: true` is allowed. */
  readonly versionable?: boolean;
  /** False for types whose data vanishes with the process (memory): partial runs cannot start from them. */
  readonly persistent?: boolean;
  /** Whether an entry's data is a table, so a data contract applies; absent: known only when data arrives. */
  isTabular?(options: Options): boolean;
  /**
   * True when a failed save leaves what was saved before intact (a temp file renamed into place, a
   * staging table swapped in one transaction); only then does a save error say so.
   */
  readonly atomicSaves?: boolean;
  create(options: Options, context: DatasetContext): Dataset;
}

/** A dataset type as `datasetType()` takes it: the options type is read off `schema`. */
export type DatasetTypeSpec<S extends TSchema> = Omit<DatasetType<Static<S>>, 'schema'> & { readonly schema: S };

/**
 * A dataset type whose options type is read off its schema, so options are declared once. The schema is
 * plain JSON Schema (TypeBox infers its type, a type-only import: nothing of TypeBox loads at run time)
 * or one built with TypeBox's `Type`:
 *
 *   export const memoryType = datasetType({
 *     name: 'memory',
 *     description: 'Keeps the value in memory for the length of a run.',
 *     schema: {
 *       type: 'object',
 *       properties: { copy_mode: { enum: ['assign', 'deepcopy'] } },
 *       additionalProperties: false,
 *     },
 *     create: (options, ctx) =>
 *       new MemoryDataset(ctx.name, options.copy_mode ?? 'assign'), // 'assign' | 'deepcopy' | undefined
 *   });
 */
export const datasetType = <const S extends TSchema>(spec: DatasetTypeSpec<S>): DatasetType<Static<S>> => {
  const schema: object = spec.schema;
  // Either kind is a plain JSON Schema object at run time; the shallow copy only gives it JsonSchema's type.
  const json: JsonSchema = { ...schema };
  return { ...spec, schema: json };
};

export interface StorageOptions {
  readonly credentials?: Readonly<Record<string, unknown>> | undefined;
  readonly options?: Readonly<Record<string, unknown>> | undefined;
}

/** Byte storage behind file datasets: the local disk in core, S3 and others from plugins. */
export interface Storage {
  readonly protocol: string;
  read(location: string): Promise<Buffer>;
  /** Must be atomic: readers see the old bytes or the new ones, never a part. */
  write(location: string, bytes: Uint8Array): Promise<void>;
  exists(location: string): Promise<boolean>;
  /** Names directly under a folder-like location (used to list versions); empty when none. */
  list(location: string): Promise<string[]>;
  /** The location as a local path when the storage is the local disk, letting formats read and write natively. */
  localPath?(location: string): string;
  /** Writes through a temporary local file that is renamed into place (local disk only). */
  writeVia?(location: string, write: (tmpPath: string) => Promise<void>): Promise<void>;
  /** Closes connections at the end of a run. */
  close?(): Promise<void>;
}

export interface StorageFactory {
  readonly protocol: string;
  create(options: StorageOptions): Storage;
}

/** How a file dataset turns data into bytes and back. */
export interface Format<T = unknown, Options = Record<string, unknown>> {
  readonly name: string;
  /** Returns a sentence describing what is wrong with `data` for this format, or undefined when fine. */
  check(data: unknown): string | undefined;
  decode(bytes: Buffer, options: Options): T | Promise<T>;
  encode(data: T, options: Options): Uint8Array | Promise<Uint8Array>;
  /** Faster path for local files. */
  readPath?(path: string, options: Options): T | Promise<T>;
  writePath?(data: T, path: string, options: Options): void | Promise<void>;
}

/** Turns a class instance (a model, an encoder) into JSON and back, for the `object` dataset type. */
export interface Codec<T = unknown> {
  readonly name: string;
  /** Whether this codec handles `value`. */
  test(value: unknown): boolean;
  serialize(value: T): unknown;
  deserialize(json: unknown): T;
}

export interface CodecLookup {
  byName(name: string): Codec | undefined;
  forValue(value: unknown): Codec | undefined;
  names(): string[];
}
