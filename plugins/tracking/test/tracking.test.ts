// End to end through the engine: a project run with the tracking plugin is recorded as a run (params,
// metrics, artifacts, tags, status), failures end FAILED, tracking.yaml problems stop the run with
// file:line, and registration with the promotion gate moves the alias only when every rule passes.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type tap from 'tap';
import { openProject } from '@dagrun/core';
import { caught } from '../../../core/test/helpers/caught.js';
import { makeProject } from '../../../core/test/helpers/project.js';
import { ModelRegistry, TrackingStore, trackingPlugin } from '../src/index.js';

const NODES = `
export const train = (p) => ({ kind: 'mean-model', depth: p.depth, bias: p.bias });
export const evaluate = (model, p) => ({ mae: 100 + model.bias, r2: 0.5, detail: { n: 3 } });
export const report = (metrics) => '<html><body>mae ' + metrics.mae + '</body></html>';
export const explode = (model) => { throw new Error('boom ' + model.kind); };
`;

const PIPELINES = `
train_eval:
  nodes:
    - { name: train, func: src/nodes.js#train, inputs: [params:model], outputs: model }
    - { name: evaluate, func: src/nodes.js#evaluate, inputs: [model, params:model], outputs: metrics }
    - { name: report, func: src/nodes.js#report, inputs: [metrics], outputs: evaluation_report }
broken:
  nodes:
    - { name: train, func: src/nodes.js#train, inputs: [params:model], outputs: model }
    - { name: explode, func: src/nodes.js#explode, inputs: [model], outputs: nothing }
`;

const CATALOG = `
model: { type: json, path: data/model.json, versioned: true }
metrics: { type: json, path: data/metrics.json }
evaluation_report: { type: text, path: data/report.html }
nothing: { type: json, path: data/nothing.json }
`;

const TRACKING = `
experiment: demo
metrics: [metrics]
artifacts: [evaluation_report]
register: { dataset: model, name: demo-model, promote_to: champion }
promotion:
  champion:
    - { metric: mae, max: 150 }
    - { metric: mae, no_worse_than_current: 5% }
`;

const project = (t: Parameters<Parameters<typeof tap.test>[1]>[0], tracking = TRACKING) =>
  makeProject(t, {
    'pipeline.yaml': PIPELINES,
    'conf/base/catalog.yaml': CATALOG,
    'conf/base/parameters.yaml': 'model:\n  depth: 5\n  bias: 20\n  nested: { a: { b: x } }\n',
    'conf/base/tracking.yaml': tracking,
    'src/nodes.js': NODES,
  });

const run = async (dir: string, pipeline: string, params: string[] = []) => {
  const p = await openProject({ projectDir: dir, plugins: [trackingPlugin], params });
  return p.run({ pipeline, record: false });
};

t.test('a run is recorded: params flattened, metrics and artifacts as saved, tags, FINISHED', async (t) => {
  const dir = project(t);
  await run(dir, 'train_eval');
  const store = TrackingStore.open(join(dir, 'mlruns'));
  const exp = store.experimentByName('demo');
  t.ok(exp, 'the experiment named in tracking.yaml');
  const { runs } = store.allRuns();
  t.equal(runs.length, 1);
  const r = runs[0]!;
  t.equal(r.status, 'FINISHED');
  t.equal(r.experimentId, exp!.id);
  t.same(r.params, { 'model.depth': '5', 'model.bias': '20', 'model.nested.a.b': 'x' });
  t.same(r.metrics, { mae: 120, r2: 0.5, 'detail.n': 3, 'dagrun.contract_violations': 0 });
  t.equal(r.tags['dagrun.pipeline'], 'train_eval');
  t.equal(r.tags['mlflow.source.type'], 'LOCAL');
  t.match(r.tags['dagrun.process'], /^[^:]+:\d+:\d+$/);
  t.ok(r.endTime! >= r.startTime!);
  const artifacts = store.artifacts(r.runId).sort();
  t.same(
    artifacts,
    ['dagrun/run-record.json', 'evaluation_report/report.html', 'model/model.json'],
    'the versioned model file copied under the dataset name',
  );
  t.equal(
    readFileSync(store.artifactPath(r.runId, 'evaluation_report/report.html'), 'utf8'),
    '<html><body>mae 120</body></html>',
  );
  const meta = readFileSync(join(store.runDir(r.runId), 'meta.yaml'), 'utf8');
  t.match(meta, /^status: 3$/m);
  t.notMatch(meta, /deleted_time/, 'an ended run has no deleted_time, as MLflow leaves it');
});

