// What dagrun writes is what Python MLflow 2.x writes: each meta.yaml the store leaves (run, experiment,
// registered model, model version) is compared byte for byte with python3-yaml's dump of the dict MLflow's
// file store would write; params, tags and metric lines with the bytes of MLflow's write_to/append_to.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { ModelRegistry } from '../src/internal/registry-store.js';
import { loadPyYaml } from '../src/internal/run-reader.js';
import { TrackingStore } from '../src/internal/store.js';

const tempStore = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-format-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'mlruns');
};

// MLflow's write_yaml: yaml.safe_dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True).
const PY_DUMP = `
import json, sys, yaml
for doc in json.load(sys.stdin):
    sys.stdout.write(yaml.safe_dump(doc, default_flow_style=False, allow_unicode=True, sort_keys=True))
    sys.stdout.write('\\x00')
`;
const mlflowYaml = (docs: ReadonlyArray<Record<string, unknown>>): string[] =>
  execFileSync('/usr/bin/python3', ['-c', PY_DUMP], { input: JSON.stringify(docs), encoding: 'utf8' })
    .split('\0')
    .slice(0, -1);

/** MLflow's append_to of a metric: "%s %s %s\n" % (timestamp, float(value), step). */
const mlflowMetricLines = (points: ReadonlyArray<[number, number, number]>): string =>
  execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      'import json,sys\n' +
        'for ts, v, step in json.load(sys.stdin): sys.stdout.write("%s %s %s\\n" % (ts, float(v), step))',
    ],
    {
      input: JSON.stringify(points.map(([ts, v, step]) => [ts, String(v), step])),
      encoding: 'utf8',
    },
  );

/** The error `f` throws (tap's t.throws matches a message as a substring; these tests want it exact). */
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw, but got none');
};

const meta = (file: string): Record<string, unknown> =>
  loadPyYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;

/**
 * `_make_persisted_run_info_dict(run_info)`: RunInfo's properties, status as its enum int, the legacy source
 * fields.
 */
const persistedRunInfo = (o: {
  root: string;
  experimentId: string;
  runId: string;
  runName: string;
  userId: string;
  startTime: number;
  endTime: number | null;
  status: number;
  lifecycle: string;
}): Record<string, unknown> => ({
  artifact_uri: pathToFileURL(join(o.root, o.experimentId, o.runId, 'artifacts')).href,
  end_time: o.endTime,
  entry_point_name: '',
  experiment_id: o.experimentId,
  lifecycle_stage: o.lifecycle,
  run_id: o.runId,
  run_name: o.runName,
  run_uuid: o.runId,
  source_name: '',
  source_type: 4,
  source_version: '',
  start_time: o.startTime,
  status: o.status,
  tags: [],
  user_id: o.userId,
});

