// dagrun.yaml: the project's settings (name, plugins, where its files are, the default runner), read and
// checked against one schema, with the defaults a project without a setting gets.

import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError, type DagrunError } from './errors.js';
import { checkSchema, type JsonSchema } from './schema.js';
import { YamlSource } from './yaml-source.js';

export type PluginEntry = string | { readonly module: string; readonly options?: Record<string, unknown> };

export interface ProjectSettings {
  readonly name: string;
  readonly plugins: readonly PluginEntry[];
  readonly pipelines_file: string;
  readonly conf_dir: string;
  readonly runs_dir: string;
  readonly runner: { readonly type: 'sequential' | 'concurrent'; readonly max_concurrency?: number };
  /** Warnings `dagrun check` may omit, by name (e.g. `unread-output`). */
  readonly silence?: readonly string[];
}

const SETTINGS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    plugins: {
      type: 'array',
      items: {
        anyOf: [
          { type: 'string' },
          {
            type: 'object',
            properties: { module: { type: 'string' }, options: { type: 'object' } },
            required: ['module'],
            additionalProperties: false,
          },
        ],
      },
    },
    pipelines_file: { type: 'string' },
    conf_dir: { type: 'string' },
    runs_dir: { type: 'string' },
    runner: {
      type: 'object',
      properties: { type: { enum: ['sequential', 'concurrent'] }, max_concurrency: { type: 'integer', minimum: 1 } },
      additionalProperties: false,
    },
    silence: { type: 'array', items: { enum: ['unread-output'] } },
  },
  required: ['name'],
  additionalProperties: false,
};

export const DEFAULT_SETTINGS: ProjectSettings = {
  name: 'project',
  plugins: [],
  pipelines_file: 'pipeline.yaml',
  conf_dir: 'conf',
  runs_dir: '.dagrun/runs',
  runner: { type: 'sequential' },
};

/**
 * Reads `<dir>/dagrun.yaml`. Throws only when the file is missing (there is no project); any other
 * problem goes to `errors` and the defaults stand in, keeping the project's own name for messages.
 */
export const readSettings = (
  dir: string,
  errors: DagrunError[],
): { settings: ProjectSettings; source: YamlSource | undefined } => {
  const file = join(dir, 'dagrun.yaml');
  if (!existsSync(file)) {
    throw new ConfigError(
      'DAGRUN_ERR_CONFIG_NOT_FOUND',
      `Project at ${dir}: expected a dagrun.yaml file, but got no such file.`,
      {
        hint: 'Hint: pass --project DIR pointing at a dagrun project, or create one with `dagrun new NAME`.',
      },
    );
  }
  let source: YamlSource;
  try {
    source = YamlSource.read(file, dir);
  } catch (err) {
    errors.push(err as DagrunError);
    return { settings: DEFAULT_SETTINGS, source: undefined };
  }
  const problems = checkSchema({
    schema: SETTINGS_SCHEMA,
    data: source.data,
    subject: 'Project settings (dagrun.yaml)',
    code: 'DAGRUN_ERR_CONFIG_SCHEMA',
    locate: (p, k) => source.locate(p, k),
  });
  errors.push(...problems);
  if (problems.length === 0) {
    const d = source.data as Partial<ProjectSettings>;
    return {
      settings: { ...DEFAULT_SETTINGS, ...d, runner: { ...DEFAULT_SETTINGS.runner, ...(d.runner ?? {}) } },
      source,
    };
  }
  const name = (source.data as { name?: unknown } | null)?.name;
  return {
    settings: typeof name === 'string' && name !== '' ? { ...DEFAULT_SETTINGS, name } : DEFAULT_SETTINGS,
    source,
  };
};

/** The module a plugin entry names, and the files of local (path) plugins, which are compiled with the project. */
export const pluginModule = (entry: PluginEntry): string => (typeof entry === 'string' ? entry : entry.module);
export const pluginOptions = (entry: PluginEntry): Record<string, unknown> =>
  typeof entry === 'string' ? {} : (entry.options ?? {});
export const localPluginFiles = (dir: string, settings: ProjectSettings): string[] =>
  settings.plugins
    .map(pluginModule)
    .filter((spec) => spec.startsWith('.') || isAbsolute(spec))
    .map((spec) => resolve(dir, spec));
