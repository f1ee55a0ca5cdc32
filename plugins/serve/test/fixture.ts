// Shared fixture of the @dagrun/serve tests: a throw-away copy of the property-valuation project, trained
// (with few trees, so it takes about a second), plus the keys, records and app builder the tests use.
// The copy lives in projects/.tmp-serve-<name>-XXXX (inside the workspace, so @dagrun/ml, @dagrun/serve
// and nodejs-polars resolve as for the real project) and is removed when the test file ends.
// Train once per test file: each trained version is a versioned save of `model` and `metrics`, and (the
// project lists @dagrun/tracking) a run in mlruns/ and a registered version of 'property-valuation'.
// The project serves `served_model`, the registry's @champion; unless a test is about the registry, the
// copy's conf/local/catalog.yaml makes `served_model` the versioned model file itself, so those tests
// see dagrun versions (save timestamps: the newest is current, --model-version and reload pick others).

import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject, type Project } from '@dagrun/core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/internal/app.js';
import { loadServeConfig, type ServeConfig } from '../src/internal/config.js';
import { loadModel, type ServedModel } from '../src/internal/model.js';
import { PredictionLog } from '../src/internal/prediction-log.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PROPERTY = join(ROOT, 'projects/property-valuation');

// Keys of at least 16 characters (serve.yaml refuses shorter ones); letters, so ${env:…} keeps them strings.
export const API_KEY = 'predict-key-abcdefghijklmnop';
export const ADMIN_KEY = 'admin-key-qrstuvwxyzabcdefgh';
export const JWT_SECRET = 'jwt-secret-for-tests-only-abcdefghijkl';

/** The environment the tests open the project with (serve.yaml reads its keys from ${env:…}). */
export const environ = (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  PROPERTY_API_KEY: API_KEY,
  PROPERTY_ADMIN_KEY: ADMIN_KEY,
  PROPERTY_JWT_SECRET: JWT_SECRET,
  ...extra,
});

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface FixtureOptions {
  /** How many times to train (each run saves a new version of model and metrics). Default 1. */
  readonly trainings?: number;
  /** Written to conf/local/serve.yaml of the copy. */
  readonly localServe?: string;
  /** true: serve the registry alias as the project does (no conf/local/catalog.yaml override). */
  readonly registry?: boolean;
}

/** conf/local/catalog.yaml of a copy whose tests are not about the registry: top-level keys replace base's. */
export const FILE_MODEL_CATALOG = `# The served model is the versioned model file (dagrun versions), not the
# registry alias.
served_model:
  type: object
  path: data/06_models/model.json
  versioned: true
`;

/** Copies the property project to projects/.tmp-serve-<name>-XXXX (removed at teardown) and trains it. */
export const trainedProject = async (t: Teardown, name: string, opts: FixtureOptions = {}): Promise<string> => {
  const dir = copyProject(t, name, { registry: opts.registry });
  if (opts.localServe !== undefined) writeFileSync(join(dir, 'conf/local/serve.yaml'), opts.localServe);
  const trainings = opts.trainings ?? 1;
  for (let i = 0; i < trainings; i++) {
    // Different tree counts per training: two versions give different predictions, so a reload shows.
    const project = await openProject({
      projectDir: dir,
      environ: environ(),
      params: [`hyper_params.n_estimators=${10 + 10 * i}`, 'hyper_params.learning_rate=0.1'],
    });
    await project.run({ pipeline: 'model_run' }); // with its run record: serve follows versions whose run completed
    // Versions are save timestamps in milliseconds: make sure the next one differs.
    await new Promise((r) => setTimeout(r, 5));
  }
  return dir;
};