t.test('a finished run: meta.yaml, params, tags and metric files as MLflow writes them', async (t) => {
  const root = tempStore(t);
  const before = Date.now();
  const store = TrackingStore.open(root);
  const exp = store.ensureExperiment('property-valuation');
  const after = Date.now();
  t.match(exp.id, /^[1-9][0-9]{17}$/, 'experiment ids are 18 digits, as _generate_unique_integer_id makes them');

  const run = store.createRun(exp.id, {
    runName: 'gbm: depth 6',
    userId: 'ana',
    startTime: 1717407600001,
    tags: { env: 'local', 'mlflow.note.content': 'Zürich\nsecond line' },
  });
  t.match(run.runId, /^[0-9a-f]{32}$/);
  store.logParams(run.runId, {
    'hyper_params.max_depth': '6',
    'split.test_size': '0.2',
    'data/source': 'data/01_raw/listings.csv',
    features: "['area', 'rooms']",
  });
  const points: Array<[number, number, number]> = [
    [1717407600100, 1, 0],
    [1717407600200, 0.1, 1],
    [1717407600300, 1e-7, 2],
    [1717407600400, 2434.5, 3],
    [1717407600500, NaN, 4],
    [1717407600600, 1e21, 5],
    [1717407600700, 0.30000000000000004, 6],
  ];
  for (const [timestamp, value, step] of points) store.logMetric(run.runId, 'loss', value, { timestamp, step });
  store.endRun(run.runId, 'FINISHED', 1717408080001);

  const runDir = join(root, exp.id, run.runId);
  const [runYaml, expYaml, defaultYaml] = mlflowYaml([
    persistedRunInfo({
      root,
      experimentId: exp.id,
      runId: run.runId,
      runName: 'gbm: depth 6',
      userId: 'ana',
      startTime: 1717407600001,
      endTime: 1717408080001,
      status: 3,
      lifecycle: 'active',
    }),
    {
      artifact_location: pathToFileURL(join(root, exp.id)).href,
      creation_time: exp.creationTime,
      experiment_id: exp.id,
      last_update_time: exp.creationTime,
      lifecycle_stage: 'active',
      name: 'property-valuation',
    },
    {
      artifact_location: pathToFileURL(join(root, '0')).href,
      creation_time: meta(join(root, '0', 'meta.yaml')).creation_time,
      experiment_id: '0',
      last_update_time: meta(join(root, '0', 'meta.yaml')).creation_time,
      lifecycle_stage: 'active',
      name: 'Default',
    },
  ]);
  t.equal(
    readFileSync(join(runDir, 'meta.yaml'), 'utf8'),
    runYaml,
    'run meta.yaml (status 3, end_time, no deleted_time)',
  );
  t.notOk('deleted_time' in meta(join(runDir, 'meta.yaml')), 'an ended run has no deleted_time key');
  t.equal(readFileSync(join(root, exp.id, 'meta.yaml'), 'utf8'), expYaml, 'experiment meta.yaml');
  t.match(
    readFileSync(join(root, exp.id, 'meta.yaml'), 'utf8'),
    `experiment_id: '${exp.id}'\n`,
    'the digits of the id are quoted',
  );
  t.ok(exp.creationTime! >= before && exp.creationTime! <= after, 'creation_time is the time of creation');
  t.equal(readFileSync(join(root, '0', 'meta.yaml'), 'utf8'), defaultYaml, 'the Default experiment a new store gets');
  t.ok(existsSync(join(root, '.trash')), 'a new store has .trash, as MLflow makes it');

  // write_to: the value, no trailing newline; keys with '/' are nested folders.
  t.equal(readFileSync(join(runDir, 'params', 'hyper_params.max_depth'), 'utf8'), '6');
  t.equal(readFileSync(join(runDir, 'params', 'data', 'source'), 'utf8'), 'data/01_raw/listings.csv');
  t.equal(readFileSync(join(runDir, 'params', 'features'), 'utf8'), "['area', 'rooms']");
  t.equal(readFileSync(join(runDir, 'tags', 'env'), 'utf8'), 'local');
  t.equal(readFileSync(join(runDir, 'tags', 'mlflow.note.content'), 'utf8'), 'Zürich\nsecond line');
  t.equal(readFileSync(join(runDir, 'tags', 'mlflow.runName'), 'utf8'), 'gbm: depth 6');
  t.equal(readFileSync(join(runDir, 'tags', 'mlflow.user'), 'utf8'), 'ana');
  t.same(
    readdirSync(join(runDir, 'tags')).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left behind',
  );

  const lines = readFileSync(join(runDir, 'metrics', 'loss'), 'utf8');
  t.equal(lines, mlflowMetricLines(points), 'metric lines: timestamp, Python float repr, step');
  t.equal(lines.split('\n')[2], '1717407600300 1e-07 2');
  t.equal(lines.split('\n')[4], '1717407600500 nan 4');

  // And what is written reads back.
  const back = store.getRun(run.runId);
  t.equal(back.status, 'FINISHED');
  t.equal(back.endTime, 1717408080001);
  t.equal(back.metrics.loss, 0.30000000000000004, 'the latest (largest step) value');
  t.same(
    store
      .metricHistory(run.runId, 'loss')
      .map((p) => [p.timestamp, p.value, p.step])
      .slice(0, 4),
    points.slice(0, 4),
  );
  t.ok(Number.isNaN(store.metricHistory(run.runId, 'loss')[4]!.value));
});

t.test(
  'a RUNNING run: status 1, end_time null and no deleted_time key (set_tag of mlflow.runName rewrote it)',
  async (t) => {
    const root = tempStore(t);
    const store = TrackingStore.open(root);
    const run = store.createRun('0', { runName: 'yes', userId: 'root', startTime: 1765152000123 });
    const file = join(root, '0', run.runId, 'meta.yaml');
    const [expected] = mlflowYaml([
      persistedRunInfo({
        root,
        experimentId: '0',
        runId: run.runId,
        runName: 'yes',
        userId: 'root',
        startTime: 1765152000123,
        endTime: null,
        status: 1,
        lifecycle: 'active',
      }),
    ]);
    t.equal(readFileSync(file, 'utf8'), expected);
    t.match(readFileSync(file, 'utf8'), "run_name: 'yes'\n", 'a name YAML 1.1 would read as a boolean is quoted');
    t.notOk('deleted_time' in meta(file));
    t.equal(store.getRun(run.runId).runName, 'yes', 'and read back as the string');
    t.equal(store.getRun(run.runId).status, 'RUNNING');
    t.equal(store.getRun(run.runId).endTime, null);
  },
);

