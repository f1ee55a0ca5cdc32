// Item 6/7 of the engine issue: plugins listed in dagrun.yaml (local .ts files with options) that add
// dataset types, hooks, codecs and commands; and the checks at registration (engine range,
// dependencies, a module that is no plugin).

import t from 'tap';
import { CheckError, ENGINE_VERSION, formatLocation, openProject } from '../src/index.js';
import { caught, listFiles, makeProject, readJson, readText, type TapTest } from './helpers/project.js';

// A dataset type storing a list of strings joined by a separator the plugin gets as an option.
const LINES_PLUGIN = `
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export default {
  name: 'lines',
  engine: '^0.1.0',
  register(api: any, options: { separator: string }) {
    api.registerDatasetType({
      name: 'lines',
      description: 'A list of strings in a text file.',
      schema: {
        type: 'object',
        properties: { path: { type: 'string' }, upper: { type: 'boolean' } },
        required: ['path'],
        additionalProperties: false,
      },
      create: (opts: { path: string; upper?: boolean }, ctx: any) => {
        const file = join(ctx.projectDir, opts.path);
        return {
          load: () => readFileSync(file, 'utf8').split(options.separator),
          save: (data: string[]) => {
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, data.map((s) => (opts.upper ? s.toUpperCase() : s)).join(options.separator));
            return { location: opts.path };
          },
          exists: () => existsSync(file),
          describe: () => ({ type: 'lines', path: opts.path }),
        };
      },
    });
  },
};
`;

const NODES_TS = `
export const reverse = (words: string[]) => [...words].reverse();
export const hello = () => 'hi';
`;
// A pipeline that needs no plugin, for the registration failures.
const PLAIN = {
  'conf/base/catalog.yaml': '',
  'pipeline.yaml': '__default__:\n  nodes:\n    - { name: hello, func: src/nodes.ts#hello, outputs: greeting }\n',
};

const project = (t: TapTest, files: Record<string, string>) =>
  makeProject(t, {
    'plugins/lines.ts': LINES_PLUGIN,
    'src/nodes.ts': NODES_TS,
    'pipeline.yaml':
      '__default__:\n  nodes:\n    - { name: reverse, func: src/nodes.ts#reverse, inputs: words, outputs: reversed }\n',
    'conf/base/catalog.yaml':
      'words:\n  type: lines\n  path: data/words.txt\nreversed:\n  type: lines\n  path: data/reversed.txt\n' +
      '  upper: true\n',
    'data/words.txt': 'alpha;beta;gamma',
    ...files,
  });

t.test('a plugin from dagrun.yaml (local .ts, options) adds a dataset type used end to end', async (t) => {
  const dir = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - module: ./plugins/lines.ts\n    options: { separator: ";" }\n',
  });
  const p = await openProject({ projectDir: dir });
  t.same(p.check(), []);
  t.ok(p.registry.datasetType('lines'), 'registered');
  const out = await p.run();
  t.equal(
    readText(dir, 'data/reversed.txt'),
    'GAMMA;BETA;ALPHA',
    'loaded and saved by the plugin type, with its option and the entry option',
  );
  t.same(
    out.record.datasets.map((d) => [d.name, d.location]),
    [['reversed', 'data/reversed.txt']],
  );
  const { catalog } = p.createCatalog();
  t.same(catalog.describe('words'), { type: 'lines', path: 'data/words.txt' });

  // The plugin type's schema checks catalog entries like a built-in one, naming the entry and line.
  const bad = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - module: ./plugins/lines.ts\n    options: { separator: ";" }\n',
    'conf/base/catalog.yaml':
      'words:\n  type: lines\n  path: data/words.txt\nreversed:\n  type: lines\n  pth: data/reversed.txt\n',
  });
  const errors = (await openProject({ projectDir: bad })).check();
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/catalog.yaml:4:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'reversed' (lines): expected " +
        "option 'path', but got nothing.\n  Hint: add 'path: …' to this entry.",
      "conf/base/catalog.yaml:6:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'reversed' (lines): expected only " +
        "known options, but got unknown option 'pth'.\n  Hint: did you mean: 'path'?",
    ],
  );

  // Without the plugin the type is unknown.
  const without = project(t, {});
  const unknown = (await openProject({ projectDir: without })).check();
  t.same(
    unknown.map((e) => e.code),
    ['DAGRUN_ERR_CATALOG_UNKNOWN_TYPE', 'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE'],
  );
  t.equal(unknown[0]!.detail, "Type of catalog entry 'words': expected a registered dataset type, but got 'lines'.");
});

