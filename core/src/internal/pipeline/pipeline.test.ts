import t from 'tap';
import { CheckError, PipelineError } from '../errors.js';
import { node, type Node } from './node.js';
import { Pipeline, pipeline, type PipelineFilter } from './pipeline.js';
import { caughtSync } from '../../../test/helpers/project.js';

const fn = () => 0;
const at = (line: number) => ({ file: 'pipeline.yaml', line, col: 7 });

// Declared out of order on purpose: the pipeline must sort them.
//   ingest -> raw -> clean -> clean_table -> features -> feats -> split -> train/test
//   train + params:model -> train_model -> model; model + test -> evaluate -> metrics
//   clean_table + metrics -> report -> report_md;   raw -> audit -> audit_log
const graph = (): Node[] => [
  node({ name: 'report', func: fn, inputs: ['clean_table', 'metrics'], outputs: 'report_md', tags: ['report'] }),
  node({
    name: 'evaluate',
    func: fn,
    inputs: { m: 'model', data: 'test' },
    outputs: 'metrics',
    tags: ['ml', 'report'],
  }),
  node({ name: 'audit', func: fn, inputs: 'raw', outputs: 'audit_log', tags: ['etl'] }),
  node({ name: 'train_model', func: fn, inputs: ['train', 'params:model'], outputs: 'model', tags: ['ml', 'train'] }),
  node({ name: 'split', func: fn, inputs: 'feats', outputs: ['train', 'test'], tags: ['ml'] }),
  node({ name: 'features', func: fn, inputs: ['clean_table', 'params:features'], outputs: 'feats', tags: ['ml'] }),
  node({ name: 'clean', func: fn, inputs: 'raw', outputs: 'clean_table', tags: ['etl'] }),
  node({ name: 'ingest', func: fn, outputs: 'raw', tags: ['etl'] }),
];
const names = (p: Pipeline) => p.nodes.map((n) => n.name);

t.test('nodes come out in topological order, ties in declaration order', async (t) => {
  const p = pipeline(graph());
  t.same(names(p), ['ingest', 'audit', 'clean', 'features', 'split', 'train_model', 'evaluate', 'report']);
  t.same(p.inputs().sort(), ['params:features', 'params:model']);
  t.same(p.outputs().sort(), ['audit_log', 'report_md']);
  t.same(p.tags(), ['etl', 'ml', 'report', 'train']);
  t.equal(p.producerOf('model')?.name, 'train_model');
  t.same(
    p
      .consumersOf('raw')
      .map((n) => n.name)
      .sort(),
    ['audit', 'clean'],
  );
  t.equal(p.node('split')?.name, 'split');

  const independent = pipeline([
    node({ name: 'b', func: fn, outputs: 'x' }),
    node({ name: 'a', func: fn, outputs: 'y' }),
    node({ name: 'c', func: fn, inputs: ['y', 'x'], outputs: 'z' }),
  ]);
  t.same(names(independent), ['b', 'a', 'c'], 'independent nodes keep their declared order');
});

