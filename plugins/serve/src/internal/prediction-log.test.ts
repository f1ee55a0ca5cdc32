// PredictionLog: one JSON line per prediction, group commit; append resolves once the lines are in the
// file, concurrent appends all land whole, {date} becomes the UTC day, relative paths are the project's.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { PredictionLog, recordSerializer, type PredictionEntry } from './prediction-log.js';

const tempDir = (t: { teardown(fn: () => void): void }): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-prediction-log-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const entry = (id: string, i = 0): PredictionEntry => ({
  request_id: id,
  client: 'default',
  model_version: '2026-11-26T06.52.46.309Z',
  input: { type: 'casa', sector: 'vitacura', net_area: 100 + i, note: 'line\nbreak \u2028 "quoted" ñ 🏠' },
  prediction: 1234.5 + i,
  latency_ms: 0.25,
});

const linesOf = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** 'resolved', 'rejected' or 'pending' after `ms`. */
const settleWithin = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise<string>((r) => setTimeout(() => r('pending'), ms))]);

t.test('a line holds the time and the entry, as JSON on one line, whatever the input holds', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  t.teardown(() => log.close());
  await log.append([entry('r1')]);
  const text = readFileSync(join(dir, 'p.jsonl'), 'utf8');
  t.equal(text.split('\n').length, 2, 'one line and the final newline (newlines in the input are escaped)');
  const [line] = linesOf(join(dir, 'p.jsonl'));
  t.same(Object.keys(line!), ['time', 'client', 'model_version', 'request_id', 'input', 'prediction', 'latency_ms']);
  t.match(line, { ...entry('r1'), time: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ });
  t.same(line!.input, entry('r1').input, 'the input comes back as it was');
});

/** The test, once with writes inline (the default) and once on the thread pool (every inline write counts as slow). */
const inBothModes = (name: string, fn: (t: Test, options: { slowWriteUs?: number }) => Promise<void>): void => {
  for (const [mode, options] of [['inline', {}], ['thread pool', { slowWriteUs: -1 }]] as const) t.test(`${name} (${mode})`, (t) => fn(t, options));
};

inBothModes('append resolves only once its lines are in the file', async (t, options) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir, undefined, options);
  t.teardown(() => log.close());
  const file = join(dir, 'p.jsonl');
  for (let i = 0; i < 50; i++) {
    const batch = Array.from({ length: (i % 4) + 1 }, (_, k) => entry(`seq-${i}`, k));
    await log.append(batch);
    // Read synchronously right after the promise resolved: nothing may still be buffered.
    const ids = linesOf(file).map((l) => l.request_id);
    t.equal(ids.filter((id) => id === `seq-${i}`).length, batch.length, `append ${i}: its ${batch.length} line(s) are in the file`);
  }
});

inBothModes('concurrent appends all land, each line whole and valid JSON, each batch in order', async (t, options) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir, undefined, options);
  t.teardown(() => log.close());
  const n = 2000;
  const batches = Array.from({ length: n }, (_, i) => Array.from({ length: (i % 3) + 1 }, (_, k) => entry(`c-${i}`, k)));
  const settled: number[] = [];
  await Promise.all(batches.map((b, i) => log.append(b).then(() => settled.push(i))));
  t.equal(settled.length, n, 'every append resolved');
  const text = readFileSync(join(dir, 'p.jsonl'), 'utf8');
  const raw = text.split('\n');
  t.equal(raw.pop(), '', 'the file ends with a newline');
  const expected = batches.reduce((s, b) => s + b.length, 0);
  t.equal(raw.length, expected, `${expected} lines`);
  let bad = 0;
  for (const l of raw) {
    try {
      JSON.parse(l);
    } catch {
      bad++;
    }
  }
  t.equal(bad, 0, 'every line parses');
  const lines = raw.map((l) => JSON.parse(l) as { request_id: string; input: { net_area: number } });
  for (let i = 0; i < n; i += 97) {
    const mine = lines.filter((l) => l.request_id === `c-${i}`).map((l) => l.input.net_area);
    t.same(mine, batches[i]!.map((_, k) => 100 + k), `batch ${i}: all its lines, in order`);
  }
  t.equal(new Set(lines.map((l) => l.request_id)).size, n, 'every request id present');
});

t.test('{date} in the path becomes the UTC day; relative paths are under the project; folders are created', async (t) => {
  const dir = tempDir(t);
  const day = new Date().toISOString().slice(0, 10);
  const log = new PredictionLog('data/09_monitoring/deep/predictions-{date}.jsonl', dir);
  t.teardown(() => log.close());
  t.equal(log.path, join(dir, `data/09_monitoring/deep/predictions-${day}.jsonl`));
  t.notOk(existsSync(log.path), 'nothing is created before the first prediction');
  await log.append([entry('d1')]);
  t.ok(existsSync(log.path), 'the file of the day exists');
  t.same(linesOf(log.path).map((l) => l.request_id), ['d1']);
  const abs = join(dir, 'elsewhere', 'x-{date}-{date}.jsonl');
  const absolute = new PredictionLog(abs, '/nonexistent-project-dir');
  t.teardown(() => absolute.close());
  t.equal(absolute.path, join(dir, 'elsewhere', `x-${day}-${day}.jsonl`), 'an absolute path ignores the project folder; every {date} is replaced');
});

