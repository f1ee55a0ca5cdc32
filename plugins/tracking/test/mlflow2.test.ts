// Reading a store Python MLflow 2.x wrote (test/fixtures/mlflow2, see its README): every run, experiment,
// metric history, registered model, version and alias is what mlflow2-expected.json says a reader must see;
// `dagrun runs list` filters pick the same runs as filtering the expected facts by hand.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import type { MetricPoint, Run, StoreProblem } from '../src/internal/model.js';
import { ModelRegistry } from '../src/internal/registry-store.js';
import { listRuns } from '../src/internal/runs-command.js';
import { TrackingStore } from '../src/internal/store.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface ExpectedRun {
  run_id: string;
  experiment_id: string;
  name: string;
  status: string;
  lifecycle_stage: string;
  start_time: number;
  end_time: number | null;
  user_id: string;
  artifact_uri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  artifacts: string[];
  latest_metrics: Record<string, { value: Num; timestamp: number; step: number }>;
  metric_history: Record<string, Array<{ value: Num; timestamp: number; step: number }>>;
}
interface ExpectedVersion {
  version: number;
  current_stage: string;
  status: string;
  user_id: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  run_id: string;
  source: string;
  storage_location: string;
  tags: Record<string, string>;
  aliases: string[];
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'mlflow2-expected.json'), 'utf8')) as {
  experiments: Array<{
    experiment_id: string;
    name: string;
    lifecycle_stage: string;
    creation_time: number;
    last_update_time: number;
    tags: Record<string, string>;
    artifact_location: string;
  }>;
  runs: ExpectedRun[];
  registry: {
    models: Array<{
      name: string;
      creation_timestamp: number;
      last_updated_timestamp: number;
      description: string | null;
      tags: Record<string, string>;
      aliases: Record<string, string>;
      versions: ExpectedVersion[];
    }>;
  };
};

/** Removes empty folders, as a git checkout of the fixture has none (MLflow's empty artifacts/ and metrics/). */
const pruneEmpty = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) continue;
    pruneEmpty(p);
    if (readdirSync(p).length === 0) rmdirSync(p);
  }
};

/** A copy of the fixture store in a temp folder (the reader writes its index there). */
const fixtureCopy = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-mlflow2-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'mlruns');
  cpSync(join(FIXTURES, 'mlflow2', 'mlruns'), root, { recursive: true });
  pruneEmpty(root);
  return root;
};

// The expected JSON writes NaN and ±Infinity as strings; so do these comparisons.
const num = (v: number): Num =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;
const value = (v: Num): number => (typeof v === 'number' ? v : Number(v));

const asExpected = (r: Run) => ({
  run_id: r.runId,
  experiment_id: r.experimentId,
  name: r.runName,
  status: r.status,
  lifecycle_stage: r.lifecycleStage,
  start_time: r.startTime,
  end_time: r.endTime,
  user_id: r.userId,
  artifact_uri: r.artifactUri,
  params: r.params,
  tags: r.tags,
  metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, num(v)])),
});
const expectedRun = (e: ExpectedRun) => ({
  run_id: e.run_id,
  experiment_id: e.experiment_id,
  name: e.name,
  status: e.status,
  lifecycle_stage: e.lifecycle_stage,
  start_time: e.start_time,
  end_time: e.end_time,
  user_id: e.user_id,
  artifact_uri: e.artifact_uri,
  params: e.params,
  tags: e.tags,
  metrics: Object.fromEntries(Object.entries(e.latest_metrics).map(([k, m]) => [k, m.value])),
});

t.test('every run reads as MLflow reads it: info, params, latest metrics (NaN too), tags', async (t) => {
  const store = TrackingStore.open(fixtureCopy(t), { create: false });
  const { runs, problems } = store.allRuns();
  t.same(problems, [], 'nothing unreadable');
  t.equal(runs.length, EXPECTED.runs.length, `${EXPECTED.runs.length} runs, the trashed experiment's included`);
  for (const e of EXPECTED.runs) {
    const got = runs.find((r) => r.runId === e.run_id);
    if (!got) {
      t.fail(`run ${e.name} (${e.run_id}) listed`);
      continue;
    }
    t.strictSame(asExpected(got), expectedRun(e), `run ${e.name}`);
    t.strictSame(asExpected(store.getRun(e.run_id)), expectedRun(e), `getRun ${e.name}`);
    t.same(store.artifacts(e.run_id).sort(), [...e.artifacts].sort(), `artifacts of ${e.name}`);
  }
  // The facts the fixture README calls out, spelled out.
  const byName = (n: string) => runs.find((r) => r.runName === n)!;
  t.equal(
    byName('ridge-baseline').metrics['val/loss'],
    0.49,
    'latest is the largest step (step 2 logged again after step 4), not the last line',
  );
  t.equal(byName('gbm-depth-6').metrics.r2, 0.8437, 'same step and timestamp: the larger value');
  t.ok(Number.isNaN(byName('gbm-depth-12').metrics.loss), 'a nan line is NaN');
  t.equal(byName('data-check').params['data/source'], 'data/01_raw/listings.csv', 'a nested param key');
  t.equal(byName('nightly-retrain').status, 'RUNNING', 'a RUNNING run without a dagrun.process tag stays RUNNING');
  t.equal(byName('scratch-2').lifecycleStage, 'deleted');
});

