// @dagrun/tracking: every `dagrun run` recorded in MLflow's file layout (params, metrics, artifacts,
// tags), a model registry with aliases and a promotion gate, `dagrun runs`, `dagrun models`, `dagrun ui`.
// List it under `plugins:` in dagrun.yaml; configure it in conf/base/tracking.yaml.

import { trackingPlugin } from './internal/plugin.js';

export default trackingPlugin;
export { trackingPlugin };
export { TrackingStore, DEFAULT_EXPERIMENT_ID, type CreateRunOptions } from './internal/store.js';
export { ModelRegistry, parseModelUri, type ModelUri } from './internal/registry-store.js';
export { openStore } from './internal/open.js';
export {
  parseFilter,
  parseOrderBy,
  describeFilterSyntax,
  FilterError,
  type RunPredicate,
  type RunComparator,
} from './internal/filter.js';
export { promote, type PromotionOutcome, type RuleResult } from './internal/promote.js';
export { loadTrackingConfig, type TrackingConfig, type PromotionRule } from './internal/config.js';
export { listRuns, type ListOptions } from './internal/runs-command.js';
export { registryModelType } from './internal/registry-dataset.js';
export { dumpYaml, pythonFloat } from './internal/yaml-dump.js';
export { TRACKING_ERROR_CODES, TrackingError, type TrackingErrorCode } from './internal/errors.js';
export type * from './internal/model.js';
