// Fuzz: at least 1,000 generated bad requests (a seeded PRNG mutates valid records: fields dropped and
// added, types swapped, numbers huge, negative, fractional or not JSON at all, deep nesting, long strings,
// unicode, random bytes, truncated JSON, wrong content types, random headers), sent with inject() and a
// share of them over real HTTP. Every answer must be a 4xx (they are all bad), JSON with a message; no 5xx,
// nothing in the prediction log, and the server answers a valid request afterwards.
import { request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { API_KEY, FEATURES, features, RECORD, sampleRows, testApp, trainedProject } from '../../test/fixture.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const CASES = Number(process.env.FUZZ_CASES ?? 1500);
const HTTP_SHARE = 6; // every 6th case also goes over a real socket

/** mulberry32: small, fast, and the same sequence for the same seed. */
const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
};

interface Case {
  readonly kind: string;
  readonly url: '/api/v1/predict' | '/api/v1/predict/';
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
}

type Rec = Record<string, unknown>;
const RANGES: Record<string, [number, number]> = {
  net_usable_area: [1, 5000],
  net_area: [1, 20000],
  n_rooms: [1, 10],
  n_bathroom: [1, 10],
  latitude: [-33.5244, -33.3053],
  longitude: [-70.6437, -70.4319],
};
const NUMERIC = Object.keys(RANGES);
const STRINGS = ['type', 'sector'];
const ROWS = sampleRows(60);
const KNOWN = new Set<string>([...FEATURES, 'price']);
// What replaces a numeric field's value in a 'not-a-json-number' case: no JSON number among them.
const NOT_JSON_NUMBERS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-1e999',
  '0x10',
  '01',
  '.5',
  '+1',
  '1.',
  '--1',
  '1e',
  '١٢٣',
  'undefined',
  "'5'",
];

