// Item 4 of the engine issue: every check before a run, through openProject() + project.check(),
// and project.run() refusing with one CheckError while running nothing and writing nothing.

import t from 'tap';
import { CheckError, formatLocation, openProject, type DagrunError, type PipelineFilter } from '../src/index.js';
import { caught, listFiles, makeProject, type TapTest as Tap } from './helpers/project.js';

// Each node records that it ran in a process-wide list, so "nothing was run" is observable.
const NODES_TS = `
const ran = ((globalThis as any).__dagrunChecksRan ??= []) as string[];
export const first = () => (ran.push('first'), { n: 1 });
export const second = (x: { n: number }, factor: number) => (ran.push('second'), { n: x.n * factor });
export const third = (x: { n: number }) => (ran.push('third'), { n: x.n + 1 });
export const notAFunction = { n: 1 };
`;
const ran = (): string[] => ((globalThis as Record<string, unknown>).__dagrunChecksRan ??= []) as string[];

const PIPELINE = `__default__:
  nodes:
    - name: first
      func: src/nodes.ts#first
      outputs: first_out
    - name: second
      func: src/nodes.ts#second
      inputs: [first_out, params:factor]
      outputs: second_out
`;
const CATALOG = `first_out:
  type: json
  path: data/first.json
second_out:
  type: json
  path: data/second.json
`;
const PARAMETERS = 'factor: 2\n';

const project = (t: Tap, overrides: Record<string, string> = {}) =>
  makeProject(t, {
    'pipeline.yaml': PIPELINE,
    'conf/base/catalog.yaml': CATALOG,
    'conf/base/parameters.yaml': PARAMETERS,
    'src/nodes.ts': NODES_TS,
    ...overrides,
  });

interface Expected {
  readonly code: string;
  /** file:line:col the error names. */
  readonly at: string;
  /** The whole message: location, code, sentence and hint. */
  readonly message: string;
}

/**
 * Asserts that check() reports exactly `expected` (code, location, message), and that run() throws
 * a CheckError holding the same problems with nothing run and no file written.
 */
const expectProblems = async (
  t: Tap,
  dir: string,
  expected: readonly Expected[],
  opts: { pipeline?: string; filter?: PipelineFilter } = {},
) => {
  const before = listFiles(dir);
  const p = await openProject({ projectDir: dir });
  const errors = p.check(opts.pipeline, opts.filter);
  t.same(
    errors.map((e) => e.code),
    expected.map((e) => e.code),
    'codes',
  );
  t.same(
    errors.map((e) => formatLocation(e.location)),
    expected.map((e) => e.at),
    'file:line:col',
  );
  t.same(
    errors.map((e) => e.message),
    expected.map((e) => e.message),
    'messages',
  );

  ran().length = 0;
  const err = await caught(() => p.run({ pipeline: opts.pipeline, filter: opts.filter }));
  t.ok(err instanceof CheckError, 'run() throws a CheckError');
  t.equal(err.code, 'DAGRUN_ERR_CHECK_FAILED');
  const n = expected.length;
  const body = expected.map((e, i) => `  ${i + 1}) ${e.message.replace(/\n/g, '\n     ')}`).join('\n');
  t.equal(
    err.message,
    `[DAGRUN_ERR_CHECK_FAILED] ${n} ${n === 1 ? 'error' : 'errors'} in project 'test-project'; ` +
      `nothing was run:\n${body}`,
  );
  t.same(
    (err as unknown as CheckError).errors.map((e: DagrunError) => e.message),
    expected.map((e) => e.message),
  );
  t.same(ran(), [], 'no node ran');
  t.same(listFiles(dir), before, 'no output and no run record written');
};

t.test('control: the base project runs, writing outputs and a run record', async (t) => {
  const dir = project(t);
  const before = listFiles(dir);
  ran().length = 0;
  const p = await openProject({ projectDir: dir });
  t.same(p.check(), []);
  const out = await p.run();
  t.same(ran(), ['first', 'second']);
  const after = listFiles(dir);
  t.ok(after.includes('data/first.json') && after.includes('data/second.json'));
  t.ok(after.includes(`.dagrun/runs/${out.runId}.json`));
  t.equal(after.length, before.length + 3, 'so the checks below would see any write');
});

