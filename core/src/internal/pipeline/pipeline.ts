// Pipeline: an immutable, topologically sorted set of nodes. Filters and composition return new
// pipelines. Duplicate node names, duplicate outputs and cycles are distinct errors, found at build.

import { CheckError, didYouMean, PipelineError, type DagrunError } from '../errors.js';
import { isParamInput, type Node } from './node.js';

export interface PipelineFilter {
  readonly nodes?: readonly string[] | undefined;
  readonly fromNodes?: readonly string[] | undefined;
  readonly toNodes?: readonly string[] | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly fromInputs?: readonly string[] | undefined;
  readonly toOutputs?: readonly string[] | undefined;
}

export class Pipeline {
  /** Nodes in execution order: topological, ties kept in declaration order. */
  readonly nodes: readonly Node[];
  readonly #byName: ReadonlyMap<string, Node>;
  readonly #producer: ReadonlyMap<string, Node>;
  readonly #consumers: ReadonlyMap<string, readonly Node[]>;
  readonly #upstream: ReadonlyMap<Node, ReadonlySet<Node>>;
  readonly #downstream: ReadonlyMap<Node, readonly Node[]>;

  constructor(nodes: Iterable<Node>) {
    const list = [...nodes];
    const errors = Pipeline.problems(list);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new CheckError('pipeline', errors);
    const byName = new Map<string, Node>();
    const producer = new Map<string, Node>();
    const consumers = new Map<string, Node[]>();
    for (const n of list) {
      byName.set(n.name, n);
      for (const o of n.outputNames) producer.set(o, n);
      for (const i of n.inputNames) {
        const c = consumers.get(i);
        if (c) c.push(n);
        else consumers.set(i, [n]);
      }
    }
    this.#byName = byName;
    this.#producer = producer;
    this.#consumers = consumers;
    const sorted = toposort(list, producer);
    this.nodes = sorted.order;
    this.#upstream = sorted.deps;
    this.#downstream = sorted.dependents;
  }

  /** Duplicate names, duplicate outputs and cycles among `nodes`, without throwing. */
  static problems(nodes: readonly Node[]): DagrunError[] {
    const errors: DagrunError[] = [];
    const names = new Map<string, Node>();
    const producer = new Map<string, Node>();
    for (const n of nodes) {
      const prev = names.get(n.name);
      if (prev)
        errors.push(
          new PipelineError(
            'DAGRUN_ERR_PIPELINE_DUPLICATE_NODE',
            `Node name '${n.name}': expected each node name once, but got it twice.`,
            { location: n.location, hint: prev.location ? `Hint: the other is at ${loc(prev)}.` : undefined },
          ),
        );
      names.set(n.name, n);
      for (const o of n.outputNames) {
        const p = producer.get(o);
        if (p && p !== n) {
          errors.push(
            new PipelineError(
              'DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT',
              `Dataset '${o}': expected one node to write it, but got '${p.name}' and '${n.name}'.`,
              {
                location: n.location,
                hint: 'Hint: rename one output, or merge the two nodes.',
              },
            ),
          );
        } else producer.set(o, n);
      }
    }
    const { cycle } = toposort(nodes, producer);
    if (cycle) {
      errors.push(
        new PipelineError(
          'DAGRUN_ERR_PIPELINE_CYCLE',
          `Pipeline: expected no cycle, ` +
            `but got ${cycle.map((n) => `'${n.name}'`).join(' -> ')} -> '${cycle[0]!.name}'.`,
          {
            location: cycle[0]!.location,
            hint: 'Hint: a node cannot depend, directly or through others, on its own output.',
          },
        ),
      );
    }
    return errors;
  }

  node(name: string): Node | undefined {
    return this.#byName.get(name);
  }

  producerOf(dataset: string): Node | undefined {
    return this.#producer.get(dataset);
  }

  consumersOf(dataset: string): readonly Node[] {
    return this.#consumers.get(dataset) ?? [];
  }

  /** The nodes of this pipeline whose outputs `node` reads (its direct dependencies). */
  dependenciesOf(node: Node): ReadonlySet<Node> {
    return this.#upstream.get(node) ?? NO_NODES;
  }

  /** The nodes of this pipeline that read an output of `node`, in declaration order. */
  dependentsOf(node: Node): readonly Node[] {
    return this.#downstream.get(node) ?? [];
  }

