import t from 'tap';
import { HookManager, HOOK_NAMES, type Hooks } from './hooks.js';
import type { Plugin } from './plugin.js';
import { openProject } from './project.js';
import { NodeError } from './errors.js';
import { caught, makeProject, type TapTest } from '../../test/helpers/project.js';

t.test('HookManager calls every implementation in registration order, awaiting each', async (t) => {
  const hooks = new HookManager();
  const calls: string[] = [];
  t.notOk(hooks.has('beforeNodeRun'));
  await hooks.call('beforeNodeRun', {} as never); // no implementation: nothing happens
  class Timer implements Hooks {
    readonly label = 'timer';
    async beforeNodeRun(): Promise<void> {
      await new Promise((r) => setTimeout(r, 10));
      calls.push(`${this.label} before`);
    }
  }
  hooks.register(new Timer());
  hooks.register({
    beforeNodeRun: () => void calls.push('second before'),
    afterNodeRun: () => void calls.push('second after'),
  });
  hooks.register({ notAHook: () => calls.push('never') } as Hooks);
  t.ok(hooks.has('beforeNodeRun'));
  t.ok(hooks.has('afterNodeRun'));
  t.notOk(hooks.has('onNodeError'));
  await hooks.call('beforeNodeRun', {} as never);
  t.same(
    calls,
    ['timer before', 'second before'],
    'the slow first hook is awaited before the second; methods keep their `this`',
  );

  hooks.register({
    afterNodeRun: () => {
      throw new Error('hook failed');
    },
  });
  const err = await caught(() => hooks.call('afterNodeRun', {} as never));
  t.equal(err.message, 'hook failed', 'a failing hook rejects the call');
  t.same(HOOK_NAMES, [
    'afterProjectOpened',
    'afterCatalogCreated',
    'beforePipelineRun',
    'afterPipelineRun',
    'onPipelineError',
    'beforeNodeRun',
    'afterNodeRun',
    'onNodeError',
    'beforeDatasetLoaded',
    'afterDatasetLoaded',
    'beforeDatasetSaved',
    'afterDatasetSaved',
    'afterDatasetChecked',
  ]);
});

/** A plugin recording every hook with the facts its event carries. */
const recorder = (log: string[], events: Record<string, unknown[]>): Plugin => ({
  name: 'recorder',
  register(api) {
    const note = (name: string, e: unknown, text: string) => {
      log.push(text);
      (events[name] ??= []).push(e);
    };
    api.registerHooks({
      afterCatalogCreated: (e) => note('afterCatalogCreated', e, 'afterCatalogCreated'),
      beforePipelineRun: (e) =>
        note('beforePipelineRun', e, `beforePipelineRun ${e.pipelineName} (${e.pipeline.nodes.length} nodes)`),
      afterPipelineRun: (e) => note('afterPipelineRun', e, `afterPipelineRun ${e.record.status}`),
      onPipelineError: (e) => note('onPipelineError', e, `onPipelineError ${(e.error as NodeError).code}`),
      beforeNodeRun: (e) => note('beforeNodeRun', e, `beforeNodeRun ${e.node.name} ${e.index + 1}/${e.total}`),
      afterNodeRun: (e) => note('afterNodeRun', e, `afterNodeRun ${e.node.name}`),
      onNodeError: (e) => note('onNodeError', e, `onNodeError ${e.node.name}`),
      beforeDatasetLoaded: (e) => note('beforeDatasetLoaded', e, `beforeDatasetLoaded ${e.name}`),
      afterDatasetLoaded: (e) => note('afterDatasetLoaded', e, `afterDatasetLoaded ${e.name}`),
      beforeDatasetSaved: (e) => note('beforeDatasetSaved', e, `beforeDatasetSaved ${e.name}`),
      afterDatasetSaved: (e) => note('afterDatasetSaved', e, `afterDatasetSaved ${e.name}`),
    });
  },
});

const twoNodeProject = (t: TapTest, limit: number) =>
  makeProject(t, {
    'pipeline.yaml': `__default__:
  nodes:
    - name: first
      func: src/n.ts#first
      inputs: [raw, params:scale]
      outputs: mid
    - name: second
      func: src/n.ts#second
      inputs: [mid, params:limit]
      outputs: result
`,
    'conf/base/catalog.yaml':
      'raw:\n  type: json\n  path: data/raw.json\nresult:\n  type: json\n  path: data/result.json\n  versioned: true\n',
    'conf/base/parameters.yaml': `scale: 3\nlimit: ${limit}\n`,
    'data/raw.json': '[1, 2]\n',
    'src/n.ts': `
export const first = (raw: number[], scale: number) => raw.map((x) => x * scale);
export const second = async (mid: number[], limit: number) => {
  const sum = mid.reduce((a, b) => a + b, 0);
  if (sum > limit) throw new Error('sum ' + sum + ' over ' + limit);
  return { sum };
};
`,
  });