t.test('YAML syntax errors name the file, line and column', async (t) => {
  await t.test('in catalog.yaml', async (t) => {
    const dir = project(t, {
      'conf/base/catalog.yaml': `${CATALOG}third_out:\n  type json\n  path: data/third.json\n`,
    });
    await expectProblems(t, dir, [
      {
        code: 'DAGRUN_ERR_CONFIG_YAML',
        at: 'conf/base/catalog.yaml:8:3',
        message:
          `conf/base/catalog.yaml:8:3 [DAGRUN_ERR_CONFIG_YAML] Invalid YAML in 'conf/base/catalog.yaml': ` +
          'Implicit keys need to be on a single line.\n' +
          '  Hint: check indentation and quoting at that line; a value with ":" or "#" needs quotes.',
      },
    ]);
  });
  await t.test('in pipeline.yaml', async (t) => {
    const dir = project(t, {
      'pipeline.yaml': PIPELINE.replace('      func: src/nodes.ts#second', '     func: src/nodes.ts#second'),
    });
    await expectProblems(t, dir, [
      {
        code: 'DAGRUN_ERR_CONFIG_YAML',
        at: 'pipeline.yaml:7:1',
        message:
          `pipeline.yaml:7:1 [DAGRUN_ERR_CONFIG_YAML] Invalid YAML in 'pipeline.yaml': Sequence item without - ` +
          'indicator (and 3 more).\n  Hint: check indentation and quoting at that line; a value with ":" or "#" ' +
          'needs quotes.',
      },
    ]);
  });
  await t.test('in parameters.yaml', async (t) => {
    const dir = project(t, { 'conf/base/parameters.yaml': 'factor: 2\nfactor: 3\n' });
    await expectProblems(t, dir, [
      {
        code: 'DAGRUN_ERR_CONFIG_YAML',
        at: 'conf/base/parameters.yaml:2:1',
        message:
          `conf/base/parameters.yaml:2:1 [DAGRUN_ERR_CONFIG_YAML] Invalid YAML in 'conf/base/parameters.yaml': ` +
          'Map keys must be unique.\n  Hint: check indentation and quoting at that line; a value with ":" or "#" ' +
          'needs quotes.',
      },
      // Not also "params:factor is unknown": the file that would define it could not be read.
    ]);
  });
});

t.test('schema errors in pipeline.yaml', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `__default__:
  nodes:
    - name: first
      fnuc: src/nodes.ts#first
      outputs: first_out
    - name: second
      func: src/nodes.ts#second
      inputs: 42
      outputs: second_out
`,
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      at: 'pipeline.yaml:3:7',
      message:
        "pipeline.yaml:3:7 [DAGRUN_ERR_CONFIG_SCHEMA] Pipeline file 'pipeline.yaml': expected option " +
        "'__default__.nodes.0.func', but got nothing.\n  Hint: add 'func: …' to this entry.",
    },
    {
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      at: 'pipeline.yaml:4:7',
      message:
        "pipeline.yaml:4:7 [DAGRUN_ERR_CONFIG_SCHEMA] Pipeline file 'pipeline.yaml': expected only known " +
        "options, but got unknown option '__default__.nodes.0.fnuc'.\n  Hint: did you mean: 'func'?",
    },
    {
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      at: 'pipeline.yaml:8:15',
      message:
        "pipeline.yaml:8:15 [DAGRUN_ERR_CONFIG_SCHEMA] Pipeline file 'pipeline.yaml', field " +
        "'__default__.nodes.1.inputs': expected string or array or object or null, but got number 42.",
    },
  ]);
});

t.test('schema errors in the catalog', async (t) => {
  const dir = project(t, {
    'conf/base/catalog.yaml': `first_out:
  type: json
  pth: data/first.json
second_out:
  type: json
  path: data/second.json
  versioned: "yes"
`,
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      at: 'conf/base/catalog.yaml:1:1',
      message:
        "conf/base/catalog.yaml:1:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'first_out' (json): expected " +
        "option 'path', but got nothing.\n  Hint: add 'path: …' to this entry.",
    },
    {
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      at: 'conf/base/catalog.yaml:3:3',
      message:
        "conf/base/catalog.yaml:3:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'first_out' (json): expected " +
        "only known options, but got unknown option 'pth'.\n  Hint: did you mean: 'path'?",
    },
    {
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      at: 'conf/base/catalog.yaml:7:14',
      message:
        `conf/base/catalog.yaml:7:14 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'second_out' (json), field ` +
        `'versioned': expected boolean, but got string "yes".`,
    },
  ]);
});

