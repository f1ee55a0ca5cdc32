import t from 'tap';
import { callNode } from '../node-call.js';
import { join } from 'node:path';
import { PipelineError } from '../errors.js';
import { loadPipelines, resolveFunc } from './loader.js';
import type { Pipeline } from './pipeline.js';
import { caughtSync, makeProject, type TapTest } from '../../../test/helpers/project.js';

const NODES_TS = `
export const extract = () => [3, 1, 2];
export const sortRows = (rows: number[]) => [...rows].sort();
export const summarise = (lines: unknown, groupBy: string, currency: string) => ({ lines, groupBy, currency });
export const render = ({ s, fmt }: { s: unknown; fmt: string }) => fmt + JSON.stringify(s);
export const notAFunction = 42;
`;

const load = async (t: TapTest, yaml: string) => {
  const dir = makeProject(t, { 'pipeline.yaml': yaml, 'src/nodes.ts': NODES_TS });
  return { dir, ...(await loadPipelines(join(dir, 'pipeline.yaml'), dir)) };
};

const shape = (p: Pipeline) =>
  p.nodes.map((n) => ({
    name: n.name,
    namespace: n.namespace ?? null,
    inputs: n.inputsSpec,
    outputs: n.outputsSpec,
    tags: n.tags,
  }));

t.test('several named pipelines in one file, functions imported from .ts', async (t) => {
  const { registry, errors } = await load(
    t,
    `
etl:
  description: Extract and sort.
  tags: [etl]
  nodes:
    - name: sort_rows
      func: src/nodes.ts#sortRows
      inputs: raw
      outputs: sorted
      tags: nightly
    - func: src/nodes.ts#extract
      outputs: raw
report:
  nodes:
    - name: render
      func: src/nodes.ts#render
      inputs: { s: sorted, fmt: params:format }
      outputs: report_md
`,
  );
  t.same(errors, []);
  t.same(registry!.names(), ['etl', 'report']);
  t.equal(registry!.description('etl'), 'Extract and sort.');
  t.equal(registry!.description('report'), undefined);
  t.same(registry!.roots(), ['etl', 'report']);
  const etl = registry!.get('etl');
  t.equal(registry!.get('etl'), etl, 'built once');
  t.same(
    shape(etl),
    [
      { name: 'extract', namespace: null, inputs: [], outputs: 'raw', tags: ['etl'] },
      { name: 'sort_rows', namespace: null, inputs: ['raw'], outputs: 'sorted', tags: ['nightly', 'etl'] },
    ],
    'a node without a name is named after its export; pipeline tags are added to every node',
  );
  const extract = etl.node('extract')!;
  t.equal(extract.funcRef, 'src/nodes.ts#extract');
  t.same(callNode(extract, []), [[3, 1, 2]], 'the real exported function');
  t.same(extract.location, { file: 'pipeline.yaml', line: 11, col: 7 });
  t.same(etl.node('sort_rows')!.location, { file: 'pipeline.yaml', line: 6, col: 7 });
  t.same(callNode(registry!.get('report').node('render')!, [[1], '#']), ['#[1]']);

  const unknown = caughtSync(() => registry!.get('etll'));
  t.ok(unknown instanceof PipelineError);
  t.equal(unknown.code, 'DAGRUN_ERR_PIPELINE_UNKNOWN');
  t.equal(
    unknown.message,
    "[DAGRUN_ERR_PIPELINE_UNKNOWN] Pipeline 'etll': " +
      "expected one declared in pipeline.yaml, but got no such pipeline.\n  Hint: did you mean: 'etl'?",
  );
  t.equal(caughtSync(() => registry!.get('__default__')).hint, 'Hint: declared pipelines: etl, report.');
});

const REPORT = `
report:
  nodes:
    - name: summarise
      func: src/nodes.ts#summarise
      inputs: [lines, params:group_by, params:shared.currency]
      outputs: summary
      tags: [reporting]
    - name: render
      func: src/nodes.ts#render
      inputs: { s: summary, fmt: params:format }
      outputs: report
`;

