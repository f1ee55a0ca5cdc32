// Reads pipeline.yaml into Pipelines: named pipelines of nodes, including others with a namespace
// (modular pipelines) or composing them. Every problem is collected with its file:line.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CheckError, ConfigError, didYouMean, PipelineError, type DagrunError } from '../errors.js';
import { checkSchema, type JsonSchema } from '../schema.js';
import { YamlSource, type YamlPath } from '../yaml-source.js';
import { Node, type NodeFunction } from './node.js';
import { Pipeline } from './pipeline.js';
import { compileTs, importProjectFile, TsCompileError, TS_FILE } from '../ts-modules.js';

const nameList = { type: 'array', items: { type: 'string' } };
const nameMap = { type: 'object', additionalProperties: { type: 'string' } };
const listOrMap = { anyOf: [nameList, nameMap] };

const NODE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    func: { type: 'string', description: 'path/to/module.ts#exportName, relative to the project' },
    inputs: { anyOf: [{ type: 'string' }, nameList, nameMap, { type: 'null' }] },
    outputs: { anyOf: [{ type: 'string' }, nameList, nameMap, { type: 'null' }] },
    tags: { anyOf: [{ type: 'string' }, nameList] },
  },
  required: ['func'],
  additionalProperties: false,
};

const INCLUDE_SCHEMA: JsonSchema = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: {
        pipeline: { type: 'string' },
        namespace: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$' },
        inputs: listOrMap,
        outputs: listOrMap,
        parameters: listOrMap,
        tags: nameList,
      },
      required: ['pipeline'],
      additionalProperties: false,
    },
  ],
};

export const PIPELINES_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: {
      description: { type: 'string' },
      nodes: { type: 'array', items: NODE_SCHEMA },
      pipelines: { type: 'array', items: INCLUDE_SCHEMA },
      tags: nameList,
    },
    additionalProperties: false,
  },
};

interface NodeDecl {
  name?: string;
  func: string;
  inputs?: string | string[] | Record<string, string> | null;
  outputs?: string | string[] | Record<string, string> | null;
  tags?: string | string[];
}
interface IncludeDecl {
  pipeline: string;
  namespace?: string;
  inputs?: string[] | Record<string, string>;
  outputs?: string[] | Record<string, string>;
  parameters?: string[] | Record<string, string>;
  tags?: string[];
}
interface PipelineDecl {
  description?: string;
  nodes?: NodeDecl[];
  pipelines?: Array<string | IncludeDecl>;
  tags?: string[];
}

/** The declarations of pipeline.yaml with functions resolved, ready to become Pipelines on demand. */
export class PipelineRegistry {
  readonly source: YamlSource;
  readonly #decls: Record<string, PipelineDecl>;
  readonly #funcs: ReadonlyMap<string, NodeFunction>;
  readonly #built = new Map<string, Pipeline>();

  constructor(source: YamlSource, decls: Record<string, PipelineDecl>, funcs: ReadonlyMap<string, NodeFunction>) {
    this.source = source;
    this.#decls = decls;
    this.#funcs = funcs;
  }