t.test('partial runs select exactly the expected nodes', async (t) => {
  const p = pipeline(graph());
  const cases: Array<[string, PipelineFilter, string[]]> = [
    ['--nodes', { nodes: ['train_model', 'clean'] }, ['clean', 'train_model']],
    ['--from-nodes', { fromNodes: ['split'] }, ['split', 'train_model', 'evaluate', 'report']],
    ['--from-nodes (two)', { fromNodes: ['audit', 'train_model'] }, ['audit', 'train_model', 'evaluate', 'report']],
    ['--to-nodes', { toNodes: ['evaluate'] }, ['ingest', 'clean', 'features', 'split', 'train_model', 'evaluate']],
    ['--to-nodes (leaf of a side branch)', { toNodes: ['audit'] }, ['ingest', 'audit']],
    ['--tags (one)', { tags: ['etl'] }, ['ingest', 'audit', 'clean']],
    ['--tags (any of two)', { tags: ['train', 'report'] }, ['train_model', 'evaluate', 'report']],
    ['--from-inputs', { fromInputs: ['clean_table'] }, ['features', 'split', 'train_model', 'evaluate', 'report']],
    ['--from-inputs (a parameter)', { fromInputs: ['params:model'] }, ['train_model', 'evaluate', 'report']],
    ['--to-outputs', { toOutputs: ['test'] }, ['ingest', 'clean', 'features', 'split']],
    ['--to-outputs (two)', { toOutputs: ['audit_log', 'feats'] }, ['ingest', 'audit', 'clean', 'features']],
    [
      '--from-nodes ∩ --to-nodes',
      { fromNodes: ['features'], toNodes: ['evaluate'] },
      ['features', 'split', 'train_model', 'evaluate'],
    ],
    ['--from-nodes ∩ --tags', { fromNodes: ['clean'], tags: ['ml'] }, ['features', 'split', 'train_model', 'evaluate']],
    ['--from-inputs ∩ --to-outputs', { fromInputs: ['feats'], toOutputs: ['model'] }, ['split', 'train_model']],
    ['--nodes ∩ --tags', { nodes: ['clean', 'split', 'report'], tags: ['ml', 'etl'] }, ['clean', 'split']],
    [
      'all six',
      {
        nodes: ['split', 'train_model', 'evaluate'],
        fromNodes: ['features'],
        toNodes: ['evaluate'],
        tags: ['ml'],
        fromInputs: ['feats'],
        toOutputs: ['metrics'],
      },
      ['split', 'train_model', 'evaluate'],
    ],
  ];
  for (const [label, filter, expected] of cases) t.same(names(p.filter(filter)), expected, label);
  t.same(names(p.filter({})), names(p), 'no filter: everything');
  t.same(names(p.onlyNodes(['report'])), ['report']);
  t.same(names(p.fromNodes(['evaluate'])), ['evaluate', 'report']);
  t.same(names(p.toNodes(['clean'])), ['ingest', 'clean']);
  t.same(names(p.onlyNodesWithTags(['train'])), ['train_model']);
  t.same(names(p.fromInputs(['test'])), ['evaluate', 'report']);
  t.same(names(p.toOutputs(['raw'])), ['ingest']);
  t.equal(p.nodes.length, 8, 'filtering never changes the original pipeline');
});

t.test('filters that select nothing together are an error', async (t) => {
  const p = pipeline(graph());
  const err = caughtSync(() => p.filter({ nodes: ['audit'], tags: ['ml'] }));
  t.ok(err instanceof PipelineError);
  t.equal(err.code, 'DAGRUN_ERR_PIPELINE_EMPTY');
  t.equal(
    err.message,
    '[DAGRUN_ERR_PIPELINE_EMPTY] Filtered pipeline: expected at least one node to run, but got none.\n' +
      '  Hint: the filters given select disjoint sets of nodes; check them with `dagrun run --dry-run`.',
  );
});

