// Layered configuration: conf/base, then conf/local, then conf/<env> on top, with ${env:VAR} interpolation.
// Catalog and credentials entries are replaced whole by a higher layer; parameters merge key by key.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, type DagrunError, type SourceLocation } from './errors.js';
import { parseYamlValue, YamlSource, type YamlPath } from './yaml-source.js';

export interface ConfigLoaderOptions {
  readonly projectDir: string;
  /** Folder holding the environments, relative to the project. Default `conf`. */
  readonly confDir?: string | undefined;
  /** Extra environment layered on top of base and local (`--env NAME`). */
  readonly env?: string | undefined;
  /** Variables for `${env:VAR}`; default `process.env`. */
  readonly environ?: Readonly<Record<string, string | undefined>> | undefined;
}

export type MergeStrategy = 'replace-top-level' | 'deep';

/** One merged configuration (e.g. all catalog files of all layers) that can say where each value came from. */
export class ConfigSection {
  readonly name: string;
  readonly data: Record<string, unknown>;
  readonly sources: readonly YamlSource[];

  constructor(name: string, data: Record<string, unknown>, sources: readonly YamlSource[]) {
    this.name = name;
    this.data = data;
    this.sources = sources;
  }

  /** Location of the value at `path` in the highest layer that sets it. */
  locate(path: YamlPath, key = false): SourceLocation {
    // The highest layer that sets the whole path, else the highest that sets its top-level key (deep merges).
    for (const depth of [path.length, 1]) {
      for (let i = this.sources.length - 1; i >= 0; i--) {
        const src = this.sources[i]!;
        if (path.length === 0 || src.has(path.slice(0, depth))) return src.locate(path, key);
      }
    }
    return { file: this.sources[this.sources.length - 1]?.file ?? `${this.name}.yaml` };
  }
}

export class ConfigLoader {
  readonly projectDir: string;
  readonly confDir: string;
  readonly envs: readonly string[];
  readonly #environ: Readonly<Record<string, string | undefined>>;
  readonly #cache = new Map<string, ConfigSection>();

  constructor(options: ConfigLoaderOptions) {
    this.projectDir = options.projectDir;
    this.confDir = join(options.projectDir, options.confDir ?? 'conf');
    this.envs = [
      'base',
      'local',
      ...(options.env && options.env !== 'base' && options.env !== 'local' ? [options.env] : []),
    ];
    this.#environ = options.environ ?? process.env;
    if (options.env && !existsSync(join(this.confDir, options.env))) {
      const have = existsSync(this.confDir) ? readdirSync(this.confDir).join(', ') : 'none';
      throw new ConfigError(
        'DAGRUN_ERR_CONFIG_NOT_FOUND',
        `Environment '${options.env}': ` +
          `expected a folder ${relative(this.projectDir, join(this.confDir, options.env))}, but got no such folder.`,
        {
          hint: `Hint: environments present: ${have}.`,
        },
      );
    }
  }

