// The engine benchmark (`npm run bench:engine`; not a test): CLI start-up, a 1,000-node pipeline's
// validation and run overhead, and a 1,000,000-row CSV load against pandas.read_csv, each the median
// of several runs. Writes the figures between the bench:engine markers of docs/benchmarks.md.
//
//   npm run build && npm run bench:engine            # default 9 runs per figure
//   npm run bench:engine -- --runs 15 --no-write     # more runs, print only
//   npm run bench:engine -- --build DIR --no-write   # measure another build (DIR/bin/dagrun.js, DIR/core/dist)

import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DataFrame } from 'nodejs-polars';
import { loadAverage as load, machine as baseMachine, replaceBetween, stats, type Stats } from './report.js';

// The built package, as the CLI and users run it (tsx-compiled src would add esbuild's __name helpers);
// imported once the build is known to be there.
let openProject: typeof import('@dagrun/core').openProject;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'bench-out/engine');
const DOC = join(ROOT, 'docs/benchmarks.md');
const PYTHON = '/usr/bin/python3';
const COMMAND = 'npm run bench:engine';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Number(flag('--runs') ?? 9);
if (!Number.isInteger(RUNS) || RUNS < 7) {
  process.stderr.write(`--runs: expected a whole number of at least 7, but got ${flag('--runs')}.\n`);
  process.exit(2);
}
const WRITE = !argv.includes('--no-write') && flag('--build') === undefined;
// The build measured: this checkout by default, or a copy of bin/ and core/ (e.g. one saved before a change).
const BUILD = resolve(ROOT, flag('--build') ?? '.');
const BIN = join(BUILD, 'bin/dagrun.js');
const CORE = join(BUILD, 'core/dist/index.js');
const CSV_ROWS = 1_000_000;
const NODES = 1_000;
const WIDTH = 10; // the 1,000 nodes form 100 layers of 10

// ---------------------------------------------------------------- figures

interface Row {
  readonly what: string;
  readonly stats: Stats;
  /** CPU time (user + sys, every thread) of the same runs, in ms; informs when other work slows the wall clock. */
  readonly cpu?: Stats;
  readonly unit: 'ms' | 's' | 'x';
  readonly goal?: string;
  /** Undefined for rows that only inform. */
  readonly pass?: boolean;
}

const rows: Row[] = [];
const fmt = (v: number, unit: Row['unit']): string => {
  if (unit === 's') return `${(v / 1000).toFixed(3)} s`;
  if (unit === 'x') return `${v.toFixed(2)}×`;
  return v < 1 ? `${v.toFixed(3)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${v.toFixed(0)} ms`;
};
const log = (s: string) => process.stdout.write(`${s}\n`);
const report = (row: Row) => {
  rows.push(row);
  const { median, min, max, runs } = row.stats;
  const verdict = row.pass === undefined ? '' : row.pass ? '  PASS' : '  FAIL';
  const cpu = row.cpu ? `, CPU ${fmt(row.cpu.median, row.unit)}` : '';
  log(
    `  ${row.what}: ${fmt(median, row.unit)} (min ${fmt(min, row.unit)}, max ${fmt(max, row.unit)}, ` +
      `${runs} runs${cpu})${row.goal ? `  goal ${row.goal}` : ''}${verdict}`,
  );
};

// ---------------------------------------------------------------- generated projects

const write = (file: string, text: string) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};