/** openProject() collects the plugin problem; check() lists it; run() refuses with nothing run or written. */
const expectPluginProblem = async (t: TapTest, dir: string, code: string, at: string, message: string) => {
  const before = listFiles(dir);
  const p = await openProject({ projectDir: dir });
  const errors = p.check();
  t.same(
    errors.map((e) => e.code),
    [code],
  );
  t.same(
    errors.map((e) => formatLocation(e.location)),
    [at],
  );
  t.equal(errors[0]!.message, message);
  const err = await caught(() => p.run());
  t.ok(err instanceof CheckError);
  t.same(
    (err as unknown as CheckError).errors.map((e) => e.message),
    [message],
  );
  t.same(listFiles(dir), before, 'nothing run, nothing written');
};

t.test('a plugin for another engine version is DAGRUN_ERR_PLUGIN_VERSION', async (t) => {
  const dir = project(t, {
    'dagrun.yaml':
      'name: test-project\nplugins:\n  - module: ./plugins/lines.ts\n    options: { separator: ";" }\n' +
      '  - ./plugins/future.ts\n',
    'plugins/future.ts': "export default { name: 'future', engine: '>=2.0.0 <3', register() {} };\n",
  });
  await expectPluginProblem(
    t,
    dir,
    'DAGRUN_ERR_PLUGIN_VERSION',
    'dagrun.yaml:5:5',
    `dagrun.yaml:5:5 [DAGRUN_ERR_PLUGIN_VERSION] Plugin 'future' (from ./plugins/future.ts): expected engine ` +
      `>=2.0.0 <3, but got @dagrun/core ${ENGINE_VERSION}.\n` +
      '  Hint: install a version of the plugin made for this engine, or upgrade @dagrun/core.',
  );
});

t.test('a plugin whose dependency is missing, or listed after it, is DAGRUN_ERR_PLUGIN_DEPENDENCY', async (t) => {
  const child = "export default { name: 'child', dependencies: ['lines'], register() {} };\n";
  const missing = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - ./plugins/child.ts\n',
    'plugins/child.ts': child,
    ...PLAIN,
  });
  await expectPluginProblem(
    t,
    missing,
    'DAGRUN_ERR_PLUGIN_DEPENDENCY',
    'dagrun.yaml:3:5',
    "dagrun.yaml:3:5 [DAGRUN_ERR_PLUGIN_DEPENDENCY] Plugin 'child' (from ./plugins/child.ts): expected plugin " +
      "'lines' to be registered before it, but got no plugin.\n" +
      "  Hint: list 'lines' above 'child' under plugins in dagrun.yaml.",
  );

  const other = "export default { name: 'other', register() {} };\n";
  const late = project(t, {
    'dagrun.yaml':
      'name: test-project\nplugins:\n  - ./plugins/other.ts\n  - ./plugins/child.ts\n' +
      '  - module: ./plugins/lines.ts\n    options: { separator: ";" }\n',
    'plugins/child.ts': child,
    'plugins/other.ts': other,
  });
  await expectPluginProblem(
    t,
    late,
    'DAGRUN_ERR_PLUGIN_DEPENDENCY',
    'dagrun.yaml:4:5',
    "dagrun.yaml:4:5 [DAGRUN_ERR_PLUGIN_DEPENDENCY] Plugin 'child' (from ./plugins/child.ts): expected plugin " +
      "'lines' to be registered before it, but got 'other'.\n" +
      "  Hint: list 'lines' above 'child' under plugins in dagrun.yaml.",
  );

  const ordered = project(t, {
    'dagrun.yaml':
      'name: test-project\nplugins:\n  - module: ./plugins/lines.ts\n    options: { separator: ";" }\n' +
      '  - ./plugins/child.ts\n',
    'plugins/child.ts': child,
  });
  t.same((await openProject({ projectDir: ordered })).check(), [], 'listed in order, it registers');
});

