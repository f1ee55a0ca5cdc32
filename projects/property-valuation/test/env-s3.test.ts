// `--env s3` end to end: model_run against a real S3-compatible server (s3rver on a free port) keeps the
// model and the reports in the bucket, versioned, and nothing of them on disk; the inference plan that
// `dagrun serve --env s3` builds then loads that model from S3 and prices a property.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject } from '@dagrun/core';
import { ModelRegistry } from '@dagrun/tracking';
import t from 'tap';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'property-valuation-test';

interface S3rverLike {
  run(): Promise<unknown>;
  close(): Promise<unknown>;
}
const S3rver = createRequire(join(PROJECT, '../../plugins/datasets-s3/package.json'))('s3rver') as new (
  o: Record<string, unknown>,
) => S3rverLike;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });

t.test(
  'model_run --env s3 writes the model and reports to S3, versioned; the served plan loads the model from there',
  async (t) => {
    const store = mkdtempSync(join(tmpdir(), 'dagrun-s3rver-'));
    const port = await freePort();
    const server = new S3rver({
      port,
      address: '127.0.0.1',
      silent: true,
      directory: store,
      configureBuckets: [{ name: BUCKET }],
    });
    await server.run();
    t.teardown(async () => {
      await server.close();
      rmSync(store, { recursive: true, force: true });
    });
    // The S3 SDK reads its endpoint and keys from the process environment, as on a real deployment.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      PROPERTY_S3_BUCKET: BUCKET,
    });

    const dir = mkdtempSync(join(PROJECT, '..', '.tmp-env-s3-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    for (const p of ['dagrun.yaml', 'pipeline.yaml', 'conf', 'src', 'package.json'])
      cpSync(join(PROJECT, p), join(dir, p), { recursive: true });
    cpSync(join(PROJECT, 'data/01_raw'), join(dir, 'data/01_raw'), { recursive: true });

    const open = () =>
      openProject({
        projectDir: dir,
        env: 's3',
        environ: process.env,
        params: ['hyper_params.n_estimators=40', 'hyper_params.learning_rate=0.1'],
      });
    const project = await open();
    t.same(project.check('model_run'), [], 'the s3 environment passes every check');
    const first = await project.run({ pipeline: 'model_run' });
    const second = await (await open()).run({ pipeline: 'model_run' });
    const saved = (r: typeof first, name: string) => r.record.datasets.find((d) => d.name === name);
    for (const name of ['model', 'metrics']) {
      const d = saved(first, name);
      const key = name === 'model' ? '06_models/model.json' : '08_reporting/metrics.json';
      t.equal(
        d?.location,
        `s3://${BUCKET}/${key}/${d?.version}/${name}.json`,
        `${name}: a versioned object in the bucket`,
      );
    }
    t.equal(saved(second, 'evaluation_report')?.location, `s3://${BUCKET}/08_reporting/evaluation_report.html`);
    for (const local of ['data/06_models', 'data/08_reporting', 'data/07_model_output'])
      t.notOk(existsSync(join(dir, local)), `nothing under ${local} on disk`);

    // Both versions are in the bucket, newest first; the metrics of each run load back from S3.
    const { catalog } = (await open()).createCatalog();
    t.teardown(() => catalog.close());
    t.same(await catalog.versions('model'), [saved(second, 'model')!.version, saved(first, 'model')!.version]);
    const metrics = (await catalog.load('metrics')) as { mae: number; rmse: number };
    t.ok(
      metrics.mae > 0 && metrics.rmse >= metrics.mae,
      `metrics from S3: MAE ${metrics.mae.toFixed(0)}, RMSE ${metrics.rmse.toFixed(0)}`,
    );

    // Each run registered its model: a version pointing at the object in the bucket (no copy on disk).
    const registry = new ModelRegistry(join(dir, 'mlruns'));
    t.same(
      registry.versions('property-valuation').map((v) => v.storageLocation),
      [saved(first, 'model')!.location, saved(second, 'model')!.location],
    );
    registry.setAlias('property-valuation', 'champion', 2);

    // What `dagrun serve --env s3` runs: the plan loads @champion's model from S3, once, and prices a record.
    const plan = await (await open()).inferencePlan({
      pipeline: 'inference',
      inputs: ['property_request'],
      outputs: ['predictions'],
    });
    t.equal(plan.artifacts.find((a) => a.name === 'served_model')?.version, '2');
    const out = (await plan.run({
      property_request: [
        {
          type: 'casa',
          sector: 'vitacura',
          net_usable_area: 152,
          net_area: 257,
          n_rooms: 3,
          n_bathroom: 3,
          latitude: -33.3794,
          longitude: -70.5447,
        },
      ],
    })) as { predictions: Float64Array };
    t.equal(out.predictions.length, 1);
    t.ok(
      out.predictions[0]! > 1000 && out.predictions[0]! < 100_000,
      `a price in UF: ${out.predictions[0]!.toFixed(0)}`,
    );
  },
);
