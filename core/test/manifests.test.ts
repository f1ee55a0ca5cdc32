// Every workspace package's package.json declares what its src imports, and imports what it declares:
// each bare import of src/**/*.ts (tests aside) is in dependencies or peerDependencies, and each entry of
// dependencies is imported by src (or, in a project, named as a plugin in dagrun.yaml). Tests and
// benchmarks are not scanned: they may use devDependencies or the workspace root's.
// Lives in core because its tools (esbuild, acorn, yaml) are core's own dependencies.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseJs } from 'acorn';
import { transformSync } from 'esbuild';
import t from 'tap';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

type AstNode = { readonly type: string } & Record<string, unknown>;

/**
 * The package an import specifier names ('@scope/name/sub' -> '@scope/name');
 * undefined for relative, builtin and '#' imports.
 */
const packageOf = (spec: string): string | undefined => {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('#') || isBuiltin(spec)) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

const literal = (node: unknown): string | undefined => {
  const n = node as AstNode | undefined;
  if (n?.type === 'Literal' && typeof n.value === 'string') return n.value;
  const quasis =
    n?.type === 'TemplateLiteral' && (n.expressions as unknown[]).length === 0
      ? (n.quasis as Array<{ value: { cooked: string } }>)
      : undefined;
  return quasis?.[0]?.value.cooked;
};

const isCall = (node: unknown, name: string): boolean => {
  const n = node as AstNode;
  return (
    n.type === 'CallExpression' &&
    (n.callee as AstNode).type === 'Identifier' &&
    (n.callee as { name: string }).name === name
  );
};

/**
 * `require`, `require.resolve`, `createRequire(…)`, `createRequire(…).resolve`, `import.meta.resolve`:
 * calls that name a module.
 */
const namesModule = (callee: AstNode): boolean => {
  if (callee.type === 'Identifier') return callee.name === 'require';
  if (isCall(callee, 'createRequire')) return true;
  if (callee.type !== 'MemberExpression' || (callee.property as { name?: string }).name !== 'resolve') return false;
  const object = callee.object as AstNode;
  return (
    (object.type === 'Identifier' && object.name === 'require') ||
    isCall(object, 'createRequire') ||
    object.type === 'MetaProperty'
  );
};

/**
 * The modules a TypeScript source names: static imports and re-exports (type-only ones too: a package's
 * declaration files name them), dynamic `import('…')` and require-style calls with a literal name. Parsed,
 * so an import written inside a string (a starter's template) is not one. Types written as
 * `typeof import('…')` are not seen.
 */
export const importedModules = (source: string): string[] => {
  // `import type … from` keeps its module once it is an ordinary import; esbuild would drop it.
  const untyped = source.replace(/\b(import|export)\s+type(?=\s*\{|\s+\*|\s+[A-Za-z_$][\w$]*\s+from\b)/g, '$1');
  const js = transformSync(untyped, {
    loader: 'ts',
    format: 'esm',
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  }).code;
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object' || typeof (node as AstNode).type !== 'string') return;
    const n = node as AstNode;
    let spec: string | undefined;
    if (
      n.type === 'ImportDeclaration' ||
      n.type === 'ExportAllDeclaration' ||
      n.type === 'ExportNamedDeclaration' ||
      n.type === 'ImportExpression'
    )
      spec = literal(n.source);
    else if (n.type === 'CallExpression' && namesModule(n.callee as AstNode))
      spec = literal((n.arguments as unknown[])[0]);
    if (spec !== undefined) found.push(spec);
    for (const [key, value] of Object.entries(n)) if (key !== 'type') walk(value);
  };
  walk(parseJs(js, { ecmaVersion: 'latest', sourceType: 'module' }));
  return found;
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.[cm]?[tj]sx?$/.test(name) && !/\.test\.[cm]?[tj]sx?$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });

/** The workspace packages of the root package.json ("core", "plugins/*", …), as folders relative to the root. */
const workspaces = (): string[] =>
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces
    // A glob's '*' skips dot folders, as npm's does (tests make projects/.tmp-* folders).
    .flatMap((w) =>
      w.endsWith('/*')
        ? readdirSync(join(ROOT, w.slice(0, -2)))
            .filter((d) => !d.startsWith('.'))
            .map((d) => `${w.slice(0, -2)}/${d}`)
        : [w],
    )
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
    .sort();

/** Plugins a project's dagrun.yaml lists by package name: the engine imports them for the project. */
const projectPlugins = (dir: string): string[] => {
  const file = join(ROOT, dir, 'dagrun.yaml');
  if (!existsSync(file)) return [];
  const { plugins = [] } = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as {
    plugins?: Array<string | { module: string }>;
  };
  return plugins.map((p) => (typeof p === 'string' ? p : p.module)).flatMap((spec) => packageOf(spec) ?? []);
};

/** What is wrong with one package's manifest, one sentence per problem. */
const manifestProblems = (dir: string): string[] => {
  const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
  const declared = new Set([
    manifest.name,
    ...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies }),
  ]);
  const used = new Set(projectPlugins(dir));
  const problems: string[] = [];
  const src = join(ROOT, dir, 'src');
  for (const file of existsSync(src) ? sourceFiles(src) : []) {
    for (const spec of importedModules(readFileSync(file, 'utf8'))) {
      const pkg = packageOf(spec);
      if (pkg === undefined) continue;
      if (!declared.has(pkg) && !used.has(pkg))
        problems.push(
          `${manifest.name}: ${relative(join(ROOT, dir), file)} imports '${pkg}', which package.json does not ` +
            'declare in dependencies or peerDependencies',
        );
      used.add(pkg);
    }
  }
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (!used.has(dep)) problems.push(`${manifest.name}: dependencies has '${dep}', which nothing in src imports`);
  }
  return problems;
};

t.test('the scan finds every kind of import, and none written inside a string', async (t) => {
  const source = [
    "import type { A } from 'type-only';",
    "import { type B, c } from 'inline-type';",
    "import type * as C from 'type-namespace';",
    "import d from 'unused-default';",
    "import 'side-effect';",
    "import {\n  e,\n} from '@scope/multi-line/sub/path';",
    "export { f } from 're-export';",
    "export type { G } from 'type-re-export';",
    "export * from 'star';",
    "import { readFileSync } from 'node:fs';",
    "import { local } from './local.js';",
    "const template = `import pl from 'in-a-template';`;",
    "// import x from 'in-a-comment';",
    "const lazy = await import('dynamic');",
    "const fromRequire = createRequire(import.meta.url)('created-require');",
    'const req = createRequire(import.meta.url);',
    "const viaRequire = require('plain-require');",
    "const where = import.meta.resolve('meta-resolve');",
    'export const use = (x: number): x is 3 => x / 2 > 1;',
  ].join('\n');
  t.same(importedModules(source).map(packageOf).filter(Boolean).sort(), [
    '@scope/multi-line',
    'created-require',
    'dynamic',
    'inline-type',
    'meta-resolve',
    'plain-require',
    're-export',
    'side-effect',
    'star',
    'type-namespace',
    'type-only',
    'type-re-export',
    'unused-default',
  ]);
});

t.test('each workspace package declares what its src imports, and imports what it declares', async (t) => {
  const dirs = workspaces();
  t.ok(
    ['core', 'bin', 'plugins/serve', 'projects/retail-demo'].every((d) => dirs.includes(d)),
    'the scan reaches core, bin, plugins and projects',
  );
  for (const dir of dirs) t.same(manifestProblems(dir), [], `${dir}/package.json`);
});
