// Inference plans: a pipeline resolved once, then run many times in memory on request data. Whatever the
// nodes read that the request does not provide (models, encoders, parameters) is loaded from the catalog
// when the plan is built, at the version asked for or the latest, and never again; a run only passes
// values between the nodes' functions, with no catalog, hook or record in between (what `dagrun serve`
// needs to answer in microseconds).

import type { DataCatalog } from './catalog.js';
import { DagrunError, NodeError, PipelineError } from './errors.js';
import { isParamInput, type Node } from './pipeline/node.js';
import type { Pipeline } from './pipeline/pipeline.js';

export interface InferenceOptions {
  /** The pipeline to serve. */
  readonly pipeline: string;
  /** Datasets each run is given (the request), free inputs of the pipeline. */
  readonly inputs: readonly string[];
  /** Datasets each run returns; only the nodes they need are kept. */
  readonly outputs: readonly string[];
  /** Versions of the datasets loaded at build time (default: the latest of each versioned one). */
  readonly loadVersions?: Readonly<Record<string, string>> | ReadonlyMap<string, string> | undefined;
}

/** A dataset loaded when the plan was built. */
export interface LoadedArtifact {
  readonly name: string;
  /** The version loaded, for versioned datasets. */
  readonly version: string | undefined;
  readonly type: string;
}

/** A pipeline ready to run on request data; immutable, so a server can swap plans atomically. */
export class InferencePlan {
  readonly pipeline: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** What was loaded from the catalog at build time (models, tables), with versions. */
  readonly artifacts: readonly LoadedArtifact[];
  /** When the plan was built. */
  readonly builtAt: Date;
  readonly #nodes: readonly Node[];
  readonly #constants: ReadonlyMap<string, unknown>;

  constructor(init: { pipeline: string; inputs: readonly string[]; outputs: readonly string[]; artifacts: readonly LoadedArtifact[]; nodes: readonly Node[]; constants: ReadonlyMap<string, unknown> }) {
    this.pipeline = init.pipeline;
    this.inputs = init.inputs;
    this.outputs = init.outputs;
    this.artifacts = init.artifacts;
    this.builtAt = new Date();
    this.#nodes = init.nodes;
    this.#constants = init.constants;
  }

  /** The value a dataset was loaded with at build time (e.g. the model), or undefined. */
  artifact(name: string): unknown {
    return this.#constants.get(name);
  }

  /** The nodes a run calls, in order. */
  get nodes(): readonly Node[] {
    return this.#nodes;
  }

  /**
   * Runs the nodes on `request` (a value for each of `inputs`) and returns a value for each of `outputs`.
   * Synchronous when every node is; a Promise as soon as one node returns one. A node that throws gives
   * a NodeError naming it (the original error as its cause).
   */
  run(request: Readonly<Record<string, unknown>>): Record<string, unknown> | Promise<Record<string, unknown>> {
    const values = new Map(this.#constants);
    for (const name of this.inputs) values.set(name, request[name]);
    return this.#from(0, values);
  }

  #from(start: number, values: Map<string, unknown>): Record<string, unknown> | Promise<Record<string, unknown>> {
    const nodes = this.#nodes;
    for (let i = start; i < nodes.length; i++) {
      const node = nodes[i]!;
      let result: unknown;
      try {
        result = node.call(values);
      } catch (err) {
        throw failure(node, err);
      }
      if (result instanceof Promise) {
        return result.then(
          (r) => {
            this.#store(node, r, values);
            return this.#from(i + 1, values);
          },
          (err: unknown) => {
            throw failure(node, err);
          },
        );
      }
      this.#store(node, result, values);
    }
    const out: Record<string, unknown> = {};
    for (const name of this.outputs) out[name] = values.get(name);
    return out;
  }

  #store(node: Node, result: unknown, values: Map<string, unknown>): void {
    const outputs = node.mapOutputs(result);
    if (typeof outputs === 'string') {
      throw new NodeError('DAGRUN_ERR_NODE_OUTPUT', `Node '${node.name}' (${node.funcRef ?? node.func.name}) returned a value that does not fit its outputs: ${outputs}.`, { location: node.location });
    }
    for (const [k, v] of outputs) values.set(k, v);
  }
}

const failure = (node: Node, err: unknown): DagrunError => {
  if (err instanceof DagrunError) return err;
  const original = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return new NodeError('DAGRUN_ERR_NODE_FAILED', `Node '${node.name}' (${node.funcRef ?? node.func.name}) failed: ${original}`, { cause: err, location: node.location });
};

/**
 * Builds the plan: keeps the nodes the outputs need, checks that the request inputs are free inputs of
 * what is kept, and loads every other free input from the catalog (parameters included) once.
 */
export const buildInferencePlan = async (full: Pipeline, catalog: DataCatalog, opts: InferenceOptions, versionOf: (name: string) => string | undefined): Promise<InferencePlan> => {
  const produced = new Set(full.nodes.flatMap((n) => n.outputNames));
  const badOutputs = opts.outputs.filter((o) => !produced.has(o));
  if (opts.outputs.length === 0 || badOutputs.length > 0) {
    throw new PipelineError('DAGRUN_ERR_INFERENCE_SPEC', `Inference outputs of pipeline '${opts.pipeline}': expected datasets its nodes produce (${[...produced].join(', ')}), but got ${badOutputs.length > 0 ? badOutputs.map((o) => `'${o}'`).join(', ') : 'none'}.`);
  }
  const p = full.toOutputs([...opts.outputs]);
  const free = new Set(p.inputs());
  const badInputs = opts.inputs.filter((i) => !free.has(i));
  if (badInputs.length > 0) {
    throw new PipelineError('DAGRUN_ERR_INFERENCE_SPEC', `Inference inputs of pipeline '${opts.pipeline}': expected free inputs of the nodes that produce ${opts.outputs.join(', ')} (${[...free].join(', ') || 'none'}), but got ${badInputs.map((i) => `'${i}'`).join(', ')}.`);
  }
  const constants = new Map<string, unknown>();
  const artifacts: LoadedArtifact[] = [];
  const request = new Set(opts.inputs);
  for (const name of free) {
    if (request.has(name)) continue;
    constants.set(name, await catalog.load(name));
    if (!isParamInput(name) && name !== 'parameters') {
      artifacts.push({ name, version: versionOf(name), type: String(catalog.describe(name).type ?? 'memory') });
    }
  }
  return new InferencePlan({ pipeline: opts.pipeline, inputs: [...opts.inputs], outputs: [...opts.outputs], artifacts, nodes: p.nodes, constants });
};
