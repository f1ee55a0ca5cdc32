import t from 'tap';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileTs, importProjectFile, TsCompileError } from './ts-modules.js';
import { makeProject } from '../../test/helpers/project.js';

t.test(
  'a project module and its local imports compile into .dagrun/cache, reused until an input changes',
  async (t) => {
    const dir = makeProject(t, {
      'src/helpers.ts': 'export const twice = (n: number): number => n * 2;\n',
      'src/nodes.ts':
        "import { twice } from './helpers.js';\n" +
        'export const run = (n: number): number => twice(n);\nexport const where = import.meta.url;\n',
    });
    const file = join(dir, 'src/nodes.ts');
    const mod = await importProjectFile(file, dir);
    t.equal((mod.run as (n: number) => number)(21), 42);
    t.equal(mod.where, pathToFileURL(file).href, 'import.meta.url points at the source, not the bundle');
    const builds = () => readdirSync(join(dir, '.dagrun/cache')).filter((n) => !n.endsWith('.json'));
    t.equal(builds().length, 1);
    const first = (await compileTs([file], dir)).get(file);
    t.equal((await compileTs([file], dir)).get(file), first, 'unchanged inputs: the same build');
    writeFileSync(join(dir, 'src/helpers.ts'), 'export const twice = (n: number): number => n * 3;\n');
    const second = (await compileTs([file], dir)).get(file);
    t.not(second, first, 'a changed import: a new build');
    t.ok(typeof second === 'string' && existsSync(second));
  },
);

t.test('TypeScript that does not compile is a TsCompileError naming file:line:col', async (t) => {
  const dir = makeProject(t, { 'src/bad.ts': 'export const f = (x: number => x;\n' });
  const file = join(dir, 'src/bad.ts');
  const err = await importProjectFile(file, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof TsCompileError);
  t.equal((err as TsCompileError).message, 'src/bad.ts:1:29: Expected ")" but found "=>"');
  t.equal((err as TsCompileError).line, 1);
});

t.test('a file outside the project stays an import of its own path (its packages resolve from there)', async (t) => {
  const outside = makeProject(t, {
    'lib/shared.ts':
      "import { relative } from 'node:path';\nexport const rel = (a: string, b: string): string => relative(a, b);\n",
  });
  const dir = makeProject(t, {
    'src/nodes.ts':
      `import { rel } from '${join(outside, 'lib/shared.ts')}';\n` +
      `export const run = (): string => rel('/a', '/a/b');\n`,
  });
  mkdirSync(join(dir, 'src'), { recursive: true });
  const mod = await importProjectFile(join(dir, 'src/nodes.ts'), dir);
  t.equal((mod.run as () => string)(), 'b');
  const target = (await compileTs([join(dir, 'src/nodes.ts')], dir)).get(join(dir, 'src/nodes.ts'));
  t.ok(typeof target === 'string');
  t.equal(
    (await compileTs([join(outside, 'lib/shared.ts')], dir)).get(join(outside, 'lib/shared.ts')),
    undefined,
    'not bundled into this project',
  );
});
