// The engine's coded errors. Every code is listed in ERROR_CODES and documented in docs/errors.md;
// a test fails when the two disagree. One wording: "<what failed> '<name>': expected X, but got Y."

/** Where in a user's file a problem sits. Lines and columns are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number | undefined;
  readonly col?: number | undefined;
}

export const formatLocation = (loc: SourceLocation | undefined): string => {
  if (!loc) return '';
  if (loc.line === undefined) return loc.file;
  return `${loc.file}:${loc.line}${loc.col === undefined ? '' : `:${loc.col}`}`;
};

/** Every error code the engine raises, with the area it belongs to and what it means. */
export const ERROR_CODES = {
  DAGRUN_ERR_CONFIG_YAML: 'A configuration or pipeline file is not valid YAML.',
  DAGRUN_ERR_CONFIG_YAML_ALIAS:
    'A YAML alias sits inside its own anchor, or aliases expand a file past 100,000 added values.',
  DAGRUN_ERR_CONFIG_SCHEMA: 'A configuration file does not match its schema (wrong field, type or value).',
  DAGRUN_ERR_CONFIG_ENV_VAR: 'A `${env:VAR}` interpolation names a variable that is not set and has no default.',
  DAGRUN_ERR_CONFIG_NOT_FOUND: 'A required project file or configuration folder does not exist.',
  DAGRUN_ERR_CONFIG_CREDENTIALS: 'A catalog entry names credentials that credentials.yaml does not hold.',
  DAGRUN_ERR_PARAMS_UNKNOWN: 'A node asks for a parameter key that parameters.yaml does not define.',
  DAGRUN_ERR_PARAMS_OVERRIDE:
    'A `--params` override is not of the form key.path=value, ' +
    'names __proto__, constructor or prototype, or holds a self-referring or multiplying alias.',
  DAGRUN_ERR_PARAMS_SCHEMA:
    'A parameter group does not match its JSON Schema in parameters.schema.yaml, or that schema is not valid.',
  DAGRUN_ERR_PIPELINE_UNKNOWN: 'The requested pipeline is not declared in pipeline.yaml.',
  DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT: 'Two nodes write the same dataset.',
  DAGRUN_ERR_PIPELINE_DUPLICATE_NODE: 'Two nodes have the same name.',
  DAGRUN_ERR_PIPELINE_CYCLE: 'The nodes depend on each other in a cycle.',
  DAGRUN_ERR_PIPELINE_MISSING_INPUT: 'A node input is produced by no node and not declared in the catalog.',
  DAGRUN_ERR_PIPELINE_INVALID_NODE:
    'A node is malformed: bad name, an output that is also its input, repeated outputs.',
  DAGRUN_ERR_PIPELINE_INCLUDE: 'A pipeline includes a pipeline that does not exist, or includes itself.',
  DAGRUN_ERR_PIPELINE_FILTER:
    'A partial-run filter (--nodes, --from-inputs, …) names something the pipeline does not have.',
  DAGRUN_ERR_PIPELINE_EMPTY: 'The pipeline, after filtering, has no node to run.',
  DAGRUN_ERR_PIPELINE_UNREAD_OUTPUT:
    'A node output that no node reads and the catalog does not ' +
    'declare: an error when a catalog entry with a close name is read but never written (a typo), else a warning.',
  DAGRUN_ERR_PIPELINE_UNAVAILABLE_INPUT:
    'A partial run needs an input that only a node outside the run produces and that is not persisted.',
  DAGRUN_ERR_INFERENCE_SPEC:
    'An inference plan (what `dagrun serve` runs) names request inputs or outputs the pipeline does not have.',
  DAGRUN_ERR_FUNC_MODULE: 'A node `func` names a module that cannot be found or fails to load.',
  DAGRUN_ERR_FUNC_EXPORT: 'A node `func` names an export the module does not have, or that is not a function.',
  DAGRUN_ERR_FUNC_ARITY: "A node's function declares parameters that its inputs cannot fill, or fewer than its inputs.",
  DAGRUN_ERR_FUNC_REF: 'A node `func` is not of the form path/to/module.ts#exportName.',
  DAGRUN_ERR_CATALOG_UNKNOWN_TYPE: 'A catalog entry uses a dataset type that no core module or plugin registered.',
  DAGRUN_ERR_CATALOG_OPTIONS: 'A catalog entry has a missing, unknown or mistyped option for its type.',
  DAGRUN_ERR_CATALOG_UNKNOWN_DATASET: 'Code asked the catalog for a dataset name it does not hold.',
  DAGRUN_ERR_CATALOG_DUPLICATE_TYPE: 'Two plugins register the same dataset type, storage or codec name.',
  DAGRUN_ERR_DATASET_LOAD: 'Loading a dataset failed (missing file, unreadable content, …).',
  DAGRUN_ERR_DATASET_SAVE: 'Saving a dataset failed; whatever was saved before is intact.',
  DAGRUN_ERR_DATASET_UNDEFINED: 'A node returned undefined for a declared output.',
  DAGRUN_ERR_DATASET_TYPE_MISMATCH:
    'A node returned a value of the wrong kind for its dataset (e.g. an object for a csv).',
  DAGRUN_ERR_DATASET_VERSION: 'A requested dataset version does not exist, or versioning is used where it cannot be.',
  DAGRUN_ERR_DATASET_STORAGE: 'A location uses a protocol (s3://, …) that no plugin registered a storage for.',
  DAGRUN_ERR_DATASET_CONNECTION:
    'A dataset cannot reach or log in to its server (database, object store): refused, unknown host, bad credentials.',
  DAGRUN_ERR_DATASET_CODEC: 'An object dataset names a codec that is not registered.',
  DAGRUN_ERR_DATASET_CONTRACT:
    "A dataset's data breaks the data contract of its catalog entry (`contract:`), checked on load and before save.",
  DAGRUN_ERR_NODE_FAILED: 'A node function threw or rejected; the run stopped there.',
  DAGRUN_ERR_NODE_OUTPUT: 'A node returned something that does not match its declared outputs.',
  DAGRUN_ERR_PLUGIN_LOAD: 'A plugin listed in dagrun.yaml cannot be imported or exports no plugin.',
  DAGRUN_ERR_PLUGIN_VERSION: 'A plugin requires an engine version range that this engine is not in.',
  DAGRUN_ERR_PLUGIN_DEPENDENCY: 'A plugin depends on another plugin that is not registered before it.',
  DAGRUN_ERR_CHECK_FAILED: 'The checks before a run found problems; nothing was run and nothing was written.',
  DAGRUN_ERR_CLI_USAGE: 'A command-line argument is invalid.',
  DAGRUN_ERR_PROJECT_EXISTS: '`dagrun new` was asked to create a project in a folder that is not empty.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DagrunErrorOptions {
  readonly cause?: unknown;
  readonly location?: SourceLocation | undefined;
  readonly hint?: string | undefined;
}

