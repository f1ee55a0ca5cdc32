// The dagrun plugin of this package: the tracking hooks (every run recorded), the registry.model
// dataset type, and the `runs`, `models` and `ui` commands.

import { definePlugin } from '@dagrun/core';
import { modelsCommand } from './models-command.js';
import { registryModelType } from './registry-dataset.js';
import { runsCommand } from './runs-command.js';
import { trackingHooks } from './tracker.js';

export const trackingPlugin = definePlugin({
  name: '@dagrun/tracking',
  engine: '^0.1.0',
  register(api) {
    api.registerHooks(trackingHooks());
    api.registerDatasetType(registryModelType as never);
    api.registerCommand(runsCommand);
    api.registerCommand(modelsCommand);
  },
});
