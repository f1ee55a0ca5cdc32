// The model benchmark (`npm run bench:model`; not a test): the property-valuation model_run model against
// scikit-learn on the same committed files, in the same run. Quality (test MAE / RMSE of the reference
// configuration vs GradientBoostingRegressor with the same hyper-parameters and target encoding; the tuned
// env vs RandomForestRegressor), speed (training vs GradientBoostingRegressor and HistGradientBoostingRegressor,
// predicting 1,000 rows) and, unless --no-big, training on a generated 1,000,000-row set with peak memory.
// Writes the figures between the bench:model markers of docs/benchmarks.md.
//
//   npm run build && npm run bench:model                  # 7 runs of ours, sklearn GBR 3, HistGBR 5
//   npm run bench:model -- --runs 9 --no-big --no-write    # print only, skip the 1,000,000-row part
//
// Our side calls the model_run node functions (build_features → train_model → predict_model → evaluate_model;
// the catalog's data contract on train and test only warns, so every row is used) with the parameters dagrun resolves
// for each env (openProject), so it measures the pipeline's own code path; the sklearn side is sklearn_model.py beside
// this file, run by /usr/bin/python3.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pl, { type DataFrame } from 'nodejs-polars';
import { openProject } from '@dagrun/core';
import { GradientBoostingRegressor, TargetEncoder, matrixFromColumns, type Matrix } from '@dagrun/ml';
import { buildFeatures, evaluateModel, predictModel, trainModel, type HyperParams } from '../src/nodes/model.js';
import { loadAverage as load, machine, replaceBetween, stats, type Stats } from '../../../core/bench/report.js';
import { generateRows, toDataFrame } from '../src/nodes/generate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT = resolve(HERE, '..');
const ROOT = resolve(PROJECT, '../..');
const OUT = join(ROOT, 'bench-out/model');
const DOC = join(ROOT, 'docs/benchmarks.md');
const PYTHON = '/usr/bin/python3';
const HELPER = join(HERE, 'sklearn_model.py');
const COMMAND = 'npm run bench:model';
const TRAIN = join(PROJECT, 'data/01_raw/train.csv');
const TEST = join(PROJECT, 'data/01_raw/test.csv');
const BIG_ROWS = 1_000_000;

const args = process.argv.slice(2);
const num = (flag: string, dflt: number): number => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) || dflt : dflt;
};
const RUNS = num('--runs', 7);
const TUNED_RUNS = num('--tuned-runs', 3);
const GBR_RUNS = num('--gbr-runs', 3);
const HGB_RUNS = num('--hgb-runs', 5);
const WRITE = !args.includes('--no-write');
const BIG = !args.includes('--no-big');

// ---------------------------------------------------------------- figures

