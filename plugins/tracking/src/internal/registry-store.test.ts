// The model registry on disk: versions numbered 1, 2, 3 (never shared, even by two processes registering at
// once), aliases set, moved and deleted, and an alias that a process killed mid-move still names a version:
// the old one or the new one, never none, and no temp file passes for an alias.
// Children get a user's environment: tap's loader hooks in NODE_OPTIONS hang a child on Node 22.
import { cleanEnv } from '../../../../bin/test/spawn.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { ModelRegistry, parseModelUri } from './registry-store.js';
import { TrackingStore } from './store.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..', '..', '..');
const REGISTRY_URL = pathToFileURL(join(HERE, 'registry-store.ts')).href;

const tempStore = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-registry-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return TrackingStore.open(join(dir, 'mlruns')).root;
};

/** The error `f` throws (tap's t.throws matches a message as a substring; these tests want it exact). */
const thrown = (f: () => unknown): Error & { code?: string } => {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a throw, but got none');
};

const SOURCE = {
  source: 'runs:/0123456789abcdef0123456789abcdef/model',
  storageLocation: 'file:///tmp/model',
  runId: '0123456789abcdef0123456789abcdef',
};

/** A node process running `code` (an ES module) with the registry's source URL in REGISTRY_URL. */
const node = (t: Test, code: string, env: Record<string, string>): ChildProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: REPO,
    env: { ...cleanEnv(), REGISTRY_URL, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
};

t.test('versions are numbered 1, 2, 3; the model is made with its first', async (t) => {
  const root = tempStore(t);
  const registry = new ModelRegistry(root);
  t.same(registry.models(), [], 'an empty registry');
  const made = [1, 2, 3].map((i) =>
    registry.createVersion('pricing', { ...SOURCE, description: `v${i}`, tags: { stage: `s${i}` } }),
  );
  t.same(
    made.map((v) => v.version),
    [1, 2, 3],
  );
  t.same(
    registry.versions('pricing').map((v) => [v.version, v.description, v.tags.stage, v.currentStage, v.status]),
    [
      [1, 'v1', 's1', 'None', 'READY'],
      [2, 'v2', 's2', 'None', 'READY'],
      [3, 'v3', 's3', 'None', 'READY'],
    ],
  );
  t.same(
    registry.models().map((m) => m.name),
    ['pricing'],
  );
  t.equal(registry.version('pricing', 2).runId, SOURCE.runId);

  // A gap (a version deleted by hand) is not reused: the next is after the largest.
  rmSync(join(root, 'models', 'pricing', 'version-2'), { recursive: true });
  t.equal(registry.createVersion('pricing', SOURCE).version, 4);
  t.same(
    registry.versions('pricing').map((v) => v.version),
    [1, 3, 4],
  );

  // MLflow marks a deleted version Deleted_Internal: not listed, not resolved.
  const v3 = join(root, 'models', 'pricing', 'version-3', 'meta.yaml');
  writeFileSync(v3, readFileSync(v3, 'utf8').replace('current_stage: None', 'current_stage: Deleted_Internal'));
  t.same(
    registry.versions('pricing').map((v) => v.version),
    [1, 4],
  );
  t.equal(
    thrown(() => registry.version('pricing', 3)).message,
    "[DAGRUN_ERR_REGISTRY_NOT_FOUND] Model 'pricing' version 3: expected a registered version, but got a deleted one.",
  );
});

t.test('tag values are kept as written (only alias files are trimmed)', async (t) => {
  const root = tempStore(t);
  const registry = new ModelRegistry(root);
  registry.createVersion('pricing', { ...SOURCE, tags: { note: 'line one\nline two\n', pad: '  x  ' } });
  fs.mkdirSync(join(root, 'models', 'pricing', 'tags'));
  fs.mkdirSync(join(root, 'models', 'pricing', 'aliases'));
  writeFileSync(join(root, 'models', 'pricing', 'tags', 'team'), 'pricing\n');
  writeFileSync(join(root, 'models', 'pricing', 'aliases', 'champion'), '1\n');
  t.same(registry.version('pricing', 1).tags, { note: 'line one\nline two\n', pad: '  x  ' });
  t.same(registry.model('pricing').tags, { team: 'pricing\n' });
  t.same(
    registry.model('pricing').aliases,
    { champion: '1' },
    'a hand-written alias file with a newline still names version 1',
  );
});