/** One node: reads a json dataset, writes a json dataset and a declared memory dataset. */
const oneNodeProject = (): string => {
  const dir = join(OUT, 'one-node');
  rmSync(dir, { recursive: true, force: true });
  write(join(dir, 'dagrun.yaml'), 'name: bench-one-node\n');
  write(
    join(dir, 'pipeline.yaml'),
    [
      '__default__:',
      '  nodes:',
      '    - name: summarise',
      '      func: src/nodes.ts#summarise',
      '      inputs: [numbers]',
      '      outputs: [summary, total]',
      '',
    ].join('\n'),
  );
  write(
    join(dir, 'conf/base/catalog.yaml'),
    [
      'numbers:',
      '  type: json',
      '  path: data/numbers.json',
      'summary:',
      '  type: json',
      '  path: data/summary.json',
      'total:',
      '  type: memory',
      '',
    ].join('\n'),
  );
  write(join(dir, 'conf/base/parameters.yaml'), '{}\n');
  write(join(dir, 'data/numbers.json'), `${JSON.stringify(Array.from({ length: 100 }, (_, i) => i))}\n`);
  write(
    join(dir, 'src/nodes.ts'),
    [
      'export const summarise = (numbers: number[]): [{ count: number; total: number }, number] => {',
      '  const total = numbers.reduce((a, b) => a + b, 0);',
      '  return [{ count: numbers.length, total }, total];',
      '};',
      '',
    ].join('\n'),
  );
  return dir;
};

/**
 * NODES no-op nodes in layers of WIDTH: layer 0 reads a parameter, every other node reads two
 * outputs of the layer above. Intermediates are undeclared (in memory); the last layer's outputs
 * are declared `type: memory` in catalog.yaml.
 */
const bigProject = (): string => {
  const dir = join(OUT, 'nodes-1000');
  rmSync(dir, { recursive: true, force: true });
  const id = (i: number) => String(i).padStart(4, '0');
  const lines = ['__default__:', '  nodes:'];
  for (let i = 0; i < NODES; i++) {
    const layer = Math.floor(i / WIDTH);
    const k = i % WIDTH;
    const inputs =
      layer === 0
        ? ['params:seed']
        : [`d${id((layer - 1) * WIDTH + k)}`, `d${id((layer - 1) * WIDTH + ((k + 1) % WIDTH))}`];
    lines.push(
      `    - name: n${id(i)}`,
      '      func: src/nodes.ts#noop',
      `      inputs: [${inputs.join(', ')}]`,
      `      outputs: d${id(i)}`,
    );
  }
  write(join(dir, 'dagrun.yaml'), 'name: bench-1000-nodes\n');
  write(join(dir, 'pipeline.yaml'), `${lines.join('\n')}\n`);
  const last = Array.from({ length: WIDTH }, (_, k) => `d${id(NODES - WIDTH + k)}:\n  type: memory\n`);
  write(join(dir, 'conf/base/catalog.yaml'), last.join(''));
  write(join(dir, 'conf/base/parameters.yaml'), 'seed: 1\n');
  write(join(dir, 'src/nodes.ts'), 'export const noop = (...inputs: unknown[]): number => inputs.length;\n');
  return dir;
};

// Deterministic generator (mulberry32), so every run and machine reads the same bytes.
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const TYPES = ['apartment', 'apartment', 'apartment', 'house', 'house', 'office', 'land', 'parking'];
const SECTORS = [
  'las_condes',
  'providencia',
  'vitacura',
  'nunoa',
  'la_reina',
  'lo_barnechea',
  'santiago',
  'macul',
  'penalolen',
  'la_florida',
  'san_miguel',
  'maipu',
  'estacion_central',
  'independencia',
  'recoleta',
  'huechuraba',
  'quilicura',
  'puente_alto',
  'san_joaquin',
  'la_cisterna',
];