  /** Datasets consumed but produced by no node of this pipeline (including parameters). */
  inputs(): string[] {
    return [...this.#consumers.keys()].filter((d) => !this.#producer.has(d));
  }

  /** Datasets produced and consumed by no node of this pipeline. */
  outputs(): string[] {
    return [...this.#producer.keys()].filter((d) => !this.#consumers.has(d));
  }

  /** Every dataset name, parameters included, in first-seen order. */
  datasets(): string[] {
    const all = new Set<string>();
    for (const n of this.nodes) {
      for (const i of n.inputNames) all.add(i);
      for (const o of n.outputNames) all.add(o);
    }
    return [...all];
  }

  tags(): string[] {
    return [...new Set(this.nodes.flatMap((n) => n.tags))].sort();
  }

  /** This pipeline and `others` together (composition). */
  plus(...others: Pipeline[]): Pipeline {
    const seen = new Set<Node>();
    const all: Node[] = [];
    for (const p of [this, ...others]) for (const n of p.nodes) if (!seen.has(n)) seen.add(n), all.push(n);
    return new Pipeline(all);
  }

  onlyNodes(names: readonly string[]): Pipeline {
    return new Pipeline(this.#resolveNodes(names, '--nodes'));
  }

  /** The named nodes and everything downstream of them. */
  fromNodes(names: readonly string[]): Pipeline {
    return this.#closure(this.#resolveNodes(names, '--from-nodes'), 'down');
  }

  /** The named nodes and everything upstream of them. */
  toNodes(names: readonly string[]): Pipeline {
    return this.#closure(this.#resolveNodes(names, '--to-nodes'), 'up');
  }

  /** Nodes carrying any of `tags`. */
  onlyNodesWithTags(tags: readonly string[]): Pipeline {
    const known = new Set(this.tags());
    const unknown = tags.filter((t) => !known.has(t));
    if (unknown.length > 0) throw filterError('--tags', 'tag', unknown[0]!, known);
    const want = new Set(tags);
    return new Pipeline(this.nodes.filter((n) => n.tags.some((t) => want.has(t))));
  }

  /** Nodes that depend, directly or not, on any of `datasets`. */
  fromInputs(datasets: readonly string[]): Pipeline {
    this.#checkDatasets(datasets, '--from-inputs', (d) => this.#consumers.has(d));
    const start = datasets.flatMap((d) => this.consumersOf(d));
    return this.#closure(start, 'down');
  }

  /** Nodes needed to produce `datasets`. */
  toOutputs(datasets: readonly string[]): Pipeline {
    this.#checkDatasets(datasets, '--to-outputs', (d) => this.#producer.has(d));
    return this.#closure(
      datasets.map((d) => this.#producer.get(d)!),
      'up',
    );
  }

  /** Applies every filter given; the result is their intersection, as in Kedro. */
  filter(f: PipelineFilter): Pipeline {
    let keep = new Set(this.nodes);
    const narrow = (p: Pipeline) => {
      const s = new Set(p.nodes);
      keep = new Set([...keep].filter((n) => s.has(n)));
    };
    if (f.nodes?.length) narrow(this.onlyNodes(f.nodes));
    if (f.fromNodes?.length) narrow(this.fromNodes(f.fromNodes));
    if (f.toNodes?.length) narrow(this.toNodes(f.toNodes));
    if (f.tags?.length) narrow(this.onlyNodesWithTags(f.tags));
    if (f.fromInputs?.length) narrow(this.fromInputs(f.fromInputs));
    if (f.toOutputs?.length) narrow(this.toOutputs(f.toOutputs));
    const out = new Pipeline(this.nodes.filter((n) => keep.has(n)));
    if (out.nodes.length === 0) {
      throw new PipelineError(
        'DAGRUN_ERR_PIPELINE_EMPTY',
        'Filtered pipeline: expected at least one node to run, but got none.',
        {
          hint: 'Hint: the filters given select disjoint sets of nodes; check them with `dagrun run --dry-run`.',
        },
      );
    }
    return out;
  }

  toJSON(): { nodes: Record<string, unknown>[]; datasets: string[]; inputs: string[]; outputs: string[] } {
    return {
      nodes: this.nodes.map((n) => n.toJSON()),
      datasets: this.datasets().filter((d) => !isParamInput(d)),
      inputs: this.inputs(),
      outputs: this.outputs(),
    };
  }

  #resolveNodes(names: readonly string[], flag: string): Node[] {
    return names.map((name) => {
      const n = this.#byName.get(name);
      if (!n) throw filterError(flag, 'node', name, this.#byName.keys());
      return n;
    });
  }

  #checkDatasets(datasets: readonly string[], flag: string, ok: (d: string) => boolean): void {
    for (const d of datasets) if (!ok(d)) throw filterError(flag, 'dataset', d, this.datasets().filter(ok));
  }

  #closure(start: readonly Node[], direction: 'up' | 'down'): Pipeline {
    const seen = new Set<Node>();
    const stack = [...start];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (direction === 'down') for (const o of n.outputNames) stack.push(...this.consumersOf(o));
      else
        for (const i of n.inputNames) {
          const p = this.#producer.get(i);
          if (p) stack.push(p);
        }
    }
    return new Pipeline(this.nodes.filter((n) => seen.has(n)));
  }
}

