// Shared by the @dagrun/viz tests, e2e tests and benchmark: throw-away copies of the property-valuation
// project in projects/.tmp-viz-<name>-XXXX (inside the workspace, so @dagrun/ml, @dagrun/viz and
// nodejs-polars resolve as for the real project), trained with few trees so a run takes about a second.

import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject, type RunOutcome } from '@dagrun/core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PROPERTY = join(ROOT, 'projects/property-valuation');
export const RETAIL = join(ROOT, 'projects/retail-demo');

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/** A copy of the property project without runs or outputs; removed at teardown. */
export const copyProperty = (t: Teardown, name: string): string => {
  const dir = mkdtempSync(join(ROOT, 'projects', `.tmp-viz-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const p of ['dagrun.yaml', 'pipeline.yaml', 'conf/base', 'src', 'package.json'])
    cpSync(join(PROPERTY, p), join(dir, p), { recursive: true });
  mkdirSync(join(dir, 'conf/local'), { recursive: true });
  cpSync(join(PROPERTY, 'data/01_raw'), join(dir, 'data/01_raw'), { recursive: true });
  return dir;
};

/** Runs model_run in `dir` with few trees (the run record is written). */
export const trainProperty = async (dir: string): Promise<RunOutcome> => {
  const project = await openProject({
    projectDir: dir,
    params: ['hyper_params.n_estimators=10', 'hyper_params.learning_rate=0.1'],
  });
  return project.run({ pipeline: 'model_run' });
};

/**
 * Runs model_run so that train_model fails (an unknown loss), after build_features succeeded;
 * predict_model and later never run. Returns the run id.
 */
export const failProperty = async (dir: string): Promise<string> => {
  const project = await openProject({
    projectDir: dir,
    params: ['hyper_params.n_estimators=10', 'hyper_params.loss=no_such_loss'],
  });
  try {
    await project.run({ pipeline: 'model_run' });
  } catch (err) {
    const file = (err as { run?: { recordFile?: string } }).run?.recordFile;
    if (file) return file.slice(file.lastIndexOf('/') + 1, -'.json'.length);
    throw err;
  }
  throw new Error('failProperty: expected model_run to fail with loss no_such_loss, but it succeeded');
};
