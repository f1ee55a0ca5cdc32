// A dagrun project opened for work (Kedro's session): settings, plugins, configuration and pipelines loaded
// once, every problem found collected rather than thrown; then checks, plans and runs on demand. Running
// lives in executor.ts, the checks in checks.ts, settings in settings.ts, --params in params-override.ts.

import { join, resolve } from 'node:path';
import { DataCatalog, flattenParams } from './catalog.js';
import { checkNodes, checkPartialRun } from './checks.js';
import { ConfigLoader, type ConfigSection } from './config.js';
import { formatVersion } from './datasets/file-dataset.js';
import { CheckError, ConfigError, type DagrunError, type SourceLocation } from './errors.js';
import { executeRun } from './executor.js';
import { buildInferencePlan, type InferenceOptions, type InferencePlan } from './inference.js';
import { applyParamOverrides, type ParamOverride } from './params-override.js';
import { checkParamsSchema } from './params-schema.js';
import { funcModules, loadPipelines, type PipelineRegistry } from './pipeline/loader.js';
import type { Node } from './pipeline/node.js';
import type { Pipeline, PipelineFilter } from './pipeline/pipeline.js';
import { PluginHost, registerPlugins, type Plugin, type PluginRequest } from './plugin.js';
import { Registry } from './registry.js';
import type { RunRecord } from './run-record.js';
import type { Runner } from './runner.js';
import { localPluginFiles, pluginModule, pluginOptions, readSettings, type ProjectSettings } from './settings.js';
import { compileTs, TS_FILE } from './ts-modules.js';
import { YamlSource } from './yaml-source.js';

export type { ProjectSettings } from './settings.js';

export interface OpenProjectOptions {
  readonly projectDir: string;
  /** Environment layered over base and local (`--env NAME`). */
  readonly env?: string | undefined;
  /** `key.path=value` overrides (typed as YAML scalars) or an object merged into parameters. */
  readonly params?: readonly string[] | Readonly<Record<string, unknown>> | undefined;
  /** Plugins given in code, registered after those in dagrun.yaml. */
  readonly plugins?: readonly Plugin[] | undefined;
  readonly environ?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface RunOptions {
  readonly pipeline?: string | undefined;
  readonly filter?: PipelineFilter | undefined;
  /** dataset name -> version to load. */
  readonly loadVersions?: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined;
  readonly runner?: Runner | undefined;
  /** Values to feed into in-memory datasets before the run (e.g. a request body). */
  readonly feed?: Readonly<Record<string, unknown>> | undefined;
  /** Write the run record (default true). */
  readonly record?: boolean | undefined;
}

export interface RunOutcome {
  readonly runId: string;
  readonly record: RunRecord;
  readonly recordFile: string | undefined;
  readonly outputs: Map<string, unknown>;
}

/** One step of a resolved plan, as `--dry-run` prints it. */
export interface PlanStep {
  readonly node: Node;
  readonly loads: Array<{ name: string; kind: string }>;
  readonly saves: Array<{ name: string; kind: string }>;
}

export class Project {
  readonly dir: string;
  readonly settings: ProjectSettings;
  readonly env: string | undefined;
  readonly registry: Registry;
  readonly config: ConfigLoader;
  readonly params: Readonly<Record<string, unknown>>;
  readonly pipelines: PipelineRegistry | undefined;
  readonly catalogConfig: ConfigSection | undefined;
  readonly credentials: ConfigSection | undefined;
  readonly parametersConfig: ConfigSection | undefined;
  /** Problems found while loading: YAML, schemas, plugins, functions, catalog entries. */
  readonly errors: readonly DagrunError[];
  /** The `--params` overrides given, parsed, in order (a resume plan repeats them). */
  readonly paramOverrides: readonly ParamOverride[];

  constructor(init: {
    dir: string;
    settings: ProjectSettings;
    env: string | undefined;
    registry: Registry;
    config: ConfigLoader;
    params: Record<string, unknown>;
    pipelines: PipelineRegistry | undefined;
    catalogConfig: ConfigSection | undefined;
    credentials: ConfigSection | undefined;
    parametersConfig: ConfigSection | undefined;
    errors: DagrunError[];
    paramOverrides: ParamOverride[];
  }) {
    this.dir = init.dir;
    this.settings = init.settings;
    this.env = init.env;
    this.registry = init.registry;
    this.config = init.config;
    this.params = init.params;
    this.pipelines = init.pipelines;
    this.catalogConfig = init.catalogConfig;
    this.credentials = init.credentials;
    this.parametersConfig = init.parametersConfig;
    this.errors = init.errors;
    this.paramOverrides = init.paramOverrides;
  }

  get runsDir(): string {
    return resolve(this.dir, this.settings.runs_dir);
  }

  /** The named pipeline (default `__default__`), filtered when a filter is given. Throws on problems. */
  pipeline(name = '__default__', filter?: PipelineFilter): Pipeline {
    if (!this.pipelines)
      throw (
        this.errors[0] ??
        new ConfigError('DAGRUN_ERR_CONFIG_NOT_FOUND', 'Pipelines: expected pipeline.yaml to load, but got nothing.')
      );
    const p = this.pipelines.get(name);
    return filter ? p.filter(filter) : p;
  }

