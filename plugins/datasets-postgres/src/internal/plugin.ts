// The dagrun plugin of this package: registers the postgres.table and postgres.query dataset types.
// List it in dagrun.yaml (`plugins: ['@dagrun/datasets-postgres']`).

import { definePlugin } from '@dagrun/core';
import { queryType } from './query.js';
import { tableType } from './table.js';

export const postgresPlugin = definePlugin({
  name: '@dagrun/datasets-postgres',
  engine: '^0.1.0',
  register(api) {
    api.registerDatasetType(tableType);
    api.registerDatasetType(queryType);
  },
});
