// The model_run pipeline of the original project, with its two known defects fixed:
// the numeric features are used (the original's ColumnTransformer dropped them), and metrics take
// (y_true, y_pred) in that order (the original swapped them, which made MAPE meaningless).
import type { DataFrame } from 'nodejs-polars';
import { GradientBoostingRegressor, RegressionModel, regressionMetrics } from '@dagrun/ml';

/** Train columns = every column minus params:cols_drop (absent ones are ignored, as in the original). */
export const buildFeatures = (train: DataFrame, colsDrop: string[]): string[] =>
  train.columns.filter((c) => !colsDrop.includes(c));

export interface HyperParams {
  learning_rate: number;
  n_estimators: number;
  max_depth: number;
  loss: 'squared_error' | 'absolute_error' | 'huber';
  min_samples_leaf?: number;
  subsample?: number;
  random_state?: number;
}

/** Target-encodes the categorical columns and fits gradient-boosted trees on every train column. */
export const trainModel = (
  train: DataFrame,
  trainCols: string[],
  target: string,
  categoricalCols: string[],
  hyperParams: HyperParams,
): RegressionModel => {
  const features = trainCols.filter((c) => c !== target);
  const model = new RegressionModel({
    target,
    features,
    categorical: categoricalCols,
    estimator: new GradientBoostingRegressor({ random_state: 42, ...hyperParams }),
  });
  // A fixed training date keeps the saved model byte-identical for the same data and seed.
  // The frame goes in as it is: @dagrun/ml reads the columns it needs (numeric ones as typed arrays).
  return model.fit(train, { trainedAt: '1970-01-01T00:00:00.000Z' });
};

/** Predicts the test set: [true prices, predictions], as the original's predict_model. */
export const predictModel = (
  model: RegressionModel,
  test: DataFrame,
  _trainCols: string[],
  target: string,
): [number[], number[]] => {
  // The model reads the feature columns of its schema (trainCols minus the target) from the frame, numeric
  // ones as typed arrays; a missing one is an error naming it.
  const predicted = model.predict(test);
  return [test.getColumn(target).toArray() as number[], Array.from(predicted)];
};

/** Metrics with (y_true, y_pred) order, plus MAPE on prices of at least 1000 UF (a few absurd prices dominate MAPE). */
export const evaluateModel = (testTarget: number[], testPredictions: number[]) =>
  regressionMetrics(testTarget, testPredictions, 1000);
