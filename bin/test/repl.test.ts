// `dagrun repl`, driven as a person would: the built CLI in a child process with stdin piped, one line
// at a time, each answer awaited before the next line. A plugin dataset records when the catalog closes.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { DAGRUN, startNode, workspaceTempDir, type Teardown } from './spawn.js';

const PROJECT: Record<string, string> = {
  'package.json': '{ "type": "module" }\n',
  'dagrun.yaml': "name: lab\nplugins:\n  - './plugins/close-probe.ts'\n",
  'pipeline.yaml': `prepare:
  nodes:
    - name: keep
      func: src/nodes.ts#keep
      inputs: [orders, params:min_quantity]
      outputs: kept
__default__:
  pipelines: [prepare]
`,
  'conf/base/catalog.yaml': 'orders:\n  type: json\n  path: data/orders.json\nprobe:\n  type: close_probe\n',
  'conf/base/parameters.yaml': 'min_quantity: 1\nmodel:\n  depth: 2\n',
  'conf/staging/parameters.yaml': 'min_quantity: 5\n',
  'data/orders.json': '[{ "id": 1, "quantity": 3 }, { "id": 2, "quantity": 7 }]\n',
  'src/nodes.ts':
    'export const keep = (orders: Array<{ quantity: number }>, min: number) => ' +
    'orders.filter((o) => o.quantity >= min);\n',
  // A dataset whose close() appends a line to closed.log: proof that the session closed the catalog.
  'plugins/close-probe.ts': `import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin } from '@dagrun/core';

export default definePlugin({
  name: 'close-probe',
  engine: '*',
  register(api) {
    api.registerDatasetType({
      name: 'close_probe',
      description: 'Loads a constant; close() writes closed.log.',
      schema: { type: 'object', properties: {}, additionalProperties: false },
      create: (_options, ctx) => ({
        load: () => 'probe loaded',
        save: () => undefined,
        describe: () => ({ type: 'close_probe' }),
        close: async () => appendFileSync(join(ctx.projectDir, 'closed.log'), 'closed\\n'),
      }),
    });
  },
});
`,
};

const project = (t: Teardown): string => {
  const dir = join(workspaceTempDir(t, 'repl'), 'lab');
  for (const [rel, content] of Object.entries(PROJECT)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
};

interface Session {
  /** Output since the session started. */
  readonly output: () => string;
  /** Types a line, then waits until the output (after what was there) matches `expect`. */
  send(line: string, expect: RegExp): Promise<string>;
  end(): void;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

const session = (args: string[], cwd: string): Session => {
  const child = startNode([DAGRUN, 'repl', ...args], cwd);
  let out = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; stderr: string }>((done) =>
    child.on('close', (code) => done({ code, stderr })),
  );
  const waitFor = (from: number, expect: RegExp): Promise<string> =>
    new Promise((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`no ${expect} in 20 s; output:\n${out}\nstderr:\n${stderr}`)),
        20_000,
      );
      const check = () => {
        const m = expect.exec(out.slice(from));
        if (m) {
          clearTimeout(timer);
          done(m[0]);
        } else waiters.push(check);
      };
      check();
    });
  return {
    output: () => out,
    send: (line, expect) => {
      const from = out.length;
      child.stdin.write(`${line}\n`);
      return waitFor(from, expect);
    },
    end: () => child.stdin.end(),
    exited,
  };
};

t.test(
  'dagrun repl: banner, await catalog.load, params with --env and --params, .exit closes the catalog',
  async (t) => {
    const dir = project(t);
    const s = session(['--env', 'staging', '--params', 'model.depth=7'], dir);
    t.equal(await s.send('', /lab> /), 'lab> ');
    t.equal(
      s
        .output()
        .split('\n')
        .slice(0, 6)
        .join('\n')
        .replace(/Node v[\d.]+/, 'Node vX'),
      [
        "dagrun repl: project 'lab' (env base+local+staging), Node vX",
        "  project    the Project: project.plan('__default__'), project.check(), project.run({ pipeline })",
        "  catalog    await catalog.load('name'); datasets: orders, probe",
        '  params     the parameters, overrides applied: min_quantity, model',
        "  pipelines  pipelines.get('name'); pipelines: prepare, __default__",
        '.exit or Ctrl+D ends the session and closes the catalog.',
      ].join('\n'),
    );
    t.equal(
      await s.send("(await catalog.load('orders')).map((o) => o.id).join('+')", /'1\+2'\nlab> /),
      "'1+2'\nlab> ",
      'top-level await loads a dataset',
    );
    t.equal(await s.send('params.min_quantity', /\d+\nlab> /), '5\nlab> ', '--env staging is layered');
    t.equal(await s.send('params.model.depth * 10', /\d+\nlab> /), '70\nlab> ', '--params is applied and typed');
    t.equal(await s.send("pipelines.get('prepare').nodes.map((n) => n.name)", /\[.*\]\nlab> /), "[ 'keep' ]\nlab> ");
    t.equal(await s.send('project.settings.name', /'\w+'\nlab> /), "'lab'\nlab> ");
    t.equal(await s.send("await catalog.load('probe')", /'probe loaded'\nlab> /), "'probe loaded'\nlab> ");
    t.notOk(existsSync(join(dir, 'closed.log')), 'the catalog is open during the session');
    s.send('.exit', /$^/).catch(() => undefined);
    const { code, stderr } = await s.exited;
    t.equal(code, 0);
    t.equal(stderr, '');
    t.equal(readFileSync(join(dir, 'closed.log'), 'utf8'), 'closed\n', 'the catalog was closed once on exit');
  },
);

t.test('dagrun repl: end of input (Ctrl+D) also ends the session and closes the catalog', async (t) => {
  const dir = project(t);
  const s = session([], dir);
  t.equal(await s.send("await catalog.load('probe')", /'probe loaded'\nlab> /), "'probe loaded'\nlab> ");
  t.equal(await s.send('params.min_quantity', /\d+\nlab> /), '1\nlab> ', 'base parameters without --env');
  // Two lines at once, as from a file: the second waits for the first one's await.
  t.equal(
    await s.send("const rows = await catalog.load('orders')\nrows.length", /undefined\nlab> \d+\nlab> /),
    'undefined\nlab> 2\nlab> ',
  );
  s.end();
  const { code, stderr } = await s.exited;
  t.equal(code, 0);
  t.equal(stderr, '');
  t.equal(readFileSync(join(dir, 'closed.log'), 'utf8'), 'closed\n');
});

t.test('dagrun repl outside a project: exit 2 with what to change, no session', async (t) => {
  const dir = join(project(t), 'conf');
  const s = session([], dir);
  s.end();
  const { code, stderr } = await s.exited;
  t.equal(code, 2);
  t.equal(s.output(), '');
  t.equal(
    stderr,
    `\n[DAGRUN_ERR_CONFIG_NOT_FOUND] Project at ${dir}: expected a dagrun.yaml file, but got no such file.\n` +
      `  Hint: pass --project DIR pointing at a dagrun project, or create one with \`dagrun new NAME\`.\n`,
  );
});
