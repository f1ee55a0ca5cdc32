// The tracking store's own API (open, experiments, runs by id or prefix, artifacts) and bad input: a part
// of the store that cannot be read is a problem naming its file, with the exact reason, and never hides
// the other runs; unknown ids, prefixes, models and aliases are errors naming what exists.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { StoreProblem } from './model.js';
import { ModelRegistry } from './registry-store.js';
import { TrackingStore } from './store.js';

const tempDir = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** The error `f` throws (tap's t.throws matches a message as a substring; these tests want it exact). */
const thrown = (f: () => unknown): Error & { code?: string } => {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a throw, but got none');
};

/** A store with three finished runs in experiment 'exp'. */
const seeded = (t: Test) => {
  const root = join(tempDir(t), 'mlruns');
  const store = TrackingStore.open(root);
  const exp = store.ensureExperiment('exp');
  const ids = ['a', 'b', 'c'].map((name, i) => {
    const run = store.createRun(exp.id, { runName: name, userId: 'ana', startTime: 1000 + i });
    store.logMetric(run.runId, 'mae', 10 + i, { timestamp: 5, step: 0 });
    store.endRun(run.runId, 'FINISHED', 2000 + i);
    return run.runId;
  });
  return {
    root,
    store,
    exp,
    ids,
    metaOf: (id: string) => join(root, exp.id, id, 'meta.yaml'),
    rel: (id: string, f = 'meta.yaml') => `${exp.id}/${id}/${f}`,
  };
};

t.test(
  'open: creates a store with the Default experiment; refuses a missing folder (create: false) or a file',
  async (t) => {
    const dir = tempDir(t);
    const missing = join(dir, 'nope');
    const err = thrown(() => TrackingStore.open(missing, { create: false }));
    t.equal(
      err.message,
      `[DAGRUN_ERR_TRACKING_STORE] Tracking store '${missing}': expected a folder, but got no such folder.\n` +
        '  Hint: run a pipeline of a project that lists @dagrun/tracking first, or pass --store PATH.',
    );
    writeFileSync(join(dir, 'file'), 'x');
    t.equal(
      thrown(() => TrackingStore.open(join(dir, 'file'))).message,
      `[DAGRUN_ERR_TRACKING_STORE] Tracking store '${join(dir, 'file')}': expected a folder, but got a file.`,
    );

    const store = TrackingStore.open(join(dir, 'mlruns'));
    t.same(
      store.experiments().map((e) => [e.id, e.name, e.lifecycleStage]),
      [['0', 'Default', 'active']],
    );
    const again = TrackingStore.open(join(dir, 'mlruns'));
    t.equal(again.experiments().length, 1, 'opening again adds nothing');
  },
);

t.test('ensureExperiment: found by name, else made once', async (t) => {
  const store = TrackingStore.open(join(tempDir(t), 'mlruns'));
  const a = store.ensureExperiment('pricing');
  t.equal(store.ensureExperiment('pricing').id, a.id, 'the same one the second time');
  t.not(store.ensureExperiment('other').id, a.id);
  t.equal(store.experimentByName('pricing')?.name, 'pricing');
  t.equal(store.experimentByName('Default')?.id, '0');
  t.equal(store.experiments().length, 3);
});

t.test('keys come in the same (sorted) order on every machine, not in readdir order', async (t) => {
  const store = TrackingStore.open(join(tempDir(t), 'mlruns'));
  const run = store.createRun('0', { runName: 'r', userId: 'ana' });
  const keys = ['zeta', 'alpha', 'mid', 'b.c', 'q', 'x/y', 'x.z', 'delta', 'k9', 'k10', 'Upper'];
  store.logParams(run.runId, Object.fromEntries(keys.map((k) => [k, '1'])));
  store.setTags(run.runId, Object.fromEntries(keys.map((k) => [k, '1'])));
  for (const k of keys) store.logMetric(run.runId, k, 1);
  const sorted = [...keys].sort();
  const got = store.getRun(run.runId);
  t.same(Object.keys(got.params), sorted);
  t.same(Object.keys(got.metrics), sorted);
  t.same(Object.keys(got.tags), [...keys, 'mlflow.runName', 'mlflow.user'].sort());
  for (const name of ['zz', 'aa', 'mm', 'bb', 'cc', 'yy']) store.ensureExperiment(name);
  const ids = store.experiments().map((e) => e.id);
  t.same(ids, [...ids].sort(), 'experiments by id');
});

t.test('runs by id, by unique prefix; unknown, ambiguous and malformed ids are errors', async (t) => {
  const { store, root, exp, ids } = seeded(t);
  t.equal(store.getRun(ids[0]!).runName, 'a');
  t.equal(store.getRun(ids[1]!.slice(0, 12)).runId, ids[1], 'a prefix');
  t.equal(store.getRun(ids[2]!.toUpperCase()).runId, ids[2], 'hex in capitals is the same id');

  const unknown = 'f'.repeat(32);
  t.equal(
    thrown(() => store.getRun(unknown)).message,
    `[DAGRUN_ERR_TRACKING_NOT_FOUND] Run '${unknown}': expected a run of the store at ${root}, but got no such run.\n` +
      '  Hint: `dagrun runs list` shows the ids.',
  );
  t.equal(
    thrown(() => store.getRun('zz-top')).message,
    "[DAGRUN_ERR_TRACKING_NOT_FOUND] Run 'zz-top': expected a run id (32 hex characters, " +
      "or a unique prefix of at least 4), but got 'zz-top'.",
  );
  t.equal(
    thrown(() => store.getRun('abc')).message,
    "[DAGRUN_ERR_TRACKING_NOT_FOUND] Run 'abc': expected a run id (32 hex characters, " +
      "or a unique prefix of at least 4), but got 'abc'.",
    'too short a prefix',
  );
  t.equal(thrown(() => store.getRun('../../etc')).code, 'DAGRUN_ERR_TRACKING_NOT_FOUND', 'never a path');

  // Two run folders sharing a prefix (ids are random: make the pair by hand, in two experiments).
  const twin = (id: string, expDir: string) => {
    mkdirSync(join(root, expDir, id), { recursive: true });
    writeFileSync(
      join(root, expDir, id, 'meta.yaml'),
      readFileSync(join(root, exp.id, ids[0]!, 'meta.yaml'), 'utf8')
        .replaceAll(ids[0]!, id)
        .replace(`experiment_id: '${exp.id}'`, `experiment_id: '${expDir}'`),
    );
  };
  twin('abcd0000000000000000000000000001', exp.id);
  twin('abcd0000000000000000000000000002', '0');
  t.equal(
    thrown(() => store.getRun('abcd0000')).message,
    "[DAGRUN_ERR_TRACKING_NOT_FOUND] Run 'abcd0000': expected a prefix of one run, " +
      'but got 2 runs that start with it.\n  Hint: give more characters of the id.',
  );
  t.equal(store.getRun('abcd0000000000000000000000000002').experimentId, '0', 'the full id is never ambiguous');
});

t.test('a run in a deleted experiment (.trash) is found, with its experiment id', async (t) => {
  const { store, root, exp, ids } = seeded(t);
  // What MLflow's delete_experiment does: move the folder into .trash.
  renameSync(join(root, exp.id), join(root, '.trash', exp.id));
  const run = store.getRun(ids[0]!);
  t.equal(run.experimentId, exp.id);
  t.equal(store.allRuns().runs.length, 3, 'still listed');
});

t.test('artifacts: written, copied, listed; a path may not leave the run', async (t) => {
  const dir = tempDir(t);
  const store = TrackingStore.open(join(dir, 'mlruns'));
  const run = store.createRun('0', { runName: 'r', userId: 'ana' });
  store.writeArtifact(run.runId, 'dagrun/run-record.json', '{}');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'weights.json'), '[1]');
  store.logArtifact(run.runId, join(dir, 'model'), 'model');
  t.same(store.artifacts(run.runId).sort(), ['dagrun/run-record.json', 'model/weights.json']);
  t.equal(readFileSync(store.artifactPath(run.runId, 'model/weights.json'), 'utf8'), '[1]');
  const leave =
    "[DAGRUN_ERR_TRACKING_KEY] Artifact path '../meta.yaml': expected a path inside the run's artifacts, " +
    'but got one that leaves it.';
  t.equal(thrown(() => store.artifactPath(run.runId, '../meta.yaml')).message, leave);
  t.equal(thrown(() => store.writeArtifact(run.runId, '../meta.yaml', 'x')).message, leave);
  t.equal(thrown(() => store.logArtifact(run.runId, join(dir, 'model'), '../meta.yaml')).message, leave);
  const sibling =
    "[DAGRUN_ERR_TRACKING_KEY] Artifact path '../artifacts-x/w.json': expected a path inside the run's artifacts, " +
    'but got one that leaves it.';
  t.equal(
    thrown(() => store.logArtifact(run.runId, join(dir, 'model', 'weights.json'), '../artifacts-x/w.json')).message,
    sibling,
    'a sibling folder whose name starts like artifacts/',
  );
  t.equal(thrown(() => store.writeArtifact(run.runId, '../artifacts-x/w.json', 'x')).message, sibling);
  t.equal(store.getRun(run.runId).status, 'RUNNING', 'meta.yaml untouched');
});

