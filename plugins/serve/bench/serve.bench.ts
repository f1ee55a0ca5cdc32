// The serving benchmark (`npm run bench:serve`; not a test): dagrun serve on the property-valuation project
// against the reference it replaces (FastAPI + uvicorn, one worker, scikit-learn's GradientBoostingRegressor:
// fastapi_app.py beside this file) and against a bare Fastify server answering a constant (bare.ts, the
// ceiling). Each server runs as a child process on a free port; autocannon loads it from this process.
// Writes the figures between the bench:serve markers of docs/benchmarks.md.
//
//   npm run build && npm run bench:serve                      # 3 rounds of 10 s per route, 10 connections
//   npm run bench:serve -- --quick --no-write                  # 1 round of 3 s per route, print only
//   npm run bench:serve -- --only fastapi,bare --duration 5 --connections 20 --rounds 5
//
// This machine is shared: its speed drifts by tens of percent within a minute. So every server is started
// first, and the routes are measured in rounds, one after the other in each round (the order turning
// from round to round): a ratio is taken between figures measured seconds apart, once per round, and the
// medians are reported with their range.
//
// Per route and round: requests/s (autocannon's per-second average); over all rounds: latency p50 / p99 /
// max from every response (autocannon's own histogram is in whole milliseconds), errors and non-2xx
// answers, and the server's RSS at rest and under load (/proc/<pid>/status VmRSS of the process and its
// children, every 200 ms).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { load as loadYaml } from 'js-yaml';
import { CONTRACT_KEY, parseContract, recordJsonSchema } from '@dagrun/core';
import { loadAverage, machine, replaceBetween } from '../../../core/bench/report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const PROJECT = join(ROOT, 'projects/property-valuation');
const OUT = join(ROOT, 'bench-out/serve');
const DOC = join(ROOT, 'docs/benchmarks.md');
const PYTHON = '/usr/bin/python3';
const COMMAND = 'npm run bench:serve';
const SERVERS = ['ours', 'fastapi', 'bare'] as const;
type ServerId = (typeof SERVERS)[number];

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const num = (name: string, dflt: number): number => Number(flag(name)) || dflt;
const QUICK = args.includes('--quick');
const DURATION = num('--duration', QUICK ? 3 : 10);
const ROUNDS = num('--rounds', QUICK ? 1 : 3);
const CONNECTIONS = num('--connections', 10);
const WARMUP_S = 2;
const WRITE = !args.includes('--no-write');
const ONLY = (flag('--only') ?? SERVERS.join(',')).split(',').map((s) => s.trim()) as ServerId[];
for (const s of ONLY)
  if (!SERVERS.includes(s)) throw new Error(`--only: unknown server "${s}"; use a comma list of ${SERVERS.join(', ')}`);

// autocannon ships no types; this is the part of its API used here (see its README).
interface Hist {
  average: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
}
interface CannonResult {
  requests: Hist;
  latency: Hist;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface CannonRequest {
  method: 'POST';
  path: string;
  body: string;
  headers: Record<string, string>;
}
interface CannonRun extends PromiseLike<CannonResult> {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  requests: CannonRequest[];
}) => CannonRun;

