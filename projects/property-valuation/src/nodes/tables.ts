// Tables for a database: the scored test rows and the run's metrics as DataFrames, which a table dataset
// (postgres.table under --env postgres) can store; and the copy that fills the database from the raw CSVs.
import pl, { type DataFrame } from 'nodejs-polars';

/** The test rows as scored: every input column, the true price and `predicted_<target>`. */
export const predictionTable = (test: DataFrame, predictions: number[], target: string): DataFrame => {
  if (predictions.length !== test.height) {
    throw new Error(
      `tabulate_predictions: expected ${test.height} predictions, one per test row, but got ${predictions.length}.`,
    );
  }
  return test.withColumns(pl.Series(`predicted_${target}`, predictions, pl.Float64));
};

/** The metrics as one row, one column per metric. */
export const metricsTable = (metrics: Record<string, number>): DataFrame =>
  pl.DataFrame(Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, [v]])));

/**
 * Passes a frame through unchanged: with --env postgres, `load_raw_to_postgres` reads the CSVs and writes the tables.
 */
export const copyTable = (frame: DataFrame): DataFrame => frame;
