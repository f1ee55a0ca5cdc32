// The datasets benchmark (`npm run bench:datasets`; not a test): a 1,000,000-row, 8-column table loaded
// and saved (replace) through postgres.table on the local PostgreSQL, against `psql \copy` out and in of
// the same data in the same run, the reference. Every measured operation runs in a child process of its
// own (peak memory: VmHWM for ours, /usr/bin/time for psql); the four alternate within each round so they
// see the same machine load. Writes the figures between the bench:datasets markers of docs/benchmarks.md.
//
//   npm run build && npm run bench:datasets                     # 1,000,000 rows, 5 rounds
//   npm run bench:datasets -- --runs 3 --rows 200000 --no-write # smaller, print only
//
// Server: DAGRUN_BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/test (schema dagrun_bench,
// dropped at the end).

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import pg from 'pg';
import { loadAverage, machine, replaceBetween, stats, type Stats } from '../../../core/bench/report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const OUT = join(ROOT, 'bench-out/datasets');
const DOC = join(ROOT, 'docs/benchmarks.md');
const COMMAND = 'npm run bench:datasets';
const URL_ = process.env.DAGRUN_BENCH_DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
const SCHEMA = 'dagrun_bench';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const RUNS = Number(flag('--runs') ?? 5);
const ROWS = Number(flag('--rows') ?? 1_000_000);
const WRITE = !args.includes('--no-write');
if (!Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(ROWS) || ROWS < 1000) {
  process.stderr.write('--runs: a whole number ≥ 1; --rows: a whole number ≥ 1000.\n');
  process.exit(2);
}
const log = (s: string) => process.stdout.write(`${s}\n`);
const MB = 1024 * 1024;
const run = promisify(execFile);

for (const built of ['core/dist/index.js', 'plugins/datasets-postgres/dist/index.js']) {
  if (!existsSync(join(ROOT, built)))
    throw new Error(`${built} is missing: run npm run build first (the benchmark measures the built package).`);
}
const psqlVersion = spawnSync('psql', ['--version'], { encoding: 'utf8' });
if (psqlVersion.status !== 0) throw new Error('psql is not on PATH: it is the reference this benchmark compares with.');
if (!existsSync('/usr/bin/time'))
  throw new Error('/usr/bin/time is missing (Debian package time): it measures psql’s peak memory.');

const admin = new pg.Client({ connectionString: URL_ });
await admin.connect();
const serverVersion = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await admin.query(`CREATE SCHEMA ${SCHEMA}`);
mkdirSync(OUT, { recursive: true });
const parquet = join(OUT, 'frame.parquet');
const csv = join(OUT, 'src.csv');
const credentials = JSON.stringify({ url: URL_ });

// ---------------------------------------------------------------- the data

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same table. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

