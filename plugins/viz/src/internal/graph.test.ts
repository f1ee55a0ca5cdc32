// The graph model built from pipelines: items, edges, namespaces, tags, node ids across pipelines.
import t from 'tap';
import { node, pipeline, type RunRecord } from '@dagrun/core';
import { buildGraphModel, type DatasetFacts } from './graph.js';
import type { DatasetItem, GraphModel, NodeItem, ParameterItem } from './model.js';

const fn = () => 0;

//   raw ─ clean ─ clean_table ─ train_model ─ model ─ evaluate ─ metrics
//                 params:model ┘       test ┘
const etl = () =>
  pipeline([
    node({
      name: 'clean',
      func: fn,
      funcRef: 'src/etl.ts#clean',
      inputs: 'raw',
      outputs: 'clean_table',
      tags: ['etl'],
    }),
    node({
      name: 'train_model',
      func: fn,
      funcRef: 'src/ml.ts#train',
      inputs: ['clean_table', 'params:model'],
      outputs: 'model',
      tags: ['ml'],
    }),
    node({
      name: 'evaluate',
      func: fn,
      funcRef: 'src/ml.ts#evaluate',
      inputs: { m: 'model', data: 'test' },
      outputs: 'metrics',
      tags: ['ml', 'report'],
    }),
  ]);

const byKind = (m: GraphModel, kind: string) => m.items.filter((i) => i.kind === kind).map((i) => i.name);
const item = <T>(m: GraphModel, id: string): T => m.items.find((i) => i.id === id) as T;

t.test('one item per node, dataset and parameter; one edge per input and output', async (t) => {
  const facts: Record<string, DatasetFacts> = {
    raw: {
      type: 'csv',
      declared: true,
      facts: { type: 'csv', path: 'data/raw.csv', versioned: false },
      versions: [],
      versionCount: 0,
    },
    model: {
      type: 'object',
      declared: true,
      facts: { type: 'object', path: 'data/model.json', versioned: true },
      versions: ['v2', 'v1'],
      versionCount: 2,
    },
  };
  const m = buildGraphModel({
    project: 'p',
    pipelines: [{ name: '__default__', pipeline: etl() }],
    dataset: (n) => facts[n],
    param: (n) => (n === 'params:model' ? { depth: 3 } : undefined),
  });
  t.same(byKind(m, 'node'), ['clean', 'train_model', 'evaluate']);
  t.same(byKind(m, 'dataset').sort(), ['clean_table', 'metrics', 'model', 'raw', 'test']);
  t.same(byKind(m, 'parameter'), ['params:model']);
  t.same(
    m.edges.map((e) => `${e.source} > ${e.target}`),
    [
      'd:raw > n:clean',
      'n:clean > d:clean_table',
      'd:clean_table > n:train_model',
      'p:params:model > n:train_model',
      'n:train_model > d:model',
      'd:model > n:evaluate',
      'd:test > n:evaluate',
      'n:evaluate > d:metrics',
    ],
  );
  const train = item<NodeItem>(m, 'n:train_model');
  t.same(train.func, { ref: 'src/ml.ts#train', file: 'src/ml.ts', export: 'train' });
  t.same(train.inputs, ['clean_table', 'params:model']);
  t.same(train.outputs, ['model']);
  t.same(item<NodeItem>(m, 'n:evaluate').inputs, ['model', 'test'], 'a map of inputs lists the dataset names');
  t.same(item<ParameterItem>(m, 'p:params:model').value, { depth: 3 });
  t.match(item<DatasetItem>(m, 'd:model'), { type: 'object', declared: true, versions: ['v2', 'v1'], versionCount: 2 });
  t.match(
    item<DatasetItem>(m, 'd:clean_table'),
    { type: 'memory', declared: false },
    'a dataset the catalog does not hold is an undeclared memory dataset',
  );
  t.same(m.tags, ['etl', 'ml', 'report']);
  t.same(m.namespaces, []);
  t.equal(m.defaultPipeline, '__default__');
  t.equal(m.run, undefined);
});

t.test('pipelines share items; the same node included twice is one item with merged tags', async (t) => {
  const p = etl();
  const tagged = pipeline(p.nodes.map((n) => n.withTags(['nightly'])));
  const report = pipeline([node({ name: 'report', func: fn, inputs: 'metrics', outputs: 'report_md' })]);
  const m = buildGraphModel({
    project: 'p',
    pipelines: [
      { name: 'etl', pipeline: p },
      { name: 'nightly', pipeline: tagged },
      { name: 'report', pipeline: report },
    ],
  });
  t.same(byKind(m, 'node'), ['clean', 'train_model', 'evaluate', 'report']);
  t.same(item<NodeItem>(m, 'n:clean').tags, ['etl', 'nightly']);
  t.same(
    m.pipelines.map((x) => [x.name, x.nodes]),
    [
      ['etl', ['n:clean', 'n:train_model', 'n:evaluate']],
      ['nightly', ['n:clean', 'n:train_model', 'n:evaluate']],
      ['report', ['n:report']],
    ],
  );
  t.equal(m.items.filter((i) => i.id === 'd:metrics').length, 1, 'a dataset two pipelines use is one item');
  t.equal(m.defaultPipeline, 'etl', 'without __default__ the page opens on the first pipeline');
});

