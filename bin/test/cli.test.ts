// End-to-end tests of the `dagrun` command: each one runs the built CLI (bin/dagrun.js) as a child
// process against a temp copy of projects/retail-demo or a small project written here. Needs `npx tsc -b`.

import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openProject } from '@dagrun/core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DAGRUN = join(ROOT, 'bin/dagrun.js');
const DEMO = join(ROOT, 'projects/retail-demo');
const BIN_VERSION = (JSON.parse(readFileSync(join(ROOT, 'bin/package.json'), 'utf8')) as { version: string }).version;

interface Teardown {
  teardown(fn: () => void): void;
}

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// The child gets the environment a user's shell would have: no tap loader hooks or tap variables.
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'NODE_OPTIONS' && !/^_?TAP/.test(k)) env[k] = v;
  return { ...env, ...extra };
};

/** Runs `node bin/dagrun.js ...args` in `cwd`, with stdout and stderr as pipes (not a TTY). */
const dagrun = (args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<CliResult> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [DAGRUN, ...args], {
      cwd,
      env: cleanEnv(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });

const tempDir = (t: Teardown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** A copy of projects/retail-demo without run records or outputs; node_modules links to the repo's (for polars). */
const copyDemo = (t: Teardown): string => {
  const dir = join(tempDir(t), 'retail-demo');
  cpSync(DEMO, dir, {
    recursive: true,
    filter: (src) => {
      const rel = relative(DEMO, src).split('\\').join('/');
      if (rel === '.dagrun' || rel === 'node_modules') return false;
      return !/^data\/(02_intermediate|08_reporting)\/./.test(rel) || rel.endsWith('/.gitkeep');
    },
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
};

const writeTree = (dir: string, files: Readonly<Record<string, string>>): string => {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
};

/** Every file under `dir` (not following the node_modules link), relative and sorted. */
const listFiles = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name === 'node_modules') continue;
      if (relative(dir, p) === join('.dagrun', 'cache')) continue; // compiled node modules: a cache, not an output
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
};

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
/** Durations vary; "in 12 ms" / "in 1.20 s" become "in T". */
const untimed = (s: string): string =>
  s.replace(/ in \d+(\.\d+)? (ms|s)( \(load \d+(\.\d+)? (ms|s), save \d+(\.\d+)? (ms|s)\))?$/, ' in T');

/** A three-node project: make -> numbers (json) -> explode -> exploded (memory) -> after -> final (json). */
const FAILING_PROJECT = {
  'package.json': '{ "type": "module" }\n',
  'dagrun.yaml': 'name: fail-demo\n',
  'pipeline.yaml': `__default__:
  nodes:
    - name: make
      func: src/nodes.ts#make
      inputs: [params:model]
      outputs: numbers
    - name: explode
      func: src/nodes.ts#explode
      inputs: [numbers]
      outputs: exploded
    - name: after
      func: src/nodes.ts#after
      inputs: [exploded]
      outputs: final
`,
  'conf/base/catalog.yaml': `numbers:
  type: json
  path: data/numbers.json
final:
  type: json
  path: data/final.json
`,
  'conf/base/parameters.yaml': 'model:\n  depth: 2\n',
  'conf/staging/parameters.yaml': 'model:\n  depth: 7\n',
  'src/nodes.ts': `export const make = (m: { depth: unknown }) => ({ depth: m.depth, type: typeof m.depth });
export const explode = (n: { depth: number }) => {
  if (process.env.DAGRUN_TEST_EXPLODE === '1') throw new RangeError(\`depth \${n.depth} is too large\`);
  return { ...n, exploded: true };
};
export const after = (x: object) => ({ ...x, after: true });
`,
};

const failingProject = (t: Teardown): string => writeTree(join(tempDir(t), 'proj'), FAILING_PROJECT);

t.test('--version prints the package version', async (t) => {
  const r = await dagrun(['--version'], tempDir(t));
  t.equal(r.code, 0);
  t.equal(r.stdout, `${BIN_VERSION}\n`);
  t.equal(r.stderr, '');
});

t.test("--help on every command exits 0 and lists exactly that command's options", async (t) => {
  const cwd = tempDir(t);
  const cases: Array<{ args: string[]; usage: string; options: string[] }> = [
    { args: ['--help'], usage: 'Usage: dagrun [options] [command]', options: ['--version', '--project', '--help'] },
    {
      args: ['run', '--help'],
      usage: 'Usage: dagrun run [options]',
      options: [
        '--pipeline',
        '--env',
        '--params',
        '--nodes',
        '--from-nodes',
        '--to-nodes',
        '--tags',
        '--from-inputs',
        '--to-outputs',
        '--load-versions',
        '--dry-run',
        '--runner',
        '--log-format',
        '--help',
      ],
    },
    {
      args: ['check', '--help'],
      usage: 'Usage: dagrun check [options]',
      options: ['--pipeline', '--env', '--params', '--help'],
    },
    { args: ['pipeline', 'list', '--help'], usage: 'Usage: dagrun pipeline list [options]', options: ['--help'] },
    {
      args: ['pipeline', 'show', '--help'],
      usage: 'Usage: dagrun pipeline show [options] [name]',
      options: ['--json', '--help'],
    },
    {
      args: ['catalog', 'list', '--help'],
      usage: 'Usage: dagrun catalog list [options]',
      options: ['--pipeline', '--env', '--help'],
    },
    { args: ['new', '--help'], usage: 'Usage: dagrun new [options] <name>', options: ['--starter', '--help'] },
    { args: ['repl', '--help'], usage: 'Usage: dagrun repl [options]', options: ['--env', '--params', '--help'] },
  ];
  const results = await Promise.all(cases.map((c) => dagrun(c.args, cwd)));
  cases.forEach((c, i) => {
    const r = results[i]!;
    const label = `dagrun ${c.args.join(' ')}`;
    t.equal(r.code, 0, `${label} exits 0`);
    t.equal(r.stderr, '', `${label} writes nothing to stderr`);
    t.equal(r.stdout.split('\n')[0], c.usage, `${label} usage line`);
    // The flags of the "Options:" section only (not "Global Options:" or "Commands:").
    const section = r.stdout.split(/\n(?=\S)/).find((s) => s.startsWith('Options:')) ?? '';
    const flags = [...section.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
    t.same(flags, c.options, `${label} lists its options`);
    if (c.args[0] !== '--help')
      t.match(r.stdout, /\nGlobal Options:\n(.*\n)*? {2}--project <dir> /, `${label} shows the global --project`);
  });
  t.match(
    results[0]!.stdout,
    new RegExp(
      /Commands:\n {2}run \[options\] .*\n {2}check \[options\] .*\n(.*\n)* {2}pipeline .*\n {2}catalog .*\n/.source +
        / {2}new \[options\] <name> .*\n {2}repl \[options\] /.source,
    ),
  );
});

// `dagrun new` scaffolding each starter and running it: bin/test/scaffold.test.ts (inside the workspace,
// where the starters' plugins resolve).

t.test('dagrun new refuses a folder that is not empty, and a bad name', async (t) => {
  const cwd = tempDir(t);
  writeTree(cwd, { 'taken/notes.txt': 'keep me\n' });
  const [taken, bad] = await Promise.all([dagrun(['new', 'taken'], cwd), dagrun(['new', '1shop'], cwd)]);
  t.equal(taken.code, 2);
  t.equal(taken.stdout, '');
  t.equal(
    taken.stderr,
    `\n[DAGRUN_ERR_PROJECT_EXISTS] Folder '${join(cwd, 'taken')}': expected it empty or absent, but got 1 entry.\n` +
      '  Hint: choose another name, or remove the folder.\n',
  );
  t.same(listFiles(join(cwd, 'taken')), ['notes.txt'], 'nothing written into the folder');
  t.equal(bad.code, 2);
  t.equal(
    bad.stderr,
    "\n[DAGRUN_ERR_CLI_USAGE] Project name '1shop': expected letters, digits, '_' or '-', starting with a " +
      "letter, but got '1shop'.\n",
  );
  t.notOk(existsSync(join(cwd, '1shop')));
});

t.test('run --dry-run prints the plan and writes nothing', async (t) => {
  const dir = copyDemo(t);
  const before = listFiles(dir);
  const r = await dagrun(['run', '--dry-run'], dir);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  t.equal(
    r.stdout,
    [
      "Plan for pipeline '__default__' (7 nodes, env base+local); nothing will run:",
      '    1. clean_orders  src/nodes/processing.ts#cleanOrders',
      '         load  orders (csv), params:cleaning (parameter)',
      '         save  orders_clean (parquet)',
      '    2. join_products  src/nodes/processing.ts#joinProducts',
      '         load  products (json)',
      '         save  order_lines (memory)',
      '    3. by_region.summarise  src/nodes/reporting.ts#summariseRevenue',
      '         load  params:by_region.group_by (parameter)',
      '         save  by_region.summary (csv)',
      '    4. by_region.render  src/nodes/reporting.ts#renderReport',
      '         load  params:by_region.group_by (parameter)',
      '         save  by_region.report (text)',
      '    5. by_product.summarise  src/nodes/reporting.ts#summariseRevenue',
      '         load  params:by_product.group_by (parameter)',
      '         save  by_product.summary (csv)',
      '    6. by_product.render  src/nodes/reporting.ts#renderReport',
      '         load  params:by_product.group_by (parameter)',
      '         save  by_product.report (text)',
      '    7. compute_metrics  src/nodes/reporting.ts#computeMetrics',
      '         save  metrics (json)',
      '',
    ].join('\n'),
  );
  t.same(listFiles(dir), before, 'no output, no run record');
  t.notOk(existsSync(join(dir, '.dagrun', 'runs')), 'no run record');
});

t.test('pipeline list, pipeline show (text and --json) and catalog list', async (t) => {
  const dir = copyDemo(t);
  const [list, show, showJson, catalog] = await Promise.all([
    dagrun(['pipeline', 'list'], dir),
    dagrun(['pipeline', 'show', 'data_processing'], dir),
    dagrun(['pipeline', 'show', '__default__', '--json'], dir),
    dagrun(['catalog', 'list'], dir),
  ]);
  for (const r of [list, show, showJson, catalog]) {
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stderr, '');
  }
  t.equal(
    list.stdout,
    [
      'data_processing             2 nodes  Clean raw orders and attach product categories.',
      'revenue_report              2 nodes  Revenue by one column, as a table and a Markdown report. Included ' +
        'once per namespace.',
      'metrics                     1 nodes',
      '__default__                 7 nodes  Everything, composed from the pipelines above.',
      '',
    ].join('\n'),
  );
  t.equal(
    show.stdout,
    [
      "Pipeline 'data_processing': 2 nodes",
      '    1. clean_orders  src/nodes/processing.ts#cleanOrders  [processing]',
      '         in   orders, params:cleaning',
      '         out  orders_clean',
      '    2. join_products  src/nodes/processing.ts#joinProducts  [processing]',
      '         in   orders_clean, products',
      '         out  order_lines',
      '  inputs:  orders, params:cleaning, products',
      '  outputs: order_lines',
      '',
    ].join('\n'),
  );
  const project = await openProject({ projectDir: dir });
  const expected = JSON.parse(JSON.stringify(project.pipeline('__default__').toJSON())) as {
    nodes: Array<{ name: string; namespace: string | null }>;
  };
  const printed = JSON.parse(showJson.stdout) as typeof expected;
  t.same(printed, expected, '--json is Pipeline.toJSON()');
  t.same(
    printed.nodes.map((n) => [n.name, n.namespace]),
    [
      ['clean_orders', null],
      ['join_products', null],
      ['by_region.summarise', 'by_region'],
      ['by_region.render', 'by_region'],
      ['by_product.summarise', 'by_product'],
      ['by_product.render', 'by_product'],
      ['compute_metrics', null],
    ],
  );
  t.equal(
    catalog.stdout,
    [
      'dataset             type              location',
      'orders              csv               data/01_raw/orders.csv',
      'products            json              data/01_raw/products.json',
      'orders_clean        parquet           data/02_intermediate/orders_clean.parquet',
      'metrics             json (versioned)  data/08_reporting/metrics.json',
      'order_lines         memory            (memory)  not in catalog: held in memory',
      'by_region.summary   csv               data/08_reporting/by_region_summary.csv',
      'by_region.report    text              data/08_reporting/by_region_report.md',
      'by_product.summary  csv               data/08_reporting/by_product_summary.csv',
      'by_product.report   text              data/08_reporting/by_product_report.md',
      'factories: {namespace}.summary, {namespace}.report',
      '',
    ].join('\n'),
  );
});

/** How many orders of the demo's CSV have a quantity in min..max, computed here independently of the engine. */
const demoOrders = (dir: string, min: number, max: number): number =>
  readFileSync(join(dir, 'data/01_raw/orders.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => Number(row.split(',')[4]))
    .filter((q) => q >= min && q <= max).length;

/** The metrics the demo saved (a versioned json; one run, one version). */
const demoMetrics = (dir: string): { orders: number } => {
  const root = join(dir, 'data/08_reporting/metrics.json');
  const [version] = readdirSync(root);
  return readJson(join(root, version!, 'metrics.json')) as { orders: number };
};

const DEMO_NODES = [
  'clean_orders',
  'join_products',
  'by_region.summarise',
  'by_region.render',
  'by_product.summarise',
  'by_product.render',
  'compute_metrics',
];

t.test('a run without a TTY prints one plain line per node start and finish', async (t) => {
  const dir = copyDemo(t);
  const r = await dagrun(['run'], dir);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  const out = lines(r.stdout);
  const runId = /^Running pipeline '__default__' \(7 nodes\), run (\S+)$/.exec(out[0] ?? '')?.[1];
  t.ok(runId, `first line names the run: ${out[0]}`);
  t.same(out.slice(1).map(untimed), [
    ...DEMO_NODES.flatMap((n, i) => [`[${i + 1}/7] start  ${n}`, `[${i + 1}/7] done   ${n} in T`]),
    "Pipeline '__default__' completed: 7 nodes in T",
    `Run record: .dagrun/runs/${runId}.json`,
  ]);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts that no terminal escape is written
  t.notMatch(r.stdout, /\x1b|\r/, 'no terminal control codes');
  t.ok(existsSync(join(dir, 'data/08_reporting/by_region_report.md')));
  t.equal(demoMetrics(dir).orders, demoOrders(dir, 1, 10), 'the cleaning rule of conf/base: quantity 1 to 10');
  t.equal((readJson(join(dir, `.dagrun/runs/${runId}.json`)) as { status: string }).status, 'ok');
});

t.test('--log-format json prints pino JSON lines', async (t) => {
  const dir = copyDemo(t);
  const r = await dagrun(['run', '--log-format', 'json'], dir);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  const events = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const e of events) {
    t.equal(e.level, 30, `${String(e.event)} is info`);
    t.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO time');
    t.type(e.msg, 'string');
  }
  const runId = events[0]?.runId;
  t.match(runId, /^\d{4}-/);
  const loaded = events.filter((e) => e.event === 'dataset_loaded');
  t.same(
    loaded.map((e) => [e.node, e.dataset]),
    [
      ['clean_orders', 'orders'],
      ['join_products', 'orders_clean'],
      ['join_products', 'products'],
      ['by_region.summarise', 'order_lines'],
      ['by_region.render', 'by_region.summary'],
      ['by_product.summarise', 'order_lines'],
      ['by_product.render', 'by_product.summary'],
      ['compute_metrics', 'order_lines'],
      ['compute_metrics', 'by_region.summary'],
      ['compute_metrics', 'by_product.summary'],
    ],
    'each load, with the node that asked for it',
  );
  for (const e of loaded) t.match(e, { runId, durationMs: Number });
  t.same(
    events
      .filter((e) => e.event !== 'dataset_loaded')
      .map((e) => [e.event, String(e.event).startsWith('dataset_') ? e.dataset : (e.node ?? null)]),
    [
      ['pipeline_start', null],
      ['node_start', 'clean_orders'],
      ['dataset_saved', 'orders_clean'],
      ['node_end', 'clean_orders'],
      ['node_start', 'join_products'],
      ['dataset_saved', 'order_lines'],
      ['node_end', 'join_products'],
      ['node_start', 'by_region.summarise'],
      ['dataset_saved', 'by_region.summary'],
      ['node_end', 'by_region.summarise'],
      ['node_start', 'by_region.render'],
      ['dataset_saved', 'by_region.report'],
      ['node_end', 'by_region.render'],
      ['node_start', 'by_product.summarise'],
      ['dataset_saved', 'by_product.summary'],
      ['node_end', 'by_product.summarise'],
      ['node_start', 'by_product.render'],
      ['dataset_saved', 'by_product.report'],
      ['node_end', 'by_product.render'],
      ['node_start', 'compute_metrics'],
      ['dataset_saved', 'metrics'],
      ['node_end', 'compute_metrics'],
      ['pipeline_end', null],
    ],
  );
  t.match(events[0], { event: 'pipeline_start', pipeline: '__default__', nodes: 7 });
  t.match(
    events.find((e) => e.event === 'node_end' && e.node === 'compute_metrics'),
    { index: 7, total: 7, runId, durationMs: Number, loadMs: Number, computeMs: Number, saveMs: Number },
  );
  t.match(
    events.find((e) => e.dataset === 'metrics'),
    { version: runId },
    'the versioned save names its version',
  );
  t.match(events.at(-1), { event: 'pipeline_end', status: 'ok', runId });
});

t.test(
  'a failing node: exit 1, node and original error named, the exact resume command, nothing after it',
  async (t) => {
    const dir = failingProject(t);
    const r = await dagrun(['run'], dir, { DAGRUN_TEST_EXPLODE: '1' });
    t.equal(r.code, 1);
    t.same(lines(r.stdout).slice(1).map(untimed), [
      '[1/3] start  make',
      '[1/3] done   make in T',
      '[2/3] start  explode',
      '[2/3] FAILED explode',
    ]);
    const err = r.stderr.split('\n');
    t.equal(
      err[1],
      "pipeline.yaml:7:7 [DAGRUN_ERR_NODE_FAILED] Node 'explode' (src/nodes.ts#explode) failed: RangeError: " +
        'depth 2 is too large',
    );
    t.equal(err[2], '  Resume with: dagrun run --from-nodes explode');
    t.match(
      err[3],
      /^ {4}at .*src\/nodes\.ts:3:/,
      "the frame in the user's function, right under it: the error is printed once, not again as a cause",
    );
    t.notMatch(r.stderr, /caused by/);
    t.notOk(existsSync(join(dir, 'data/final.json')), 'no later node ran');
    t.same(readJson(join(dir, 'data/numbers.json')), { depth: 2, type: 'number' }, 'what was saved stays');
    const records = readdirSync(join(dir, '.dagrun/runs'));
    t.equal(records.length, 1);
    t.match(readJson(join(dir, '.dagrun/runs', records[0]!)), {
      status: 'failed',
      resumeCommand: 'dagrun run --from-nodes explode',
      error: { code: 'DAGRUN_ERR_NODE_FAILED', node: 'explode' },
      nodes: [
        { name: 'make', status: 'ok' },
        { name: 'explode', status: 'failed' },
        { name: 'after', status: 'not_run' },
      ],
    });

    // The printed command, run as printed once the cause is gone, finishes the job from the failed node.
    const resume = (err[2] ?? '').replace('  Resume with: dagrun ', '').split(' ');
    const again = await dagrun(resume, dir);
    t.equal(again.code, 0, again.stderr);
    t.same(lines(again.stdout).slice(1, -2).map(untimed), [
      '[1/2] start  explode',
      '[1/2] done   explode in T',
      '[2/2] start  after',
      '[2/2] done   after in T',
    ]);
    t.same(readJson(join(dir, 'data/final.json')), { depth: 2, type: 'number', exploded: true, after: true });
  },
);

t.test('a failed save: exit 1, the dataset error printed once, the system error, no engine stack frames', async (t) => {
  const saveDir = failingProject(t);
  mkdirSync(join(saveDir, 'data/numbers.json/old'), { recursive: true }); // a folder where the file should go
  const save = await dagrun(['run'], saveDir);
  t.equal(save.code, 1);
  const err = save.stderr.split('\n');
  t.match(
    err[1],
    new RegExp(
      /^\[DAGRUN_ERR_DATASET_SAVE\] Node 'make' \(src\/nodes\.ts#make\): /.source +
        /Failed to save dataset 'numbers' \(json at data\/numbers\.json\): EISDIR: /.source,
    ),
  );
  t.equal(err[2], '  Resume with: dagrun run --from-nodes make');
  t.equal(err.length, 4, 'nothing more: the system error is in the first line, and not repeated as a cause');
  t.notMatch(save.stderr, /^\s+at /m, 'no stack frames from the engine');
  t.same(readdirSync(join(saveDir, 'data')), ['numbers.json'], 'no temp file left behind');
});

t.test('--project DIR runs a project from another directory, and the resume command names it', async (t) => {
  const dir = failingProject(t);
  const cwd = dirname(dir);
  const failed = await dagrun(['run', '--project', 'proj'], cwd, { DAGRUN_TEST_EXPLODE: '1' });
  t.equal(failed.code, 1);
  const resumeLine = failed.stderr.split('\n').find((l) => l.includes('Resume with:'));
  t.equal(resumeLine, '  Resume with: dagrun run --project proj --from-nodes explode');
  t.same(
    readJson(join(dir, 'data/numbers.json')),
    { depth: 2, type: 'number' },
    'outputs land in the project, not the cwd',
  );
  t.notOk(existsSync(join(cwd, 'data')));

  const resumed = await dagrun((resumeLine ?? '').replace('  Resume with: dagrun ', '').split(' '), cwd);
  t.equal(resumed.code, 0, resumed.stderr);
  const out = lines(resumed.stdout);
  t.match(out.at(-1), /^Run record: proj\/\.dagrun\/runs\/\S+\.json$/, 'record path relative to the cwd');
  t.same(readJson(join(dir, 'data/final.json')), { depth: 2, type: 'number', exploded: true, after: true });

  const nowhere = await dagrun(['run'], cwd);
  t.equal(nowhere.code, 2);
  t.equal(
    nowhere.stderr,
    `\n[DAGRUN_ERR_CONFIG_NOT_FOUND] Project at ${cwd}: expected a dagrun.yaml file, but got no such file.\n` +
      `  Hint: pass --project DIR pointing at a dagrun project, or create one with \`dagrun new NAME\`.\n`,
  );
});

t.test(
  'a check failure: exit 2, the numbered list with file:line, no stack trace, nothing run or written',
  async (t) => {
    const dir = failingProject(t);
    writeTree(dir, {
      'pipeline.yaml': FAILING_PROJECT['pipeline.yaml']
        .replace('params:model', 'params:modle')
        .replace('inputs: [numbers]', 'inputs: [numbrs]'),
    });
    const before = listFiles(dir);
    const [run, check] = await Promise.all([dagrun(['run'], dir), dagrun(['check'], dir)]);
    const expected = [
      "[DAGRUN_ERR_CHECK_FAILED] 2 errors in project 'fail-demo'; nothing was run:",
      "  1) pipeline.yaml:3:7 [DAGRUN_ERR_PARAMS_UNKNOWN] Parameter 'params:modle' of node 'make': expected a " +
        'key defined in parameters.yaml, but got no such key.',
      "       Hint: did you mean: 'params:model'?",
      "  2) pipeline.yaml:7:7 [DAGRUN_ERR_PIPELINE_MISSING_INPUT] Input 'numbrs' of node 'explode': expected a " +
        'node output or a catalog entry, but got neither.',
      "       Hint: did you mean: 'numbers'?",
      '',
    ].join('\n');
    for (const [label, r] of [
      ['run', run],
      ['check', check],
    ] as const) {
      t.equal(r.code, 2, `${label} exits 2`);
      t.equal(r.stdout, '', `${label} prints nothing on stdout`);
      t.equal(r.stderr, expected, `${label} lists every problem`);
      t.notMatch(r.stderr, /^\s+at /m, `${label} shows no stack trace`);
    }
    t.same(listFiles(dir), before, 'nothing written');

    writeTree(dir, { 'pipeline.yaml': FAILING_PROJECT['pipeline.yaml'] });
    const ok = await dagrun(['check'], dir);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(ok.stdout, 'OK: 1 pipeline checked (__default__); catalog 2 entries.\n');
  },
);

t.test('--params a.b=3 reaches the node as a number; --env NAME layers conf/NAME', async (t) => {
  const paramsDir = failingProject(t);
  const envDir = failingProject(t);
  const [params, env] = await Promise.all([
    dagrun(['run', '--nodes', 'make', '--params', 'model.depth=3'], paramsDir),
    dagrun(['run', '--nodes', 'make', '--env', 'staging'], envDir),
  ]);
  t.equal(params.code, 0, params.stderr);
  t.same(readJson(join(paramsDir, 'data/numbers.json')), { depth: 3, type: 'number' });
  t.equal(env.code, 0, env.stderr);
  t.same(readJson(join(envDir, 'data/numbers.json')), { depth: 7, type: 'number' }, 'conf/staging overrides conf/base');
  const [record] = readdirSync(join(envDir, '.dagrun/runs'));
  t.match(readJson(join(envDir, '.dagrun/runs', record!)), {
    env: ['base', 'local', 'staging'],
    params: { model: { depth: 7 } },
  });
});

t.test('a command a known plugin provides, in a project that does not list it, names the plugin to add', async (t) => {
  const dir = writeTree(tempDir(t), { 'dagrun.yaml': 'name: bare\n', 'pipeline.yaml': '__default__:\n  nodes: []\n' });
  for (const [command, plugin] of [
    ['viz', '@dagrun/viz'],
    ['serve', '@dagrun/serve'],
  ] as const) {
    const r = await dagrun([command], dir);
    t.equal(r.code, 2, `${command}: a usage error`);
    t.equal(
      r.stderr,
      `[DAGRUN_ERR_CLI_USAGE] Command '${command}': expected a command of dagrun or of a plugin listed in ` +
        'dagrun.yaml, but got one no listed plugin provides.\n' +
        `  Hint: command '${command}' is provided by ${plugin}: add it to plugins in dagrun.yaml.\n`,
    );
  }
  const unknown = await dagrun(['vizz'], dir);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command 'vizz'/, "any other name stays commander's unknown command");
});

t.test('warnings of the checks go to stderr; the run goes on', async (t) => {
  const dir = writeTree(tempDir(t), {
    'dagrun.yaml': 'name: warned\n',
    'pipeline.yaml': '__default__:\n  nodes:\n    - { name: make, func: src/nodes.ts#make, outputs: scratch }\n',
    'src/nodes.ts': 'export const make = () => 1;\n',
  });
  const warning =
    "1 warning:\n  1) pipeline.yaml:3:7 [DAGRUN_ERR_PIPELINE_UNREAD_OUTPUT] Output 'scratch' of node 'make': " +
    'expected a dataset that a node reads or the catalog declares, but got neither; it is computed and ' +
    'dropped.\n       Hint: declare it in catalog.yaml (type: memory keeps it in memory on purpose), or ' +
    "silence this warning with 'silence: [unread-output]' in dagrun.yaml.\n";
  const check = await dagrun(['check'], dir);
  t.equal(check.code, 0);
  t.equal(check.stderr, warning);
  const run = await dagrun(['run', '--log-format', 'json'], dir);
  t.equal(run.code, 0);
  t.equal(run.stderr, warning);
  t.ok(
    lines(run.stdout).every((l) => JSON.parse(l) !== null),
    'stdout stays JSON lines',
  );
});
