// `--params` values and YAML that would hurt the process (a value holding itself, a key that reaches
// into JavaScript objects, aliases that multiply) end as a usage error: exit 2, the message, no stack
// trace, nothing run. Runs the built CLI (bin/dagrun.js) as a child process: needs `npx tsc -b`.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { dagrun, type Teardown } from './spawn.js';

const PROJECT = {
  'package.json': '{ "type": "module" }\n',
  'dagrun.yaml': 'name: refuse-demo\n',
  'pipeline.yaml':
    '__default__:\n  nodes:\n    - { name: make, func: src/nodes.ts#make, inputs: [params:model], outputs: numbers }\n',
  'conf/base/catalog.yaml': 'numbers:\n  type: json\n  path: data/numbers.json\n',
  'conf/base/parameters.yaml': 'model:\n  depth: 2\n',
  'src/nodes.ts': 'export const make = (m: { depth: unknown }) => ({ depth: m.depth });\n',
};

const project = (t: Teardown, files: Readonly<Record<string, string>> = {}): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-refused-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries({ ...PROJECT, ...files })) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
};

const HEADER = "[DAGRUN_ERR_CHECK_FAILED] 1 error in project 'refuse-demo'; nothing was run:\n";
const KEY_HINT = '       Hint: these names belong to JavaScript objects, not to parameters; use another key name.\n';
const ALIAS_HINT = '       Hint: write the value out in full, e.g. --params model.layers=[8, 8]\n';

t.test('a --params value that holds itself through an alias: exit 2, the override named, nothing run', async (t) => {
  const dir = project(t);
  for (const command of ['run', 'check']) {
    const r = await dagrun([command, '--params', 'model=&m {depth: 3, self: *m}'], dir);
    t.equal(r.code, 2, `${command} exits 2`);
    t.equal(r.stdout, '');
    t.equal(
      r.stderr,
      `${HEADER}  1) [DAGRUN_ERR_PARAMS_OVERRIDE] Parameter override 'model=&m {depth: 3, self: *m}': expected ` +
        `a value that does not contain itself, but got an alias inside its own anchor.\n${ALIAS_HINT}`,
    );
  }
  t.notOk(existsSync(join(dir, 'data/numbers.json')), 'the node did not run');
});

t.test(
  'a --params key path or value naming __proto__, constructor or prototype: exit 2, nothing replaced',
  async (t) => {
    const dir = project(t);
    const cases = [
      [
        '__proto__.depth=9',
        "expected a key path without __proto__, constructor or prototype, but got '__proto__' in '__proto__.depth'.",
      ],
      [
        'model.constructor.prototype=1',
        "expected a key path without __proto__, constructor or prototype, but got 'constructor' in " +
          "'model.constructor.prototype'.",
      ],
      [
        'model={__proto__: {depth: 9}}',
        "expected a value without the keys __proto__, constructor or prototype, but got '__proto__'.",
      ],
    ] as const;
    for (const [arg, detail] of cases) {
      const r = await dagrun(['run', '--params', arg], dir);
      t.equal(r.code, 2, `${arg}: exit 2`);
      t.equal(
        r.stderr,
        `${HEADER}  1) [DAGRUN_ERR_PARAMS_OVERRIDE] Parameter override '${arg}': ${detail}\n${KEY_HINT}`,
      );
    }
    t.notOk(existsSync(join(dir, 'data/numbers.json')), 'the node did not run');
  },
);

t.test('a "billion laughs" among the parameter files: exit 2 at the alias, no stack trace', async (t) => {
  const laughs = [
    'lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
    '',
  ].join('\n');
  const dir = project(t, { 'conf/base/parameters_laughs.yaml': laughs });
  const r = await dagrun(['check'], dir);
  t.equal(r.code, 2);
  t.equal(
    r.stderr,
    `${HEADER}  1) conf/base/parameters_laughs.yaml:6:8 [DAGRUN_ERR_CONFIG_YAML_ALIAS] Aliases in ` +
      `'conf/base/parameters_laughs.yaml': expected them to add at most 100,000 values, but got more.\n` +
      `       Hint: each alias (*name) repeats its anchor's whole value, and aliases of anchors holding aliases ` +
      'multiply; write the values out, or nest fewer aliases.\n',
  );
});
