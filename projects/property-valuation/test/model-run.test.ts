// model_run end to end on the committed data, through the engine's public API, in a temp copy of
// the project (fewer trees, so the test stays quick): outputs written, metrics sane and repeatable.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject } from '@dagrun/core';
import t from 'tap';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');

const copyProject = (t: { teardown(fn: () => void): void }): string => {
  // Inside the workspace, so @dagrun/ml and nodejs-polars resolve as for the real project.
  const dir = mkdtempSync(join(PROJECT, '..', '.tmp-model-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const p of ['dagrun.yaml', 'pipeline.yaml', 'conf', 'src', 'package.json'])
    cpSync(join(PROJECT, p), join(dir, p), { recursive: true });
  cpSync(join(PROJECT, 'data/01_raw'), join(dir, 'data/01_raw'), { recursive: true });
  return dir;
};

interface Metrics {
  n: number;
  mae: number;
  rmse: number;
  r2: number;
  mape: number;
  mape_above: number;
}

const metricsOf = (dir: string): Metrics => {
  const root = join(dir, 'data/08_reporting/metrics.json');
  const [version] = readdirSync(root).sort().reverse();
  return JSON.parse(readFileSync(join(root, version!, 'metrics.json'), 'utf8')) as Metrics;
};

t.test('model_run trains, predicts and evaluates; the same seed gives identical metrics', async (t) => {
  const dir = copyProject(t);
  const run = async () => {
    const project = await openProject({
      projectDir: dir,
      params: ['hyper_params.n_estimators=60', 'hyper_params.learning_rate=0.05'],
    });
    t.same(project.check('model_run'), [], 'the pipeline passes every check');
    return project.run({ pipeline: 'model_run' });
  };
  const first = await run();
  t.same(
    first.record.nodes.map((n) => [n.name, n.status]),
    [
      ['build_features', 'ok'],
      ['train_model', 'ok'],
      ['predict_model', 'ok'],
      ['evaluate_model', 'ok'],
      ['evaluation_report', 'ok'],
      ['tabulate_predictions', 'ok'],
      ['tabulate_metrics', 'ok'],
    ],
  );
  t.same(first.record.datasets.map((d) => d.name).sort(), [
    'evaluation_report',
    'metrics',
    'metrics_table',
    'model',
    'prediction_table',
    'test_predictions',
  ]);
  // The data contract of train and test warns: every row is trained on and scored, and the first load
  // of each (the file does not change within a run, so later loads are not checked again) is in the run record.
  const contracts = first.record.contracts ?? [];
  t.same(
    contracts.map((c) => [c.dataset, c.node, c.onViolation, c.rows, c.rowsOut]),
    [
      ['train', 'build_features', 'warn', 16212, 16212],
      ['test', 'predict_model', 'warn', 6949, 6949],
    ],
  );
  t.ok(
    contracts.every((c) => c.rowsViolating > 0),
    'the dirty rows are reported',
  );
  const m1 = metricsOf(dir);
  t.equal(m1.n, 6949);
  t.ok(m1.mae > 1000 && m1.mae < 4000, `test MAE in a sane range (${m1.mae})`);
  t.ok(m1.r2 > 0.6, `R² above 0.6 with the numeric features used (${m1.r2})`);
  t.ok(m1.mape_above < m1.mape, 'MAPE on prices >= 1000 is below MAPE on all rows');
  await new Promise((r) => setTimeout(r, 5));
  await run();
  t.same(metricsOf(dir), m1, 'a second run with the same seed gives identical metrics');
});