t.test('an existing file is appended to, never truncated', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'p.jsonl'), '{"earlier":true}\n');
  const log = new PredictionLog('p.jsonl', dir);
  await log.append([entry('after')]);
  await log.close();
  const lines = linesOf(join(dir, 'p.jsonl'));
  t.same(lines.map((l) => l.earlier ?? l.request_id), [true, 'after']);
});

t.test('a file that cannot be written rejects the append (no hang, no silent loss)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'not-a-folder'), 'x');
  const log = new PredictionLog('not-a-folder/p.jsonl', dir);
  t.equal(await settleWithin(log.append([entry('x')]), 2000), 'rejected');
});

t.test('after a failed write, the log recovers once the file can be written again', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'logs'), 'a file where the folder should be');
  const log = new PredictionLog('logs/p.jsonl', dir);
  t.equal(await settleWithin(log.append([entry('while-broken')]), 2000), 'rejected');
  rmSync(join(dir, 'logs'));
  t.equal(await settleWithin(log.append([entry('after-repair')]), 2000), 'resolved');
});

t.test('close flushes what was appended', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir);
  await log.append([entry('a')]);
  await log.close();
  await log.close(); // twice is harmless
  t.same(linesOf(join(dir, 'p.jsonl')).map((l) => l.request_id), ['a']);
});

inBothModes('close() while a write is in flight resolves once the write is done', async (t, options) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir, undefined, options);
  const appended = log.append([entry('in-flight')]);
  const closed = log.close();
  t.equal(await settleWithin(appended, 2000), 'resolved');
  t.equal(await settleWithin(closed, 2000), 'resolved');
  t.same(linesOf(join(dir, 'p.jsonl')).map((l) => l.request_id), ['in-flight']);
});

inBothModes('an empty append while a write is in flight resolves', async (t, options) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir, undefined, options);
  // (no close at teardown: with the bug, it would never resolve)
  const first = log.append([entry('one')]);
  const empty = log.append([]);
  t.equal(await settleWithin(first, 2000), 'resolved');
  t.equal(await settleWithin(empty, 2000), 'resolved');
});

t.test('writes run inline until most of the last 16 are slow, then on the thread pool', async (t) => {
  const dir = tempDir(t);
  const fast = new PredictionLog('fast.jsonl', dir, undefined, { slowWriteUs: 1e9 });
  const slow = new PredictionLog('slow.jsonl', dir, undefined, { slowWriteUs: -1 });
  t.teardown(() => Promise.all([fast.close(), slow.close()]));
  for (let i = 0; i < 30; i++) {
    await fast.append([entry(`f-${i}`)]);
    await slow.append([entry(`s-${i}`)]);
  }
  t.same(fast.writes, { inline: 30, pool: 0 }, 'fast writes all run inline');
  t.same(slow.writes, { inline: 9, pool: 21 }, 'the ninth slow write of sixteen moves the rest to the pool (a probe comes after a second)');
  t.same(linesOf(slow.path).map((l) => l.request_id), Array.from({ length: 30 }, (_, i) => `s-${i}`), 'every line, in order, whichever way it was written');
});

t.test('on the thread pool, a write is tried inline after a second; writes stay on the pool while it is slow', async (t) => {
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir, undefined, { slowWriteUs: -1 });
  t.teardown(() => log.close());
  for (let i = 0; i < 10; i++) await log.append([entry(`a-${i}`)]);
  t.same(log.writes, { inline: 9, pool: 1 });
  await new Promise((r) => setTimeout(r, 1050));
  await log.append([entry('probe')]);
  await log.append([entry('after')]);
  t.same(log.writes, { inline: 10, pool: 2 }, 'one probe inline, slow again: back to the pool');
  t.same(linesOf(log.path).map((l) => l.request_id).slice(-2), ['probe', 'after']);
});

const RECORD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'sector', 'net_area'],
  properties: { type: { type: 'string', enum: ['casa', 'departamento'] }, sector: { type: 'string' }, net_area: { type: 'number' }, rooms: { type: 'integer' }, new: { type: 'boolean' } },
};