type Unit = 'ms' | 's' | 'x' | 'UF' | 'MB';
interface Row {
  readonly what: string;
  readonly stats: Stats;
  readonly cpu?: Stats | undefined;
  readonly unit: Unit;
  readonly goal?: string;
  readonly pass?: boolean;
}
const rows: Row[] = [];
const fmt = (v: number, unit: Unit): string => {
  if (unit === 's') return `${(v / 1000).toFixed(v < 10_000 ? 3 : 1)} s`;
  if (unit === 'x') return `${v.toFixed(3)}×`;
  if (unit === 'UF') return `${v.toLocaleString('en', { maximumFractionDigits: 0 })} UF`;
  if (unit === 'MB') return `${v.toFixed(0)} MB`;
  return v < 1 ? `${v.toFixed(3)} ms` : v < 100 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`;
};
const log = (s: string) => process.stdout.write(`${s}\n`);
const report = (row: Row) => {
  rows.push(row);
  const { median, min, max, runs } = row.stats;
  const verdict = row.pass === undefined ? '' : row.pass ? '  PASS' : '  FAIL';
  const cpu = row.cpu ? `, CPU ${fmt(row.cpu.median, row.unit)}` : '';
  const spread =
    runs > 1
      ? ` (min ${fmt(min, row.unit)}, max ${fmt(max, row.unit)}, ${runs} runs${cpu})`
      : cpu
        ? ` (${cpu.slice(2)})`
        : '';
  log(`  ${row.what}: ${fmt(median, row.unit)}${spread}${row.goal ? `  goal ${row.goal}` : ''}${verdict}`);
};
const one = (v: number): Stats => ({ median: v, min: v, max: v, runs: 1 });
/** Wall and CPU (user + sys of this process) milliseconds of one call. */
const time = <T>(fn: () => T): { value: T; wall: number; cpu: number } => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1000 };
};

// ---------------------------------------------------------------- our side

interface Params {
  readonly cols_drop: string[];
  readonly categorical_cols: string[];
  readonly target: string;
  readonly hyper_params: HyperParams;
  readonly generator: Record<string, unknown>;
}
const paramsOf = async (env?: string): Promise<Params> => {
  const project = await openProject({ projectDir: PROJECT, env });
  if (project.errors.length > 0) throw project.errors[0];
  return project.params as unknown as Params;
};

/** The model_run chain on train/test frames: returns the timed trainings, the last model's metrics and model. */
const modelRun = (p: Params, train: DataFrame, test: DataFrame, runs: number) => {
  // The data contract of train and test (catalog.yaml) warns and keeps every row: the frames go in as read.
  const trainValid = train;
  const testValid = test;
  const cols = buildFeatures(trainValid, p.cols_drop);
  const fits: { wall: number; cpu: number }[] = [];
  let model: ReturnType<typeof trainModel> | undefined;
  for (let k = 0; k < runs; k++) {
    const r = time(() => trainModel(trainValid, cols, p.target, p.categorical_cols, p.hyper_params));
    fits.push(r);
    model = r.value;
  }
  const [y, pred] = predictModel(model!, testValid, cols, p.target);
  const metrics = evaluateModel(y, pred);
  return { fits, model: model!, metrics, cols, testValid };
};

/**
 * The encoded matrix train_model builds (target-encoded categoricals, numerics as they are), for the like-for-like
 * timings.
 */
const encodedMatrix = (
  p: Params,
  train: DataFrame,
  frame: DataFrame,
  features: string[],
  rowsLimit?: number,
): { x: Matrix; y: Float64Array } => {
  const col = (df: DataFrame, c: string) => (rowsLimit ? df.getColumn(c).head(rowsLimit) : df.getColumn(c)).toArray();
  const yTrain = Float64Array.from(train.getColumn(p.target).toArray() as number[]);
  const enc = new TargetEncoder().fit(
    Object.fromEntries(p.categorical_cols.map((c) => [c, train.getColumn(c).toArray()])),
    yTrain,
  );
  const cats = enc.transform(Object.fromEntries(p.categorical_cols.map((c) => [c, col(frame, c)])));
  const columns = features.map((c) => cats[c] ?? Float64Array.from(col(frame, c) as number[]));
  return { x: matrixFromColumns(columns), y: Float64Array.from(col(frame, p.target) as number[]) };
};

/** --child-big node|fit CSV: trains the reference configuration on a big CSV in a fresh process (its peak
 * RSS is its own): the whole train_model node, or the estimator alone on the encoded matrix. Prints JSON. */
const childBig = async (mode: string, file: string): Promise<void> => {
  const p = await paramsOf();
  const df = pl.readCSV(file);
  const cols = buildFeatures(df, p.cols_drop);
  let r: { wall: number; cpu: number };
  if (mode === 'fit' || mode === 'fit1') {
    const { x, y } = encodedMatrix(
      p,
      df,
      df,
      cols.filter((c) => c !== p.target),
    );
    // 'fit': the default threads (two from 200,000 rows on two cores); 'fit1': one thread.
    r = time(() =>
      new GradientBoostingRegressor({ random_state: 42, ...p.hyper_params }, mode === 'fit1' ? { threads: 1 } : {}).fit(
        x,
        y,
      ),
    );
  } else {
    r = time(() => trainModel(df, cols, p.target, p.categorical_cols, p.hyper_params));
  }
  process.stdout.write(
    `${JSON.stringify({ wall: r.wall, cpu: r.cpu, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
};

// ---------------------------------------------------------------- sklearn side

interface SkModel {
  mae: number;
  rmse: number;
  fit_wall: number[];
  fit_cpu: number[];
  predict_1k_ms?: number[];
  peak_rss_mb?: number;
}
interface SkOut {
  sklearn: string;
  numpy: string;
  pandas: string;
  hgb: SkModel;
  gbr?: SkModel;
  rf?: SkModel;
}
const python = (helperArgs: string[]): SkOut => {
  const r = spawnSync(PYTHON, [HELPER, ...helperArgs], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${PYTHON} ${HELPER} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as SkOut;
};
const sec = (xs: number[]): number[] => xs.map((x) => x * 1000);

// ---------------------------------------------------------------- main

if (args[0] === '--child-big') {
  await childBig(args[1]!, args[2]!);
  process.exit(0);
}

const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const m = machine();
const loadBefore = load();
log(
  `dagrun model benchmark: ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}; load average (1/5/15 min) ` +
    `${loadBefore}`,
);

const base = await paramsOf();
const tuned = await paramsOf('tuned');
const train = pl.readCSV(TRAIN);
const test = pl.readCSV(TEST);
const hp = (h: HyperParams) =>
  Object.entries(h)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

// Warm-up (JIT), then the timed runs of each configuration.
modelRun({ ...base, hyper_params: { ...base.hyper_params, n_estimators: 30 } }, train, test, 1);
log(`ours, reference (${hp(base.hyper_params)}): ${RUNS} trainings`);
const ref = modelRun(base, train, test, RUNS);
log(`ours, tuned env (${hp(tuned.hyper_params)}): ${TUNED_RUNS} trainings`);
const tun = modelRun(tuned, train, test, TUNED_RUNS);

// Predicting 1,000 rows through RegressionModel.predict (target encoding included), columns already extracted.
const features = ref.cols.filter((c) => c !== base.target);
const x1k = Object.fromEntries(features.map((c) => [c, ref.testValid.getColumn(c).head(1000).toArray()]));
const cold = time(() => ref.model.predict(x1k));
for (let k = 0; k < 50; k++) ref.model.predict(x1k);
const pred1k = Array.from({ length: 300 }, () => time(() => ref.model.predict(x1k)).wall);

// Like for like with sklearn's fit / predict: the estimator alone on the already-encoded matrix.
const trainValid = train;
const enc = encodedMatrix(base, trainValid, trainValid, features);
const enc1k = encodedMatrix(base, trainValid, ref.testValid, features, 1000).x;
log(`ours, estimator only (GradientBoostingRegressor.fit on the encoded matrix): ${RUNS} fits`);
let est: GradientBoostingRegressor | undefined;
const estFits = Array.from({ length: RUNS }, () => {
  const r = time(() => new GradientBoostingRegressor({ random_state: 42, ...base.hyper_params }).fit(enc.x, enc.y));
  est = r.value;
  return r;
});
const estCold = time(() => est!.predict(enc1k));
for (let k = 0; k < 50; k++) est!.predict(enc1k);
const estPred1k = Array.from({ length: 300 }, () => time(() => est!.predict(enc1k)).wall);

log(`sklearn (${PYTHON}): GBR ${GBR_RUNS} fits, HistGBR ${HGB_RUNS} fits, RandomForest 1 fit`);
const sk = python([TRAIN, TEST, '--gbr-runs', String(GBR_RUNS), '--hgb-runs', String(HGB_RUNS), '--rf-runs', '1']);
const gbr = sk.gbr!;
const rf = sk.rf!;
const hgb = sk.hgb;

log('Quality (test set, 6,949 rows)');
const refMae = ref.metrics.mae;
const refRmse = ref.metrics.rmse;
report({ what: 'reference model_run: test MAE', stats: one(refMae), unit: 'UF' });
report({ what: '  sklearn GradientBoostingRegressor, same params + TE: test MAE', stats: one(gbr.mae), unit: 'UF' });
report({
  what: 'MAE ratio (ours / sklearn GBR)',
  stats: one(refMae / gbr.mae),
  unit: 'x',
  goal: '≤ 1.02×',
  pass: refMae <= gbr.mae * 1.02,
});
report({ what: 'reference model_run: test RMSE', stats: one(refRmse), unit: 'UF' });
report({ what: '  sklearn GradientBoostingRegressor: test RMSE', stats: one(gbr.rmse), unit: 'UF' });
report({
  what: 'RMSE ratio (ours / sklearn GBR)',
  stats: one(refRmse / gbr.rmse),
  unit: 'x',
  goal: '≤ 1.05×',
  pass: refRmse <= gbr.rmse * 1.05,
});
report({ what: '  sklearn HistGradientBoostingRegressor (absolute_error): test MAE', stats: one(hgb.mae), unit: 'UF' });
report({ what: '  sklearn HistGradientBoostingRegressor: test RMSE', stats: one(hgb.rmse), unit: 'UF' });
report({
  what: 'tuned env (`--env tuned`): test MAE',
  stats: one(tun.metrics.mae),
  unit: 'UF',
  goal: '< RandomForest',
  pass: tun.metrics.mae < rf.mae,
});
report({ what: '  sklearn RandomForestRegressor(300), one-hot + numerics: test MAE', stats: one(rf.mae), unit: 'UF' });
report({
  what: 'tuned env: test RMSE',
  stats: one(tun.metrics.rmse),
  unit: 'UF',
  goal: '< RandomForest',
  pass: tun.metrics.rmse < rf.rmse,
});
report({ what: '  sklearn RandomForestRegressor(300): test RMSE', stats: one(rf.rmse), unit: 'UF' });

log('Speed (train 16,212 rows × 8 features)');
const refWall = stats(ref.fits.map((f) => f.wall));
const estWall = stats(estFits.map((f) => f.wall));
const gbrWall = stats(sec(gbr.fit_wall));
const hgbWall = stats(sec(hgb.fit_wall));
report({
  what: 'train, reference configuration: estimator fit on the encoded matrix (like sklearn fit)',
  stats: estWall,
  cpu: stats(estFits.map((f) => f.cpu)),
  unit: 's',
});
report({
  what: '  train_model node end to end (polars → arrays, target encoding, matrix, fit)',
  stats: refWall,
  cpu: stats(ref.fits.map((f) => f.cpu)),
  unit: 's',
});
report({ what: '  sklearn GradientBoostingRegressor fit', stats: gbrWall, cpu: stats(sec(gbr.fit_cpu)), unit: 's' });
report({
  what: 'speed-up over sklearn GBR, fit vs fit (median / median)',
  stats: one(gbrWall.median / estWall.median),
  unit: 'x',
  goal: '≥ 20×',
  pass: gbrWall.median / estWall.median >= 20,
});
report({
  what: 'speed-up over sklearn GBR, whole train_model node vs fit',
  stats: one(gbrWall.median / refWall.median),
  unit: 'x',
  goal: '≥ 20×',
  pass: gbrWall.median / refWall.median >= 20,
});
report({
  what: '  sklearn HistGradientBoostingRegressor fit (300 iter, depth 5, lr 0.01, absolute_error)',
  stats: hgbWall,
  cpu: stats(sec(hgb.fit_cpu)),
  unit: 's',
});
report({
  what: 'speed-up over HistGBR, fit vs fit (median / median)',
  stats: one(hgbWall.median / estWall.median),
  unit: 'x',
  goal: '> 1×',
  pass: hgbWall.median > estWall.median,
});
report({
  what: 'speed-up over HistGBR, whole train_model node vs fit',
  stats: one(hgbWall.median / refWall.median),
  unit: 'x',
  goal: '> 1×',
  pass: hgbWall.median > refWall.median,
});
report({
  what: 'train, tuned configuration (train_model node)',
  stats: stats(tun.fits.map((f) => f.wall)),
  cpu: stats(tun.fits.map((f) => f.cpu)),
  unit: 's',
  goal: '< ~10 s',
  pass: stats(tun.fits.map((f) => f.wall)).median < 10_000,
});
report({
  what: '  sklearn RandomForestRegressor fit (n_jobs -1)',
  stats: stats(sec(rf.fit_wall)),
  cpu: stats(sec(rf.fit_cpu)),
  unit: 's',
});
const e1k = stats(estPred1k);
report({
  what: 'predict 1,000 rows: estimator.predict on the encoded matrix (like sklearn predict)',
  stats: e1k,
  unit: 'ms',
  goal: '< 2 ms',
  pass: e1k.median < 2,
});
report({ what: '  of which the first call (compiles the trees)', stats: one(estCold.wall), unit: 'ms' });
const p1k = stats(pred1k);
report({
  what: 'predict 1,000 rows: RegressionModel.predict from columns (encoding + checks included)',
  stats: p1k,
  unit: 'ms',
  goal: '< 2 ms',
  pass: p1k.median < 2,
});
report({ what: '  of which the first call', stats: one(cold.wall), unit: 'ms' });
report({
  what: '  sklearn GradientBoostingRegressor.predict, 1,000 rows (50 calls)',
  stats: stats(gbr.predict_1k_ms!),
  unit: 'ms',
});

let bigNote = 'skipped (--no-big).';
if (BIG) {
  mkdirSync(OUT, { recursive: true });
  const bigTrain = join(OUT, `big_train_${BIG_ROWS}.csv`);
  const bigTest = join(OUT, `big_test_${BIG_ROWS}.csv`);
  if (!existsSync(bigTrain) || !existsSync(bigTest)) {
    log(
      `generating ${BIG_ROWS.toLocaleString('en')} rows (project generator, same seed and recipe) into ` +
        `${relative(ROOT, OUT)}/`,
    );
    const g = generateRows({ ...base.generator, n_train: BIG_ROWS, n_test: 1000 });
    toDataFrame(g.train, g.sectors).writeCSV(bigTrain);
    toDataFrame(g.test, g.sectors).writeCSV(bigTest);
  }
  log(
    `train on ${BIG_ROWS.toLocaleString('en')} rows: ours (three child processes: estimator fit on 2 threads and on ` +
      '1, train_model node), then HistGBR',
  );
  const bigChild = (mode: 'fit' | 'fit1' | 'node') => {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child-big', mode, bigTrain],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (child.status !== 0) throw new Error(`big child (${mode}) failed:\n${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').pop()!) as { wall: number; cpu: number; peakRssMb: number };
  };
  const oursFit = bigChild('fit');
  const oursFit1 = bigChild('fit1');
  const oursNode = bigChild('node');
  const skBig = python([bigTrain, bigTest, '--only', 'hgb', '--hgb-runs', '1']).hgb;
  const skWall = skBig.fit_wall[0]! * 1000;
  const big = BIG_ROWS.toLocaleString('en');
  report({
    what: `train ${big} rows, reference configuration: estimator fit on the encoded matrix (2 threads)`,
    stats: one(oursFit.wall),
    cpu: one(oursFit.cpu),
    unit: 's',
    goal: 'faster than HistGBR',
    pass: oursFit.wall < skWall,
  });
  report({
    what: `  the same fit on 1 thread (threads: 1)`,
    stats: one(oursFit1.wall),
    cpu: one(oursFit1.cpu),
    unit: 's',
    goal: 'faster than HistGBR',
    pass: oursFit1.wall < skWall,
  });
  report({
    what: `  train ${big} rows: train_model node end to end`,
    stats: one(oursNode.wall),
    cpu: one(oursNode.cpu),
    unit: 's',
    goal: 'faster than HistGBR',
    pass: oursNode.wall < skWall,
  });
  report({
    what: '  sklearn HistGradientBoostingRegressor fit',
    stats: one(skWall),
    cpu: one(skBig.fit_cpu[0]! * 1000),
    unit: 's',
  });
  report({
    what: 'peak RSS, ours, estimator-fit process (polars CSV load + encoding + matrix + training)',
    stats: one(oursFit.peakRssMb),
    unit: 'MB',
  });
  report({
    what: '  peak RSS, ours, train_model process (polars CSV load + arrays + training)',
    stats: one(oursNode.peakRssMb),
    unit: 'MB',
  });
  report({
    what: '  peak RSS, sklearn (whole process: pandas CSV load + encoding + fit)',
    stats: one(skBig.peak_rss_mb!),
    unit: 'MB',
  });
  bigNote =
    `one run each (a deterministic ${BIG_ROWS.toLocaleString('en')}-row train set from the project's generator, ` +
    `\`bench-out/model/\`, made on first run); ours in fresh child processes (one per row) so each peak RSS is its ` +
    `own; peak RSS is the whole process\'s maximum (ru_maxrss).`;
}

const loadAfter = load();
log(`load average at the end: ${loadAfter}`);

if (WRITE) {
  const table = [
    '| measurement | median | min | max | runs | CPU (median) | goal | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.what.replace(/^ {2}/, '↳ ')} | ${fmt(r.stats.median, r.unit)} | ` +
        `${r.stats.runs > 1 ? fmt(r.stats.min, r.unit) : ''} | ${r.stats.runs > 1 ? fmt(r.stats.max, r.unit) : ''} ` +
        `| ${r.stats.runs} | ${r.cpu ? fmt(r.cpu.median, r.unit) : ''} | ${r.goal ?? ''} | ` +
        `${r.pass === undefined ? '' : r.pass ? 'pass' : '**FAIL**'} |`,
    ),
  ].join('\n');
  const body = [
    `Command: \`${COMMAND}\` (script: \`projects/property-valuation/bench/model.bench.ts\`, sklearn side ` +
      `\`projects/property-valuation/bench/sklearn_model.py\`; needs \`npm run build\` first).`,
    `Run on ${when}: ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}; scikit-learn ${sk.sklearn}, numpy ` +
      `${sk.numpy}, pandas ${sk.pandas} (\`${PYTHON}\`).`,
    `Load average (1 / 5 / 15 min): ${loadBefore} at the start, ${loadAfter} at the end; other work on the machine ` +
      'slows every figure.',
    '',
    `Data: the committed \`data/01_raw/train.csv\` (16,212 rows) and \`test.csv\` (6,949 rows), the same files on ` +
      'both sides. Reference',
    `configuration = conf/base \`hyper_params\` (${hp(base.hyper_params)}; random_state 42); tuned = conf/tuned ` +
      `(${hp(tuned.hyper_params)}).`,
    '',
    table,
    '',
    'What each figure measures (goals judged on wall-clock medians; CPU is user + sys time of every thread):',
    '',
    '- **Ours** runs the model_run node functions in one process (the data contract warns, so every row is used):',
    '  `buildFeatures`, `trainModel` (timed: target encoding of type and sector, matrix build, boosting), ' +
      '`predictModel`, `evaluateModel`,',
    '  with the parameters `openProject` resolves for conf/base and for `--env tuned`. One untimed short training ' +
      'warms the JIT up.',
    '  "Estimator fit" times `GradientBoostingRegressor.fit` alone on the matrix train_model builds (same encoder, ' +
      'same rows, same',
    "  model), which is what sklearn's `fit` covers; the train_model rows add the polars-to-array copy, encoding and " +
      'checks.',
    "  On 16,212 rows the boosting loop runs on one thread (CPU above wall time is V8's garbage collector and " +
      'compiler threads);',
    '  from 200,000 rows a helper thread builds half of each large histogram and finishes half the leaves (threads: ' +
      '2 by default',
    '  on two cores, same trees as on one thread), so the 1,000,000-row rows show both.',
    "- **sklearn** is given the same rows with type and sector target-encoded by category_encoders' formula in pandas",
    '  (min_samples_leaf 20, smoothing 1, fitted on train) and the six numeric features in the same order; ' +
      'only `fit` is timed',
    '  (encoding excluded, so the comparison is conservative for us). GradientBoostingRegressor(learning_rate 0.01, ' +
      'n_estimators 300,',
    '  max_depth 5, loss absolute_error, random_state 42); HistGradientBoostingRegressor(max_iter 300, max_depth 5, ' +
      'learning_rate 0.01,',
    '  loss absolute_error, early_stopping False), which uses both cores (OpenMP); ' +
      'RandomForestRegressor(n_estimators 300,',
    '  random_state 42, n_jobs -1) on one-hot type/sector plus the numerics.',
    '- **predict 1,000 rows**: ours is `RegressionModel.predict` on the first 1,000 test rows given as columns ' +
      '(encoding included),',
    '  median of 300 calls after 50 warm-up calls; sklearn is `GradientBoostingRegressor.predict` on the encoded ' +
      '1,000-row array, 50 calls.',
    `- **1,000,000 rows**: ${bigNote}`,
  ].join('\n');
  writeFileSync(DOC, replaceBetween(readFileSync(DOC, 'utf8'), 'model', body, '## Model (npm run bench:model)'));
  log(`figures written to ${relative(ROOT, DOC)}`);
}
