// The commands as a user types them: the built `dagrun` in a project that lists @dagrun/tracking (inside
// the workspace, so the plugin resolves), over a store written here with the store's own API.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DAGRUN, ROOT, runNode } from '../../../bin/test/spawn.js';
import { ModelRegistry, TrackingStore } from '../src/index.js';

const dir = mkdtempSync(join(ROOT, 'projects/.tmp-tracking-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'dagrun.yaml'), 'name: cli-demo\nplugins: ["@dagrun/tracking"]\n');
writeFileSync(join(dir, 'pipeline.yaml'), '__default__:\n  nodes: []\n');
mkdirSync(join(dir, 'conf/base'), { recursive: true });
writeFileSync(
  join(dir, 'conf/base/tracking.yaml'),
  'experiment: demo\npromotion:\n  champion:\n    - { metric: mae, max: 2500 }\n' +
    '    - { metric: mae, no_worse_than_current: 5% }\n',
);

const store = TrackingStore.open(join(dir, 'mlruns'));
const exp = store.ensureExperiment('demo');
const made = [
  { name: 'base', depth: '3', env: 'base', mae: 2600, r2: 0.71 },
  { name: 'deep', depth: '5', env: 'tuned', mae: 2100, r2: 0.8 },
  { name: 'deeper', depth: '7', env: 'tuned', mae: 2300, r2: 0.78 },
].map((m, i) => {
  const run = store.createRun(exp.id, {
    runName: m.name,
    userId: 'ana',
    startTime: 1_700_000_000_000 + i * 1000,
    tags: { env: m.env },
  });
  store.logParams(run.runId, { 'hyper_params.max_depth': m.depth, 'hyper_params.learning_rate': '0.1' });
  store.logMetric(run.runId, 'mae', m.mae);
  store.logMetric(run.runId, 'r2', m.r2);
  mkdirSync(join(dir, 'tmp-model'), { recursive: true });
  writeFileSync(join(dir, 'tmp-model/model.json'), JSON.stringify({ depth: m.depth }));
  store.logArtifact(run.runId, join(dir, 'tmp-model'), 'model');
  store.endRun(run.runId, 'FINISHED', 1_700_000_000_500 + i * 1000);
  return run.runId;
});
const registry = new ModelRegistry(store.root);
for (const id of made)
  registry.createVersion('demo-model', {
    source: `runs:/${id}/model`,
    storageLocation: `file://${store.artifactPath(id, 'model')}`,
    runId: id,
  });

const dagrun = (...args: string[]) => runNode([DAGRUN, ...args, '--project', dir], ROOT);

t.test('runs list: filter, sort, limit, JSON', async (t) => {
  const r = await dagrun(
    'runs',
    'list',
    '--filter',
    "metrics.mae < 2500 and params.hyper_params.max_depth = '5' and tags.env = 'tuned'",
    '--json',
  );
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { runs: Array<{ runName: string }>; total: number };
  t.same(
    out.runs.map((x) => x.runName),
    ['deep'],
  );
  const sorted = await dagrun('runs', 'list', '--sort', 'metrics.mae', '--limit', '2');
  t.equal(sorted.code, 0, sorted.stderr);
  const names = sorted.stdout
    .split('\n')
    .slice(1, 3)
    .map((l) => l.split(/\s{2,}/)[1]);
  t.same(names, ['deep', 'deeper'], 'ascending mae, cut at 2');
  t.match(sorted.stdout, '2 of 3 runs');
});

t.test('a bad filter is answered with the position of the mistake (exit 2)', async (t) => {
  const r = await dagrun('runs', 'list', '--filter', 'metrics.mae << 3');
  t.equal(r.code, 2);
  t.match(
    r.stderr,
    "[DAGRUN_ERR_TRACKING_FILTER] Filter 'metrics.mae << 3': " +
      "expected a comparator for metrics.mae (=, !=, <, <=, >, >=) at character 12, but got '<<'.\n" +
      'metrics.mae << 3\n            ^',
  );
});

t.test('runs compare marks the better value; runs show prints params, metrics, artifacts', async (t) => {
  const c = await dagrun('runs', 'compare', made[0]!, made[1]!.slice(0, 8));
  t.equal(c.code, 0, c.stderr);
  t.match(c.stdout, /params\.hyper_params\.max_depth\s+3\s+5/);
  t.notMatch(c.stdout, 'learning_rate', 'equal params left out');
  t.match(c.stdout, /metrics\.mae\s+2600\s+2100 \*/);
  t.match(c.stdout, /metrics\.r2\s+0\.7100\s+0\.8000 \*/);
  const s = await dagrun('runs', 'show', made[1]!);
  t.match(s.stdout, /hyper_params\.max_depth\s+5/);
  t.match(s.stdout, 'model/model.json');
});

t.test('runs delete and restore follow the lifecycle', async (t) => {
  t.equal((await dagrun('runs', 'delete', made[0]!)).code, 0);
  const active = JSON.parse((await dagrun('runs', 'list', '--json')).stdout) as { total: number };
  t.equal(active.total, 2);
  const again = await dagrun('runs', 'delete', made[0]!);
  t.equal(again.code, 2);
  t.match(again.stderr, `Run '${made[0]}': expected an active run to delete, but got a deleted one.`);
  t.equal((await dagrun('runs', 'restore', made[0]!)).code, 0);
  t.equal((JSON.parse((await dagrun('runs', 'list', '--json')).stdout) as { total: number }).total, 3);
});

t.test('models promote applies the rules, prints each with its verdict, refuses with exit 1', async (t) => {
  const refused = await dagrun('models', 'promote', 'demo-model', '1', '--to', 'champion');
  t.equal(refused.code, 1);
  t.match(refused.stdout, /mae <= 2500\s+2600\s+FAIL/);
  t.match(refused.stderr, 'Refused: 1 rule(s) failed; @champion stays unset.');
  const ok = await dagrun('models', 'promote', 'demo-model', '2', '--to', 'champion');
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, 'models:/demo-model@champion → version 2');
  const worse = await dagrun('models', 'promote', 'demo-model', '--to', 'champion');
  t.equal(worse.code, 1, 'version 3 (2300) is more than 5% worse than the champion (2100)');
  t.match(worse.stdout, /no worse than champion's by more than 5%\s+2300 vs 2100 \(version 2\)\s+FAIL/);
  const shown = await dagrun('models', 'show', 'demo-model');
  t.match(shown.stdout, 'aliases @champion → 2');
  const alias = await dagrun('models', 'alias', 'demo-model', 'challenger', '3');
  t.equal(alias.code, 0);
  t.equal(registry.resolve('models:/demo-model@challenger').version, 3);
  const unknown = await dagrun('models', 'show', 'nope');
  t.equal(unknown.code, 2);
  t.match(
    unknown.stderr,
    "Registered model 'nope': expected one of the registry's models (demo-model), but got no such model.",
  );
});
