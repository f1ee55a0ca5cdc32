// Inference plans: a pipeline resolved once, then run many times in memory on request data. Whatever the
// nodes read that the request does not provide (models, encoders, parameters) is loaded from the catalog
// when the plan is built, at the version asked for or the latest, and never again; a run only passes
// values between the nodes' functions, with no catalog, hook or record in between (what `dagrun serve`
// needs to answer in microseconds).

import type { DataCatalog } from './catalog.js';
import { PipelineError } from './errors.js';
import { callNode } from './node-call.js';
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

/** A node as a run calls it: its inputs and outputs as slots of an array fixed when the plan is built. */
interface Step {
  readonly node: Node;
  /** Slots of its inputs, in the order of `node.inputNames`. */
  readonly args: readonly number[];
  /** Slots of its outputs, in the order of `node.outputNames`. */
  readonly outs: readonly number[];
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
  /** Dataset name → slot. */
  readonly #slot = new Map<string, number>();
  /** The slots a run starts from: the constants (what was loaded at build time) in place, the rest undefined. */
  readonly #template: unknown[];
  readonly #inputSlots: readonly number[];
  readonly #outputSlots: readonly number[];
  readonly #steps: readonly Step[];

  constructor(init: {
    pipeline: string;
    inputs: readonly string[];
    outputs: readonly string[];
    artifacts: readonly LoadedArtifact[];
    nodes: readonly Node[];
    constants: ReadonlyMap<string, unknown>;
  }) {
    this.pipeline = init.pipeline;
    this.inputs = init.inputs;
    this.outputs = init.outputs;
    this.artifacts = init.artifacts;
    this.builtAt = new Date();
    this.#nodes = init.nodes;
    const slotOf = (name: string): number => {
      let i = this.#slot.get(name);
      if (i === undefined) this.#slot.set(name, (i = this.#slot.size));
      return i;
    };
    for (const name of init.constants.keys()) slotOf(name);
    this.#inputSlots = init.inputs.map(slotOf);
    this.#steps = init.nodes.map((node) => ({
      node,
      args: node.inputNames.map(slotOf),
      outs: node.outputNames.map(slotOf),
    }));
    this.#outputSlots = init.outputs.map(slotOf);
    this.#template = new Array<unknown>(this.#slot.size).fill(undefined);
    for (const [name, value] of init.constants) this.#template[this.#slot.get(name)!] = value;
  }

  /** The value a dataset was loaded with at build time (e.g. the model), or undefined. */
  artifact(name: string): unknown {
    const slot = this.#slot.get(name);
    return slot === undefined ? undefined : this.#template[slot];
  }

  /** The nodes a run calls, in order. */
  get nodes(): readonly Node[] {
    return this.#nodes;
  }

  /**
   * Runs the nodes on `request` (a value for each of `inputs`) and returns a value for each of `outputs`.
   * Synchronous when every node is; a Promise as soon as one node returns one. Nodes are called through
   * callNode, so a node that throws gives the same NodeError as in a run (the original error as its cause).
   */
  run(request: Readonly<Record<string, unknown>>): Record<string, unknown> | Promise<Record<string, unknown>> {
    const slots = this.#template.slice();
    for (let i = 0; i < this.inputs.length; i++) slots[this.#inputSlots[i]!] = request[this.inputs[i]!];
    return this.#from(0, slots);
  }

  #from(start: number, slots: unknown[]): Record<string, unknown> | Promise<Record<string, unknown>> {
    const steps = this.#steps;
    for (let i = start; i < steps.length; i++) {
      const step = steps[i]!;
      const args = new Array<unknown>(step.args.length);
      for (let j = 0; j < args.length; j++) args[j] = slots[step.args[j]!];
      const outputs = callNode(step.node, args);
      if (outputs instanceof Promise) {
        return outputs.then((values) => {
          store(step, values, slots);
          return this.#from(i + 1, slots);
        });
      }
      store(step, outputs, slots);
    }
    const out: Record<string, unknown> = {};
    for (let i = 0; i < this.outputs.length; i++) out[this.outputs[i]!] = slots[this.#outputSlots[i]!];
    return out;
  }
}

const store = (step: Step, values: readonly unknown[], slots: unknown[]): void => {
  for (let j = 0; j < values.length; j++) slots[step.outs[j]!] = values[j];
};

/**
 * Builds the plan: keeps the nodes the outputs need, checks that the request inputs are free inputs of
 * what is kept, and loads every other free input from the catalog (parameters included) once.
 */
export const buildInferencePlan = async (
  full: Pipeline,
  catalog: DataCatalog,
  opts: InferenceOptions,
  versionOf: (name: string) => string | undefined,
): Promise<InferencePlan> => {
  const produced = new Set(full.nodes.flatMap((n) => n.outputNames));
  const badOutputs = opts.outputs.filter((o) => !produced.has(o));
  if (opts.outputs.length === 0 || badOutputs.length > 0) {
    throw new PipelineError(
      'DAGRUN_ERR_INFERENCE_SPEC',
      `Inference outputs of pipeline '${opts.pipeline}': ` +
        `expected datasets its nodes produce (${[...produced].join(', ')}), ` +
        `but got ${badOutputs.length > 0 ? badOutputs.map((o) => `'${o}'`).join(', ') : 'none'}.`,
    );
  }
  const p = full.toOutputs([...opts.outputs]);
  const free = new Set(p.inputs());
  const badInputs = opts.inputs.filter((i) => !free.has(i));
  if (badInputs.length > 0) {
    throw new PipelineError(
      'DAGRUN_ERR_INFERENCE_SPEC',
      `Inference inputs of pipeline '${opts.pipeline}': ` +
        `expected free inputs of the nodes that produce ${opts.outputs.join(', ')} ` +
        `(${[...free].join(', ') || 'none'}), but got ${badInputs.map((i) => `'${i}'`).join(', ')}.`,
    );
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
  return new InferencePlan({
    pipeline: opts.pipeline,
    inputs: [...opts.inputs],
    outputs: [...opts.outputs],
    artifacts,
    nodes: p.nodes,
    constants,
  });
};