t.test('delete marks the run deleted with a deleted_time; restore drops it', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  const run = store.createRun('0', { runName: 'r', userId: 'ana', startTime: 1000 });
  store.endRun(run.runId, 'FAILED', 2000);
  const file = join(root, '0', run.runId, 'meta.yaml');
  const info = {
    root,
    experimentId: '0',
    runId: run.runId,
    runName: 'r',
    userId: 'ana',
    startTime: 1000,
    endTime: 2000,
    status: 4,
  };

  const before = Date.now();
  store.deleteRun(run.runId);
  const deletedTime = meta(file).deleted_time as number;
  t.ok(deletedTime >= before && deletedTime <= Date.now(), 'deleted_time is the time of deletion');
  const [deleted, restored] = mlflowYaml([
    { ...persistedRunInfo({ ...info, lifecycle: 'deleted' }), deleted_time: deletedTime },
    persistedRunInfo({ ...info, lifecycle: 'active' }),
  ]);
  t.equal(readFileSync(file, 'utf8'), deleted, 'as _overwrite_run_info(deleted_time=...) writes it');
  t.equal(store.getRun(run.runId).lifecycleStage, 'deleted');
  t.equal(
    thrown(() => store.setTags(run.runId, { a: 'b' })).message,
    `[DAGRUN_ERR_TRACKING_STATE] Run '${run.runId}': expected an active run, but got a deleted one.\n` +
      `  Hint: dagrun runs restore ${run.runId}`,
    'a deleted run takes no more writes',
  );

  store.restoreRun(run.runId);
  t.equal(readFileSync(file, 'utf8'), restored, 'restore_run: active again, deleted_time gone');
  t.equal(store.getRun(run.runId).lifecycleStage, 'active');
});

t.test('params are immutable: the same value again is fine, another value is refused', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  const run = store.createRun('0', { runName: 'r', userId: 'ana' });
  store.logParams(run.runId, { 'hyper_params.alpha': '0.5' });
  store.logParams(run.runId, { 'hyper_params.alpha': '0.5' });
  const err = thrown(() => store.logParams(run.runId, { 'hyper_params.alpha': '0.7' }));
  t.equal((err as Error & { code: string }).code, 'DAGRUN_ERR_TRACKING_PARAM_CHANGED');
  t.equal(
    err.message,
    `[DAGRUN_ERR_TRACKING_PARAM_CHANGED] Param 'hyper_params.alpha' of run '${run.runId}': ` +
      "expected the value it was logged with ('0.5'), but got '0.7'.\n" +
      '  Hint: params are immutable once logged (as in MLflow); log a new run for a new value.',
  );
  t.equal(
    readFileSync(join(root, '0', run.runId, 'params', 'hyper_params.alpha'), 'utf8'),
    '0.5',
    'the first value stays',
  );
});

t.test('keys MLflow refuses are refused before anything is written', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  const run = store.createRun('0', { runName: 'r', userId: 'ana' });
  const msg = (kind: string, key: string, got: string) =>
    `[DAGRUN_ERR_TRACKING_KEY] ${kind} name '${key}': ` +
    "expected at most 250 letters, digits, '_', '-', '.', ' ' or '/' " +
    `(no '..', no empty or '.' part between '/'), but got ${got}.`;
  t.equal(thrown(() => store.logMetric(run.runId, 'a:b', 1)).message, msg('Metric', 'a:b', 'another character'));
  t.equal(
    thrown(() => store.logParams(run.runId, { '../x': '1' })).message,
    msg('Param', '../x', "an empty, '.' or '..' part"),
  );
  t.equal(
    thrown(() => store.setTags(run.runId, { 'a//b': '1' })).message,
    msg('Tag', 'a//b', "an empty, '.' or '..' part"),
  );
  t.equal(
    thrown(() => store.setTags(run.runId, { '/abs': '1' })).message,
    msg('Tag', '/abs', "an empty, '.' or '..' part"),
  );
  t.equal(
    thrown(() => store.setTags(run.runId, { 'a/': '1' })).message,
    msg('Tag', 'a/', "an empty, '.' or '..' part"),
  );
  t.equal(
    thrown(() => store.logParams(run.runId, { '.': '1' })).message,
    msg('Param', '.', "an empty, '.' or '..' part"),
  );
  t.equal(
    thrown(() => store.logParams(run.runId, { ['k'.repeat(251)]: '1' })).message,
    msg('Param', 'k'.repeat(251), '251 characters'),
  );
  t.same(readdirSync(join(root, '0', run.runId, 'params')), [], 'no param written');
  t.same(readdirSync(join(root, '0', run.runId, 'tags')).sort(), ['mlflow.runName', 'mlflow.user']);
});

