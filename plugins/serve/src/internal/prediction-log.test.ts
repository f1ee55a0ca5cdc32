// PredictionLog: one JSON line per prediction, byte for byte; an append resolves once its lines are in the file,
// concurrent appends all land whole, one write per event-loop turn, {date} becomes the UTC day (a new file at
// midnight), relative paths are the project's, failures reject the append and pass once the cause is gone.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { PredictionLog } from './prediction-log.js';

const tempDir = (t: { teardown(fn: () => void): void }): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-prediction-log-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const record = (i = 0) => ({
  type: 'casa',
  sector: 'vitacura',
  net_area: 100 + i,
  note: 'line\nbreak \u2028 "quoted" ñ 🏠',
});

/** One request of `n` records, predictions 1234.5, 1235.5, … */
const append = (log: PredictionLog, id: string, n = 1): Promise<void> => {
  const records = Array.from({ length: n }, (_, i) => record(i));
  return log.appendRequest(
    id,
    'default',
    '2026-11-26T06.52.46.309Z',
    records,
    Float64Array.from(records, (_, i) => 1234.5 + i),
    0.25,
  );
};

const linesOf = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const idsOf = (file: string): unknown[] => linesOf(file).map((l) => l.request_id);

/** 'resolved', 'rejected' or 'pending' after `ms`. */
const settleWithin = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => 'resolved',
      () => 'rejected',
    ),
    new Promise<string>((r) => setTimeout(() => r('pending'), ms)),
  ]);

t.test('a line is the time and the entry as JSON on one line, in a fixed key order, byte for byte', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  t.teardown(() => log.close());
  await append(log, 'r1', 2);
  await log.appendRequest('r2', 'cli"ent', undefined, [{ rooms: 3, ok: true, nested: [1, null] }], [Number.NaN], 1.5);
  const text = readFileSync(join(dir, 'p.jsonl'), 'utf8');
  t.match(text, /^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","client"/, 'the time first, as an ISO timestamp');
  const expected = [
    '{"time":"T","client":"default","model_version":"2026-11-26T06.52.46.309Z","request_id":"r1",' +
      '"input":{"type":"casa","sector":"vitacura","net_area":100,"note":"line\\nbreak \u2028 \\"quoted\\" ñ ' +
      '🏠"},"prediction":1234.5,"latency_ms":0.25}',
    '{"time":"T","client":"default","model_version":"2026-11-26T06.52.46.309Z","request_id":"r1",' +
      '"input":{"type":"casa","sector":"vitacura","net_area":101,"note":"line\\nbreak \u2028 \\"quoted\\" ñ ' +
      '🏠"},"prediction":1235.5,"latency_ms":0.25}',
    '{"time":"T","client":"cli\\"ent","request_id":"r2","input":{"rooms":3,"ok":true,"nested":[1,null]},' +
      '"prediction":null,"latency_ms":1.5}',
    '',
  ].join('\n');
  t.equal(
    text.replace(/"time":"[^"]+"/g, '"time":"T"'),
    expected,
    'no model version: no key; NaN: null; newlines in the input escaped',
  );
});

t.test('an append resolves only once its lines are in the file', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  t.teardown(() => log.close());
  const file = join(dir, 'p.jsonl');
  for (let i = 0; i < 50; i++) {
    await append(log, `seq-${i}`, (i % 4) + 1);
    // Read synchronously right after the promise resolved: nothing may still be buffered.
    t.equal(
      idsOf(file).filter((id) => id === `seq-${i}`).length,
      (i % 4) + 1,
      `append ${i}: its line(s) are in the file`,
    );
  }
});

t.test('concurrent appends all land, each line whole and valid JSON, each request in order', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  t.teardown(() => log.close());
  const n = 2000;
  const sizes = Array.from({ length: n }, (_, i) => (i % 3) + 1);
  const settled: number[] = [];
  await Promise.all(sizes.map((size, i) => append(log, `c-${i}`, size).then(() => settled.push(i))));
  t.equal(settled.length, n, 'every append resolved');
  const raw = readFileSync(join(dir, 'p.jsonl'), 'utf8').split('\n');
  t.equal(raw.pop(), '', 'the file ends with a newline');
  t.equal(
    raw.length,
    sizes.reduce((a, b) => a + b),
    'one line per prediction',
  );
  const lines = raw.map((l) => JSON.parse(l) as { request_id: string; input: { net_area: number } });
  for (let i = 0; i < n; i += 97) {
    const mine = lines.filter((l) => l.request_id === `c-${i}`).map((l) => l.input.net_area);
    t.same(
      mine,
      Array.from({ length: sizes[i]! }, (_, k) => 100 + k),
      `request ${i}: all its lines, in order`,
    );
  }
  t.equal(new Set(lines.map((l) => l.request_id)).size, n, 'every request id present');
});

