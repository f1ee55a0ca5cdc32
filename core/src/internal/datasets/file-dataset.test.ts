import t from 'tap';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { Registry } from '../registry.js';
import { checkSchema } from '../schema.js';
import { jsonType, textType } from './builtins.js';
import type { DatasetContext, DatasetType, Storage } from './dataset.js';
import { fileDatasetType, formatVersion, VERSION_RE } from './file-dataset.js';
import { textFormat } from './formats.js';
import { LocalStorage } from './local-storage.js';
import { caught, listFiles, makeProject, readText } from '../../../test/helpers/project.js';

const V1 = '2024-01-01T00.00.00.000Z';
const V2 = '2024-06-01T12.30.00.000Z';
const V3 = '2025-02-03T04.05.06.007Z';

interface Ctx {
  readonly save?: string;
  readonly load?: string;
  readonly storage?: Storage;
}

/** The context the catalog would hand a dataset, over the project's local disk unless told otherwise. */
const context = (dir: string, name: string, o: Ctx = {}): DatasetContext => {
  const storage = o.storage ?? new LocalStorage(dir);
  return {
    name,
    projectDir: dir,
    credentials: undefined,
    version: { load: o.load, save: o.save ?? V1 },
    storageFor: () => storage,
    codecs: new Registry(),
    parameter: () => undefined,
    hasParameter: () => false,
  };
};

const text = (dir: string, name: string, options: Record<string, unknown>, o: Ctx = {}) =>
  (textType as unknown as DatasetType).create(options, context(dir, name, o));

t.test('a versioned save lands at path/<version>/<file name>', async (t) => {
  const dir = makeProject(t, {});
  const ds = text(dir, 'report', { path: 'data/report.txt', versioned: true }, { save: V1 });
  const info = await ds.save('first');
  t.same(info, { location: `data/report.txt/${V1}/report.txt`, version: V1 });
  t.equal(readText(dir, `data/report.txt/${V1}/report.txt`), 'first');
  t.ok(statSync(join(dir, 'data/report.txt')).isDirectory(), 'the dataset path becomes a folder of versions');
  t.same(listFiles(join(dir, 'data')), [`report.txt/${V1}/report.txt`], 'no temporary file is left behind');
  t.same(ds.describe(), { type: 'text', path: 'data/report.txt', versioned: true, storage: 'file' });
});

t.test('loads take the newest version by name, not by the order of saving', async (t) => {
  const dir = makeProject(t, {});
  const opts = { path: 'data/model.json', versioned: true };
  const json = (o: Ctx) => (jsonType as unknown as DatasetType).create(opts, context(dir, 'model', o));
  await json({ save: V2 }).save({ v: 2 });
  await json({ save: V3 }).save({ v: 3 });
  await json({ save: V1 }).save({ v: 1 }); // saved last, but the oldest version
  const reader = json({ save: 'unused' });
  t.same(await reader.load(), { v: 3 });
  t.same(await reader.versions?.(), [V3, V2, V1], 'newest first');
  t.equal(await reader.exists?.(), true);
});

t.test('a requested load version is the one loaded', async (t) => {
  const dir = makeProject(t, {});
  const opts = { path: 'data/notes.txt', versioned: true };
  await text(dir, 'notes', opts, { save: V1 }).save('one');
  await text(dir, 'notes', opts, { save: V2 }).save('two');
  t.equal(await text(dir, 'notes', opts, { load: V1 }).load(), 'one');
  t.equal(await text(dir, 'notes', opts, { load: V2 }).load(), 'two');
  t.equal(await text(dir, 'notes', opts).load(), 'two');
});

t.test('a missing requested version is DAGRUN_ERR_DATASET_VERSION listing the versions present', async (t) => {
  const dir = makeProject(t, {});
  const opts = { path: 'data/notes.txt', versioned: true };
  const versions = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06'].map(
    (d) => `${d}T00.00.00.000Z`,
  );
  for (const v of versions) await text(dir, 'notes', opts, { save: v }).save(v);
  const err = await caught(() => text(dir, 'notes', opts, { load: '2023-12-31T00.00.00.000Z' }).load());
  t.ok(err instanceof DatasetError);
  t.equal(err.code, 'DAGRUN_ERR_DATASET_VERSION');
  t.equal(
    err.detail,
    "Version of dataset 'notes': " +
      "expected '2023-12-31T00.00.00.000Z' to exist under data/notes.txt, but got no such version.",
  );
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_VERSION] Version of dataset 'notes': " +
      "expected '2023-12-31T00.00.00.000Z' to exist under data/notes.txt, but got no such version.\n" +
      '  Hint: versions present (newest first): 2024-01-06T00.00.00.000Z, ' +
      '2024-01-05T00.00.00.000Z, 2024-01-04T00.00.00.000Z, 2024-01-03T00.00.00.000Z, 2024-01-02T00.00.00.000Z.',
    'the five newest are listed',
  );
});

