// The dagrun plugin of this package: the tracking hooks (every run recorded), the registry.model
// dataset type, and the `runs`, `models` and `ui` commands.

import { definePlugin } from '@dagrun/core';
import { modelsCommand } from './models-command.js';
import { registryModelType } from './registry-dataset.js';
import { runsCommand } from './runs-command.js';
import { trackingHooks } from './tracker.js';
import { commandConfig } from './locate.js';
import { uiCommandFor } from './ui-server.js';

export const trackingPlugin = definePlugin({
  name: '@dagrun/tracking',
  engine: '^0.1.0',
  register(api) {
    api.registerHooks(trackingHooks());
    api.registerDatasetType(registryModelType);
    api.registerCommand(runsCommand);
    api.registerCommand(modelsCommand);
    // The store tracking.yaml names (else <project>/mlruns), as for runs and models.
    api.registerCommand(uiCommandFor((projectDir) => commandConfig(projectDir, {}).store));
  },
});
