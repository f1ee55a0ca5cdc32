// Wiring mistakes `dagrun check` catches before every run (issue 14): an output name with a typo, a
// function whose parameters its inputs cannot fill, parameter groups against their JSON Schema, Kedro's
// conf/base/parameters/ folder, and a node's outputs all checked before any is written.

import t from 'tap';
import { formatLocation, openProject, type DagrunError } from '../src/index.js';
import { caught, listFiles, makeProject, readJson, type TapTest as Tap } from './helpers/project.js';

const NODES_TS = `
export const load = () => ({ rows: [1, 2, 3] });
export const prepare = (raw: { rows: number[] }) => ({ rows: raw.rows.map((r) => r * 2) });
export const train = (input: { rows: number[] }, p: { depth: number }) => ({
  sum: input.rows.reduce((a, b) => a + b, 0),
  depth: p.depth,
});
export const withDefault = (input: unknown, depth = 3) => ({ input, depth });
export const withRest = (...all: unknown[]) => all.length;
export const three = (a: unknown, b: unknown, c: unknown) => [a, b, c];
export const named = ({ input }: { input: unknown }) => input;
export const split = () => [{ a: 1 }, { b: 2 }, { c: 3 }];
`;

const CATALOG = `raw:
  type: json
  path: data/raw.json
model_input:
  type: json
  path: data/model_input.json
model:
  type: json
  path: data/model.json
`;

const project = (t: Tap, pipeline: string, extra: Record<string, string> = {}) =>
  makeProject(t, {
    'pipeline.yaml': pipeline,
    'conf/base/catalog.yaml': CATALOG,
    'conf/base/parameters.yaml': 'model:\n  depth: 4\n',
    'src/nodes.ts': NODES_TS,
    ...extra,
  });

const summary = (errors: readonly DagrunError[]) => errors.map((e) => `${formatLocation(e.location)} ${e.code}`);

t.test(
  'an output with a typo, while the catalog entry of that name is read and never written, is an error',
  async (t) => {
    const dir = project(
      t,
      `__default__:
  nodes:
    - { name: load, func: src/nodes.ts#load, outputs: raw }
    - { name: prepare, func: src/nodes.ts#prepare, inputs: [raw], outputs: model_imput }
    - { name: train, func: src/nodes.ts#train, inputs: [model_input, params:model], outputs: model }
`,
    );
    const p = await openProject({ projectDir: dir });
    const errors = p.check();
    t.same(summary(errors), ['pipeline.yaml:4:7 DAGRUN_ERR_PIPELINE_UNREAD_OUTPUT']);
    t.equal(
      errors[0]!.message,
      "pipeline.yaml:4:7 [DAGRUN_ERR_PIPELINE_UNREAD_OUTPUT] Output 'model_imput' of node 'prepare': expected " +
        'a dataset that a node reads or the catalog declares, but got neither, while a catalog entry with a ' +
        "close name is read (by 'train') and written by no node.\n" +
        "  Hint: did you mean: 'model_input'? Otherwise 'train' loads whatever an earlier run saved.",
    );
    const before = listFiles(dir);
    const err = await caught(() => p.run());
    t.equal(err.code, 'DAGRUN_ERR_CHECK_FAILED', 'the run refuses, so no node loads a stale model_input');
    t.same(listFiles(dir), before);
  },
);

