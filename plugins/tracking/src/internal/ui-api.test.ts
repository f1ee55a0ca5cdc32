// ui-api over a real store in a temp folder: counts, filtering, sorting and paging of runs, one run in full
// (histories, artifacts and their types), compare (differences and best values), the registry, and the
// errors (a bad filter is a 400 with its position, an unknown run a 404) and store problems.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ModelRegistry } from './registry-store.js';
import { TrackingStore } from './store.js';
import {
  ApiError,
  compareRuns,
  experimentsJson,
  guessType,
  modelsJson,
  runDetail,
  runsPage,
  toApiError,
} from './ui-api.js';

const SPECS = [
  { name: 'rf-3', type: 'rf', depth: '3', mae: 2600, r2: 0.81, start: 1_000, dur: 5_000 },
  { name: 'rf-5', type: 'rf', depth: '5', mae: 2400, r2: 0.84, start: 2_000, dur: 9_000 },
  { name: 'rf-8', type: 'rf', depth: '8', mae: 2450, r2: 0.86, start: 3_000, dur: 2_000 },
  { name: 'gbm-5', type: 'gbm', depth: '5', mae: 2300, r2: 0.88, start: 4_000, dur: 7_000 },
  { name: 'gbm-3', type: 'gbm', depth: '3', mae: 2700, r2: 0.79, start: 5_000, dur: 1_000 },
];
const CORRUPT_ID = 'deadbeef'.repeat(4);

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

const makeStore = (t: TapTest) => {
  const root = t.testdir({
    files: {
      'report.html': '<h1>Evaluation</h1>',
      'plot.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      'metrics.json': '{"mae":1}',
      MLmodel: 'flavors: {}\n',
      'model.bin': Buffer.from([1, 0, 2]),
    },
  });
  const store = TrackingStore.open(join(root, 'mlruns'));
  const exp = store.ensureExperiment('housing');
  const ids: Record<string, string> = {};
  for (const s of SPECS) {
    const run = store.createRun(exp.id, {
      runName: s.name,
      userId: 'ana',
      startTime: s.start,
      tags: { team: s.type === 'rf' ? 'forest' : 'boost' },
    });
    ids[s.name] = run.runId;
    store.logParams(run.runId, { 'model.type': s.type, 'model.max_depth': s.depth });
    store.logMetric(run.runId, 'mae', s.mae, { timestamp: s.start, step: 0 });
    store.logMetric(run.runId, 'r2', s.r2, { timestamp: s.start, step: 0 });
    for (let step = 0; step < 3; step++)
      store.logMetric(run.runId, 'loss', 10 - step - s.r2, { timestamp: s.start + step, step });
    store.endRun(run.runId, 'FINISHED', s.start + s.dur);
  }
  store.logArtifact(ids['rf-5']!, join(root, 'files'), '.');
  const gone = store.createRun(exp.id, { runName: 'discarded', userId: 'bo', startTime: 6_000 });
  store.deleteRun(gone.runId);
  const base = store.createRun('0', { runName: 'baseline', userId: 'bo', startTime: 500 });
  store.logMetric(base.runId, 'mae', 3000, { timestamp: 500 });
  // A run folder whose meta.yaml is not a mapping: a problem, never hiding the other runs.
  mkdirSync(join(store.root, exp.id, CORRUPT_ID));
  writeFileSync(join(store.root, exp.id, CORRUPT_ID, 'meta.yaml'), '"just a string"\n');
  return { store, expId: exp.id, ids, deleted: gone.runId, baseline: base.runId, root };
};

const names = (page: { runs: ReadonlyArray<{ runName: string }> }) => page.runs.map((r) => r.runName);
const catchError = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (err) {
    return toApiError(err);
  }
  throw new Error('expected an error, but got none');
};

t.test('experiments with their run counts and the store problems', async (t) => {
  const { store, expId } = makeStore(t);
  const { experiments, problems } = experimentsJson(store);
  t.same(
    experiments.map((e) => [e.name, e.runs, e.deletedRuns]),
    [
      ['Default', 1, 0],
      ['housing', 5, 1],
    ],
  );
  // The wording is the store's (run-reader.ts); here, that it arrives whole and names the file.
  t.same(problems, store.allRuns().problems);
  t.same(
    problems.map((p) => p.file),
    [`${expId}/${CORRUPT_ID}/meta.yaml`],
  );
  t.match(problems[0]!.message, `Tracking store file '${expId}/${CORRUPT_ID}/meta.yaml': expected a mapping of fields`);
});