/** The 1,000,000-row property CSV, made once (atomically) and reused by later runs. */
const propertiesCsv = (): string => {
  const file = join(OUT, `properties_${CSV_ROWS}.v1.csv`);
  if (existsSync(file)) return file;
  mkdirSync(OUT, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  const r = rng(20240601);
  let chunk = 'type,sector,net_usable_area,net_area,n_rooms,n_bathroom,latitude,longitude,price\n';
  for (let i = 0; i < CSV_ROWS; i++) {
    const type = TYPES[Math.floor(r() * TYPES.length)]!;
    const sector = SECTORS[Math.floor(r() * SECTORS.length)]!;
    const usable = 25 + r() * 300;
    const net = usable * (1 + r() * 0.4);
    const rooms = r() < 0.01 ? '' : String(Math.floor(r() * 6));
    const baths = r() < 0.01 ? '' : String(1 + Math.floor(r() * 4));
    const lat = -33.3 - r() * 0.3;
    const lon = -70.5 - r() * 0.3;
    const price = Math.round(usable * (40 + r() * 80) * 10) / 10;
    chunk +=
      `${type},${sector},${usable.toFixed(2)},${net.toFixed(2)},${rooms},${baths},` +
      `${lat.toFixed(6)},${lon.toFixed(6)},${price}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  renameSync(tmp, file);
  return file;
};

const csvProject = (csv: string): string => {
  const dir = join(OUT, 'csv-load');
  rmSync(dir, { recursive: true, force: true });
  // csv is the polars plugin's (resolved from the workspace's node_modules, as in a real project).
  write(join(dir, 'dagrun.yaml'), 'name: bench-csv-load\nplugins: ["@dagrun/datasets-polars"]\n');
  write(join(dir, 'pipeline.yaml'), '__default__:\n  nodes: []\n');
  write(join(dir, 'conf/base/catalog.yaml'), `properties:\n  type: csv\n  path: ${relative(dir, csv)}\n`);
  return dir;
};

// ---------------------------------------------------------------- measurements

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** CPU time (ms) of this process's reaped children, from /proc/self/stat (cutime + cstime, 10 ms ticks). */
const childCpu = (): number => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
};

/** Whole-process wall time and CPU time of `node bin/dagrun.js ARGS`, in ms. */
const cliRun = (args: readonly string[]): Timing => {
  // A user's environment: no loader of this process's (tsx) in NODE_OPTIONS.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  const c0 = childCpu();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`node bin/dagrun.js ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { wall, cpu: childCpu() - c0 };
};

/** Wall and CPU time (ms) of one in-process call. */
const timed = async <T>(f: () => T | Promise<T>): Promise<Timing & { value: T }> => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000, value };
};

const timesOf = async (runs: number, once: () => Timing | Promise<Timing>): Promise<Timing[]> => {
  const out: Timing[] = [];
  for (let i = 0; i < runs; i++) out.push(await once());
  return out;
};

const wallOf = (ts: readonly Timing[]): Stats => stats(ts.map((t) => t.wall));
const cpuOf = (ts: readonly Timing[]): Stats => stats(ts.map((t) => t.cpu));

const benchCli = async (): Promise<void> => {
  log('(a) CLI start-up, whole process (node bin/dagrun.js)');
  const dir = oneNodeProject();
  const rel = relative(ROOT, dir);
  cliRun(['--help']); // warm-up: page cache
  const help = await timesOf(RUNS, () => cliRun(['--help']));
  report({
    what: '`dagrun --help`',
    stats: wallOf(help),
    cpu: cpuOf(help),
    unit: 's',
    goal: '< 0.5 s',
    pass: wallOf(help).median < 500,
  });
  cliRun(['run', '--project', rel]); // warm-up: page cache and the compile cache of the node module (.dagrun/cache)
  const summary = JSON.parse(readFileSync(join(dir, 'data/summary.json'), 'utf8')) as { total: number };
  if (summary.total !== 4950) throw new Error(`one-node run wrote ${JSON.stringify(summary)}, expected total 4950`);
  const run = await timesOf(RUNS, () => cliRun(['run', '--project', rel]));
  report({
    what: '`dagrun run` (one .ts node, json + memory datasets)',
    stats: wallOf(run),
    cpu: cpuOf(run),
    unit: 's',
    goal: '< 0.5 s',
    pass: wallOf(run).median < 500,
  });
};