t.test('registration and the promotion gate: a better version takes @champion, a worse one does not', async (t) => {
  const dir = project(t);
  await run(dir, 'train_eval'); // mae 120: passes max 150, no current champion
  await run(dir, 'train_eval', ['model.bias=10']); // mae 110: better, promoted
  await run(dir, 'train_eval', ['model.bias=30']); // mae 130: passes max, but > 110 * 1.05: refused
  await run(dir, 'train_eval', ['model.bias=90']); // mae 190: fails max
  const registry = new ModelRegistry(join(dir, 'mlruns'));
  t.same(
    registry.versions('demo-model').map((v) => v.version),
    [1, 2, 3, 4],
    'every successful run registers a version',
  );
  t.equal(registry.resolve('models:/demo-model@champion').version, 2);
  const v2 = registry.version('demo-model', 2);
  t.match(v2.source, /^runs:\/[0-9a-f]{32}\/model$/);
  t.ok(existsSync(new URL(v2.storageLocation!)), 'the storage location is the run artifact folder');
});

t.test('a failing run ends FAILED with the error and the resume command as tags, and registers nothing', async (t) => {
  const dir = project(t);
  const err = await caught(() => run(dir, 'broken'));
  t.match(err.message, 'boom');
  const store = TrackingStore.open(join(dir, 'mlruns'));
  const [r] = store.allRuns().runs;
  t.equal(r!.status, 'FAILED');
  t.match(r!.tags['dagrun.error'], 'boom');
  t.match(r!.tags['dagrun.resume'], '--from-nodes explode');
  t.notOk(existsSync(join(dir, 'mlruns/models/demo-model')), 'no version from a failed run');
});

t.test('tracking.yaml problems are project problems, with file:line, and nothing runs', async (t) => {
  const dir = project(
    t,
    'experiment: demo\nmetrics: [metricz]\nparams: some\npromotion:\n  champion:\n    - { metric: mae }\n',
  );
  const p = await openProject({ projectDir: dir, plugins: [trackingPlugin] });
  const messages = p.errors.map((e) => e.message);
  t.match(
    messages.join('\n'),
    /conf\/base\/tracking\.yaml:3:\d+ \[DAGRUN_ERR_CONFIG_SCHEMA\] Tracking configuration, field 'params'/,
  );
  const again = await openProject({
    projectDir: makeProject(t, {
      'pipeline.yaml': PIPELINES,
      'conf/base/catalog.yaml': CATALOG,
      'conf/base/parameters.yaml': 'model: { depth: 1, bias: 1 }\n',
      'src/nodes.js': NODES,
      'conf/base/tracking.yaml': 'metrics: [metricz]\npromotion:\n  champion:\n    - { metric: mae }\n',
    }),
    plugins: [trackingPlugin],
  });
  t.same(
    again.errors.map((e) => e.message),
    [
      "conf/base/tracking.yaml:1:11 [DAGRUN_ERR_TRACKING_CONFIG] Tracking configuration, field 'metrics.0': " +
        "expected a dataset of catalog.yaml, but got 'metricz'.",
      'conf/base/tracking.yaml:4:7 [DAGRUN_ERR_TRACKING_CONFIG] Tracking configuration, ' +
        "field 'promotion.champion.0': expected a metric with max, min or no_worse_than_current, " +
        'or a tag with equals, but got {"metric":"mae"}.',
    ],
  );
  await caught(() => again.run({ pipeline: 'train_eval', record: false }));
  t.notOk(existsSync(join(dir, 'mlruns')), 'nothing recorded for a project that does not check');
});

t.test('enabled: false records nothing', async (t) => {
  const dir = project(t, 'enabled: false\n');
  await run(dir, 'train_eval');
  t.notOk(existsSync(join(dir, 'mlruns')));
});

t.test('an object-store location for the store is refused with a reason, not turned into a folder', async (t) => {
  const dir = project(t, 'store: s3://bucket/mlruns\n');
  const p = await openProject({ projectDir: dir, plugins: [trackingPlugin] });
  t.same(
    p.errors.map((e) => e.message),
    [
      "conf/base/tracking.yaml:1:8 [DAGRUN_ERR_TRACKING_CONFIG] Tracking configuration, field 'store': " +
        "expected a local path (or file://), but got 's3://bucket/mlruns'.\n" +
        '  Hint: an s3:// store is not supported: keep mlruns/ on a disk or a mounted volume; ' +
        'models saved to S3 are registered where they live.',
    ],
  );
});

t.test("params: used logs the parameters the run's nodes read, and no others", async (t) => {
  const dir = makeProject(t, {
    'pipeline.yaml': PIPELINES,
    'conf/base/catalog.yaml': CATALOG,
    'conf/base/parameters.yaml': 'model:\n  depth: 5\n  bias: 20\ngenerator:\n  rows: 1000\n  seed: 7\n',
    'conf/base/tracking.yaml': 'params: used\n',
    'src/nodes.js': NODES,
  });
  await run(dir, 'train_eval');
  const [r] = TrackingStore.open(join(dir, 'mlruns')).allRuns().runs;
  t.same(r!.params, { 'model.depth': '5', 'model.bias': '20' });
});
