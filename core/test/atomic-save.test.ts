// Atomic saves: a process killed while writing a dataset leaves the previous file byte-for-byte intact,
// and a format that throws mid-write leaves the old file and no temporary file.

import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ConfigLoader, DataCatalog, fileDatasetType, Registry, type Format } from '../src/index.js';
import { chunkedType } from './fixtures/atomic/chunked-type.js';
import { caught, listFiles, makeProject } from './helpers/project.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/atomic/save-child.ts', import.meta.url));
const V1 = '2030-01-01T00.00.00.000Z';
const V2 = '2030-02-01T00.00.00.000Z';

const CATALOG = [
  'big:',
  '  type: text',
  '  path: data/big.txt',
  'table:',
  '  type: chunked',
  '  path: data/table.txt',
  '  versioned: true',
  '',
].join('\n');

/** Core's types and the test's `chunked` type (a format that writes by path, as native writers do). */
const withChunked = (): Registry => {
  const registry = new Registry();
  registry.registerDatasetType(chunkedType as never);
  return registry;
};

const catalogFor = (dir: string, saveVersion = V1, registry = withChunked()) => {
  const config = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level');
  const { catalog, errors } = DataCatalog.create({
    config,
    credentials: undefined,
    params: {},
    registry,
    projectDir: dir,
    saveVersion,
  });
  if (errors.length > 0) throw errors[0];
  return catalog;
};

/** Kill only once this many bytes of new data sit in the temporary file: the write is under way, not just opened. */
const MIN_TMP_BYTES = 1_000_000;

/** The first `*.tmp` file directly in `dir` holding at least MIN_TMP_BYTES, if any. */
const findTmp = (dir: string): { path: string; size: number } | undefined => {
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    try {
      const size = statSync(path).size;
      if (size >= MIN_TMP_BYTES) return { path, size };
    } catch {
      // Renamed between readdir and stat: the save finished; the caller sees no tmp and the test fails.
    }
  }
  return undefined;
};

interface Killed {
  readonly pid: number;
  readonly tmp: { path: string; size: number } | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts the child saving `dataset`, polls `watchDir` for its temporary file and SIGKILLs it as soon as
 * bytes land there.
 */
const killWhileWriting = async (args: Record<string, unknown>, watchDir: string): Promise<Killed> => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  const deadline = Date.now() + 90_000;
  let tmp: { path: string; size: number } | undefined;
  while (!exited && Date.now() < deadline) {
    tmp = findTmp(watchDir);
    if (tmp) break;
    await sleep(2);
  }
  child.kill('SIGKILL');
  const { code, signal } = await exit;
  return { pid: child.pid ?? -1, tmp, code, signal, stdout, stderr };
};

t.test('SIGKILL while a 200 MB text save is writing its temporary file leaves the previous file intact', async (t) => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': CATALOG });
  const catalog = catalogFor(dir);
  const previous = 'OLD,previous content that must survive\n'.repeat(2000);
  await catalog.save('big', previous);
  const before = readFileSync(join(dir, 'data/big.txt'));
  t.equal(before.length, previous.length);

  const killed = await killWhileWriting(
    { projectDir: dir, dataset: 'big', saveVersion: V2, megabytes: 200 },
    join(dir, 'data'),
  );
  t.equal(killed.stderr, '', 'the child started cleanly');
  t.ok(killed.tmp, 'the temporary file was seen filling before the kill');
  t.equal(killed.signal, 'SIGKILL', 'the child was killed, it did not finish on its own');
  t.notMatch(killed.stdout, /saved/, 'the save never completed');

  const after = readFileSync(join(dir, 'data/big.txt'));
  t.equal(after.length, before.length, 'the target is not truncated');
  t.ok(after.equals(before), 'the previous content is byte-for-byte intact');
  // Compared as booleans: a failure must not make tap diff a 200 MB string.
  t.ok((await catalogFor(dir).load('big')) === previous, 'a new run loads the previous content');

  // What the kill left behind is only the hidden temporary file of the dead process, named after its pid.
  const left = listFiles(join(dir, 'data'));
  t.equal(left.length, 2);
  t.match(left[0], new RegExp(`^\\.big\\.txt\\.${killed.pid}\\.[0-9a-f]{8}\\.tmp$`));
  t.equal(left[1], 'big.txt');
  t.ok(existsSync(killed.tmp!.path), 'the rename never happened');

  await catalogFor(dir).save('big', 'NEW\n');
  t.ok(readFileSync(join(dir, 'data/big.txt'), 'utf8') === 'NEW\n', 'a later save still replaces the file');
});

