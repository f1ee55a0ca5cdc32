// The dagrun plugin of this package: adds the `dagrun viz` command.

import { definePlugin } from '@dagrun/core';
import { vizCommand } from './command.js';

export const vizPlugin = definePlugin({
  name: '@dagrun/viz',
  engine: '^0.1.0',
  register(api) {
    api.registerCommand(vizCommand);
  },
});