/** What `DagrunError.with()` adds to a copy of an error. */
export interface ErrorContext {
  /** Where the problem is; replaces the error's own location. */
  readonly location?: SourceLocation | undefined;
  /** A further hint line, added after the error's own hint. */
  readonly hint?: string | undefined;
  /** The run this error ended (set by the executor): its record file and how to resume it. */
  readonly run?: RunFailure | undefined;
}

/** What a failed run leaves for whoever reports it: the record written, and the plan to pick up from. */
export interface RunFailure {
  readonly recordFile: string | undefined;
  readonly resume: ResumePlan | undefined;
}

/**
 * How to pick up a failed run: restart from `fromNodes` with the same flags. Data, rendered by whoever
 * shows it (`resumeArgs` gives the command's words).
 */
export interface ResumePlan {
  /** The failed and unrun nodes that no other node to redo feeds. */
  readonly fromNodes: readonly string[];
  /** The flags of the failed run to repeat, as command-line words: --pipeline, --env, --params, filters. */
  readonly flags: readonly string[];
}

/** Base class of every error the engine raises. `code` is stable; `message` is for people. */
export class DagrunError extends Error {
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;
  readonly hint: string | undefined;
  /** The sentence without location or hint, for aggregation and tests. */
  readonly detail: string;
  /** Set on the error a failed run throws: its record file and resume plan. */
  readonly run: RunFailure | undefined;

