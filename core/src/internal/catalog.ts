// The data catalog: builds datasets from catalog.yaml entries (checked in catalog-entries.ts), serves
// parameters as `params:` inputs, matches dataset factories, and wraps every load and save with hooks,
// timing, data contracts and errors that name the dataset.

import { DagrunError, DatasetError, CatalogError, didYouMean, messageOf } from './errors.js';
import type { ConfigSection } from './config.js';
import type { Dataset, DatasetContext, DatasetType, SaveInfo, Storage, StorageOptions } from './datasets/dataset.js';
import { MemoryDataset } from './datasets/builtins.js';
import { LocalStorage } from './datasets/local-storage.js';
import { pluginHint } from './known-plugins.js';
import type { HookManager } from './hooks.js';
import type { Node } from './pipeline/node.js';
import type { Registry } from './registry.js';
import { ContractBook, type ContractReport, type DataContract } from './contract.js';
import {
  checkEntry,
  CORE_KEYS,
  flattenParams,
  substitute,
  toPattern,
  type Entry,
  type Pattern,
} from './catalog-entries.js';

/** What runners and tools need from a catalog; they depend on this, not on DataCatalog. */
export interface Catalog {
  has(name: string): boolean;
  load(name: string, node?: Node): Promise<unknown>;
  /** Saves `data` (prepared first, unless `prepared` says prepareSave already returned it). */
  save(name: string, data: unknown, node?: Node, opts?: { readonly prepared?: boolean }): Promise<SaveInfo | undefined>;
  /**
   * Checks `data` for `name` without writing anything (undefined, the wrong kind for its type, its data
   * contract) and returns what saving it writes (a contract may drop or flag rows); throws the problem.
   * A runner prepares every output of a node before saving any.
   */
  prepareSave(name: string, data: unknown, node?: Node): Promise<unknown>;
  exists(name: string): Promise<boolean>;
  release(name: string): Promise<void>;
  /** False for memory datasets, undeclared intermediates and parameters. */
  isPersistent(name: string): boolean;
  /** Declared (or factory-matched) in catalog.yaml, as opposed to made up in memory. */
  isDeclared(name: string): boolean;
  describe(name: string): Record<string, unknown>;
  /** Declared dataset names (factories not expanded). */
  list(): string[];
  /** Adds an in-memory dataset for a name the catalog does not hold. */
  addMemory(name: string): void;
  /** Contract checks that found broken rules so far (see DataCatalog); optional for other catalogs. */
  contractReports?(): readonly ContractReport[];
  /** Feeds a value in (e.g. a request body when serving). */
  feed(name: string, data: unknown): void;
  close(): Promise<void>;
}

export { flattenParams } from './catalog-entries.js';

export interface CatalogOptions {
  readonly config: ConfigSection | undefined;
  readonly credentials: ConfigSection | undefined;
  readonly params: Readonly<Record<string, unknown>>;
  readonly registry: Registry;
  readonly projectDir: string;
  readonly saveVersion: string;
  readonly loadVersions?: ReadonlyMap<string, string> | undefined;
  readonly hooks?: HookManager | undefined;
  readonly runId?: string | undefined;
}

export class DataCatalog implements Catalog {
  readonly #opts: CatalogOptions;
  readonly #datasets = new Map<string, Dataset>();
  readonly #declared = new Set<string>();
  readonly #types = new Map<string, DatasetType>();
  readonly #patterns: Pattern[];
  readonly #params: Map<string, unknown>;
  readonly #storages = new Map<string, Storage>();
  readonly #local: LocalStorage;
  /** Entries (or factory patterns) that failed their checks: declared, so not "missing", but unusable. */
  readonly #broken: Array<string | RegExp> = [];
  readonly #contracts: ContractBook;
  runId: string | undefined;

  private constructor(opts: CatalogOptions, entries: Entry[], patterns: Pattern[]) {
    this.#opts = opts;
    this.runId = opts.runId;
    this.#local = new LocalStorage(opts.projectDir);
    this.#contracts = new ContractBook(() => opts.registry.tableAdapters(), opts.hooks);
    this.#patterns = patterns;
    this.#params = flattenParams(opts.params);
    for (const e of entries) this.#instantiate(e);
  }

