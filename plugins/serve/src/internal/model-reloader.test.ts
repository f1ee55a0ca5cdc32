// Following the model dataset's current version without a restart: the property project as it is (its
// served_model is models:/property-valuation@champion, trained twice with tracking: versions 1 and 2),
// the alias moved under a running app, a version that cannot be loaded yet, an alias that does not exist
// at start-up, and a plain versioned file (a new save is followed once its run record says the run
// completed; a pinned version or `off` is kept).
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance, InjectOptions } from 'fastify';
import t from 'tap';
import { ModelRegistry } from '@dagrun/tracking';
import {
  ADMIN_KEY,
  API_KEY,
  FILE_MODEL_CATALOG,
  JWT_SECRET,
  RECORD,
  ROOT,
  json,
  modelVersions,
  testApp,
  trainedProject,
} from '../../test/fixture.js';
import { startServer } from './server.js';

const NAME = 'property-valuation';
const KEY = { 'api-key': API_KEY };
const ADMIN = { 'api-key': ADMIN_KEY };
const EVERY = '100ms';
const dir = await trainedProject(t, 'reload', { trainings: 2, registry: true });
const registry = new ModelRegistry(join(dir, 'mlruns'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const get = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url, headers: KEY });
const predict = (app: FastifyInstance, id: string) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/predict',
    payload: RECORD as NonNullable<InjectOptions['payload']>,
    headers: { ...KEY, 'x-request-id': id },
  });
const servedVersion = async (app: FastifyInstance) => json(await get(app, '/api/v1/health')).model_version;

/** Waits until `app` serves `version` (a few reload intervals at most); false when it does not in 5 s. */
const serves = async (app: FastifyInstance, version: string | undefined, ms = 5000): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(25))
    if ((await servedVersion(app)) === version) return true;
  return false;
};

/** A dagrun version `ms` after `version` (save timestamps: 2026-11-26T06.52.46.309Z). */
const after = (version: string, ms: number): string =>
  new Date(Date.parse(version.replace(/T(\d\d)\.(\d\d)\.(\d\d)\./, 'T$1:$2:$3.')) + ms)
    .toISOString()
    .replace(/:/g, '.');
const MODELS = join(dir, 'data/06_models/model.json');
const recordFile = (version: string) => join(dir, '.dagrun/runs', `${version}.json`);

/**
 * The run record of a model_run that saved `version` (the first training's, renamed): a run not ok saved only the
 * model.
 */
const recordRun = (version: string, status: 'running' | 'ok' | 'failed'): void => {
  const real = JSON.parse(readFileSync(recordFile(modelVersions(dir)[0]!), 'utf8')) as {
    datasets: { name: string; version?: string }[];
  };
  const datasets = real.datasets.filter((d) => status === 'ok' || d.name === 'model').map((d) => ({ ...d, version }));
  writeFileSync(
    recordFile(version),
    JSON.stringify({ ...real, runId: version, saveVersion: version, status, datasets }),
  );
};

/** A serve.yaml `configure` that polls every EVERY. */
const polling = (every = EVERY) => ({
  configure: <C extends { model: object }>(c: C): C => ({ ...c, model: { ...c.model, reload_every: every } }),
});

t.test('the tracked trainings are versions 1 and 2 of the registered model', async (t) => {
  t.same(
    registry.versions(NAME).map((v) => v.version),
    [1, 2],
  );
  t.ok(
    registry.versions(NAME).every((v) => v.runId !== null),
    'each names the run that made it',
  );
});

