// Builds the graph model from a project's pipelines: one item per function node, dataset and
// parameter, the data-flow edges between them, the namespaces (modular pipelines) and tags.
// Pure: the caller gathers the catalog facts, parameter values and run record (project-graph.ts).

import { formatLocation, isParamInput, type Node, type Pipeline, type RunRecord } from '@dagrun/core';
import { commonNamespace, namespaceTree } from './namespaces.js';
import {
  MODEL_FORMAT,
  type DatasetItem,
  type Edge,
  type GraphModel,
  type Item,
  type NodeItem,
  type ParameterItem,
  type PipelineInfo,
} from './model.js';
import { runOverlay } from './run-overlay.js';

/** What the catalog says about one dataset (catalog-facts.ts). */
export type DatasetFacts = Pick<DatasetItem, 'type' | 'declared' | 'facts' | 'versions' | 'versionCount' | 'problem'>;

export interface GraphSource {
  readonly project: string;
  readonly env?: readonly string[];
  readonly pipelines: ReadonlyArray<{
    readonly name: string;
    readonly description?: string | undefined;
    readonly pipeline: Pipeline;
  }>;
  /** The pipeline the page opens on; default `__default__` when present, else the first. */
  readonly defaultPipeline?: string | undefined;
  /** Facts of a dataset; a name it does not know is drawn as an undeclared memory dataset. */
  readonly dataset?: (name: string) => DatasetFacts | undefined;
  /** Value of `params:a.b` / `parameters`. */
  readonly param?: (name: string) => unknown;
  readonly run?: RunRecord | undefined;
  readonly generatedAt?: string;
}

export const nodeId = (name: string): string => `n:${name}`;
export const datasetId = (name: string): string => `d:${name}`;
export const paramId = (name: string): string => `p:${name}`;
/** The id of an input or output name: a parameter or a dataset. */
export const dataId = (name: string): string => (isParamInput(name) ? paramId(name) : datasetId(name));

const MEMORY: DatasetFacts = {
  type: 'memory',
  declared: false,
  facts: { type: 'memory' },
  versions: [],
  versionCount: 0,
};

export const buildGraphModel = (src: GraphSource): GraphModel => {
  const nodes = new Map<string, { node: Node; item: NodeItem }>();
  /** Node name → ids: two pipelines may declare different nodes under one name. */
  const idsByName = new Map<string, string[]>();
  const order: string[] = [];
  const pipelines: PipelineInfo[] = [];

  for (const { name, description, pipeline } of src.pipelines) {
    const ids: string[] = [];
    for (const n of pipeline.nodes) {
      const id = nodeIdFor(n, idsByName, nodes);
      const known = nodes.get(id);
      if (known) {
        // The same node included by several pipelines: tags added by an include are merged.
        const tags = [...new Set([...known.item.tags, ...n.tags])];
        if (tags.length !== known.item.tags.length) known.item = { ...known.item, tags };
      } else {
        nodes.set(id, { node: n, item: nodeItem(id, n) });
        order.push(...n.inputNames.map(dataId), id, ...n.outputNames.map(dataId));
      }
      ids.push(id);
    }
    pipelines.push({ name, description, nodes: ids });
  }

  // Where each dataset and parameter is drawn (see dataNamespace), from the nodes that read and write it.
  const readers = new Map<string, string[]>();
  const writers = new Map<string, string[]>();
  const edges: Edge[] = [];
  const seenEdges = new Set<string>();
  const addEdge = (source: string, target: string) => {
    const key = `${source}\u0000${target}`;
    if (!seenEdges.has(key)) seenEdges.add(key), edges.push({ source, target });
  };
  const note = (map: Map<string, string[]>, name: string, ns: string) => {
    const list = map.get(name);
    if (list) list.push(ns);
    else map.set(name, [ns]);
  };
  for (const [id, { node }] of nodes) {
    for (const i of node.inputNames) note(readers, i, node.namespace ?? ''), addEdge(dataId(i), id);
    for (const o of node.outputNames) note(writers, o, node.namespace ?? ''), addEdge(id, dataId(o));
  }

  const items = new Map<string, Item>();
  for (const id of order) {
    if (items.has(id)) continue;
    const node = nodes.get(id);
    if (node) {
      items.set(id, node.item);
      continue;
    }
    const name = id.slice(2);
    const namespace = dataNamespace(id.startsWith('p:'), readers.get(name) ?? [], writers.get(name) ?? []);
    if (id.startsWith('p:')) {
      const item: ParameterItem = { id, kind: 'parameter', name, namespace, value: src.param?.(name) };
      items.set(id, item);
    } else {
      const facts = src.dataset?.(name) ?? MEMORY;
      const item: DatasetItem = { id, kind: 'dataset', name, namespace, ...facts };
      items.set(id, item);
    }
  }

  const nodeItems = [...nodes.values()].map((n) => n.item);
  const names = pipelines.map((p) => p.name);
  const defaultPipeline = src.defaultPipeline ?? (names.includes('__default__') ? '__default__' : (names[0] ?? ''));
  return {
    format: MODEL_FORMAT,
    project: src.project,
    generatedAt: src.generatedAt ?? new Date().toISOString(),
    env: src.env ?? [],
    pipelines,
    defaultPipeline,
    items: [...items.values()],
    edges,
    namespaces: namespaceTree(nodeItems.map((n) => n.namespace)),
    tags: [...new Set(nodeItems.flatMap((n) => n.tags))].sort(),
    run: src.run ? runOverlay(src.run, idsByName, [...nodes.keys()]) : undefined,
  };
};

/**
 * A parameter sits in the deepest namespace holding every node that reads it. A dataset sits in the
 * deepest namespace holding every node that reads or writes it, unless nothing writes it (an input
 * from the catalog) or nothing reads it (a final output): those are what a modular pipeline takes
 * and gives, so they stay at the top level, outside its box when it is collapsed.
 */
const dataNamespace = (isParam: boolean, readers: readonly string[], writers: readonly string[]): string => {
  if (isParam) return commonNamespace(readers);
  if (readers.length === 0 || writers.length === 0) return '';
  return commonNamespace([...readers, ...writers]);
};

const signature = (n: Node): string =>
  JSON.stringify([n.funcRef ?? n.func.name, n.namespace ?? '', n.inputNames, n.outputNames]);

/** `n:<name>`, or `n:<name>~2`, … for a different node that another pipeline declares under the same name. */
const nodeIdFor = (n: Node, idsByName: Map<string, string[]>, nodes: ReadonlyMap<string, { node: Node }>): string => {
  const ids = idsByName.get(n.name) ?? [];
  const sig = signature(n);
  const same = ids.find((id) => nodes.get(id)?.node === n || signature(nodes.get(id)!.node) === sig);
  if (same) return same;
  const id = ids.length === 0 ? nodeId(n.name) : `${nodeId(n.name)}~${ids.length + 1}`;
  idsByName.set(n.name, [...ids, id]);
  return id;
};

const nodeItem = (id: string, n: Node): NodeItem => {
  const ref = n.funcRef;
  const hash = ref?.lastIndexOf('#') ?? -1;
  return {
    id,
    kind: 'node',
    name: n.name,
    namespace: n.namespace ?? '',
    tags: [...n.tags],
    func: ref
      ? { ref, file: hash > 0 ? ref.slice(0, hash) : ref, export: hash > 0 ? ref.slice(hash + 1) : '' }
      : undefined,
    declared: n.location ? formatLocation(n.location) : undefined,
    inputs: [...n.inputNames],
    outputs: [...n.outputNames],
  };
};
