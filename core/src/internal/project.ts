// A dagrun project on disk: dagrun.yaml, pipeline.yaml, conf/<env>/{catalog,parameters,credentials}.yaml.
// openProject() loads and checks everything it can without running; Project.run() checks the
// selected pipeline as a whole, then runs it and writes the run record.

import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DataCatalog, flattenParams } from './catalog.js';
import { ConfigLoader, deepMerge, isPlainObject, type ConfigSection } from './config.js';
import { formatVersion } from './datasets/file-dataset.js';
import { CheckError, ConfigError, DagrunError, didYouMean, messageOf, PipelineError, PluginError, type SourceLocation } from './errors.js';
import { isParamInput, type Node } from './pipeline/node.js';
import { loadPipelines, type PipelineRegistry } from './pipeline/loader.js';
import type { Pipeline, PipelineFilter } from './pipeline/pipeline.js';
import { importPlugin, PluginHost, type Plugin } from './plugin.js';
import { Registry } from './registry.js';
import { writeRunRecord, listRuns, type RunRecord } from './run-record.js';
import { ConcurrentRunner, SequentialRunner, type Runner } from './runner.js';
import { checkSchema, type JsonSchema } from './schema.js';
import { parseYamlValue, YamlSource } from './yaml-source.js';
import { compileTs, TS_FILE } from './ts-modules.js';
import { buildInferencePlan, type InferenceOptions, type InferencePlan } from './inference.js';

export interface ProjectSettings {
  readonly name: string;
  readonly plugins: ReadonlyArray<string | { readonly module: string; readonly options?: Record<string, unknown> }>;
  readonly pipelines_file: string;
  readonly conf_dir: string;
  readonly runs_dir: string;
  readonly runner: { readonly type: 'sequential' | 'concurrent'; readonly max_concurrency?: number };
}

