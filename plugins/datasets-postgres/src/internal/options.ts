// Checks the options schema cannot express, made when the catalog is built (so `dagrun check` reports
// them with the entry's line): identifiers PostgreSQL would cut or refuse, and a schema-qualified table.

import { CatalogError } from '@dagrun/core';
import { identifierProblem } from './sql.js';

/** Throws a DAGRUN_ERR_CATALOG_OPTIONS error when `name` (the value of `field`) is no usable identifier. */
export const checkIdentifier = (dataset: string, type: string, field: string, name: string | undefined): void => {
  const problem = name === undefined ? undefined : identifierProblem(name);
  if (!problem) return;
  throw new CatalogError(
    'DAGRUN_ERR_CATALOG_OPTIONS',
    `Catalog entry '${dataset}' (${type}), field '${field}': expected a PostgreSQL identifier, but got ${problem}.`,
  );
};

/** The same for each name of a list option, naming the item (`columns.2`). */
export const checkIdentifiers = (
  dataset: string,
  type: string,
  field: string,
  names: readonly string[] | undefined,
): void => {
  for (const [i, name] of (names ?? []).entries()) checkIdentifier(dataset, type, `${field}.${i}`, name);
};

/** `table: analytics.listings` without `schema:` is almost always meant as schema and table. */
export const checkUnqualified = (dataset: string, type: string, table: string, schema: string | undefined): void => {
  if (schema !== undefined || !table.includes('.')) return;
  const [s, ...rest] = table.split('.');
  throw new CatalogError(
    'DAGRUN_ERR_CATALOG_OPTIONS',
    `Catalog entry '${dataset}' (${type}), field 'table': expected a table name without its schema, ` +
      `but got '${table}'.`,
    {
      hint:
        `Hint: write schema: ${s} and table: ${rest.join('.')} (a name is taken exactly as written, ` +
        `dots included, once schema is given).`,
    },
  );
};
