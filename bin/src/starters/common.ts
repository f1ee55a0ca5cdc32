// Files every starter writes the same way: a strict tsconfig that type-checks the node functions and
// their tests, package.json with the dagrun packages the project uses, dagrun.yaml and .gitignore.

import { VERSION } from '../version.js';

/** A starter: the files of a new project, by path relative to the project folder. */
export interface Starter {
  readonly description: string;
  files(name: string): Record<string, string>;
}

/** Versions a new project depends on: the workspace's own, so `npm install` in the monorepo finds them. */
const DAGRUN_VERSION = `^${VERSION}`;
const DEV_DEPENDENCIES = {
  dagrun: DAGRUN_VERSION,
  '@types/node': '^20.19.0',
  tsx: '^4.20.0',
  typescript: '^7.0.2',
};

/**
 * The compiler options of the monorepo's tsconfig.base.json, written out in full so a project copied
 * elsewhere still type-checks. `allowImportingTsExtensions` lets tests import `../src/nodes.ts`, the
 * path tsx and Node's own TypeScript support both run.
 */
export const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['src/**/*.ts', 'test/**/*.ts'],
  },
  null,
  2,
)}\n`;

export const packageJson = (name: string, dependencies: Record<string, string>): string =>
  `${JSON.stringify(
    {
      name,
      private: true,
      type: 'module',
      scripts: {
        start: 'dagrun run',
        test: 'node --import tsx --test test/*.test.ts',
        typecheck: 'tsc --noEmit -p .',
      },
      dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
      devDependencies: DEV_DEPENDENCIES,
    },
    null,
    2,
  )}\n`;

export const dagrunYaml = (name: string, plugins: readonly string[], comment: string): string =>
  `# ${comment}\n# Plugins add dataset types, hooks and commands (@dagrun/viz: \`dagrun viz\`).\n` +
  `name: ${name}\nplugins:\n${plugins.map((p) => `  - '${p}'\n`).join('')}`;

export const GITIGNORE = `node_modules/\nconf/local/*\n!conf/local/.gitkeep\n.dagrun/\n`;

/** The dagrun packages both starters use: tables (csv) from polars, and the pipeline viewer. */
export const BASE_PLUGINS = ['@dagrun/datasets-polars', '@dagrun/viz'] as const;
export const BASE_DEPENDENCIES: Record<string, string> = {
  '@dagrun/datasets-polars': DAGRUN_VERSION,
  '@dagrun/viz': DAGRUN_VERSION,
  'nodejs-polars': '0.24.1',
};
export { DAGRUN_VERSION };
