// The graph model: everything the page (and the SVG and JSON exports) draws, as plain JSON.
// Built in Node from the project (graph.ts), embedded in the HTML file, read by the page. Types only,
// so the page's bundle imports them without pulling any Node code in.

export const MODEL_FORMAT = 1;

/** What an item of the graph is: a function node, a dataset, or a parameter it reads. */
export type ItemKind = 'node' | 'dataset' | 'parameter';

interface ItemBase {
  /** Unique in the model: `n:<node>`, `d:<dataset>`, `p:<params:key>`. */
  readonly id: string;
  readonly kind: ItemKind;
  readonly name: string;
  /** The modular pipeline it sits in (`by_region`, `a.b`), or '' at the top level. */
  readonly namespace: string;
}

export interface NodeItem extends ItemBase {
  readonly kind: 'node';
  readonly tags: readonly string[];
  /** `src/nodes/model.ts#trainModel` split into file and export; undefined for nodes built in code. */
  readonly func: { readonly ref: string; readonly file: string; readonly export: string } | undefined;
  /** Where pipeline.yaml declares it (`pipeline.yaml:31`). */
  readonly declared: string | undefined;
  /** Dataset and parameter names, as declared (parameters keep their `params:` prefix). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface DatasetItem extends ItemBase {
  readonly kind: 'dataset';
  /** Catalog type (`csv`, `parquet`, `memory`, a plugin's type…). */
  readonly type: string;
  /** Declared in catalog.yaml (or matched by a factory); false for intermediates held in memory. */
  readonly declared: boolean;
  /** The catalog's description of the entry (path, versioned, storage, …), secrets masked. */
  readonly facts: Readonly<Record<string, unknown>>;
  /** Versions present on storage, newest first (at most VERSIONS_SHOWN), and how many there are. */
  readonly versions: readonly string[];
  readonly versionCount: number;
  /** Set when the catalog entry is broken (`dagrun check` says why). */
  readonly problem?: string | undefined;
}

export interface ParameterItem extends ItemBase {
  readonly kind: 'parameter';
  readonly value: unknown;
}

export type Item = NodeItem | DatasetItem | ParameterItem;

export interface Edge {
  readonly source: string;
  readonly target: string;
}

export interface PipelineInfo {
  readonly name: string;
  readonly description: string | undefined;
  /** Ids of the function nodes in it, in run order. */
  readonly nodes: readonly string[];
}

export interface NamespaceInfo {
  /** The full path (`a.b`). */
  readonly id: string;
  /** The parent's path, '' for a top-level namespace. */
  readonly parent: string;
}

export type RunNodeStatus = 'ok' | 'failed' | 'skipped' | 'not_run';

export interface RunNode {
  readonly status: RunNodeStatus;
  readonly durationMs?: number | undefined;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
}

/** The last run (or the one asked for with --run), as the page overlays it. */
export interface RunOverlay {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: 'running' | 'ok' | 'failed';
  readonly startedAt: string;
  readonly finishedAt: string | undefined;
  readonly durationMs: number | undefined;
  readonly error: { readonly code: string; readonly message: string; readonly node: string | undefined } | undefined;
  readonly resumeCommand: string | undefined;
  /** By node id; every function node of the model has an entry (`not_run` when the record lacks it). */
  readonly nodes: Readonly<Record<string, RunNode>>;
  /** Datasets the run saved, by dataset id. */
  readonly saved: Readonly<Record<string, { readonly version: string | undefined; readonly durationMs: number }>>;
}

export interface GraphModel {
  readonly format: typeof MODEL_FORMAT;
  readonly project: string;
  readonly generatedAt: string;
  readonly env: readonly string[];
  readonly pipelines: readonly PipelineInfo[];
  /** The pipeline the page opens on. */
  readonly defaultPipeline: string;
  readonly items: readonly Item[];
  /** Data flow over every pipeline: dataset → node, parameter → node, node → dataset. */
  readonly edges: readonly Edge[];
  readonly namespaces: readonly NamespaceInfo[];
  readonly tags: readonly string[];
  readonly run: RunOverlay | undefined;
}

export const VERSIONS_SHOWN = 20;