t.test('a corrupt meta.yaml (not YAML) is a problem naming the file; the other runs are listed', async (t) => {
  const { store, ids, metaOf, rel } = seeded(t);
  writeFileSync(metaOf(ids[1]!), 'status: [1\n');
  const message =
    `Tracking store file '${rel(ids[1]!)}': expected YAML, but got a syntax error: ` +
    'Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1.';
  const { runs, problems } = store.allRuns();
  t.same(problems, [{ file: rel(ids[1]!), message }]);
  t.same(runs.map((r) => r.runName).sort(), ['a', 'c']);
  const err = thrown(() => store.getRun(ids[1]!));
  t.equal(err.code, 'DAGRUN_ERR_TRACKING_CORRUPT');
  t.equal(err.message, `[DAGRUN_ERR_TRACKING_CORRUPT] ${message}`);
  t.equal(
    thrown(() => store.setTags(ids[1]!, { a: 'b' })).message,
    `[DAGRUN_ERR_TRACKING_CORRUPT] ${message}`,
    'nor written to',
  );
});

t.test('meta.yaml that is YAML but no mapping: empty, a list, a single value', async (t) => {
  const { store, ids, metaOf, rel } = seeded(t);
  writeFileSync(metaOf(ids[0]!), '');
  writeFileSync(metaOf(ids[1]!), '- 1\n- 2\n');
  writeFileSync(metaOf(ids[2]!), 'just text\n');
  const { runs, problems } = store.allRuns();
  t.same(runs, []);
  t.same(
    problems.sort((a, b) => ids.indexOf(a.file.split('/')[1]!) - ids.indexOf(b.file.split('/')[1]!)),
    [
      {
        file: rel(ids[0]!),
        message: `Tracking store file '${rel(ids[0]!)}': expected a mapping of fields, but got an empty file.`,
      },
      {
        file: rel(ids[1]!),
        message: `Tracking store file '${rel(ids[1]!)}': expected a mapping of fields, but got a list.`,
      },
      {
        file: rel(ids[2]!),
        message:
          `Tracking store file '${rel(ids[2]!)}': expected a mapping of fields, ` +
          'but got the single value "just text".',
      },
    ],
  );
});