const loc = (n: Node): string => (n.location ? `${n.location.file}:${n.location.line ?? '?'}` : n.name);

const filterError = (flag: string, what: string, name: string, known: Iterable<string>): PipelineError => {
  const mean = didYouMean(name, known);
  return new PipelineError(
    'DAGRUN_ERR_PIPELINE_FILTER',
    `${flag}: expected a ${what} of the pipeline, but got '${name}'.`,
    { hint: mean ? `Hint: ${mean}` : undefined },
  );
};

/** Kahn's algorithm, ties broken by declaration order; reports one cycle when the graph has any. */
const NO_NODES: ReadonlySet<Node> = new Set();

interface Sorted {
  readonly order: Node[];
  readonly cycle: Node[] | undefined;
  readonly deps: Map<Node, Set<Node>>;
  readonly dependents: Map<Node, Node[]>;
}

const toposort = (nodes: readonly Node[], producer: ReadonlyMap<string, Node>): Sorted => {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const deps = new Map<Node, Set<Node>>();
  const dependents = new Map<Node, Node[]>();
  for (const n of nodes) {
    const d = new Set<Node>();
    for (const i of n.inputNames) {
      const p = producer.get(i);
      if (p && p !== n && index.has(p)) d.add(p);
    }
    deps.set(n, d);
    for (const p of d) {
      const l = dependents.get(p);
      if (l) l.push(n);
      else dependents.set(p, [n]);
    }
  }
  const remaining = new Map<Node, number>([...deps].map(([n, d]) => [n, d.size]));
  // A binary heap on declaration index keeps the order stable and the sort O(E log V).
  const heap = new MinHeap<Node>((a, b) => index.get(a)! - index.get(b)!);
  for (const [n, c] of remaining) if (c === 0) heap.push(n);
  const order: Node[] = [];
  while (heap.size > 0) {
    const n = heap.pop()!;
    order.push(n);
    for (const m of dependents.get(n) ?? []) {
      const c = remaining.get(m)! - 1;
      remaining.set(m, c);
      if (c === 0) heap.push(m);
    }
  }
  if (order.length === nodes.length) return { order, cycle: undefined, deps, dependents };
  return {
    order,
    cycle: findCycle(
      nodes.filter((n) => remaining.get(n)! > 0),
      deps,
    ),
    deps,
    dependents,
  };
};

const findCycle = (candidates: readonly Node[], deps: ReadonlyMap<Node, Set<Node>>): Node[] => {
  const inSet = new Set(candidates);
  // Walk dependencies from any remaining node; every remaining node has a remaining dependency, so the walk repeats.
  const path: Node[] = [];
  const pos = new Map<Node, number>();
  let cur: Node | undefined = candidates[0];
  while (cur && !pos.has(cur)) {
    pos.set(cur, path.length);
    path.push(cur);
    cur = [...(deps.get(cur) ?? [])].find((d) => inSet.has(d));
  }
  const cycle = cur ? path.slice(pos.get(cur)) : path;
  // Show it in data-flow order (producer first) and starting from the earliest-declared node.
  cycle.reverse();
  const first = cycle.indexOf(candidates.find((c) => cycle.includes(c))!);
  return [...cycle.slice(first), ...cycle.slice(0, first)];
};

class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #cmp: (a: T, b: T) => number;
  constructor(cmp: (a: T, b: T) => number) {
    this.#cmp = cmp;
  }
  get size(): number {
    return this.#items.length;
  }
  push(v: T): void {
    const a = this.#items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#cmp(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.#cmp(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.#cmp(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Lowercase factory: pipeline([node(...), ...]). */
export const pipeline = (nodes: Iterable<Node>): Pipeline => new Pipeline(nodes);
