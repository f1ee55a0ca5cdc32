// Inference plans (what `dagrun serve` runs per request): artifacts loaded once at the newest or a
// pinned version, only the nodes the outputs need, sync and async nodes, and errors naming the node
// or the dataset.

import t from 'tap';
import { openProject, DagrunError, NodeError } from '../src/index.js';
import { caught, makeProject } from './helpers/project.js';

const NODES_TS = `
export const train = (rows: number[], factor: number) => ({
  factor,
  mean: rows.reduce((a, b) => a + b, 0) / rows.length,
});
export const score = (model: { factor: number; mean: number }, request: { x: number }[]) => {
  if (!Array.isArray(request)) throw new TypeError('request must be an array');
  return request.map((r) => r.x * model.factor + model.mean);
};
export const label = async (scores: number[], threshold: number) => scores.map((s) => (s > threshold ? 'high' : 'low'));
export const report = (scores: number[]) => 'never needed by the plan ' + scores.length;
`;

const files = {
  'src/nodes.ts': NODES_TS,
  'conf/base/parameters.yaml': 'factor: 2\nthreshold: 10\n',
  'conf/base/catalog.yaml': `
rows: { type: json, path: data/rows.json }
model: { type: json, path: data/model.json, versioned: true }
request: { type: memory }
`,
  'data/rows.json': '[1, 2, 3]',
  'pipeline.yaml': `
train:
  nodes:
    - { name: train, func: src/nodes.ts#train, inputs: [rows, params:factor], outputs: model }
inference:
  nodes:
    - { name: score, func: src/nodes.ts#score, inputs: [model, request], outputs: scores }
    - { name: label, func: src/nodes.ts#label, inputs: [scores, params:threshold], outputs: labels }
    - { name: report, func: src/nodes.ts#report, inputs: [scores], outputs: summary }
__default__:
  pipelines: [train]
`,
};

t.test('a plan loads the newest model once, runs only the needed nodes, and answers sync or async', async (t) => {
  const dir = makeProject(t, files);
  const project = await openProject({ projectDir: dir });
  const first = await project.run({ pipeline: 'train', record: false });
  await new Promise((r) => setTimeout(r, 5));
  const second = await project.run({ pipeline: 'train', params: undefined, record: false });
  const versions = [first, second].map((o) => o.record.datasets.find((d) => d.name === 'model')!.version!);
  t.not(versions[0], versions[1]);

  const plan = await project.inferencePlan({ pipeline: 'inference', inputs: ['request'], outputs: ['scores'] });
  t.same(
    plan.nodes.map((n) => n.name),
    ['score'],
    'report and label are not needed for scores',
  );
  t.same(plan.artifacts, [{ name: 'model', version: versions[1], type: 'json' }], 'the newest version, reported');
  t.same(plan.run({ request: [{ x: 1 }, { x: 3 }] }), { scores: [4, 8] }, 'synchronous: a plain object');

  const both = await project.inferencePlan({
    pipeline: 'inference',
    inputs: ['request'],
    outputs: ['scores', 'labels'],
  });
  const answer = both.run({ request: [{ x: 1 }, { x: 5 }] });
  t.ok(answer instanceof Promise, 'an async node makes the run a Promise');
  t.same(await answer, { scores: [4, 12], labels: ['low', 'high'] });

  const pinned = await project.inferencePlan({
    pipeline: 'inference',
    inputs: ['request'],
    outputs: ['scores'],
    loadVersions: { model: versions[0]! },
  });
  t.same(pinned.artifacts[0]!.version, versions[0], 'a pinned version');
});