  /**
   * Loads every `<name>.yaml`, `<name>.yml` and `<name>_*.yaml` of each layer, and every YAML file under a
   * `<name>/` folder (Kedro's layout), and merges them.
   * Problems (YAML syntax, a missing env variable) are collected into `errors` rather than thrown.
   */
  load(name: string, strategy: MergeStrategy, errors: DagrunError[] = []): ConfigSection {
    const cacheKey = `${name}:${strategy}`;
    const cached = this.#cache.get(cacheKey);
    if (cached) return cached;
    const sources: YamlSource[] = [];
    let merged: Record<string, unknown> = {};
    for (const env of this.envs) {
      const dir = join(this.confDir, env);
      if (!existsSync(dir)) continue;
      const files = [
        ...readdirSync(dir)
          .filter((f) => new RegExp(`^${escapeRe(name)}(_[^/]*)?\\.ya?ml$`).test(f))
          .sort(),
        ...kedroFolder(dir, name),
      ];
      const layer: Record<string, unknown> = {};
      const owner = new Map<string, string>();
      for (const f of files) {
        let src: YamlSource;
        try {
          src = YamlSource.read(join(dir, f), this.projectDir);
        } catch (err) {
          errors.push(err as DagrunError);
          continue;
        }
        const data = src.data;
        if (data === null || typeof data !== 'object' || Array.isArray(data)) {
          errors.push(
            new ConfigError(
              'DAGRUN_ERR_CONFIG_SCHEMA',
              `Configuration file '${src.file}': expected a mapping of keys to values, but got ${describeValue(data)}.`,
              { location: src.locate([]) },
            ),
          );
          continue;
        }
        const interpolated = interpolate(data, src, [], this.#environ, errors) as Record<string, unknown>;
        for (const [k, v] of Object.entries(interpolated)) {
          const prev = owner.get(k);
          if (prev) {
            errors.push(
              new ConfigError(
                'DAGRUN_ERR_CONFIG_SCHEMA',
                `Key '${k}' in '${src.file}': expected each key once per environment, but got it in '${prev}' too.`,
                { location: src.locate([k], true) },
              ),
            );
          }
          owner.set(k, src.file);
          layer[k] = v;
        }
        sources.push(src);
      }
      merged = strategy === 'deep' ? deepMerge(merged, layer) : { ...merged, ...layer };
    }
    const section = new ConfigSection(name, merged, sources);
    this.#cache.set(cacheKey, section);
    return section;
  }
}

/**
 * Kedro's folder layout, `conf/base/parameters/*.yml` (nested folders too): every YAML file under a folder
 * named after the section belongs to it, except JSON Schemas (`*.schema.yml`), which describe rather than set.
 */
const kedroFolder = (dir: string, name: string): string[] => {
  const folder = join(dir, name);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  return (readdirSync(folder, { recursive: true }) as string[])
    .map((f) => join(name, f))
    .filter((f) => /\.ya?ml$/.test(f) && !/\.schema\.ya?ml$/.test(f))
    .sort();
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const describeValue = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'a mapping'
        : `${typeof v} ${JSON.stringify(v)}`;

export const deepMerge = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
};

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const ENV_RE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?:,([^}]*))?\}/g;

/** Replaces ${env:VAR} and ${env:VAR,default}. A string that is one interpolation only is parsed as a YAML scalar. */
const interpolate = (
  value: unknown,
  src: YamlSource,
  path: Array<string | number>,
  environ: Readonly<Record<string, string | undefined>>,
  errors: DagrunError[],
): unknown => {
  if (typeof value === 'string') {
    if (!value.includes('${env:')) return value;
    const whole = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*(?:,[^}]*)?\}$/.test(value);
    const out = value.replace(ENV_RE, (_m: string, name: string, def: string | undefined) => {
      const v = environ[name];
      if (v !== undefined) return v;
      if (def !== undefined) return def;
      errors.push(
        new ConfigError(
          'DAGRUN_ERR_CONFIG_ENV_VAR',
          `Environment variable '${name}' in '${src.file}': expected it to be set, but got nothing.`,
          {
            location: src.locate(path),
            hint: `Hint: export ${name}=… before running, or give a default: \${env:${name},value}.`,
          },
        ),
      );
      // Keep the reference as written, so no second error ("too short", "not a number") follows from an empty value.
      return _m;
    });
    if (!whole) return out;
    try {
      const typed: unknown = parseYamlValue(out);
      // Typed only when nothing is lost: a 20-digit key stays the string it was, not a rounded number.
      if (typeof typed === 'number' && String(typed) !== out.trim()) return out;
      return typed === null || typeof typed !== 'object' ? (typed ?? out) : out;
    } catch {
      return out;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, src, [...path, i], environ, errors));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Assigned, `__proto__` would replace the object's prototype instead of becoming a key.
      if (k === '__proto__') {
        errors.push(
          new ConfigError(
            'DAGRUN_ERR_CONFIG_SCHEMA',
            `Key '${[...path, k].join('.')}' in '${src.file}': expected a key other than __proto__, but got __proto__.`,
            {
              location: src.locate([...path, k], true),
              hint: 'Hint: rename the key; __proto__ cannot be a configuration key.',
            },
          ),
        );
        continue;
      }
      out[k] = interpolate(v, src, [...path, k], environ, errors);
    }
    return out;
  }
  return value;
};
