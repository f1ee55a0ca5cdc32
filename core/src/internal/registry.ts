// What plugins add to the engine: dataset types, storages, codecs, hooks and CLI commands.
// One Registry per project; core's built-in types are registered first.

import { CatalogError } from './errors.js';
import type { Codec, CodecLookup, DatasetType, StorageFactory } from './datasets/dataset.js';
import { BUILTIN_TYPES } from './datasets/builtins.js';
import { HookManager, type Hooks } from './hooks.js';
import type { TableAdapter } from './table-adapter.js';

/** A CLI command contributed by a plugin, independent of the CLI library. */
export interface CommandSpec {
  /** e.g. `serve` or `viz`. */
  readonly name: string;
  readonly description: string;
  readonly arguments?: ReadonlyArray<{
    readonly name: string;
    readonly description: string;
    readonly required?: boolean;
  }>;
  /** commander-style flags, e.g. `--port <number>`. */
  readonly options?: ReadonlyArray<{
    readonly flags: string;
    readonly description: string;
    readonly default?: string | boolean;
  }>;
  /** Commands under this one (`dagrun runs list`, `dagrun runs show ID`), each with its own arguments and options. */
  readonly subcommands?: readonly CommandSpec[];
  /**
   * Runs the command (required unless it has subcommands); returns the exit code. Commands open the
   * project themselves, when they need it, so those that do not start fast.
   */
  action?(
    args: readonly string[],
    options: Readonly<Record<string, unknown>>,
    context: CommandContext,
  ): Promise<number | void>;
}

export interface CommandContext {
  /** The project directory (`--project`, default the current directory). */
  readonly projectDir: string;
  /** Prints to the user's terminal. */
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

export interface RegisterTypeOptions {
  /** Replace core's built-in type of the same name (once per name); without it a second registration fails. */
  readonly replaceBuiltin?: boolean;
}

export class Registry implements CodecLookup {
  readonly #types = new Map<string, DatasetType>();
  readonly #storages = new Map<string, StorageFactory>();
  readonly #codecs = new Map<string, Codec>();
  readonly #commands = new Map<string, CommandSpec>();
  readonly #tableAdapters: TableAdapter<unknown>[] = [];
  readonly hooks = new HookManager();

  /** Built-in type names a plugin may still replace once (see registerDatasetType). */
  readonly #replaceable = new Set<string>();

  constructor(withBuiltins = true) {
    if (withBuiltins) for (const t of BUILTIN_TYPES) this.registerDatasetType(t);
    for (const name of this.#types.keys()) this.#replaceable.add(name);
  }

  /**
   * `replaceBuiltin` lets a plugin take over a built-in type whose options it carries out more fully
   * (the polars plugin's `json` reads tables too); it is explicit, so a name clash is still an error.
   */
  registerDatasetType(type: DatasetType<never> | DatasetType, options: RegisterTypeOptions = {}): void {
    const replacing = options.replaceBuiltin === true && this.#replaceable.has(type.name);
    if (this.#types.has(type.name) && !replacing) {
      throw new CatalogError(
        'DAGRUN_ERR_CATALOG_DUPLICATE_TYPE',
        `Dataset type '${type.name}': expected one registration, but got a second.`,
      );
    }
    this.#replaceable.delete(type.name);
    this.#types.set(type.name, type as DatasetType);
  }

  registerStorage(factory: StorageFactory): void {
    if (this.#storages.has(factory.protocol)) {
      throw new CatalogError(
        'DAGRUN_ERR_CATALOG_DUPLICATE_TYPE',
        `Storage for '${factory.protocol}://': expected one registration, but got a second.`,
      );
    }
    this.#storages.set(factory.protocol, factory);
  }

  registerCodec(codec: Codec<never> | Codec): void {
    if (this.#codecs.has(codec.name)) {
      throw new CatalogError(
        'DAGRUN_ERR_CATALOG_DUPLICATE_TYPE',
        `Codec '${codec.name}': expected one registration, but got a second.`,
      );
    }
    this.#codecs.set(codec.name, codec as Codec);
  }

  /** A kind of table data contracts can check (core knows arrays of records; polars comes from its plugin). */
  registerTableAdapter<T>(adapter: TableAdapter<T>): void {
    if (this.#tableAdapters.some((a) => a.name === adapter.name)) {
      throw new CatalogError(
        'DAGRUN_ERR_CATALOG_DUPLICATE_TYPE',
        `Table adapter '${adapter.name}': expected one registration, but got a second.`,
      );
    }
    this.#tableAdapters.push(adapter as unknown as TableAdapter<unknown>);
  }

  tableAdapters(): readonly TableAdapter<unknown>[] {
    return this.#tableAdapters;
  }

  registerHooks(hooks: Hooks): void {
    this.hooks.register(hooks);
  }

  registerCommand(command: CommandSpec): void {
    this.#commands.set(command.name, command);
  }

  datasetType(name: string): DatasetType | undefined {
    return this.#types.get(name);
  }

  datasetTypes(): DatasetType[] {
    return [...this.#types.values()];
  }

  storage(protocol: string): StorageFactory | undefined {
    return this.#storages.get(protocol);
  }

  storageProtocols(): string[] {
    return ['file', ...this.#storages.keys()];
  }

  commands(): CommandSpec[] {
    return [...this.#commands.values()];
  }

  byName(name: string): Codec | undefined {
    return this.#codecs.get(name);
  }

  forValue(value: unknown): Codec | undefined {
    for (const c of this.#codecs.values()) if (c.test(value)) return c;
    return undefined;
  }

  names(): string[] {
    return [...this.#codecs.keys()];
  }
}
