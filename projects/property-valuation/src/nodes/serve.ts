// The inference pipeline `dagrun serve` runs per request: the model loaded once at start-up, the request's
// records in, one price (UF) per record out. The records were checked against serve.yaml's record schema
// before they get here; RegressionModel.predict still refuses anything it cannot score, naming the field.
import type { RegressionModel } from '@dagrun/ml';

export const predictProperties = (model: RegressionModel, records: readonly Record<string, unknown>[]): Float64Array =>
  model.predict(records);
