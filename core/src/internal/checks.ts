// The checks `dagrun check` and every run make before anything runs: inputs nothing provides, unknown
// parameters, inputs a partial run cannot get, outputs nobody reads (typos), functions whose parameters do
// not match their inputs. Each problem is reported with its file:line, all together.

import type { DataCatalog } from './catalog.js';
import { closest, ConfigError, didYouMean, PipelineError, type DagrunError } from './errors.js';
import { functionArity } from './arity.js';
import { isParamInput, type Node } from './pipeline/node.js';
import type { Pipeline, PipelineFilter } from './pipeline/pipeline.js';

/** What the checks of one pipeline need to know about the project. */
export interface CheckContext {
  readonly catalog: DataCatalog;
  /** `params:a.b` keys parameters.yaml defines. */
  readonly params: ReadonlyMap<string, unknown>;
  /** False when parameters.yaml or catalog.yaml could not be read: their absence then says nothing. */
  readonly paramsReadable: boolean;
  readonly catalogReadable: boolean;
}

/** Problems with the nodes of one pipeline (as declared, even when they do not form a valid Pipeline). */
export const checkNodes = (
  nodes: readonly Node[],
  ctx: CheckContext,
): { errors: DagrunError[]; warnings: DagrunError[] } => {
  const errors: DagrunError[] = [];
  const warnings: DagrunError[] = [];
  const { catalog, params } = ctx;
  const produced = new Set(nodes.flatMap((n) => n.outputNames));
  const consumed = new Set(nodes.flatMap((n) => n.inputNames));
  for (const n of nodes) {
    for (const input of n.inputNames) {
      if (isParamInput(input)) {
        if (!params.has(input) && ctx.paramsReadable) {
          const mean = didYouMean(
            input,
            [...params.keys()].filter((k) => k !== 'parameters'),
          );
          errors.push(
            new ConfigError(
              'DAGRUN_ERR_PARAMS_UNKNOWN',
              `Parameter '${input}' of node '${n.name}': ` +
                `expected a key defined in parameters.yaml, but got no such key.`,
              {
                location: n.location,
                hint: mean
                  ? `Hint: ${mean}`
                  : `Hint: add '${input.slice('params:'.length)}' to conf/base/parameters.yaml.`,
              },
            ),
          );
        }
      } else if (!produced.has(input) && !catalog.has(input) && !catalog.isBroken(input) && ctx.catalogReadable) {
        const mean = didYouMean(input, [...new Set([...produced, ...catalog.list()])]);
        errors.push(
          new PipelineError(
            'DAGRUN_ERR_PIPELINE_MISSING_INPUT',
            `Input '${input}' of node '${n.name}': expected a node output or a catalog entry, but got neither.`,
            {
              location: n.location,
              hint: mean
                ? `Hint: ${mean}`
                : 'Hint: declare it in conf/base/catalog.yaml, or add the node that produces it.',
            },
          ),
        );
      }
    }
    const arity = checkArity(n);
    if (arity) errors.push(arity);
  }
  if (!ctx.catalogReadable) return { errors, warnings };
  // Free inputs read from the catalog: a typo in an output name leaves its reader loading a stale file.
  const readNotWritten = [...consumed].filter((d) => !isParamInput(d) && !produced.has(d) && catalog.isDeclared(d));
  for (const n of nodes) {
    for (const output of n.outputNames) {
      if (consumed.has(output) || catalog.isDeclared(output) || catalog.isBroken(output)) continue;
      const near = closest(output, readNotWritten);
      if (near.length > 0) {
        const reader = nodes.find((m) => m.inputNames.includes(near[0]!))!.name;
        errors.push(
          new PipelineError(
            'DAGRUN_ERR_PIPELINE_UNREAD_OUTPUT',
            `Output '${output}' of node '${n.name}': ` +
              `expected a dataset that a node reads or the catalog declares, but got neither, ` +
              `while a catalog entry with a close name is read (by '${reader}') and written by no node.`,
            {
              location: n.location,
              hint: `Hint: ${didYouMean(output, near)} Otherwise '${reader}' loads whatever an earlier run saved.`,
            },
          ),
        );
      } else {
        warnings.push(
          new PipelineError(
            'DAGRUN_ERR_PIPELINE_UNREAD_OUTPUT',
            `Output '${output}' of node '${n.name}': ` +
              `expected a dataset that a node reads or the catalog declares, but got neither; ` +
              `it is computed and dropped.`,
            {
              location: n.location,
              hint:
                `Hint: declare it in catalog.yaml (type: memory keeps it in memory on purpose), ` +
                `or silence this warning with 'silence: [unread-output]' in dagrun.yaml.`,
            },
          ),
        );
      }
    }
  }
  return { errors, warnings };
};

/** A node whose function declares a number of parameters that its list of inputs cannot fill. */
const checkArity = (n: Node): DagrunError | undefined => {
  const arity = functionArity(n.func);
  if (!arity) return undefined;
  const given = n.inputKeys === undefined ? n.inputNames.length : 1;
  if (given >= arity.min && given <= arity.max) return undefined;
  const count =
    arity.min === arity.max ? arity.max : `${arity.min} to ${arity.max === Infinity ? 'any number of' : arity.max}`;
  const declared = `${count} parameter${arity.max === 1 ? '' : 's'} (${arity.names.join(', ') || 'none'})`;
  const what =
    n.inputKeys === undefined
      ? `${given} input${given === 1 ? '' : 's'} [${n.inputNames.join(', ')}]`
      : 'one object of named inputs';
  return new PipelineError(
    'DAGRUN_ERR_FUNC_ARITY',
    `Function of node '${n.name}' (${n.funcRef ?? n.func.name}): expected parameters for ${what}, but got ${declared}.`,
    {
      location: n.location,
      hint:
        given < arity.min
          ? 'Hint: add the missing inputs to the node, or give the extra parameters default values.'
          : 'Hint: remove the extra inputs from the node, or add parameters to the function.',
    },
  );
};

/** Inputs of a partial run that only a node outside it produces and that vanish with the process. */
export const checkPartialRun = (p: Pipeline, filter: PipelineFilter, catalog: DataCatalog): DagrunError[] => {
  let f: Pipeline;
  try {
    f = p.filter(filter);
  } catch (err) {
    return [err as DagrunError];
  }
  const errors: DagrunError[] = [];
  for (const input of f.inputs()) {
    const producer = p.producerOf(input);
    if (producer && !catalog.isPersistent(input)) {
      errors.push(
        new PipelineError(
          'DAGRUN_ERR_PIPELINE_UNAVAILABLE_INPUT',
          `Input '${input}' of this partial run: expected it saved in the catalog, ` +
            `but got an in-memory dataset that node '${producer.name}' (not in this run) produces.`,
          {
            location: f.consumersOf(input)[0]?.location,
            hint:
              `Hint: include '${producer.name}' in the run (e.g. --from-nodes ${producer.name}), ` +
              `or declare '${input}' in catalog.yaml with a file type.`,
          },
        ),
      );
    }
  }
  return errors;
};
