// Calling a node: the one place where a node's function is called on its input values, what it returns
// is split into its declared outputs, and its failure becomes a NodeError naming it. Runners and
// inference plans both call nodes through callNode, so a node behaves the same wherever it runs.

import { NodeError } from './errors.js';
import type { Node } from './pipeline/node.js';

/**
 * Calls `node` with `inputs` (values in the order of `node.inputNames`) and returns the values of its
 * outputs (in the order of `node.outputNames`). Synchronous when the function is; a Promise when it
 * returns one. Throws (or rejects with) a NodeError: DAGRUN_ERR_NODE_FAILED when the function throws,
 * with the original error as its cause; DAGRUN_ERR_NODE_OUTPUT when the result does not fit the outputs.
 */
export const callNode = (node: Node, inputs: readonly unknown[]): unknown[] | Promise<unknown[]> => {
  let result: unknown;
  try {
    result = invoke(node, inputs);
  } catch (err) {
    throw nodeFailure(node, err);
  }
  if (result instanceof Promise) {
    return result.then(
      (r: unknown) => outputsOf(node, r),
      (err: unknown) => {
        throw nodeFailure(node, err);
      },
    );
  }
  return outputsOf(node, result);
};

/** The function's own name for messages: its pipeline.yaml reference, else its JavaScript name. */
export const funcName = (node: Node): string => node.funcRef ?? (node.func.name || 'anonymous');

// List inputs are positional arguments; map inputs one object keyed by argument name. Small argument
// counts are spelled out: a spread call allocates, and serving calls nodes once per request.
const invoke = (node: Node, inputs: readonly unknown[]): unknown => {
  const keys = node.inputKeys;
  if (keys !== undefined) {
    const arg: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) arg[keys[i]!] = inputs[i];
    return node.func(arg);
  }
  switch (inputs.length) {
    case 0:
      return node.func();
    case 1:
      return node.func(inputs[0]);
    case 2:
      return node.func(inputs[0], inputs[1]);
    case 3:
      return node.func(inputs[0], inputs[1], inputs[2]);
    default:
      return node.func(...inputs);
  }
};

const outputsOf = (node: Node, result: unknown): unknown[] => {
  const outputs = node.splitOutputs(result);
  if (typeof outputs === 'string') {
    throw new NodeError(
      'DAGRUN_ERR_NODE_OUTPUT',
      `Node '${node.name}' (${funcName(node)}) returned a value that does not fit its outputs: ${outputs}.`,
      { location: node.location },
    );
  }
  return outputs;
};

/** The error a node's function threw, as a NodeError naming the node (the original kept as cause). */
const nodeFailure = (node: Node, err: unknown): NodeError => {
  const original = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return new NodeError('DAGRUN_ERR_NODE_FAILED', `Node '${node.name}' (${funcName(node)}) failed: ${original}`, {
    cause: err,
    location: node.location,
  });
};