t.test('a versioned dataset with no version yet is DAGRUN_ERR_DATASET_VERSION', async (t) => {
  const dir = makeProject(t, {});
  const opts = { path: 'data/notes.txt', versioned: true };
  const err = await caught(() => text(dir, 'notes', opts).load());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_VERSION');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_VERSION] Versioned dataset 'notes': expected at least one version under data/notes.txt, " +
      'but got none.\n  Hint: run the node that produces it first.',
  );
  const wanted = await caught(() => text(dir, 'notes', opts, { load: V1 }).load());
  t.equal(wanted.code, 'DAGRUN_ERR_DATASET_VERSION');
  t.equal(
    wanted.message,
    `[DAGRUN_ERR_DATASET_VERSION] Version of dataset 'notes': expected '${V1}' to exist under data/notes.txt, ` +
      `but got no such version.\n  Hint: no version has been saved yet; run the node that produces it.`,
  );
  t.equal(await text(dir, 'notes', opts).exists?.(), false);
  t.same(await text(dir, 'notes', opts).versions?.(), []);

  // A plain file saved before versioning was switched on is not a version either.
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data/other.txt'), 'plain');
  const other = await caught(() => text(dir, 'other', { path: 'data/other.txt', versioned: true }).load());
  t.equal(other.code, 'DAGRUN_ERR_DATASET_VERSION');
});

t.test('folders that are not versions, and versions without their file, are ignored', async (t) => {
  const dir = makeProject(t, {});
  const opts = { path: 'data/notes.txt', versioned: true };
  await text(dir, 'notes', opts, { save: V1 }).save('complete');
  mkdirSync(join(dir, 'data/notes.txt', V3), { recursive: true }); // an interrupted save: folder, no file
  writeFileSync(join(dir, 'data/notes.txt', V3, `.notes.txt.123.abcd.tmp`), 'half');
  mkdirSync(join(dir, 'data/notes.txt/latest'), { recursive: true });
  writeFileSync(join(dir, 'data/notes.txt/latest/notes.txt'), 'not a version name');
  const ds = text(dir, 'notes', opts);
  t.same(await ds.versions?.(), [V1]);
  t.equal(await ds.load(), 'complete');
  const err = await caught(() => text(dir, 'notes', opts, { load: V3 }).load());
  t.equal(
    err.message,
    `[DAGRUN_ERR_DATASET_VERSION] Version of dataset 'notes': expected '${V3}' to exist under data/notes.txt, ` +
      `but got no such version.\n  Hint: versions present (newest first): ${V1}.`,
  );
});

t.test('an unversioned dataset saves at its path and reports no version', async (t) => {
  const dir = makeProject(t, {});
  const ds = text(dir, 'notes', { path: 'data/deep/notes.txt' }, { save: V1 });
  t.equal(await ds.exists?.(), false);
  t.same(await ds.save('hello'), { location: 'data/deep/notes.txt', version: undefined });
  t.equal(readText(dir, 'data/deep/notes.txt'), 'hello');
  t.equal(await ds.exists?.(), true);
  t.same(await ds.versions?.(), []);
  await ds.save('again');
  t.equal(await ds.load(), 'again', 'a second save replaces the file');
  t.same(listFiles(join(dir, 'data')), ['deep/notes.txt']);
  const missing = await caught(() => text(dir, 'gone', { path: 'data/gone.txt' }).load());
  t.equal(missing.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    missing.message,
    "[DAGRUN_ERR_DATASET_LOAD] Dataset 'gone': expected a file at data/gone.txt, but got no such file.\n" +
      '  Hint: check `path` in the catalog entry, or run the pipeline that produces it.',
  );
});