t.test('a second reader (the index file written by the first) sees the same runs', async (t) => {
  const root = fixtureCopy(t);
  TrackingStore.open(root, { create: false }).allRuns();
  const { runs, reread } = TrackingStore.open(root, { create: false }).allRuns();
  t.equal(reread, 1, 'only the RUNNING run is read again');
  for (const e of EXPECTED.runs)
    t.strictSame(asExpected(runs.find((r) => r.runId === e.run_id)!), expectedRun(e), `run ${e.name} from the index`);
});

t.test('experiments, the deleted one in .trash included', async (t) => {
  const store = TrackingStore.open(fixtureCopy(t), { create: false });
  const problems: StoreProblem[] = [];
  const got = store.experiments(problems).map((x) => ({
    experiment_id: x.id,
    name: x.name,
    lifecycle_stage: x.lifecycleStage,
    creation_time: x.creationTime,
    last_update_time: x.lastUpdateTime,
    tags: x.tags,
    artifact_location: x.artifactLocation,
  }));
  const want = EXPECTED.experiments.map(
    ({ experiment_id, name, lifecycle_stage, creation_time, last_update_time, tags, artifact_location }) => ({
      experiment_id,
      name,
      lifecycle_stage,
      creation_time,
      last_update_time,
      tags,
      artifact_location,
    }),
  );
  const byId = <T extends { experiment_id: string }>(xs: T[]) =>
    [...xs].sort((a, b) => a.experiment_id.localeCompare(b.experiment_id));
  t.strictSame(byId(got), byId(want));
  t.same(problems, []);
  t.equal(store.experimentByName('property-valuation')?.id, '611603392628021851');
  t.equal(store.experimentByName('scratch'), undefined, 'a deleted experiment is not found by name');
});

t.test('metric histories, every line in file order', async (t) => {
  const store = TrackingStore.open(fixtureCopy(t), { create: false });
  for (const e of EXPECTED.runs) {
    for (const [key, points] of Object.entries(e.metric_history)) {
      const problems: StoreProblem[] = [];
      const got = store
        .metricHistory(e.run_id, key, problems)
        .map((p: MetricPoint) => ({ timestamp: p.timestamp, value: num(p.value), step: p.step }));
      t.strictSame(
        got,
        points.map((p) => ({ timestamp: p.timestamp, value: p.value, step: p.step })),
        `${e.name} ${key}`,
      );
      t.same(problems, []);
    }
  }
  t.same(store.metricHistory('263a8835', 'no-such-metric'), [], 'a metric the run does not have: no points');
});