const SETTINGS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    plugins: {
      type: 'array',
      items: { anyOf: [{ type: 'string' }, { type: 'object', properties: { module: { type: 'string' }, options: { type: 'object' } }, required: ['module'], additionalProperties: false }] },
    },
    pipelines_file: { type: 'string' },
    conf_dir: { type: 'string' },
    runs_dir: { type: 'string' },
    runner: {
      type: 'object',
      properties: { type: { enum: ['sequential', 'concurrent'] }, max_concurrency: { type: 'integer', minimum: 1 } },
      additionalProperties: false,
    },
  },
  required: ['name'],
  additionalProperties: false,
};

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
  readonly #paramOverrides: ReadonlyArray<readonly [string, unknown]>;

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
    paramOverrides: Array<readonly [string, unknown]>;
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
    this.#paramOverrides = init.paramOverrides;
  }

  get runsDir(): string {
    return resolve(this.dir, this.settings.runs_dir);
  }

  /** The named pipeline (default `__default__`), filtered when a filter is given. Throws on problems. */
  pipeline(name = '__default__', filter?: PipelineFilter): Pipeline {
    if (!this.pipelines) throw this.errors[0] ?? new ConfigError('DAGRUN_ERR_CONFIG_NOT_FOUND', 'Pipelines: expected pipeline.yaml to load, but got nothing.');
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
    const errors: DagrunError[] = [...this.errors];
    // The catalog is checked even when pipeline.yaml failed to load, so every problem shows at once.
    const { catalog, errors: catErrors } = this.createCatalog();
    errors.push(...catErrors.filter((e) => !errors.some((x) => x.message === e.message)));
    if (!this.pipelines) {
      void catalog.close();
      return sortErrors(errors);
    }
    const names = name === undefined ? this.pipelines.roots() : [name];
    const params = flattenParams(this.params);
    const seen = new Set(errors.map((e) => e.message));
    const add = (e: DagrunError) => {
      if (!seen.has(e.message)) seen.add(e.message), errors.push(e);
    };
    for (const pname of names) {
      let p: Pipeline | undefined;
      try {
        p = this.pipelines.get(pname);
      } catch (err) {
        if (err instanceof CheckError) err.errors.forEach(add);
        else add(err as DagrunError);
      }
      // A duplicate or a cycle does not hide the input and parameter problems of the declared nodes.
      const nodes = p?.nodes ?? this.pipelines.nodes(pname);
      const produced = new Set(nodes.flatMap((n) => n.outputNames));
      for (const n of nodes) {
        for (const input of n.inputNames) {
          if (isParamInput(input)) {
            if (!params.has(input)) {
              const mean = didYouMean(input, [...params.keys()].filter((k) => k !== 'parameters'));
              add(new ConfigError('DAGRUN_ERR_PARAMS_UNKNOWN', `Parameter '${input}' of node '${n.name}': expected a key defined in parameters.yaml, but got no such key.`, {
                location: n.location,
                hint: mean ? `Hint: ${mean}` : `Hint: add '${input.slice('params:'.length)}' to conf/base/parameters.yaml.`,
              }));
            }
          } else if (!produced.has(input) && !catalog.has(input) && !catalog.isBroken(input)) {
            const mean = didYouMean(input, [...new Set([...produced, ...catalog.list()])]);
            add(new PipelineError('DAGRUN_ERR_PIPELINE_MISSING_INPUT', `Input '${input}' of node '${n.name}': expected a node output or a catalog entry, but got neither.`, {
              location: n.location,
              hint: mean ? `Hint: ${mean}` : 'Hint: declare it in conf/base/catalog.yaml, or add the node that produces it.',
            }));
          }
        }
      }
      if (filter && p) {
        let f: Pipeline;
        try {
          f = p.filter(filter);
        } catch (err) {
          add(err as DagrunError);
          continue;
        }
        for (const input of f.inputs()) {
          const producer = p.producerOf(input);
          if (producer && !catalog.isPersistent(input)) {
            add(new PipelineError('DAGRUN_ERR_PIPELINE_UNAVAILABLE_INPUT', `Input '${input}' of this partial run: expected it saved in the catalog, but got an in-memory dataset that node '${producer.name}' (not in this run) produces.`, {
              location: f.consumersOf(input)[0]?.location,
              hint: `Hint: include '${producer.name}' in the run (e.g. --from-nodes ${producer.name}), or declare '${input}' in catalog.yaml with a file type.`,
            }));
          }
        }
      }
    }
    void catalog.close();
    return sortErrors(errors);
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
      node.outputNames.forEach((o) => producedHere.add(o));
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
    const asked = opts.loadVersions instanceof Map ? opts.loadVersions : new Map(Object.entries(opts.loadVersions ?? {}));
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

  /** Checks, then runs; throws a CheckError (nothing run) or a NodeError with the resume command. */
  async run(opts: RunOptions = {}): Promise<RunOutcome> {
    const name = opts.pipeline ?? '__default__';
    this.assertValid(name, opts.filter);
    const pipeline = this.pipeline(name, opts.filter);
    const full = this.pipeline(name);
    const runId = await this.#newRunId();
    const loadVersions = opts.loadVersions instanceof Map ? opts.loadVersions : new Map(Object.entries(opts.loadVersions ?? {}));
    const { catalog, errors } = this.createCatalog({ saveVersion: runId, loadVersions, runId });
    if (errors.length > 0) throw new CheckError(`catalog of project '${this.settings.name}'`, errors);
    for (const [k, v] of Object.entries(opts.feed ?? {})) catalog.feed(k, v);
    const hooks = this.registry.hooks;
    await hooks.call('afterCatalogCreated', { catalog, params: this.params });
    const started = new Date();
    const record: RunRecord = {
      formatVersion: 1,
      runId,
      project: this.settings.name,
      pipeline: name,
      env: [...this.config.envs],
      status: 'running',
      startedAt: started.toISOString(),
      params: this.params as Record<string, unknown>,
      filters: filterRecord(opts.filter),
      saveVersion: runId,
      loadVersions: Object.fromEntries(loadVersions),
      nodes: full.nodes.filter((n) => !pipeline.node(n.name)).map((n) => ({ name: n.name, func: n.funcRef ?? n.func.name, status: 'skipped' as const })),
      datasets: [],
    };
    const write = opts.record !== false;
    let recordFile = write ? await writeRunRecord(this.runsDir, record) : undefined;
    const runner = opts.runner ?? (this.settings.runner.type === 'concurrent' ? new ConcurrentRunner(this.settings.runner.max_concurrency) : new SequentialRunner());
    const t0 = performance.now();
    try {
      const result = await runner.run(pipeline, catalog, { runId, pipelineName: name, params: this.params, hooks, record });
      record.status = 'ok';
      record.finishedAt = new Date().toISOString();
      record.durationMs = performance.now() - t0;
      if (write) recordFile = await writeRunRecord(this.runsDir, record);
      await hooks.call('afterPipelineRun', { runId, pipelineName: name, pipeline, catalog, params: this.params, record, outputs: result.outputs });
      return { runId, record, recordFile, outputs: result.outputs };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      record.status = 'failed';
      record.finishedAt = new Date().toISOString();
      record.durationMs = performance.now() - t0;
      const failed = record.nodes.find((n) => n.status === 'failed');
      const resume = failed ? this.resumeCommand(name, pipeline, catalog, record, opts) : undefined;
      record.error = { code: err instanceof DagrunError ? err.code : 'DAGRUN_ERR_NODE_FAILED', message: error.message, node: failed?.name };
      if (resume) record.resumeCommand = resume;
      if (write) recordFile = await writeRunRecord(this.runsDir, record);
      await hooks.call('onPipelineError', { runId, pipelineName: name, pipeline, catalog, params: this.params, error, record });
      if (err instanceof DagrunError && resume) {
        throw Object.assign(new (err.constructor as typeof DagrunError)(err.code, err.detail, { cause: err.cause, location: err.location, hint: [err.hint, `Resume with: ${resume}`].filter(Boolean).join('\n  ') }), { runRecord: recordFile });
      }
      throw err;
    } finally {
      await catalog.close();
    }
  }

  /**
   * The `dagrun run` command that picks up after a failure: from the failed and unrun nodes, walking
   * back to producers of any in-memory input, since memory does not outlive the run (Kedro's approach).
   */
  resumeCommand(name: string, pipeline: Pipeline, catalog: { isPersistent(n: string): boolean }, record: RunRecord, opts: RunOptions): string {
    const status = new Map(record.nodes.map((n) => [n.name, n.status]));
    const todo = new Set(pipeline.nodes.filter((n) => status.get(n.name) !== 'ok'));
    const queue = [...todo];
    while (queue.length > 0) {
      const n = queue.pop()!;
      for (const i of n.inputNames) {
        const p = pipeline.producerOf(i);
        if (p && !todo.has(p) && !catalog.isPersistent(i)) {
          todo.add(p);
          queue.push(p);
        }
      }
    }
    // Start points: nodes to redo that no other node to redo feeds.
    const starts = pipeline.nodes.filter((n) => todo.has(n) && !n.inputNames.some((i) => {
      const p = pipeline.producerOf(i);
      return p !== undefined && todo.has(p);
    }));
    const parts = ['dagrun run'];
    if (name !== '__default__') parts.push(`--pipeline ${name}`);
    if (this.env) parts.push(`--env ${this.env}`);
    for (const [k, v] of this.#paramOverrides) parts.push(`--params ${shellQuote(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)}`);
    const f = opts.filter ?? {};
    if (f.nodes?.length) parts.push(`--nodes ${f.nodes.join(',')}`);
    if (f.toNodes?.length) parts.push(`--to-nodes ${f.toNodes.join(',')}`);
    if (f.tags?.length) parts.push(`--tags ${f.tags.join(',')}`);
    if (f.toOutputs?.length) parts.push(`--to-outputs ${f.toOutputs.join(',')}`);
    parts.push(`--from-nodes ${starts.map((n) => n.name).join(',')}`);
    return parts.join(' ');
  }

  async #newRunId(): Promise<string> {
    const existing = new Set(await listRuns(this.runsDir));
    let id = formatVersion(new Date());
    while (existing.has(id)) {
      await new Promise((r) => setTimeout(r, 2));
      id = formatVersion(new Date());
    }
    return id;
  }
}