t.test('a page of runs: experiment, view, columns, problems', async (t) => {
  const { store, expId } = makeStore(t);
  const all = runsPage(store);
  t.equal(all.total, 6, 'every active run of every experiment');
  t.same(names(all), ['gbm-3', 'gbm-5', 'rf-8', 'rf-5', 'rf-3', 'baseline'], 'newest first by default');
  t.equal(all.problems.length, 1, 'the corrupt run is a problem');
  t.equal(all.problems[0]!.file, `${expId}/${CORRUPT_ID}/meta.yaml`);

  const housing = runsPage(store, { experiment: 'housing' });
  t.equal(housing.total, 5);
  t.same(housing.columns, {
    params: ['model.max_depth', 'model.type'],
    metrics: ['loss', 'mae', 'r2'],
    tags: ['mlflow.runName', 'mlflow.user', 'team'],
  });
  t.same(names(runsPage(store, { view: 'deleted' })), ['discarded']);
  t.equal(runsPage(store, { view: 'all' }).total, 7);
  t.same(runsPage(store, { experiment: 'Default' }).columns, {
    params: [],
    metrics: ['mae'],
    tags: ['mlflow.runName', 'mlflow.user'],
  });
  t.equal(housing.runs[0]!.metrics.mae, 2700);
});

t.test('filtering and sorting as the CLI does', async (t) => {
  const { store } = makeStore(t);
  t.same(names(runsPage(store, { filter: "metrics.mae < 2500 and params.model.max_depth = '5'" })), ['gbm-5', 'rf-5']);
  t.same(names(runsPage(store, { filter: "tags.team = 'forest'", orderBy: 'metrics.mae ASC' })), [
    'rf-5',
    'rf-8',
    'rf-3',
  ]);
  t.same(names(runsPage(store, { experiment: 'housing', orderBy: 'metrics.r2 DESC' })), [
    'gbm-5',
    'rf-8',
    'rf-5',
    'rf-3',
    'gbm-3',
  ]);
  t.same(
    names(runsPage(store, { orderBy: 'metrics.r2 DESC' })).at(-1),
    'baseline',
    'a run without the metric comes last',
  );
  t.same(
    names(runsPage(store, { experiment: 'housing', orderBy: 'duration' })),
    ['gbm-3', 'rf-8', 'rf-3', 'gbm-5', 'rf-5'],
    "the ui's duration column",
  );
  t.same(names(runsPage(store, { experiment: 'housing', orderBy: 'duration DESC' })), [
    'rf-5',
    'gbm-5',
    'rf-3',
    'rf-8',
    'gbm-3',
  ]);
  t.same(
    names(runsPage(store, { experiment: 'housing', orderBy: 'attributes.run_name', limit: 2, offset: 1 })),
    ['gbm-5', 'rf-3'],
    'limit and offset cut after sorting',
  );
  const page = runsPage(store, { experiment: 'housing', limit: 2, offset: 4 });
  t.same([page.total, page.runs.length, page.limit, page.offset], [5, 1, 2, 4]);
});

t.test('a bad filter or order is a 400 with the position and the caret line', async (t) => {
  const { store } = makeStore(t);
  const e = catchError(() => runsPage(store, { filter: "metrics.mae < 'x'" }));
  t.equal(e.status, 400);
  t.same(e.body(), {
    error: {
      code: 'DAGRUN_ERR_TRACKING_FILTER',
      message:
        "Filter 'metrics.mae < 'x'': expected a number for metrics.mae at character 14, but got the string 'x'.\n" +
        "metrics.mae < 'x'\n              ^",
      position: 14,
    },
  });
  const o = catchError(() => runsPage(store, { orderBy: 'metrics.mae sideways' }));
  t.same([o.status, o.position], [400, 12]);
  const l = catchError(() => runsPage(store, { limit: 5000 }));
  t.same(l.body(), {
    error: {
      code: 'DAGRUN_ERR_UI_REQUEST',
      message: "Query parameter 'limit': expected an integer from 1 to 1000, but got 5000.",
    },
  });
  const x = catchError(() => runsPage(store, { experiment: 'nope' }));
  t.same(
    [x.status, x.message],
    [
      404,
      "Experiment 'nope': expected one of the store's experiments ('Default', 'housing'), but got no such experiment.",
    ],
  );
});