t.test('a hand-edited meta.yaml contradicting its folder: experiment_id, run_id, status', async (t) => {
  const { store, exp, ids, metaOf, rel } = seeded(t);
  const text = readFileSync(metaOf(ids[0]!), 'utf8');
  writeFileSync(metaOf(ids[0]!), text.replace(`experiment_id: '${exp.id}'`, "experiment_id: '123'"));
  writeFileSync(
    metaOf(ids[1]!),
    readFileSync(metaOf(ids[1]!), 'utf8')
      .replace(/^run_id: .*$/m, `run_id: ${ids[2]}`)
      .replace(/^run_uuid: .*$/m, '')
      .replace('status: 3', 'status: 9'),
  );
  const { runs, problems } = store.allRuns();
  t.same(
    runs.map((r) => r.runName),
    ['c'],
  );
  const byFile = Object.fromEntries(problems.map((p: StoreProblem) => [p.file, p.message]));
  t.equal(
    byFile[rel(ids[0]!)],
    `Tracking store file '${rel(ids[0]!)}': experiment_id: expected '${exp.id}' (the folder it is in), but got "123".`,
  );
  t.equal(
    byFile[rel(ids[1]!)],
    `Tracking store file '${rel(ids[1]!)}': run_id: expected '${ids[1]}' (the folder's name), but got "${ids[2]}"; ` +
      'status: expected 1-5 or RUNNING, SCHEDULED, FINISHED, FAILED, KILLED, but got 9.',
  );
  t.equal(problems.length, 2);
});

