// A node: a function plus declared input and output names, checked when the node is built.
// Inputs are a list (positional arguments) or a map (one named object); outputs none, one, a list or a map.

import { describeValue } from '../describe.js';
import { CheckError, PipelineError, type DagrunError, type SourceLocation } from '../errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NodeFunction = (...args: any[]) => unknown;

export type InputsSpec = string | readonly string[] | Readonly<Record<string, string>> | null | undefined;
export type OutputsSpec = string | readonly string[] | Readonly<Record<string, string>> | null | undefined;

export interface NodeSpec {
  readonly func: NodeFunction;
  readonly inputs?: InputsSpec;
  readonly outputs?: OutputsSpec;
  /** Default: the function's name. */
  readonly name?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly namespace?: string | undefined;
  /** `path/to/module.ts#export`, when the node came from pipeline.yaml. */
  readonly funcRef?: string | undefined;
  /** Where the node is declared, for messages. */
  /** Where the node is declared, or a function computing it on first use (positions cost a parse). */
  readonly location?: SourceLocation | (() => SourceLocation) | undefined;
}

type Inputs =
  | { readonly kind: 'list'; readonly names: readonly string[] }
  | { readonly kind: 'map'; readonly map: Readonly<Record<string, string>> };
type Outputs =
  | { readonly kind: 'none' }
  | { readonly kind: 'single'; readonly name: string }
  | { readonly kind: 'list'; readonly names: readonly string[] }
  | { readonly kind: 'map'; readonly map: Readonly<Record<string, string>> };

export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.\-:]*$/;

export class Node {
  readonly name: string;
  readonly func: NodeFunction;
  readonly funcRef: string | undefined;
  readonly tags: readonly string[];
  readonly namespace: string | undefined;
  #location: SourceLocation | (() => SourceLocation) | undefined;
  readonly #inputs: Inputs;
  readonly #outputs: Outputs;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The argument keys of map inputs, in the order of `inputNames`; undefined for list inputs (positional). */
  readonly inputKeys: readonly string[] | undefined;