t.test('an absolute path is used as is', async (t) => {
  const dir = makeProject(t, {});
  const elsewhere = makeProject(t, {});
  const ds = text(dir, 'abs', { path: join(elsewhere, 'abs.txt'), versioned: true }, { save: V2 });
  await ds.save('outside');
  t.equal(readText(elsewhere, `abs.txt/${V2}/abs.txt`), 'outside');
  t.equal(existsSync(join(dir, 'abs.txt')), false);
});

t.test(
  'over a storage without a local path, formats encode and decode bytes; versions keep the protocol',
  async (t) => {
    const blobs = new Map<string, Buffer>();
    const storage: Storage = {
      protocol: 'mem',
      read: async (loc) => {
        const b = blobs.get(loc);
        if (!b) throw Object.assign(new Error(`ENOENT: ${loc}`), { code: 'ENOENT' });
        return b;
      },
      write: async (loc, bytes) => void blobs.set(loc, Buffer.from(bytes)),
      exists: async (loc) => blobs.has(loc),
      list: async (loc) => [
        ...new Set(
          [...blobs.keys()].filter((k) => k.startsWith(`${loc}/`)).map((k) => k.slice(loc.length + 1).split('/')[0]!),
        ),
      ],
    };
    const dir = makeProject(t, {});
    const opts = { path: 'mem://bucket/reports/r.txt', versioned: true };
    await text(dir, 'r', opts, { save: V1, storage }).save('v1');
    await text(dir, 'r', opts, { save: V2, storage }).save('v2');
    t.same([...blobs.keys()], [`mem://bucket/reports/r.txt/${V1}/r.txt`, `mem://bucket/reports/r.txt/${V2}/r.txt`]);
    t.equal(await text(dir, 'r', opts, { storage }).load(), 'v2');
    t.equal(await text(dir, 'r', opts, { load: V1, storage }).load(), 'v1');
    const missing = await caught(() => text(dir, 'plain', { path: 'mem://bucket/none.txt' }, { storage }).load());
    t.equal(
      missing.message,
      "[DAGRUN_ERR_DATASET_LOAD] Dataset 'plain': expected a file at mem://bucket/none.txt, " +
        'but got no such file.\n  Hint: check `path` in the catalog entry, or run the pipeline that produces it.',
    );
    t.same(listFiles(dir), ['dagrun.yaml'], 'nothing touched the local disk');
  },
);

t.test('a value of the wrong kind is refused before anything is written', async (t) => {
  const dir = makeProject(t, {});
  const ds = text(dir, 'notes', { path: 'data/notes.txt', versioned: true }, { save: V1 });
  const err = await caught(() => ds.save(42 as unknown as string));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_TYPE_MISMATCH] Dataset 'notes' (text): expected a string, but got the number 42.",
  );
  t.equal(existsSync(join(dir, 'data')), false);
});

t.test('fileDatasetType adds path, versioned and storage_options to the format options, path required', async (t) => {
  const type = fileDatasetType({
    name: 'shout',
    description: 'upper-case text',
    format: textFormat,
    properties: { loud: { type: 'boolean' } },
  });
  t.equal(type.versionable, true);
  t.equal(type.persistent, true);
  const problems = (data: unknown) =>
    checkSchema({
      schema: type.schema,
      data,
      subject: "Catalog entry 's' (shout)",
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      locate: () => ({ file: 'catalog.yaml' }),
    }).map((e) => e.detail);
  t.same(problems({ path: 'a.txt', versioned: true, storage_options: { region: 'x' }, loud: true }), []);
  t.same(problems({ loud: 'yes', extra: 1 }), [
    "Catalog entry 's' (shout): expected option 'path', but got nothing.",
    "Catalog entry 's' (shout): expected only known options, but got unknown option 'extra'.",
    "Catalog entry 's' (shout), field 'loud': expected boolean, but got string \"yes\".",
  ]);
  t.same(problems({ path: '' }), [
    "Catalog entry 's' (shout), field 'path': " +
      'expected a value that must NOT have fewer than 1 characters, but got string "".',
  ]);
});

t.test('versions are named from the save time, sortable and safe in file names', async (t) => {
  const v = formatVersion(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)));
  t.equal(v, '2024-01-02T03.04.05.006Z');
  t.match(v, VERSION_RE);
  t.notMatch('2024-01-02T03:04:05.006Z', VERSION_RE);
  t.notMatch('latest', VERSION_RE);
});