t.test('a model name may not be a path', async (t) => {
  const root = tempStore(t);
  const registry = new ModelRegistry(root);
  for (const name of ['a/b', 'a\\b', '100%', '.', '..']) {
    t.equal(
      thrown(() => registry.createVersion(name, SOURCE)).message,
      `[DAGRUN_ERR_REGISTRY_URI] Model name '${name}': ` +
        `expected a name without '/', '\\' or '%' (and not '.' or '..'), but got '${name}'.`,
      name,
    );
  }
  t.same(
    readdirSync(root).filter((f) => f.endsWith('.yaml')),
    [],
    'nothing written into the store root',
  );
  t.notOk(fs.existsSync(join(root, 'models')), 'nor a models/ folder made');
});

t.test('aliases: set, moved, deleted; resolved through models:/NAME@ALIAS', async (t) => {
  const root = tempStore(t);
  const registry = new ModelRegistry(root);
  for (let i = 0; i < 3; i++) registry.createVersion('pricing', SOURCE);
  registry.setAlias('pricing', 'champion', 1);
  t.equal(registry.resolve('models:/pricing@champion').version, 1);
  registry.setAlias('pricing', 'champion', 3);
  registry.setAlias('pricing', 'challenger', 2);
  t.equal(registry.resolve('models:/pricing@champion').version, 3, 'moved');
  t.same(registry.model('pricing').aliases, { challenger: '2', champion: '3' });
  t.same(registry.version('pricing', 3).aliases, ['champion']);
  t.same(registry.version('pricing', 1).aliases, []);
  t.match(
    readFileSync(join(root, 'models', 'pricing', 'meta.yaml'), 'utf8'),
    "aliases:\n  challenger: '2'\n  champion: '3'\n",
    'the snapshot in meta.yaml follows',
  );

  registry.deleteAlias('pricing', 'challenger');
  t.same(registry.model('pricing').aliases, { champion: '3' });
  t.match(readFileSync(join(root, 'models', 'pricing', 'meta.yaml'), 'utf8'), "aliases:\n  champion: '3'\n");
  t.equal(thrown(() => registry.resolve('models:/pricing@challenger')).code, 'DAGRUN_ERR_REGISTRY_NOT_FOUND');

  const badAlias = (a: string) =>
    `[DAGRUN_ERR_REGISTRY_URI] Alias '${a}': expected letters, digits, '_' or '-' starting with a letter ` +
    `(not 'latest' nor v<number>, as in MLflow), but got '${a}'.`;
  for (const a of ['latest', 'LATEST', 'v3', 'V12', '1st', 'a b', '../meta'])
    t.equal(thrown(() => registry.setAlias('pricing', a, 1)).message, badAlias(a), a);
  t.equal(
    thrown(() => registry.setAlias('pricing', 'champion', 9)).message,
    "[DAGRUN_ERR_REGISTRY_NOT_FOUND] Model 'pricing' version 9: expected a registered version, but got none.\n" +
      '  Hint: dagrun models show pricing',
  );
  t.equal(registry.resolve('models:/pricing@champion').version, 3, 'a refused move leaves the alias');
  t.equal(
    thrown(() => registry.deleteAlias('pricing', '../meta.yaml')).message,
    "[DAGRUN_ERR_REGISTRY_URI] Alias '../meta.yaml': expected letters, digits, '_' or '-', but got '../meta.yaml'.",
  );
  t.ok(fs.existsSync(join(root, 'models', 'pricing', 'meta.yaml')), 'never a path out of aliases/');
});

t.test('model URIs', async (t) => {
  t.same(parseModelUri('models:/property-valuation@champion'), { name: 'property-valuation', alias: 'champion' });
  t.same(parseModelUri('models:/property valuation/12'), { name: 'property valuation', version: 12 });
  for (const bad of ['models:/x', 'models:/x/', 'models:/x@', 'models:/x/1a', 'runs:/abc/model', 'models:/a/b/1']) {
    t.equal(
      thrown(() => parseModelUri(bad)).message,
      `[DAGRUN_ERR_REGISTRY_URI] Model URI '${bad}': ` +
        'expected models:/NAME/VERSION or models:/NAME@ALIAS, but got another form.\n' +
        '  Hint: e.g. models:/property-valuation@champion',
      bad,
    );
  }
});