const benchNodes = async (): Promise<void> => {
  log(`(b) ${NODES}-node pipeline (${NODES / WIDTH} layers of ${WIDTH} no-op nodes, memory datasets), in process`);
  const dir = bigProject();
  const validate = async () => {
    const open = await timed(() => openProject({ projectDir: dir }));
    const check = await timed(() => {
      const errors = open.value.check('__default__');
      return { errors, pipeline: open.value.pipeline('__default__') };
    });
    const { errors, pipeline } = check.value;
    if (errors.length > 0)
      throw new Error(`generated project has problems:\n${errors.map((e) => e.message).join('\n')}`);
    if (pipeline.nodes.length !== NODES) throw new Error(`expected ${NODES} nodes, got ${pipeline.nodes.length}`);
    return { open, check, total: { wall: open.wall + check.wall, cpu: open.cpu + check.cpu } };
  };
  await validate(); // warm-up: module imports (tsx, ajv schemas), JIT
  const v = [];
  for (let i = 0; i < RUNS; i++) v.push(await validate());
  const total = v.map((x) => x.total);
  report({
    what: 'validation + planning (openProject + check + pipeline build)',
    stats: wallOf(total),
    cpu: cpuOf(total),
    unit: 'ms',
    goal: '< 100 ms',
    pass: wallOf(total).median < 100,
  });
  report({
    what: '  of which openProject (YAML, schemas, funcs, nodes)',
    stats: wallOf(v.map((x) => x.open)),
    cpu: cpuOf(v.map((x) => x.open)),
    unit: 'ms',
  });
  report({
    what: '  of which check + pipeline build',
    stats: wallOf(v.map((x) => x.check)),
    cpu: cpuOf(v.map((x) => x.check)),
    unit: 'ms',
  });

  rmSync(join(dir, '.dagrun'), { recursive: true, force: true });
  const run = async () => {
    const project = await openProject({ projectDir: dir });
    const t = await timed(() => project.run());
    const { record, recordFile } = t.value;
    const ok = record.nodes.filter((n) => n.status === 'ok').length;
    if (record.status !== 'ok' || ok !== NODES || !recordFile || !existsSync(recordFile)) {
      throw new Error(
        `run of the ${NODES}-node pipeline: status ${record.status}, ${ok} nodes ok, record ${recordFile}`,
      );
    }
    return { wall: t.wall, cpu: t.cpu, runner: record.durationMs ?? Number.NaN };
  };
  await run(); // warm-up
  const r = [];
  for (let i = 0; i < RUNS; i++) r.push(await run());
  const perNode = r.map((x) => ({ wall: x.wall / NODES, cpu: x.cpu / NODES }));
  report({
    what: 'run overhead per node (Project.run / 1,000, run record written)',
    stats: wallOf(perNode),
    cpu: cpuOf(perNode),
    unit: 'ms',
    goal: '< 0.2 ms',
    pass: wallOf(perNode).median < 0.2,
  });
  report({
    what: '  Project.run of 1,000 nodes (checks, catalog, runner, 2 record writes)',
    stats: wallOf(r),
    cpu: cpuOf(r),
    unit: 'ms',
  });
  report({
    what: '  runner only, per node (record.durationMs / 1,000)',
    stats: stats(r.map((x) => x.runner / NODES)),
    unit: 'ms',
  });
};