t.test('a repeated key in meta.yaml: the last one wins, as PyYAML (MLflow) reads it', async (t) => {
  const { store, ids, metaOf } = seeded(t);
  writeFileSync(metaOf(ids[0]!), `${readFileSync(metaOf(ids[0]!), 'utf8')}status: 4\n`);
  const { runs, problems } = store.allRuns();
  t.same(problems, []);
  t.equal(runs.find((r) => r.runId === ids[0])!.status, 'FAILED');
});

t.test('a run folder without meta.yaml is a problem; the others are listed', async (t) => {
  const { store, root, exp, rel } = seeded(t);
  const id = '0123456789abcdef0123456789abcdef';
  mkdirSync(join(root, exp.id, id, 'params'), { recursive: true });
  const { runs, problems } = store.allRuns();
  t.same(problems, [
    { file: rel(id), message: `Tracking store file '${rel(id)}': expected a meta.yaml, but got no such file.` },
  ]);
  t.equal(runs.length, 3);
  t.equal(
    thrown(() => store.getRun(id)).message,
    `[DAGRUN_ERR_TRACKING_CORRUPT] Tracking store file '${rel(id)}': expected a meta.yaml, but got no such file.`,
  );
  // MLflow's reserved folders of an experiment are not runs.
  for (const reserved of ['tags', 'datasets', 'traces']) mkdirSync(join(root, exp.id, reserved), { recursive: true });
  t.equal(store.allRuns().problems.length, 1, 'tags/, datasets/ and traces/ are no runs');
});

t.test('a metric line that does not parse is a problem; the run and its other values are kept', async (t) => {
  const { store, root, exp, ids, rel } = seeded(t);
  const file = join(root, exp.id, ids[0]!, 'metrics', 'mae');
  writeFileSync(file, `${readFileSync(file, 'utf8')}17000 oops 1\n6 3.5\n7 1.0 2 extra\n8 2.0 x\n9 inf 3\n`);
  const problems: StoreProblem[] = [];
  const history = store.metricHistory(ids[0]!, 'mae', problems);
  const line = (n: number, text: string) => ({
    file: rel(ids[0]!, 'metrics/mae'),
    message:
      `Metric 'mae' in '${rel(ids[0]!, 'metrics/mae')}', line ${n}: ` +
      `expected 'timestamp value step' (integers around a number), but got '${text}'.`,
  });
  t.same(problems, [line(2, '17000 oops 1'), line(4, '7 1.0 2 extra'), line(5, '8 2.0 x')]);
  t.same(
    history,
    [
      { timestamp: 5, value: 10, step: 0 },
      { timestamp: 6, value: 3.5, step: 0 },
      { timestamp: 9, value: Infinity, step: 3 },
    ],
    "a line without a step is step 0 (MLflow's old files); inf is a value",
  );
  const listing = store.allRuns();
  t.same(listing.problems, problems, 'the listing reports the same');
  t.equal(listing.runs.length, 3);
  t.equal(listing.runs.find((r) => r.runId === ids[0])!.metrics.mae, Infinity, 'the latest of the good lines');
});

t.test('an experiment without meta.yaml is a problem of experiments(); its runs are still listed', async (t) => {
  const { store, root, exp } = seeded(t);
  rmSync(join(root, exp.id, 'meta.yaml'));
  const problems: StoreProblem[] = [];
  t.same(
    store.experiments(problems).map((e) => e.id),
    ['0'],
  );
  t.same(problems, [
    {
      file: `${exp.id}/meta.yaml`,
      message: `Tracking store file '${exp.id}/meta.yaml': expected a meta.yaml, but got no such file.`,
    },
  ]);
  t.equal(store.allRuns().runs.length, 3);
});