const log = (s: string) => process.stdout.write(`${s}\n`);
const warn = (s: string) => process.stderr.write(`\n!!!!!!!! WARNING: ${s}\n\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- request bodies

const FEATURES = ['type', 'sector', 'net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude'];
type Rec = Record<string, string | number>;
interface Prop {
  type?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
}
/**
 * The record schema's properties as dagrun serve builds them: serve.yaml's record_schema, or the data contract
 * record_schema_from names.
 */
const recordSchema = (): Record<string, Prop> => {
  const file = join(PROJECT, 'conf/base/serve.yaml');
  if (!existsSync(file)) return {};
  type From = string | { dataset: string; omit?: string[] };
  const conf = loadYaml(readFileSync(file, 'utf8')) as {
    record_schema?: { properties?: Record<string, Prop> };
    record_schema_from?: From;
  } | null;
  if (conf?.record_schema) return conf.record_schema.properties ?? {};
  const from = conf?.record_schema_from;
  if (!from) return {};
  const { dataset, omit = [] } = typeof from === 'string' ? { dataset: from } : from;
  const catalog = loadYaml(readFileSync(join(PROJECT, 'conf/base/catalog.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  return recordJsonSchema(parseContract(catalog[dataset]?.[CONTRACT_KEY]), { omit, additionalProperties: false })
    .properties as Record<string, Prop>;
};
/**
 * Rows of test.csv with sensible values (areas, rooms and bathrooms ≥ 1, inside the served record schema), price kept
 * for the compat body.
 */
const sensibleRows = (n: number): Rec[] => {
  const [head, ...lines] = readFileSync(join(PROJECT, 'data/01_raw/test.csv'), 'utf8').trim().split('\n');
  const cols = head!.split(',');
  const schema = recordSchema();
  const inSchema = (c: string, v: string | number) => {
    const p = schema[c];
    if (p?.type === 'integer' && !Number.isInteger(v)) return false;
    return (
      !p ||
      ((!p.enum || p.enum.includes(v)) &&
        !(
          typeof v === 'number' &&
          ((p.minimum !== undefined && v < p.minimum) || (p.maximum !== undefined && v > p.maximum))
        ))
    );
  };
  const out: Rec[] = [];
  for (const line of lines) {
    const cells = line.split(',');
    const r: Rec = Object.fromEntries(
      cols.map((c, i) => [c, c === 'type' || c === 'sector' ? cells[i]! : Number(cells[i])]),
    );
    const ok =
      ['net_usable_area', 'net_area', 'n_rooms', 'n_bathroom'].every((c) => (r[c] as number) >= 1) &&
      Number.isFinite(r['price'] as number) &&
      FEATURES.every((c) => inSchema(c, r[c]!));
    if (ok) out.push(r);
    if (out.length === n) break;
  }
  return out;
};
const features = (r: Rec): Rec => Object.fromEntries(FEATURES.map((c) => [c, r[c]!]));
const SINGLE = 50;
const BATCH = 100;
const pool = sensibleRows(SINGLE * 20);
const singles = pool.slice(0, SINGLE);
const batches = Array.from({ length: Math.floor(pool.length / BATCH) }, (_, k) =>
  pool.slice(k * BATCH, (k + 1) * BATCH).map(features),
);

// ---------------------------------------------------------------- servers

interface Route {
  readonly id: string;
  readonly label: string;
  readonly path: string;
  readonly bodies: string[];
  readonly perRequest: number; // predictions per request
  /** Says what is wrong with a 200 answer's JSON, or undefined when it has the expected shape. */
  readonly check: (json: unknown) => string | undefined;
}
interface Spec {
  readonly id: ServerId;
  readonly label: string;
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly health: string;
  readonly headers: Record<string, string>;
  readonly routes: Route[];
}

const arrayOf = (key: string, n: number) => (j: unknown) => {
  const v = (j as Record<string, unknown> | null)?.[key];
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number')
    ? undefined
    : `expected "${key}" to be an array of ${n} numbers`;
};
const v1 = singles.map((r) => JSON.stringify(features(r)));
const compat = singles.map((r) => JSON.stringify([r]));
const KEY = randomBytes(16).toString('hex');
const RATE_LIMIT = 1_000_000_000;
/**
 * bare.ts compiled by esbuild to plain JS, so it runs without tsx's loader thread (~40 MB RSS), as dagrun serve does.
 */
let bareOut: string | undefined;
const bareJs = (): string => {
  if (bareOut) return bareOut;
  const out = (bareOut = join(OUT, 'bare.mjs'));
  mkdirSync(OUT, { recursive: true });
  const { code } = esbuild.transformSync(readFileSync(join(HERE, 'bare.ts'), 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
  });
  writeFileSync(out, code);
  return out;
};

const specs = (port: number, predictionLog: string): Record<ServerId, Spec> => ({
  ours: {
    id: 'ours',
    label: 'dagrun serve',
    argv: [
      process.execPath,
      'bin/dagrun.js',
      'serve',
      '--project',
      relative(ROOT, PROJECT),
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--prediction-log',
      predictionLog,
      '--access-log',
      'off',
    ],
    // The rate limit stays on (its cost is measured) with a limit no run reaches: serve.yaml's default of
    // 600,000 a minute is ~20 s at this benchmark's rate, and ours answers every route of a round in one minute.
    env: { PROPERTY_API_KEY: KEY, PROPERTY_RATE_LIMIT: String(RATE_LIMIT) },
    health: '/api/v1/health',
    headers: { 'api-key': KEY },
    routes: [
      {
        id: 'a',
        label: '(a) single record, POST /api/v1/predict',
        path: '/api/v1/predict',
        bodies: v1,
        perRequest: 1,
        check: arrayOf('predictions', 1),
      },
      {
        id: 'b',
        label: '(b) single record, compat POST /api/v1/predict/',
        path: '/api/v1/predict/',
        bodies: compat,
        perRequest: 1,
        check: arrayOf('prediction', 1),
      },
      {
        id: 'c',
        label: `(c) batch of ${BATCH}, POST /api/v1/predict`,
        path: '/api/v1/predict',
        bodies: batches.map((b) => JSON.stringify(b)),
        perRequest: BATCH,
        check: arrayOf('predictions', BATCH),
      },
    ],
  },
  fastapi: {
    id: 'fastapi',
    label: 'FastAPI + uvicorn (1 worker) + sklearn GBR',
    argv: [PYTHON, join(HERE, 'fastapi_app.py'), String(port)],
    env: { API_KEY: KEY, PREDICTION_LOG: predictionLog },
    health: '/api/v1/health/',
    headers: { 'api-key': KEY },
    routes: [
      {
        id: 'b',
        label: '(b) single record, POST /api/v1/predict/',
        path: '/api/v1/predict/',
        bodies: compat,
        perRequest: 1,
        check: arrayOf('prediction', 1),
      },
    ],
  },
  bare: {
    id: 'bare',
    label: 'bare Fastify (constant answer)',
    argv: [process.execPath, bareJs(), String(port)],
    env: {},
    health: '/health',
    headers: {},
    routes: [
      {
        id: 'a',
        label: 'POST /predict, body as (a)',
        path: '/predict',
        bodies: v1,
        perRequest: 1,
        check: arrayOf('prediction', 1),
      },
    ],
  },
});

const freePort = () =>
  new Promise<number>((res, rej) => {
    const s = createServer().once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

/**
 * Starts a server and resolves once its health route answers 200; rejects with its output if it dies or takes > 60 s.
 */
const start = async (spec: Spec, base: string): Promise<{ child: ChildProcess; output: () => string }> => {
  const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let tail = '';
  // drained, or a chatty server blocks on a full pipe
  const keep = (d: Buffer) => void (tail = (tail + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const died = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${spec.label} exited (${child.exitCode ?? child.signalCode}) before ${spec.health} answered; command: ` +
          `${spec.argv.join(' ')}\n${tail}`,
      );
    }
    const ok = await fetch(base + spec.health).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { child, output: () => tail };
    await Promise.race([sleep(250), died]);
  }
  await stop(child);
  throw new Error(
    `${spec.label}: ${spec.health} did not answer 200 within 60 s; command: ${spec.argv.join(' ')}\n${tail}`,
  );
};