t.test(
  'an include with a namespace prefixes node names, datasets and parameters; mappings as list and map',
  async (t) => {
    const { registry, errors } = await load(
      t,
      `${REPORT}
__default__:
  pipelines:
    - pipeline: report
      namespace: by_region
      inputs: [lines]
      parameters: [shared]
    - pipeline: report
      namespace: by_product
      inputs: { lines: product_lines }
      outputs: { report: product_report }
      parameters: { format: product_format, shared: common }
      tags: [product]
`,
    );
    t.same(errors, []);
    t.same(registry!.roots(), ['__default__'], 'an included pipeline is not a root');
    const p = registry!.get('__default__');
    t.same(shape(p), [
      {
        name: 'by_region.summarise',
        namespace: 'by_region',
        inputs: ['lines', 'params:by_region.group_by', 'params:shared.currency'],
        outputs: 'by_region.summary',
        tags: ['reporting'],
      },
      {
        name: 'by_region.render',
        namespace: 'by_region',
        inputs: { s: 'by_region.summary', fmt: 'params:by_region.format' },
        outputs: 'by_region.report',
        tags: [],
      },
      {
        name: 'by_product.summarise',
        namespace: 'by_product',
        inputs: ['product_lines', 'params:by_product.group_by', 'params:common.currency'],
        outputs: 'by_product.summary',
        tags: ['reporting', 'product'],
      },
      {
        name: 'by_product.render',
        namespace: 'by_product',
        inputs: { s: 'by_product.summary', fmt: 'params:product_format' },
        outputs: 'product_report',
        tags: ['product'],
      },
    ]);
    // The original stays as declared.
    t.same(
      shape(registry!.get('report')).map((n) => n.name),
      ['summarise', 'render'],
    );
    t.same(registry!.get('report').node('summarise')!.inputsSpec, [
      'lines',
      'params:group_by',
      'params:shared.currency',
    ]);
  },
);

t.test('parameter mappings accept the params: prefix, as Kedro does; outputs as a list', async (t) => {
  const { registry, errors } = await load(
    t,
    `${REPORT}
__default__:
  pipelines:
    - pipeline: report
      namespace: eu
      outputs: [report]
      parameters: [params:shared]
    - pipeline: report
      namespace: us
      parameters: { params:format: params:us_format }
`,
  );
  t.same(errors, []);
  const p = registry!.get('__default__');
  t.same(p.node('eu.summarise')!.inputsSpec, ['eu.lines', 'params:eu.group_by', 'params:shared.currency']);
  t.same(p.node('us.render')!.inputsSpec, { s: 'us.summary', fmt: 'params:us_format' });
  t.equal(p.node('eu.render')!.outputsSpec, 'report', 'an outputs list keeps those names unprefixed');
  t.equal(p.node('us.render')!.outputsSpec, 'us.report');
});

t.test('nested includes stack their namespaces; an include without namespace keeps names', async (t) => {
  const { registry, errors } = await load(
    t,
    `${REPORT}
regional:
  pipelines:
    - pipeline: report
      namespace: inner
      inputs: [lines]
__default__:
  pipelines:
    - pipeline: regional
      namespace: outer
    - pipeline: report
      tags: [plain]
`,
  );
  t.same(errors, []);
  t.same(shape(registry!.get('__default__')), [
    {
      name: 'outer.inner.summarise',
      namespace: 'outer.inner',
      inputs: ['outer.lines', 'params:outer.inner.group_by', 'params:outer.inner.shared.currency'],
      outputs: 'outer.inner.summary',
      tags: ['reporting'],
    },
    {
      name: 'outer.inner.render',
      namespace: 'outer.inner',
      inputs: { s: 'outer.inner.summary', fmt: 'params:outer.inner.format' },
      outputs: 'outer.inner.report',
      tags: [],
    },
    {
      name: 'summarise',
      namespace: null,
      inputs: ['lines', 'params:group_by', 'params:shared.currency'],
      outputs: 'summary',
      tags: ['reporting', 'plain'],
    },
    {
      name: 'render',
      namespace: null,
      inputs: { s: 'summary', fmt: 'params:format' },
      outputs: 'report',
      tags: ['plain'],
    },
  ]);
});

t.test('composition: a pipeline made of other pipelines', async (t) => {
  const { registry, errors } = await load(
    t,
    `
load:
  nodes:
    - { name: extract, func: src/nodes.ts#extract, outputs: raw }
shape:
  nodes:
    - { name: sort_rows, func: src/nodes.ts#sortRows, inputs: raw, outputs: sorted }
publish:
  nodes:
    - { name: render, func: src/nodes.ts#render, inputs: { s: sorted, fmt: params:format }, outputs: report }
__default__:
  pipelines: [publish, shape, load]
partial:
  pipelines: [shape]
  nodes:
    - { name: again, func: src/nodes.ts#sortRows, inputs: sorted, outputs: sorted_twice }
`,
  );
  t.same(errors, []);
  t.same(
    registry!.get('__default__').nodes.map((n) => n.name),
    ['extract', 'sort_rows', 'render'],
    'sorted across the parts',
  );
  t.same(
    registry!.get('__default__').nodes.map((n) => n.namespace),
    [undefined, undefined, undefined],
  );
  t.same(
    registry!.get('partial').nodes.map((n) => n.name),
    ['sort_rows', 'again'],
    'own nodes and included ones together',
  );
  t.same(registry!.get('partial').inputs(), ['raw']);
  t.same(registry!.roots(), ['__default__', 'partial']);
});

