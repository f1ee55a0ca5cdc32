import t from 'tap';
import { CheckError, PipelineError, NodeError } from '../errors.js';
import { DataCatalog } from '../catalog.js';
import { Registry } from '../registry.js';
import { SequentialRunner } from '../runner.js';
import type { RunRecord } from '../run-record.js';
import { Node, node, isParamInput } from './node.js';
import { pipeline } from './pipeline.js';
import { callNode } from '../node-call.js';
import { caught, caughtSync } from '../../../test/helpers/project.js';

const call = (n: Node, entries: Record<string, unknown>) =>
  (
    callNode(
      n,
      n.inputNames.map((name) => entries[name]),
    ) as unknown[]
  )[0];

t.test('list inputs are passed positionally, in declared order', async (t) => {
  const seen: unknown[][] = [];
  const n = node({
    name: 'sub',
    func: (...args: unknown[]) => (seen.push(args), (args[0] as number) - (args[1] as number)),
    inputs: ['b', 'a'],
    outputs: 'diff',
  });
  t.equal(n.inputsKind, 'list');
  t.same(n.inputNames, ['b', 'a']);
  t.equal(call(n, { a: 3, b: 10 }), 7);
  t.same(seen, [[10, 3]], 'b first, then a, exactly two arguments');

  const single = node({ name: 'one', func: (...args: unknown[]) => args, inputs: 'x', outputs: 'y' });
  t.same(single.inputNames, ['x'], 'a single string is a one-item list');
  t.same(call(single, { x: 1 }), [1]);

  const none = node({ name: 'zero', func: (...args: unknown[]) => args.length, outputs: 'y' });
  t.same(none.inputNames, []);
  t.equal(call(none, {}), 0, 'no inputs: called with no argument');
});

t.test('map inputs are passed as one object keyed by argument name', async (t) => {
  const seen: unknown[][] = [];
  const n = node({
    name: 'join',
    func: (...args: unknown[]) => (seen.push(args), 'ok'),
    inputs: { left: 'orders', right: 'params:model.depth' },
    outputs: 'joined',
  });
  t.equal(n.inputsKind, 'map');
  t.same(n.inputNames, ['orders', 'params:model.depth']);
  t.same(n.inputsSpec, { left: 'orders', right: 'params:model.depth' });
  call(n, { orders: [1, 2], 'params:model.depth': 4, unrelated: true });
  t.same(seen, [[{ left: [1, 2], right: 4 }]], 'exactly one argument holding only the declared keys');
});

t.test('outputs: none, single, list and map', async (t) => {
  const none = node({ name: 'sink', func: () => 42, inputs: 'x' });
  t.equal(none.outputsKind, 'none');
  t.same(none.outputNames, []);
  t.equal(none.outputsSpec, null);
  t.same(none.splitOutputs(42), [], 'a return value is ignored when nothing is declared');

  const single = node({ name: 's', func: () => 0, outputs: 'model' });
  t.equal(single.outputsKind, 'single');
  t.same(single.splitOutputs([1, 2]), [[1, 2]], 'the whole value, even an array');

  const list = node({ name: 'l', func: () => 0, outputs: ['train', 'test'] });
  t.equal(list.outputsKind, 'list');
  t.same(list.splitOutputs(['A', 'B']), ['A', 'B']);

  const map = node({ name: 'm', func: () => 0, outputs: { model: 'regressor', r2: 'metrics' } });
  t.equal(map.outputsKind, 'map');
  t.same(map.outputNames, ['regressor', 'metrics']);
  t.same(
    map.splitOutputs({ r2: 0.9, model: 'M', ignored: 1 }),
    ['M', 0.9],
    'in the order of outputNames: regressor, metrics',
  );
});