  constructor(spec: NodeSpec) {
    this.func = spec.func;
    this.funcRef = spec.funcRef;
    this.name = spec.name ?? (spec.func.name || 'anonymous');
    this.tags = [...new Set(spec.tags ?? [])];
    this.namespace = spec.namespace;
    this.#location = spec.location;
    const i = spec.inputs;
    this.#inputs =
      i == null
        ? { kind: 'list', names: [] }
        : typeof i === 'string'
          ? { kind: 'list', names: [i] }
          : isList(i)
            ? { kind: 'list', names: [...i] }
            : { kind: 'map', map: { ...i } };
    const o = spec.outputs;
    this.#outputs =
      o == null
        ? { kind: 'none' }
        : typeof o === 'string'
          ? { kind: 'single', name: o }
          : isList(o)
            ? { kind: 'list', names: [...o] }
            : { kind: 'map', map: { ...o } };
    this.inputNames = this.#inputs.kind === 'list' ? this.#inputs.names : Object.values(this.#inputs.map);
    this.inputKeys = this.#inputs.kind === 'map' ? Object.keys(this.#inputs.map) : undefined;
    this.outputNames =
      this.#outputs.kind === 'none'
        ? []
        : this.#outputs.kind === 'single'
          ? [this.#outputs.name]
          : this.#outputs.kind === 'list'
            ? this.#outputs.names
            : Object.values(this.#outputs.map);
    const problems = this.validate();
    if (problems.length === 1) throw problems[0];
    if (problems.length > 1) throw new CheckError(`node '${this.name}'`, problems);
  }

  /** Problems with the node's own declaration (Kedro's Node.__init__ checks). */
  validate(): DagrunError[] {
    const errs: DagrunError[] = [];
    const bad = (detail: string) =>
      errs.push(new PipelineError('DAGRUN_ERR_PIPELINE_INVALID_NODE', detail, { location: this.location }));
    if (!NAME_RE.test(this.name))
      bad(
        `Node name '${this.name}': ` +
          `expected letters, digits, '_', '.', '-' starting with a letter or '_', but got '${this.name}'.`,
      );
    for (const n of [...this.inputNames, ...this.outputNames]) {
      if (typeof n !== 'string' || !NAME_RE.test(n))
        bad(
          `Dataset name in node '${this.name}': ` +
            `expected letters, digits, '_', '.', '-', ':', but got ${JSON.stringify(n)}.`,
        );
    }
    if (this.#inputs.kind === 'map') {
      for (const k of Object.keys(this.#inputs.map))
        if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k))
          bad(
            `Input key '${k}' of node '${this.name}': ` +
              `expected an identifier (it becomes a property of the argument object), but got '${k}'.`,
          );
    }
    const seen = new Set<string>();
    for (const o of this.outputNames) {
      if (seen.has(o)) bad(`Outputs of node '${this.name}': expected each output once, but got '${o}' twice.`);
      seen.add(o);
      if (this.inputNames.includes(o))
        bad(`Node '${this.name}': expected outputs distinct from inputs, but got '${o}' as both.`);
      if (o === 'parameters' || o.startsWith('params:'))
        bad(`Node '${this.name}': expected outputs to be datasets, but got parameter '${o}'.`);
    }
    return errs;
  }

  /** Where the node is declared (file:line), for messages. */
  get location(): SourceLocation | undefined {
    if (typeof this.#location === 'function') this.#location = this.#location();
    return this.#location;
  }

  get inputsKind(): 'list' | 'map' {
    return this.#inputs.kind;
  }

  get outputsKind(): Outputs['kind'] {
    return this.#outputs.kind;
  }

  /** The declared inputs and outputs as written (list or map), for display and JSON. */
  get inputsSpec(): readonly string[] | Readonly<Record<string, string>> {
    return this.#inputs.kind === 'list' ? this.#inputs.names : this.#inputs.map;
  }

  get outputsSpec(): string | readonly string[] | Readonly<Record<string, string>> | null {
    const o = this.#outputs;
    return o.kind === 'none' ? null : o.kind === 'single' ? o.name : o.kind === 'list' ? o.names : o.map;
  }

  /** Splits what the function returned into the values of `outputNames`, in order; a problem sentence on mismatch. */
  splitOutputs(result: unknown): unknown[] | string {
    const o = this.#outputs;
    switch (o.kind) {
      case 'none':
        return [];
      case 'single':
        return [result];
      case 'list': {
        if (!Array.isArray(result) || result.length !== o.names.length)
          return (
            `expected an array of ${o.names.length} values for outputs [${o.names.join(', ')}], ` +
            `but got ${describeValue(result)}`
          );
        return result.slice();
      }
      case 'map': {
        if (result === null || typeof result !== 'object' || Array.isArray(result))
          return `expected an object with keys ${Object.keys(o.map).join(', ')}, but got ${describeValue(result)}`;
        const missing = Object.keys(o.map).filter((k) => !(k in result));
        if (missing.length > 0)
          return (
            `expected an object with keys ${Object.keys(o.map).join(', ')}, but got ` +
            `no ${missing.map((m) => `'${m}'`).join(', ')} (it has ${Object.keys(result).join(', ') || 'no keys'})`
          );
        return Object.keys(o.map).map((k) => (result as Record<string, unknown>)[k]);
      }
    }
  }

  /** A copy with a different name, namespace or dataset names (used by modular pipelines). */
  rename(name: string, namespace: string | undefined, renameDataset: (n: string) => string): Node {
    const mapInputs =
      this.#inputs.kind === 'list'
        ? this.#inputs.names.map(renameDataset)
        : Object.fromEntries(Object.entries(this.#inputs.map).map(([k, v]) => [k, renameDataset(v)]));
    const o = this.#outputs;
    const mapOutputs =
      o.kind === 'none'
        ? null
        : o.kind === 'single'
          ? renameDataset(o.name)
          : o.kind === 'list'
            ? o.names.map(renameDataset)
            : Object.fromEntries(Object.entries(o.map).map(([k, v]) => [k, renameDataset(v)]));
    return new Node({
      func: this.func,
      funcRef: this.funcRef,
      name,
      namespace,
      tags: this.tags,
      inputs: mapInputs,
      outputs: mapOutputs,
      location: this.#location,
    });
  }

  /** A copy with extra tags. */
  withTags(tags: readonly string[]): Node {
    if (tags.length === 0) return this;
    return new Node({
      func: this.func,
      funcRef: this.funcRef,
      name: this.name,
      namespace: this.namespace,
      tags: [...this.tags, ...tags],
      inputs: this.inputsSpec,
      outputs: this.outputsSpec,
      location: this.#location,
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      func: this.funcRef ?? (this.func.name || 'anonymous'),
      inputs: this.inputsSpec,
      outputs: this.outputsSpec,
      tags: this.tags,
      namespace: this.namespace ?? null,
      ...(this.location ? { location: this.location } : {}),
    };
  }
}

const isList = (v: unknown): v is readonly string[] => Array.isArray(v);

/** Lowercase factory, as in Kedro: node({ func, inputs, outputs }). */
export const node = (spec: NodeSpec): Node => new Node(spec);

/** Whether an input name is a parameter reference rather than a dataset. */
export const isParamInput = (name: string): boolean => name === 'parameters' || name.startsWith('params:');