const { tableType } = (await import('@dagrun/datasets-postgres')) as typeof import('@dagrun/datasets-postgres');
const pl = (await import('nodejs-polars')).default;
const t0 = performance.now();
{
  const r = random(42);
  const sectors = Array.from({ length: 50 }, (_, i) => (i % 7 === 0 ? `Sector "${i}", norte` : `Sector ${i}`));
  const words = ['casa', 'depto', 'vista', 'luminoso', 'amplio', 'remodelado', 'metro', 'parque', 'piscina', 'ñandú'];
  const id = new Int32Array(ROWS);
  const owner: string[] = new Array(ROWS);
  const price: Array<number | null> = new Array(ROWS);
  const sector: Array<string | null> = new Array(ROWS);
  const title: string[] = new Array(ROWS);
  const active: boolean[] = new Array(ROWS);
  const listed: string[] = new Array(ROWS);
  const day = new Int32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    id[i] = i + 1;
    owner[i] = String(Math.floor(r() * 9e15));
    price[i] = r() < 0.05 ? null : Math.round(r() * 1e9) / 100;
    sector[i] = r() < 0.02 ? null : sectors[Math.floor(r() * sectors.length)]!;
    title[i] = Array.from({ length: 2 + Math.floor(r() * 5) }, () => words[Math.floor(r() * words.length)]).join(' ');
    active[i] = r() < 0.8;
    listed[i] = String(1_600_000_000_000_000 + Math.floor(r() * 1e14));
    day[i] = 18000 + Math.floor(r() * 2000);
  }
  const frame = pl.DataFrame([
    pl.Series('id', id, pl.Int32),
    pl.Series('owner_id', owner, pl.Utf8).cast(pl.Int64),
    pl.Series('price', price, pl.Float64),
    pl.Series('sector', sector, pl.Utf8),
    pl.Series('title', title, pl.Utf8),
    pl.Series('active', active, pl.Bool),
    pl.Series('listed_at', listed, pl.Utf8).cast(pl.Int64).cast(pl.Datetime('us', 'UTC')),
    pl.Series('day', day, pl.Int32).cast(pl.Date),
  ]);
  frame.writeParquet(parquet);
  const src = tableType.create(
    { table: 'src', schema: SCHEMA },
    {
      name: 'src',
      projectDir: ROOT,
      credentials: { url: URL_ },
      version: { load: undefined, save: 'v' },
      storageFor: () => {
        throw new Error('no storage');
      },
      codecs: { byName: () => undefined, forValue: () => undefined, names: () => [] },
      parameter: () => undefined,
      hasParameter: () => false,
    },
  ) as unknown as { save(df: unknown): Promise<unknown>; close(): Promise<void> };
  await src.save(frame);
  await src.close();
}
log(
  `data: ${ROWS.toLocaleString('en')} rows × 8 columns (int4, int8, float8 with nulls, text with nulls, ` +
    `quotes and commas, text, bool, timestamptz, date) made and saved ` +
    `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// The child, bundled by esbuild with its local imports, packages
// external (the built @dagrun/* resolve from the repository).
const child = join(OUT, 'measure.mjs');
esbuild.buildSync({
  entryPoints: [join(HERE, 'measure.ts')],
  outfile: child,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'error',
});

// ---------------------------------------------------------------- the measured operations

interface Sample {
  readonly ms: number;
  /** Peak resident memory of the process doing the work, bytes. */
  readonly peak: number;
  /** For ours: peak growth over the warmed-up process. */
  readonly growth?: number;
  readonly frameBytes?: number;
}

const ours = async (op: 'load' | 'save'): Promise<Sample> => {
  const argv = [
    child,
    op,
    credentials,
    SCHEMA,
    op === 'load' ? 'src' : 'ours_dst',
    ...(op === 'save' ? [parquet] : []),
  ];
  const { stdout } = await run(process.execPath, argv, { cwd: ROOT, maxBuffer: 1 << 20 });
  const m = JSON.parse(stdout) as {
    rows: number;
    ms: number;
    peak: number;
    growth: number;
    frameBytes: number;
    exactPeak: boolean;
  };
  if (m.rows !== ROWS) throw new Error(`ours ${op}: expected ${ROWS} rows, but got ${m.rows}`);
  if (!m.exactPeak)
    throw new Error('could not reset the peak (/proc/self/clear_refs): growth would include the warm-up');
  return { ms: m.ms, peak: m.peak, growth: m.growth, frameBytes: m.frameBytes };
};

/** psql under /usr/bin/time: wall time measured here, peak memory (max RSS) from time. */
const psql = async (command: string): Promise<Sample> => {
  const started = performance.now();
  const { stderr } = await run(
    '/usr/bin/time',
    ['-f', 'maxrss_kb=%M', 'psql', URL_, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  const ms = performance.now() - started;
  const kb = /maxrss_kb=(\d+)/.exec(stderr)?.[1];
  if (!kb) throw new Error(`psql ${command}: no max RSS from /usr/bin/time: ${stderr}`);
  return { ms, peak: Number(kb) * 1024 };
};

const samples: Record<'oursLoad' | 'psqlOut' | 'oursSave' | 'psqlIn', Sample[]> = {
  oursLoad: [],
  psqlOut: [],
  oursSave: [],
  psqlIn: [],
};
const loadBefore = loadAverage();
const m = machine();
log(
  `datasets benchmark: ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}, PostgreSQL ${serverVersion} ` +
    `(${URL_.replace(/:[^:@/]*@/, ':***@')}); load average ${loadBefore}`,
);
for (let round = 1; round <= RUNS; round++) {
  // Load side, then save side; which of ours and psql goes first alternates by round.
  const first = round % 2 === 1;
  const loadPair = async () => {
    const a = first ? await ours('load') : await psql(`\\copy ${SCHEMA}.src TO '${csv}' WITH (FORMAT csv)`);
    const b = first ? await psql(`\\copy ${SCHEMA}.src TO '${csv}' WITH (FORMAT csv)`) : await ours('load');
    samples.oursLoad.push(first ? a : b);
    samples.psqlOut.push(first ? b : a);
  };
  const psqlIn = async () => {
    await admin.query(`DROP TABLE IF EXISTS ${SCHEMA}.psql_dst`);
    await admin.query(`CREATE TABLE ${SCHEMA}.psql_dst (LIKE ${SCHEMA}.src)`);
    return psql(`\\copy ${SCHEMA}.psql_dst FROM '${csv}' WITH (FORMAT csv)`);
  };
  await loadPair();
  const c = first ? await ours('save') : await psqlIn();
  const d = first ? await psqlIn() : await ours('save');
  samples.oursSave.push(first ? c : d);
  samples.psqlIn.push(first ? d : c);
  const last = (k: keyof typeof samples) => samples[k][samples[k].length - 1]!;
  log(
    `round ${round}/${RUNS}: load ${s(last('oursLoad').ms)} (psql \\copy out ${s(last('psqlOut').ms)}), ` +
      `save ${s(last('oursSave').ms)} (psql \\copy in ${s(last('psqlIn').ms)}); peak RSS ours ` +
      `load ${mb(last('oursLoad').peak)}, save ${mb(last('oursSave').peak)}`,
  );
}
const loadAfter = loadAverage();

// What was saved is what was loaded: the same rows, column by column.
const digest = async (table: string) =>
  (
    await admin.query<{ d: string }>(
      `SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) AS d FROM ${SCHEMA}.${table} t`,
    )
  ).rows[0]!.d;
const [dSrc, dOurs, dPsql] = [await digest('src'), await digest('ours_dst'), await digest('psql_dst')];
const same = dSrc === dOurs && dSrc === dPsql;
log(
  `content check (md5 of every row in id order): src ${dSrc}, ours ${dOurs}, ` +
    `psql ${dPsql}: ${same ? 'identical' : 'DIFFERENT'}`,
);
if (!same) process.exitCode = 1;
const csvBytes = statSync(csv).size;
await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
await admin.end();
rmSync(csv, { force: true });

// ---------------------------------------------------------------- figures

function s(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(0)} MB`;
}
const st = (k: keyof typeof samples, f: (x: Sample) => number): Stats => stats(samples[k].map(f));
const time = (k: keyof typeof samples) => st(k, (x) => x.ms);
const peak = (k: keyof typeof samples) => st(k, (x) => x.peak);
const ratio = (a: keyof typeof samples, b: keyof typeof samples) =>
  stats(samples[a].map((x, i) => x.ms / samples[b][i]!.ms));
