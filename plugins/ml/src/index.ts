// @dagrun/ml: the public API. Estimators (target encoder, histogram gradient-boosted trees, a linear
// baseline), metrics, scikit-learn's train/test split, the RegressionModel bundle with its versioned JSON
// form and codec, and the dagrun plugin (default export) that registers that codec.

import { mlPlugin } from './internal/plugin.js';

export { ML_ERROR_CODES, MlError, type MlErrorCode } from './internal/errors.js';
export { type Matrix, type MatrixLike, matrixFromRows, matrixFromColumns } from './internal/matrix.js';
export {
  TargetEncoder,
  TARGET_ENCODER_DEFAULTS,
  smoothingWeight,
  type TargetEncoderParams,
  type EncoderTable,
  type UnknownCategoryPolicy,
} from './internal/target-encoder.js';
export {
  GradientBoostingRegressor,
  GBR_DEFAULTS,
  type GradientBoostingParams,
  type GradientBoostingState,
  type EngineOptions,
} from './internal/gbdt.js';
export type { Tree } from './internal/forest.js';
export type { LossName } from './internal/losses.js';
export { LinearRegressor, type LinearState } from './internal/linear.js';
export {
  rmse,
  mae,
  mape,
  mdape,
  r2,
  mapeAbove,
  maxError,
  regressionMetrics,
  type RegressionMetrics,
} from './internal/metrics.js';
export {
  trainTestSplit,
  trainTestIndices,
  type TrainTestSplitOptions,
  type TrainTestIndicesOptions,
} from './internal/split.js';
export type { SplitIndices } from './internal/split-indices.js';
export type { Columns, DataFrameLike, SeriesLike, TabularInput } from './internal/table.js';
export {
  RegressionModel,
  isRegressionModel,
  type Estimator,
  type EstimatorKind,
  type FeatureSchema,
  type FeatureSpec,
  type FitOptions,
  type PredictOptions,
  type RegressionModelOptions,
  type TrainingMetadata,
} from './internal/model.js';
export {
  serializeModel,
  deserializeModel,
  regressionModelCodec,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type SerializedRegressionModel,
  type SerializedEstimator,
  type SerializedTree,
} from './internal/serialize.js';
export { mlPlugin };

export default mlPlugin;