t.test('SIGKILL while a large versioned save writes by path leaves the previous version the one loaded', async (t) => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': CATALOG });
  const info = await catalogFor(dir, V1).save('table', 'id,x\n1,0.5\n');
  t.same(info, { location: `data/table.txt/${V1}/table.txt`, version: V1 });
  const oldFile = join(dir, 'data/table.txt', V1, 'table.txt');
  const before = readFileSync(oldFile);
  t.equal(before.toString(), 'id,x\n1,0.5\n');

  const killed = await killWhileWriting(
    { projectDir: dir, dataset: 'table', saveVersion: V2, megabytes: 200 },
    join(dir, 'data/table.txt', V2),
  );
  t.equal(killed.stderr, '', 'the child started cleanly');
  t.ok(killed.tmp, 'the temporary file of the new version was seen before the kill');
  t.equal(killed.signal, 'SIGKILL');
  t.notMatch(killed.stdout, /saved/);

  t.ok(readFileSync(oldFile).equals(before), 'the previous version is byte-for-byte intact');
  t.equal(existsSync(join(dir, 'data/table.txt', V2, 'table.txt')), false, 'the new version has no file');
  t.same(
    readdirSync(join(dir, 'data/table.txt', V2)).map((n) => n.endsWith('.tmp')),
    [true],
    'only the dead temporary file',
  );

  const reader = catalogFor(dir, 'unused');
  t.ok((await reader.load('table')) === 'id,x\n1,0.5\n', 'the newest complete version loads, not the big one');
  const versions = await (reader as unknown as { dataset(n: string): { versions(): Promise<string[]> } })
    .dataset('table')
    .versions();
  t.same(versions, [V1], 'the interrupted version is not listed');
});

/** A text format that writes the first bytes of the value, then throws: a crash in the middle of a native writer. */
const flakyFormat: Format<string, Record<string, never>> = {
  name: 'flaky',
  check: (data) => (typeof data === 'string' ? undefined : 'expected a string'),
  decode: (bytes) => bytes.toString('utf8'),
  encode: (data) => Buffer.from(data),
  writePath: async (data, path) => {
    if (!data.startsWith('FAIL')) return writeFile(path, data);
    await writeFile(path, data.slice(0, 4));
    throw new Error('simulated crash after 4 bytes.');
  },
};

t.test('a format that throws mid-write leaves the old file and no temporary file', async (t) => {
  const registry = new Registry();
  registry.registerDatasetType(
    fileDatasetType({ name: 'flaky_text', description: 'fails on demand', format: flakyFormat, properties: {} }),
  );
  const dir = makeProject(t, {
    'conf/base/catalog.yaml':
      'notes:\n  type: flaky_text\n  path: data/notes.txt\nhistory:\n  type: flaky_text\n' +
      '  path: data/history.txt\n  versioned: true\n',
  });

  const first = catalogFor(dir, V1, registry);
  await first.save('notes', 'old notes\n');
  await first.save('history', 'old history\n');

  const second = catalogFor(dir, V2, registry);
  const err = await caught(() => second.save('notes', 'FAIL: new notes\n'));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'notes' (flaky_text at data/notes.txt): simulated crash " +
      'after 4 bytes. What was saved before is intact.',
  );
  t.equal((err.cause as Error).message, 'simulated crash after 4 bytes.', 'the original error is the cause');
  t.equal(readFileSync(join(dir, 'data/notes.txt'), 'utf8'), 'old notes\n');

  const verr = await caught(() => second.save('history', 'FAIL: new history\n'));
  t.equal(verr.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    verr.message,
    "[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'history' (flaky_text at data/history.txt): simulated " +
      'crash after 4 bytes. What was saved before is intact.',
  );
  t.same(
    listFiles(join(dir, 'data')),
    ['history.txt/2030-01-01T00.00.00.000Z/history.txt', 'notes.txt'],
    'no temporary file anywhere, no file for the failed version',
  );
  t.equal(
    await catalogFor(dir, 'unused', registry).load('history'),
    'old history\n',
    'the previous version is still the one loaded',
  );
  t.equal(await catalogFor(dir, 'unused', registry).load('notes'), 'old notes\n');
});

t.test('a type that does not declare atomic saves makes no promise about what was saved before', async (t) => {
  const registry = new Registry();
  registry.registerDatasetType({
    name: 'fragile',
    description: 'a plugin type with no atomicSaves flag',
    schema: { type: 'object', properties: {}, additionalProperties: false },
    create: () => ({
      load: () => 'x',
      save: () => {
        throw new Error('disk full');
      },
      describe: () => ({ type: 'fragile' }),
    }),
  });
  const dir = makeProject(t, { 'conf/base/catalog.yaml': 'notes:\n  type: fragile\n' });
  const err = await caught(() => catalogFor(dir, V1, registry).save('notes', 'new'));
  t.equal(err.message, "[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'notes' (fragile): disk full");
});
