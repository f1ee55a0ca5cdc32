// `--env postgres` end to end: load_raw_to_postgres fills the train and test tables from the committed
// CSVs, then model_run reads them from PostgreSQL and writes the scored rows and the metrics back, with
// the same metrics as the run on the CSVs. The server is DAGRUN_TEST_DATABASE_URL (.ci/run sets it),
// else an embedded PGlite served over the wire protocol, so the test runs on any machine.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject } from '@dagrun/core';
import pg from 'pg';
import t from 'tap';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PARAMS = ['hyper_params.n_estimators=40', 'hyper_params.learning_rate=0.1'];

/** The server's URL, and how to stop it when this file started it. */
const server = async (): Promise<{ url: string; stop(): Promise<void> }> => {
  const url = process.env.DAGRUN_TEST_DATABASE_URL;
  if (url) return { url, stop: async () => {} };
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const socket = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  await socket.start();
  return {
    url: `postgres://postgres@${socket.getServerConn()}/postgres`,
    stop: async () => {
      await socket.stop();
      await db.close();
    },
  };
};

const copyProject = (t: { teardown(fn: () => void): void }, name: string): string => {
  const dir = mkdtempSync(join(PROJECT, '..', `.tmp-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const p of ['dagrun.yaml', 'pipeline.yaml', 'conf', 'src', 'package.json'])
    cpSync(join(PROJECT, p), join(dir, p), { recursive: true });
  cpSync(join(PROJECT, 'data/01_raw'), join(dir, 'data/01_raw'), { recursive: true });
  return dir;
};

t.test(
  'load_raw_to_postgres then model_run --env postgres: tables in, tables out, the same metrics as from the CSVs',
  async (t) => {
    const { url, stop } = await server();
    const schema = `property_test_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    t.teardown(async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
      await stop();
    });

    const dir = copyProject(t, 'env-postgres');
    const environ = { ...process.env, PROPERTY_DATABASE_URL: url, PROPERTY_DATABASE_SCHEMA: schema };
    const open = (env?: string) => openProject({ projectDir: dir, env, environ, params: PARAMS });

    const load = await (await open('postgres')).run({ pipeline: 'load_raw_to_postgres' });
    t.same(
      load.record.nodes.map((n) => [n.name, n.status]),
      [
        ['load_train', 'ok'],
        ['load_test', 'ok'],
      ],
    );
    const count = async (table: string) =>
      Number((await admin.query(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0].n);
    const csvRows = async (name: string) => {
      const { catalog } = (await open()).createCatalog();
      try {
        return ((await catalog.load(name)) as { height: number }).height;
      } finally {
        await catalog.close();
      }
    };
    const csvTrain = { height: await csvRows('train') };
    const csvTest = { height: await csvRows('test') };
    t.equal(await count('property_train'), csvTrain.height, 'every train row is in the table');
    t.equal(await count('property_test'), csvTest.height, 'every test row is in the table');

    const project = await open('postgres');
    t.same(project.check('model_run'), [], 'the postgres environment passes every check');
    const run = await project.run({ pipeline: 'model_run' });
    t.equal(run.record.status, 'ok');
    const fromCsv = await (await open()).run({ pipeline: 'model_run' });
    const metricsOf = async (r: typeof run, env?: string) => {
      const { catalog } = (await open(env)).createCatalog({
        loadVersions: new Map([['metrics', r.record.datasets.find((d) => d.name === 'metrics')!.version!]]),
      });
      try {
        return (await catalog.load('metrics')) as Record<string, number>;
      } finally {
        await catalog.close();
      }
    };
    t.same(
      await metricsOf(run, 'postgres'),
      await metricsOf(fromCsv),
      'trained on the tables, the model scores exactly as trained on the CSVs',
    );

    const predictions = await admin.query(`SELECT price, predicted_price FROM ${schema}.property_predictions`);
    t.equal(predictions.rowCount, csvTest.height, 'one scored row per test row');
    t.ok(
      predictions.rows.every((r) => Number.isFinite(r.predicted_price)),
      'every row has its prediction',
    );
    const metrics = await admin.query(`SELECT * FROM ${schema}.property_metrics`);
    t.equal(metrics.rowCount, 1);
    t.equal(metrics.rows[0].mae, (await metricsOf(run, 'postgres')).mae, "the metrics row holds the run's metrics");
  },
);