t.test('schema errors in parameters', async (t) => {
  await t.test('parameters.yaml that is not a mapping', async (t) => {
    const dir = project(t, { 'conf/base/parameters.yaml': '- factor\n- 2\n' });
    await expectProblems(t, dir, [
      {
        code: 'DAGRUN_ERR_CONFIG_SCHEMA',
        at: 'conf/base/parameters.yaml:1:1',
        message:
          'conf/base/parameters.yaml:1:1 [DAGRUN_ERR_CONFIG_SCHEMA] Configuration file ' +
          "'conf/base/parameters.yaml': expected a mapping of keys to values, but got a list.",
      },
      {
        code: 'DAGRUN_ERR_PARAMS_UNKNOWN',
        at: 'pipeline.yaml:6:7',
        message:
          "pipeline.yaml:6:7 [DAGRUN_ERR_PARAMS_UNKNOWN] Parameter 'params:factor' of node 'second': expected " +
          'a key defined in parameters.yaml, but got no such key.\n' +
          "  Hint: add 'factor' to conf/base/parameters.yaml.",
      },
    ]);
  });
  await t.test('a key set twice in one environment', async (t) => {
    const dir = project(t, { 'conf/base/parameters_extra.yaml': 'other: 1\nfactor: 3\n' });
    await expectProblems(t, dir, [
      {
        code: 'DAGRUN_ERR_CONFIG_SCHEMA',
        at: 'conf/base/parameters_extra.yaml:2:1',
        message:
          "conf/base/parameters_extra.yaml:2:1 [DAGRUN_ERR_CONFIG_SCHEMA] Key 'factor' in " +
          "'conf/base/parameters_extra.yaml': expected each key once per environment, but got it in " +
          "'conf/base/parameters.yaml' too.",
      },
    ]);
  });
});

t.test('an unknown dataset type', async (t) => {
  const dir = project(t, {
    'conf/base/catalog.yaml': CATALOG.replace(
      'type: json\n  path: data/second.json',
      'type: jsonl\n  path: data/second.json',
    ),
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
      at: 'conf/base/catalog.yaml:5:9',
      message:
        "conf/base/catalog.yaml:5:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'second_out': " +
        "expected a registered dataset type, but got 'jsonl'.\n  Hint: did you mean: 'json'?",
    },
  ]);
});

t.test('a node input that nothing produces and the catalog lacks', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `${PIPELINE}    - name: third
      func: src/nodes.ts#third
      inputs: secnd_out
      outputs: third_out
    - name: fourth
      func: src/nodes.ts#third
      inputs: { x: zzz_unrelated_name }
      outputs: fourth_out
`,
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_PIPELINE_MISSING_INPUT',
      at: 'pipeline.yaml:10:7',
      message:
        "pipeline.yaml:10:7 [DAGRUN_ERR_PIPELINE_MISSING_INPUT] Input 'secnd_out' of node 'third': expected a " +
        "node output or a catalog entry, but got neither.\n  Hint: did you mean: 'second_out'?",
    },
    {
      code: 'DAGRUN_ERR_PIPELINE_MISSING_INPUT',
      at: 'pipeline.yaml:14:7',
      message:
        "pipeline.yaml:14:7 [DAGRUN_ERR_PIPELINE_MISSING_INPUT] Input 'zzz_unrelated_name' of node 'fourth': " +
        'expected a node output or a catalog entry, but got neither.\n' +
        '  Hint: declare it in conf/base/catalog.yaml, or add the node that produces it.',
    },
  ]);
});

t.test('two nodes writing the same output', async (t) => {
  const dir = project(t, {
    'pipeline.yaml':
      `${PIPELINE}    - name: third\n      func: src/nodes.ts#third\n      inputs: first_out\n` +
      '      outputs: second_out\n',
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT',
      at: 'pipeline.yaml:10:7',
      message:
        "pipeline.yaml:10:7 [DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT] Dataset 'second_out': expected one node to " +
        "write it, but got 'second' and 'third'.\n  Hint: rename one output, or merge the two nodes.",
    },
  ]);
});

t.test('a cycle, listing the nodes on it', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `${PIPELINE}    - name: loop_a
      func: src/nodes.ts#third
      inputs: loop_c_out
      outputs: loop_a_out
    - name: loop_b
      func: src/nodes.ts#third
      inputs: loop_a_out
      outputs: loop_b_out
    - name: loop_c
      func: src/nodes.ts#second
      inputs: [loop_b_out, params:factor]
      outputs: loop_c_out
`,
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_PIPELINE_CYCLE',
      at: 'pipeline.yaml:10:7',
      message:
        "pipeline.yaml:10:7 [DAGRUN_ERR_PIPELINE_CYCLE] Pipeline: expected no cycle, but got 'loop_a' -> " +
        "'loop_b' -> 'loop_c' -> 'loop_a'.\n" +
        '  Hint: a node cannot depend, directly or through others, on its own output.',
    },
  ]);
});

