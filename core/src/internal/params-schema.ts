// Optional JSON Schemas for parameter groups, in `parameters.schema.yaml` beside parameters.yaml (layered
// like it): each top-level key names a group of parameters and holds the schema its value must match.
// Checked before any run, so a key missing inside `params:model_options` fails at its file:line.
//
//   # conf/base/parameters.schema.yaml
//   model_options:
//     type: object
//     required: [test_size, random_state]
//     properties:
//       test_size: { type: number, exclusiveMinimum: 0, exclusiveMaximum: 1 }

import type { ConfigLoader, ConfigSection } from './config.js';
import { isPlainObject } from './config.js';
import { ConfigError, type DagrunError } from './errors.js';
import { checkSchema, compileSchema, type JsonSchema } from './schema.js';

/** Problems of `params` against the schemas of parameters.schema.yaml; problems of the schema file go to `errors`. */
export const checkParamsSchema = (
  config: ConfigLoader,
  parameters: ConfigSection,
  params: Readonly<Record<string, unknown>>,
  errors: DagrunError[],
): DagrunError[] => {
  const schemas = config.load('parameters.schema', 'deep', errors);
  const problems: DagrunError[] = [];
  for (const [group, schema] of Object.entries(schemas.data)) {
    if (!isPlainObject(schema)) {
      problems.push(
        new ConfigError(
          'DAGRUN_ERR_PARAMS_SCHEMA',
          `Schema of parameter group '${group}': expected a JSON Schema (a mapping), ` +
            `but got ${schema === null ? 'null' : Array.isArray(schema) ? 'a list' : typeof schema}.`,
          { location: schemas.locate([group]) },
        ),
      );
      continue;
    }
    try {
      compileSchema(schema as JsonSchema);
    } catch (err) {
      problems.push(
        new ConfigError(
          'DAGRUN_ERR_PARAMS_SCHEMA',
          `Schema of parameter group '${group}': expected a valid JSON Schema, but got ${(err as Error).message}.`,
          { location: schemas.locate([group]) },
        ),
      );
      continue;
    }
    if (!Object.hasOwn(params, group)) {
      problems.push(
        new ConfigError(
          'DAGRUN_ERR_PARAMS_SCHEMA',
          `Parameter group '${group}': ` +
            `expected it in parameters.yaml (parameters.schema.yaml describes it), but got no such key.`,
          {
            location: schemas.locate([group], true),
            hint: `Hint: add '${group}:' to conf/base/parameters.yaml, or remove its schema.`,
          },
        ),
      );
      continue;
    }
    problems.push(
      ...checkSchema({
        schema: schema as JsonSchema,
        data: params[group],
        subject: `Parameters '${group}'`,
        code: 'DAGRUN_ERR_PARAMS_SCHEMA',
        locate: (p, k) => parameters.locate([group, ...p], k),
      }),
    );
  }
  return problems;
};
