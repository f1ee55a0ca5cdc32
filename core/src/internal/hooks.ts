// Every lifecycle hook the engine calls, in one place, grouped by lifecycle. Each takes one event
// object, so adding a field later breaks no hook. Hooks run in registration order and are awaited.

import type { Catalog } from './catalog.js';
import type { ContractReport } from './contract.js';
import type { Node } from './pipeline/node.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { Project } from './project.js';
import type { RunRecord } from './run-record.js';
import type { DagrunError } from './errors.js';

/** A project was loaded (Kedro's after_context_created): a plugin reads its own configuration here. */
export interface ProjectOpenedEvent {
  readonly project: Project;
  /** Adds a problem to the project's load problems (reported by `dagrun check` and before any run). */
  report(error: DagrunError): void;
}

export interface CatalogCreatedEvent {
  readonly catalog: Catalog;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface PipelineRunEvent {
  readonly runId: string;
  readonly pipelineName: string;
  readonly pipeline: Pipeline;
  readonly catalog: Catalog;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface AfterPipelineRunEvent extends PipelineRunEvent {
  readonly record: RunRecord;
  /** Free outputs not declared in the catalog, by name. */
  readonly outputs: ReadonlyMap<string, unknown>;
}

export interface PipelineErrorEvent extends PipelineRunEvent {
  readonly error: Error;
  readonly record: RunRecord;
}

export interface NodeRunEvent {
  readonly runId: string;
  readonly node: Node;
  /** 0-based position in the run, and how many nodes it has. */
  readonly index: number;
  readonly total: number;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface AfterNodeRunEvent extends NodeRunEvent {
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The whole step; then its parts: loading inputs, the function alone, checking and saving outputs. */
  readonly durationMs: number;
  readonly loadMs: number;
  readonly computeMs: number;
  readonly saveMs: number;
}

export interface NodeErrorEvent extends NodeRunEvent {
  readonly error: Error;
}

export interface DatasetEvent {
  readonly runId: string | undefined;
  readonly name: string;
  readonly node: Node | undefined;
}

export interface AfterDatasetLoadedEvent extends DatasetEvent {
  readonly data: unknown;
  readonly durationMs: number;
}

export interface BeforeDatasetSavedEvent extends DatasetEvent {
  readonly data: unknown;
}

/** A data contract checked a dataset's data (on load, or before a save) and let it through. */
export interface AfterDatasetCheckedEvent extends DatasetEvent {
  readonly operation: 'load' | 'save';
  /** What broke (empty `violations` when nothing did) and what on_violation did about it. */
  readonly report: ContractReport;
}

export interface AfterDatasetSavedEvent extends BeforeDatasetSavedEvent {
  readonly durationMs: number;
  readonly version: string | undefined;
  /** Where the data was written (a local path or a `protocol://` URI), when the dataset says. */
  readonly location: string | undefined;
}

type MaybePromise = void | Promise<void>;

/** Implement any subset. Order of calls in a run is documented in docs/plugins.md. */
export interface Hooks {
  // project
  afterProjectOpened?(event: ProjectOpenedEvent): MaybePromise;
  // catalog
  afterCatalogCreated?(event: CatalogCreatedEvent): MaybePromise;
  // pipeline
  beforePipelineRun?(event: PipelineRunEvent): MaybePromise;
  afterPipelineRun?(event: AfterPipelineRunEvent): MaybePromise;
  onPipelineError?(event: PipelineErrorEvent): MaybePromise;
  // node
  beforeNodeRun?(event: NodeRunEvent): MaybePromise;
  afterNodeRun?(event: AfterNodeRunEvent): MaybePromise;
  onNodeError?(event: NodeErrorEvent): MaybePromise;
  // dataset
  beforeDatasetLoaded?(event: DatasetEvent): MaybePromise;
  afterDatasetLoaded?(event: AfterDatasetLoadedEvent): MaybePromise;
  beforeDatasetSaved?(event: BeforeDatasetSavedEvent): MaybePromise;
  afterDatasetSaved?(event: AfterDatasetSavedEvent): MaybePromise;
  afterDatasetChecked?(event: AfterDatasetCheckedEvent): MaybePromise;
}

export const HOOK_NAMES = [
  'afterProjectOpened',
  'afterCatalogCreated',
  'beforePipelineRun',
  'afterPipelineRun',
  'onPipelineError',
  'beforeNodeRun',
  'afterNodeRun',
  'onNodeError',
  'beforeDatasetLoaded',
  'afterDatasetLoaded',
  'beforeDatasetSaved',
  'afterDatasetSaved',
  'afterDatasetChecked',
] as const satisfies ReadonlyArray<keyof Hooks>;

export type HookName = (typeof HOOK_NAMES)[number];
type EventOf<K extends HookName> = Parameters<NonNullable<Hooks[K]>>[0];

/** Calls every registered implementation of a hook, in order. Keeps a per-hook list so absent hooks cost nothing. */
export class HookManager {
  readonly #byName = new Map<HookName, Array<(e: never) => MaybePromise>>();

  register(hooks: Hooks): void {
    for (const name of HOOK_NAMES) {
      const fn = hooks[name];
      if (typeof fn !== 'function') continue;
      const list = this.#byName.get(name) ?? [];
      list.push((fn as (e: never) => MaybePromise).bind(hooks));
      this.#byName.set(name, list);
    }
  }

  has(name: HookName): boolean {
    return (this.#byName.get(name)?.length ?? 0) > 0;
  }

  async call<K extends HookName>(name: K, event: EventOf<K>): Promise<void> {
    const list = this.#byName.get(name);
    if (!list) return;
    for (const fn of list) await (fn as (e: EventOf<K>) => MaybePromise)(event);
  }
}