const benchCsv = async (): Promise<void> => {
  log(`(c) ${CSV_ROWS.toLocaleString('en')}-row CSV (9 columns), csv dataset vs pandas.read_csv`);
  const t0 = performance.now();
  const csv = propertiesCsv();
  const made = performance.now() - t0;
  log(
    `  file: ${relative(ROOT, csv)} (${(readFileSync(csv).byteLength / 1e6).toFixed(1)} MB` +
      `${made > 1000 ? `, generated in ${(made / 1000).toFixed(1)} s` : ', reused'})`,
  );
  const dir = csvProject(csv);
  const project = await openProject({ projectDir: dir });
  const { catalog, errors } = project.createCatalog();
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('\n'));
  const load = async (): Promise<Timing> => {
    const t = await timed(async () => (await catalog.load('properties')) as DataFrame);
    if (t.value.height !== CSV_ROWS || t.value.width !== 9)
      throw new Error(`csv dataset loaded ${t.value.height}×${t.value.width}, expected ${CSV_ROWS}×9`);
    return t;
  };
  await load(); // warm-up: imports polars, page cache

  // pandas in one long-lived /usr/bin/python3; each round reads once on each side, so both see the same load.
  const py = spawn(PYTHON, [join(ROOT, 'core/bench/pandas_read_csv.py'), csv], { stdio: ['pipe', 'pipe', 'pipe'] });
  let pyErr = '';
  py.stderr.on('data', (b: Buffer) => (pyErr += b.toString()));
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done)
      throw new Error(
        `${PYTHON} core/bench/pandas_read_csv.py ended early: ${pyErr}\n` +
          'Hint: apt-get update && apt-get install -y python3-pandas',
      );
    return r.value as string;
  };
  const head = JSON.parse(await nextLine()) as { pandas: string; rows: number; columns: number };
  if (head.rows !== CSV_ROWS || head.columns !== 9)
    throw new Error(`pandas read ${head.rows}×${head.columns}, expected ${CSV_ROWS}×9`);
  pandasVersion = head.pandas;
  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await load());
    py.stdin.write('read\n');
    theirs.push(JSON.parse(await nextLine()) as Timing);
  }
  py.stdin.end();
  await catalog.close();

  const o = wallOf(ours);
  const p = wallOf(theirs);
  report({
    what: 'csv dataset load (DataCatalog.load, polars)',
    stats: o,
    cpu: cpuOf(ours),
    unit: 's',
    goal: 'faster than pandas',
    pass: o.median < p.median,
  });
  report({ what: `pandas ${head.pandas} read_csv (${PYTHON}, read only)`, stats: p, cpu: cpuOf(theirs), unit: 's' });
  const ratio = stats(theirs.map((t, i) => t.wall / ours[i]!.wall));
  report({
    what: 'speed-up over pandas (pandas time / dagrun time, per round)',
    stats: ratio,
    unit: 'x',
    goal: '> 1×',
    pass: ratio.median > 1,
  });
};

let pandasVersion = '?';

// ---------------------------------------------------------------- machine and document

const machine = () => {
  const py = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' });
  return {
    ...baseMachine(),
    python: (py.stdout || py.stderr).trim() || 'not found',
    os:
      `${readFileSync('/proc/sys/kernel/ostype', 'utf8').trim()} ` +
      `${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}`,
  };
};

const DOC_HEAD = `# Benchmarks

Figures measured on the machine below by the scripts named in each section; every figure is the
median of several runs (min and max beside it), since this machine's cores are shared and noisy.
Each section is rewritten by its own script between its \`<!-- bench:… -->\` markers; the rest of
this file is left alone.

## Machine

<!-- bench:machine:start -->
<!-- bench:machine:end -->

## Engine (npm run bench:engine)

<!-- bench:engine:start -->
<!-- bench:engine:end -->
`;