  /** Builds the catalog, or returns every problem with its entry's file:line. */
  static create(opts: CatalogOptions): { catalog: DataCatalog; errors: DagrunError[] } {
    const errors: DagrunError[] = [];
    const entries: Entry[] = [];
    const patterns: Pattern[] = [];
    const data = opts.config?.data ?? {};
    const broken: Array<string | RegExp> = [];
    for (const [name, raw] of Object.entries(data)) {
      const entry = checkEntry(name, raw, opts, errors);
      if (!entry) {
        broken.push(name.includes('{') ? toPattern({ name } as Entry).regex : name);
        continue;
      }
      if (name.includes('{')) patterns.push(toPattern(entry));
      else entries.push(entry);
    }
    patterns.sort(
      (a, b) => b.specificity - a.specificity || a.keys.length - b.keys.length || a.name.localeCompare(b.name),
    );
    const catalog = new DataCatalog(opts, [], patterns);
    catalog.#broken.push(...broken);
    for (const e of entries) {
      try {
        catalog.#instantiate(e);
      } catch (err) {
        catalog.#broken.push(e.name);
        // A coded error (e.g. no storage for the protocol) keeps its code and hint; it only gains the entry's location.
        errors.push(
          err instanceof DagrunError
            ? new CatalogError(err.code, err.detail, { location: e.locate(), hint: err.hint, cause: err })
            : new CatalogError(
                'DAGRUN_ERR_CATALOG_OPTIONS',
                `Catalog entry '${e.name}': ` +
                  `expected a dataset to be built from it, but got ${messageOf(err).replace(/\.?$/, '.')}`,
                { location: e.locate(), cause: err },
              ),
        );
      }
    }
    return { catalog, errors };
  }

  #context(entry: Entry): DatasetContext {
    return {
      name: entry.name,
      projectDir: this.#opts.projectDir,
      credentials: entry.credentials,
      version: { load: this.#opts.loadVersions?.get(entry.name), save: this.#opts.saveVersion },
      storageFor: (location, options) => this.#storageFor(entry.name, location, options),
      codecs: this.#opts.registry,
      parameter: (name) => this.#params.get(name),
      hasParameter: (name) => this.#params.has(name),
    };
  }

