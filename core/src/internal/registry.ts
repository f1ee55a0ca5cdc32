// What plugins add to the engine: dataset types, storages, codecs, hooks and CLI commands.
// One Registry per project; core's built-in types are registered first.

import { CatalogError } from './errors.js';
import type { Codec, CodecLookup, DatasetType, StorageFactory } from './datasets/dataset.js';
import { BUILTIN_TYPES } from './datasets/builtins.js';
import { HookManager, type Hooks } from './hooks.js';

/** A CLI command contributed by a plugin, independent of the CLI library. */
export interface CommandSpec {
  /** e.g. `serve` or `viz`. */
  readonly name: string;
  readonly description: string;
  readonly arguments?: ReadonlyArray<{ readonly name: string; readonly description: string; readonly required?: boolean }>;
  /** commander-style flags, e.g. `--port <number>`. */
  readonly options?: ReadonlyArray<{ readonly flags: string; readonly description: string; readonly default?: string | boolean }>;
  /** Runs the command; `context.project` is loaded lazily so commands that do not need it start fast. */
  action(args: readonly string[], options: Readonly<Record<string, unknown>>, context: CommandContext): Promise<number | void>;
}

export interface CommandContext {
  /** The project directory (`--project`, default the current directory). */
  readonly projectDir: string;
  /** Prints to the user's terminal. */
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

export class Registry implements CodecLookup {
  readonly #types = new Map<string, DatasetType>();
  readonly #storages = new Map<string, StorageFactory>();
  readonly #codecs = new Map<string, Codec>();
  readonly #commands = new Map<string, CommandSpec>();
  readonly hooks = new HookManager();

  constructor(withBuiltins = true) {
    if (withBuiltins) for (const t of BUILTIN_TYPES) this.registerDatasetType(t as unknown as DatasetType);
  }

  registerDatasetType(type: DatasetType<never> | DatasetType): void {
    if (this.#types.has(type.name)) {
      throw new CatalogError('DAGRUN_ERR_CATALOG_DUPLICATE_TYPE', `Dataset type '${type.name}': expected one registration, but got a second.`);
    }
    this.#types.set(type.name, type as DatasetType);
  }

  registerStorage(factory: StorageFactory): void {
    if (this.#storages.has(factory.protocol)) {
      throw new CatalogError('DAGRUN_ERR_CATALOG_DUPLICATE_TYPE', `Storage for '${factory.protocol}://': expected one registration, but got a second.`);
    }
    this.#storages.set(factory.protocol, factory);
  }

  registerCodec(codec: Codec<never> | Codec): void {
    if (this.#codecs.has(codec.name)) {
      throw new CatalogError('DAGRUN_ERR_CATALOG_DUPLICATE_TYPE', `Codec '${codec.name}': expected one registration, but got a second.`);
    }
    this.#codecs.set(codec.name, codec as Codec);
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