t.test('the registry: model, versions, aliases from aliases/ (version meta says aliases: [])', async (t) => {
  const root = fixtureCopy(t);
  const registry = new ModelRegistry(root);
  const problems: StoreProblem[] = [];
  const models = registry.models(problems);
  t.same(problems, []);
  const [want] = EXPECTED.registry.models;
  t.strictSame(
    models.map((m) => ({
      name: m.name,
      creation_timestamp: m.creationTimestamp,
      last_updated_timestamp: m.lastUpdatedTimestamp,
      description: m.description,
      tags: m.tags,
      aliases: m.aliases,
    })),
    [
      {
        name: want!.name,
        creation_timestamp: want!.creation_timestamp,
        last_updated_timestamp: want!.last_updated_timestamp,
        description: want!.description,
        tags: want!.tags,
        aliases: want!.aliases,
      },
    ],
  );
  t.strictSame(
    registry.versions('property-valuation').map((v) => ({
      version: v.version,
      current_stage: v.currentStage,
      status: v.status,
      user_id: v.userId,
      creation_timestamp: v.creationTimestamp,
      last_updated_timestamp: v.lastUpdatedTimestamp,
      description: v.description,
      run_id: v.runId,
      source: v.source,
      storage_location: v.storageLocation,
      tags: v.tags,
      aliases: v.aliases,
    })),
    want!.versions.map((v) => ({
      version: v.version,
      current_stage: v.current_stage,
      status: v.status,
      user_id: v.user_id,
      creation_timestamp: v.creation_timestamp,
      last_updated_timestamp: v.last_updated_timestamp,
      description: v.description,
      run_id: v.run_id,
      source: v.source,
      storage_location: v.storage_location,
      tags: v.tags,
      aliases: v.aliases,
    })),
  );
  t.match(
    readFileSync(join(root, 'models', 'property-valuation', 'version-2', 'meta.yaml'), 'utf8'),
    'aliases: []\n',
    'the fixture says none in version meta',
  );
  t.same(registry.version('property-valuation', 2).aliases, ['champion'], 'the alias is found in aliases/');
  t.equal(registry.resolve('models:/property-valuation@champion').version, 2);
  t.equal(registry.resolve('models:/property-valuation@champion').runId, 'e7c8da96ca87436387c6d32577ded658');
  t.equal(registry.resolve('models:/property-valuation/1').version, 1);
  t.equal(
    registry.resolve('models:/property-valuation/1').source,
    'file:///mlflow-fixture/mlruns/611603392628021851/9f093c59d72d4e5692bb56e34f82b1b6/artifacts/model',
  );
  t.equal(registry.resolve({ name: 'property-valuation', alias: 'champion' }).version, 2, 'a parsed URI too');
});

t.test('listing and filtering with `dagrun runs list` picks the runs the expected facts do', async (t) => {
  const root = fixtureCopy(t);
  const active = EXPECTED.runs.filter((e) => e.lifecycle_stage === 'active');
  const newestFirst = (xs: ExpectedRun[]) => [...xs].sort((a, b) => b.start_time - a.start_time).map((e) => e.name);
  const metric = (e: ExpectedRun, k: string) =>
    e.latest_metrics[k] === undefined ? undefined : value(e.latest_metrics[k]!.value);
  const cases: Array<[string, Parameters<typeof listRuns>[1], ExpectedRun[]]> = [
    ['no filter: the active runs', {}, active],
    [
      'metrics.rmse < 2500',
      { filter: 'metrics.rmse < 2500' },
      active.filter((e) => (metric(e, 'rmse') ?? Infinity) < 2500),
    ],
    [
      'metrics.loss > 0.3 (NaN never matches)',
      { filter: 'metrics.loss > 0.3' },
      active.filter((e) => (metric(e, 'loss') ?? NaN) > 0.3),
    ],
    [
      "params.hyper_params.max_depth = '6'",
      { filter: "params.hyper_params.max_depth = '6'" },
      active.filter((e) => e.params['hyper_params.max_depth'] === '6'),
    ],
    [
      "attributes.status = 'KILLED'",
      { filter: "attributes.status = 'KILLED'" },
      active.filter((e) => e.status === 'KILLED'),
    ],
    [
      "tags.env = 'local' and metrics.r2 > 0.8",
      { filter: "tags.env = 'local' and metrics.r2 > 0.8" },
      active.filter((e) => e.tags.env === 'local' && (metric(e, 'r2') ?? -Infinity) > 0.8),
    ],
    [
      'experiment property-valuation',
      { experiment: 'property-valuation' },
      active.filter((e) => e.experiment_id === '611603392628021851'),
    ],
    ['the deleted runs', { view: 'deleted' }, EXPECTED.runs.filter((e) => e.lifecycle_stage === 'deleted')],
    ['all runs', { view: 'all' }, EXPECTED.runs],
  ];
  for (const [label, opts, want] of cases) {
    const got = listRuns(root, opts);
    t.same(got.problems, [], `${label}: no problems`);
    t.equal(got.total, want.length, `${label}: total`);
    t.same(
      got.runs.map((r) => r.runName),
      newestFirst(want),
      `${label}: the runs, newest first`,
    );
  }
  t.ok(
    cases.every(([, , want]) => want.length > 0),
    'every case picks at least one run',
  );
  t.same(
    listRuns(root, { sort: 'metrics.rmse' })
      .runs.map((r) => r.runName)
      .slice(0, 3),
    ['gbm-depth-6', 'ridge-baseline', 'smoke-test'],
    'sorted by a metric, ties by start_time DESC',
  );
  t.equal(listRuns(root, { limit: 2 }).runs.length, 2);
  t.equal(listRuns(root, { limit: 2 }).total, active.length);
});
