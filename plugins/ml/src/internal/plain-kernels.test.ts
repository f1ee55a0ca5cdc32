// Every factory of kernels.ts falls back to a plain loop where code generation is disabled. This file runs
// itself again in a child process under --disallow-code-generation-from-strings: the same fits and
// predictions there (plain loops) and here (generated code) must give the same bits.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CompiledForest } from './forest.js';
import { GradientBoostingRegressor } from './gbdt.js';
import { canSpecialize } from './kernels.js';
import { mulberry32 } from './random.js';

const CHILD = '--plain-kernels-child';
const N = 3000;
const F = 4;

const bits = (a: Float64Array | Int32Array | Uint8Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/**
 * Three losses fitted on 3,000 rows, some with missing values, then every row predicted alone, by 100 and all at once.
 */
const scenario = (): Record<string, string | boolean> => {
  const rand = mulberry32(7);
  const x = new Float64Array(N * F);
  const y = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    for (let j = 0; j < F; j++) x[r * F + j] = j === 3 ? Math.floor(rand() * 6) : rand();
    y[r] = Math.sin(6 * x[r * F]!) * 10 + x[r * F + 1]! ** 2 * 5 + x[r * F + 3]! + rand();
    // Missing values only in the second half: batches of 100 from the first half take the binned layout.
    if (rand() < 0.1 && r >= N / 2) x[r * F + 2] = Number.NaN;
  }
  const out: Record<string, string | boolean> = { codegen: canSpecialize() };
  for (const loss of ['squared_error', 'absolute_error', 'huber'] as const) {
    const params = {
      n_estimators: 40,
      max_depth: 5,
      learning_rate: 0.1,
      loss,
      subsample: loss === 'huber' ? 0.8 : 1,
      random_state: 3,
    };
    const model = new GradientBoostingRegressor(params).fit({ rows: N, cols: F, data: x }, y);
    const { trees, init } = model.state;
    out[`${loss}: trees`] = trees
      .map((t) => [t.feature, t.threshold, t.missingLeft, t.left, t.right, t.value].map(bits).join(' '))
      .join('\n');
    const forest = new CompiledForest(trees, params.learning_rate, init, F);
    out[`${loss}: layouts`] = `${forest.layoutFor(1)} ${forest.layoutFor(N)}`;
    const alone = new Float64Array(N);
    for (let r = 0; r < N; r++) alone[r] = forest.predict(x.subarray(r * F, r * F + F), 1)[0]!;
    const byHundred = new Float64Array(N);
    for (let r = 0; r < N; r += 100) byHundred.set(forest.predict(x.subarray(r * F, (r + 100) * F), 100), r);
    out[`${loss}: one row at a time`] = bits(alone);
    out[`${loss}: 100 rows at a time`] = bits(byHundred);
    out[`${loss}: all rows at once`] = bits(model.predict({ rows: N, cols: F, data: x }));
  }
  return out;
};

if (process.argv.includes(CHILD)) {
  process.stdout.write(`${JSON.stringify(scenario())}\n`);
} else {
  const { default: t } = await import('tap');
  t.test('with code generation disabled, the plain loops train the same trees and predict the same bits', async (t) => {
    const child = spawnSync(
      process.execPath,
      ['--import=tsx', '--disallow-code-generation-from-strings', fileURLToPath(import.meta.url), CHILD],
      { encoding: 'utf8' },
    );
    t.equal(child.status, 0, child.stderr);
    const plain = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, string | boolean>;
    const generated = scenario();
    t.equal(generated.codegen, true, 'here: generated code');
    t.equal(plain.codegen, false, 'in the child: plain loops');
    for (const loss of ['squared_error', 'absolute_error', 'huber']) {
      t.equal(generated[`${loss}: layouts`], 'binned compiled', `${loss}: binned for one row, compiled for a batch`);
      t.equal(plain[`${loss}: layouts`], 'binned walk', `${loss}: binned with its loop over levels, and the walk`);
    }
    const keys = Object.keys(generated).filter((k) => k !== 'codegen' && !k.endsWith('layouts'));
    t.equal(keys.length, 12);
    for (const key of keys) t.equal(plain[key], generated[key], key);
  });
}