t.test('a record schema of flat scalar fields gives a compiled serialiser that writes the same records', async (t) => {
  const serialize = recordSerializer(RECORD_SCHEMA)!;
  t.type(serialize, 'function');
  const records = [
    { type: 'casa', sector: 'vitacura', net_area: 100 },
    { sector: 'ñuñoa "quoted" \\ back\nslash \u2028 🏠', type: 'departamento', net_area: -33.405061234567891, rooms: 3, new: false },
    { type: 'casa', sector: '', net_area: 1e21, rooms: 0, new: true },
    { type: 'casa', sector: 'x', net_area: 5e-324 },
  ];
  for (const r of records) t.same(JSON.parse(serialize(r)), r, `${JSON.stringify(r).slice(0, 40)}… comes back as it was`);
  t.equal(serialize(null), 'null', 'a value that is not a record goes to JSON.stringify');
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir, RECORD_SCHEMA);
  await log.append(records.map((input, i) => ({ ...entry(`s-${i}`), input })));
  await log.close();
  t.same(linesOf(join(dir, 'p.jsonl')).map((l) => l.input), records, 'the log written with it holds every input');
});

t.test('other record schemas are written by JSON.stringify, so no field can be left out', async (t) => {
  const open = { ...RECORD_SCHEMA, additionalProperties: true };
  const { additionalProperties: _, ...unsaid } = RECORD_SCHEMA;
  const nested = { ...RECORD_SCHEMA, properties: { ...RECORD_SCHEMA.properties, where: { type: 'object' } } };
  const union = { ...RECORD_SCHEMA, properties: { ...RECORD_SCHEMA.properties, rooms: { type: ['integer', 'null'] } } };
  for (const [name, schema] of [['extra fields allowed', open], ['additionalProperties unsaid', unsaid], ['a nested object', nested], ['a union type', union], ['no schema', undefined]] as const) {
    t.equal(recordSerializer(schema as never), undefined, name);
  }
  const dir = tempDir(t);
  const log = new PredictionLog('p.jsonl', dir, open);
  const input = { type: 'casa', sector: 'x', net_area: 1, extra: { kept: true } };
  await log.append([{ ...entry('o'), input }]);
  await log.close();
  t.same(linesOf(join(dir, 'p.jsonl'))[0]!.input, input, 'a field outside the schema is kept');
});

t.test('appendRequest writes the lines append writes, for one record and for a batch (request id as a binding)', async (t) => {
  for (const n of [1, 7, 8, 50]) {
    const dir = tempDir(t);
    const inputs = Array.from({ length: n }, (_, i) => ({ type: 'casa', sector: 'vitacura "ñ"', net_area: 100 + i / 3 }));
    const predictions = Float64Array.from(inputs, (_, i) => 1234.5 + i);
    const byRequest = new PredictionLog('a.jsonl', dir, RECORD_SCHEMA);
    await byRequest.appendRequest('req-1', 'default', '2026-11-26T06.52.46.309Z', inputs, predictions, 0.25);
    await byRequest.close();
    const byEntry = new PredictionLog('b.jsonl', dir, RECORD_SCHEMA);
    await byEntry.append(inputs.map((input, i) => ({ ...entry('req-1', i), input, prediction: predictions[i]! })));
    await byEntry.close();
    const strip = (file: string) => readFileSync(join(dir, file), 'utf8').replace(/"time":"[^"]+"/g, '"time":""');
    t.equal(strip('a.jsonl'), strip('b.jsonl'), `${n} prediction(s): the same text, key for key`);
    t.equal(linesOf(join(dir, 'a.jsonl')).length, n);
  }
});

t.test('a sink that is really slow (a pipe drained 4 KB every 5 ms by another process): writes move to the thread pool, every line arrives in order', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, async (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'slow.jsonl');
  const received = join(dir, 'received.jsonl');
  execFileSync('mkfifo', [fifo]);
  const drain = `
    const fs = require('node:fs');
    const fd = fs.openSync(process.argv[1], 'r'), out = fs.openSync(process.argv[2], 'w'), buf = Buffer.alloc(4096);
    for (let n; (n = fs.readSync(fd, buf, 0, 4096, null)) > 0; ) { fs.writeSync(out, buf, 0, n); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); }`;
  const reader = spawn(process.execPath, ['-e', drain, fifo, received], { stdio: 'inherit' });
  const exited = new Promise<number | null>((resolve) => reader.on('exit', resolve));
  t.teardown(() => reader.kill());
  const log = new PredictionLog(fifo, dir);
  const sent: string[] = [];
  for (let i = 0; i < 60; i++) {
    const batch = Array.from({ length: 10 }, (_, k) => entry(`slow-${i}-${k}`, k));
    sent.push(...batch.map((e) => e.request_id));
    await log.append(batch);
  }
  const writes = log.writes;
  await log.close();
  t.equal(await exited, 0, 'the reader read to the end');
  t.ok(writes.inline >= 9, `the first writes ran inline (${writes.inline})`);
  t.ok(writes.pool > 0, `once most took over 1 ms, writes ran on the thread pool (${writes.pool})`);
  t.same(linesOf(received).map((l) => l.request_id), sent, 'every line, whole and in order');
});