t.test('a node that throws names itself; bad inputs and outputs name the pipeline and the datasets', async (t) => {
  const dir = makeProject(t, files);
  const project = await openProject({ projectDir: dir });
  await project.run({ pipeline: 'train', record: false });
  const plan = await project.inferencePlan({ pipeline: 'inference', inputs: ['request'], outputs: ['scores'] });
  const err = await caught(() => plan.run({ request: 'not rows' }));
  t.ok(err instanceof NodeError);
  t.equal((err as unknown as NodeError).code, 'DAGRUN_ERR_NODE_FAILED');
  t.match(err.message, "Node 'score' (src/nodes.ts#score) failed: TypeError: request must be an array");

  const badIn = await caught(() =>
    project.inferencePlan({ pipeline: 'inference', inputs: ['requests'], outputs: ['scores'] }),
  );
  t.equal((badIn as unknown as DagrunError).code, 'DAGRUN_ERR_INFERENCE_SPEC');
  t.match(
    badIn.message,
    "Inference inputs of pipeline 'inference': expected free inputs of the nodes that produce scores (model, " +
      "request), but got 'requests'.",
  );
  const badOut = await caught(() =>
    project.inferencePlan({ pipeline: 'inference', inputs: ['request'], outputs: ['score'] }),
  );
  t.match(
    badOut.message,
    "Inference outputs of pipeline 'inference': expected datasets its nodes produce (scores, labels, summary), " +
      "but got 'score'.",
  );
  const missing = await caught(() =>
    project.inferencePlan({
      pipeline: 'inference',
      inputs: ['request'],
      outputs: ['scores'],
      loadVersions: { model: '2001-01-01T00.00.00.000Z' },
    }),
  );
  t.match(missing.message, "expected '2001-01-01T00.00.00.000Z' to exist");
});

t.test('named inputs, list and map outputs, four arguments, and a value that does not fit its outputs', async (t) => {
  const dir = makeProject(t, {
    'src/nodes.ts': `
export const split = (xs: number[]) => [xs.filter((x) => x < 0), xs.filter((x) => x >= 0)];
export const stats = ({ neg, pos }: { neg: number[]; pos: number[] }) => ({ n: neg.length, p: pos.length });
export const four = (a: number, b: number, c: number, d: number) => a * 1000 + b * 100 + c * 10 + d;
export const wrong = (xs: number[]) => xs.length;
`,
    'conf/base/parameters.yaml': 'a: 1\nb: 2\nc: 3\n',
    'conf/base/catalog.yaml': 'xs: { type: memory }\n',
    'pipeline.yaml': `
inference:
  nodes:
    - { name: split, func: src/nodes.ts#split, inputs: xs, outputs: [neg, pos] }
    - { name: stats, func: src/nodes.ts#stats, inputs: { neg: neg, pos: pos }, outputs: { n: n_neg, p: n_pos } }
    - { name: four, func: src/nodes.ts#four, inputs: [params:a, params:b, params:c, n_pos], outputs: code }
broken:
  nodes:
    - { name: wrong, func: src/nodes.ts#wrong, inputs: xs, outputs: [left, right] }
`,
  });
  const project = await openProject({ projectDir: dir });
  const plan = await project.inferencePlan({
    pipeline: 'inference',
    inputs: ['xs'],
    outputs: ['neg', 'n_neg', 'code'],
  });
  t.same(plan.run({ xs: [-1, 2, -3, 4, 5] }), { neg: [-1, -3], n_neg: 2, code: 1233 });
  t.same(plan.run({ xs: [7] }), { neg: [], n_neg: 0, code: 1231 }, 'runs share nothing');
  const broken = await project.inferencePlan({ pipeline: 'broken', inputs: ['xs'], outputs: ['left'] });
  const err = await caught(() => broken.run({ xs: [1] }));
  t.equal((err as unknown as DagrunError).code, 'DAGRUN_ERR_NODE_OUTPUT');
  t.match(err.message, "Node 'wrong' (src/nodes.ts#wrong) returned a value that does not fit its outputs");
});

t.test('without a saved model the plan cannot be built, and says which dataset and what to run', async (t) => {
  const dir = makeProject(t, files);
  const project = await openProject({ projectDir: dir });
  const err = await caught(() =>
    project.inferencePlan({ pipeline: 'inference', inputs: ['request'], outputs: ['scores'] }),
  );
  t.match(err.message, "Versioned dataset 'model': expected at least one version");
});