t.test('one run: params, metric histories, artifacts with their types', async (t) => {
  const { store, ids, expId } = makeStore(t);
  const d = runDetail(store, ids['rf-5']!);
  t.equal(d.run.runName, 'rf-5');
  t.same(d.experiment, { id: expId, name: 'housing' });
  t.same(d.run.params, { 'model.type': 'rf', 'model.max_depth': '5' });
  const loss = d.metrics.find((m) => m.key === 'loss')!;
  t.same(
    loss.history.map((p) => [p.step, p.value]),
    [
      [0, 9.16],
      [1, 8.16],
      [2, 7.16],
    ],
  );
  t.same([loss.value, loss.step], [7.16, 2]);
  t.same(
    d.artifacts.map((a) => [a.path, a.size, a.contentType, a.kind]),
    [
      ['MLmodel', 12, 'text/plain; charset=utf-8', 'text'],
      ['metrics.json', 9, 'application/json; charset=utf-8', 'json'],
      ['model.bin', 3, 'application/octet-stream', 'binary'],
      ['plot.svg', 41, 'image/svg+xml', 'svg'],
      ['report.html', 19, 'text/html; charset=utf-8', 'html'],
    ],
  );
  t.same(guessType('x/a.PNG'), { contentType: 'image/png', kind: 'image' });
  t.same(guessType('a.csv'), { contentType: 'text/csv; charset=utf-8', kind: 'text' });
  const missing = catchError(() => runDetail(store, 'f'.repeat(32)));
  t.same(missing.body(), {
    error: {
      code: 'DAGRUN_ERR_TRACKING_NOT_FOUND',
      message:
        `Run '${'f'.repeat(32)}': expected a run of the store at ${store.root}, but got no such run.\n` +
        'Hint: `dagrun runs list` shows the ids.',
    },
  });
  t.equal(missing.status, 404);
});

t.test('compare: params and metrics side by side, differences, best values, histories', async (t) => {
  const { store, ids, baseline } = makeStore(t);
  const c = compareRuns(store, [ids['rf-5']!, ids['gbm-5']!, ids['gbm-3']!]);
  t.same(
    c.runs.map((r) => r.runName),
    ['rf-5', 'gbm-5', 'gbm-3'],
  );
  t.same(c.params, [
    { key: 'model.max_depth', values: ['5', '5', '3'], differs: true },
    { key: 'model.type', values: ['rf', 'gbm', 'gbm'], differs: true },
  ]);
  const mae = c.metrics.find((m) => m.key === 'mae')!;
  t.same([mae.values, mae.better, mae.best], [[2400, 2300, 2700], 'lower', [1]]);
  const r2 = c.metrics.find((m) => m.key === 'r2')!;
  t.same([r2.better, r2.best], ['higher', [1]], 'r2: higher is better');
  t.same(
    c.metrics.find((m) => m.key === 'loss')!.histories.map((h) => h.length),
    [3, 3, 3],
  );
  const same = compareRuns(store, [ids['rf-5']!, ids['gbm-5']!]).params.find((p) => p.key === 'model.max_depth')!;
  t.same([same.differs, same.values], [false, ['5', '5']], 'equal values do not differ');
  const withBase = compareRuns(store, [ids['rf-5']!, baseline]);
  t.same(
    withBase.params[0],
    { key: 'model.max_depth', values: ['5', null], differs: true },
    'a missing param is null and differs',
  );
  t.same(withBase.metrics.find((m) => m.key === 'r2')!.values, [0.84, null]);
  t.same(catchError(() => compareRuns(store, [])).body().error.code, 'DAGRUN_ERR_UI_REQUEST');
  t.equal(catchError(() => compareRuns(store, [ids['rf-5']!, 'abcd0000'])).status, 404);
});

t.test('models: versions, aliases, source runs', async (t) => {
  const { store, ids, expId } = makeStore(t);
  const registry = new ModelRegistry(store.root);
  t.same(modelsJson(store, registry).models, [], 'no registry yet');
  registry.createVersion('valuation', {
    source: `runs:/${ids['rf-5']}/model`,
    storageLocation: 'x',
    runId: ids['rf-5']!,
  });
  registry.createVersion('valuation', {
    source: `runs:/${ids['gbm-5']}/model`,
    storageLocation: 'y',
    runId: ids['gbm-5']!,
  });
  registry.createVersion('valuation', { source: 'file:///elsewhere', storageLocation: 'z', runId: 'a'.repeat(32) });
  registry.setAlias('valuation', 'champion', 2);
  const { models, problems } = modelsJson(store, registry);
  t.same(
    problems.map((p) => p.file),
    [`${expId}/${CORRUPT_ID}/meta.yaml`],
    'the store problems travel with every answer',
  );
  t.equal(models.length, 1);
  t.same(models[0]!.aliases, { champion: '2' });
  t.same(
    models[0]!.versions.map((v) => [v.version, v.aliases, v.runName, v.status]),
    [
      [1, [], 'rf-5', 'READY'],
      [2, ['champion'], 'gbm-5', 'READY'],
      [3, [], null, 'READY'],
    ],
  );
});

t.test('metric values JSON cannot hold travel as strings', async (t) => {
  const { store } = makeStore(t);
  const run = store.createRun('0', { runName: 'nan', userId: 'x', startTime: 7_000 });
  store.logMetric(run.runId, 'mae', NaN, { timestamp: 7_000 });
  store.logMetric(run.runId, 'r2', -Infinity, { timestamp: 7_000 });
  const r = runsPage(store, { filter: "attributes.run_name = 'nan'" }).runs[0]!;
  t.same(r.metrics, { mae: 'NaN', r2: '-Infinity' });
  t.same(runDetail(store, run.runId).metrics[0]!.history[0]!.value, 'NaN');
});
