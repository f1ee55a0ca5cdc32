// MLflow's REST payloads (as the docs of mlflow/protos/service.proto show them) against dagrun ui: what an
// MLflow client sends to log a run, and what it reads back.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { TrackingStore } from './store.js';
import { buildUiApp } from './ui-server.js';

const world = async (t: Parameters<Parameters<typeof import('tap').test>[1]>[0]) => {
  const root = mkdtempSync(join(tmpdir(), 'dagrun-mlflow-rest-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  TrackingStore.open(join(root, 'mlruns'));
  const app = buildUiApp({ storeRoot: join(root, 'mlruns') });
  t.teardown(() => app.close());
  await app.ready();
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url: `/api/2.0/mlflow/${path}`,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.json() as Record<string, any> };
  };
  return { root, call };
};

t.test('an MLflow client logs a run: create experiment, create run, log-batch, update, get, search', async (t) => {
  const { root, call } = await world(t);
  const created = await call('POST', 'experiments/create', {
    name: 'from-python',
    tags: [{ key: 'team', value: 'valuation' }],
  });
  t.equal(created.status, 200);
  const expId = created.body.experiment_id as string;
  t.match(expId, /^\d+$/);
  const byName = await call('GET', `experiments/get-by-name?experiment_name=from-python`);
  t.equal(byName.body.experiment.experiment_id, expId);
  t.equal(byName.body.experiment.lifecycle_stage, 'active');

  const run = await call('POST', 'runs/create', {
    experiment_id: expId,
    user_id: 'ana',
    start_time: '1700000000000',
    run_name: 'rf-300',
    tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
  });
  t.equal(run.status, 200);
  const runId = run.body.run.info.run_id as string;
  t.match(runId, /^[0-9a-f]{32}$/);
  t.equal(run.body.run.info.status, 'RUNNING');
  t.equal(run.body.run.info.start_time, 1700000000000);

  const batch = await call('POST', 'runs/log-batch', {
    run_id: runId,
    metrics: [
      { key: 'mae', value: 2100.5, timestamp: 1700000001000, step: 0 },
      { key: 'mae', value: 1978.25, timestamp: 1700000002000, step: 1 },
    ],
    params: [{ key: 'n_estimators', value: '300' }],
    tags: [{ key: 'env', value: 'tuned' }],
  });
  t.same(batch, { status: 200, body: {} });
  const changed = await call('POST', 'runs/log-batch', {
    run_id: runId,
    params: [{ key: 'n_estimators', value: '400' }],
  });
  t.equal(changed.status, 400);
  t.equal(changed.body.error_code, 'INVALID_PARAMETER_VALUE');
  t.match(changed.body.message, "Param 'n_estimators' of run");

  const ended = await call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: 1700000003000 });
  t.equal(ended.body.run_info.status, 'FINISHED');
  t.equal(ended.body.run_info.end_time, 1700000003000);

  const got = await call('GET', `runs/get?run_id=${runId}`);
  t.same(got.body.run.data.metrics, [{ key: 'mae', value: 1978.25, timestamp: 1700000002000, step: 1 }]);
  t.same(got.body.run.data.params, [{ key: 'n_estimators', value: '300' }]);
  t.same(
    got.body.run.data.tags.find((x: { key: string }) => x.key === 'env'),
    { key: 'env', value: 'tuned' },
  );

  const found = await call('POST', 'runs/search', {
    experiment_ids: [expId],
    filter: "metrics.mae < 2000 and params.n_estimators = '300'",
    max_results: 10,
    order_by: ['metrics.mae ASC'],
  });
  t.same(
    found.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
    [runId],
  );
  const none = await call('POST', 'runs/search', { experiment_ids: [expId], filter: 'metrics.mae > 5000' });
  t.same(none.body, { runs: [] });
  // What the client wrote is an ordinary run of the store, in MLflow's layout.
  const store = TrackingStore.open(join(root, 'mlruns'));
  t.equal(store.getRun(runId).metrics.mae, 1978.25);
});

t.test('errors in MLflow’s shape', async (t) => {
  const { call } = await world(t);
  t.same(await call('GET', 'experiments/get-by-name?experiment_name=nope'), {
    status: 404,
    body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'nope'" },
  });
  await call('POST', 'experiments/create', { name: 'dup' });
  t.same(await call('POST', 'experiments/create', { name: 'dup' }), {
    status: 400,
    body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: "Experiment 'dup' already exists." },
  });
  t.same(await call('POST', 'experiments/create', {}), {
    status: 400,
    body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'name'." },
  });
  t.same(await call('GET', 'runs/get?run_id=0123456789abcdef0123456789abcdef'), {
    status: 404,
    body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run '0123456789abcdef0123456789abcdef' not found" },
  });
  const bad = await call('POST', 'runs/search', { filter: 'metrics.mae <<' });
  t.equal(bad.status, 400);
  t.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE');
  t.match(bad.body.message, 'at character 12');
});