t.test('a module that is no plugin, or cannot be found, is DAGRUN_ERR_PLUGIN_LOAD', async (t) => {
  const noExport = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - ./plugins/helpers.ts\n',
    'plugins/helpers.ts': 'export const plugn = { name: "x", register() {} };\n',
    ...PLAIN,
  });
  await expectPluginProblem(
    t,
    noExport,
    'DAGRUN_ERR_PLUGIN_LOAD',
    'dagrun.yaml:3:5',
    "dagrun.yaml:3:5 [DAGRUN_ERR_PLUGIN_LOAD] Plugin './plugins/helpers.ts': expected a default (or 'plugin') " +
      "export made with definePlugin(), but got none.\n  Hint: did you mean: 'plugn'?",
  );

  const notAPlugin = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - ./plugins/bad.ts\n',
    'plugins/bad.ts': 'export default { name: "bad" };\n',
    ...PLAIN,
  });
  await expectPluginProblem(
    t,
    notAPlugin,
    'DAGRUN_ERR_PLUGIN_LOAD',
    'dagrun.yaml:3:5',
    "dagrun.yaml:3:5 [DAGRUN_ERR_PLUGIN_LOAD] Plugin './plugins/bad.ts': expected a default (or 'plugin') " +
      'export made with definePlugin(), but got object.',
  );

  const named = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - ./plugins/named.ts\n',
    'plugins/named.ts': 'export const plugin = { name: "named", register() {} };\n',
    ...PLAIN,
  });
  t.same((await openProject({ projectDir: named })).check(), [], "a 'plugin' named export is accepted");

  const absent = project(t, { 'dagrun.yaml': 'name: test-project\nplugins:\n  - ./plugins/nope.ts\n', ...PLAIN });
  await expectPluginProblem(
    t,
    absent,
    'DAGRUN_ERR_PLUGIN_LOAD',
    'dagrun.yaml:3:5',
    `dagrun.yaml:3:5 [DAGRUN_ERR_PLUGIN_LOAD] Plugin './plugins/nope.ts': expected a module that resolves from ` +
      `${absent}, but got no file at ./plugins/nope.ts.`,
  );

  const pkg = project(t, { 'dagrun.yaml': 'name: test-project\nplugins:\n  - "@dagrun/no-such-plugin"\n', ...PLAIN });
  const p = await openProject({ projectDir: pkg });
  const [err] = p.check();
  t.equal(err!.code, 'DAGRUN_ERR_PLUGIN_LOAD');
  t.match(
    err!.message,
    new RegExp(
      /^dagrun\.yaml:3:5 \[DAGRUN_ERR_PLUGIN_LOAD\] Plugin '@dagrun\/no-such-plugin': /.source +
        /expected a module that resolves from .*, but got Cannot find module '@dagrun\/no-such-plugin'/.source,
    ),
  );
  t.equal(err!.hint, 'Hint: npm install @dagrun/no-such-plugin in the project (or the workspace).');

  const throwing = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - ./plugins/t.ts\n',
    'plugins/t.ts': 'export default { name: "t", register() { throw new Error("no token"); } };\n',
    ...PLAIN,
  });
  await expectPluginProblem(
    t,
    throwing,
    'DAGRUN_ERR_PLUGIN_LOAD',
    'dagrun.yaml:3:5',
    "dagrun.yaml:3:5 [DAGRUN_ERR_PLUGIN_LOAD] Plugin './plugins/t.ts': expected register() to succeed, but got " +
      'no token.',
  );

  const clash = project(t, {
    'dagrun.yaml': 'name: test-project\nplugins:\n  - ./plugins/json.ts\n',
    'plugins/json.ts':
      'export default { name: "json2", register(api: any) { api.registerDatasetType({ name: "json", ' +
      'description: "", schema: {}, create() {} }); } };\n',
    ...PLAIN,
  });
  await expectPluginProblem(
    t,
    clash,
    'DAGRUN_ERR_CATALOG_DUPLICATE_TYPE',
    'dagrun.yaml:3:5',
    "dagrun.yaml:3:5 [DAGRUN_ERR_CATALOG_DUPLICATE_TYPE] Dataset type 'json': expected one registration, but " +
      'got a second.',
  );
});

