// What the page draws for a state of the filters: pipeline, tags, namespaces, parameters, collapse.
import t from 'tap';
import { node, pipeline } from '@dagrun/core';
import { buildGraphModel } from './graph.js';
import { computeView, defaultState, indexModel, stateKey, type View, type ViewState } from './view.js';

const fn = () => 0;
const n = (name: string, namespace: string | undefined, inputs: string[], outputs: string[], tags: string[] = []) =>
  node({ name, func: fn, namespace, inputs, outputs, tags });

// The retail demo's shape: two namespaced copies of one report pipeline between shared datasets.
const nodes = [
  n('clean', undefined, ['orders', 'params:cleaning'], ['orders_clean'], ['processing']),
  n('join', undefined, ['orders_clean', 'products'], ['lines'], ['processing']),
  n('by_region.summarise', 'by_region', ['lines', 'params:by_region.group_by'], ['by_region.summary'], ['reporting']),
  n(
    'by_region.render',
    'by_region',
    ['by_region.summary', 'params:by_region.group_by'],
    ['by_region.report'],
    ['reporting'],
  ),
  n(
    'by_product.summarise',
    'by_product',
    ['lines', 'params:by_product.group_by'],
    ['by_product.summary'],
    ['reporting'],
  ),
  n(
    'by_product.render',
    'by_product',
    ['by_product.summary', 'params:by_product.group_by'],
    ['by_product.report'],
    ['reporting'],
  ),
  n('metrics', undefined, ['lines', 'by_region.summary', 'by_product.summary'], ['metrics'], ['reporting']),
];
const model = buildGraphModel({
  project: 'retail',
  pipelines: [
    { name: '__default__', pipeline: pipeline(nodes) },
    { name: 'processing', pipeline: pipeline(nodes.slice(0, 2)) },
  ],
});
const index = indexModel(model);
const view = (change: Partial<ViewState> = {}): View =>
  computeView(model, index, { ...defaultState(model), ...change });
const ids = (v: View, kind?: string) => v.items.filter((i) => !kind || i.kind === kind).map((i) => i.id);
const edges = (v: View) => v.edges.map((e) => `${e.source} > ${e.target}`);

t.test('the default view is the whole default pipeline', async (t) => {
  const v = view();
  t.equal(ids(v, 'node').length, 7);
  t.equal(ids(v, 'dataset').length, 9);
  t.equal(ids(v, 'parameter').length, 3);
  t.equal(v.edges.length, model.edges.length, 'every edge of the pipeline is drawn');
});

t.test('the pipeline filter shows that pipeline and the data it touches', async (t) => {
  const v = view({ pipeline: 'processing' });
  t.same(ids(v), ['d:orders', 'p:params:cleaning', 'n:clean', 'd:orders_clean', 'd:products', 'n:join', 'd:lines']);
  t.equal(v.edges.length, 6);
  t.same(ids(view({ pipeline: 'no-such' }), 'node').length, 7, 'an unknown pipeline falls back to the default one');
});

t.test('the tag filter keeps nodes with any selected tag, and their inputs and outputs', async (t) => {
  const v = view({ tags: ['processing'] });
  t.same(ids(v, 'node'), ['n:clean', 'n:join']);
  t.notOk(ids(v).includes('d:metrics'), 'outputs of hidden nodes are hidden');
  t.ok(ids(v).includes('d:lines'), 'the output of a shown node is shown');
  t.same(
    edges(v).filter((e) => e.includes('metrics')),
    [],
  );
  t.equal(ids(view({ tags: ['processing', 'reporting'] }), 'node').length, 7);
});

t.test('hiding a namespace hides its nodes; hiding the top level hides the rest', async (t) => {
  t.same(ids(view({ hiddenNamespaces: ['by_region'] }), 'node'), [
    'n:clean',
    'n:join',
    'n:by_product.summarise',
    'n:by_product.render',
    'n:metrics',
  ]);
  t.same(ids(view({ hiddenNamespaces: [''] }), 'node'), [
    'n:by_region.summarise',
    'n:by_region.render',
    'n:by_product.summarise',
    'n:by_product.render',
  ]);
});

t.test('a collapsed namespace is one box; edges to it are merged and none loops on it', async (t) => {
  const v = view({ collapsed: ['by_region'] });
  t.same(ids(v, 'namespace'), ['ns:by_region']);
  t.match(
    v.items.find((i) => i.id === 'ns:by_region'),
    { kind: 'namespace', name: 'by_region', nodeCount: 2 },
  );
  t.notOk(
    ids(v).some((id) => id.startsWith('n:by_region.') || id === 'p:params:by_region.group_by'),
    'what is inside is drawn as the box',
  );
  t.ok(ids(v).includes('d:by_region.summary'), 'a dataset read outside the namespace stays outside the box');
  t.ok(ids(v).includes('d:by_region.report'), 'a final output stays outside the box');
  // The box writes by_region.summary and (render, inside it) reads it back: both edges are drawn.
  t.same(
    edges(v)
      .filter((e) => e.includes('ns:by_region'))
      .sort(),
    [
      'd:by_region.summary > ns:by_region',
      'd:lines > ns:by_region',
      'ns:by_region > d:by_region.report',
      'ns:by_region > d:by_region.summary',
    ],
  );
  t.equal(new Set(edges(v)).size, v.edges.length, 'no duplicate edges');
  t.notOk(
    v.edges.some((e) => e.source === e.target),
    'no self-loop',
  );
  const both = view({ collapsed: ['by_region', 'by_product'] });
  t.equal(ids(both, 'node').length, 3);
  t.equal(ids(both, 'namespace').length, 2);
});

t.test('parameters can be left out', async (t) => {
  const v = view({ showParameters: false });
  t.same(ids(v, 'parameter'), []);
  t.notOk(v.edges.some((e) => e.source.startsWith('p:')));
});

t.test('the state key ignores the order of selections', async (t) => {
  const s = defaultState(model);
  t.equal(stateKey({ ...s, tags: ['a', 'b'] }), stateKey({ ...s, tags: ['b', 'a'] }));
  t.not(stateKey({ ...s, tags: ['a'] }), stateKey(s));
});
