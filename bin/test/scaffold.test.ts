// `dagrun new NAME --starter default|ml`, end to end: each starter is scaffolded by the built CLI into
// projects/.tmp-*, run with `dagrun run`, type-checked with tsc, and its own tests run with node --test.
// Both starters list @dagrun/datasets-polars (csv) and @dagrun/viz. Needs `npx tsc -b`.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t, { type Test } from 'tap';
import { housesCsv } from '../src/starters/ml.js';
import { dagrun, ROOT, runNode, TSC, workspaceTempDir } from './spawn.js';

const COMMON_FILES = [
  '.gitignore',
  'conf/base/catalog.yaml',
  'conf/base/parameters.yaml',
  'conf/local/.gitkeep',
  'dagrun.yaml',
  'package.json',
  'pipeline.yaml',
  'src/nodes.ts',
  'test/nodes.test.ts',
  'tsconfig.json',
];

/** Every file under `dir` except run records, relative and sorted. */
const listFiles = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name === '.dagrun') continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
};

const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
/** The one version folder of a versioned dataset, and the file in it. */
const onlyVersion = (dir: string, dataset: string): string => {
  const versions = readdirSync(join(dir, dataset));
  if (versions.length !== 1) throw new Error(`${dataset}: expected one version, but got ${versions.length}`);
  return join(dir, dataset, versions[0]!, dataset.split('/').pop()!);
};
/** Durations vary (and may be followed by their load/save split): "done   x in 12 ms …" becomes "done   x in T". */
const untimed = (s: string): string => s.replace(/ in \d+(\.\d+)? (ms|s)\b.*$/, ' in T');

interface StarterCase {
  readonly starter: string;
  readonly data: string;
  readonly plugins: string[];
  readonly dependencies: string[];
  readonly nodes: string[];
  readonly tests: number;
  check(t: Test, dir: string): void;
}

const CASES: StarterCase[] = [
  {
    starter: 'default',
    data: 'data/01_raw/orders.csv',
    plugins: ['@dagrun/datasets-polars', '@dagrun/viz'],
    dependencies: ['@dagrun/datasets-polars', '@dagrun/viz', 'nodejs-polars'],
    nodes: ['clean_orders', 'summarise_by_region'],
    tests: 2,
    check: (t, dir) => {
      // orders.csv keeps the rows with quantity >= 1: north 3*2.5; south 1*10 + 2*2.5; east 7*2.5 + 4*6.
      t.same(readJson(onlyVersion(dir, 'data/08_reporting/region_summary.json')), {
        north: { orders: 1, revenue: 7.5 },
        south: { orders: 2, revenue: 15 },
        east: { orders: 2, revenue: 41.5 },
      });
    },
  },
  {
    starter: 'ml',
    data: 'data/01_raw/houses.csv',
    plugins: ['@dagrun/datasets-polars', '@dagrun/viz', '@dagrun/ml'],
    dependencies: ['@dagrun/datasets-polars', '@dagrun/ml', '@dagrun/viz', 'nodejs-polars'],
    nodes: ['split', 'train', 'evaluate'],
    tests: 3,
    check: (t, dir) => {
      const saved = readJson(onlyVersion(dir, 'data/06_models/model.json'));
      t.equal(saved.codec, 'dagrun.ml/regression-model', "the model is saved through @dagrun/ml's codec");
      const model = saved.data as {
        format: string;
        featureSchema: { target: string; features: Array<{ name: string; kind: string }> };
      };
      t.equal(model.format, 'dagrun.ml/regression-model');
      t.same(
        model.featureSchema.features.map((f) => `${f.name}:${f.kind}`),
        ['district:categorical', 'area_m2:numeric', 'rooms:numeric', 'age_years:numeric'],
      );
      const metrics = readJson(onlyVersion(dir, 'data/08_reporting/metrics.json')) as Record<string, number>;
      t.same(Object.keys(metrics).sort(), [
        'mae',
        'mape',
        'mape_above',
        'mape_threshold',
        'mdape',
        'n',
        'n_train',
        'r2',
        'rmse',
      ]);
      t.same([metrics.n, metrics.n_train, metrics.mape_threshold], [100, 300, 400], '400 houses split 300/100');
      t.ok(metrics.r2! > 0.9 && metrics.r2! < 1, `r2 ${metrics.r2} on the held-out houses`);
      t.ok(metrics.mae! > 0 && metrics.mae! < 40, `mae ${metrics.mae} (thousands)`);
    },
  },
];

