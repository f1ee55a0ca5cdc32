import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LocalStorage } from './local-storage.js';
import { caught, listFiles, makeProject } from '../../../test/helpers/project.js';

t.test('localPath resolves relative paths against the project, keeps absolute ones and strips file://', async (t) => {
  const dir = makeProject(t, {});
  const s = new LocalStorage(dir);
  t.equal(s.protocol, 'file');
  t.equal(s.localPath('data/a.csv'), join(dir, 'data/a.csv'));
  t.equal(s.localPath('/srv/x.csv'), '/srv/x.csv');
  t.equal(s.localPath('file:///srv/x.csv'), '/srv/x.csv');
});

t.test('write creates the folders, writes the bytes and leaves no temporary file', async (t) => {
  const dir = makeProject(t, {});
  const s = new LocalStorage(dir);
  await s.write('data/deep/er/a.bin', new Uint8Array([0, 1, 2, 255]));
  t.same([...readFileSync(join(dir, 'data/deep/er/a.bin'))], [0, 1, 2, 255]);
  t.same((await s.read('data/deep/er/a.bin')).toJSON().data, [0, 1, 2, 255]);
  await s.write('data/deep/er/a.bin', Buffer.from('replaced'));
  t.equal(readFileSync(join(dir, 'data/deep/er/a.bin'), 'utf8'), 'replaced');
  t.same(listFiles(join(dir, 'data')), ['deep/er/a.bin']);
});

t.test('writeVia hands a hidden temporary path beside the target, then renames it into place', async (t) => {
  const dir = makeProject(t, {});
  const s = new LocalStorage(dir);
  writeFileSync(join(dir, 'out.txt'), 'old');
  let tmpSeen = '';
  await s.writeVia('out.txt', async (tmp) => {
    tmpSeen = tmp;
    t.equal(dirname(tmp), dir, 'same folder as the target, so the rename is atomic');
    t.match(basename(tmp), new RegExp(`^\\.out\\.txt\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
    await writeFile(tmp, 'new');
    t.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'old', 'the target keeps its old bytes until the rename');
  });
  t.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'new');
  t.equal(existsSync(tmpSeen), false);
  t.same(readdirSync(dir).sort(), ['dagrun.yaml', 'out.txt']);
});

t.test('a writer that fails mid-way leaves the old file whole and removes its temporary file', async (t) => {
  const dir = makeProject(t, {});
  const s = new LocalStorage(dir);
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data/table.csv'), 'id\n1\n2\n');
  let tmpSeen = '';
  const err = await caught(() =>
    s.writeVia('data/table.csv', async (tmp) => {
      tmpSeen = tmp;
      await writeFile(tmp, 'id\n9');
      throw new Error('disk full');
    }),
  );
  t.equal(err.message, 'disk full', 'the writer error is passed on unchanged');
  t.equal(readFileSync(join(dir, 'data/table.csv'), 'utf8'), 'id\n1\n2\n');
  t.equal(existsSync(tmpSeen), false);
  t.same(readdirSync(join(dir, 'data')), ['table.csv']);

  // A writer that made a folder at the temporary path (some native writers do) is cleaned up too.
  await caught(() =>
    s.writeVia('data/table.csv', async (tmp) => {
      mkdirSync(join(tmp, 'part'), { recursive: true });
      writeFileSync(join(tmp, 'part', 'x'), 'x');
      throw new Error('boom');
    }),
  );
  t.same(readdirSync(join(dir, 'data')), ['table.csv']);

  // A writer that never creates the file fails at the flush, and the target stays.
  const none = await caught(() => s.writeVia('data/table.csv', async () => undefined));
  t.equal((none as NodeJS.ErrnoException).code, 'ENOENT');
  t.equal(readFileSync(join(dir, 'data/table.csv'), 'utf8'), 'id\n1\n2\n');
});

t.test('exists, list and read', async (t) => {
  const dir = makeProject(t, { 'data/v/2024/a.txt': 'A', 'data/v/2025/a.txt': 'B' });
  const s = new LocalStorage(dir);
  t.equal(await s.exists('data/v/2024/a.txt'), true);
  t.equal(await s.exists('data/v'), true, 'a folder exists');
  t.equal(await s.exists('data/nope.txt'), false);
  t.same((await s.list('data/v')).sort(), ['2024', '2025']);
  t.same(await s.list('data/missing'), [], 'listing a missing folder is empty, not an error');
  t.equal((await s.read('data/v/2025/a.txt')).toString(), 'B');
  const err = await caught(() => s.read('data/nope.txt'));
  t.equal((err as NodeJS.ErrnoException).code, 'ENOENT');
});