t.test('two processes registering at once never share a version number', async (t) => {
  const root = tempStore(t);
  const code = `
const { ModelRegistry } = await import(process.env.REGISTRY_URL);
const registry = new ModelRegistry(process.env.ROOT);
const got = [];
for (let i = 0; i < 15; i++) {
  const source = 'runs:/' + process.env.WHO + '/model';
  const description = process.env.WHO + ' ' + i;
  const v = registry.createVersion('pricing', { source, storageLocation: 'file:///x', runId: null, description });
  got.push(v.version);
}
process.stdout.write(JSON.stringify(got) + '\\n');
`;
  const children = ['a', 'b'].map((who) => node(t, code, { ROOT: root, WHO: who }));
  const outputs = await Promise.all(
    children.map(
      async (c) => JSON.parse(((await once(createInterface({ input: c.stdout! }), 'line')) as [string])[0]) as number[],
    ),
  );
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
  const all = outputs.flat().sort((x, y) => x - y);
  t.same(
    all,
    Array.from({ length: 30 }, (_, i) => i + 1),
    'versions 1..30, each once',
  );
  const versions = new ModelRegistry(root).versions('pricing');
  t.equal(versions.length, 30);
  for (const v of versions) {
    const who = v.source.split('/')[1];
    t.ok(outputs[who === 'a' ? 0 : 1]!.includes(v.version), `version ${v.version} is the one ${who} was told it made`);
  }
});

t.test('an alias moved by a process killed at a random moment still names version 1 or 2', async (t) => {
  const root = tempStore(t);
  const registry = new ModelRegistry(root);
  registry.createVersion('pricing', SOURCE);
  registry.createVersion('pricing', SOURCE);
  registry.setAlias('pricing', 'champion', 1);
  const code = `
const { ModelRegistry } = await import(process.env.REGISTRY_URL);
const registry = new ModelRegistry(process.env.ROOT);
registry.setAlias('pricing', 'champion', 2);
process.stdout.write('moving\\n');
for (let i = 1; ; i++) registry.setAlias('pricing', 'champion', 1 + (i % 2));
`;
  const seen = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const child = node(t, code, { ROOT: root });
    await once(createInterface({ input: child.stdout! }), 'line');
    await sleep(Math.random() * 40);
    child.kill('SIGKILL');
    await once(child, 'exit');

    const version = registry.resolve('models:/pricing@champion').version;
    t.ok(version === 1 || version === 2, `round ${round}: the alias names version ${version}`);
    seen.add(version);
    const file = readFileSync(join(root, 'models', 'pricing', 'aliases', 'champion'), 'utf8');
    t.ok(file === '1' || file === '2', `round ${round}: the alias file holds '${file}'`);
    t.same(
      Object.keys(registry.model('pricing').aliases),
      ['champion'],
      `round ${round}: only the real alias is listed`,
    );
  }
  t.same([...seen].sort(), [1, 2], 'the killed processes did move the alias (both versions seen)');
  const leftover = readdirSync(join(root, 'models', 'pricing', 'aliases')).filter((f) => f.endsWith('.tmp'));
  t.comment(`temp files left in aliases/ by killed writes: ${leftover.length} (never read as aliases)`);
});

t.test('a temp file left in aliases/ is never an alias', async (t) => {
  const root = tempStore(t);
  const registry = new ModelRegistry(root);
  registry.createVersion('pricing', SOURCE);
  registry.setAlias('pricing', 'champion', 1);
  writeFileSync(join(root, 'models', 'pricing', 'aliases', '.0123456789ab.tmp'), '');
  t.same(registry.model('pricing').aliases, { champion: '1' });
  t.equal(thrown(() => registry.resolve('models:/pricing@.0123456789ab.tmp')).code, 'DAGRUN_ERR_REGISTRY_URI');
});