const shellQuote = (s: string): string => (/^[\w.,:=@%+/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const filterRecord = (f: PipelineFilter | undefined): Record<string, readonly string[]> =>
  Object.fromEntries(Object.entries(f ?? {}).filter(([, v]) => Array.isArray(v) && v.length > 0)) as Record<string, readonly string[]>;

const sortErrors = (errors: DagrunError[]): DagrunError[] =>
  [...errors].sort((a, b) => locKey(a.location).localeCompare(locKey(b.location)) || (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0));
const locKey = (l: SourceLocation | undefined): string => l?.file ?? '~';

/** Parses `a.b=1` into ['a.b', 1]; the value is read as a YAML scalar (numbers, booleans, null, lists). */
export const parseParamOverride = (s: string): readonly [string, unknown] => {
  const eq = s.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError('DAGRUN_ERR_PARAMS_OVERRIDE', `Parameter override '${s}': expected key.path=value, but got no '='.`, { hint: 'Hint: e.g. --params hyper_params.learning_rate=0.05' });
  }
  const key = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1);
  if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_0-9][\w-]*)*$/.test(key)) {
    throw new ConfigError('DAGRUN_ERR_PARAMS_OVERRIDE', `Parameter override '${s}': expected a dotted key such as model.depth, but got '${key}'.`);
  }
  let value: unknown = raw;
  try {
    value = raw === '' ? '' : (parseYamlValue(raw) as unknown);
  } catch {
    value = raw;
  }
  return [key, value];
};

