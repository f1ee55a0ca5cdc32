// Runners as template methods: the base loads inputs, drives hooks, times nodes, saves outputs and
// releases intermediates once no later node needs them; a subclass decides only how nodes are scheduled.

import type { Catalog } from './catalog.js';
import { DagrunError, NodeError, messageOf } from './errors.js';
import type { HookManager } from './hooks.js';
import { callNode, funcName } from './node-call.js';
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
      const r: NodeRecord = { name: n.name, func: funcName(n), status: 'not_run' };
      recs.set(n, r);
    }
    record.nodes = [...record.nodes.filter((r) => !pipeline.node(r.name)), ...recs.values()];
    const base = { runId: ctx.runId, pipelineName: ctx.pipelineName, pipeline, catalog, params: ctx.params };
    await hooks.call('beforePipelineRun', base);

    const total = nodes.length;
    const index = new Map(nodes.map((n, i) => [n, i]));
    const watchesInputs = hooks.has('beforeNodeRun') || hooks.has('afterNodeRun') || hooks.has('onNodeError');
    const runOne = async (node: Node): Promise<void> => {
      const rec = recs.get(node)!;
      const i = index.get(node)!;
      rec.startedAt = new Date().toISOString();
      const t0 = performance.now();
      let inputs: Record<string, unknown> = EMPTY;
      let loadMs = 0;
      let computeMs = 0;
      let saveMs = 0;
      try {
        const values = new Array<unknown>(node.inputNames.length);
        for (let k = 0; k < values.length; k++) values[k] = await catalog.load(node.inputNames[k]!, node);
        loadMs = performance.now() - t0;
        if (watchesInputs) inputs = Object.fromEntries(node.inputNames.map((name, k) => [name, values[k]]));
        await hooks.call('beforeNodeRun', { runId: ctx.runId, node, index: i, total, inputs });
        const c0 = performance.now();
        const outputs = await callNode(node, values);
        computeMs = performance.now() - c0;
        // Every output is checked (kind, contract) before any is written, so a node that fails on one output
        // leaves none.
        const ready = new Array<unknown>(outputs.length);
        for (let k = 0; k < outputs.length; k++)
          ready[k] = await catalog.prepareSave(node.outputNames[k]!, outputs[k], node);
        const s0 = performance.now();
        for (let k = 0; k < outputs.length; k++) {
          const name = node.outputNames[k]!;
          const d0 = performance.now();
          const info = await catalog.save(name, ready[k], node, { prepared: true });
          if (info?.location !== undefined || info?.version !== undefined || catalog.isDeclared(name)) {
            record.datasets.push({
              name,
              node: node.name,
              location: info?.location,
              version: info?.version,
              durationMs: performance.now() - d0,
            });
          }
        }
        saveMs = performance.now() - s0;
        Object.assign(rec, { status: 'ok', durationMs: performance.now() - t0, loadMs, computeMs, saveMs });
        await hooks.call('afterNodeRun', {
          runId: ctx.runId,
          node,
          index: i,
          total,
          inputs,
          outputs: Object.fromEntries(node.outputNames.map((name, k) => [name, outputs[k]])),
          durationMs: rec.durationMs!,
          loadMs,
          computeMs,
          saveMs,
        });
      } catch (err) {
        const wrapped = err instanceof NodeError ? err : datasetFailure(node, err);
        // The record keeps the function's own words when it threw; otherwise the error as raised.
        const own =
          err instanceof NodeError && err.code === 'DAGRUN_ERR_NODE_FAILED' && err.cause !== undefined
            ? err.cause
            : err;
        Object.assign(rec, {
          status: 'failed',
          durationMs: performance.now() - t0,
          error: { code: wrapped.code, message: messageOf(own) },
        });
        await hooks.call('onNodeError', { runId: ctx.runId, node, index: i, total, inputs, error: wrapped });
        throw wrapped;
      }
      for (const name of node.inputNames) {
        const left = (pending.get(name) ?? 1) - 1;
        pending.set(name, left);
        if (left === 0 && !freeOutputs.has(name)) await catalog.release(name);
      }
    };

    try {
      await this.executeNodes(pipeline, runOne);
    } finally {
      // Contract checks that broke rules, whether the run went on (drop, flag, warn) or stopped (fail).
      const contracts = catalog.contractReports?.() ?? [];
      if (contracts.length > 0) record.contracts = [...contracts];
    }

    const outputs = new Map<string, unknown>();
    for (const name of freeOutputs) if (!catalog.isDeclared(name)) outputs.set(name, await catalog.load(name));
    return { outputs, record };
  }

  /** Runs every node of `pipeline` through `runOne`, respecting dependencies. Must stop at the first failure. */
  protected abstract executeNodes(pipeline: Pipeline, runOne: (node: Node) => Promise<void>): Promise<void>;
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** One node at a time, in topological order. */
export class SequentialRunner extends Runner {
  protected async executeNodes(pipeline: Pipeline, runOne: (node: Node) => Promise<void>): Promise<void> {
    for (const n of pipeline.nodes) await runOne(n);
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

  protected async executeNodes(pipeline: Pipeline, runOne: (node: Node) => Promise<void>): Promise<void> {
    const nodes = pipeline.nodes;
    const waiting = new Map(nodes.map((n) => [n, pipeline.dependenciesOf(n).size]));
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
              for (const m of pipeline.dependentsOf(n)) {
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

/** A load, check or save failure inside a node's step, as a NodeError naming the node (the dataset error kept). */
const datasetFailure = (node: Node, err: unknown): NodeError => {
  if (err instanceof DagrunError)
    return new NodeError(err.code, `Node '${node.name}' (${funcName(node)}): ${err.detail}`, {
      cause: err,
      hint: err.hint,
    });
  return new NodeError('DAGRUN_ERR_NODE_FAILED', `Node '${node.name}' (${funcName(node)}) failed: ${messageOf(err)}`, {
    cause: err,
    location: node.location,
  });
};