t.test('an unread, undeclared output is a warning; type: memory or silence in dagrun.yaml quiets it', async (t) => {
  const pipeline = `__default__:
  nodes:
    - { name: load, func: src/nodes.ts#load, outputs: raw }
    - { name: prepare, func: src/nodes.ts#prepare, inputs: [raw], outputs: scratch }
`;
  const dir = project(t, pipeline);
  const p = await openProject({ projectDir: dir });
  t.same(p.check(), [], 'not an error: nothing close to it is read');
  const warnings = p.warnings();
  t.same(
    warnings.map((w) => w.message),
    [
      "pipeline.yaml:4:7 [DAGRUN_ERR_PIPELINE_UNREAD_OUTPUT] Output 'scratch' of node 'prepare': expected a " +
        'dataset that a node reads or the catalog declares, but got neither; it is computed and dropped.\n' +
        '  Hint: declare it in catalog.yaml (type: memory keeps it in memory on purpose), or silence this ' +
        "warning with 'silence: [unread-output]' in dagrun.yaml.",
    ],
  );
  const declared = project(t, pipeline, { 'conf/base/catalog.yaml': `${CATALOG}scratch:\n  type: memory\n` });
  t.same((await openProject({ projectDir: declared })).warnings(), [], 'declared as memory on purpose');
  const silenced = project(t, pipeline, { 'dagrun.yaml': 'name: test-project\nsilence: [unread-output]\n' });
  t.same((await openProject({ projectDir: silenced })).warnings(), [], 'silenced for the project');
  const bad = project(t, pipeline, { 'dagrun.yaml': 'name: test-project\nsilence: [unread-outputs]\n' });
  t.same(
    summary((await openProject({ projectDir: bad })).check()),
    ['dagrun.yaml:2:11 DAGRUN_ERR_CONFIG_SCHEMA'],
    'an unknown warning name is a settings error',
  );
});

t.test("a function's parameters must fit its inputs: defaults and rest parameters allowed", async (t) => {
  const dir = project(
    t,
    `__default__:
  nodes:
    - { name: load, func: src/nodes.ts#load, outputs: raw }
    - { name: too_few, func: src/nodes.ts#train, inputs: [raw], outputs: a }
    - { name: too_many, func: src/nodes.ts#prepare, inputs: [raw, params:model], outputs: b }
    - { name: defaults, func: src/nodes.ts#withDefault, inputs: [raw], outputs: c }
    - { name: rest, func: src/nodes.ts#withRest, inputs: [raw, a, b, c], outputs: d }
    - { name: map_ok, func: src/nodes.ts#named, inputs: { input: raw }, outputs: e }
    - { name: map_bad, func: src/nodes.ts#three, inputs: { input: raw }, outputs: f }
    - { name: sink, func: src/nodes.ts#withRest, inputs: [d, e, f] }
`,
  );
  const errors = (await openProject({ projectDir: dir })).check();
  t.same(summary(errors), [
    'pipeline.yaml:4:7 DAGRUN_ERR_FUNC_ARITY',
    'pipeline.yaml:5:7 DAGRUN_ERR_FUNC_ARITY',
    'pipeline.yaml:9:7 DAGRUN_ERR_FUNC_ARITY',
  ]);
  t.same(
    errors.map((e) => e.message),
    [
      "pipeline.yaml:4:7 [DAGRUN_ERR_FUNC_ARITY] Function of node 'too_few' (src/nodes.ts#train): expected " +
        'parameters for 1 input [raw], but got 2 parameters (input, p).\n' +
        '  Hint: add the missing inputs to the node, or give the extra parameters default values.',
      "pipeline.yaml:5:7 [DAGRUN_ERR_FUNC_ARITY] Function of node 'too_many' (src/nodes.ts#prepare): expected " +
        'parameters for 2 inputs [raw, params:model], but got 1 parameter (raw).\n' +
        '  Hint: remove the extra inputs from the node, or add parameters to the function.',
      "pipeline.yaml:9:7 [DAGRUN_ERR_FUNC_ARITY] Function of node 'map_bad' (src/nodes.ts#three): expected " +
        'parameters for one object of named inputs, but got 3 parameters (a, b, c).\n' +
        '  Hint: add the missing inputs to the node, or give the extra parameters default values.',
    ],
  );
});