const setPath = (obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> => {
  const keys = path.split('.');
  const nested: Record<string, unknown> = {};
  let cur = nested;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) cur[k] = value;
    else cur = cur[k] = {};
  });
  return deepMerge(obj, nested);
};

/**
 * Compiles the project's TypeScript (local plugins and node modules) in one build before any of it
 * is imported, so a file both import (a class a plugin's codec tests with instanceof) is one module.
 * Problems are ignored here: the imports that follow report them where they belong.
 */
const precompileProjectModules = async (dir: string, settings: ProjectSettings, pipelines: YamlSource | undefined): Promise<void> => {
  const files = new Set<string>();
  for (const entry of settings.plugins) {
    const spec = typeof entry === 'string' ? entry : entry.module;
    if (spec.startsWith('.') || isAbsolute(spec)) files.add(resolve(dir, spec));
  }
  // pipeline.yaml problems are reported by loadPipelines; here its funcs are only collected.
  const decls = (pipelines?.data ?? {}) as Record<string, { nodes?: Array<{ func?: unknown }> }>;
  for (const d of Object.values(decls)) {
    for (const n of (d && typeof d === 'object' && Array.isArray(d.nodes) ? d.nodes : [])) {
      if (typeof n?.func !== 'string' || !n.func.includes('#')) continue;
      files.add(resolve(dir, n.func.slice(0, n.func.lastIndexOf('#'))));
    }
  }
  const ts = [...files].filter((f) => TS_FILE.test(f) && existsSync(f));
  if (ts.length > 0) await compileTs(ts, dir).catch(() => undefined);
};

/** Only the plugins of a project (for listing their commands fast); problems are ignored. */
export const loadPluginRegistry = async (projectDir: string): Promise<Registry> => {
  const registry = new Registry();
  const host = new PluginHost(registry);
  const src = YamlSource.read(join(projectDir, 'dagrun.yaml'), projectDir);
  const plugins = ((src.data as Partial<ProjectSettings>).plugins ?? []) as ProjectSettings['plugins'];
  for (const entry of plugins) {
    const spec = typeof entry === 'string' ? entry : entry.module;
    const plugin = await importPlugin(spec, projectDir);
    if (!(plugin instanceof DagrunError)) await host.register(plugin, typeof entry === 'string' ? {} : entry.options ?? {}, spec).catch(() => undefined);
  }
  return registry;
};