t.test('unknown names in filters fail with DAGRUN_ERR_PIPELINE_FILTER and a did-you-mean', async (t) => {
  const p = pipeline(graph());
  const cases: Array<[PipelineFilter, string]> = [
    [
      { nodes: ['trian_model'] },
      "--nodes: expected a node of the pipeline, but got 'trian_model'.\n  Hint: did you mean: 'train_model'?",
    ],
    [
      { fromNodes: ['splt'] },
      "--from-nodes: expected a node of the pipeline, but got 'splt'.\n  Hint: did you mean: 'split'?",
    ],
    [
      { toNodes: ['evalute'] },
      "--to-nodes: expected a node of the pipeline, but got 'evalute'.\n  Hint: did you mean: 'evaluate'?",
    ],
    [
      { tags: ['reprot'] },
      "--tags: expected a tag of the pipeline, but got 'reprot'.\n  Hint: did you mean: 'report'?",
    ],
    [
      { fromInputs: ['clean_tabel'] },
      "--from-inputs: expected a dataset of the pipeline, but got 'clean_tabel'.\n  Hint: did you mean: 'clean_table'?",
    ],
    [
      { toOutputs: ['modle'] },
      "--to-outputs: expected a dataset of the pipeline, but got 'modle'.\n  Hint: did you mean: 'model'?",
    ],
    [{ nodes: ['zzzzzzzzzzzz'] }, "--nodes: expected a node of the pipeline, but got 'zzzzzzzzzzzz'."],
  ];
  for (const [filter, message] of cases) {
    const err = caughtSync(() => p.filter(filter));
    t.ok(err instanceof PipelineError);
    t.equal(err.code, 'DAGRUN_ERR_PIPELINE_FILTER');
    t.equal(err.message, `[DAGRUN_ERR_PIPELINE_FILTER] ${message}`);
  }
  // A dataset only consumed has no producer, so it cannot be a --to-outputs target; one only produced is not
  // a --from-inputs start.
  t.equal(
    caughtSync(() => p.toOutputs(['params:model'])).detail,
    "--to-outputs: expected a dataset of the pipeline, but got 'params:model'.",
  );
  t.equal(
    caughtSync(() => p.fromInputs(['report_md'])).detail,
    "--from-inputs: expected a dataset of the pipeline, but got 'report_md'.",
  );
});

t.test('two nodes with one name are DAGRUN_ERR_PIPELINE_DUPLICATE_NODE', async (t) => {
  const err = caughtSync(() =>
    pipeline([
      node({ name: 'clean', func: fn, outputs: 'a', location: at(3) }),
      node({ name: 'clean', func: fn, outputs: 'b', location: at(9) }),
    ]),
  );
  t.ok(err instanceof PipelineError);
  t.equal(err.code, 'DAGRUN_ERR_PIPELINE_DUPLICATE_NODE');
  t.equal(
    err.message,
    "pipeline.yaml:9:7 [DAGRUN_ERR_PIPELINE_DUPLICATE_NODE] Node name 'clean': " +
      'expected each node name once, but got it twice.\n  Hint: the other is at pipeline.yaml:3.',
  );
});

t.test('two nodes writing one output are DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT', async (t) => {
  const err = caughtSync(() =>
    pipeline([
      node({ name: 'a', func: fn, outputs: ['x', 'shared'], location: at(3) }),
      node({ name: 'b', func: fn, outputs: { s: 'shared' }, location: at(8) }),
    ]),
  );
  t.ok(err instanceof PipelineError);
  t.equal(err.code, 'DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT');
  t.equal(
    err.message,
    "pipeline.yaml:8:7 [DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT] Dataset 'shared': " +
      "expected one node to write it, but got 'a' and 'b'.\n  Hint: rename one output, or merge the two nodes.",
  );
});

t.test('a cycle is DAGRUN_ERR_PIPELINE_CYCLE listing only the nodes on it', async (t) => {
  // 'down' consumes the cycle's output and 'up' feeds it: neither is on the cycle.
  const nodes = [
    node({ name: 'down', func: fn, inputs: 'z', outputs: 'out', location: at(2) }),
    node({ name: 'c', func: fn, inputs: 'y', outputs: 'z', location: at(6) }),
    node({ name: 'up', func: fn, outputs: 'seed', location: at(10) }),
    node({ name: 'a', func: fn, inputs: ['z', 'seed'], outputs: 'x', location: at(14) }),
    node({ name: 'b', func: fn, inputs: 'x', outputs: 'y', location: at(18) }),
  ];
  const err = caughtSync(() => pipeline(nodes));
  t.ok(err instanceof PipelineError);
  t.equal(err.code, 'DAGRUN_ERR_PIPELINE_CYCLE');
  t.equal(
    err.message,
    'pipeline.yaml:6:7 [DAGRUN_ERR_PIPELINE_CYCLE] Pipeline: expected no cycle, but ' +
      "got 'c' -> 'a' -> 'b' -> 'c'.\n  Hint: a node cannot depend, directly or through others, on its own output.",
  );

  const two = caughtSync(() =>
    pipeline([
      node({ name: 'p', func: fn, inputs: 'q_out', outputs: 'p_out' }),
      node({ name: 'q', func: fn, inputs: 'p_out', outputs: 'q_out' }),
    ]),
  );
  t.equal(two.detail, "Pipeline: expected no cycle, but got 'p' -> 'q' -> 'p'.");
});