  constructor(code: ErrorCode, detail: string, options: DagrunErrorOptions = {}) {
    super(
      render(code, detail, options.location, options.hint),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.location = options.location;
    this.hint = options.hint;
    this.detail = detail;
    this.run = undefined;
  }

  /**
   * A copy of this error, of the same class and with the same code, detail, cause and fields of its
   * own (a CheckError's list, a subclass's extras), with a location, one more hint line and/or the run
   * it ended. The copy is made from the prototype rather than by calling the constructor, whose
   * parameters differ per subclass.
   */
  with(context: ErrorContext): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    for (const key of Reflect.ownKeys(this))
      Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(this, key)!);
    const location = context.location ?? this.location;
    const hint = [this.hint, context.hint].filter(Boolean).join('\n  ') || undefined;
    const own = { writable: true, enumerable: true, configurable: true };
    Object.defineProperty(copy, 'location', { ...own, value: location });
    Object.defineProperty(copy, 'hint', { ...own, value: hint });
    if (context.run) Object.defineProperty(copy, 'run', { ...own, value: context.run });
    Object.defineProperty(copy, 'message', {
      writable: true,
      enumerable: false,
      configurable: true,
      value: render(this.code, this.detail, location, hint),
    });
    return copy;
  }
}

const render = (
  code: ErrorCode,
  detail: string,
  location: SourceLocation | undefined,
  hint: string | undefined,
): string => {
  const where = formatLocation(location);
  return `${where ? `${where} ` : ''}[${code}] ${detail}${hint ? `\n  ${hint}` : ''}`;
};

export class ConfigError extends DagrunError {}
export class PipelineError extends DagrunError {}
export class CatalogError extends DagrunError {}
export class DatasetError extends DagrunError {}
export class NodeError extends DagrunError {}
export class PluginError extends DagrunError {}

/** Several problems reported together: "3 errors in project 'x':" followed by each, numbered. */
export class CheckError extends DagrunError {
  readonly errors: readonly DagrunError[];

  constructor(subject: string, errors: readonly DagrunError[]) {
    const n = errors.length;
    const body = errors.map((e, i) => `  ${i + 1}) ${e.message.replace(/\n/g, '\n     ')}`).join('\n');
    super('DAGRUN_ERR_CHECK_FAILED', `${n} ${n === 1 ? 'error' : 'errors'} in ${subject}; nothing was run:\n${body}`);
    this.errors = errors;
  }
}

/** The message of an unknown thrown value, for wrapping. */
export const messageOf = (err: unknown): string =>
  err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);

/** Up to three candidates close to `name` (by edit distance, or containing it), closest first. */
export const closest = (name: string, candidates: Iterable<string>): string[] => {
  const scored: Array<[string, number]> = [];
  const limit = Math.max(2, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d <= limit || c.includes(name) || (name.length > 3 && name.includes(c))) scored.push([c, d]);
  }
  scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  return scored.slice(0, 3).map(([c]) => c);
};

/** "did you mean: 'x'?" with the closest candidates, or undefined. */
export const didYouMean = (name: string, candidates: Iterable<string>): string | undefined => {
  const near = closest(name, candidates);
  return near.length === 0 ? undefined : `did you mean: ${near.map((c) => `'${c}'`).join(', ')}?`;
};

const editDistance = (a: string, b: string): number => {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
};