  /** A catalog for this project; `errors` lists entries that could not be built. */
  createCatalog(opts: { saveVersion?: string; loadVersions?: ReadonlyMap<string, string>; runId?: string } = {}) {
    return DataCatalog.create({
      config: this.catalogConfig,
      credentials: this.credentials,
      params: this.params,
      registry: this.registry,
      projectDir: this.dir,
      saveVersion: opts.saveVersion ?? formatVersion(new Date()),
      loadVersions: opts.loadVersions,
      hooks: this.registry.hooks,
      runId: opts.runId,
    });
  }

  /**
   * Every problem that would stop a run of `name` (or of every root pipeline, one that no other
   * includes, when omitted; an included pipeline gets its inputs from its includer), each with
   * file:line: load errors, unknown pipeline, inputs nothing provides, unknown parameters, and inputs
   * a partial run cannot get.
   */
  check(name?: string, filter?: PipelineFilter): DagrunError[] {
    return this.#checkAll(name, filter).errors;
  }

  /**
   * What `check` tolerates but a user should see (an output no node reads and the catalog does not
   * declare), unless dagrun.yaml silences it.
   */
  warnings(name?: string): DagrunError[] {
    if (this.settings.silence?.includes('unread-output')) return [];
    return this.#checkAll(name, undefined).warnings;
  }

  #checkAll(
    name: string | undefined,
    filter: PipelineFilter | undefined,
  ): { errors: DagrunError[]; warnings: DagrunError[] } {
    const errors: DagrunError[] = [...this.errors];
    const warnings: DagrunError[] = [];
    const seen = new Set(errors.map((e) => e.message));
    const add = (list: DagrunError[]) => (e: DagrunError) => {
      if (!seen.has(e.message)) seen.add(e.message), list.push(e);
    };
    // The catalog is checked even when pipeline.yaml failed to load, so every problem shows at once.
    const { catalog, errors: catErrors } = this.createCatalog();
    catErrors.forEach(add(errors));
    if (!this.pipelines) {
      void catalog.close();
      return { errors: sortErrors(errors), warnings };
    }
    // A file that is not valid YAML is one problem: what it would have declared is not also "missing".
    const unreadable = (section: ConfigSection | undefined) =>
      this.errors.some(
        (e) =>
          e.code === 'DAGRUN_ERR_CONFIG_YAML' &&
          section !== undefined &&
          e.location?.file !== undefined &&
          isSectionFile(section, e.location.file),
      );
    const ctx = {
      catalog,
      params: flattenParams(this.params),
      paramsReadable: !unreadable(this.parametersConfig),
      catalogReadable: !unreadable(this.catalogConfig),
    };
    for (const pname of name === undefined ? this.pipelines.roots() : [name]) {
      let p: Pipeline | undefined;
      try {
        p = this.pipelines.get(pname);
      } catch (err) {
        (err instanceof CheckError ? err.errors : [err as DagrunError]).forEach(add(errors));
      }
      // A duplicate or a cycle does not hide the input and parameter problems of the declared nodes.
      const found = checkNodes(p?.nodes ?? this.pipelines.nodes(pname), ctx);
      found.errors.forEach(add(errors));
      found.warnings.forEach(add(warnings));
      if (filter && p) checkPartialRun(p, filter, catalog).forEach(add(errors));
    }
    void catalog.close();
    return { errors: sortErrors(errors), warnings: sortErrors(warnings) };
  }

  /** Throws one CheckError listing every problem, or returns quietly. */
  assertValid(name?: string, filter?: PipelineFilter): void {
    const errors = this.check(name, filter);
    if (errors.length > 0) throw new CheckError(`project '${this.settings.name}'`, errors);
  }

  /** The resolved order and the datasets each node loads and saves, without running anything. */
  plan(name = '__default__', filter?: PipelineFilter): PlanStep[] {
    this.assertValid(name, filter);
    const p = this.pipeline(name, filter);
    const { catalog } = this.createCatalog();
    const producedHere = new Set<string>();
    const kind = (d: string) => catalog.entryType(d) ?? 'memory';
    const steps = p.nodes.map((node) => {
      const loads = node.inputNames.filter((i) => !producedHere.has(i)).map((i) => ({ name: i, kind: kind(i) }));
      const saves = node.outputNames.map((o) => ({ name: o, kind: kind(o) }));
      for (const o of node.outputNames) producedHere.add(o);
      return { node, loads, saves };
    });
    void catalog.close();
    return steps;
  }