t.test('the requests of one event-loop turn share one write; requests awaited one by one get one each', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  t.teardown(() => log.close());
  await Promise.all(Array.from({ length: 50 }, (_, i) => append(log, `turn-${i}`, 2)));
  t.equal(log.writes, 1, '50 requests of the same turn: one write');
  for (let i = 0; i < 3; i++) await append(log, `alone-${i}`);
  t.equal(log.writes, 4);
  t.equal(linesOf(log.path).length, 103);
});

t.test(
  '{date} in the path becomes the UTC day; relative paths are under the project; folders are created',
  async (t) => {
    const dir = tempDir(t);
    const day = new Date().toISOString().slice(0, 10);
    const log = new PredictionLog('data/09_monitoring/deep/predictions-{date}.jsonl', dir);
    t.teardown(() => log.close());
    t.equal(log.path, join(dir, `data/09_monitoring/deep/predictions-${day}.jsonl`));
    t.notOk(existsSync(log.path), 'nothing is created before the first prediction');
    await append(log, 'd1');
    t.same(idsOf(log.path), ['d1'], 'the file of the day holds the line');
    const abs = join(dir, 'elsewhere', 'x-{date}-{date}.jsonl');
    const absolute = new PredictionLog(abs, '/nonexistent-project-dir');
    t.teardown(() => absolute.close());
    t.equal(
      absolute.path,
      join(dir, 'elsewhere', `x-${day}-${day}.jsonl`),
      'an absolute path ignores the project folder; every {date} is replaced',
    );
  },
);

t.test('at UTC midnight the lines go to the next day’s file', async (t) => {
  const dir = tempDir(t);
  const realNow = Date.now;
  t.teardown(() => {
    Date.now = realNow;
  });
  const midnight = Date.UTC(2030, 0, 2);
  Date.now = () => midnight - 1;
  const log = new PredictionLog('p-{date}.jsonl', dir);
  t.teardown(() => log.close());
  await append(log, 'last-of-day');
  Date.now = () => midnight;
  await append(log, 'first-of-day');
  t.same(idsOf(join(dir, 'p-2030-01-01.jsonl')), ['last-of-day']);
  t.same(idsOf(join(dir, 'p-2030-01-02.jsonl')), ['first-of-day']);
});

t.test('an existing file is appended to, never truncated', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'p.jsonl'), '{"earlier":true}\n');
  const log = new PredictionLog('p.jsonl', dir);
  await append(log, 'after');
  await log.close();
  t.same(
    linesOf(join(dir, 'p.jsonl')).map((l) => l.earlier ?? l.request_id),
    [true, 'after'],
  );
});

t.test('a file that cannot be opened rejects the append; once the cause is gone, appends pass again', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'logs'), 'a file where the folder should be');
  const log = new PredictionLog('logs/p.jsonl', dir);
  t.teardown(() => log.close());
  await t.rejects(append(log, 'while-broken'), {
    code: 'EEXIST',
    message: `EEXIST: file already exists, mkdir '${join(dir, 'logs')}'`,
  });
  rmSync(join(dir, 'logs'));
  t.equal(await settleWithin(append(log, 'after-repair'), 2000), 'resolved');
  t.same(idsOf(log.path), ['after-repair']);
});

t.test(
  'a write that fails rejects the append, and the next one too (no hang, no silent loss)',
  { skip: process.platform === 'linux' ? false : 'needs /dev/full' },
  async (t) => {
    const log = new PredictionLog('/dev/full', '/');
    t.teardown(() => log.close());
    await t.rejects(append(log, 'a'), { code: 'ENOSPC', message: 'ENOSPC: no space left on device, write' });
    await t.rejects(append(log, 'b'), { code: 'ENOSPC' });
  },
);

t.test('close writes what was appended, resolving its appends; closing twice is harmless', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  const appended = append(log, 'in-this-turn');
  await log.close();
  t.equal(await settleWithin(appended, 2000), 'resolved');
  await log.close();
  t.same(idsOf(join(dir, 'p.jsonl')), ['in-this-turn']);
});

t.test('an append of no predictions resolves and writes nothing', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  t.teardown(() => log.close());
  t.equal(await settleWithin(log.appendRequest('none', 'default', 'v', [], [], 0.1), 2000), 'resolved');
  t.equal(log.writes, 0);
  t.notOk(existsSync(log.path));
});