  #storageFor(dataset: string, location: string, options?: StorageOptions): Storage {
    const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
    const protocol = m?.[1]?.toLowerCase();
    if (!protocol || protocol === 'file') return this.#local;
    const factory = this.#opts.registry.storage(protocol);
    if (!factory) {
      throw new DatasetError(
        'DAGRUN_ERR_DATASET_STORAGE',
        `Location of dataset '${dataset}': expected a protocol with ` +
          `a registered storage (${this.#opts.registry.storageProtocols().join(', ')}), but got '${protocol}://'.`,
        {
          hint:
            pluginHint('storage', protocol) ??
            `Hint: add a plugin that provides ${protocol}:// storage to plugins in dagrun.yaml.`,
        },
      );
    }
    const credentials = JSON.stringify(options?.credentials ?? null);
    const key = `${protocol}|${credentials}|${JSON.stringify(options?.options ?? null)}`;
    let s = this.#storages.get(key);
    if (!s) {
      s = factory.create(options ?? {});
      this.#storages.set(key, s);
    }
    return s;
  }

  #instantiate(e: Entry): Dataset {
    const options = Object.fromEntries(Object.entries(e.config).filter(([k]) => !CORE_KEYS.has(k)));
    const ds = e.type.create(options as never, this.#context(e));
    this.#datasets.set(e.name, ds);
    this.#declared.add(e.name);
    this.#types.set(e.name, e.type);
    this.#contracts.set(e.name, e.contract);
    return ds;
  }

  /** Saved versions of a versioned dataset, newest first; empty for any other name. */
  async versions(name: string): Promise<string[]> {
    const ds = this.dataset(name);
    return ds?.versions ? ds.versions() : [];
  }

  /** What the dataset's store knows of a saved version (e.g. the tracked run that made it), or undefined. */
  async versionInfo(name: string, version: string): Promise<Record<string, unknown> | undefined> {
    const ds = this.dataset(name);
    return ds?.versionInfo ? ds.versionInfo(version) : undefined;
  }

  /** The dataset behind a name: declared, factory-matched, or undefined. */
  dataset(name: string): Dataset | undefined {
    const ds = this.#datasets.get(name);
    if (ds) return ds;
    // Parameters are served from parameters.yaml only: a catch-all pattern must not make `params:typo` a file.
    if (name === 'parameters' || name.startsWith('params:')) return undefined;
    for (const p of this.#patterns) {
      const m = p.regex.exec(name);
      if (!m) continue;
      const values = Object.fromEntries(p.keys.map((k, i) => [k, m[i + 1] ?? '']));
      const config = substitute(p.config, values) as Record<string, unknown>;
      return this.#instantiate({ ...p, name, config });
    }
    return undefined;
  }

  /** The catalog entry (or pattern) a name resolves to, for messages and viz. */
  entryType(name: string): string | undefined {
    if (this.#params.has(name)) return 'parameter';
    this.dataset(name);
    return this.#types.get(name)?.name ?? (this.#datasets.has(name) ? 'memory' : undefined);
  }

  /** Whether `name` is declared by an entry that failed its checks (already reported). */
  isBroken(name: string): boolean {
    return this.#broken.some((b) => (typeof b === 'string' ? b === name : b.test(name)));
  }

  has(name: string): boolean {
    return this.#params.has(name) || this.dataset(name) !== undefined;
  }

  isDeclared(name: string): boolean {
    if (this.#declared.has(name)) return true;
    this.dataset(name); // a factory match declares it
    return this.#declared.has(name);
  }

  isPersistent(name: string): boolean {
    if (this.#params.has(name)) return true;
    if (!this.isDeclared(name)) return false;
    return this.#types.get(name)?.persistent !== false;
  }

  list(): string[] {
    return [...this.#declared];
  }

  patterns(): string[] {
    return this.#patterns.map((p) => p.name);
  }

  describe(name: string): Record<string, unknown> {
    if (this.#params.has(name)) return { type: 'parameter', value: this.#params.get(name) };
    const ds = this.dataset(name);
    if (!ds) return { type: 'memory', declared: false };
    return { ...ds.describe(), ...(this.#declared.has(name) ? {} : { declared: false }) };
  }

  addMemory(name: string): void {
    if (!this.#datasets.has(name)) this.#datasets.set(name, new MemoryDataset(name));
  }

  feed(name: string, data: unknown): void {
    const ds = this.dataset(name);
    if (ds instanceof MemoryDataset) ds.save(data);
    else {
      const m = new MemoryDataset(name);
      m.save(data);
      this.#datasets.set(name, m);
    }
  }

  async exists(name: string): Promise<boolean> {
    if (this.#params.has(name)) return true;
    const ds = this.dataset(name);
    if (!ds) return false;
    return ds.exists ? ds.exists() : true;
  }

  async release(name: string): Promise<void> {
    const ds = this.#datasets.get(name);
    await ds?.release?.();
  }

  async load(name: string, node?: Node): Promise<unknown> {
    if (this.#params.has(name)) return this.#params.get(name);
    const ds = this.dataset(name);
    if (!ds) throw this.#unknown(name);
    const hooks = this.#opts.hooks;
    const ev = { runId: this.runId, name, node };
    if (hooks?.has('beforeDatasetLoaded')) await hooks.call('beforeDatasetLoaded', ev);
    const t0 = performance.now();
    let data: unknown;
    try {
      data = await ds.load();
    } catch (err) {
      throw wrap('load', name, ds, err);
    }
    data = await this.#contracts.enforce(name, data, 'load', node, this.runId);
    if (hooks?.has('afterDatasetLoaded'))
      await hooks.call('afterDatasetLoaded', { ...ev, data, durationMs: performance.now() - t0 });
    return data;
  }

  async prepareSave(name: string, data: unknown, node?: Node): Promise<unknown> {
    const invalid = this.#validate(name, data, node);
    if (invalid) throw invalid;
    return this.#contracts.enforce(name, data, 'save', node, this.runId);
  }

  #validate(name: string, data: unknown, node?: Node): DatasetError | undefined {
    if (data === undefined) {
      return new DatasetError(
        'DAGRUN_ERR_DATASET_UNDEFINED',
        `Output '${name}'${node ? ` of node '${node.name}'` : ''}: expected a value, but got undefined.`,
        {
          hint: 'Hint: the function must return a value for each declared output (null is allowed).',
        },
      );
    }
    const ds = this.dataset(name);
    const problem = ds?.validate?.(data);
    if (problem === undefined) return undefined;
    const type = this.#types.get(name)?.name ?? 'memory';
    return new DatasetError('DAGRUN_ERR_DATASET_TYPE_MISMATCH', `Dataset '${name}' (${type}): ${problem}.`);
  }

  async save(
    name: string,
    data: unknown,
    node?: Node,
    opts: { readonly prepared?: boolean } = {},
  ): Promise<SaveInfo | undefined> {
    if (!opts.prepared) data = await this.prepareSave(name, data, node);
    let ds = this.dataset(name);
    if (!ds) {
      this.addMemory(name);
      ds = this.#datasets.get(name)!;
    }
    const hooks = this.#opts.hooks;
    const ev = { runId: this.runId, name, node, data };
    if (hooks?.has('beforeDatasetSaved')) await hooks.call('beforeDatasetSaved', ev);
    const t0 = performance.now();
    let info: SaveInfo | undefined;
    try {
      info = (await ds.save(data)) ?? undefined;
    } catch (err) {
      throw wrap('save', name, ds, err, this.#types.get(name)?.atomicSaves === true);
    }
    if (hooks?.has('afterDatasetSaved'))
      await hooks.call('afterDatasetSaved', {
        ...ev,
        durationMs: performance.now() - t0,
        version: info?.version,
        location: info?.location,
      });
    return info;
  }

  /** The data contract of a dataset (`contract:` in its entry), if it has one. */
  contract(name: string): DataContract | undefined {
    this.dataset(name);
    return this.#contracts.get(name);
  }

  /** The contract checks of this catalog that found broken rules, in order (for the run record). */
  contractReports(): readonly ContractReport[] {
    return this.#contracts.reports();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#storages.values()].map((s) => s.close?.()));
    await Promise.all([...this.#datasets.values()].map(async (d) => (d as { close?: () => Promise<void> }).close?.()));
  }

  #unknown(name: string): CatalogError {
    const mean = didYouMean(name, [...this.#declared, ...this.#params.keys()]);
    return new CatalogError(
      'DAGRUN_ERR_CATALOG_UNKNOWN_DATASET',
      `Dataset '${name}': expected it in the catalog, but got no such entry.`,
      { hint: mean ? `Hint: ${mean}` : undefined },
    );
  }
}

const wrap = (op: 'load' | 'save', name: string, ds: Dataset, err: unknown, atomic = false): DatasetError => {
  if (err instanceof DatasetError) {
    if (err.detail.includes(`'${name}'`)) return err;
  }
  let where = '';
  try {
    const d = ds.describe();
    where = ` (${[d.type, d.path ?? d.table ?? d.location].filter(Boolean).join(' at ')})`;
  } catch {
    // describe() is best effort in an error path.
  }
  const code =
    err instanceof DagrunError ? err.code : op === 'load' ? 'DAGRUN_ERR_DATASET_LOAD' : 'DAGRUN_ERR_DATASET_SAVE';
  // A coded error keeps its sentence (without its code) and its hint; others give their message.
  const said = err instanceof DagrunError ? err.detail : messageOf(err);
  // Only a type that declares atomic saves promises the old data survived. End the dataset's own
  // sentence before adding ours: third-party errors often have no final period.
  const tail = op === 'save' && atomic ? `${/[.!?]$/.test(said) ? '' : '.'} What was saved before is intact.` : '';
  return new DatasetError(code, `Failed to ${op} dataset '${name}'${where}: ${said}${tail}`, {
    cause: err,
    hint: err instanceof DagrunError ? err.hint : undefined,
  });
};