/** A copy of the project without any trained model; `registry: true` keeps served_model the registry alias. */
export const copyProject = (t: Teardown, name: string, opts: { registry?: boolean | undefined } = {}): string => {
  const parent = join(ROOT, 'projects');
  const dir = mkdtempSync(join(parent, `.tmp-serve-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const p of ['dagrun.yaml', 'pipeline.yaml', 'conf/base', 'src', 'package.json'])
    cpSync(join(PROPERTY, p), join(dir, p), { recursive: true });
  mkdirSync(join(dir, 'conf/local'), { recursive: true });
  if (!opts.registry) writeFileSync(join(dir, 'conf/local/catalog.yaml'), FILE_MODEL_CATALOG);
  cpSync(join(PROPERTY, 'data/01_raw'), join(dir, 'data/01_raw'), { recursive: true });
  return dir;
};

/** The saved versions of the model, oldest first. */
export const modelVersions = (dir: string): string[] => readdirSync(join(dir, 'data/06_models/model.json')).sort();

/** Rows of test.csv with sensible values; `price` is kept (the compat body needs it). */
export const sampleRows = (n: number): Record<string, string | number>[] => {
  const [head, ...lines] = readFileSync(join(PROPERTY, 'data/01_raw/test.csv'), 'utf8').trim().split('\n');
  const cols = head!.split(',');
  const out: Record<string, string | number>[] = [];
  for (const line of lines) {
    const cells = line.split(',');
    const r = Object.fromEntries(
      cols.map((c, i) => [c, c === 'type' || c === 'sector' ? cells[i]! : Number(cells[i])]),
    );
    const within = (c: string, lo: number, hi: number) => (r[c] as number) >= lo && (r[c] as number) <= hi;
    // Inside the record schema (train's data contract; the raw data has dirty rows that the API refuses).
    const whole = (c: string) => Number.isInteger(r[c]);
    const sensible =
      within('net_usable_area', 1, 5000) &&
      within('net_area', 1, 20000) &&
      within('n_rooms', 1, 10) &&
      within('n_bathroom', 1, 10) &&
      whole('n_rooms') &&
      whole('n_bathroom') &&
      within('latitude', -33.5244, -33.3053) &&
      within('longitude', -70.6437, -70.4319);
    if (sensible) out.push(r as Record<string, string | number>);
    if (out.length === n) break;
  }
  return out;
};

export const FEATURES = [
  'type',
  'sector',
  'net_usable_area',
  'net_area',
  'n_rooms',
  'n_bathroom',
  'latitude',
  'longitude',
] as const;

/** A record as POST /api/v1/predict takes it (the features only). */
export const features = (r: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(FEATURES.map((c) => [c, r[c]]));

/** A valid record for /api/v1/predict. */
export const RECORD = features(sampleRows(1)[0]!);

export interface TestApp {
  readonly app: FastifyInstance;
  readonly project: Project;
  readonly config: ServeConfig;
  readonly model: ServedModel;
  readonly predictionLog: PredictionLog;
  /** The prediction log's file. */
  readonly logFile: string;
  /** The lines of the prediction log so far, parsed. */
  lines(): Record<string, unknown>[];
}

export interface AppFixtureOptions {
  readonly environ?: Record<string, string | undefined>;
  /** Configuration environment layered over conf/base (conf/<env>/). */
  readonly env?: string;
  /** Changes the loaded serve.yaml before the app is built (e.g. a small rate limit). */
  readonly configure?: (config: ServeConfig) => ServeConfig;
  /** Prediction log file name inside the project (default: a fresh one per app). */
  readonly logName?: string;
  /** Receives the app's reload lines (a moved version served, a failed reload poll). */
  readonly notify?: (line: string) => void;
}

let apps = 0;

/** buildApp on a trained project: serve.yaml as loaded (then `configure`d), no access log. Closed at teardown. */
export const testApp = async (t: Teardown, dir: string, opts: AppFixtureOptions = {}): Promise<TestApp> => {
  const project = await openProject({ projectDir: dir, environ: opts.environ ?? environ(), env: opts.env });
  const { config: loaded, errors } = loadServeConfig(project);
  if (!loaded) throw new Error(`serve.yaml of ${dir}: ${errors.map((e) => e.message).join('; ')}`);
  const config = opts.configure ? opts.configure(loaded) : loaded;
  const model = await loadModel(project, config);
  const logFile = join(dir, 'data/09_monitoring', opts.logName ?? `predictions-${++apps}.jsonl`);
  const predictionLog = new PredictionLog(logFile, dir);
  const app = await buildApp({ project, config, model, predictionLog, accessLog: undefined, notify: opts.notify });
  t.teardown(async () => {
    await app.close();
    await predictionLog.close();
  });
  const lines = (): Record<string, unknown>[] => {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { app, project, config, model, predictionLog, logFile, lines };
};

/** A port nothing listens on now. */
export const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = createServer().once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });

export interface ServeProcess {
  readonly proc: ChildProcess;
  /** Where it listens, from its "Serving … at <url>" line. */
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the match once its output matches `pattern`; rejects if it exits first or after `ms`. */
  waitFor(pattern: string | RegExp, ms?: number): Promise<string[]>;
}

/**
 * `dagrun serve --port 0 <args>` on the built files, as a child process run as users run it (plain node, no
 * NODE_OPTIONS); resolves once it listens, with the address its "Serving … at <url>" line names (a port
 * picked beforehand can be taken by another process before the server binds it). SIGKILLed at teardown.
 */
export const serveProcess = async (
  t: Teardown,
  dir: string,
  args: readonly string[],
  vars: Record<string, string> = {},
): Promise<ServeProcess> => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
  delete env.NODE_OPTIONS;
  const proc = spawn(process.execPath, ['bin/dagrun.js', 'serve', '--project', dir, '--port', '0', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let closed = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const read = (d: Buffer) => {
    out += d.toString();
    wake();
  };
  proc.stdout!.on('data', read);
  proc.stderr!.on('data', read);
  proc.once('close', () => {
    closed = true; // after 'exit', once all its output is read
    wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal })),
  );
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  });
  const waitFor = (pattern: string | RegExp, ms = 30_000): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const done = () => {
        waiters.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        const found = typeof pattern === 'string' ? (out.includes(pattern) ? [pattern] : null) : pattern.exec(out);
        if (found) {
          done();
          resolve([...found]);
        } else if (closed) {
          done();
          reject(
            new Error(
              `dagrun serve exited (${proc.exitCode ?? proc.signalCode}) before writing ${String(pattern)}:\n${out}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`dagrun serve did not write ${String(pattern)} within ${ms} ms:\n${out}`));
      }, ms);
      waiters.add(check);
      check();
    });
  const [, url] = await waitFor(/ at (http:\/\/[^\s]+:\d+) /);
  return { proc, url: url!, exited, output: () => out, waitFor };
};

/** The JSON body of an inject() answer; fails the caller's assertion with the raw text when it is not JSON. */
export const json = (res: { body: string }): Record<string, unknown> & { message?: string } =>
  JSON.parse(res.body) as Record<string, unknown> & { message?: string };

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/** A JWT signed by hand with HS256 (node:crypto), so the test does not trust the server's own signer. */
export const signJwt = (
  claims: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string => {
  const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
};