t.test('func problems: missing module, missing export, not a function, module that fails to load', async (t) => {
  const dir = project(t, {
    'src/broken.ts': "throw new Error('boom at import');\nexport const x = 1;\n",
    'pipeline.yaml': `${PIPELINE}    - name: third
      func: src/missing.ts#third
      inputs: second_out
      outputs: third_out
    - name: fourth
      func: src/nodes.ts#thrid
      inputs: second_out
      outputs: fourth_out
    - name: fifth
      func: src/nodes.ts#notAFunction
      inputs: second_out
      outputs: fifth_out
    - name: sixth
      func: src/broken.ts#x
      inputs: second_out
      outputs: sixth_out
`,
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_FUNC_MODULE',
      at: 'pipeline.yaml:11:13',
      message:
        "pipeline.yaml:11:13 [DAGRUN_ERR_FUNC_MODULE] Module of node func 'src/missing.ts#third': expected a " +
        'file at src/missing.ts (relative to the project), but got no such file.',
    },
    {
      code: 'DAGRUN_ERR_FUNC_EXPORT',
      at: 'pipeline.yaml:15:13',
      message:
        "pipeline.yaml:15:13 [DAGRUN_ERR_FUNC_EXPORT] Export 'thrid' of src/nodes.ts: expected a function, but " +
        "got no such export.\n  Hint: did you mean: 'third'?",
    },
    {
      code: 'DAGRUN_ERR_FUNC_EXPORT',
      at: 'pipeline.yaml:19:13',
      message:
        "pipeline.yaml:19:13 [DAGRUN_ERR_FUNC_EXPORT] Export 'notAFunction' of src/nodes.ts: expected a " +
        'function, but got object.',
    },
    {
      code: 'DAGRUN_ERR_FUNC_MODULE',
      at: 'pipeline.yaml:23:13',
      message:
        "pipeline.yaml:23:13 [DAGRUN_ERR_FUNC_MODULE] Module of node func 'src/broken.ts#x': expected it to " +
        'load, but got Error: boom at import.',
    },
  ]);
});

t.test('an unknown parameter key', async (t) => {
  const dir = project(t, {
    'conf/base/parameters.yaml': 'factor: 2\nmodel:\n  depth: 3\n',
    'pipeline.yaml': `${PIPELINE}    - name: third
      func: src/nodes.ts#second
      inputs: [second_out, params:model.dept]
      outputs: third_out
`,
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_PARAMS_UNKNOWN',
      at: 'pipeline.yaml:10:7',
      message:
        "pipeline.yaml:10:7 [DAGRUN_ERR_PARAMS_UNKNOWN] Parameter 'params:model.dept' of node 'third': " +
        'expected a key defined in parameters.yaml, but got no such key.\n' +
        "  Hint: did you mean: 'params:model.depth', 'params:model'?",
    },
  ]);
});

t.test('every problem is reported together in one CheckError, sorted by file and line', async (t) => {
  const dir = project(t, {
    'dagrun.yaml': 'name: test-project\nrunner:\n  type: paralel\n',
    'conf/base/catalog.yaml': `first_out:
  type: json
  path: data/first.json
  indnet: 2
second_out:
  type: jsn
  path: data/second.json
`,
    'pipeline.yaml': `__default__:
  nodes:
    - name: first
      func: src/nodes.ts#frist
      outputs: first_out
    - name: second
      func: src/nodes.ts#second
      inputs: [first_out, params:factr]
      outputs: second_out
    - name: third
      func: src/nodes.ts#third
      inputs: second_outt
      outputs: first_out
`,
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      at: 'conf/base/catalog.yaml:4:3',
      message:
        "conf/base/catalog.yaml:4:3 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'first_out' (json): expected " +
        "only known options, but got unknown option 'indnet'.\n  Hint: did you mean: 'indent'?",
    },
    {
      code: 'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
      at: 'conf/base/catalog.yaml:6:9',
      message:
        "conf/base/catalog.yaml:6:9 [DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry 'second_out': " +
        "expected a registered dataset type, but got 'jsn'.\n  Hint: did you mean: 'json'?",
    },
    {
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      at: 'dagrun.yaml:3:9',
      message:
        `dagrun.yaml:3:9 [DAGRUN_ERR_CONFIG_SCHEMA] Project settings (dagrun.yaml), field 'runner.type': ` +
        'expected one of "sequential", "concurrent", but got string "paralel".',
    },
    {
      code: 'DAGRUN_ERR_FUNC_EXPORT',
      at: 'pipeline.yaml:4:13',
      message:
        "pipeline.yaml:4:13 [DAGRUN_ERR_FUNC_EXPORT] Export 'frist' of src/nodes.ts: expected a function, but " +
        "got no such export.\n  Hint: did you mean: 'first'?",
    },
    {
      code: 'DAGRUN_ERR_PARAMS_UNKNOWN',
      at: 'pipeline.yaml:6:7',
      message:
        "pipeline.yaml:6:7 [DAGRUN_ERR_PARAMS_UNKNOWN] Parameter 'params:factr' of node 'second': expected a " +
        "key defined in parameters.yaml, but got no such key.\n  Hint: did you mean: 'params:factor'?",
    },
    {
      code: 'DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT',
      at: 'pipeline.yaml:10:7',
      message:
        "pipeline.yaml:10:7 [DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT] Dataset 'first_out': expected one node to " +
        "write it, but got 'first' and 'third'.\n  Hint: rename one output, or merge the two nodes.",
    },
    {
      code: 'DAGRUN_ERR_PIPELINE_MISSING_INPUT',
      at: 'pipeline.yaml:10:7',
      message:
        "pipeline.yaml:10:7 [DAGRUN_ERR_PIPELINE_MISSING_INPUT] Input 'second_outt' of node 'third': expected " +
        "a node output or a catalog entry, but got neither.\n  Hint: did you mean: 'second_out'?",
    },
  ]);
});

