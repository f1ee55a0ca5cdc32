// Opening a store for a command or a run: the one place that also ends the runs whose process died
// (see liveness.ts), so "the next command that opens the store" is every command.

import { failDeadRuns } from './liveness.js';
import { TrackingStore } from './store.js';

export const openStore = (root: string, opts: { create?: boolean } = {}): TrackingStore => {
  const store = TrackingStore.open(root, opts);
  failDeadRuns(store);
  return store;
};
