// The model of real projects: the property project's pipelines counted against core's own Pipeline,
// catalog facts and versions, the last run and an older one, and errors that name what to change.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isParamInput, openProject } from '@dagrun/core';
import { copyProperty, failProperty, PROPERTY, RETAIL, trainProperty } from '../../test/fixture.js';
import type { DatasetItem, NodeItem, ParameterItem } from './model.js';
import { projectGraph } from './project-graph.js';

t.test('property project: the items and edges of each pipeline are those of the pipeline', async (t) => {
  const { model, warnings } = await projectGraph({ projectDir: PROPERTY, run: false });
  t.same(warnings, []);
  const project = await openProject({ projectDir: PROPERTY });
  t.same(
    model.pipelines.map((p) => p.name),
    project.pipelines!.names(),
  );
  t.equal(model.defaultPipeline, '__default__');
  for (const info of model.pipelines) {
    const p = project.pipeline(info.name);
    t.same(
      info.nodes,
      p.nodes.map((n) => `n:${n.name}`),
      `${info.name}: its nodes, in run order`,
    );
  }
  const p = project.pipeline('model_run');
  const data = p.datasets();
  const count = (kind: string) =>
    model.items.filter((i) => i.kind === kind && (kind === 'node' ? p.node(i.name) : data.includes(i.name))).length;
  t.equal(count('node'), 7);
  t.equal(count('dataset'), data.filter((d) => !isParamInput(d)).length);
  t.equal(count('parameter'), data.filter(isParamInput).length);

  const train = model.items.find((i) => i.id === 'n:train_model') as NodeItem;
  t.same(train.func, { ref: 'src/nodes/model.ts#trainModel', file: 'src/nodes/model.ts', export: 'trainModel' });
  t.match(train.declared, /^pipeline\.yaml:\d+:\d+$/);
  t.same(train.tags, ['training']);
  const hyper = model.items.find((i) => i.id === 'p:params:hyper_params') as ParameterItem;
  t.same(hyper.value, project.params.hyper_params, 'a parameter carries its value');
  const csv = model.items.find((i) => i.id === 'd:train') as DatasetItem;
  t.match(csv, { type: 'csv', declared: true, facts: { path: 'data/01_raw/train.csv', versioned: false } });
  t.match(
    model.items.find((i) => i.id === 'd:train_cols'),
    { type: 'memory', declared: false },
  );
  t.match(
    model.items.find((i) => i.id === 'd:property_request'),
    { type: 'memory', declared: true },
  );
});

t.test('a trained copy: versions present and the newest run; --run picks an older, failed one', async (t) => {
  const dir = copyProperty(t, 'graph');
  const ok = await trainProperty(dir);
  await new Promise((r) => setTimeout(r, 5));
  const second = await trainProperty(dir);
  const failed = await failProperty(dir);

  const newest = await projectGraph({ projectDir: dir });
  t.equal(newest.model.run?.runId, failed, 'the newest run by default');
  t.equal(newest.model.run?.status, 'failed');
  t.match(newest.model.run?.nodes['n:train_model'], { status: 'failed', error: { message: /no_such_loss/ } });
  t.equal(newest.model.run?.nodes['n:predict_model']?.status, 'not_run');
  t.equal(newest.model.run?.nodes['n:predict_properties']?.status, 'not_run', 'a node of another pipeline did not run');
  t.equal(newest.model.run?.error?.node, 'train_model');
  const model = newest.model.items.find((i) => i.id === 'd:model') as DatasetItem;
  t.same(model.versions, [second.runId, ok.runId], 'the versions present, newest first');
  t.equal(model.versionCount, 2);

  const older = await projectGraph({ projectDir: dir, run: ok.runId });
  t.equal(older.model.run?.runId, ok.runId);
  t.equal(older.model.run?.status, 'ok');
  t.ok(
    Object.entries(older.model.run!.nodes).every(([id, n]) =>
      older.model.pipelines.find((p) => p.name === 'model_run')!.nodes.includes(id)
        ? n.status === 'ok'
        : n.status === 'not_run',
    ),
  );
  t.ok((older.model.run?.durationMs ?? 0) > 0, "the run's total time");
  t.equal(older.model.run?.saved['d:model']?.version, ok.runId);
});

t.test('retail demo: namespaces from the modular pipelines', async (t) => {
  const { model } = await projectGraph({ projectDir: RETAIL, run: false });
  t.same(
    model.namespaces.map((n) => n.id),
    ['by_product', 'by_region'],
  );
  t.equal(model.items.find((i) => i.id === 'n:by_region.summarise')?.namespace, 'by_region');
  t.equal(model.items.find((i) => i.id === 'p:params:by_region.group_by')?.namespace, 'by_region');
  t.equal(model.items.find((i) => i.id === 'd:order_lines')?.namespace, '');
});

t.test('--pipeline keeps one pipeline; unknown names list what there is', async (t) => {
  const { model } = await projectGraph({ projectDir: PROPERTY, pipeline: 'inference', run: false });
  t.same(
    model.pipelines.map((p) => p.name),
    ['inference'],
  );
  t.equal(model.defaultPipeline, 'inference');
  t.same(
    model.items.filter((i) => i.kind === 'node').map((i) => i.name),
    ['predict_properties'],
  );

  await t.rejects(projectGraph({ projectDir: PROPERTY, pipeline: 'model_runn' }), {
    code: 'DAGRUN_ERR_PIPELINE_UNKNOWN',
    message: new RegExp(
      String.raw`--pipeline 'model_runn': expected a pipeline declared in pipeline\.yaml ` +
        String.raw`\(generate_data, model_run, load_raw_to_postgres, inference, __default__\), ` +
        String.raw`but got no such pipeline\.\n\s+Hint: did you mean: 'model_run'\?`,
    ),
  });
  await t.rejects(projectGraph({ projectDir: PROPERTY, run: '2020-01-01T00.00.00.000Z' }), {
    code: 'DAGRUN_ERR_CLI_USAGE',
    message:
      /--run '2020-01-01T00\.00\.00\.000Z': expected the id of a run recorded in \.dagrun\/runs, but got no such run\./,
  });
});

t.test('a pipelines file without a pipeline says so', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-viz-empty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'dagrun.yaml'), 'name: empty\n');
  writeFileSync(join(dir, 'pipeline.yaml'), '{}\n');
  await t.rejects(projectGraph({ projectDir: dir }), {
    message: /Pipelines of pipeline\.yaml: expected at least one pipeline to draw, but got none\./,
  });
});