t.test('distinct problems are reported together', async (t) => {
  const err = caughtSync(() =>
    pipeline([
      node({ name: 'a', func: fn, inputs: 'y', outputs: 'x' }),
      node({ name: 'a', func: fn, outputs: 'w' }),
      node({ name: 'b', func: fn, inputs: 'x', outputs: 'y' }),
      node({ name: 'c', func: fn, outputs: 'w' }),
    ]),
  );
  t.ok(err instanceof CheckError);
  t.same(
    (err as unknown as CheckError).errors.map((e) => e.code),
    ['DAGRUN_ERR_PIPELINE_DUPLICATE_NODE', 'DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT', 'DAGRUN_ERR_PIPELINE_CYCLE'],
  );
  t.equal(
    (err as unknown as CheckError).errors[1]!.detail,
    "Dataset 'w': expected one node to write it, but got 'a' and 'c'.",
  );
  t.equal((err as unknown as CheckError).errors[2]!.detail, "Pipeline: expected no cycle, but got 'a' -> 'b' -> 'a'.");
});

t.test('plus composes pipelines into one sorted pipeline', async (t) => {
  const [report, evaluate, audit, trainModel, split, features, clean, ingest] = graph();
  const front = pipeline([ingest!, clean!, audit!]);
  const back = pipeline([report!, evaluate!, trainModel!, split!, features!]);
  const whole = back.plus(front);
  t.not(whole, back);
  // Ties go to the earlier position in the composition: back's nodes come before front's.
  t.same(
    names(whole),
    ['ingest', 'clean', 'features', 'split', 'train_model', 'evaluate', 'report', 'audit'],
    'sorted across both parts',
  );
  t.same(names(back), ['features', 'split', 'train_model', 'evaluate', 'report'], 'parts are unchanged');
  t.same(back.inputs().sort(), ['clean_table', 'params:features', 'params:model']);
  t.same(names(front.plus(front, pipeline([clean!]))), ['ingest', 'clean', 'audit'], 'the same node twice counts once');
  const clash = caughtSync(() => front.plus(pipeline([node({ name: 'other', func: fn, outputs: 'raw' })])));
  t.equal(clash.code, 'DAGRUN_ERR_PIPELINE_DUPLICATE_OUTPUT');
  t.equal(clash.detail, "Dataset 'raw': expected one node to write it, but got 'ingest' and 'other'.");
});

t.test('toJSON gives nodes in order, datasets without parameters, inputs and outputs', async (t) => {
  const p = pipeline([
    node({
      name: 'fit',
      func: fn,
      funcRef: 'src/m.ts#fit',
      inputs: { data: 'table', k: 'params:k' },
      outputs: ['model', 'score'],
      tags: ['ml'],
      location: at(4),
    }),
    node({
      name: 'load',
      func: function loadTable() {
        return 1;
      },
      outputs: 'table',
    }),
  ]);
  t.same(JSON.parse(JSON.stringify(p)), {
    nodes: [
      { name: 'load', func: 'loadTable', inputs: [], outputs: 'table', tags: [], namespace: null },
      {
        name: 'fit',
        func: 'src/m.ts#fit',
        inputs: { data: 'table', k: 'params:k' },
        outputs: ['model', 'score'],
        tags: ['ml'],
        namespace: null,
        location: { file: 'pipeline.yaml', line: 4, col: 7 },
      },
    ],
    datasets: ['table', 'model', 'score'],
    inputs: ['params:k'],
    outputs: ['model', 'score'],
  });
});