t.test('including an unknown pipeline, or itself, is DAGRUN_ERR_PIPELINE_INCLUDE with file:line', async (t) => {
  const { registry, errors } = await load(
    t,
    `${REPORT}
__default__:
  pipelines:
    - report
    - pipeline: reprot
      namespace: x
loop:
  pipelines:
    - loop
ping:
  pipelines: [pong]
pong:
  pipelines: [ping]
`,
  );
  t.same(
    errors.map((e) => e.code),
    [
      'DAGRUN_ERR_PIPELINE_INCLUDE',
      'DAGRUN_ERR_PIPELINE_INCLUDE',
      'DAGRUN_ERR_PIPELINE_INCLUDE',
      'DAGRUN_ERR_PIPELINE_INCLUDE',
    ],
  );
  t.same(
    errors.map((e) => e.message),
    [
      "pipeline.yaml:17:7 [DAGRUN_ERR_PIPELINE_INCLUDE] Pipeline '__default__' includes 'reprot': " +
        "expected a pipeline declared in pipeline.yaml, but got no such pipeline.\n  Hint: did you mean: 'report'?",
      "pipeline.yaml:21:7 [DAGRUN_ERR_PIPELINE_INCLUDE] Pipeline 'loop' includes 'loop': " +
        'expected no pipeline to include itself, but got loop -> loop.',
      "pipeline.yaml:25:15 [DAGRUN_ERR_PIPELINE_INCLUDE] Pipeline 'pong' includes 'ping': " +
        'expected no pipeline to include itself, but got ping -> pong -> ping.',
      "pipeline.yaml:23:15 [DAGRUN_ERR_PIPELINE_INCLUDE] Pipeline 'ping' includes 'pong': " +
        'expected no pipeline to include itself, but got pong -> ping -> pong.',
    ],
  );
  const err = caughtSync(() => registry!.get('__default__'));
  t.equal(err.code, 'DAGRUN_ERR_PIPELINE_INCLUDE', 'get() refuses the broken pipeline too');
});

t.test('a func reference without #export is DAGRUN_ERR_FUNC_REF', async (t) => {
  const dir = makeProject(t, { 'src/nodes.ts': NODES_TS });
  const r = await resolveFunc('src/nodes.ts', dir);
  t.ok(r instanceof Error);
  t.equal((r as Error & { code: string }).code, 'DAGRUN_ERR_FUNC_REF');
  t.equal(
    (r as Error).message,
    "[DAGRUN_ERR_FUNC_REF] Node func 'src/nodes.ts': expected path/to/module.ts#exportName, but got no '#exportName'.",
  );
  t.equal(typeof (await resolveFunc('src/nodes.ts#extract', dir)), 'function');
  t.equal(
    typeof (await resolveFunc(join(dir, 'src/nodes.ts#extract'), '/')),
    'function',
    'an absolute module path works too',
  );
});

t.test(
  'an include mapping a name the included pipeline does not have is DAGRUN_ERR_PIPELINE_INCLUDE, as in Kedro',
  async (t) => {
    const { errors } = await load(
      t,
      `
report:
  nodes:
    - name: summarise
      func: src/nodes.ts#summarise
      inputs: [lines, params:group_by, params:currency]
      outputs: summary
all:
  pipelines:
    - pipeline: report
      namespace: r
      inputs: { linez: order_lines }
      outputs: [sumary]
      parameters: [group_by, colour]
`,
    );
    t.same(
      errors.map((e) => [e.code, e.message]),
      [
        [
          'DAGRUN_ERR_PIPELINE_INCLUDE',
          "pipeline.yaml:12:15 [DAGRUN_ERR_PIPELINE_INCLUDE] Pipeline 'all' includes " +
            "'report' with inputs 'linez': expected one of its free inputs, but got a name it does not have.\n" +
            "  Hint: did you mean: 'lines'?",
        ],
        [
          'DAGRUN_ERR_PIPELINE_INCLUDE',
          "pipeline.yaml:13:16 [DAGRUN_ERR_PIPELINE_INCLUDE] Pipeline 'all' includes " +
            "'report' with outputs 'sumary': expected one of its outputs, but got a name it does not have.\n" +
            "  Hint: did you mean: 'summary'?",
        ],
        [
          'DAGRUN_ERR_PIPELINE_INCLUDE',
          "pipeline.yaml:14:19 [DAGRUN_ERR_PIPELINE_INCLUDE] Pipeline 'all' includes " +
            "'report' with parameters 'colour': expected one of its parameters, but got a name it does not have.\n" +
            "  Hint: it has 'group_by', 'currency'.",
        ],
      ],
    );
  },
);