t.test(
  '@champion moved from 1 to 2 under a running app: served within a few intervals, no restart; a request begun ' +
    'before ends on 1',
  async (t) => {
    registry.setAlias(NAME, 'champion', 1);
    const [v1, v2] = [registry.version(NAME, 1), registry.version(NAME, 2)];
    const told: string[] = [];
    const a = await testApp(t, dir, { ...polling(), notify: (l) => told.push(l) });

    const model = await get(a.app, '/api/v1/model');
    t.equal(model.statusCode, 200, model.body);
    const body = json(model) as Record<string, unknown> & { run: { metrics: Record<string, number> } };
    t.match(body, {
      dataset: 'served_model',
      version: '1',
      auto_reload: true,
      registry: {
        model: NAME,
        version: 1,
        aliases: ['champion'],
        source: v1.source,
        registered_at: v1.creationTimestamp,
      },
      run: {
        run_id: v1.runId,
        status: 'FINISHED',
        start_time: Number,
        end_time: Number,
        params: { 'hyper_params.n_estimators': '10' },
        metrics: { mae: Number, rmse: Number, r2: Number },
      },
      model: { metadata: { params: { n_estimators: 10 } } },
    });
    t.same(
      body.metrics,
      body.run.metrics,
      "the metrics are the run's (model.metrics names a file the registry version is not a version of)",
    );
    t.equal(
      body.trained_at,
      new Date((body.run as unknown as { end_time: number }).end_time).toISOString(),
      'trained when its run ended',
    );

    const first = await predict(a.app, 'on-1');
    t.match(json(first), { model_version: '1' });
    const p1 = (json(first).predictions as number[])[0];

    // A request that is still being answered when the alias moves: its plan waits for `release`.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const plan = a.app.served().plan as { run(inputs: Record<string, unknown>): unknown };
    const run = plan.run.bind(plan);
    plan.run = (inputs) => gate.then(() => run(inputs));
    const inFlight = predict(a.app, 'in-flight');
    await sleep(50);

    registry.setAlias(NAME, 'champion', 2);
    t.ok(await serves(a.app, '2'), 'version 2 is served without a restart');
    release();
    const before = await inFlight;
    t.equal(before.statusCode, 200, before.body);
    t.match(
      json(before),
      { model_version: '1', predictions: [p1] },
      'the request begun before the move was answered by version 1',
    );

    const after = await predict(a.app, 'on-2');
    t.match(json(after), { model_version: '2' });
    const compat = await a.app.inject({
      method: 'POST',
      url: '/api/v1/predict/',
      payload: [{ ...RECORD, price: 1 }],
      headers: { ...KEY, 'x-request-id': 'compat-on-2' },
    });
    t.equal(compat.headers['x-model-version'], '2', "the original service's route names the version in a header");
    t.not((json(after).predictions as number[])[0], p1, 'version 2 (more trees) predicts differently');
    t.match(json(await get(a.app, '/api/v1/model')), {
      version: '2',
      registry: { version: 2, aliases: ['champion'] },
      run: { run_id: v2.runId, params: { 'hyper_params.n_estimators': '20' } },
    });
    t.match((await get(a.app, '/metrics')).body, 'dagrun_model_info{dataset="served_model",version="2"} 1');
    const logged = Object.fromEntries(a.lines().map((l) => [l.request_id, l.model_version]));
    t.same(
      logged,
      { 'on-1': '1', 'in-flight': '1', 'on-2': '2', 'compat-on-2': '2' },
      'each prediction-log line names the version that made it',
    );
    t.same(told, ["Model 'served_model': its current version moved to 2; now serving it (was 1)."]);
  },
);

t.test('a version that cannot be loaded yet: told once, the old one kept, loaded at a later tick', async (t) => {
  registry.setAlias(NAME, 'champion', 2);
  const told: string[] = [];
  const a = await testApp(t, dir, { ...polling(), notify: (l) => told.push(l) });
  t.equal(await servedVersion(a.app), '2');
  // Version 3 names a file that is not there yet (an upload still under way, say).
  const late = join(dir, 'late/model.json');
  const v3 = registry.createVersion(NAME, {
    source: pathToFileURL(late).href,
    storageLocation: pathToFileURL(late).href,
    runId: null,
  });
  t.teardown(() => registry.setAlias(NAME, 'champion', 2));
  registry.setAlias(NAME, 'champion', v3.version);
  await sleep(600);
  t.equal(await servedVersion(a.app), '2', 'still version 2');
  t.match(json(await predict(a.app, 'kept')), { model_version: '2' }, 'and it still answers');
  t.equal(told.length, 1, `told once in several ticks: ${told.join(' | ')}`);
  t.match(
    told[0],
    new RegExp(
      "^Model 'served_model': expected to load its current version 3, but got: .*late/model\\.json'\\. " +
        'Still serving 2; retrying every 100ms\\.$',
    ),
  );

  mkdirSync(join(dir, 'late'), { recursive: true });
  const v1File = readdirSync(join(dir, 'data/06_models/model.json')).sort()[0]!;
  copyFileSync(join(dir, 'data/06_models/model.json', v1File, 'model.json'), late);
  t.ok(await serves(a.app, '3'), 'loaded once its file is there');
  t.match(json(await get(a.app, '/api/v1/model')), {
    version: '3',
    registry: { version: 3, aliases: ['champion'] },
    run: null,
  });
});