const writeDoc = (m: ReturnType<typeof machine>, when: string, loads: string): void => {
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : DOC_HEAD;
  const machineBody = [
    `Last written by \`${COMMAND}\` on ${when}.`,
    '',
    '| | |',
    '| --- | --- |',
    `| CPU | ${m.model} |`,
    `| nproc | ${m.nproc} |`,
    `| memory | ${m.memory} |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} |`,
    `| Python (pandas anchor) | ${m.python}, pandas ${pandasVersion} |`,
  ].join('\n');
  const table = [
    '| measurement | median | min | max | runs | CPU (median) | goal | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.what.replace(/^ {2}/, '↳ ')} | ${fmt(r.stats.median, r.unit)} | ${fmt(r.stats.min, r.unit)} | ` +
        `${fmt(r.stats.max, r.unit)} | ${r.stats.runs} | ${r.cpu ? fmt(r.cpu.median, r.unit) : ''} | ` +
        `${r.goal ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'pass' : '**FAIL**'} |`,
    ),
  ].join('\n');
  const engineBody = [
    `Command: \`${COMMAND}\` (script: \`core/bench/engine.bench.ts\`; needs \`npm run build\` first, since (a) ` +
      'spawns the built CLI).',
    `Run on ${when}: ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}; ${RUNS} timed runs per figure after ` +
      'one warm-up.',
    `Load average (1 / 5 / 15 min): ${loads}; other work on the machine slows every figure, so compare medians ` +
      'of runs made under similar load.',
    '',
    table,
    '',
    'What each figure measures (goals are judged on the wall-clock median; CPU is user + sys time of every ' +
      'thread of the same',
    'runs, which other work on the machine inflates less than wall time):',
    '',
    '- **(a)** wall time of a whole `node bin/dagrun.js …` process, spawned from the benchmark (Node start-up ' +
      'included). The `run` project',
    '  has one `.ts` node function (compiled by esbuild into .dagrun/cache on the warm-up run, no build step) ' +
      'reading a `json` dataset and writing a `json` and a `memory` dataset;',
    '  the run record is written.',
    `- **(b)** a generated pipeline.yaml of ${NODES} no-op nodes in ${NODES / WIDTH} layers of ${WIDTH} (each ` +
      'node reads two outputs of the layer above),',
    '  intermediates in memory. Measured inside one process after one warm-up, so Node start-up and first ' +
      'imports are excluded.',
    '  Validation + planning is `openProject` (YAML with positions, schemas, function imports, node checks, ' +
      'cycle search) plus',
    '  `Project.check` and building the `Pipeline` (toposort). Run overhead is the whole `Project.run()` (its ' +
      'own check, catalog,',
    '  runner, hooks, release of intermediates, run record written at start and end) divided by the node count.',
    `- **(c)** a deterministic ${CSV_ROWS.toLocaleString('en')}-row, 9-column CSV (\`bench-out/engine/\`, made ` +
      'on first run) loaded through',
    '  a `csv` catalog entry (`DataCatalog.load`, polars underneath) against `pandas.read_csv` on the same ' +
      'file in the same run',
    `  (\`${PYTHON}\`, Debian's python3-pandas in one long-lived process; only the read is timed, after one ` +
      'warm-up read on each side).',
    '  The two alternate, one read each per round, so both see the same machine load; the speed-up is taken per round.',
    '  polars reads with every core, pandas with one: compare the CPU column too.',
  ].join('\n');
  doc = replaceBetween(doc, 'machine', machineBody);
  doc = replaceBetween(doc, 'engine', engineBody, '## Engine (npm run bench:engine)');
  write(DOC, doc);
};

// ---------------------------------------------------------------- main

if (!existsSync(join(BUILD, 'bin/dist/bin.js')) || !existsSync(CORE)) {
  process.stderr.write(
    'bin/dist or core/dist is missing: run `npm run build` first (the benchmark runs the built CLI and package).\n',
  );
  process.exit(1);
}
({ openProject } = (await import(pathToFileURL(CORE).href)) as typeof import('@dagrun/core'));
const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const m = machine();
if (BUILD !== ROOT) log(`build measured: ${relative(ROOT, BUILD)}`);
log(
  `dagrun engine benchmark: ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}, ${RUNS} runs per figure; ` +
    `load average (1/5/15 min) ${load()}`,
);
const loadBefore = load();
await benchCli();
await benchNodes();
await benchCsv();
const loadAfter = load();
log(`load average at the end: ${loadAfter}`);
if (WRITE) {
  writeDoc(m, when, `${loadBefore} at the start, ${loadAfter} at the end`);
  log(`figures written to ${relative(ROOT, DOC)}`);
}
const failed = rows.filter((r) => r.pass === false);
log(failed.length === 0 ? 'all goals met' : `goals missed: ${failed.map((r) => r.what).join('; ')}`);