t.test('a plugin adds hooks, a codec for the object type, and a command', async (t) => {
  const dir = makeProject(t, {
    'package.json': '{ "type": "module" }\n',
    'dagrun.yaml':
      'name: test-project\nplugins:\n  - module: ./plugins/money.ts\n    options: { audit: data/audit.log }\n',
    'src/money.ts': `
export class Money {
  constructor(readonly cents: number, readonly currency: string) {}
  plus(o: Money): Money { return new Money(this.cents + o.cents, this.currency); }
}
`,
    'plugins/money.ts': `
import { Money } from '../src/money.ts';

export default {
  name: 'money',
  register(api: any, options: { audit: string }) {
    api.registerCodec({
      name: 'money',
      test: (v: unknown) => v instanceof Money,
      serialize: (m: Money) => ({ cents: m.cents, currency: m.currency }),
      deserialize: (j: { cents: number; currency: string }) => new Money(j.cents, j.currency),
    });
    api.registerHooks({
      beforeNodeRun: (e: any) => { (globalThis as any).__dagrunMoneyHooks.push('before ' + e.node.name); },
      afterNodeRun: (e: any) => {
        (globalThis as any).__dagrunMoneyHooks.push('after ' + e.node.name + ' ' + Object.keys(e.outputs).join(','));
      },
    });
    api.registerCommand({
      name: 'money-report',
      description: 'Prints what the money plugin was given.',
      action: async (_args: readonly string[], _opts: unknown, ctx: any) => {
        ctx.stdout('audit at ' + options.audit + ' in ' + ctx.projectDir);
        return 0;
      },
    });
  },
};
`,
    'src/nodes.ts': `
import { Money } from './money.ts';
export const price = () => new Money(1250, 'EUR');
export const withTax = (m: Money) => {
  if (!(m instanceof Money)) throw new Error('expected a Money, got ' + JSON.stringify(m));
  return m.plus(new Money(250, m.currency));
};
export const describe = (m: Money) => m.cents / 100 + ' ' + m.currency;
`,
    'pipeline.yaml': `__default__:
  nodes:
    - { name: price, func: src/nodes.ts#price, outputs: base_price }
    - { name: with_tax, func: src/nodes.ts#withTax, inputs: base_price, outputs: total_price }
    - { name: describe, func: src/nodes.ts#describe, inputs: total_price, outputs: label }
`,
    'conf/base/catalog.yaml':
      'base_price:\n  type: object\n  path: data/base_price.json\ntotal_price:\n  type: object\n' +
      '  path: data/total_price.json\n  codec: money\n',
  });
  (globalThis as Record<string, unknown>).__dagrunMoneyHooks = [];
  const p = await openProject({ projectDir: dir });
  t.same(p.check(), []);
  const out = await p.run();
  t.same(
    readJson(dir, 'data/base_price.json'),
    { dagrun_object: 1, codec: 'money', data: { cents: 1250, currency: 'EUR' } },
    'the codec was picked by its test()',
  );
  t.same(
    readJson(dir, 'data/total_price.json'),
    { dagrun_object: 1, codec: 'money', data: { cents: 1500, currency: 'EUR' } },
    'the codec named in the entry',
  );
  t.equal(out.outputs.get('label'), '15 EUR', 'the loaded value is a Money again (the node checks instanceof)');
  t.same(
    (globalThis as Record<string, unknown>).__dagrunMoneyHooks,
    [
      'before price',
      'after price base_price',
      'before with_tax',
      'after with_tax total_price',
      'before describe',
      'after describe label',
    ],
    "the plugin's hooks ran around each node",
  );

  const [cmd] = p.registry.commands();
  t.equal(cmd?.name, 'money-report');
  const lines: string[] = [];
  t.equal(await cmd!.action([], {}, { projectDir: dir, stdout: (l) => lines.push(l), stderr: () => undefined }), 0);
  t.same(lines, [`audit at data/audit.log in ${dir}`], 'the command sees the options from dagrun.yaml');

  // Without the codec, a Money cannot be saved by the object type.
  const plain = makeProject(t, {
    'package.json': '{ "type": "module" }\n',
    'src/money.ts': 'export class Money { constructor(readonly cents: number) {} }\n',
    'src/nodes.ts': "import { Money } from './money.ts';\nexport const price = () => new Money(1);\n",
    'pipeline.yaml': '__default__:\n  nodes:\n    - { name: price, func: src/nodes.ts#price, outputs: base_price }\n',
    'conf/base/catalog.yaml': 'base_price:\n  type: object\n  path: data/base_price.json\n',
  });
  const err = await caught(async () => (await openProject({ projectDir: plain })).run());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    err.detail,
    "Node 'price' (src/nodes.ts#price): Dataset 'base_price' (object): expected a plain object or a value some " +
      'registered codec handles, but got an instance of Money (register a Codec for it, or use serializer: v8).',
  );
});