t.test('registry: unknown model, version and alias name what exists; a broken model hides no other', async (t) => {
  const { store, ids } = seeded(t);
  const registry = new ModelRegistry(store.root);
  registry.createVersion('pricing', { source: `runs:/${ids[0]}/model`, storageLocation: 'file:///x', runId: ids[0]! });
  registry.createVersion('pricing', { source: `runs:/${ids[1]}/model`, storageLocation: 'file:///y', runId: ids[1]! });
  registry.setAlias('pricing', 'champion', 1);
  registry.setAlias('pricing', 'challenger', 2);
  registry.createVersion('churn', { source: 'file:///z', storageLocation: 'file:///z', runId: null });

  const modelHint =
    '\n  Hint: dagrun models register --run ID --name NAME, ' +
    'or list the model dataset under register: in tracking.yaml.';
  const noModel =
    "[DAGRUN_ERR_REGISTRY_NOT_FOUND] Registered model 'pricng': " +
    `expected one of the registry's models (churn, pricing), but got no such model.${modelHint}`;
  t.equal(thrown(() => registry.model('pricng')).message, noModel);
  t.equal(thrown(() => registry.resolve('models:/pricng@champion')).message, noModel);
  t.equal(thrown(() => registry.versions('pricng')).message, noModel);
  t.equal(
    thrown(() => registry.resolve('models:/pricing@production')).message,
    "[DAGRUN_ERR_REGISTRY_NOT_FOUND] Alias 'production' of model 'pricing': " +
      'expected an alias of the model (challenger, champion), but got no such alias.\n' +
      '  Hint: dagrun models promote pricing --to production (or dagrun models alias pricing production VERSION)',
  );
  t.equal(
    thrown(() => registry.resolve('models:/churn@champion')).message.split('\n')[0],
    "[DAGRUN_ERR_REGISTRY_NOT_FOUND] Alias 'champion' of model 'churn': " +
      'expected an alias of the model (it has none), but got no such alias.',
  );
  t.equal(
    thrown(() => registry.resolve('models:/pricing/7')).message,
    "[DAGRUN_ERR_REGISTRY_NOT_FOUND] Model 'pricing' version 7: expected a registered version, but got none.\n" +
      '  Hint: dagrun models show pricing',
  );
  t.equal(
    thrown(() => registry.resolve('models:/pricing')).message,
    "[DAGRUN_ERR_REGISTRY_URI] Model URI 'models:/pricing': expected models:/NAME/VERSION or models:/NAME@ALIAS, " +
      'but got another form.\n  Hint: e.g. models:/property-valuation@champion',
  );
  t.equal(
    thrown(() => registry.resolve('models:/..@champion')).code,
    'DAGRUN_ERR_REGISTRY_NOT_FOUND',
    "'..' names no model (not the store folder)",
  );

  writeFileSync(join(store.root, 'models', 'churn', 'meta.yaml'), 'name: [\n');
  const problems: StoreProblem[] = [];
  t.same(
    registry.models(problems).map((m) => m.name),
    ['pricing'],
    'the readable model is listed',
  );
  t.same(problems, [
    {
      file: 'models/churn/meta.yaml',
      message:
        "[DAGRUN_ERR_TRACKING_CORRUPT] Tracking store file 'models/churn/meta.yaml': expected YAML, " +
        'but got a syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] ' +
        'at line 2, column 1.',
    },
  ]);

  rmSync(join(store.root, 'models', 'pricing', 'version-1', 'meta.yaml'));
  const vProblems: StoreProblem[] = [];
  t.same(
    registry.versions('pricing', vProblems).map((v) => v.version),
    [2],
    'the readable version is listed',
  );
  t.same(vProblems, [
    {
      file: 'models/pricing/version-1/meta.yaml',
      message:
        "[DAGRUN_ERR_TRACKING_CORRUPT] Tracking store file 'models/pricing/version-1/meta.yaml': " +
        'expected a meta.yaml, but got no such file.',
    },
  ]);
});
