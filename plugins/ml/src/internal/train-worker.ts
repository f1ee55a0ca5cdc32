// The helper thread of a large fit (train-helper.ts): the same kernels as the main thread, compiled over
// the shared arrays, each request doing one half of a step.

import { workerData } from 'node:worker_threads';
import { histogramKernel, signCountKernel, specialize } from './kernels.js';
import { assignLeavesKernel, leafValuesKernel } from './losses.js';
import { selectValue } from './stats.js';
import {
  OP_HISTOGRAM,
  OP_LEAVES,
  OP_SIGN_COUNTS,
  serveRequests,
  type HelperConfig,
  type SharedFitArrays,
} from './train-helper.js';

const { config, arrays, control, args } = workerData as {
  config: HelperConfig;
  arrays: SharedFitArrays;
  control: Int32Array;
  args: Float64Array;
};
const f = config.nFeatures;
const a = arrays;

const buildHistogram = histogramKernel(f, a.hist, a.idx, a.grad, a.bins);
const countSigns = signCountKernel(f, a.helperCounts, a.idx, a.signs, a.bins);
const leafValues = specialize(leafValuesKernel, selectValue, a.idx, a.y, a.raw, a.grad, a.values, config.lossCode);
const assignLeaves = specialize(assignLeavesKernel, a.idx, a.leafOf);

serveRequests(control, args, (op, x) => {
  switch (op) {
    case OP_HISTOGRAM:
      buildHistogram(config.helperSlot, x[0]!, x[1]!);
      return 0;
    case OP_SIGN_COUNTS:
      countSigns(x[0]!, x[1]!);
      return 0;
    case OP_LEAVES:
      // Leaves from..to-1: values (Huber's delta in x[2]) and each row's leaf.
      leafValues(a.leaves, x[0]!, x[1]!, x[2]!, a.leafValues);
      assignLeaves(a.leaves, x[0]!, x[1]!);
      return 0;
    default:
      throw new Error(`train-worker: unknown request ${op}`);
  }
});