/** SIGTERM, then SIGKILL after 5 s. */
const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(5000).then(() => 'timeout')])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
  running.delete(child);
};

/** RSS in MB of a process and its descendants (a server may fork workers). */
const rssMb = (pid: number): number => {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const t of readdirSync(`/proc/${pids[i]}/task`)) {
        pids.push(
          ...readFileSync(`/proc/${pids[i]}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
        );
      }
    } catch {
      /* exited meanwhile */
    }
  }
  let kb = 0;
  for (const p of pids) {
    try {
      kb += Number(/^VmRSS:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return kb / 1024;
};

// ---------------------------------------------------------------- measuring

interface Figure {
  readonly server: Spec;
  readonly route: Route;
  /** req/s of each round. */
  readonly rounds: number[];
  /** Median of the rounds. */
  readonly reqPerS: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly codes: string;
  readonly rssRest: number;
  readonly rssPeak: number;
  readonly rssAvg: number;
  readonly skipped?: string;
}
const quantile = (s: Float64Array, q: number): number =>
  s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
const median = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Predictions answered with a 2xx, by server, to compare with its prediction log. */
const answered = new Map<ServerId, number>();
/** One autocannon run; every response time kept (ms, float) for exact percentiles. */
const load = async (base: string, spec: Spec, route: Route, seconds: number) => {
  const requests: CannonRequest[] = route.bodies.map((body) => ({
    method: 'POST',
    path: route.path,
    body,
    headers: { ...spec.headers, 'content-type': 'application/json' },
  }));
  const times: number[] = [];
  const run = autocannon({ url: base, connections: CONNECTIONS, duration: seconds, requests });
  run.on('response', (_c, status, _b, ms) => {
    times.push(ms);
    if (status >= 200 && status < 300) answered.set(spec.id, (answered.get(spec.id) ?? 0) + route.perRequest);
  });
  return { result: await run, times };
};

/** A running server: where it listens, its process, and what its routes measured so far. */
interface Running {
  readonly spec: Spec;
  readonly base: string;
  /** The current process (ours and bare Fastify get a new one each round). */
  child: ChildProcess;
  output: () => string;
  readonly predictionLog: string;
  readonly rssRest: number;
}
/** What one (server, route) gathered over the rounds. */
interface Tally {
  readonly server: Running;
  readonly route: Route;
  readonly rounds: number[];
  readonly times: number[][];
  errors: number;
  non2xx: number;
  readonly codes: Map<string, number>;
  readonly rss: number[];
  skipped?: string | undefined;
}

/** One request first: a route that is missing or answers the wrong shape is reported, not timed. */
const probe = async (srv: Running, route: Route): Promise<string | undefined> => {
  const r = await fetch(srv.base + route.path, {
    method: 'POST',
    body: route.bodies[0]!,
    headers: { ...srv.spec.headers, 'content-type': 'application/json' },
  });
  const text = await r.text();
  if (r.status !== 200) return `answered ${r.status}: ${text.slice(0, 300)}`;
  try {
    return route.check(JSON.parse(text));
  } catch {
    return `answered non-JSON: ${text.slice(0, 300)}`;
  }
};

/** One measured run of a route, added to its tally. */
const measure = async (t: Tally): Promise<number> => {
  const pid = t.server.child.pid!;
  const timer = setInterval(() => t.rss.push(rssMb(pid)), 200);
  const { result, times } = await load(t.server.base, t.server.spec, t.route, DURATION);
  clearInterval(timer);
  t.rounds.push(result.requests.average);
  t.times.push(times);
  t.errors += result.errors;
  t.non2xx += result.non2xx;
  for (const [c, { count }] of Object.entries(result.statusCodeStats)) t.codes.set(c, (t.codes.get(c) ?? 0) + count);
  return result.requests.average;
};

const figureOf = (t: Tally): Figure => {
  const rssRest = t.server.rssRest;
  if (t.skipped)
    return {
      server: t.server.spec,
      route: t.route,
      rounds: [],
      reqPerS: NaN,
      p50: NaN,
      p99: NaN,
      max: NaN,
      errors: 0,
      non2xx: 0,
      codes: '',
      rssRest,
      rssPeak: NaN,
      rssAvg: NaN,
      skipped: t.skipped,
    };
  const all = Float64Array.from(t.times.flat()).sort();
  return {
    server: t.server.spec,
    route: t.route,
    rounds: t.rounds,
    reqPerS: median(t.rounds),
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    max: all[all.length - 1] ?? NaN,
    errors: t.errors,
    non2xx: t.non2xx,
    codes: [...t.codes].map(([c, n]) => `${c}×${n}`).join(' '),
    rssRest,
    rssPeak: Math.max(...t.rss),
    rssAvg: t.rss.reduce((a, b) => a + b, 0) / t.rss.length,
  };
};

const lineCount = (file: string): number => {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let lines = 0;
  for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
    for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
  }
  closeSync(fd);
  return lines;
};
const fmtN = (v: number) => v.toLocaleString('en', { maximumFractionDigits: 0 });
const ms = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(2)} ms`);

/**
 * Before measuring ours: the served model must exist. The project serves models:/property-valuation@champion
 * (catalog.yaml served_model), so run model_run once (it registers its model, and the first one that passes
 * the promotion gate takes @champion) if the registry has no such alias yet.
 */
const ensureModel = () => {
  const alias = join(PROJECT, 'mlruns/models/property-valuation/aliases/champion');
  if (existsSync(alias)) return;
  log('no @champion in projects/property-valuation/mlruns (the model dagrun serve serves): running model_run once');
  const r = spawnSync(
    process.execPath,
    ['bin/dagrun.js', 'run', '--project', relative(ROOT, PROJECT), '--pipeline', 'model_run'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (r.status !== 0)
    throw new Error(
      `dagrun run --pipeline model_run failed (${r.status}); fix it or measure without ours (--only fastapi,bare)`,
    );
};

// ---------------------------------------------------------------- machine, versions and document

const machineLine = () => {
  const m = machine();
  return `${m.nproc} × ${m.model}, ${m.memory}`;
};
const pkgVersion = (name: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const pythonVersions = (): string => {
  const probe =
    'import importlib.util as u, platform, fastapi, uvicorn, sklearn, pydantic; ' +
    "print(f'Python {platform.python_version()}, FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__} (' + " +
    "('uvloop' if u.find_spec('uvloop') else 'asyncio') + ' loop, ' + ('httptools' if u.find_spec('httptools') " +
    "else 'h11') + f' parser), pydantic {pydantic.VERSION}, scikit-learn {sklearn.__version__}')";
  const r = spawnSync(PYTHON, ['-c', probe], { encoding: 'utf8' });
  return r.status === 0
    ? r.stdout.trim()
    : `(${PYTHON} could not import fastapi/uvicorn/sklearn: ${r.stderr.trim().split('\n').pop()})`;
};

// ---------------------------------------------------------------- main

const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const loadBefore = loadAverage();
const m = machineLine();
const py = ONLY.includes('fastapi') ? pythonVersions() : '';
const versions =
  `Node ${process.version}, Fastify ${pkgVersion('fastify')}, autocannon ` +
  `${pkgVersion('autocannon')}${py ? `; ${py}` : ''}`;
log(`dagrun serve benchmark: ${m}; ${versions}; load average (1/5/15 min) ${loadBefore}`);
log(`${CONNECTIONS} connections, ${DURATION} s per route after a ${WARMUP_S} s warm-up; servers: ${ONLY.join(', ')}`);

if (ONLY.includes('ours')) {
  // serve comes from the project's plugins, so --project is needed; without the command commander prints the
  // top-level help and exits 0, so look for the command's own usage line.
  const help = spawnSync(process.execPath, ['bin/dagrun.js', 'serve', '--project', relative(ROOT, PROJECT), '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (help.status !== 0 || !/Usage: dagrun serve/.test(help.stdout)) {
    throw new Error(
      '`node bin/dagrun.js serve --project projects/property-valuation --help` shows no serve command: build it (npm ' +
        'run build), or measure the others alone with --only fastapi,bare',
    );
  }
  ensureModel();
}
mkdirSync(OUT, { recursive: true });
const logs: string[] = [];
const servers: Running[] = [];
const figures: Figure[] = [];
const tallies: Tally[] = [];
const range = (v: readonly number[], fmt: (x: number) => string) =>
  v.length > 1 ? ` (rounds: ${v.map(fmt).join(', ')})` : '';
try {
  // Every server up first (an idle one costs the others nothing), each warmed up on each of its routes.
  for (const id of SERVERS.filter((s) => ONLY.includes(s))) {
    const port = await freePort();
    const predictionLog = join(OUT, `${id}-predictions.jsonl`);
    rmSync(predictionLog, { force: true }); // each run's log holds that run's predictions only
    // absolute: dagrun serve resolves a relative --prediction-log against the project
    const spec = specs(port, predictionLog)[id];
    const base = `http://127.0.0.1:${port}`;
    log(
      `${spec.label}: starting (${spec.argv.map((a) => (a.startsWith(`${ROOT}/`) ? relative(ROOT, a) : a)).join(' ')})`,
    );
    const t0 = Date.now();
    const { child, output } = await start(spec, base);
    await sleep(1000);
    const srv: Running = { spec, base, child, output, predictionLog, rssRest: rssMb(child.pid!) };
    servers.push(srv);
    log(`  healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s; RSS at rest ${srv.rssRest.toFixed(0)} MB`);
    for (const route of spec.routes) {
      const t: Tally = { server: srv, route, rounds: [], times: [], errors: 0, non2xx: 0, codes: new Map(), rss: [] };
      tallies.push(t);
      t.skipped = await probe(srv, route);
      if (t.skipped) {
        warn(`${spec.label} ${route.label} ${t.skipped} — not measured`);
        process.exitCode = 1;
        continue;
      }
      answered.set(id, (answered.get(id) ?? 0) + route.perRequest);
      await load(base, spec, route, WARMUP_S);
    }
  }
  // ours (a) between the two it is compared with, so each ratio is between runs seconds apart; every other
  // round in reverse, so neither side of a ratio is always measured first.
  const FRESH_EACH_ROUND: readonly ServerId[] = ['ours', 'bare'];
  const rank = (t: Tally) =>
    ['bare a', 'ours a', 'fastapi b', 'ours b', 'ours c'].indexOf(`${t.server.spec.id} ${t.route.id}`);
  const live = tallies.filter((t) => !t.skipped).sort((p, q) => rank(p) - rank(q));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? live : [...live].reverse();
    log(`round ${round + 1} of ${ROUNDS}`);
    // A process draws its speed: identical Node servers differed by up to ~9 % here, for their whole life. So
    // ours and bare Fastify start afresh for each round (and are warmed up again), and the median of the
    // rounds' ratios spans several draws. FastAPI (13 s to start; its ratio has a wide margin) runs on.
    if (round > 0) {
      for (const srv of servers.filter((s) => FRESH_EACH_ROUND.includes(s.spec.id))) {
        await stop(srv.child);
        const { child, output } = await start(srv.spec, srv.base);
        await sleep(1000);
        srv.child = child;
        srv.output = output;
        for (const t of live.filter((x) => x.server === srv)) await load(srv.base, srv.spec, t.route, WARMUP_S);
      }
    }
    for (const t of order) {
      const rps = await measure(t);
      const preds = t.route.perRequest > 1 ? ` = ${fmtN(rps * t.route.perRequest)} predictions/s` : '';
      log(`  ${t.server.spec.label} ${t.route.label}: ${fmtN(rps)} req/s${preds}`);
    }
  }
} finally {
  for (const srv of servers) {
    await stop(srv.child);
    if (srv.child.exitCode !== 0 && srv.child.signalCode !== 'SIGTERM')
      log(
        `  ${srv.spec.label} exited ${srv.child.exitCode ?? srv.child.signalCode}; last output: ` +
          `${srv.output().slice(-500)}`,
      );
  }
}
for (const t of tallies) {
  const f = figureOf(t);
  figures.push(f);
  if (f.skipped) continue;
  const preds = f.route.perRequest > 1 ? ` = ${fmtN(f.reqPerS * f.route.perRequest)} predictions/s` : '';
  log(
    `${f.server.label} ${f.route.label}: median ${fmtN(f.reqPerS)} req/s${preds}${range(f.rounds, fmtN)}; ` +
      `latency p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)}; errors ${f.errors}, non-2xx ${f.non2xx}; ` +
      `RSS at rest ${f.rssRest.toFixed(0)} MB, under load peak ${f.rssPeak.toFixed(0)} MB, avg ` +
      `${f.rssAvg.toFixed(0)} MB`,
  );
  if (f.errors > 0 || f.non2xx > 0) {
    warn(
      `${f.server.label} ${f.route.label}: ${f.errors} connection errors and ${f.non2xx} non-2xx answers (status ` +
        `codes: ${f.codes}); its figures are not valid`,
    );
    process.exitCode = 1;
  }
}
for (const srv of servers) {
  if (!existsSync(srv.predictionLog)) continue;
  // Lines ≥ answered: autocannon stops counting at the end of a run while the server still answers (and logs) in-flight
  // requests.
  const l =
    `${srv.spec.id} ${fmtN(lineCount(srv.predictionLog))} lines, ` +
    `${(statSync(srv.predictionLog).size / 1e6).toFixed(0)} MB, for ${fmtN(answered.get(srv.spec.id) ?? 0)} ` +
    'predictions answered';
  log(`prediction log: ${l}`);
  logs.push(l);
  rmSync(srv.predictionLog); // hundreds of MB per run; only its size and line count are kept
}

// ---------------------------------------------------------------- goals

const find = (s: ServerId, r: string) => figures.find((f) => f.server.id === s && f.route.id === r && !f.skipped);
const ours = find('ours', 'a');
const oursCompat = find('ours', 'b');
const batch = find('ours', 'c');
const fast = find('fastapi', 'b');
const bare = find('bare', 'a');
interface Goal {
  what: string;
  value: string;
  goal: string;
  pass?: boolean;
}
const goals: Goal[] = [];
const x = (v: number) => `${v.toFixed(2)}×`;
/** The ratio a ÷ b of each round (measured seconds apart), their median, and the rounds. */
const ratio = (a: Figure, b: Figure) => {
  const each = a.rounds.map((v, i) => v / b.rounds[i]!);
  return { median: median(each), text: `${x(median(each))}${range(each, x)}` };
};
if (ours && fast) {
  const r = ratio(ours, fast);
  goals.push({
    what: 'ours (a) req/s ÷ FastAPI req/s, median of the rounds',
    value: r.text,
    goal: '≥ 30×',
    pass: r.median >= 30,
  });
}
if (oursCompat && fast)
  goals.push({
    what: 'ours (b) req/s ÷ FastAPI req/s (same request and answer)',
    value: ratio(oursCompat, fast).text,
    goal: '',
  });
if (ours && bare) {
  const r = ratio(ours, bare);
  goals.push({
    what: 'ours (a) req/s ÷ bare Fastify req/s, median of the rounds',
    value: r.text,
    goal: '≥ 0.45×',
    pass: r.median >= 0.45,
  });
}
if (ours)
  goals.push({ what: 'ours (a) latency p99, all rounds', value: ms(ours.p99), goal: '< 5 ms', pass: ours.p99 < 5 });
if (batch)
  goals.push({
    what: `ours (c) predictions/s (req/s × ${BATCH}), median of the rounds`,
    value: `${fmtN(batch.reqPerS * BATCH)}${range(batch.rounds, (v) => fmtN(v * BATCH))}`,
    goal: '≥ 100,000',
    pass: batch.reqPerS * BATCH >= 100_000,
  });
const verdict = (g: Goal) => (g.pass === undefined ? '' : g.pass ? 'PASS' : 'FAIL');
log('Goals');
for (const g of goals) log(`  ${g.what}: ${g.value}${g.goal ? `  goal ${g.goal}  ${verdict(g)}` : ''}`);
if (!ours) log('  (the goals need dagrun serve: not measured in this run)');
const loadAfter = loadAverage();
log(`load average at the end: ${loadAfter}`);

if (WRITE) {
  const cell = (f: Figure, v: number, unit: string) =>
    f.skipped ? '' : `${unit === 'ms' ? ms(v) : unit === 'MB' ? `${v.toFixed(0)} MB` : fmtN(v)}`;
  const table = [
    '| server | route | req/s (median) | rounds | predictions/s | p50 | p99 | max | errors / non-2xx | RSS at rest | ' +
      'RSS under load (peak / avg) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...figures.map((f) =>
      f.skipped
        ? `| ${f.server.label} | ${f.route.label} | **not measured**: ` +
          `${f.skipped.replace(/\|/g, '\\|').replace(/\n/g, ' ')} | | | | | | | ${f.rssRest.toFixed(0)} MB | |`
        : `| ${f.server.label} | ${f.route.label} | ${cell(f, f.reqPerS, '')} | ${f.rounds.map(fmtN).join(', ')} | ` +
          `${cell(f, f.reqPerS * f.route.perRequest, '')} | ${cell(f, f.p50, 'ms')} | ${cell(f, f.p99, 'ms')} | ` +
          `${cell(f, f.max, 'ms')} | ` +
          `${f.errors + f.non2xx > 0 ? `**${f.errors} / ${f.non2xx}** (${f.codes})` : '0 / 0'} | ` +
          `${cell(f, f.rssRest, 'MB')} | ${cell(f, f.rssPeak, 'MB')} / ${cell(f, f.rssAvg, 'MB')} |`,
    ),
  ].join('\n');
  const goalTable = goals.length
    ? [
        '| goal | measured | target | result |',
        '| --- | ---: | --- | --- |',
        ...goals.map(
          (g) => `| ${g.what} | ${g.value} | ${g.goal} | ${g.pass === undefined ? '' : g.pass ? 'pass' : '**FAIL**'} |`,
        ),
      ].join('\n')
    : '_No goal could be judged: dagrun serve was not measured in this run (`--only ' + ONLY.join(',') + '`)._';
  const body = [
    `Command: \`${COMMAND}${args.length ? ` -- ${args.join(' ')}` : ''}\` (script: ` +
      `\`plugins/serve/bench/serve.bench.ts\`, reference servers \`plugins/serve/bench/fastapi_app.py\` and ` +
      `\`plugins/serve/bench/bare.ts\`; needs \`npm run build\` first).`,
    `Run on ${when}: ${m}; ${versions}.`,
    `Load average (1 / 5 / 15 min): ${loadBefore} at the start, ${loadAfter} at the end; other work on the machine ` +
      'slows every figure.',
    `Servers measured in this run: ${ONLY.join(', ')}. ${CONNECTIONS} connections; ${ROUNDS} ` +
      `round${ROUNDS > 1 ? 's' : ''} of ${DURATION} s per route, after an unrecorded ${WARMUP_S} s warm-up run of ` +
      'each.',
    '',
    table,
    '',
    goalTable,
    '',
    'How it is measured:',
    '',
    '- Each server runs as a child process on a free port of 127.0.0.1. All are started first (an idle server takes ' +
      'no CPU from',
    '  the one under load), each route is warmed up, then the routes are measured in rounds, one route at a time: ' +
      'bare Fastify,',
    '  ours (a), FastAPI, ours (b), ours (c), and every other round in reverse. This machine is shared and its speed ' +
      'drifts by',
    '  tens of percent within a minute, so a ratio is taken within each round, between runs seconds apart, and the ' +
      'goals are',
    '  judged on the median of those ratios (the rounds are listed). ours and bare Fastify start as new processes, ' +
      'warmed up',
    '  again, for each round: identical Node servers differed here by up to ~9 % for their whole life, so each round ' +
      'is a new',
    "  draw (FastAPI, 13 s to start, runs on). autocannon runs in the benchmark's own process on the same two cores: " +
      'the load generator takes CPU',
    '  from the server, most visibly for bare Fastify.',
    `- Request bodies: ${SINGLE} real rows of \`projects/property-valuation/data/01_raw/test.csv\` with sensible ` +
      'values (areas, rooms and',
    "  bathrooms ≥ 1, inside serve.yaml's record_schema), cycled through by every connection. (a) and bare Fastify " +
      'get one JSON',
    "  object with the 8 feature fields; (b) and FastAPI get the FastAPI API's body, a list holding one object with " +
      'price too;',
    `  (c) cycles through ${batches.length} arrays of ${BATCH} such rows (predictions/s = req/s × ${BATCH}). ` +
      `Every request carries the \`api-key\``,
    '  header (bare Fastify ignores it).',
    "- req/s is autocannon's average of its per-second counts in a round; the table gives the median of the rounds " +
      'and each',
    "  round. p50 / p99 / max are over every response of every round (ms; autocannon's own histogram rounds to whole",
    '  milliseconds). Any connection error or non-2xx answer invalidates the row (marked in bold).',
    '- RSS is VmRSS of the server process and its children: at rest after start-up, then sampled every 200 ms during ' +
      'the measured runs.',
    '- dagrun serve: `node bin/dagrun.js serve --project projects/property-valuation` with the model_run model ' +
      '@champion points to,',
    "  `PROPERTY_API_KEY` set, `--prediction-log` under `bench-out/serve/` and `--access-log off` (uvicorn's access " +
      'log is off too:',
    '  the prediction log is the per-request record on both sides). The per-client rate limit runs on every request, ' +
      'with',
    `  \`PROPERTY_RATE_LIMIT=${RATE_LIMIT.toLocaleString('en-US')}\` a minute so that no run reaches it ` +
      `(serve.yaml's default, 600,000, is about 20 s of this load).`,
    '- FastAPI: FastAPI + uvicorn with one worker (access log off), scikit-learn GradientBoostingRegressor ' +
      '(learning_rate 0.01,',
    '  300 trees, depth 5, absolute_error, random_state 42) trained at start-up on train.csv with type and sector ' +
      'target-encoded by',
    '  `scripts/target_encoding.py`. The route is `async def` (with one worker a plain `def` only adds the ' +
      'thread-pool hop: about',
    '  500 instead of 770 req/s here). Per request: pydantic validation, api-key check, a one-row pandas DataFrame ' +
      'encoded and',
    '  predicted, and one JSON line appended to its prediction log, as on our side.',
    '  uvicorn takes uvloop and httptools when they are installed (Debian python3-uvloop, python3-httptools): ' +
      'the versions line',
    '  above says which loop and parser this run had.',
    '- bare Fastify: one route answering a constant after parsing the JSON body (logger off): the ceiling for any ' +
      'Fastify server here.',
    '  bare.ts is compiled by esbuild to `bench-out/serve/bare.mjs` and run by plain node, like the built dagrun CLI ' +
      '(no tsx loader).',
    logs.length
      ? `- Prediction logs of this run (written under \`bench-out/serve/\`, deleted once counted): ${logs.join('; ')}.`
      : '',
  ].join('\n');
  writeFileSync(DOC, replaceBetween(readFileSync(DOC, 'utf8'), 'serve', body, '## Serving (npm run bench:serve)'));
  log(`figures written to ${relative(ROOT, DOC)}`);
}