t.test('parameter groups are checked against parameters.schema.yaml, at the line of the group', async (t) => {
  const pipeline = `__default__:
  nodes:
    - { name: load, func: src/nodes.ts#load, outputs: raw }
    - { name: train, func: src/nodes.ts#train, inputs: [raw, params:model], outputs: model }
`;
  const schema =
    'model:\n  type: object\n  required: [depth, learning_rate]\n  properties:\n' +
    '    depth: { type: integer, minimum: 1 }\n    learning_rate: { type: number }\n';
  const dir = project(t, pipeline, {
    'conf/base/parameters.schema.yaml': schema,
    'conf/base/parameters.yaml': 'model:\n  depth: 0\n',
  });
  const p = await openProject({ projectDir: dir });
  const errors = p.check();
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/parameters.yaml:1:1 [DAGRUN_ERR_PARAMS_SCHEMA] Parameters 'model': expected option " +
        "'learning_rate', but got nothing.\n  Hint: add 'learning_rate: …' to this entry.",
      "conf/base/parameters.yaml:2:10 [DAGRUN_ERR_PARAMS_SCHEMA] Parameters 'model', field 'depth': expected a " +
        'value that must be >= 1, but got number 0.',
    ],
  );
  const ok = await openProject({ projectDir: dir, params: ['model.depth=3', 'model.learning_rate=0.1'] });
  t.same(ok.check(), [], '--params overrides are checked too, after they apply');
  const missing = project(t, pipeline, { 'conf/base/parameters.schema.yaml': 'training: { type: object }\n' });
  t.same(
    (await openProject({ projectDir: missing })).check().map((e) => e.message),
    [
      "conf/base/parameters.schema.yaml:1:1 [DAGRUN_ERR_PARAMS_SCHEMA] Parameter group 'training': expected it " +
        'in parameters.yaml (parameters.schema.yaml describes it), but got no such key.\n' +
        "  Hint: add 'training:' to conf/base/parameters.yaml, or remove its schema.",
    ],
  );
});

t.test("Kedro's conf/base/parameters/ folder is read like parameters.yaml", async (t) => {
  const pipeline = `__default__:
  nodes:
    - { name: load, func: src/nodes.ts#load, outputs: raw }
    - { name: train, func: src/nodes.ts#train, inputs: [raw, params:model], outputs: model }
`;
  const dir = project(t, pipeline, {
    'conf/base/parameters.yaml': 'other: 1\n',
    'conf/base/parameters/data_science.yml': 'model:\n  depth: 7\n',
    'conf/base/parameters/nested/more.yaml': 'extra: true\n',
  });
  const p = await openProject({ projectDir: dir });
  t.same(p.check(), []);
  t.same(p.params, { other: 1, model: { depth: 7 }, extra: true });
  const out = await p.run();
  t.equal(out.record.status, 'ok');
  t.same(readJson(dir, 'data/model.json'), { sum: 6, depth: 7 });
});

t.test("a node's outputs are all checked before any is written", async (t) => {
  const dir = project(
    t,
    `__default__:
  nodes:
    - { name: split, func: src/nodes.ts#split, outputs: [first, second, third] }
`,
    {
      'conf/base/catalog.yaml':
        'first:\n  type: json\n  path: data/first.json\nsecond:\n  type: json\n  path: data/second.json\n' +
        'third:\n  type: text\n  path: data/third.txt\n',
    },
  );
  const before = listFiles(dir);
  const err = await caught(async () => (await openProject({ projectDir: dir })).run());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    err.detail,
    "Node 'split' (src/nodes.ts#split): Dataset 'third' (text): expected a string, but got an object with keys c.",
  );
  t.same(
    listFiles(dir).filter((f) => f.startsWith('data/')),
    [],
    'neither first nor second was written',
  );
  t.same(
    listFiles(dir).filter((f) => !f.startsWith('.dagrun/runs/')),
    before,
  );
});

t.test('saving a model whose codec is in a plugin the project does not list names that plugin', async (t) => {
  const dir = makeProject(t, {
    'pipeline.yaml': '__default__:\n  nodes:\n    - { name: fit, func: src/nodes.ts#fit, outputs: model }\n',
    'conf/base/catalog.yaml': 'model:\n  type: object\n  path: data/model.json\n',
    'src/nodes.ts': 'class RegressionModel { weights = [1, 2]; }\nexport const fit = () => new RegressionModel();\n',
  });
  const err = await caught(async () => (await openProject({ projectDir: dir })).run());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
  t.equal(
    err.detail,
    "Node 'fit' (src/nodes.ts#fit): Dataset 'model' (object): expected a plain object or a value some " +
      'registered codec handles, but got an instance of RegressionModel (its codec is in @dagrun/ml: add it to ' +
      'plugins in dagrun.yaml).',
  );
});