  names(): string[] {
    return Object.keys(this.#decls);
  }

  description(name: string): string | undefined {
    return this.#decls[name]?.description;
  }

  /** Pipelines no other pipeline includes: what `dagrun check` checks as runnable wholes. */
  roots(): string[] {
    const included = new Set<string>();
    for (const d of Object.values(this.#decls))
      for (const inc of d.pipelines ?? []) included.add(typeof inc === 'string' ? inc : inc.pipeline);
    return this.names().filter((n) => !included.has(n));
  }

  has(name: string): boolean {
    return name in this.#decls;
  }

  /** Builds (once) and returns a pipeline; throws a PipelineError naming the problem. */
  get(name: string): Pipeline {
    const cached = this.#built.get(name);
    if (cached) return cached;
    if (!this.has(name)) {
      const mean = didYouMean(name, this.names());
      throw new PipelineError(
        'DAGRUN_ERR_PIPELINE_UNKNOWN',
        `Pipeline '${name}': expected one declared in ${this.source.file}, but got no such pipeline.`,
        {
          hint: mean ? `Hint: ${mean}` : `Hint: declared pipelines: ${this.names().join(', ') || 'none'}.`,
        },
      );
    }
    const errors: DagrunError[] = [];
    const nodes = this.#collect(name, [], errors);
    if (errors.length > 0) throw errors.length === 1 ? errors[0] : new CheckError(`pipeline '${name}'`, errors);
    const p = new Pipeline(nodes);
    this.#built.set(name, p);
    return p;
  }

  /** The nodes of a pipeline as declared, even when they do not form a valid Pipeline (for checks). */
  nodes(name: string): Node[] {
    return this.has(name) ? this.#collect(name, [], []) : [];
  }

  /** Every problem of every pipeline: bad includes, bad nodes, duplicates, cycles. */
  problems(): DagrunError[] {
    const errors: DagrunError[] = [];
    const seen = new Set<string>();
    for (const name of this.names()) {
      const local: DagrunError[] = [];
      const nodes = this.#collect(name, [], local);
      if (local.length > 0 || this.#built.has(name)) local.push(...Pipeline.problems(nodes));
      else {
        // A sound pipeline is kept, so get() does not collect and check its nodes a second time.
        try {
          this.#built.set(name, new Pipeline(nodes));
        } catch (err) {
          local.push(...(err instanceof CheckError ? err.errors : [err as DagrunError]));
        }
      }
      for (const e of local) {
        if (seen.has(e.message)) continue;
        seen.add(e.message);
        errors.push(e);
      }
    }
    return errors;
  }

  #collect(name: string, stack: string[], errors: DagrunError[]): Node[] {
    const decl = this.#decls[name]!;
    const out: Node[] = [];
    (decl.nodes ?? []).forEach((nd, i) => {
      const path: YamlPath = [name, 'nodes', i];
      const func = this.#funcs.get(nd.func) ?? unresolved(nd.func);
      try {
        out.push(
          new Node({
            func,
            funcRef: nd.func,
            name: nd.name ?? nd.func.split('#')[1] ?? nd.func,
            inputs: nd.inputs ?? null,
            outputs: nd.outputs ?? null,
            tags: [...toList(nd.tags), ...(decl.tags ?? [])],
            location: () => this.source.locate(path),
          }),
        );
      } catch (err) {
        errors.push(...(err instanceof CheckError ? err.errors : [err as DagrunError]));
      }
    });
    (decl.pipelines ?? []).forEach((inc, i) => {
      const spec: IncludeDecl = typeof inc === 'string' ? { pipeline: inc } : inc;
      const at = () => this.source.locate([name, 'pipelines', i]);
      if (!this.has(spec.pipeline)) {
        const mean = didYouMean(spec.pipeline, this.names());
        errors.push(
          new PipelineError(
            'DAGRUN_ERR_PIPELINE_INCLUDE',
            `Pipeline '${name}' includes '${spec.pipeline}': ` +
              `expected a pipeline declared in ${this.source.file}, but got no such pipeline.`,
            { location: at(), hint: mean ? `Hint: ${mean}` : undefined },
          ),
        );
        return;
      }
      if (spec.pipeline === name || stack.includes(spec.pipeline)) {
        errors.push(
          new PipelineError(
            'DAGRUN_ERR_PIPELINE_INCLUDE',
            `Pipeline '${name}' includes '${spec.pipeline}': ` +
              `expected no pipeline to include itself, but got ${[...stack, name, spec.pipeline].join(' -> ')}.`,
            { location: at() },
          ),
        );
        return;
      }
      const inner = this.#collect(spec.pipeline, [...stack, name], errors);
      errors.push(...checkMappings(name, spec, inner, this.source, [name, 'pipelines', i]));
      out.push(...inner.map((n) => namespaced(n, spec)));
    });
    return out;
  }
}

const toList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

const toMap = (v: string[] | Record<string, string> | undefined): Map<string, string> =>
  new Map(v === undefined ? [] : Array.isArray(v) ? v.map((k) => [k, k]) : Object.entries(v));

const unprefixParam = (name: string): string => (name.startsWith('params:') ? name.slice('params:'.length) : name);

/**
 * Kedro refuses an include that maps a name the included pipeline does not have: such a mapping
 * would silently do nothing (a typo), so each mapped input must be one of its free inputs, each
 * mapped output one of its outputs, and each mapped parameter one it reads.
 */
const checkMappings = (
  name: string,
  inc: IncludeDecl,
  inner: readonly Node[],
  source: YamlSource,
  at: YamlPath,
): DagrunError[] => {
  const produced = new Set(inner.flatMap((n) => n.outputNames));
  const consumed = new Set(inner.flatMap((n) => n.inputNames));
  const freeInputs = [...consumed].filter((d) => !produced.has(d) && !d.startsWith('params:') && d !== 'parameters');
  const params = [...consumed].filter((d) => d.startsWith('params:')).map((d) => d.slice('params:'.length));
  const errors: DagrunError[] = [];
  const check = (
    field: 'inputs' | 'outputs' | 'parameters',
    names: string[],
    known: string[],
    ok: (n: string) => boolean,
  ) => {
    for (const n of names) {
      if (ok(n)) continue;
      const mean = didYouMean(n, known);
      errors.push(
        new PipelineError(
          'DAGRUN_ERR_PIPELINE_INCLUDE',
          `Pipeline '${name}' includes '${inc.pipeline}' with ${field} '${n}': expected ` +
            `one of its ${field === 'inputs' ? 'free inputs' : field === 'outputs' ? 'outputs' : 'parameters'}, ` +
            `but got a name it does not have.`,
          {
            location: source.locate([...at, field]),
            hint: mean ? `Hint: ${mean}` : `Hint: it has ${known.map((k) => `'${k}'`).join(', ') || 'none'}.`,
          },
        ),
      );
    }
  };
  const keys = (v: string[] | Record<string, string> | undefined): string[] =>
    v === undefined ? [] : Array.isArray(v) ? v : Object.keys(v);
  check('inputs', keys(inc.inputs), freeInputs, (n) => freeInputs.includes(n));
  check('outputs', keys(inc.outputs), [...produced], (n) => produced.has(n));
  const pkeys = keys(inc.parameters).map(unprefixParam);
  check('parameters', pkeys, params, (n) => params.some((p) => p === n || p.startsWith(`${n}.`)));
  return errors;
};

/** Kedro's modular-pipeline renaming: prefix with the namespace unless mapped explicitly. */
const namespaced = (n: Node, inc: IncludeDecl): Node => {
  const ns = inc.namespace;
  const datasets = new Map([...toMap(inc.inputs), ...toMap(inc.outputs)]);
  // Kedro accepts parameter names with or without the `params:` prefix on both sides of the mapping.
  const params = new Map([...toMap(inc.parameters)].map(([k, v]) => [unprefixParam(k), unprefixParam(v)]));
  if (!ns && datasets.size === 0 && params.size === 0) return n.withTags(inc.tags ?? []);
  const rename = (d: string): string => {
    if (d === 'parameters') return d;
    if (d.startsWith('params:')) {
      const key = d.slice('params:'.length);
      for (const [from, to] of params) {
        if (key === from || key.startsWith(`${from}.`)) return `params:${to}${key.slice(from.length)}`;
      }
      return ns ? `params:${ns}.${key}` : d;
    }
    const mapped = datasets.get(d);
    if (mapped !== undefined) return mapped;
    return ns ? `${ns}.${d}` : d;
  };
  const renamed = n.rename(
    ns ? `${ns}.${n.name}` : n.name,
    ns ? (n.namespace ? `${ns}.${n.namespace}` : ns) : n.namespace,
    rename,
  );
  return renamed.withTags(inc.tags ?? []);
};

const unresolved = (ref: string): NodeFunction => {
  // A rest parameter: its arity fits any inputs, so a function that failed to load is reported once, as such.
  const fn = (..._args: unknown[]) => {
    throw new Error(`function ${ref} was not resolved`);
  };
  Object.defineProperty(fn, 'name', { value: ref.split('#')[1] ?? ref });
  return fn;
};

export { ensureTs } from '../ts-modules.js';

/**
 * The module files the nodes of pipeline.yaml name (existing ones, absolute), read from the parsed file
 * even when it does not pass its schema: what to compile before anything is imported.
 */
export const funcModules = (source: YamlSource | undefined, projectDir: string): string[] => {
  const modules = new Set<string>();
  const decls = (source?.data ?? {}) as Record<string, { nodes?: Array<{ func?: unknown }> } | null>;
  for (const d of Object.values(decls)) {
    for (const n of d && typeof d === 'object' && Array.isArray(d.nodes) ? d.nodes : []) {
      if (typeof n?.func === 'string' && n.func.includes('#')) modules.add(n.func.slice(0, n.func.lastIndexOf('#')));
    }
  }
  // Each module once: a thousand nodes often share a handful of files.
  return [...modules].map((m) => (isAbsolute(m) ? m : resolve(projectDir, m))).filter((f) => existsSync(f));
};

/** Imports `module#export` relative to the project, returning the function or a coded error. */
export const resolveFunc = async (ref: string, projectDir: string): Promise<NodeFunction | DagrunError> => {
  const hash = ref.lastIndexOf('#');
  if (hash <= 0 || hash === ref.length - 1) {
    return new ConfigError(
      'DAGRUN_ERR_FUNC_REF',
      `Node func '${ref}': expected path/to/module.ts#exportName, but got no '#exportName'.`,
    );
  }
  const modPath = ref.slice(0, hash);
  const exportName = ref.slice(hash + 1);
  const file = isAbsolute(modPath) ? modPath : resolve(projectDir, modPath);
  const isFile = modPath.startsWith('.') || modPath.includes('/') || /\.[cm]?[jt]sx?$/.test(modPath);
  if (isFile && !existsSync(file)) {
    return new ConfigError(
      'DAGRUN_ERR_FUNC_MODULE',
      `Module of node func '${ref}': expected a file at ${modPath} (relative to the project), but got no such file.`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = isFile ? await importProjectFile(file, projectDir) : ((await import(modPath)) as Record<string, unknown>);
  } catch (err) {
    if (err instanceof TsCompileError) {
      return new ConfigError(
        'DAGRUN_ERR_FUNC_MODULE',
        `Module of node func '${ref}': expected valid TypeScript, but got ${err.message}.`,
        { cause: err },
      );
    }
    return new ConfigError(
      'DAGRUN_ERR_FUNC_MODULE',
      `Module of node func '${ref}': expected it to load, ` +
        `but got ${err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err)}.`,
      { cause: err },
    );
  }
  const fn = mod[exportName];
  if (fn === undefined) {
    const fns = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    const mean = didYouMean(exportName, fns);
    return new ConfigError(
      'DAGRUN_ERR_FUNC_EXPORT',
      `Export '${exportName}' of ${modPath}: expected a function, but got no such export.`,
      {
        hint: mean ? `Hint: ${mean}` : `Hint: functions exported there: ${fns.join(', ') || 'none'}.`,
      },
    );
  }
  if (typeof fn !== 'function') {
    return new ConfigError(
      'DAGRUN_ERR_FUNC_EXPORT',
      `Export '${exportName}' of ${modPath}: expected a function, but got ${fn === null ? 'null' : typeof fn}.`,
    );
  }
  return fn as NodeFunction;
};

/**
 * Parses and checks pipeline.yaml, imports every `func`, and returns the registry plus every
 * problem found (schema, includes, nodes, duplicates, cycles, functions), each with file:line.
 * `preread` is the file already parsed by the caller, so it is not read twice; `compiled` says the caller
 * already compiled the node modules (openProject does, in one build with the project's local plugins).
 */
export const loadPipelines = async (
  file: string,
  projectDir: string,
  preread?: YamlSource,
  compiled = false,
): Promise<{ registry: PipelineRegistry | undefined; errors: DagrunError[] }> => {
  const errors: DagrunError[] = [];
  if (!preread && !existsSync(file)) {
    return {
      registry: undefined,
      errors: [
        new ConfigError('DAGRUN_ERR_CONFIG_NOT_FOUND', `Pipeline file: expected ${file}, but got no such file.`, {
          hint: 'Hint: create pipeline.yaml, or run `dagrun new NAME` to scaffold a project.',
        }),
      ],
    };
  }
  let source: YamlSource;
  try {
    source = preread ?? YamlSource.read(file, projectDir);
  } catch (err) {
    return { registry: undefined, errors: [err as DagrunError] };
  }
  const schemaErrors = checkSchema({
    schema: PIPELINES_SCHEMA,
    data: source.data,
    subject: `Pipeline file '${source.file}'`,
    code: 'DAGRUN_ERR_CONFIG_SCHEMA',
    locate: (p, k) => source.locate(p, k),
  });
  if (schemaErrors.length > 0) return { registry: undefined, errors: schemaErrors };
  const decls = (source.data ?? {}) as Record<string, PipelineDecl>;
  // Import each distinct function once, in parallel; a module imported twice is cached by Node anyway.
  const refs = new Map<string, YamlPath>();
  for (const [pname, decl] of Object.entries(decls)) {
    (decl.nodes ?? []).forEach((nd, i) => {
      if (!refs.has(nd.func)) refs.set(nd.func, [pname, 'nodes', i, 'func']);
    });
  }
  // Every TypeScript module in one esbuild build, so a helper two modules import stays one module.
  const tsFiles = compiled ? [] : funcModules(source, projectDir).filter((f) => TS_FILE.test(f));
  if (tsFiles.length > 0) await compileTs(tsFiles, projectDir).catch(() => undefined);
  const funcs = new Map<string, NodeFunction>();
  // A module that fails to load is one problem, reported once at its first use, not once per export.
  const brokenModules = new Set<string>();
  const results = await Promise.all(
    [...refs].map(async ([ref, path]) => [ref, path, await resolveFunc(ref, projectDir)] as const),
  );
  for (const [ref, path, r] of results) {
    if (typeof r === 'function') {
      funcs.set(ref, r);
      continue;
    }
    if (r.code === 'DAGRUN_ERR_FUNC_MODULE') {
      const mod = ref.slice(0, ref.lastIndexOf('#'));
      if (brokenModules.has(mod)) continue;
      brokenModules.add(mod);
    }
    errors.push(new ConfigError(r.code, r.detail, { location: source.locate(path), hint: r.hint, cause: r.cause }));
  }
  const registry = new PipelineRegistry(source, decls, funcs);
  errors.push(...registry.problems());
  return { registry, errors };
};
