// nodejs-polars for this plugin's DataFrames, imported on first use so a project that lists the plugin
// but loads no table starts fast. Its own copy: a plugin imports no other plugin.

import type { DataFrame } from 'nodejs-polars';

export type Polars = typeof import('nodejs-polars').default;

let polars: Polars | undefined;
export const loadPolars = async (): Promise<Polars> => {
  polars ??= (await import('nodejs-polars')).default;
  return polars;
};

/** A DataFrame by shape, so a second copy of polars in node_modules still counts. */
export const isDataFrame = (v: unknown): v is DataFrame =>
  v !== null &&
  typeof v === 'object' &&
  typeof (v as DataFrame).writeCSV === 'function' &&
  Array.isArray((v as DataFrame).columns);