t.test('a run needs an active experiment of the store', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  for (const id of ['42', '../0', '.trash', 'models']) {
    t.equal(
      thrown(() => store.createRun(id, { runName: 'r', userId: 'ana' })).message,
      `[DAGRUN_ERR_TRACKING_NOT_FOUND] Experiment '${id}': expected an active experiment of the store (0 Default), ` +
        'but got no such experiment.',
      id,
    );
  }
  t.same(readdirSync(root).sort(), ['.trash', '0'], 'nothing created');
});

t.test('registered model and model version meta.yaml, with the aliases snapshot', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  const run = store.createRun('0', { runName: 'r', userId: 'ana' });
  const registry = new ModelRegistry(root);
  const source = `runs:/${run.runId}/model`;
  const storage = pathToFileURL(join(root, '0', run.runId, 'artifacts', 'model')).href;
  const v1 = registry.createVersion('property-valuation', { source, storageLocation: storage, runId: run.runId });
  const v2 = registry.createVersion('property-valuation', {
    source,
    storageLocation: storage,
    runId: run.runId,
    description:
      'Gradient boosting, depth 6, 400 trees. Chosen over ridge-baseline on validation RMSE; retrain nightly.',
    tags: { validation_status: 'approved' },
  });
  registry.setAlias('property-valuation', 'champion', 2);
  registry.setAlias('property-valuation', 'challenger', 1);
  const modelDir = join(root, 'models', 'property-valuation');
  const model = meta(join(modelDir, 'meta.yaml'));
  const version = (v: typeof v1, description: string | null) => ({
    aliases: [],
    creation_timestamp: v.creationTimestamp,
    current_stage: 'None',
    description,
    last_updated_timestamp: v.creationTimestamp,
    name: 'property-valuation',
    run_id: run.runId,
    run_link: null,
    source,
    status: 'READY',
    status_message: null,
    storage_location: storage,
    user_id: null,
    version: v.version,
  });
  const [modelYaml, v1Yaml, v2Yaml] = mlflowYaml([
    {
      aliases: { challenger: '1', champion: '2' },
      creation_timestamp: v1.creationTimestamp,
      description: null,
      last_updated_timestamp: model.last_updated_timestamp,
      name: 'property-valuation',
    },
    version(v1, null),
    version(v2, v2.description),
  ]);
  t.equal(
    readFileSync(join(modelDir, 'meta.yaml'), 'utf8'),
    modelYaml,
    'model meta.yaml: aliases snapshot as a map of quoted version strings',
  );
  t.match(modelYaml, "  champion: '2'\n");
  t.ok(
    (model.last_updated_timestamp as number) >= v2.creationTimestamp!,
    'last_updated_timestamp moves with the alias',
  );
  t.equal(readFileSync(join(modelDir, 'version-1', 'meta.yaml'), 'utf8'), v1Yaml, 'version meta.yaml');
  t.equal(
    readFileSync(join(modelDir, 'version-2', 'meta.yaml'), 'utf8'),
    v2Yaml,
    'version meta.yaml with a folded description, aliases: [] as MLflow leaves it',
  );
  t.equal(readFileSync(join(modelDir, 'aliases', 'champion'), 'utf8'), '2', 'alias file: the version, no newline');
  t.equal(readFileSync(join(modelDir, 'version-2', 'tags', 'validation_status'), 'utf8'), 'approved');
});

t.test('names PyYAML leaves plain read back as the strings they are (YAML 1.1, not 1.2)', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  // PyYAML writes these unquoted (its resolvers see no number or boolean); a YAML 1.2 reader would not.
  const names = ['1e-3', '1e5', 'y', 'n', '0o17', '12e45', '2026-01-01', 'yes', '1.0', '007', 'null', ''];
  const runs = names.map((runName) => store.createRun('0', { runName, userId: 'on', startTime: 5 }));
  const expected = mlflowYaml(
    runs.map((r, i) =>
      persistedRunInfo({
        root,
        experimentId: '0',
        runId: r.runId,
        runName: names[i]!,
        userId: 'on',
        startTime: 5,
        endTime: null,
        status: 1,
        lifecycle: 'active',
      }),
    ),
  );
  runs.forEach((r, i) => {
    t.equal(
      readFileSync(join(root, '0', r.runId, 'meta.yaml'), 'utf8'),
      expected[i],
      `meta.yaml of ${JSON.stringify(names[i])}`,
    );
    const back = store.getRun(r.runId);
    t.equal(back.runName, names[i], `run name ${JSON.stringify(names[i])}`);
    t.equal(back.userId, 'on', 'a quoted boolean-looking user stays a string');
  });
  t.same(new Set(store.allRuns().runs.map((r) => r.runName)), new Set(names), 'and so in the listing');
});