t.test('a catalog problem is reported even when pipeline.yaml does not load', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': '__default__:\n  nodes: {}\n',
    'conf/base/catalog.yaml': CATALOG.replace('path: data/first.json', 'path: data/first.json\n  table: "no"'),
  });
  await expectProblems(t, dir, [
    {
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      at: 'conf/base/catalog.yaml:4:10',
      message:
        `conf/base/catalog.yaml:4:10 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'first_out' (json), field ` +
        `'table': expected boolean, but got string "no".`,
    },
    {
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      at: 'pipeline.yaml:2:10',
      message:
        "pipeline.yaml:2:10 [DAGRUN_ERR_CONFIG_SCHEMA] Pipeline file 'pipeline.yaml', field " +
        "'__default__.nodes': expected array, but got a mapping.",
    },
  ]);
});

t.test('a partial run whose input is held in memory by a node outside the run', async (t) => {
  // first_out is no longer in the catalog: it lives in memory, and only node 'first' makes it.
  const dir = project(t, { 'conf/base/catalog.yaml': 'second_out:\n  type: json\n  path: data/second.json\n' });
  await expectProblems(
    t,
    dir,
    [
      {
        code: 'DAGRUN_ERR_PIPELINE_UNAVAILABLE_INPUT',
        at: 'pipeline.yaml:6:7',
        message:
          "pipeline.yaml:6:7 [DAGRUN_ERR_PIPELINE_UNAVAILABLE_INPUT] Input 'first_out' of this partial run: " +
          "expected it saved in the catalog, but got an in-memory dataset that node 'first' (not in this run) " +
          "produces.\n  Hint: include 'first' in the run (e.g. --from-nodes first), or declare 'first_out' in " +
          'catalog.yaml with a file type.',
      },
    ],
    { filter: { fromNodes: ['second'] } },
  );

  await t.test('a declared memory dataset is no better', async (t) => {
    const dir = project(t, {
      'conf/base/catalog.yaml': 'first_out:\n  type: memory\nsecond_out:\n  type: json\n  path: data/second.json\n',
    });
    await expectProblems(
      t,
      dir,
      [
        {
          code: 'DAGRUN_ERR_PIPELINE_UNAVAILABLE_INPUT',
          at: 'pipeline.yaml:6:7',
          message:
            "pipeline.yaml:6:7 [DAGRUN_ERR_PIPELINE_UNAVAILABLE_INPUT] Input 'first_out' of this partial run: " +
            "expected it saved in the catalog, but got an in-memory dataset that node 'first' (not in this " +
            "run) produces.\n  Hint: include 'first' in the run (e.g. --from-nodes first), or declare " +
            "'first_out' in catalog.yaml with a file type.",
        },
      ],
      { filter: { nodes: ['second'] } },
    );
  });

  await t.test('control: with the input persisted, the same partial run checks clean', async (t) => {
    const p = await openProject({ projectDir: project(t) });
    t.same(p.check(undefined, { fromNodes: ['second'] }), []);
  });
});
