// The real server: startServer on a free port driven over HTTP, and `dagrun serve` as a child process —
// killed with SIGKILL during and right after a burst (every acknowledged prediction must be in the log),
// stopped with SIGTERM while requests are in flight (they finish, the logs are flushed, exit 0), and
// refusing to start on a bad configuration.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  ADMIN_KEY,
  API_KEY,
  features,
  JWT_SECRET,
  RECORD,
  ROOT,
  sampleRows,
  serveProcess,
  trainedProject,
  type ServeProcess,
} from '../../test/fixture.js';
import { startServer } from './server.js';

const dir = await trainedProject(t, 'server');
const ROWS = sampleRows(300).map(features);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The prediction log's lines; a torn last line (a kill during a write) is tolerated, nothing else. */
const logLines = (t: Test, file: string): Array<{ request_id: string; prediction: number; client: string }> => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const raw = text.split('\n');
  const last = raw.pop();
  if (last !== '') t.comment(`torn last line (${last!.length} bytes) ignored`);
  return raw.map((l) => JSON.parse(l) as { request_id: string; prediction: number; client: string });
};

t.test('startServer on a free port, driven over HTTP, then closed', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    for (const k of ['PROPERTY_API_KEY', 'PROPERTY_ADMIN_KEY', 'PROPERTY_JWT_SECRET']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  // startServer opens the project with process.env: serve.yaml reads the keys from it.
  Object.assign(process.env, {
    PROPERTY_API_KEY: API_KEY,
    PROPERTY_ADMIN_KEY: ADMIN_KEY,
    PROPERTY_JWT_SECRET: JWT_SECRET,
  });
  const predictionLog = join(dir, 'data/09_monitoring/start-server.jsonl');
  const accessLog = join(dir, 'logs/access.log');
  const server = await startServer({ projectDir: dir, port: 0, host: '127.0.0.1', predictionLog, accessLog });
  let closed = false;
  t.teardown(() => (closed ? undefined : server.close()));
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.not(server.url, 'http://127.0.0.1:0', 'a real port was chosen');

  const health = await fetch(`${server.url}/api/v1/health`);
  t.equal(health.status, 200);
  t.match(await health.json(), { status: 'ok', model_version: server.app.served().version });

  const headers = { 'api-key': API_KEY, 'content-type': 'application/json' };
  const predict = await fetch(`${server.url}/api/v1/predict`, {
    method: 'POST',
    headers: { ...headers, 'x-request-id': 'http-1' },
    body: JSON.stringify(RECORD),
  });
  t.equal(predict.status, 200);
  t.equal(predict.headers.get('x-request-id'), 'http-1');
  const body = (await predict.json()) as { predictions: number[]; request_id: string };
  t.equal(body.request_id, 'http-1');
  t.ok(body.predictions[0]! > 0);

  const bad = await fetch(`${server.url}/api/v1/predict`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...RECORD, sector: 'santiago' }),
  });
  t.equal(bad.status, 400);
  t.match(await bad.json(), {
    statusCode: 400,
    message: /sector must be one of/,
    problems: [{ field: 'sector', rule: 'enum' }],
  });

  const nan = await fetch(`${server.url}/api/v1/predict`, { method: 'POST', headers, body: '{"net_area": NaN}' });
  t.equal(nan.status, 400);
  t.match(await nan.json(), { message: /not valid JSON/ });

  const unauth = await fetch(`${server.url}/api/v1/predict/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ ...RECORD, price: 1 }]),
  });
  t.equal(unauth.status, 401);
  t.same(await unauth.json(), { detail: 'Invalid API key' });

  const big = await fetch(`${server.url}/api/v1/predict`, {
    method: 'POST',
    headers,
    body: JSON.stringify(Array.from({ length: 7000 }, () => RECORD)),
  });
  t.equal(big.status, 413, 'a body over 1 MiB over a real socket');

  await server.close();
  closed = true;
  await t.rejects(fetch(`${server.url}/api/v1/health`), 'nothing listens after close');

  t.same(
    logLines(t, predictionLog).map((l) => [l.request_id, l.prediction]),
    [['http-1', body.predictions[0]]],
    'the prediction was logged',
  );
  const accessLines = () =>
    readFileSync(accessLog, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { req_id: string; status: number; url: string });
  t.equal(accessLines().length, 6, 'every access-log line is written when close() resolves');
  await sleep(300);
  const access = accessLines();
  t.equal(access.length, 6, 'one access-log line per request');
  t.match(
    access.find((a) => a.req_id === 'http-1'),
    { status: 200, url: '/api/v1/predict', client: 'default' },
  );
  t.same(access.map((a) => a.status).sort(), [200, 200, 400, 400, 401, 413]);
  const both = readFileSync(accessLog, 'utf8') + readFileSync(predictionLog, 'utf8');
  t.notMatch(both, API_KEY, 'the key is in neither log');
});

interface Child extends ServeProcess {
  readonly logFile: string;
}

/** `dagrun serve` as a child process, listening and answering /api/v1/health. Killed at teardown. */
const serve = async (t: Test, name: string, accessLog = 'off'): Promise<Child> => {
  const logFile = join(dir, `data/09_monitoring/${name}.jsonl`);
  const child = await serveProcess(
    t,
    dir,
    ['--host', '127.0.0.1', '--prediction-log', logFile, '--access-log', accessLog],
    { PROPERTY_API_KEY: API_KEY, PROPERTY_ADMIN_KEY: '', PROPERTY_JWT_SECRET: '' },
  );
  const health = await fetch(`${child.url}/api/v1/health`);
  if (health.status !== 200)
    throw new Error(`dagrun serve listens but /api/v1/health answers ${health.status}:\n${child.output()}`);
  return { ...child, logFile };
};

/** Fires `n` concurrent predictions; `onAck(count)` runs after each acknowledged one. Resolves when all settled. */
const burst = async (url: string, n: number, prefix: string, onAck: (acked: number) => void) => {
  const acked = new Map<string, number>();
  let failed = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const id = `${prefix}-${i}`;
      try {
        const res = await fetch(`${url}/api/v1/predict`, {
          method: 'POST',
          headers: { 'api-key': API_KEY, 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify(ROWS[i % ROWS.length]),
        });
        if (res.status >= 200 && res.status < 300) {
          const body = (await res.json()) as { predictions: number[]; request_id: string };
          if (body.request_id !== id) throw new Error(`answer for ${body.request_id} to request ${id}`);
          acked.set(id, body.predictions[0]!);
          onAck(acked.size);
        } else {
          failed++;
        }
      } catch {
        failed++; // the server died first: not acknowledged
      }
    }),
  );
  return { acked, failed };
};

const everyAckedLogged = (t: Test, acked: Map<string, number>, file: string) => {
  const lines = logLines(t, file);
  const logged = new Map(lines.map((l) => [l.request_id, l.prediction]));
  const missing = [...acked.keys()].filter((id) => !logged.has(id));
  t.same(missing, [], `every acknowledged request (${acked.size}) is in the log`);
  const wrong = [...acked].filter(([id, p]) => logged.has(id) && logged.get(id) !== p);
  t.same(wrong, [], 'with the prediction the client received');
  t.ok(
    lines.every((l) => l.client === 'default'),
    'client ids, not keys',
  );
  t.notMatch(readFileSync(file, 'utf8'), API_KEY);
  return lines;
};

t.test(
  'dagrun serve killed with SIGKILL right after the last answer of a burst of 300: every answered prediction is in ' +
    'the log',
  async (t) => {
    const child = await serve(t, 'kill-after');
    const { acked, failed } = await burst(child.url, 300, 'after', (n) => {
      if (n === 300) child.proc.kill('SIGKILL'); // at once, in the callback of the last answer
    });
    if (!child.proc.killed) child.proc.kill('SIGKILL'); // not all were answered (asserted below): no kill came
    const { signal } = await child.exited;
    t.equal(signal, 'SIGKILL');
    t.equal(acked.size, 300, `all answered before the kill (${failed} failed)`);
    const lines = everyAckedLogged(t, acked, child.logFile);
    t.equal(lines.length, 300);
  },
);

t.test(
  'dagrun serve killed with SIGKILL in the middle of a burst of 300: every answered prediction is in the log',
  async (t) => {
    const child = await serve(t, 'kill-during');
    const { acked, failed } = await burst(child.url, 300, 'during', (n) => {
      if (n === 120) child.proc.kill('SIGKILL'); // others are in flight
    });
    const { signal } = await child.exited;
    t.equal(signal, 'SIGKILL');
    t.ok(acked.size >= 120, `${acked.size} answered, ${failed} lost with the process`);
    everyAckedLogged(t, acked, child.logFile);
  },
);

/**
 * A POST in flight: its headers with `expect: 100-continue`, then (on the server's 100 Continue) the first
 * 20 bytes of its body, the rest when `release` resolves. `received` resolves with that 100 Continue: the
 * server has read the request (and routed it), so a shutdown must answer it; without it, a request still in
 * the kernel's queue or unread when SIGTERM comes is rightly reset or refused.
 */
const slowPredict = (url: string, id: string, release: Promise<void>) => {
  const body = Buffer.from(JSON.stringify(RECORD));
  const u = new URL(`${url}/api/v1/predict`);
  const headers = {
    'api-key': API_KEY,
    'content-type': 'application/json',
    'content-length': body.length,
    'x-request-id': id,
    expect: '100-continue',
  };
  const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers });
  const received = new Promise<void>((resolve, reject) => {
    req.once('continue', () => {
      req.write(body.subarray(0, 20));
      resolve();
    });
    req.once('error', reject);
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => void (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.once('error', reject);
  });
  // Each is awaited by the test; these keep an early error from also surfacing as an unhandled rejection.
  received.catch(() => {});
  answer.catch(() => {});
  req.flushHeaders();
  void received
    .then(() => release)
    .then(
      () => req.end(body.subarray(20)),
      () => {},
    );
  return { received, answer };
};

t.test(
  'dagrun serve on SIGTERM: in-flight requests finish, new ones are refused, the log is complete, exit 0',
  async (t) => {
    const accessLog = join(dir, 'logs/sigterm-access.log');
    const child = await serve(t, 'sigterm', accessLog);
    const before = await burst(child.url, 40, 'before', () => {});
    t.equal(before.acked.size, 40);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const slow = Array.from({ length: 5 }, (_, i) => slowPredict(child.url, `inflight-${i}`, released));
    await Promise.all(slow.map((s) => s.received)); // the server has each request, and is waiting for its body
    child.proc.kill('SIGTERM');
    // Written as it handles the signal, just before it stops taking requests (not a fixed sleep: a loaded
    // machine can leave the child unscheduled longer than any sleep, and the probe would then be answered).
    await child.waitFor('SIGTERM: finishing in-flight requests');
    const refused = await fetch(`${child.url}/api/v1/health`).then(
      (r) => r.status,
      () => 'refused',
    );
    t.ok(refused === 'refused' || refused === 503, `a new request after SIGTERM is refused (${refused})`);
    t.equal(child.proc.exitCode, null, 'still running while requests are in flight');
    release();
    const answers = await Promise.all(slow.map((s) => s.answer));
    t.same(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200],
      'the in-flight requests were answered',
    );
    const acked = new Map(before.acked);
    for (const [i, a] of answers.entries())
      acked.set(`inflight-${i}`, (JSON.parse(a.body) as { predictions: number[] }).predictions[0]!);
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      child.exited,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 15_000))),
    ]);
    clearTimeout(timer);
    t.same(exit, { code: 0, signal: null }, `exits 0 by itself:\n${child.output()}`);
    t.match(child.output(), 'SIGTERM: finishing in-flight requests');
    t.match(child.output(), 'Stopped.');
    const lines = everyAckedLogged(t, acked, child.logFile);
    t.equal(lines.length, 45);
    const access = readFileSync(accessLog, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { req_id: string; status: number });
    t.ok(access.length >= 40, `the access log was written (${access.length} lines)`);
    const missing = [...acked.keys()].filter((id) => !access.some((a) => a.req_id === id && a.status === 200));
    t.same(missing, [], 'every answered request is in the access log after a graceful shutdown');
    t.notMatch(readFileSync(accessLog, 'utf8'), API_KEY, 'no key in the access log');
  },
);

/** `dagrun serve` expected to fail at start: its exit code and output. */
const failing = (args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete e.NODE_OPTIONS;
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
    const proc = spawn(process.execPath, ['bin/dagrun.js', 'serve', '--project', dir, ...args], {
      cwd: ROOT,
      env: e,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => void (out += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });

t.test('dagrun serve refuses to start on a bad configuration or option, naming what to change', async (t) => {
  // Side by side: three starts one after another took a quarter of the file's time on a loaded machine.
  const [noKey, badPort, badVersion] = await Promise.all([
    failing(['--port', '0'], { PROPERTY_API_KEY: undefined }),
    failing(['--port', 'eighty'], { PROPERTY_API_KEY: API_KEY }),
    failing(['--port', '0', '--model-version', '2001-01-01T00.00.00.000Z'], { PROPERTY_API_KEY: API_KEY }),
  ]);
  t.equal(noKey.code, 2, noKey.out);
  t.match(
    noKey.out,
    /conf\/base\/serve\.yaml:\d+:\d+ \[DAGRUN_ERR_CONFIG_ENV_VAR\] Environment variable 'PROPERTY_API_KEY'/,
  );
  t.equal(badPort.code, 2, badPort.out);
  t.match(badPort.out, "--port: expected an integer from 0 to 65535, but got 'eighty'.");
  t.not(badVersion.code, 0, badVersion.out);
  t.match(badVersion.out, '2001-01-01T00.00.00.000Z');
});
