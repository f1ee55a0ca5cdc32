// The dagrun plugin of this package: registers the RegressionModel codec, so a catalog entry
// `{ type: object, path: data/06_models/model.json, versioned: true }` saves and loads fitted models.

import { definePlugin } from '@dagrun/core';
import { regressionModelCodec } from './serialize.js';

export const mlPlugin = definePlugin({
  name: '@dagrun/ml',
  engine: '^0.1.0',
  register(api) {
    api.registerCodec(regressionModelCodec);
  },
});