t.test('an alias that does not exist: the server does not start, and says which alias and what there is', async (t) => {
  mkdirSync(join(dir, 'conf/staging'), { recursive: true });
  writeFileSync(
    join(dir, 'conf/staging/catalog.yaml'),
    'served_model:\n  type: registry.model\n  uri: models:/property-valuation@staging\n',
  );
  const saved = { ...process.env };
  t.teardown(() => {
    for (const k of ['PROPERTY_API_KEY', 'PROPERTY_ADMIN_KEY', 'PROPERTY_JWT_SECRET']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  Object.assign(process.env, {
    PROPERTY_API_KEY: API_KEY,
    PROPERTY_ADMIN_KEY: ADMIN_KEY,
    PROPERTY_JWT_SECRET: JWT_SECRET,
  });
  const message =
    "Alias 'staging' of model 'property-valuation': expected an alias of the model (champion), but got no such alias.";
  await t.rejects(startServer({ projectDir: dir, env: 'staging', port: 0, accessLog: 'off' }), {
    code: 'DAGRUN_ERR_REGISTRY_NOT_FOUND',
    message: new RegExp(message.replace(/[.()]/g, '\\$&')),
  });

  // The same through `dagrun serve`: a failed start, with the registry's message and its hint.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS; // plain node on the built files, as users run it
  const proc = spawn(
    process.execPath,
    ['bin/dagrun.js', 'serve', '--project', dir, '--env', 'staging', '--port', '0', '--access-log', 'off'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout.on('data', (d: Buffer) => void (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => void (out += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  clearTimeout(timer);
  t.not(code, 0, out);
  t.match(out, `[DAGRUN_ERR_REGISTRY_NOT_FOUND] ${message}`);
  t.match(out, 'Hint: dagrun models promote property-valuation --to staging');
});

t.test(
  'a plain versioned file: a new save is followed; a version asked for, or reload_every: off, is kept',
  async (t) => {
    mkdirSync(join(dir, 'conf/files'), { recursive: true });
    writeFileSync(join(dir, 'conf/files/catalog.yaml'), FILE_MODEL_CATALOG);
    const [V1, V2] = modelVersions(dir) as [string, string];
    const follows = await testApp(t, dir, { env: 'files', ...polling() });
    const off = await testApp(t, dir, { env: 'files', ...polling('off') });
    const pinned = await testApp(t, dir, { env: 'files', ...polling() });
    t.equal(
      (
        await pinned.app.inject({
          method: 'POST',
          url: '/api/v1/admin/reload',
          payload: { version: V2 },
          headers: ADMIN,
        })
      ).statusCode,
      200,
    );
    for (const a of [follows, off, pinned]) t.equal(await servedVersion(a.app), V2);
    t.match(json(await get(off.app, '/api/v1/model')), { auto_reload: false, registry: null, run: null });

    // A newer save (version 1's file under a later timestamp) by a run that completed: what a new model_run does.
    const V3 = after(V2, 1000);
    t.teardown(() => rmSync(join(MODELS, V3), { recursive: true, force: true }));
    t.teardown(() => rmSync(recordFile(V3), { force: true }));
    recordRun(V3, 'ok');
    cpSync(join(MODELS, V1), join(MODELS, V3), { recursive: true });
    t.ok(await serves(follows.app, V3), 'the new save is served');
    await sleep(300);
    t.equal(await servedVersion(off.app), V2, 'reload_every: off keeps its model');
    t.equal(await servedVersion(pinned.app), V2, 'a version asked for is kept');
    t.match(json(await predict(follows.app, 'v3')), { model_version: V3 });
  },
);

t.test(
  'a plain versioned file: a newer save whose run has not completed is not followed until its run record says ok',
  async (t) => {
    mkdirSync(join(dir, 'conf/files'), { recursive: true });
    writeFileSync(join(dir, 'conf/files/catalog.yaml'), FILE_MODEL_CATALOG);
    const [V1, V2] = modelVersions(dir) as [string, string];
    const told: string[] = [];
    const follows = await testApp(t, dir, { env: 'files', ...polling(), notify: (l) => told.push(l) });
    const pinned = await testApp(t, dir, { env: 'files', ...polling() });
    t.equal(await servedVersion(follows.app), V2);

    // A training that saved its model and was killed before its metrics: its record still says running.
    const V4 = after(V2, 2000);
    t.teardown(() => rmSync(join(MODELS, V4), { recursive: true, force: true }));
    t.teardown(() => rmSync(recordFile(V4), { force: true }));
    recordRun(V4, 'running');
    cpSync(join(MODELS, V1), join(MODELS, V4), { recursive: true });
    await sleep(600);
    t.equal(await servedVersion(follows.app), V2, 'still version 2');
    t.same(
      told,
      [
        `Model 'served_model': expected to load its current version ${V4}, but got: its run has not finished ` +
          `(.dagrun/runs/${V4}.json says 'running': the run is still going, or was killed). Still serving ${V2}; ` +
          'retrying every 100ms.',
      ],
      'told once in several ticks',
    );

    // Asked for by version, it is served on purpose.
    const asked = await pinned.app.inject({
      method: 'POST',
      url: '/api/v1/admin/reload',
      payload: { version: V4 },
      headers: ADMIN,
    });
    t.equal(asked.statusCode, 200, asked.body);
    t.equal(await servedVersion(pinned.app), V4);

    // Its run completes (the record is rewritten 'ok'): now it is followed.
    recordRun(V4, 'ok');
    t.ok(await serves(follows.app, V4), 'served once its run record says ok');
    t.equal(told[1], `Model 'served_model': its current version moved to ${V4}; now serving it (was ${V2}).`);
    t.equal(told.length, 2, told.join(' | '));
  },
);
