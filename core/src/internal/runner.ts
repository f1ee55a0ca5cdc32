// Runners as template methods: the base loads inputs, drives hooks, times nodes, saves outputs and
// releases intermediates once no later node needs them; a subclass decides only how nodes are scheduled.

import type { Catalog } from './catalog.js';
import { DagrunError, NodeError, messageOf } from './errors.js';
import type { HookManager } from './hooks.js';
import type { Node } from './pipeline/node.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { NodeRecord, RunRecord } from './run-record.js';

export interface RunContext {
  readonly runId: string;
  readonly pipelineName: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly hooks: HookManager;
  /** Filled in as the run goes; the caller writes it out. */
  readonly record: RunRecord;
}

export interface RunResult {
  /** Free outputs that the catalog does not declare (held in memory), by name. */
  readonly outputs: Map<string, unknown>;
  readonly record: RunRecord;
}

export abstract class Runner {
  /** Runs `pipeline` against `catalog`. On failure throws a NodeError naming the node; the record says what ran. */
  async run(pipeline: Pipeline, catalog: Catalog, ctx: RunContext): Promise<RunResult> {
    const nodes = pipeline.nodes;
    const { hooks, record } = ctx;
    const freeOutputs = new Set(pipeline.outputs());
    // How many nodes still need each dataset; at zero an intermediate is released.
    const pending = new Map<string, number>();
    for (const n of nodes) for (const i of n.inputNames) pending.set(i, (pending.get(i) ?? 0) + 1);
    for (const n of nodes) for (const o of n.outputNames) if (!catalog.has(o)) catalog.addMemory(o);
    const recs = new Map<Node, NodeRecord>();
    for (const n of nodes) {
      const r: NodeRecord = { name: n.name, func: n.funcRef ?? (n.func.name || 'anonymous'), status: 'not_run' };
      recs.set(n, r);
    }
    record.nodes = [...record.nodes.filter((r) => !pipeline.node(r.name)), ...recs.values()];
    const base = { runId: ctx.runId, pipelineName: ctx.pipelineName, pipeline, catalog, params: ctx.params };
    await hooks.call('beforePipelineRun', base);

    const total = nodes.length;
    const index = new Map(nodes.map((n, i) => [n, i]));
    const runOne = async (node: Node): Promise<void> => {
      const rec = recs.get(node)!;
      const i = index.get(node)!;
      const values = new Map<string, unknown>();
      const startedAt = new Date();
      rec.startedAt = startedAt.toISOString();
      const t0 = performance.now();
      let inputs: Record<string, unknown> = EMPTY;
      try {
        for (const name of node.inputNames) values.set(name, await catalog.load(name, node));
        inputs = hooks.has('beforeNodeRun') || hooks.has('afterNodeRun') || hooks.has('onNodeError') ? Object.fromEntries(values) : EMPTY;
        await hooks.call('beforeNodeRun', { runId: ctx.runId, node, index: i, total, inputs });
        const result = await node.call(values);
        const outputs = node.mapOutputs(result);
        if (typeof outputs === 'string') {
          throw new NodeError('DAGRUN_ERR_NODE_OUTPUT', `Node '${node.name}' (${rec.func}) returned a value that does not fit its outputs: ${outputs}.`, {
            location: node.location,
          });
        }
        for (const [name, value] of outputs) {
          const s0 = performance.now();
          const info = await catalog.save(name, value, node);
          if (info?.location !== undefined || info?.version !== undefined || catalog.isDeclared(name)) {
            record.datasets.push({ name, node: node.name, location: info?.location, version: info?.version, durationMs: performance.now() - s0 });
          }
        }
        rec.durationMs = performance.now() - t0;
        rec.status = 'ok';
        await hooks.call('afterNodeRun', { runId: ctx.runId, node, index: i, total, inputs, outputs: Object.fromEntries(outputs), durationMs: rec.durationMs });
      } catch (err) {
        rec.durationMs = performance.now() - t0;
        rec.status = 'failed';
        const wrapped = nodeFailure(node, rec.func, err);
        rec.error = { code: wrapped.code, message: messageOf(err) };
        await hooks.call('onNodeError', { runId: ctx.runId, node, index: i, total, inputs, error: wrapped });
        throw wrapped;
      }
      for (const name of node.inputNames) {
        const left = (pending.get(name) ?? 1) - 1;
        pending.set(name, left);
        if (left === 0 && !freeOutputs.has(name)) await catalog.release(name);
      }
    };

    await this.executeNodes(nodes, runOne);

    const outputs = new Map<string, unknown>();
    for (const name of freeOutputs) if (!catalog.isDeclared(name)) outputs.set(name, await catalog.load(name));
    return { outputs, record };
  }

  /** Runs every node through `runOne`, respecting dependencies. Must stop at the first failure. */
  protected abstract executeNodes(nodes: readonly Node[], runOne: (node: Node) => Promise<void>): Promise<void>;
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** One node at a time, in topological order. */
export class SequentialRunner extends Runner {
  protected async executeNodes(nodes: readonly Node[], runOne: (node: Node) => Promise<void>): Promise<void> {
    for (const n of nodes) await runOne(n);
  }
}

/**
 * Runs independent nodes at the same time (up to `maxConcurrency`), for nodes that wait on I/O
 * (databases, object stores, HTTP). Nodes share one thread, so CPU-bound nodes gain nothing.
 */
export class ConcurrentRunner extends Runner {
  readonly #max: number;

  constructor(maxConcurrency = 4) {
    super();
    this.#max = Math.max(1, maxConcurrency);
  }

  protected async executeNodes(nodes: readonly Node[], runOne: (node: Node) => Promise<void>): Promise<void> {
    const producer = new Map<string, Node>();
    for (const n of nodes) for (const o of n.outputNames) producer.set(o, n);
    const waiting = new Map<Node, number>();
    const dependents = new Map<Node, Node[]>();
    for (const n of nodes) {
      const deps = new Set(n.inputNames.map((i) => producer.get(i)).filter((p): p is Node => p !== undefined && p !== n));
      waiting.set(n, deps.size);
      for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n]);
    }
    const ready = nodes.filter((n) => waiting.get(n) === 0);
    let running = 0;
    let failed: unknown;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        if (failed !== undefined) {
          if (running === 0) reject(failed);
          return;
        }
        if (done === nodes.length) return resolve();
        while (running < this.#max && ready.length > 0) {
          const n = ready.shift()!;
          running++;
          runOne(n).then(
            () => {
              running--;
              done++;
              for (const m of dependents.get(n) ?? []) {
                const w = waiting.get(m)! - 1;
                waiting.set(m, w);
                if (w === 0) ready.push(m);
              }
              pump();
            },
            (err: unknown) => {
              running--;
              failed ??= err;
              pump();
            },
          );
        }
      };
      pump();
    });
  }
}

const nodeFailure = (node: Node, func: string, err: unknown): DagrunError => {
  if (err instanceof NodeError && err.code === 'DAGRUN_ERR_NODE_OUTPUT') return err;
  if (err instanceof DagrunError && err.code.startsWith('DAGRUN_ERR_DATASET')) {
    return new NodeError(err.code, `Node '${node.name}' (${func}): ${err.detail}`, { cause: err, hint: err.hint });
  }
  const original = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return new NodeError('DAGRUN_ERR_NODE_FAILED', `Node '${node.name}' (${func}) failed: ${original}`, { cause: err, location: node.location });
};