const frameMb = (samples.oursLoad[0]!.frameBytes ?? 0) / MB;
const lines = [
  {
    what: `load: postgres.table → DataFrame (COPY TO, streamed)`,
    t: time('oursLoad'),
    p: peak('oursLoad'),
    g: st('oursLoad', (x) => x.growth ?? 0),
  },
  { what: `psql \\copy … TO file.csv`, t: time('psqlOut'), p: peak('psqlOut') },
  {
    what: `save: DataFrame → postgres.table, mode replace (COPY FROM)`,
    t: time('oursSave'),
    p: peak('oursSave'),
    g: st('oursSave', (x) => x.growth ?? 0),
  },
  { what: `psql \\copy … FROM file.csv (into an empty table)`, t: time('psqlIn'), p: peak('psqlIn') },
];
const fmtStats = (x: Stats, f: (v: number) => string) => `${f(x.median)} | ${f(x.min)} | ${f(x.max)}`;
log('');
for (const l of lines)
  log(
    `${l.what}: median ${s(l.t.median)} (min ${s(l.t.min)}, max ${s(l.t.max)}), peak ` +
      `RSS ${mb(l.p.median)}${l.g ? ` (growth ${mb(l.g.median)})` : ''}`,
  );
const rLoad = ratio('oursLoad', 'psqlOut');
const rSave = ratio('oursSave', 'psqlIn');
log(
  `ours ÷ psql, per round: load ${rLoad.median.toFixed(2)}× (min ${rLoad.min.toFixed(2)}, ` +
    `max ${rLoad.max.toFixed(2)}), save ${rSave.median.toFixed(2)}× (min ${rSave.min.toFixed(2)}, ` +
    `max ${rSave.max.toFixed(2)})`,
);
const boundOk = samples.oursLoad.every((x) => (x.growth ?? 0) <= 2 * (x.frameBytes ?? 0) + 64 * MB);
log(
  `load memory bound (growth ≤ 2 × ${frameMb.toFixed(0)} MB of column data + 64 MB ` +
    `= ${(2 * frameMb + 64).toFixed(0)} MB) in every round: ${boundOk ? 'held' : 'BROKEN'}`,
);
log(`load average at the end: ${loadAfter}`);

