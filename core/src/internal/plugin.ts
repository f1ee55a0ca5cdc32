// Plugins: a name, the engine versions they work with, the plugins they need, and a register
// function that adds dataset types, storages, codecs, hooks and commands. Checked at registration.

import { existsSync } from 'node:fs';
import { satisfies as semverSatisfies } from 'semver';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DagrunError, didYouMean, messageOf, PluginError, type SourceLocation } from './errors.js';
import type { Codec, DatasetType, StorageFactory } from './datasets/dataset.js';
import type { Hooks } from './hooks.js';
import type { TableAdapter } from './table-adapter.js';
import type { CommandSpec, RegisterTypeOptions, Registry } from './registry.js';
import { ENGINE_VERSION } from './version.js';
import { importProjectFile } from './ts-modules.js';

export interface PluginApi {
  readonly engineVersion: string;
  /** `{ replaceBuiltin: true }` takes over core's type of the same name (see Registry.registerDatasetType). */
  registerDatasetType(type: DatasetType<never>, options?: RegisterTypeOptions): void;
  registerStorage(factory: StorageFactory): void;
  /**
   * Generic so a typed codec (`Codec<Map<…>>`) registers without a cast; `deserialize` returning T rules out
   * `Codec<never>`.
   */
  registerCodec<T>(codec: Codec<T>): void;
  registerHooks(hooks: Hooks): void;
  registerCommand(command: CommandSpec): void;
  /** A kind of table that data contracts (`contract:` in catalog.yaml) can check. */
  registerTableAdapter<T>(adapter: TableAdapter<T>): void;
}

export interface Plugin<Options = Record<string, unknown>> {
  readonly name: string;
  /** Engine versions this plugin works with, as a semver range (`^0.1.0`, `>=0.1 <0.3`). */
  readonly engine?: string;
  /** Names of plugins that must be registered before this one. */
  readonly dependencies?: readonly string[];
  register(api: PluginApi, options: Options): void | Promise<void>;
}

/** Identity function that gives a plugin object its type. */
export const definePlugin = <O = Record<string, unknown>>(plugin: Plugin<O>): Plugin<O> => plugin;

/** Registers plugins in order, checking each one's engine range and dependencies. */
export class PluginHost {
  readonly #registry: Registry;
  readonly #registered: string[] = [];

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  get names(): readonly string[] {
    return this.#registered;
  }

  async register<O>(plugin: Plugin<O>, options?: O, origin?: string): Promise<void> {
    const from = origin ? ` (from ${origin})` : '';
    if (plugin.engine && !satisfies(ENGINE_VERSION, plugin.engine)) {
      throw new PluginError(
        'DAGRUN_ERR_PLUGIN_VERSION',
        `Plugin '${plugin.name}'${from}: expected engine ${plugin.engine}, but got @dagrun/core ${ENGINE_VERSION}.`,
        {
          hint: 'Hint: install a version of the plugin made for this engine, or upgrade @dagrun/core.',
        },
      );
    }
    for (const dep of plugin.dependencies ?? []) {
      if (!this.#registered.includes(dep)) {
        throw new PluginError(
          'DAGRUN_ERR_PLUGIN_DEPENDENCY',
          `Plugin '${plugin.name}'${from}: expected plugin '${dep}' to be registered before it, but ` +
            `got ${this.#registered.length > 0 ? this.#registered.map((r) => `'${r}'`).join(', ') : 'no plugin'}.`,
          {
            hint: `Hint: list '${dep}' above '${plugin.name}' under plugins in dagrun.yaml.`,
          },
        );
      }
    }
    const r = this.#registry;
    const api: PluginApi = {
      engineVersion: ENGINE_VERSION,
      registerDatasetType: (t, o) => r.registerDatasetType(t, o),
      registerStorage: (s) => r.registerStorage(s),
      registerCodec: (c) => r.registerCodec(c as unknown as Codec),
      registerHooks: (h) => r.registerHooks(h),
      registerCommand: (c) => r.registerCommand(c),
      registerTableAdapter: (a) => r.registerTableAdapter(a),
    };
    await plugin.register(api, (options ?? {}) as O);
    this.#registered.push(plugin.name);
  }
}

