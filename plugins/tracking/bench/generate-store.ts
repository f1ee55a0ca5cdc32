// A generated tracking store for the benchmark: N runs in MLflow's file layout, written directly (no
// fsync per file: 200,000 files through the store's atomic writes would take minutes) with the same
// bytes the store writes. Kept between benchmark runs under bench-out/ and reused when complete.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dumpYaml, pythonFloat } from '../src/internal/yaml-dump.js';

/** A small deterministic PRNG (mulberry32), so the same N gives the same store. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

export const generateStore = (root: string, n: number): void => {
  const done = join(root, '.generated');
  if (existsSync(done) && readFileSync(done, 'utf8') === String(n)) return;
  const rand = rng(n);
  const hex = () => Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  const expId = '123456789012345678';
  const expDir = join(root, expId);
  mkdirSync(join(root, '.trash'), { recursive: true });
  mkdirSync(expDir, { recursive: true });
  const t0 = 1_765_000_000_000;
  writeFileSync(
    join(expDir, 'meta.yaml'),
    dumpYaml({
      artifact_location: pathToFileURL(expDir).href,
      creation_time: t0,
      experiment_id: expId,
      last_update_time: t0,
      lifecycle_stage: 'active',
      name: 'bench',
    }),
  );
  for (let i = 0; i < n; i++) {
    const id = hex();
    const dir = join(expDir, id);
    for (const sub of ['params', 'metrics', 'tags', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
    const start = t0 + i * 60_000;
    writeFileSync(
      join(dir, 'meta.yaml'),
      dumpYaml({
        artifact_uri: pathToFileURL(join(dir, 'artifacts')).href,
        end_time: start + 5000,
        entry_point_name: '',
        experiment_id: expId,
        lifecycle_stage: 'active',
        run_id: id,
        run_name: `model_run ${i}`,
        run_uuid: id,
        source_name: '',
        source_type: 4,
        source_version: '',
        start_time: start,
        status: 3,
        tags: [],
        user_id: 'bench',
      }),
    );
    const params: Record<string, string> = {
      'hyper_params.max_depth': String(3 + Math.floor(rand() * 6)),
      'hyper_params.learning_rate': String([0.01, 0.03, 0.1, 0.3][Math.floor(rand() * 4)]),
      'hyper_params.n_estimators': String(100 * (1 + Math.floor(rand() * 8))),
      'hyper_params.loss': ['squared_error', 'absolute_error', 'huber'][Math.floor(rand() * 3)]!,
      'hyper_params.subsample': String([0.7, 0.8, 1][Math.floor(rand() * 3)]),
      'split.test_size': '0.2',
      'split.random_state': '42',
      target: 'price',
      'features.numeric': '["net_usable_area","net_area","n_rooms","n_bathroom","latitude","longitude"]',
      'features.categorical': '["type","sector"]',
    };
    for (const [k, v] of Object.entries(params)) writeFileSync(join(dir, 'params', k), v);
    const mae = 1500 + rand() * 1500;
    const metrics: Record<string, number> = {
      mae,
      rmse: mae * 1.8,
      mape: 0.4 + rand() * 0.3,
      r2: 0.7 + rand() * 0.2,
      n: 4053,
    };
    for (const [k, v] of Object.entries(metrics))
      writeFileSync(join(dir, 'metrics', k), `${start + 4000} ${pythonFloat(v)} 0\n`);
    const tags: Record<string, string> = {
      'mlflow.runName': `model_run ${i}`,
      'mlflow.user': 'bench',
      'mlflow.source.type': 'LOCAL',
      'dagrun.pipeline': 'model_run',
      env: i % 3 === 0 ? 'tuned' : 'base',
    };
    for (const [k, v] of Object.entries(tags)) writeFileSync(join(dir, 'tags', k), v);
  }
  writeFileSync(done, String(n));
};