t.test('every hook fires, in the documented order, for a two-node run', async (t) => {
  const log: string[] = [];
  const events: Record<string, unknown[]> = {};
  const p = await openProject({ projectDir: twoNodeProject(t, 100), plugins: [recorder(log, events)] });
  const out = await p.run();
  t.same(
    log,
    [
      'afterCatalogCreated',
      'beforePipelineRun __default__ (2 nodes)',
      'beforeDatasetLoaded raw',
      'afterDatasetLoaded raw',
      'beforeNodeRun first 1/2',
      'beforeDatasetSaved mid',
      'afterDatasetSaved mid',
      'afterNodeRun first',
      'beforeDatasetLoaded mid',
      'afterDatasetLoaded mid',
      'beforeNodeRun second 2/2',
      'beforeDatasetSaved result',
      'afterDatasetSaved result',
      'afterNodeRun second',
      'afterPipelineRun ok',
    ],
    'parameters are served without dataset hooks; an undeclared (memory) dataset gets them like any other',
  );

  const ev = events as Record<string, Array<Record<string, unknown>>>;
  t.same(ev.afterCatalogCreated![0]!.params, { scale: 3, limit: 100 });
  t.ok(ev.afterCatalogCreated![0]!.catalog, 'the catalog is handed over');
  t.equal(ev.beforePipelineRun![0]!.runId, out.runId);
  t.same(
    ev.beforeNodeRun![0]!.inputs,
    { raw: [1, 2], 'params:scale': 3 },
    'node events carry the loaded inputs by dataset name',
  );
  t.same(ev.afterNodeRun![0]!.outputs, { mid: [3, 6] });
  t.type(ev.afterNodeRun![1]!.durationMs, 'number');
  t.same(ev.afterDatasetLoaded![1]!.data, [3, 6]);
  t.equal((ev.afterDatasetLoaded![0]!.node as { name: string }).name, 'first', 'dataset events name the node');
  t.equal(ev.beforeDatasetLoaded![0]!.runId, out.runId);
  t.same(ev.beforeDatasetSaved![1]!.data, { sum: 9 });
  t.equal(ev.afterDatasetSaved![1]!.version, out.runId, 'the saved version of a versioned dataset');
  t.equal(ev.afterDatasetSaved![0]!.version, undefined);
  const after = ev.afterPipelineRun![0]!;
  t.equal((after.record as { status: string }).status, 'ok', 'afterPipelineRun sees the finished record');
  t.same([...(after.outputs as Map<string, unknown>)], [], 'no free output: result is declared');
});

t.test('onNodeError then onPipelineError fire when a node fails; no after-hook does', async (t) => {
  const log: string[] = [];
  const events: Record<string, unknown[]> = {};
  const p = await openProject({ projectDir: twoNodeProject(t, 5), plugins: [recorder(log, events)] });
  const err = await caught(() => p.run());
  t.ok(err instanceof NodeError);
  t.same(log, [
    'afterCatalogCreated',
    'beforePipelineRun __default__ (2 nodes)',
    'beforeDatasetLoaded raw',
    'afterDatasetLoaded raw',
    'beforeNodeRun first 1/2',
    'beforeDatasetSaved mid',
    'afterDatasetSaved mid',
    'afterNodeRun first',
    'beforeDatasetLoaded mid',
    'afterDatasetLoaded mid',
    'beforeNodeRun second 2/2',
    'onNodeError second',
    'onPipelineError DAGRUN_ERR_NODE_FAILED',
  ]);
  const nodeErr = (events.onNodeError![0] as { error: NodeError }).error;
  t.equal(nodeErr.detail, "Node 'second' (src/n.ts#second) failed: sum 9 over 5");
  t.same((events.onNodeError![0] as { inputs: unknown }).inputs, { mid: [3, 6], 'params:limit': 5 });
  const pipeErr = events.onPipelineError![0] as {
    error: NodeError;
    record: { status: string; nodes: Array<{ status: string }> };
  };
  t.equal(pipeErr.error, nodeErr, 'the pipeline hook gets the node error');
  t.equal(pipeErr.record.status, 'failed');
  t.same(
    pipeErr.record.nodes.map((n) => n.status),
    ['ok', 'failed'],
  );
});

t.test('a dataset that fails to load reports onNodeError without beforeNodeRun', async (t) => {
  const log: string[] = [];
  const dir = twoNodeProject(t, 100);
  const p = await openProject({ projectDir: dir, plugins: [recorder(log, {})] });
  const { rmSync } = await import('node:fs');
  rmSync(`${dir}/data/raw.json`);
  const err = await caught(() => p.run());
  t.equal(err.code, 'DAGRUN_ERR_DATASET_LOAD');
  t.equal(
    err.detail,
    "Node 'first' (src/n.ts#first): Dataset 'raw': expected a file at data/raw.json, but got no such file.",
  );
  t.same(log, [
    'afterCatalogCreated',
    'beforePipelineRun __default__ (2 nodes)',
    'beforeDatasetLoaded raw',
    'onNodeError first',
    'onPipelineError DAGRUN_ERR_DATASET_LOAD',
  ]);
});
