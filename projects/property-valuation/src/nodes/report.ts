// evaluation_report: one self-contained HTML page on the test set — predicted vs actual, residuals by
// sector and type, feature importances, metrics. Reads only what model_run already produced.
import type { DataFrame } from 'nodejs-polars';
import type { RegressionMetrics, RegressionModel } from '@dagrun/ml';
import { barChart, boxPlot, sampleIndices, scatterLogLog, type BoxGroup, type ScatterPoint } from '../report/charts.js';
import { metricRows, metricsTable, renderPage, type Figure } from '../report/page.js';

export interface ReportInputs {
  readonly model: RegressionModel;
  /** The test set (needs the `type` and `sector` columns). */
  readonly test: DataFrame;
  /** True target values, row-aligned with test_predictions. */
  readonly test_target: readonly number[];
  readonly test_predictions: readonly number[];
  readonly metrics: RegressionMetrics;
  readonly target: string;
}

/** Points drawn in the scatter, at most: enough to see the cloud, small enough to keep the file light. */
export const MAX_SCATTER_POINTS = 3000;

const UNIT = 'UF';

const groupsBy = (keys: readonly string[], values: readonly number[], keep: readonly boolean[]): BoxGroup[] => {
  const by = new Map<string, number[]>();
  keys.forEach((k, i) => {
    if (!keep[i]) return;
    const list = by.get(k) ?? [];
    list.push(values[i]!);
    by.set(k, list);
  });
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, v]) => ({ name, values: v }));
};

/** Renders the evaluation report as one HTML string (saved by the `text` entry evaluation_report). */
export const renderReport = ({ model, test, test_target, test_predictions, metrics, target }: ReportInputs): string => {
  const n = test_target.length;
  if (test_predictions.length !== n || test.height !== n) {
    throw new Error(
      `evaluation_report: expected test, test_target and test_predictions of one length, but got ${test.height}, ` +
        `${n} and ${test_predictions.length}.`,
    );
  }
  const types = (test.getColumn('type').toArray() as unknown[]).map(String);
  const sectors = (test.getColumn('sector').toArray() as unknown[]).map(String);
  // log(pred/actual) needs both positive; a zero price (a dirty row) is left out and counted.
  const usable = test_target.map((a, i) => a > 0 && test_predictions[i]! > 0);
  const logRatio = test_target.map((a, i) => (usable[i] ? Math.log(test_predictions[i]! / a) : 0));
  const excluded = usable.filter((u) => !u).length;

  const typeNames = [...new Set(types)].sort();
  const points: ScatterPoint[] = sampleIndices(n, MAX_SCATTER_POINTS)
    .filter((i) => usable[i])
    .map((i) => ({ actual: test_target[i]!, predicted: test_predictions[i]!, series: typeNames.indexOf(types[i]!) }));

  const importances = model.featureImportances();
  const meta = model.metadata;
  const figures: Figure[] = [
    {
      title: `Predicted vs actual ${target}`,
      svg: scatterLogLog(points, typeNames, `Predicted vs actual ${target}, log-log`, UNIT),
      caption:
        `${points.length} of ${n} test rows (evenly spaced through the file). Points on the dashed line are exact; ` +
        'one grid step is a factor of 10. The far-left points are the dirty rows with absurdly low prices.',
    },
    {
      title: 'Residuals by type',
      svg: boxPlot(
        groupsBy(types, logRatio, usable),
        'Residuals ln(predicted / actual) by type',
        'ln(predicted / actual)',
      ),
      caption:
        'Box: middle 50% of rows; thick line: median; whiskers: 5th to 95th percentile. Right of the dashed zero ' +
        'line = over-estimated; ±0.1 ≈ ±10%.',
    },
    {
      title: 'Residuals by sector',
      svg: boxPlot(
        groupsBy(sectors, logRatio, usable),
        'Residuals ln(predicted / actual) by sector',
        'ln(predicted / actual)',
      ),
      caption: 'Same reading as by type. Sectors sorted by name.',
    },
  ];
  if (importances) {
    figures.push({
      title: 'Feature importances',
      svg: barChart(
        Object.entries(importances).map(([name, value]) => ({ name, value })),
        'Feature importances (share of total gain)',
        'share of total split gain',
      ),
      caption:
        `Normalised total split gain of the ${String(meta.params['n_estimators'] ?? '')} boosted trees; the bars sum ` +
        'to 100%. type and sector enter target-encoded.',
    });
  }
  const leftOut =
    excluded > 0 ? ` ${excluded} rows with a non-positive price or prediction are left out of the plots.` : '';
  const summary =
    `${meta.estimator === 'gradient_boosting' ? 'Gradient-boosted trees' : 'Linear model'} trained on ` +
    `${meta.nRows.toLocaleString('en-US')} rows (loss ${String(meta.params['loss'] ?? 'n/a')}, learning rate ` +
    `${String(meta.params['learning_rate'] ?? 'n/a')}, max depth ${String(meta.params['max_depth'] ?? 'n/a')}), ` +
    `evaluated on ${n.toLocaleString('en-US')} test rows.${leftOut}`;
  return renderPage(
    `Evaluation report: ${target} (${UNIT})`,
    summary,
    metricsTable(metricRows(metrics, UNIT)),
    figures,
  );
};
