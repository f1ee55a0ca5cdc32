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
  for (const p of ['dagrun.yaml', 'pipeline.yaml', 'conf', 'src', 'package.json']) cpSync(join(PROJECT, p), join(dir, p), { recursive: true });
  cpSync(join(PROJECT, 'data/01_raw'), join(dir, 'data/01_raw'), { recursive: true });
  return dir;
};

const metricsOf = (dir: string): Record<string, number> => {
  const root = join(dir, 'data/08_reporting/metrics.json');
  const [version] = readdirSync(root).sort().reverse();
  return JSON.parse(readFileSync(join(root, version!, 'metrics.json'), 'utf8')) as Record<string, number>;
};

t.test('model_run trains, predicts and evaluates; the same seed gives identical metrics', async (t) => {
  const dir = copyProject(t);
  const run = async () => {
    const project = await openProject({ projectDir: dir, params: ['hyper_params.n_estimators=60', 'hyper_params.learning_rate=0.05'] });
    t.same(project.check('model_run'), [], 'the pipeline passes every check');
    return project.run({ pipeline: 'model_run' });
  };
  const first = await run();
  t.same(first.record.nodes.map((n) => [n.name, n.status]), [
    ['build_features', 'ok'],
    ['train_model', 'ok'],
    ['predict_model', 'ok'],
    ['evaluate_model', 'ok'],
  ]);
  t.same(first.record.datasets.map((d) => d.name).sort(), ['metrics', 'model', 'test_predictions']);
  const m1 = metricsOf(dir);
  t.equal(m1.n, 6949);
  t.ok(m1.mae > 1000 && m1.mae < 4000, `test MAE in a sane range (${m1.mae})`);
  t.ok(m1.r2 > 0.6, `R² above 0.6 with the numeric features used (${m1.r2})`);
  t.ok(m1.mape_above < m1.mape, 'MAPE on prices >= 1000 is below MAPE on all rows');
  await new Promise((r) => setTimeout(r, 5));
  await run();
  t.same(metricsOf(dir), m1, 'a second run with the same seed gives identical metrics');
});