t.test('mismatched return shapes are described exactly', async (t) => {
  const list = node({ name: 'l', func: () => 0, outputs: ['train', 'test'] });
  t.equal(
    list.splitOutputs({ train: 1 }),
    'expected an array of 2 values for outputs [train, test], but got an object with keys train',
  );
  t.equal(list.splitOutputs(undefined), 'expected an array of 2 values for outputs [train, test], but got undefined');
  t.equal(
    list.splitOutputs([1, 2, 3]),
    'expected an array of 2 values for outputs [train, test], but got an array of 3',
  );
  const map = node({ name: 'm', func: () => 0, outputs: { model: 'regressor', r2: 'metrics' } });
  t.equal(map.splitOutputs([1, 2]), 'expected an object with keys model, r2, but got an array of 2');
  t.equal(map.splitOutputs(null), 'expected an object with keys model, r2, but got null');
  t.equal(map.splitOutputs(7), 'expected an object with keys model, r2, but got the number 7');
  t.equal(
    map.splitOutputs({ model: 1, score: 2 }),
    "expected an object with keys model, r2, but got no 'r2' (it has model, score)",
  );
  t.equal(map.splitOutputs({}), "expected an object with keys model, r2, but got no 'model', 'r2' (it has no keys)");
});

const record = (): RunRecord => ({
  formatVersion: 1,
  runId: 'r',
  project: 'p',
  pipeline: '__default__',
  env: [],
  status: 'running',
  startedAt: new Date().toISOString(),
  params: {},
  filters: {},
  saveVersion: 'v',
  loadVersions: {},
  nodes: [],
  datasets: [],
});

t.test('a run of a node whose return does not fit its outputs fails with DAGRUN_ERR_NODE_OUTPUT', async (t) => {
  const registry = new Registry();
  const { catalog } = DataCatalog.create({
    config: undefined,
    credentials: undefined,
    params: {},
    registry,
    projectDir: '/nonexistent',
    saveVersion: 'v',
  });
  const split = (rows: number[]) => ({ train: rows.slice(1), test: rows.slice(0, 1) });
  const p = pipeline([
    node({ name: 'make', func: () => [1, 2, 3], outputs: 'rows' }),
    node({ name: 'split', func: split, inputs: 'rows', outputs: ['train', 'test'] }),
  ]);
  const err = await caught(() =>
    new SequentialRunner().run(p, catalog, {
      runId: 'r',
      pipelineName: '__default__',
      params: {},
      hooks: registry.hooks,
      record: record(),
    }),
  );
  t.ok(err instanceof NodeError);
  t.equal(err.code, 'DAGRUN_ERR_NODE_OUTPUT');
  t.equal(
    err.message,
    "[DAGRUN_ERR_NODE_OUTPUT] Node 'split' (split) returned a value that does not fit its " +
      'outputs: expected an array of 2 values for outputs [train, test], but got an object with keys train, test.',
  );
});

t.test('invalid names are refused when the node is built', async (t) => {
  const bad = caughtSync(() => node({ name: '1st-step', func: () => 0, outputs: 'x' }));
  t.ok(bad instanceof PipelineError);
  t.equal(bad.code, 'DAGRUN_ERR_PIPELINE_INVALID_NODE');
  t.equal(
    bad.message,
    "[DAGRUN_ERR_PIPELINE_INVALID_NODE] Node name '1st-step': " +
      "expected letters, digits, '_', '.', '-' starting with a letter or '_', but got '1st-step'.",
  );

  const ds = caughtSync(() => node({ name: 'n', func: () => 0, inputs: ['raw data'], outputs: 'x' }));
  t.equal(ds.code, 'DAGRUN_ERR_PIPELINE_INVALID_NODE');
  t.equal(ds.detail, `Dataset name in node 'n': expected letters, digits, '_', '.', '-', ':', but got "raw data".`);

  const key = caughtSync(() => node({ name: 'n', func: () => 0, inputs: { 'my-arg': 'raw' }, outputs: 'x' }));
  t.equal(key.code, 'DAGRUN_ERR_PIPELINE_INVALID_NODE');
  t.equal(
    key.detail,
    "Input key 'my-arg' of node 'n': " +
      "expected an identifier (it becomes a property of the argument object), but got 'my-arg'.",
  );

  const loc = { file: 'pipeline.yaml', line: 7, col: 7 };
  const located = caughtSync(() => node({ name: 'bad name', func: () => 0, location: loc }));
  t.equal(
    located.message,
    "pipeline.yaml:7:7 [DAGRUN_ERR_PIPELINE_INVALID_NODE] Node name 'bad name': " +
      "expected letters, digits, '_', '.', '-' starting with a letter or '_', but got 'bad name'.",
  );
  t.same(located.location, loc);
});

