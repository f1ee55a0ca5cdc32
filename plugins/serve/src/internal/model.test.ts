// loadModel's choice of the version to serve when none is asked for: the newest dagrun version whose run
// completed (its run record says 'ok'). A training run that stopped between saving the model and saving
// its metrics (failed, killed, or without a record) is passed over with a notice, or serving refuses when
// no version qualifies; a version asked for (--model-version) is served whatever its run did.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, openProject, type DagrunError, type RunRecord } from '@dagrun/core';
import t from 'tap';
import { environ, modelVersions, trainedProject } from '../../test/fixture.js';
import { loadServeConfig } from './config.js';
import { loadModel } from './model.js';
import { incompleteReason, skipNotice } from './model-version.js';

const dir = await trainedProject(t, 'model', { trainings: 2 });
const [V1, V2] = modelVersions(dir) as [string, string];
const runs = join(dir, '.dagrun/runs');
const recordFile = (version: string) => join(runs, `${version}.json`);
const readRecord = (version: string) => JSON.parse(readFileSync(recordFile(version), 'utf8')) as RunRecord;
const writeRecord = (record: RunRecord) =>
  writeFileSync(recordFile(record.saveVersion), `${JSON.stringify(record, null, 2)}\n`);

/**
 * A plugin whose hook stops model_run after `model` is saved and before `metrics` is: a training that dies between the
 * two saves.
 */
const stopBeforeMetrics = definePlugin({
  name: 'stop-before-metrics',
  register(api) {
    api.registerHooks({
      beforeNodeRun({ node }) {
        if (node.name === 'evaluate_model') throw new Error('stopped before saving the metrics');
      },
    });
  },
});

// The third training dies between its two saves: its model is a version (V3), its metrics are not.
const training = await openProject({
  projectDir: dir,
  environ: environ(),
  plugins: [stopBeforeMetrics],
  params: ['hyper_params.n_estimators=30'],
});
await training.run({ pipeline: 'model_run' }).then(
  () => t.fail('the third training was meant to fail'),
  () => undefined,
);
const V3 = modelVersions(dir).at(-1)!;
const failed = readRecord(V3);

/** serve.yaml of the project, and loadModel on it. */
const serve = async (version?: string) => {
  const project = await openProject({ projectDir: dir, environ: environ() });
  const { config } = loadServeConfig(project);
  if (!config) throw new Error('serve.yaml did not load');
  return loadModel(project, config, version);
};

t.test('the third training saved its model but not its metrics, and its run record says it failed', async (t) => {
  t.same(modelVersions(dir), [V1, V2, V3]);
  t.notOk(existsSync(join(dir, 'data/08_reporting/metrics.json', V3)), 'no metrics at V3');
  t.ok(existsSync(join(dir, 'data/08_reporting/metrics.json', V2)), 'metrics at V2');
  t.match(failed, { status: 'failed', saveVersion: V3, datasets: [{ name: 'model', version: V3 }] });
  t.equal(readRecord(V2).status, 'ok');
});

t.test(
  'following: the newest version whose run completed is served; the failed one is passed over, with why',
  async (t) => {
    const m = await serve();
    t.equal(m.version, V2);
    t.match(m.metrics, { mae: Number }, "V2's own metrics");
    const reason = `its run failed at node 'evaluate_model' (.dagrun/runs/${V3}.json says 'failed')`;
    t.same(m.skipped, [{ version: V3, reason }]);
    t.equal(
      skipNotice(m.dataset, m.skipped[0]!, m.version),
      `Model 'served_model': skipped version ${V3}: ${reason}; serving ${V2}, the newest version whose run completed.`,
    );
  },
);

t.test('a run killed mid-way (its record still says running), or one without a record: passed over too', async (t) => {
  t.teardown(() => writeRecord(failed));
  writeRecord({ ...failed, status: 'running' });
  t.same((await serve()).skipped, [
    {
      version: V3,
      reason:
        'its run has not finished ' +
        `(.dagrun/runs/${V3}.json says 'running': ` +
        'the run is still going, or was killed)',
    },
  ]);
  t.equal((await serve()).version, V2);
  rmSync(recordFile(V3));
  const m = await serve();
  t.equal(m.version, V2);
  t.same(m.skipped, [
    { version: V3, reason: `no run record says its run completed (no readable .dagrun/runs/${V3}.json)` },
  ]);
});

t.test('--model-version names the incomplete version: it is served on purpose, without metrics', async (t) => {
  const m = await serve(V3);
  t.equal(m.version, V3);
  t.equal(m.metrics, null, 'its run saved none');
  t.same(m.skipped, []);
});

t.test(
  'the same files with a run record that says ok: served as the newest (the record decides, not the files)',
  async (t) => {
    t.teardown(() => writeRecord(failed));
    writeRecord({ ...failed, status: 'ok' });
    const m = await serve();
    t.equal(m.version, V3);
    t.same(m.skipped, []);
  },
);

t.test(
  'no version whose run completed: serving refuses, naming the dataset, the newest version and what to do',
  async (t) => {
    const [r1, r2] = [readRecord(V1), readRecord(V2)];
    t.teardown(() => [r1, r2].forEach(writeRecord));
    writeRecord({ ...r2, status: 'running' });
    rmSync(recordFile(V1));
    const err = (await serve().then(
      () => undefined,
      (e: unknown) => e,
    )) as DagrunError | undefined;
    t.equal(err?.code, 'DAGRUN_ERR_DATASET_VERSION');
    t.equal(
      err?.message,
      `[DAGRUN_ERR_DATASET_VERSION] Model dataset 'served_model': expected a version whose run completed (its run ` +
        `record says 'ok'), but got 3 versions, none complete; the newest, ${V3}: its run failed at node ` +
        `'evaluate_model' (.dagrun/runs/${V3}.json says 'failed').\n` +
        '  Hint: run the training pipeline again to save a complete version, or serve this one on purpose ' +
        `with --model-version ${V3}.`,
    );
    t.equal((await serve(V1)).version, V1, 'a version asked for is still served');
  },
);

t.test(
  'only dagrun save versions are held to their run record: a registry version number is taken as its store lists it',
  async (t) => {
    const project = await openProject({ projectDir: dir, environ: environ() });
    t.equal(await incompleteReason(project, '2'), undefined, 'no record 2.json is looked for');
    t.equal(await incompleteReason(project, V2), undefined);
    t.match(await incompleteReason(project, V3), /^its run failed/);
  },
);
