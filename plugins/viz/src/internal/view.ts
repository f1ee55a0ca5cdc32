// What is drawn for a given state of the filters: the selected pipeline's nodes that pass the tag
// and namespace filters, the datasets and parameters they touch, and collapsed namespaces replaced
// by one box each. Shared by the page and the Node side (initial layout, SVG export); pure.

import type { Edge, GraphModel, Item } from './model.js';
import { collapsedAncestor, isWithin } from './namespaces.js';

export interface ViewState {
  readonly pipeline: string;
  /** Show only nodes carrying one of these tags; empty shows every node. */
  readonly tags: readonly string[];
  /** Namespaces whose nodes are hidden; '' hides the top-level nodes. */
  readonly hiddenNamespaces: readonly string[];
  /** Namespaces drawn as one box. */
  readonly collapsed: readonly string[];
  readonly showParameters: boolean;
}

export interface NamespaceBox {
  readonly id: string;
  readonly kind: 'namespace';
  readonly name: string;
  /** Function nodes inside it that pass the filters. */
  readonly nodeCount: number;
}

export type ViewItem = Item | NamespaceBox;

export interface View {
  readonly items: readonly ViewItem[];
  readonly edges: readonly Edge[];
  /** Identifies the state's layout (same key, same picture). */
  readonly key: string;
}

/** Lookups computeView needs, built once per model. */
export interface ModelIndex {
  readonly byId: ReadonlyMap<string, Item>;
  /** Edges by the function node they touch. */
  readonly edgesOf: ReadonlyMap<string, readonly Edge[]>;
  readonly pipelines: ReadonlyMap<string, ReadonlySet<string>>;
}

export const indexModel = (model: GraphModel): ModelIndex => {
  const edgesOf = new Map<string, Edge[]>();
  for (const e of model.edges) {
    const nodeEnd = e.source.startsWith('n:') ? e.source : e.target;
    const list = edgesOf.get(nodeEnd);
    if (list) list.push(e);
    else edgesOf.set(nodeEnd, [e]);
  }
  return {
    byId: new Map(model.items.map((i) => [i.id, i])),
    edgesOf,
    pipelines: new Map(model.pipelines.map((p) => [p.name, new Set(p.nodes)])),
  };
};

export const defaultState = (model: GraphModel): ViewState => ({
  pipeline: model.defaultPipeline,
  tags: [],
  hiddenNamespaces: [],
  collapsed: [],
  showParameters: true,
});

export const stateKey = (s: ViewState): string =>
  JSON.stringify([
    s.pipeline,
    [...s.tags].sort(),
    [...s.hiddenNamespaces].sort(),
    [...s.collapsed].sort(),
    s.showParameters,
  ]);

export const namespaceBoxId = (ns: string): string => `ns:${ns}`;

export const computeView = (model: GraphModel, index: ModelIndex, state: ViewState): View => {
  const inPipeline =
    index.pipelines.get(state.pipeline) ?? index.pipelines.get(model.defaultPipeline) ?? new Set<string>();
  const tags = new Set(state.tags);
  const hidden = state.hiddenNamespaces;
  const nodes: string[] = [];
  for (const id of inPipeline) {
    const n = index.byId.get(id);
    if (n?.kind !== 'node') continue;
    if (tags.size > 0 && !n.tags.some((t) => tags.has(t))) continue;
    if (hidden.some((h) => (h === '' ? n.namespace === '' : isWithin(n.namespace, h)))) continue;
    nodes.push(id);
  }
  const visible = new Set<string>(nodes);
  const edges: Edge[] = [];
  for (const id of nodes) {
    for (const e of index.edgesOf.get(id) ?? []) {
      const other = e.source === id ? e.target : e.source;
      if (!state.showParameters && other.startsWith('p:')) continue;
      visible.add(other);
      edges.push(e);
    }
  }

  // Collapsing: every item inside a collapsed namespace is drawn as that namespace's box.
  const collapsed = new Set(state.collapsed);
  const rep = new Map<string, string>();
  const boxes = new Map<string, { id: string; kind: 'namespace'; name: string; nodeCount: number }>();
  const items: ViewItem[] = [];
  for (const item of model.items) {
    if (!visible.has(item.id)) continue;
    const ns = collapsedAncestor(item.namespace, collapsed);
    if (ns === undefined) {
      rep.set(item.id, item.id);
      items.push(item);
      continue;
    }
    const boxId = namespaceBoxId(ns);
    rep.set(item.id, boxId);
    let box = boxes.get(boxId);
    if (!box) {
      box = { id: boxId, kind: 'namespace', name: ns, nodeCount: 0 };
      boxes.set(boxId, box);
      items.push(box);
    }
    if (item.kind === 'node') box.nodeCount++;
  }
  const seen = new Set<string>();
  const drawn: Edge[] = [];
  for (const e of edges) {
    const source = rep.get(e.source)!;
    const target = rep.get(e.target)!;
    const key = `${source}\u0000${target}`;
    if (source === target || seen.has(key)) continue;
    seen.add(key);
    drawn.push(source === e.source && target === e.target ? e : { source, target });
  }
  return { items, edges: drawn, key: stateKey(state) };
};