if (WRITE) {
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const body = [
    `Command: \`${COMMAND}${args.length ? ` -- ${args.join(' ')}` : ''}\` (script: ` +
      `\`plugins/datasets-postgres/bench/datasets.bench.ts\`, child ` +
      `\`plugins/datasets-postgres/bench/measure.ts\`; needs \`npm run build\` first: it measures the built ` +
      `package).`,
    `Run on ${when}: ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}; PostgreSQL ${serverVersion} ` +
      `on the same machine (TCP to 127.0.0.1), ${psqlVersion.stdout.trim()}.`,
    `Load average (1 / 5 / 15 min): ${loadBefore} at the start, ${loadAfter} at the end; ` +
      `the machine is shared and other work slows every figure.`,
    `${ROWS.toLocaleString('en')} rows × 8 columns (int4, int8, float8 with 5% nulls, text with 2% nulls, ` +
      `quotes and commas, text of 2 to 6 words, bool, timestamptz, date): ${(csvBytes / MB).toFixed(0)} MB ` +
      `as CSV, ${frameMb.toFixed(0)} MB of column data as a frame. ${RUNS} rounds.`,
    '',
    '| operation | median | min | max | peak RSS of the process (median) | of which the operation added |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...lines.map((l) => `| ${l.what} | ${fmtStats(l.t, s)} | ${mb(l.p.median)} | ${l.g ? mb(l.g.median) : ''} |`),
    '',
    `| ours ÷ psql (time, per round) | median | min | max |`,
    '| --- | ---: | ---: | ---: |',
    `| load ÷ \\copy out | ${rLoad.median.toFixed(2)}× | ${rLoad.min.toFixed(2)}× | ${rLoad.max.toFixed(2)}× |`,
    `| save ÷ \\copy in | ${rSave.median.toFixed(2)}× | ${rSave.min.toFixed(2)}× | ${rSave.max.toFixed(2)}× |`,
    '',
    `Load memory bound (peak growth ≤ 2 × the frame's column data + 64 MB ` +
      `= ${(2 * frameMb + 64).toFixed(0)} MB): ${boundOk ? 'held in every round' : '**broken**'}. ` +
      `Content check: the table saved by ours and the one \\copy filled are identical to the source ` +
      `(md5 of every row): ${same ? 'yes' : '**no**'}.`,
    '',
    'How it is measured:',
    '',
    '- The frame is made once (deterministic), kept as Parquet and saved as the source table; not timed.',
    '- Ours: each load and each save runs in a fresh `node` process (`measure.ts` bundled by esbuild, ' +
      'the built `@dagrun/datasets-postgres`',
    '  and `@dagrun/core`). It warms up on one row (polars, pg, a connection), resets its peak memory ' +
      '(`/proc/self/clear_refs`), then',
    '  times the operation alone: load is `postgres.table` → DataFrame; save is `mode: replace` of the frame ' +
      '(read from Parquet before',
    "  the clock starts): staging table, COPY, swap, commit. Peak RSS is the process's VmHWM (node, " +
      'polars and the data).',
    '- psql: `psql -c "\\copy …"` under `/usr/bin/time` (its max RSS); wall time measured around the process, ' +
      'so it includes',
    "  psql's start and connection (a few ms). `\\copy … FROM` fills an empty table made before the clock starts.",
    '- Both sides go through the same server over TCP; psql reads and writes a CSV file, ' +
      'ours a polars DataFrame in memory. In each',
    '  round ours and psql alternate which goes first; ratios are taken per round.',
  ].join('\n');
  writeFileSync(
    DOC,
    replaceBetween(readFileSync(DOC, 'utf8'), 'datasets', body, '## Datasets: PostgreSQL (npm run bench:datasets)'),
  );
  log(`figures written to ${relative(ROOT, DOC)}`);
}