/** Imports a plugin module named in dagrun.yaml: a package name or a path relative to the project. */
export const importPlugin = async (spec: string, projectDir: string): Promise<Plugin | DagrunError> => {
  let url: string | undefined;
  let file: string | undefined;
  try {
    if (spec.startsWith('.') || isAbsolute(spec)) {
      file = isAbsolute(spec) ? spec : resolve(projectDir, spec);
      if (!existsSync(file)) throw new Error(`no file at ${spec}`);
    } else {
      url = pathToFileURL(createRequire(join(projectDir, 'package.json')).resolve(spec)).href;
    }
  } catch (err) {
    return new PluginError(
      'DAGRUN_ERR_PLUGIN_LOAD',
      `Plugin '${spec}': ` +
        `expected a module that resolves from ${projectDir}, but got ${(err as Error).message.split('\n')[0]}.`,
      {
        hint: spec.startsWith('.') ? undefined : `Hint: npm install ${spec} in the project (or the workspace).`,
      },
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = file ? await importProjectFile(file, projectDir) : ((await import(url!)) as Record<string, unknown>);
  } catch (err) {
    return new PluginError(
      'DAGRUN_ERR_PLUGIN_LOAD',
      `Plugin '${spec}': expected it to import, but got ${(err as Error).message.split('\n')[0]}.`,
      { cause: err },
    );
  }
  const candidate = (mod.default ?? mod.plugin) as Plugin | undefined;
  if (
    !candidate ||
    typeof candidate !== 'object' ||
    typeof candidate.register !== 'function' ||
    typeof candidate.name !== 'string'
  ) {
    const mean = didYouMean('plugin', Object.keys(mod));
    return new PluginError(
      'DAGRUN_ERR_PLUGIN_LOAD',
      `Plugin '${spec}': expected a default (or 'plugin') export made with definePlugin(), ` +
        `but got ${candidate === undefined ? 'none' : typeof candidate}.`,
      { hint: mean ? `Hint: ${mean}` : undefined },
    );
  }
  return candidate;
};

/** A plugin as dagrun.yaml lists it: the module to import, the options for register(), and where it is listed. */
export interface PluginRequest {
  readonly module: string;
  readonly options: Record<string, unknown>;
  readonly location?: SourceLocation | undefined;
}

/**
 * Imports and registers plugins in order: the one loop both a full project load and a command listing
 * use. Returns the problems (each placed at its dagrun.yaml entry when it has no location of its own);
 * a plugin that fails is skipped and the next one is tried.
 */
export const registerPlugins = async (
  host: PluginHost,
  requests: readonly PluginRequest[],
  projectDir: string,
): Promise<DagrunError[]> => {
  const problems: DagrunError[] = [];
  const at = (e: DagrunError, r: PluginRequest): DagrunError =>
    e.location || !r.location ? e : e.with({ location: r.location });
  for (const r of requests) {
    const plugin = await importPlugin(r.module, projectDir);
    if (plugin instanceof DagrunError) {
      problems.push(at(plugin, r));
      continue;
    }
    try {
      await host.register(plugin, r.options, r.module);
    } catch (err) {
      problems.push(
        at(
          err instanceof DagrunError
            ? err
            : new PluginError(
                'DAGRUN_ERR_PLUGIN_LOAD',
                `Plugin '${r.module}': expected register() to succeed, but got ${messageOf(err)}.`,
                { cause: err },
              ),
          r,
        ),
      );
    }
  }
  return problems;
};

/**
 * Whether `version` is in `range` (npm's semver ranges: `^0.1.0`, `>=0.1 <0.3`, `^1 || ^2`), by the semver
 * package npm itself uses.
 */
export const satisfies = (version: string, range: string): boolean => semverSatisfies(version, range);
