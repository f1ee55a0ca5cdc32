// Quick speed check of the boosted trees on synthetic data shaped like the property data (16,212 rows × 8
// features, two target-encoded categoricals). Prints medians of wall time and of this process's CPU time
// (the CPU figure is what to compare when other processes share the machine).
// Run from the repository root: node --import tsx plugins/ml/bench/quick.ts [--big] [--reps N]

import { encodedMatrix, propertyLike } from '../test/fixtures/property-like.js';
import { GradientBoostingRegressor, type GradientBoostingParams } from '../src/index.js';

const args = process.argv.slice(2);
const big = args.includes('--big');
const reps = Number(args[args.indexOf('--reps') + 1] ?? 0) || 5;

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Wall and CPU (user + system) milliseconds of one call. */
const time = (fn: () => void): { wall: number; cpu: number } => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
};

const report = (label: string, runs: { wall: number; cpu: number }[], digits = 0): void => {
  console.log(
    `${label.padEnd(52)} wall median ${median(runs.map((r) => r.wall))
      .toFixed(digits)
      .padStart(7)} ms   cpu median ${median(runs.map((r) => r.cpu))
      .toFixed(digits)
      .padStart(7)} ms   (n=${runs.length})`,
  );
};

const reference: Partial<GradientBoostingParams> = {
  learning_rate: 0.01,
  n_estimators: 300,
  max_depth: 5,
  random_state: 42,
};
const train = propertyLike(16212, 1);
const test = propertyLike(6949, 2);
const x = encodedMatrix(train);
const xt = encodedMatrix(test);

let model: GradientBoostingRegressor | undefined;
for (const loss of ['absolute_error', 'squared_error', 'huber'] as const) {
  const runs: { wall: number; cpu: number }[] = [];
  const n = loss === 'absolute_error' ? reps : Math.max(1, Math.ceil(reps / 2));
  // One untimed run warms up the JIT.
  new GradientBoostingRegressor({ ...reference, loss, n_estimators: 20 }).fit(x, train.price);
  for (let k = 0; k < n; k++) {
    runs.push(
      time(() => {
        const m = new GradientBoostingRegressor({ ...reference, loss }).fit(x, train.price);
        if (loss === 'absolute_error') model = m;
      }),
    );
  }
  report(`train 16,212 × 8, lr 0.01, 300 trees, depth 5, ${loss}`, runs);
}

const x1k = { rows: 1000, cols: 8, data: xt.data.slice(0, 8000) };
// The first call generates the model's prediction functions; V8 optimises them over the next calls.
const cold = time(() => model!.predict(x1k));
console.log(`predict 1,000 rows, first call (compiles the trees): wall ${cold.wall.toFixed(1)} ms`);
const pred: { wall: number; cpu: number }[] = [];
for (let k = 0; k < 50; k++) model!.predict(x1k);
for (let k = 0; k < 300; k++) pred.push(time(() => model!.predict(x1k)));
report('predict 1,000 rows × 300 trees (absolute_error model)', pred, 3);
const p = model!.predict(xt);
let mae = 0;
for (let i = 0; i < p.length; i++) mae += Math.abs(p[i]! - test.price[i]!);
console.log(`test MAE on 6,949 synthetic rows: ${(mae / p.length).toFixed(1)}`);

if (big) {
  const n = 1_000_000;
  const d = propertyLike(n, 3);
  const xb = encodedMatrix(d);
  const r = time(() => {
    new GradientBoostingRegressor({ ...reference, loss: 'absolute_error' }).fit(xb, d.price);
  });
  console.log(
    `train 1,000,000 × 8, absolute_error, 300 trees: wall ${(r.wall / 1000).toFixed(1)} s, cpu ` +
      `${(r.cpu / 1000).toFixed(1)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}
