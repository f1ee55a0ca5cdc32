// What one client cannot take from the others, over real sockets against `dagrun serve` as a child
// process: a body of hundreds of thousands of records is refused before any record is checked, in about
// the time it takes to parse, without moving other clients' p99 or the server's memory much; a trickled
// body is cut off at request_timeout; an early 401/413 closes the connection instead of reading on; and
// SIGTERM under load answers every request in flight (200 or 503), resetting none.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import autocannon from 'autocannon';
import t, { type Test } from 'tap';
import { API_KEY, RECORD, serveProcess, trainedProject } from './fixture.js';

const dir = await trainedProject(t, 'limits', { localServe: 'request_timeout: 1500 ms\nheaders_timeout: 1 second\n' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Child {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly url: string;
  output(): string;
}

/** `dagrun serve` on a port of its choosing (access log off), once it listens. Killed at teardown. */
const serve = async (t: Test): Promise<Child> => {
  const log = `${dir}/data/09_monitoring/limits-${process.pid}-${Date.now()}.jsonl`;
  const vars = { PROPERTY_API_KEY: API_KEY, PROPERTY_ADMIN_KEY: '', PROPERTY_JWT_SECRET: '' };
  const child = await serveProcess(t, dir, ['--prediction-log', log, '--access-log', 'off'], vars);
  return { proc: child.proc, port: Number(new URL(child.url).port), url: child.url, output: child.output };
};

/** Peak resident memory of a process so far (VmHWM), bytes. */
const peakRss = (pid: number): number =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/**
 * The p99 (ms, from every response's own time: autocannon's histogram is in whole milliseconds) of
 * single-record predictions for `seconds`, with `during` running alongside.
 */
const load = async (
  url: string,
  seconds: number,
  during: () => Promise<void> = async () => {},
): Promise<{ p99: number; non2xx: number; requests: number }> => {
  const times: number[] = [];
  const instance = autocannon({
    url: `${url}/api/v1/predict`,
    method: 'POST',
    connections: 8,
    duration: seconds,
    headers: { 'api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(RECORD),
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  await during();
  const r = await instance;
  times.sort((x, y) => x - y);
  return { p99: times[Math.floor(times.length * 0.99)] ?? Number.NaN, non2xx: r.non2xx, requests: times.length };
};

/**
 * One raw request over its own socket: writes `head`, then `body` in `pieces` every `everyMs`; collects what comes
 * back.
 */
const trickle = (port: number, head: string, body: string, pieces: number, everyMs: number) =>
  new Promise<{ response: string; closedAfterMs: number; sentBytes: number }>((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => void (response += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response, closedAfterMs: Date.now() - started, sentBytes: sent });
    });
    socket.write(head);
    const size = Math.ceil(body.length / pieces);
    timer = setInterval(() => {
      if (socket.destroyed || sent >= body.length) return clearInterval(timer);
      socket.write(body.slice(sent, sent + size));
      sent += size;
    }, everyMs);
  });

const head = (length: number, key = API_KEY) =>
  `POST /api/v1/predict HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\napi-key: ${key}\r\n` +
  `content-length: ${length}\r\n\r\n`;

t.test(
  'a body of 340,000 records: 413 before any record is checked; other clients p99 within 2x; memory a small multiple ' +
    'of the body',
  async (t) => {
    const server = await serve(t);
    await load(server.url, 1); // warm up
    const quietBefore = await load(server.url, 4);
    const huge = `[${Array.from({ length: 340_000 }, () => '{}').join(',')}]`;
    t.ok(huge.length < 1_048_576, `the body fits under body_limit (${huge.length} bytes)`);
    const before = peakRss(server.proc.pid!);
    const answers: Array<{ status: number; ms: number; message: string }> = [];
    const attacked = await load(server.url, 4, async () => {
      for (let i = 0; i < 5; i++) {
        await sleep(500);
        const started = performance.now();
        const res = await fetch(`${server.url}/api/v1/predict`, {
          method: 'POST',
          headers: { 'api-key': API_KEY, 'content-type': 'application/json' },
          body: huge,
        });
        const body = (await res.json()) as { message: string };
        answers.push({ status: res.status, ms: performance.now() - started, message: body.message });
      }
    });
    const quietAfter = await load(server.url, 4);
    // The machine is shared: "without" is the slower of the runs just before and just after.
    const quiet = quietBefore.p99 > quietAfter.p99 ? quietBefore : quietAfter;
    const grew = peakRss(server.proc.pid!) - before;
    t.comment(
      `p99 without ${quietBefore.p99.toFixed(2)} / ${quietAfter.p99.toFixed(2)} ms (${quietBefore.requests} / ` +
        `${quietAfter.requests} requests), with the huge bodies ${attacked.p99.toFixed(2)} ms ` +
        `(${attacked.requests}); answers in ${answers.map((a) => a.ms.toFixed(0)).join(', ')} ms; peak RSS grew ` +
        `${(grew / 1e6).toFixed(1)} MB for a ${(huge.length / 1e6).toFixed(2)} MB body`,
    );
    t.same(
      answers.map((a) => a.status),
      [413, 413, 413, 413, 413],
    );
    t.equal(
      answers[0]!.message,
      'Invalid request body: body must hold at most 1000 records (serve.yaml max_batch), but holds more than 1000; ' +
        'send them in several requests.',
    );
    t.ok(Math.max(...answers.map((a) => a.ms)) < 1000, 'each refused in well under a second');
    t.equal(attacked.non2xx, 0, 'the other clients got their predictions');
    t.ok(
      attacked.p99 <= 2 * quiet.p99,
      `other clients' p99 within 2x (${attacked.p99.toFixed(2)} ms vs ${quiet.p99.toFixed(2)} ms)`,
    );
    t.ok(grew < 10 * huge.length, `peak memory grew ${(grew / huge.length).toFixed(1)}x the body, under 10x`);
  },
);

t.test('request_timeout: a body trickled slower than the deadline gets 408 and the connection closes', async (t) => {
  const server = await serve(t);
  const body = JSON.stringify(RECORD);
  const slow = await trickle(server.port, head(body.length), body, body.length, 100); // a byte per 100 ms: ~20 s
  t.match(slow.response, /^HTTP\/1\.1 408 /, `408 Request Timeout (${slow.response.split('\r\n')[0]})`);
  t.ok(
    slow.closedAfterMs >= 1400 && slow.closedAfterMs < 4000,
    `cut off near request_timeout 1500 ms (after ${slow.closedAfterMs} ms)`,
  );
  t.ok(slow.sentBytes < body.length, `before the whole body was sent (${slow.sentBytes} of ${body.length} bytes)`);
  const fast = await trickle(server.port, head(body.length), body, 4, 100);
  t.match(fast.response, /^HTTP\/1\.1 200 /, 'a body sent within the deadline is answered');
});

t.test('an early 401 or 413 closes the connection instead of reading the rest of a slow body', async (t) => {
  const server = await serve(t);
  const body = JSON.stringify(Array.from({ length: 500 }, () => RECORD));
  const wrongKey = await trickle(server.port, head(body.length, 'wrong-key-wrong-key-wrong'), body, 50, 100);
  t.match(wrongKey.response, /^HTTP\/1\.1 401 /, 'refused credentials: 401');
  t.match(wrongKey.response, /\r\nconnection: close\r\n/i, 'announced: connection: close');
  t.ok(wrongKey.closedAfterMs < 1000, `closed at once (${wrongKey.closedAfterMs} ms), not after the 5 s body`);
  const tooBig = await trickle(server.port, head(5_000_000), body, 50, 100);
  t.match(tooBig.response, /^HTTP\/1\.1 413 /, 'a declared length over body_limit: 413');
  t.ok(tooBig.closedAfterMs < 1000, `closed at once (${tooBig.closedAfterMs} ms)`);
});

t.test('SIGTERM under load: every request in flight is answered 200 or 503, none reset', async (t) => {
  const server = await serve(t);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  t.teardown(() => agent.destroy());
  const outcomes = new Map<string, number>();
  const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
  const payload = JSON.stringify(RECORD);
  let stop = false;
  /** One request on a kept-alive connection: its status, or the error code of the socket. */
  const once = () =>
    new Promise<string>((resolve) => {
      const req = request(
        `${server.url}/api/v1/predict`,
        {
          method: 'POST',
          agent,
          headers: { 'api-key': API_KEY, 'content-type': 'application/json', 'content-length': payload.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end(payload);
    });
  const client = async () => {
    while (!stop) {
      const outcome = await once();
      count(outcome);
      // the server stopped listening: a new connection is refused, as it should be
      if (outcome === 'ECONNREFUSED') return;
    }
  };
  const clients = Array.from({ length: 16 }, client);
  await sleep(1500);
  const exited = new Promise<number | null>((r) => server.proc.once('exit', (code) => r(code)));
  server.proc.kill('SIGTERM');
  t.equal(await exited, 0, 'exit 0');
  stop = true;
  await Promise.all(clients);
  t.comment(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  t.ok((outcomes.get('200') ?? 0) > 100, 'requests were answered before SIGTERM');
  const other = [...outcomes.keys()].filter((k) => k !== '200' && k !== '503' && k !== 'ECONNREFUSED');
  t.same(other, [], 'no request was reset or cut off (only 200, 503, or a refused new connection)');
  t.match(server.output(), 'Stopped.');
});