const makeCases = (seed: number, n: number): Case[] => {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const randomString = (
    len: number,
    alphabet = 'abcdefghijklmnopqrstuvwxyz ÁéñÑüß中文Ω🏠𝔘\u200b\u202e\u0000\t"\\/',
  ): string => {
    const chars = [...alphabet];
    let s = '';
    for (let i = 0; i < len; i++) s += pick(chars);
    return s;
  };
  const fieldName = (): string => {
    for (;;) {
      const name = pick([
        'pool',
        'garage',
        'Type',
        'SECTOR',
        'net area',
        'n_rooms ',
        'lat',
        'lon',
        'precio',
        '',
        'constructor',
        'toString',
        'valueOf',
        'hasOwnProperty',
        '0',
        '🏠',
        'x'.repeat(int(1, 3000)),
        randomString(int(1, 20)),
      ]);
      if (!KNOWN.has(name)) return name;
    }
  };
  const wrongTypeFor = (field: string): unknown => {
    const base = [true, false, null, [], [1], {}, { value: 1 }, [{}]];
    return STRINGS.includes(field)
      ? pick([...base, 0, 1, -1, 3.5])
      : pick([...base, '', '120', '1e3', 'NaN', 'Infinity', ' 42 ', '0x10']);
  };
  const outOfRange = (field: string): number => {
    const [lo, hi] = RANGES[field]!;
    return pick([
      () => lo - pick([1e-9, 0.5, 1, 1000, 1e9, 1e300]),
      () => hi + pick([1e-9, 0.5, 1, 1000, 1e9, 1e300]),
      () => -Number.MAX_VALUE,
      () => Number.MAX_VALUE,
      () => lo - rnd() * 1e6 - 1e-6,
      () => hi + rnd() * 1e6 + 1e-6,
    ])();
  };
  const record = (): Rec => features(pick(ROWS));
  const compatRecord = (): Rec => ({ ...pick(ROWS) });

  /** One way a record goes bad; each yields a record that the schema refuses. */
  const mutateRecord = (rec: Rec, compat: boolean): { kind: string; rec: Rec } => {
    const r = { ...rec };
    const field = pick([...FEATURES]);
    switch (int(0, 7)) {
      case 0: {
        const fields = compat ? [...FEATURES, 'price'] : [...FEATURES];
        for (let i = int(1, 3); i > 0; i--) delete r[pick(fields)];
        if (Object.keys(r).length === Object.keys(rec).length) delete r[field];
        return { kind: 'drop-field', rec: r };
      }
      case 1:
        for (let i = int(1, 3); i > 0; i--) r[fieldName()] = pick([1, 'x', null, true, { a: 1 }, [1, 2]]);
        return { kind: 'add-field', rec: r };
      case 2:
        r[field] = wrongTypeFor(field);
        return { kind: 'swap-type', rec: r };
      case 3: {
        const f = pick(NUMERIC);
        r[f] = outOfRange(f);
        return { kind: 'number-out-of-range', rec: r };
      }
      case 4:
        r[pick(STRINGS)] = pick([
          '',
          ' casa',
          'CASA',
          'Las Condes',
          'las  condes',
          'ñuñoa',
          'santiago',
          randomString(int(1, 40)),
          'x'.repeat(int(100, 200_000)),
          '\ud800',
          '🏠',
        ]);
        return { kind: 'bad-category', rec: r };
      case 5: {
        // deep nesting as the value of a field
        const depth = int(10, 20_000);
        r[field] = { __nest: depth, array: chance(0.5) };
        return { kind: 'deep-nesting-field', rec: r };
      }
      case 6:
        r[field] = randomString(int(1, 5000));
        return { kind: 'unicode-string', rec: r };
      default: {
        const f = pick(NUMERIC);
        const [lo] = RANGES[f]!;
        r[f] = lo - 0.5 - int(0, 10) - rnd();
        return { kind: 'fractional-out-of-range', rec: r };
      }
    }
  };

  /** JSON text, with { __nest: depth } values expanded to nested arrays or objects (without recursion). */
  const stringify = (v: unknown): string =>
    JSON.stringify(v).replace(/\{"__nest":(\d+),"array":(true|false)\}/g, (_m, d: string, arr: string) => {
      const depth = Number(d);
      return arr === 'true'
        ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    });

  const key = (): Record<string, string> => ({ 'api-key': API_KEY });
  const json = { 'content-type': 'application/json' };
  const randomHeaders = (): Record<string, string> => {
    const h: Record<string, string> = {};
    const token = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = int(1, 6); i > 0; i--) {
      const name = `x-${randomString(int(1, 20), token)}`;
      h[name] = randomString(
        int(0, 200),
        'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()*+,-./:;<=>?@[]^_`{|}~',
      );
    }
    if (chance(0.5)) h['x-request-id'] = randomString(int(0, 300), 'abcdefghijklmnopqrstuvwxyz0123456789.:_- ;/');
    if (chance(0.3)) h.accept = pick(['text/html', '*/*', 'application/xml', 'garbage', '']);
    if (chance(0.2)) h['content-encoding'] = pick(['gzip', 'br', 'deflate', 'identity', 'nonsense']);
    if (chance(0.2))
      h.authorization = pick([
        'Bearer',
        'Bearer ',
        'Bearer a.b.c',
        'Basic dXNlcjpwYXNz',
        `Bearer ${randomString(int(1, 500), token)}`,
      ]);
    if (chance(0.15)) h['api-key'] = pick(['', 'wrong', 'x'.repeat(int(100, 4000)), API_KEY.slice(1)]);
    return h;
  };

  const out: Case[] = [];
  while (out.length < n) {
    const compat = chance(0.25);
    const url = compat ? '/api/v1/predict/' : '/api/v1/predict';
    const wrap = (recs: Rec[]) => (compat || chance(0.3) ? recs : recs.length === 1 ? recs[0] : recs);
    const base = compat ? compatRecord() : record();
    const valid = stringify(compat ? [base] : base);
    const headersFor = (h: Record<string, string>) => (chance(0.2) ? { ...randomHeaders(), ...h } : h);
    const r = rnd();
    if (r < 0.45) {
      const { kind, rec } = mutateRecord(base, compat);
      // Sometimes the bad record sits among good ones in a batch (the compat route takes one record).
      const recs = !compat && chance(0.3) ? [record(), rec, record()].slice(0, int(2, 3)) : [rec];
      out.push({ kind, url, headers: headersFor({ ...key(), ...json }), body: stringify(wrap(recs)) });
    } else if (r < 0.52) {
      const text = valid.replace(
        new RegExp(`"${pick(NUMERIC)}":[^,\\]}]+`),
        (m) => `${m.split(':')[0]}:${pick(NOT_JSON_NUMBERS)}`,
      );
      out.push({ kind: 'not-a-json-number', url, headers: headersFor({ ...key(), ...json }), body: text });
    } else if (r < 0.58) {
      const cut = int(0, valid.length - 1);
      const tail = pick(['', '', ',', '}', ']', 'x', ' trailing', '\u0000', '{']);
      out.push({
        kind: 'truncated-json',
        url,
        headers: headersFor({ ...key(), ...json }),
        body: valid.slice(0, cut) + (cut === 0 && tail === '' ? '{' : tail),
      });
    } else if (r < 0.64) {
      const len = int(1, 3000);
      const bytes = Buffer.alloc(len);
      for (let i = 0; i < len; i++) bytes[i] = int(0, 255);
      if (bytes[0] === 0x5b || bytes[0] === 0x7b) bytes[0] = 0x00; // not even a JSON start
      out.push({ kind: 'random-bytes', url, headers: headersFor({ ...key(), ...json }), body: bytes });
    } else if (r < 0.71) {
      const type = pick([
        'text/plain',
        'text/html',
        'application/xml',
        'application/octet-stream',
        'multipart/form-data; boundary=xyz',
        'application/x-www-form-urlencoded',
        'image/png',
        'application/jsonx',
        'json',
        'application/json-patch+json',
        'text/json',
        'application/vnd.api+json',
      ]);
      out.push({
        kind: 'wrong-content-type',
        url,
        headers: headersFor({ ...key(), 'content-type': type }),
        body: chance(0.5) ? valid : stringify(mutateRecord(base, compat).rec),
      });
    } else if (r < 0.77) {
      const bodies = [
        '',
        ' ',
        '\n',
        'null',
        'true',
        'false',
        '0',
        '-1',
        '"casa"',
        '""',
        '[]',
        '[[]]',
        '[null]',
        '[1,2,3]',
        '["casa"]',
        '{"data":' + valid + '}',
        '{"records":[' + stringify(base) + ']}',
        '{"instances":' + valid + '}',
        '\ufeff' + stringify(mutateRecord(base, compat).rec),
      ];
      const body = pick(bodies);
      // [] is a bad body for v1 (minItems) and for compat (exactly one record): both refuse it.
      out.push({ kind: 'wrong-shape', url, headers: headersFor({ ...key(), ...json }), body });
    } else if (r < 0.81) {
      const depth = int(100, 200_000);
      const body = pick([
        `${'['.repeat(depth)}${']'.repeat(depth)}`,
        `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
        `${'['.repeat(depth)}`,
        `[${stringify(base)}${',{}'.repeat(Math.min(depth, 5000))}]`,
      ]);
      out.push({ kind: 'deep-nesting-body', url, headers: headersFor({ ...key(), ...json }), body });
    } else if (r < 0.85) {
      const size = pick([int(1_048_577, 1_300_000), int(2_000_000, 3_000_000)]);
      out.push({
        kind: 'oversize',
        url,
        headers: headersFor({ ...key(), ...json }),
        body: `[${stringify(base)},"${'x'.repeat(size)}"]`,
      });
    } else if (r < 0.88) {
      const recs = Array.from({ length: compat ? pick([0, 2, 3]) : 1001 }, () => (compat ? compatRecord() : record()));
      out.push({ kind: 'batch-size', url, headers: headersFor({ ...key(), ...json }), body: stringify(recs) });
    } else if (r < 0.92) {
      const { rec } = mutateRecord(base, compat);
      const dup = stringify(compat ? [rec] : rec);
      // A valid field first and a bad duplicate after it: JSON.parse keeps the last.
      const f = pick(NUMERIC);
      const text = dup
        .replace(/\{/, `{"${f}":${String(RANGES[f]![0])},`)
        .replace(/\}([\]]?)$/, `,"${f}":"${randomString(int(1, 10))}"}$1`);
      out.push({ kind: 'duplicate-key', url, headers: headersFor({ ...key(), ...json }), body: text });
    } else if (r < 0.96) {
      // A good body with bad credentials, and random headers: 401 (or 4xx), never 5xx.
      const h = randomHeaders();
      h['api-key'] = pick(['', 'wrong-key', API_KEY.toUpperCase(), 'x'.repeat(int(513, 6000))]);
      out.push({ kind: 'bad-credentials', url, headers: { ...h, ...json }, body: valid });
    } else {
      const { kind, rec } = mutateRecord(base, compat);
      out.push({
        kind: `${kind}+no-content-type`,
        url,
        headers: headersFor(key()),
        body: chance(0.5) ? undefined : stringify(compat ? [rec] : rec),
      });
    }
  }
  return out;
};

/** What is wrong with an answer to a bad request, or undefined. */
const problemWith = (c: Case, status: number, contentType: string | undefined, text: string): string | undefined => {
  if (status >= 500) return `${status} (server error)`;
  if (status < 400) return `${status} for a bad request`;
  if (!/^application\/json/.test(contentType ?? '')) return `content-type ${contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 100)}`;
  }
  const b = body as { message?: unknown; detail?: unknown; statusCode?: unknown };
  if (c.url === '/api/v1/predict/') {
    const d = b.detail;
    const ok =
      (typeof d === 'string' && d.length > 0) ||
      (Array.isArray(d) &&
        d.length > 0 &&
        d.every((x: { loc?: unknown; msg?: unknown }) => Array.isArray(x.loc) && typeof x.msg === 'string'));
    return ok ? undefined : `compat answer without detail: ${text.slice(0, 200)}`;
  }
  if (typeof b.message !== 'string' || b.message.length === 0) return `no message: ${text.slice(0, 200)}`;
  if (b.statusCode !== status) return `statusCode ${String(b.statusCode)} in a ${status} answer`;
  return undefined;
};

const describe = (c: Case) =>
  `${c.kind} ${c.url} ${JSON.stringify(c.headers).slice(0, 200)} ` +
  `body=${c.body === undefined ? '(none)' : JSON.stringify(c.body.toString().slice(0, 120))}`;

const dir = await trainedProject(t, 'fuzz');
// Every case comes from one address, and some carry wrong keys: the lockout after refused credentials
// (rate_limit.failed_auth, tested in app.test.ts) would turn the rest into 429s, so it is set out of reach.
const server = await testApp(t, dir, {
  configure: (c) => ({ ...c, rate_limit: { ...c.rate_limit, failed_auth: 1_000_000 } }),
});
const cases = makeCases(SEED, CASES);

t.test(`${CASES} bad requests (seed ${SEED}) with inject: all 4xx with a JSON message, none logged`, async (t) => {
  t.ok(cases.length >= 1000, `${cases.length} cases`);
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  const kinds = new Map<string, number>();
  const started = Date.now();
  for (const c of cases) {
    const res = await server.app.inject({
      method: 'POST',
      url: c.url,
      headers: c.headers,
      ...(c.body !== undefined ? { payload: c.body } : {}),
    });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    const p = problemWith(c, res.statusCode, res.headers['content-type'] as string | undefined, res.body);
    if (p) problems.push(`${p} <- ${describe(c)}`);
  }
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${Date.now() - started} ms`);
  t.comment(`kinds: ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);
  t.same(problems.slice(0, 20), [], `every answer a 4xx JSON error with a message (${problems.length} problems)`);
  t.notOk(statuses.has(500), 'no 500');
  t.ok(kinds.size >= 15, `${kinds.size} kinds of bad request`);
  t.same(server.lines(), [], 'no bad request reached the prediction log');
  const ok = await server.app.inject({
    method: 'POST',
    url: '/api/v1/predict',
    headers: { 'api-key': API_KEY },
    payload: RECORD,
  });
  t.equal(ok.statusCode, 200, 'a valid request still gets a prediction');
  t.equal(server.lines().length, 1);
});

t.test('a share of them over real HTTP: no 5xx, JSON answers, the server alive afterwards', async (t) => {
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  t.teardown(() => agent.destroy());
  const send = (c: Pick<Case, 'url' | 'headers' | 'body'>) =>
    new Promise<{ status: number; type: string | undefined; text: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: c.url, headers: c.headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              type: res.headers['content-type'],
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
  // Bodies over the limit are left to inject: over a socket the server may answer 413 and close before
  // the client finished sending, which the client sees as a reset rather than an answer.
  const share = cases.filter((c, i) => i % HTTP_SHARE === 0 && (c.body?.length ?? 0) < 1_000_000);
  const problems: string[] = [];
  let sent = 0;
  // 8 at a time: the agent's sockets are reused, as a real client's would be.
  for (let i = 0; i < share.length; i += 8) {
    const batch = share.slice(i, i + 8);
    const answers = await Promise.all(
      batch.map((c) => send(c).catch((err: Error) => ({ status: -1, type: undefined, text: err.message }))),
    );
    answers.forEach((a, k) => {
      sent++;
      const p = a.status === -1 ? `transport error ${a.text}` : problemWith(batch[k]!, a.status, a.type, a.text);
      if (p) problems.push(`${p} <- ${describe(batch[k]!)}`);
    });
  }
  t.ok(sent >= 150, `${sent} sent over HTTP to ${url}`);
  t.same(problems.slice(0, 20), [], `${problems.length} problems`);
  const ok = await send({
    url: '/api/v1/predict',
    headers: { 'api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(RECORD),
  });
  t.equal(ok.status, 200, 'a valid request over HTTP still gets a prediction');
  t.equal((JSON.parse(ok.text) as { predictions: number[] }).predictions.length, 1);
  const health = await fetch(`${url}/api/v1/health`);
  t.equal(health.status, 200);
  t.equal(server.lines().length, 2, 'only the valid requests were logged');
});