/** Loads a project: settings, plugins, configuration, pipelines. Problems are collected, not thrown. */
export const openProject = async (opts: OpenProjectOptions): Promise<Project> => {
  const dir = resolve(opts.projectDir);
  const errors: import('./errors.js').DagrunError[] = [];
  const settingsFile = join(dir, 'dagrun.yaml');
  let settings: ProjectSettings = { name: 'project', plugins: [], pipelines_file: 'pipeline.yaml', conf_dir: 'conf', runs_dir: '.dagrun/runs', runner: { type: 'sequential' } };
  if (!existsSync(settingsFile)) {
    throw new ConfigError('DAGRUN_ERR_CONFIG_NOT_FOUND', `Project at ${dir}: expected a dagrun.yaml file, but got no such file.`, {
      hint: 'Hint: pass --project DIR pointing at a dagrun project, or create one with `dagrun new NAME`.',
    });
  }
  let settingsSource: YamlSource | undefined;
  try {
    const src = YamlSource.read(settingsFile, dir);
    settingsSource = src;
    const problems = checkSchema({ schema: SETTINGS_SCHEMA, data: src.data, subject: 'Project settings (dagrun.yaml)', code: 'DAGRUN_ERR_CONFIG_SCHEMA', locate: (p, k) => src.locate(p, k) });
    errors.push(...problems);
    if (problems.length === 0) {
      const d = src.data as Partial<ProjectSettings>;
      settings = { ...settings, ...d, runner: { ...settings.runner, ...(d.runner ?? {}) } };
    } else {
      // Keep the project's own name for messages even when another setting is wrong.
      const name = (src.data as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && name !== '') settings = { ...settings, name };
    }
  } catch (err) {
    errors.push(err as DagrunError);
  }

  // pipeline.yaml is parsed once, here, for both the precompile and loadPipelines (which re-reads only to word an error).
  const pipelinesFile = join(dir, settings.pipelines_file);
  let pipelineSource: YamlSource | undefined;
  try {
    pipelineSource = existsSync(pipelinesFile) ? YamlSource.read(pipelinesFile, dir) : undefined;
  } catch {
    pipelineSource = undefined;
  }
  await precompileProjectModules(dir, settings, pipelineSource);
  const registry = new Registry();
  const host = new PluginHost(registry);
  // Plugin problems point at the plugin's entry in dagrun.yaml.
  const atEntry = (e: DagrunError, i: number): DagrunError =>
    e.location || !settingsSource ? e : new (e.constructor as typeof DagrunError)(e.code, e.detail, { location: settingsSource.locate(['plugins', i]), hint: e.hint, cause: e.cause });
  for (const [i, entry] of settings.plugins.entries()) {
    const spec = typeof entry === 'string' ? entry : entry.module;
    const plugin = await importPlugin(spec, dir);
    if (plugin instanceof DagrunError) {
      errors.push(atEntry(plugin, i));
      continue;
    }
    try {
      await host.register(plugin, typeof entry === 'string' ? {} : entry.options ?? {}, spec);
    } catch (err) {
      errors.push(atEntry(err instanceof DagrunError ? err : new PluginError('DAGRUN_ERR_PLUGIN_LOAD', `Plugin '${spec}': expected register() to succeed, but got ${messageOf(err)}.`, { cause: err }), i));
    }
  }
  for (const p of opts.plugins ?? []) {
    try {
      await host.register(p);
    } catch (err) {
      errors.push(err as DagrunError);
    }
  }

  // An --env folder that does not exist stops here: nothing else can be checked against it.
  const config = new ConfigLoader({ projectDir: dir, confDir: settings.conf_dir, env: opts.env, environ: opts.environ });
  const catalogConfig = config.load('catalog', 'replace-top-level', errors);
  const credentials = config.load('credentials', 'replace-top-level', errors);
  const parametersConfig = config.load('parameters', 'deep', errors);
  let params: Record<string, unknown> = { ...parametersConfig.data };
  const overrides: Array<readonly [string, unknown]> = [];
  if (Array.isArray(opts.params)) {
    for (const s of opts.params as readonly string[]) {
      try {
        const kv = parseParamOverride(s);
        overrides.push(kv);
        params = setPath(params, kv[0], kv[1]);
      } catch (err) {
        errors.push(err as DagrunError);
      }
    }
  } else if (opts.params && isPlainObject(opts.params)) {
    params = deepMerge(params, opts.params);
  }

  const { registry: pipelines, errors: pErrors } = await loadPipelines(pipelinesFile, dir, pipelineSource);
  errors.push(...pErrors);
  return new Project({ dir, settings, env: opts.env, registry, config, params, pipelines, catalogConfig, credentials, parametersConfig, errors, paramOverrides: overrides });
};