for (const c of CASES) {
  t.test(`dagrun new --starter ${c.starter}: runs, type-checks and passes its own tests at once`, async (t) => {
    const cwd = workspaceTempDir(t, `scaffold-${c.starter}`);
    const created = await dagrun(['new', 'shop', '--starter', c.starter], cwd);
    t.equal(created.code, 0, created.stderr);
    t.equal(
      created.stdout,
      `Created project 'shop' (starter ${c.starter}) in shop. Run it:\n  cd shop && dagrun run\n` +
        'Test and type-check its node functions: npm test, npm run typecheck\n',
    );
    const dir = join(cwd, 'shop');
    t.same(listFiles(dir), [...COMMON_FILES, c.data].sort());
    t.match(
      readFileSync(join(dir, 'dagrun.yaml'), 'utf8'),
      `name: shop\nplugins:\n${c.plugins.map((p) => `  - '${p}'\n`).join('')}`,
    );
    const pkg = readJson(join(dir, 'package.json')) as {
      name: string;
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    t.equal(pkg.name, 'shop');
    t.same(Object.keys(pkg.dependencies), c.dependencies);
    t.equal(pkg.scripts.test, 'node --import tsx --test test/*.test.ts');

    const run = await dagrun(['run', '--log-format', 'text'], dir);
    t.equal(run.code, 0, run.stderr);
    t.equal(run.stderr, '');
    const n = c.nodes.length;
    t.same(
      run.stdout
        .split('\n')
        .filter((l) => /^\[\d\/\d\]/.test(l))
        .map(untimed),
      c.nodes.flatMap((name, i) => [`[${i + 1}/${n}] start  ${name}`, `[${i + 1}/${n}] done   ${name} in T`]),
    );
    c.check(t, dir);

    const tsc = await runNode([TSC, '--noEmit', '-p', dir], ROOT);
    t.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
    t.equal(tsc.stdout, '');

    const tests = await runNode(['--import', 'tsx', '--test', 'test/nodes.test.ts'], dir);
    t.equal(tests.code, 0, tests.stdout + tests.stderr);
    t.match(tests.stdout, `# tests ${c.tests}\n# suites 0\n# pass ${c.tests}\n# fail 0\n`);
  });
}

t.test("the starters' tsconfig is strict: implicit any and unchecked index access fail tsc", async (t) => {
  const cwd = workspaceTempDir(t, 'scaffold-strict');
  t.equal((await dagrun(['new', 'shop'], cwd)).code, 0);
  const dir = join(cwd, 'shop');
  writeFileSync(
    join(dir, 'src/probe.ts'),
    'export const id = (a) => a;\nexport const first = (xs: number[]): number => xs[0];\n',
  );
  const tsc = await runNode([TSC, '--noEmit', '-p', dir], ROOT);
  t.equal(tsc.code, 1);
  t.match(tsc.stdout, /src\/probe\.ts\(1,20\): error TS7006: Parameter 'a' implicitly has an 'any' type\./);
  t.match(
    tsc.stdout,
    /src\/probe\.ts\(2,48\): error TS2322: Type 'number \| undefined' is not assignable to type 'number'\./,
  );
});

t.test("the ml starter's houses.csv is the same 400 rows in every scaffold", async (t) => {
  const cwd = workspaceTempDir(t, 'scaffold-data');
  await Promise.all(['a', 'b'].map((name) => dagrun(['new', name, '--starter', 'ml'], cwd)));
  const [a, b] = ['a', 'b'].map((name) => readFileSync(join(cwd, name, 'data/01_raw/houses.csv'), 'utf8'));
  t.equal(a, b);
  t.equal(a, housesCsv());
  const lines = a!.trimEnd().split('\n');
  t.equal(lines.length, 401);
  t.equal(lines[0], 'house_id,district,area_m2,rooms,age_years,price');
  t.match(lines[400], /^400,(centre|north|east|south|west),\d+,[1-6],\d+,\d+\.\d$/);
  t.same(new Set(lines.slice(1).map((l) => l.split(',')[1])), new Set(['centre', 'north', 'east', 'south', 'west']));
});

t.test('an unknown starter is a usage error naming the choices; nothing is written', async (t) => {
  const cwd = workspaceTempDir(t, 'scaffold-bad');
  const [typo, other] = await Promise.all([
    dagrun(['new', 'shop', '--starter', 'mll'], cwd),
    dagrun(['new', 'shop', '--starter', 'spark'], cwd),
  ]);
  t.equal(typo.code, 2);
  t.equal(typo.stdout, '');
  t.equal(
    typo.stderr,
    "\n[DAGRUN_ERR_CLI_USAGE] Starter 'mll': expected one of default, ml, but got 'mll'.\n" +
      "  Hint: did you mean: 'ml'?\n",
  );
  t.equal(other.code, 2);
  t.equal(other.stderr, "\n[DAGRUN_ERR_CLI_USAGE] Starter 'spark': expected one of default, ml, but got 'spark'.\n");
  t.notOk(existsSync(join(cwd, 'shop')));
});

t.test('--starter ml still refuses a folder that is not empty', async (t) => {
  const cwd = workspaceTempDir(t, 'scaffold-taken');
  const taken = await dagrun(['new', 'taken', '--starter', 'ml'], cwd);
  t.equal(taken.code, 0, 'an absent folder is created');
  const again = await dagrun(['new', 'taken', '--starter', 'ml'], cwd);
  t.equal(again.code, 2);
  t.equal(again.stdout, '');
  t.equal(
    again.stderr,
    `\n[DAGRUN_ERR_PROJECT_EXISTS] Folder '${join(cwd, 'taken')}': expected it empty or absent, ` +
      'but got 9 entries.\n  Hint: choose another name, or remove the folder.\n',
  );
});