t.test('an output equal to an input, a repeated output, or a parameter output is refused', async (t) => {
  const same = caughtSync(() =>
    node({ name: 'inplace', func: (x: unknown) => x, inputs: ['table', 'params:k'], outputs: 'table' }),
  );
  t.equal(same.code, 'DAGRUN_ERR_PIPELINE_INVALID_NODE');
  t.equal(same.detail, "Node 'inplace': expected outputs distinct from inputs, but got 'table' as both.");

  const twice = caughtSync(() => node({ name: 'twice', func: () => [1, 2], outputs: ['a', 'a'] }));
  t.equal(twice.code, 'DAGRUN_ERR_PIPELINE_INVALID_NODE');
  t.equal(twice.detail, "Outputs of node 'twice': expected each output once, but got 'a' twice.");

  const twiceMap = caughtSync(() => node({ name: 'twice_map', func: () => ({}), outputs: { x: 'a', y: 'a' } }));
  t.equal(
    twiceMap.detail,
    "Outputs of node 'twice_map': expected each output once, but got 'a' twice.",
    'two keys mapped to one dataset',
  );

  const param = caughtSync(() => node({ name: 'p', func: () => 1, outputs: 'params:alpha' }));
  t.equal(param.detail, "Node 'p': expected outputs to be datasets, but got parameter 'params:alpha'.");
});

t.test('several problems in one node are reported together', async (t) => {
  const err = caughtSync(() => node({ name: '9', func: () => 0, inputs: ['x'], outputs: ['x', 'y', 'y'] }));
  t.ok(err instanceof CheckError);
  t.equal(err.code, 'DAGRUN_ERR_CHECK_FAILED');
  t.same(
    (err as unknown as CheckError).errors.map((e) => e.detail),
    [
      "Node name '9': expected letters, digits, '_', '.', '-' starting with a letter or '_', but got '9'.",
      "Node '9': expected outputs distinct from inputs, but got 'x' as both.",
      "Outputs of node '9': expected each output once, but got 'y' twice.",
    ],
  );
  t.match(err.message, /^\[DAGRUN_ERR_CHECK_FAILED\] 3 errors in node '9'; nothing was run:\n {2}1\) /);
});

t.test('name defaults to the function name; tags are deduplicated; helpers', async (t) => {
  function trainModel(): number {
    return 1;
  }
  const n = new Node({ func: trainModel, outputs: 'model', tags: ['ml', 'ml', 'train'] });
  t.equal(n.name, 'trainModel');
  t.same(n.tags, ['ml', 'train']);
  const tagged = n.withTags(['nightly']);
  t.same(tagged.tags, ['ml', 'train', 'nightly']);
  t.equal(n.withTags([]), n, 'no new tag: the same node');
  t.same(n.tags, ['ml', 'train'], 'withTags does not change the original');

  const renamed = node({
    name: 'fit',
    func: trainModel,
    inputs: { data: 'table', k: 'params:k' },
    outputs: ['model', 'score'],
    funcRef: 'src/m.ts#trainModel',
  }).rename('ns.fit', 'ns', (d) => (d.startsWith('params:') ? d : `ns.${d}`));
  t.equal(renamed.name, 'ns.fit');
  t.equal(renamed.namespace, 'ns');
  t.same(renamed.inputsSpec, { data: 'ns.table', k: 'params:k' });
  t.same(renamed.outputsSpec, ['ns.model', 'ns.score']);
  t.same(renamed.toJSON(), {
    name: 'ns.fit',
    func: 'src/m.ts#trainModel',
    inputs: { data: 'ns.table', k: 'params:k' },
    outputs: ['ns.model', 'ns.score'],
    tags: [],
    namespace: 'ns',
  });

  t.ok(isParamInput('parameters'));
  t.ok(isParamInput('params:a.b'));
  t.notOk(isParamInput('paramsx'));
});
