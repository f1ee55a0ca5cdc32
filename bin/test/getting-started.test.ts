// docs/getting-started.md's `dagrun repl` session and `openProject` recipe, run as printed against a
// fresh `dagrun new` project, and its quote of the ml starter's catalog. Needs `npx tsc -b`.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { dagrun, DAGRUN, ROOT, runNode, startNode, workspaceTempDir } from './spawn.js';

const DOC = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');

/** The body of the fenced block whose first line starts with `firstLine`. */
const block = (firstLine: string): string => {
  for (const m of DOC.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)) if (m[1]!.startsWith(firstLine)) return m[1]!;
  throw new Error(`docs/getting-started.md: no block starting with ${JSON.stringify(firstLine)}`);
};

t.test('the openProject recipe runs as printed and prints what the page shows', async (t) => {
  const cwd = workspaceTempDir(t, 'recipe');
  t.equal((await dagrun(['new', 'shop'], cwd)).code, 0);
  const dir = join(cwd, 'shop');
  writeFileSync(join(dir, 'explore.ts'), block('// explore.ts:'));
  const shown = block('$ node --import tsx explore.ts\n');
  const r = await runNode(['--import', 'tsx', 'explore.ts'], dir);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  t.equal(r.stdout, shown.slice(shown.indexOf('\n') + 1));
});

t.test('the dagrun repl session on the page gives the answers shown', async (t) => {
  const cwd = workspaceTempDir(t, 'repl-doc');
  t.equal((await dagrun(['new', 'shop'], cwd)).code, 0);
  const shown = block('$ dagrun repl --params min_quantity=3\n');
  const [command, ...rest] = shown.split('\n');
  // The page shows what was typed after each prompt; piped input is not echoed, so compare answers.
  const inputs = [...rest.join('\n').matchAll(/^shop> (.*)$/gm)].map((m) => m[1]!);
  const expected = rest.join('\n').split(/^shop> .*\n?/m);
  t.same(inputs, ["const orders = await catalog.load('orders')", 'orders.height', 'params.min_quantity', '.exit']);

  const child = startNode([DAGRUN, ...command!.split(' ').slice(2)], join(cwd, 'shop'));
  child.stdin.end(`${inputs.join('\n')}\n`);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const code = await new Promise((done) => child.on('close', done));
  t.equal(code, 0);
  const answers = stdout.replace(/Node v[\d.]+/, 'Node v20.20.2').split('shop> ');
  t.same(answers, expected);
});

t.test("the page's quote of the ml starter's catalog is what it writes", async (t) => {
  const cwd = workspaceTempDir(t, 'ml-doc');
  t.equal((await dagrun(['new', 'houses', '--starter', 'ml'], cwd)).code, 0);
  const quoted = block('# conf/base/catalog.yaml (written by dagrun new --starter ml)\n');
  const written = readFileSync(join(cwd, 'houses/conf/base/catalog.yaml'), 'utf8');
  t.match(written, quoted.slice(quoted.indexOf('\n') + 1));
});