t.test('two different nodes under one name in different pipelines get distinct ids', async (t) => {
  const a = pipeline([node({ name: 'load', func: fn, funcRef: 'a.ts#load', outputs: 'x' })]);
  const b = pipeline([node({ name: 'load', func: fn, funcRef: 'b.ts#load', outputs: 'y' })]);
  const m = buildGraphModel({
    project: 'p',
    pipelines: [
      { name: 'a', pipeline: a },
      { name: 'b', pipeline: b },
    ],
  });
  t.same(
    m.items.filter((i) => i.kind === 'node').map((i) => i.id),
    ['n:load', 'n:load~2'],
  );
  t.same(m.edges, [
    { source: 'n:load', target: 'd:x' },
    { source: 'n:load~2', target: 'd:y' },
  ]);
});

t.test(
  'namespaces: a dataset sits in the deepest namespace holding its readers and writer, ' +
    'inputs and final outputs outside',
  async (t) => {
    const ns = (name: string, namespace: string | undefined, inputs: string[], outputs: string[]) =>
      node({ name, func: fn, namespace, inputs, outputs });
    const p = pipeline([
      ns('join', undefined, ['orders'], ['lines']),
      ns('by_region.summarise', 'by_region', ['lines', 'params:by_region.group_by'], ['by_region.summary']),
      ns('by_region.render', 'by_region', ['by_region.summary'], ['by_region.report']),
      ns('by_region.deep.trim', 'by_region.deep', ['by_region.report'], ['by_region.deep.out']),
      ns('by_region.deep.more', 'by_region.deep', ['by_region.deep.out'], ['by_region.deep.final']),
      ns('metrics', undefined, ['lines', 'by_region.summary'], ['metrics']),
      ns('by_region.only_in', 'by_region', ['by_region.raw'], ['by_region.tmp']),
      ns('by_region.only_out', 'by_region', ['by_region.tmp'], ['by_region.done']),
    ]);
    const m = buildGraphModel({ project: 'p', pipelines: [{ name: '__default__', pipeline: p }] });
    t.same(m.namespaces, [
      { id: 'by_region', parent: '' },
      { id: 'by_region.deep', parent: 'by_region' },
    ]);
    const nsOf = (id: string) => m.items.find((i) => i.id === id)?.namespace;
    t.equal(nsOf('n:by_region.summarise'), 'by_region');
    t.equal(nsOf('d:lines'), '', 'read inside and outside the namespace: top level');
    t.equal(nsOf('d:by_region.summary'), '', 'also read by a top-level node: top level');
    t.equal(nsOf('p:params:by_region.group_by'), 'by_region');
    t.equal(nsOf('d:by_region.report'), 'by_region', 'written in by_region, read in by_region.deep: by_region');
    t.equal(nsOf('d:by_region.deep.out'), 'by_region.deep');
    t.equal(nsOf('d:by_region.raw'), '', 'read by one namespace but written by none: an input, top level');
    t.equal(nsOf('d:by_region.tmp'), 'by_region', 'written and read inside by_region only');
    t.equal(
      nsOf('d:by_region.deep.final'),
      '',
      'a final output (read by no node) is what the namespace gives: top level',
    );
    t.equal(nsOf('d:orders'), '', 'an input from the catalog: top level');
  },
);

t.test('the run overlay is built from the run record given', async (t) => {
  const record: RunRecord = {
    formatVersion: 1,
    runId: 'r1',
    project: 'p',
    pipeline: '__default__',
    env: ['base'],
    status: 'failed',
    startedAt: '2026-01-01T00:00:00.000Z',
    params: {},
    filters: {},
    saveVersion: 'r1',
    loadVersions: {},
    nodes: [{ name: 'clean', func: 'src/etl.ts#clean', status: 'ok', durationMs: 5 }],
    datasets: [],
  };
  const m = buildGraphModel({ project: 'p', pipelines: [{ name: '__default__', pipeline: etl() }], run: record });
  t.equal(m.run?.runId, 'r1');
  t.same(Object.keys(m.run?.nodes ?? {}), ['n:clean', 'n:train_model', 'n:evaluate']);
});