  /**
   * A plan that runs `opts.pipeline` in memory on request data (see inference.ts). Checks the project
   * first; versioned datasets load at the version asked for, else the newest, and the plan records which.
   */
  async inferencePlan(opts: InferenceOptions): Promise<InferencePlan> {
    this.assertValid(opts.pipeline);
    const full = this.pipeline(opts.pipeline);
    const asked =
      opts.loadVersions instanceof Map ? opts.loadVersions : new Map(Object.entries(opts.loadVersions ?? {}));
    // Pin each versioned input to a version before loading, so what is loaded is what is reported.
    const pinned = new Map<string, string>(asked);
    const probe = this.createCatalog();
    try {
      for (const name of full.inputs()) {
        if (!pinned.has(name)) {
          const newest = (await probe.catalog.versions(name))[0];
          if (newest) pinned.set(name, newest);
        }
      }
    } finally {
      await probe.catalog.close();
    }
    const { catalog, errors } = this.createCatalog({ loadVersions: pinned });
    if (errors.length > 0) throw new CheckError(`catalog of project '${this.settings.name}'`, errors);
    try {
      return await buildInferencePlan(full, catalog, opts, (name) => pinned.get(name));
    } finally {
      await catalog.close();
    }
  }

  /**
   * Checks, then runs; throws a CheckError (nothing run) or the node's error, whose `run` holds the record
   * file and resume plan.
   */
  run(opts: RunOptions = {}): Promise<RunOutcome> {
    return executeRun(this, opts);
  }
}

const sortErrors = (errors: DagrunError[]): DagrunError[] =>
  [...errors].sort(
    (a, b) =>
      locKey(a.location).localeCompare(locKey(b.location)) ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.col ?? 0) - (b.location?.col ?? 0),
  );
const locKey = (l: SourceLocation | undefined): string => l?.file ?? '~';

/** Whether a project-relative file is one of the files a configuration section would have read. */
const isSectionFile = (section: ConfigSection, file: string): boolean => {
  const base = file.split('/').pop() ?? '';
  return base.startsWith(section.name) || file.split('/').includes(section.name);
};

/** The plugin entries of dagrun.yaml as requests, each placed at its line. */
const pluginRequests = (settings: ProjectSettings, source: YamlSource | undefined): PluginRequest[] =>
  settings.plugins.map((entry, i) => ({
    module: pluginModule(entry),
    options: pluginOptions(entry),
    location: source?.locate(['plugins', i]),
  }));

/**
 * Only the plugins of a project (for listing their commands fast); problems are ignored. `only` limits
 * it to the listed modules that are named there (the CLI passes the known provider of the command asked
 * for, so `dagrun runs list` does not import a project's DataFrame or cloud plugins).
 */
export const loadPluginRegistry = async (projectDir: string, only?: readonly string[]): Promise<Registry> => {
  const registry = new Registry();
  const { settings, source } = readSettings(projectDir, []);
  const requests = pluginRequests(settings, source);
  await registerPlugins(
    new PluginHost(registry),
    only ? requests.filter((r) => only.includes(r.module)) : requests,
    projectDir,
  );
  return registry;
};

/** Loads a project: settings, plugins, configuration, pipelines. Problems are collected, not thrown. */
export const openProject = async (opts: OpenProjectOptions): Promise<Project> => {
  const dir = resolve(opts.projectDir);
  const errors: DagrunError[] = [];
  const { settings, source: settingsSource } = readSettings(dir, errors);

  // pipeline.yaml is parsed once, here; its problems are reported by loadPipelines.
  const pipelinesFile = join(dir, settings.pipelines_file);
  let pipelineSource: YamlSource | undefined;
  try {
    pipelineSource = YamlSource.read(pipelinesFile, dir);
  } catch {
    pipelineSource = undefined;
  }
  // Local plugins and node modules compile in one build before any is imported, so a file both import
  // (a class a plugin's codec tests with instanceof) is one module. Problems surface at the imports.
  const ts = [...localPluginFiles(dir, settings), ...funcModules(pipelineSource, dir)].filter((f) => TS_FILE.test(f));
  if (ts.length > 0) await compileTs(ts, dir).catch(() => undefined);
  const registry = new Registry();
  const host = new PluginHost(registry);
  errors.push(...(await registerPlugins(host, pluginRequests(settings, settingsSource), dir)));
  for (const p of opts.plugins ?? []) {
    try {
      await host.register(p);
    } catch (err) {
      errors.push(err as DagrunError);
    }
  }

  // An --env folder that does not exist stops here: nothing else can be checked against it.
  const config = new ConfigLoader({
    projectDir: dir,
    confDir: settings.conf_dir,
    env: opts.env,
    environ: opts.environ,
  });
  const catalogConfig = config.load('catalog', 'replace-top-level', errors);
  const credentials = config.load('credentials', 'replace-top-level', errors);
  const parametersConfig = config.load('parameters', 'deep', errors);
  const { params, parsed } = applyParamOverrides({ ...parametersConfig.data }, opts.params, errors);
  errors.push(...checkParamsSchema(config, parametersConfig, params, errors));

  const { registry: pipelines, errors: pErrors } = await loadPipelines(pipelinesFile, dir, pipelineSource, true);
  errors.push(...pErrors);
  const project = new Project({
    dir,
    settings,
    env: opts.env,
    registry,
    config,
    params,
    pipelines,
    catalogConfig,
    credentials,
    parametersConfig,
    errors,
    paramOverrides: parsed,
  });
  // `errors` is the project's own array: what a plugin reports here is a load problem like any other.
  await registry.hooks.call('afterProjectOpened', { project, report: (e) => errors.push(e) });
  return project;
};
