// The dagrun plugin of this package: registers csv, parquet and excel, replaces core's json with one
// that also reads tables, and lets data contracts check polars DataFrames. List it in dagrun.yaml
// (`plugins: ['@dagrun/datasets-polars']`).

import { definePlugin } from '@dagrun/core';
import { polarsTableAdapter } from './table-adapter.js';
import { csvType, excelType, jsonType, parquetType } from './types.js';

export const polarsPlugin = definePlugin({
  name: '@dagrun/datasets-polars',
  engine: '^0.1.0',
  register(api) {
    api.registerDatasetType(csvType);
    api.registerDatasetType(parquetType);
    api.registerDatasetType(excelType);
    api.registerDatasetType(jsonType, { replaceBuiltin: true });
    // Data contracts (`contract:` on an entry) check polars DataFrames through this adapter.
    api.registerTableAdapter(polarsTableAdapter);
  },
});
