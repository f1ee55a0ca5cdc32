// The dagrun plugin of this package: adds the `dagrun serve` command.

import { definePlugin } from '@dagrun/core';
import { serveCommand } from './server.js';

export const servePlugin = definePlugin({
  name: '@dagrun/serve',
  engine: '^0.1.0',
  register(api) {
    api.registerCommand(serveCommand);
  },
});
