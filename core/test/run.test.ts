// Item 5 of the engine issue, end to end through real project folders: full runs and their run
// records, async nodes, failures with the resume command, --params, --load-versions, release of
// undeclared intermediates, and the concurrent runner.

import t from 'tap';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import {
  NodeError,
  openProject,
  readRunRecord,
  resumeArgs,
  shellCommand,
  VERSION_RE,
  type PipelineFilter,
  type Plugin,
  type RunRecord,
} from '../src/index.js';
import { caught, listFiles, makeProject, readJson, readText, writeFile, type TapTest } from './helpers/project.js';

const NODES_TS = `
const ran = ((globalThis as any).__dagrunRunRan ??= []) as string[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const load = (scale: number) => (ran.push('load'), { rows: [1, 2, 3].map((x) => x * scale) });
export const double = async (d: { rows: number[] }) => {
  ran.push('double');
  await sleep(5);
  return { rows: d.rows.map((x) => x * 2) };
};
export const total = async ({ data }: { data: { rows: number[] } }) => {
  ran.push('total');
  await sleep(1);
  return data.rows.reduce((a, b) => a + b, 0);
};
export async function check(value: number, limit: number) {
  ran.push('check');
  await sleep(1);
  if (value > limit) throw new RangeError('total ' + value + ' above limit ' + limit);
  return { ok: true, value };
}
export const publish = (c: { value: number }) => (ran.push('publish'), 'total=' + c.value);
`;
const ran = (): string[] => ((globalThis as Record<string, unknown>).__dagrunRunRan ??= []) as string[];

const PIPELINE = `__default__:
  nodes:
    - name: load
      func: src/nodes.ts#load
      inputs: params:scale
      outputs: raw
    - name: double
      func: src/nodes.ts#double
      inputs: raw
      outputs: doubled
    - name: total
      func: src/nodes.ts#total
      inputs: { data: doubled }
      outputs: total_value
    - name: check
      func: src/nodes.ts#check
      inputs: [total_value, params:limit]
      outputs: checked
    - name: publish
      func: src/nodes.ts#publish
      inputs: checked
      outputs: report
`;
// total_value is not declared: it lives in memory for the run.
const CATALOG = `raw:
  type: json
  path: data/raw.json
doubled:
  type: json
  path: data/doubled.json
  versioned: true
checked:
  type: json
  path: data/checked.json
report:
  type: text
  path: data/report.txt
`;

const project = (t: TapTest, overrides: Record<string, string> = {}) =>
  makeProject(t, {
    'pipeline.yaml': PIPELINE,
    'conf/base/catalog.yaml': CATALOG,
    'conf/base/parameters.yaml': 'scale: 1\nlimit: 100\n',
    'src/nodes.ts': NODES_TS,
    ...overrides,
  });

/** Turns a printed `dagrun run …` command into the pipeline and filter it selects. */
const parseRunCommand = (cmd: string): { pipeline: string | undefined; params: string[]; filter: PipelineFilter } => {
  const words = cmd.split(' ');
  if (`${words[0]} ${words[1]}` !== 'dagrun run') throw new Error(`not a dagrun run command: ${cmd}`);
  const flags: Record<string, keyof PipelineFilter> = {
    '--nodes': 'nodes',
    '--from-nodes': 'fromNodes',
    '--to-nodes': 'toNodes',
    '--tags': 'tags',
    '--from-inputs': 'fromInputs',
    '--to-outputs': 'toOutputs',
  };
  const filter: Record<string, string[]> = {};
  const params: string[] = [];
  let pipeline: string | undefined;
  for (let i = 2; i < words.length; i += 2) {
    const flag = words[i]!;
    const value = words[i + 1]!;
    if (flag === '--pipeline') pipeline = value;
    else if (flag === '--params') params.push(value);
    else if (flags[flag]) filter[flags[flag]] = value.split(',');
    else throw new Error(`unexpected flag ${flag} in ${cmd}`);
  }
  return { pipeline, params, filter };
};

t.test('a full run writes its outputs and a run record', async (t) => {
  const dir = project(t);
  ran().length = 0;
  const p = await openProject({ projectDir: dir });
  const t0 = Date.now();
  const out = await p.run();
  t.same(ran(), ['load', 'double', 'total', 'check', 'publish'], 'every node once, in order (async ones awaited)');
  t.match(out.runId, VERSION_RE);
  t.same(readJson(dir, 'data/raw.json'), { rows: [1, 2, 3] });
  t.same(
    readJson(dir, `data/doubled.json/${out.runId}/doubled.json`),
    { rows: [2, 4, 6] },
    'a versioned dataset saves under the run id',
  );
  t.same(readJson(dir, 'data/checked.json'), { ok: true, value: 12 });
  t.equal(readText(dir, 'data/report.txt'), 'total=12');
  t.notOk(
    listFiles(dir).some((f) => f.includes('total_value')),
    'the undeclared intermediate is never written',
  );

  t.equal(out.recordFile, join(dir, '.dagrun/runs', `${out.runId}.json`));
  const rec = readJson(dir, `.dagrun/runs/${out.runId}.json`) as RunRecord;
  t.same(rec, JSON.parse(JSON.stringify(out.record)), 'the file holds the record returned');
  t.same(await readRunRecord(join(dir, '.dagrun/runs')), rec, 'readRunRecord finds the newest run');
  t.equal(rec.formatVersion, 1);
  t.equal(rec.runId, out.runId);
  t.equal(rec.project, 'test-project');
  t.equal(rec.pipeline, '__default__');
  t.equal(rec.status, 'ok');
  t.same(rec.env, ['base', 'local']);
  t.same(rec.params, { scale: 1, limit: 100 });
  t.same(rec.filters, {});
  t.equal(rec.saveVersion, out.runId);
  t.same(rec.loadVersions, {});
  const started = Date.parse(rec.startedAt);
  t.ok(started >= t0 - 1000 && started <= Date.now(), 'startedAt is this run');
  t.ok(Date.parse(rec.finishedAt!) >= started);
  t.type(rec.durationMs, 'number');
  t.same(
    rec.nodes.map((n) => [n.name, n.func, n.status]),
    [
      ['load', 'src/nodes.ts#load', 'ok'],
      ['double', 'src/nodes.ts#double', 'ok'],
      ['total', 'src/nodes.ts#total', 'ok'],
      ['check', 'src/nodes.ts#check', 'ok'],
      ['publish', 'src/nodes.ts#publish', 'ok'],
    ],
  );
  for (const n of rec.nodes) {
    t.ok(Date.parse(n.startedAt!) >= started, `${n.name} has a start`);
    t.ok(typeof n.durationMs === 'number' && n.durationMs >= 0, `${n.name} has a duration`);
  }
  t.ok(
    rec.nodes.find((n) => n.name === 'double')!.durationMs! >= 4,
    'an async node is timed until its promise settles',
  );
  t.same(
    rec.datasets.map((d) => ({ name: d.name, node: d.node, location: d.location, version: d.version })),
    [
      { name: 'raw', node: 'load', location: 'data/raw.json', version: undefined },
      { name: 'doubled', node: 'double', location: `data/doubled.json/${out.runId}/doubled.json`, version: out.runId },
      { name: 'checked', node: 'check', location: 'data/checked.json', version: undefined },
      { name: 'report', node: 'publish', location: 'data/report.txt', version: undefined },
    ],
    'declared datasets saved, with versions; the in-memory one is not listed',
  );
  for (const d of rec.datasets) t.type(d.durationMs, 'number');
});

t.test('async nodes: promises are awaited and their values flow on', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `__default__:
  nodes:
    - { name: slow, func: src/async.ts#slow, outputs: a }
    - { name: slower, func: src/async.ts#slower, inputs: a, outputs: [b, c] }
    - { name: join, func: src/async.ts#join, inputs: { b: b, c: c }, outputs: { text: joined } }
`,
    'conf/base/catalog.yaml': '',
    'src/async.ts': `
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const slow = async () => { await sleep(20); return 'a'; };
export const slower = (a: string) => sleep(10).then(() => [a + 'b', a + 'c']);
export async function join({ b, c }: { b: string; c: string }) { await sleep(5); return { text: b + '+' + c }; }
`,
  });
  const out = await (await openProject({ projectDir: dir })).run();
  t.same([...out.outputs], [['joined', 'ab+ac']], 'the free output, held in memory, is returned');
});

t.test(
  'a failing node stops the run; the error names node, func and cause, and prints the resume command',
  async (t) => {
    const dir = project(t);
    // A first good run leaves outputs of every node on disk.
    const first = await (await openProject({ projectDir: dir })).run();
    const reportBefore = readText(dir, 'data/report.txt');
    const checkedBefore = readText(dir, 'data/checked.json');

    writeFile(dir, 'conf/base/parameters.yaml', 'scale: 2\nlimit: 20\n');
    ran().length = 0;
    const p = await openProject({ projectDir: dir });
    const err = await caught(() => p.run());
    t.same(ran(), ['load', 'double', 'total', 'check'], 'no node after the failed one ran');
    t.ok(err instanceof NodeError);
    t.equal(err.code, 'DAGRUN_ERR_NODE_FAILED');
    t.equal(err.detail, "Node 'check' (src/nodes.ts#check) failed: RangeError: total 24 above limit 20");
    t.ok(err.cause instanceof RangeError, 'the original error is kept as cause');
    t.equal((err.cause as Error).message, 'total 24 above limit 20');
    t.same(err.location, { file: 'pipeline.yaml', line: 15, col: 7 });
    // total_value lives in memory, so the resume must start at its producer, 'total'.
    t.equal(
      err.message,
      "pipeline.yaml:15:7 [DAGRUN_ERR_NODE_FAILED] Node 'check' (src/nodes.ts#check) failed: RangeError: total " +
        '24 above limit 20',
      'the node error as raised: the resume plan is data beside it',
    );
    t.same(err.run?.resume, { fromNodes: ['total'], flags: [] });

    // Outputs saved before the failure are whole; those of later nodes are untouched.
    t.same(readJson(dir, 'data/raw.json'), { rows: [2, 4, 6] }, 'saved in this run before the failure');
    const rec = (await readRunRecord(join(dir, '.dagrun/runs')))!;
    t.not(rec.runId, first.runId);
    t.same(readJson(dir, `data/doubled.json/${rec.runId}/doubled.json`), { rows: [4, 8, 12] });
    t.same(
      readJson(dir, `data/doubled.json/${first.runId}/doubled.json`),
      { rows: [2, 4, 6] },
      'the earlier version is still there',
    );
    t.equal(readText(dir, 'data/checked.json'), checkedBefore, 'the failed node wrote nothing');
    t.equal(readText(dir, 'data/report.txt'), reportBefore, 'the unrun node wrote nothing');

    t.equal(err.run?.recordFile, join(dir, '.dagrun/runs', `${rec.runId}.json`));
    t.equal(rec.status, 'failed');
    t.same(
      rec.nodes.map((n) => [n.name, n.status]),
      [
        ['load', 'ok'],
        ['double', 'ok'],
        ['total', 'ok'],
        ['check', 'failed'],
        ['publish', 'not_run'],
      ],
    );
    t.same(rec.nodes.find((n) => n.name === 'check')!.error, {
      code: 'DAGRUN_ERR_NODE_FAILED',
      message: 'total 24 above limit 20',
    });
    t.same(rec.error, {
      code: 'DAGRUN_ERR_NODE_FAILED',
      message:
        "pipeline.yaml:15:7 [DAGRUN_ERR_NODE_FAILED] Node 'check' (src/nodes.ts#check) failed: RangeError: " +
        'total 24 above limit 20',
      node: 'check',
    });
    t.equal(rec.resumeCommand, 'dagrun run --from-nodes total');
    t.same(rec.resume, { fromNodes: ['total'], flags: [] });
    t.same(
      rec.datasets.map((d) => d.name),
      ['raw', 'doubled'],
    );

    // Fix the cause, then run exactly what the resume command selects.
    writeFile(dir, 'conf/base/parameters.yaml', 'scale: 2\nlimit: 100\n');
    const resume = parseRunCommand(rec.resumeCommand!);
    t.same(resume, { pipeline: undefined, params: [], filter: { fromNodes: ['total'] } });
    ran().length = 0;
    const again = await (await openProject({ projectDir: dir, params: resume.params })).run({
      pipeline: resume.pipeline,
      filter: resume.filter,
    });
    t.same(ran(), ['total', 'check', 'publish'], 'only the nodes left to do');
    t.equal(again.record.status, 'ok');
    t.same(
      again.record.nodes.map((n) => [n.name, n.status]),
      [
        ['load', 'skipped'],
        ['double', 'skipped'],
        ['total', 'ok'],
        ['check', 'ok'],
        ['publish', 'ok'],
      ],
    );
    t.same(again.record.filters, { fromNodes: ['total'] });
    t.equal(readText(dir, 'data/report.txt'), 'total=24', 'the resumed run used the outputs the failed run saved');
  },
);

t.test('when the failed node reads a saved input, the resume starts at the failed node', async (t) => {
  const dir = project(t, {
    'conf/base/catalog.yaml': `${CATALOG}total_value:\n  type: json\n  path: data/total.json\n`,
    'conf/base/parameters.yaml': 'scale: 1\nlimit: 5\n',
  });
  ran().length = 0;
  const err = await caught(async () => (await openProject({ projectDir: dir })).run());
  t.equal(
    err.message,
    "pipeline.yaml:15:7 [DAGRUN_ERR_NODE_FAILED] Node 'check' (src/nodes.ts#check) failed: RangeError: total " +
      '12 above limit 5',
  );
  t.same(err.run?.resume?.fromNodes, ['check']);
  t.same(readJson(dir, 'data/total.json'), 12);

  writeFile(dir, 'conf/base/parameters.yaml', 'scale: 1\nlimit: 50\n');
  const resume = parseRunCommand((await readRunRecord(join(dir, '.dagrun/runs')))!.resumeCommand!);
  ran().length = 0;
  const again = await (await openProject({ projectDir: dir })).run({ filter: resume.filter });
  t.same(ran(), ['check', 'publish']);
  t.equal(again.record.status, 'ok');
  t.equal(readText(dir, 'data/report.txt'), 'total=12');
});

t.test('the resume command keeps the pipeline, --params and the other filters', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `${PIPELINE}other:\n  pipelines: [__default__]\n`,
    'conf/base/parameters.yaml': 'scale: 1\nlimit: 100\nlabel: x\n',
  });
  const p = await openProject({ projectDir: dir, params: ['limit=3', 'label=two words'] });
  ran().length = 0;
  const err = await caught(() => p.run({ pipeline: 'other', filter: { toNodes: ['publish'], fromNodes: ['load'] } }));
  const cmd =
    "dagrun run --pipeline other --params limit=3 --params 'label=two words' --to-nodes publish --from-nodes total";
  t.same(err.run?.resume, {
    fromNodes: ['total'],
    flags: ['--pipeline', 'other', '--params', 'limit=3', '--params', 'label=two words', '--to-nodes', 'publish'],
  });
  t.equal(`dagrun ${shellCommand(resumeArgs(err.run!.resume!))}`, cmd);
  t.same(ran(), ['load', 'double', 'total', 'check']);

  // The printed command, run as printed (with the limit raised), completes.
  const resume = parseRunCommand(cmd.replace("'label=two words'", 'label=words').replace('limit=3', 'limit=50'));
  ran().length = 0;
  const again = await (await openProject({ projectDir: dir, params: resume.params })).run({
    pipeline: resume.pipeline,
    filter: resume.filter,
  });
  t.same(ran(), ['total', 'check', 'publish']);
  t.equal(again.record.pipeline, 'other');
  t.same(again.record.params, { scale: 1, limit: 50, label: 'words' });
});

t.test('--params overrides are typed and reach the nodes', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `__default__:
  nodes:
    - name: echo
      func: src/echo.ts#echo
      inputs: { model: params:model, name: params:name, all: parameters }
      outputs: seen
`,
    'conf/base/catalog.yaml': '',
    'conf/base/parameters.yaml': 'name: base\nmodel:\n  depth: 2\n  enabled: true\n  layers: [8]\n  rate: 0.1\n',
    'src/echo.ts': `export const echo = (args: Record<string, unknown>) => JSON.parse(JSON.stringify(args));\n`,
  });
  const p = await openProject({
    projectDir: dir,
    params: [
      'model.depth=5',
      'model.enabled=false',
      'model.layers=[16, 32]',
      'model.rate=1e-3',
      'name=007',
      'extra.flag=yes',
    ],
  });
  const out = await p.run();
  const seen = out.outputs.get('seen') as Record<string, Record<string, unknown>>;
  t.same(seen.model, { depth: 5, enabled: false, layers: [16, 32], rate: 0.001 });
  t.equal(seen.model!.depth, 5, 'a number, not "5"');
  t.equal(seen.model!.enabled, false, 'a boolean, not "false"');
  t.equal(seen.name, 7, 'YAML 1.2 core schema: 007 is the number 7');
  t.same(
    seen.all,
    { name: 7, model: { depth: 5, enabled: false, layers: [16, 32], rate: 0.001 }, extra: { flag: 'yes' } },
    '`parameters` holds every key, overrides merged',
  );
  t.same(out.record.params, seen.all);

  const bad = await openProject({ projectDir: dir, params: ['model.depth'] });
  const err = await caught(() => bad.run());
  t.equal(err.code, 'DAGRUN_ERR_CHECK_FAILED');
  t.equal(
    err.message,
    "[DAGRUN_ERR_CHECK_FAILED] 1 error in project 'test-project'; nothing was run:\n" +
      "  1) [DAGRUN_ERR_PARAMS_OVERRIDE] Parameter override 'model.depth': expected key.path=value, but got no '='.\n" +
      '       Hint: e.g. --params hyper_params.learning_rate=0.05',
  );
});

t.test('--load-versions picks the version to load; the latest otherwise', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `__default__:
  nodes:
    - { name: make, func: src/v.ts#make, inputs: params:value, outputs: model }
    - { name: use, func: src/v.ts#use, inputs: model, outputs: used }
`,
    'conf/base/catalog.yaml': 'model:\n  type: json\n  path: data/model.json\n  versioned: true\n',
    'conf/base/parameters.yaml': 'value: one\n',
    'src/v.ts':
      'export const make = (v: string) => ({ v });\n' + "export const use = (m: { v: string }) => 'used ' + m.v;\n",
  });
  const v1 = (await (await openProject({ projectDir: dir })).run()).runId;
  writeFile(dir, 'conf/base/parameters.yaml', 'value: two\n');
  const v2 = (await (await openProject({ projectDir: dir })).run()).runId;
  t.ok(v2 > v1, 'versions sort by time');
  t.same(listFiles(join(dir, 'data')), [`model.json/${v1}/model.json`, `model.json/${v2}/model.json`]);

  const p = await openProject({ projectDir: dir });
  const latest = await p.run({ filter: { nodes: ['use'] } });
  t.equal(latest.outputs.get('used'), 'used two', 'the newest version by default');
  const pinned = await p.run({ filter: { nodes: ['use'] }, loadVersions: { model: v1 } });
  t.equal(pinned.outputs.get('used'), 'used one', 'the version asked for');
  t.same(pinned.record.loadVersions, { model: v1 });
  t.same(
    pinned.record.nodes.map((n) => [n.name, n.status]),
    [
      ['make', 'skipped'],
      ['use', 'ok'],
    ],
  );

  const missing = '2001-01-01T00.00.00.000Z';
  const err = await caught(() => p.run({ filter: { nodes: ['use'] }, loadVersions: new Map([['model', missing]]) }));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_VERSION');
  t.equal(
    err.detail,
    `Node 'use' (src/v.ts#use): Version of dataset 'model': expected '${missing}' to exist under ` +
      'data/model.json, but got no such version.',
  );
  t.same(
    err.message.split('\n').slice(1),
    [`  Hint: versions present (newest first): ${v2}, ${v1}.`],
    'the dataset hint is kept',
  );
  t.same(err.run?.resume, { fromNodes: ['use'], flags: ['--nodes', 'use'] });
});

t.test('undeclared intermediates are released after their last consumer', async (t) => {
  const dir = project(t, {
    'pipeline.yaml': `__default__:
  nodes:
    - { name: n1, func: src/r.ts#make, outputs: mid }
    - { name: n2, func: src/r.ts#size, inputs: mid, outputs: size }
    - { name: n3, func: src/r.ts#both, inputs: [mid, size], outputs: pair }
    - { name: n4, func: src/r.ts#last, inputs: [pair, params:k], outputs: final }
`,
    'conf/base/catalog.yaml': '',
    'conf/base/parameters.yaml': 'k: 1\n',
    'src/r.ts': `
export const make = () => new Array(1000).fill(7);
export const size = (a: number[]) => a.length;
export const both = (a: number[], n: number) => ({ first: a[0], n });
export const last = (p: { first: number; n: number }, k: number) => p.first * p.n * k;
`,
  });
  const alive: Array<[string, string[]]> = [];
  const probe: Plugin = {
    name: 'probe',
    register(api) {
      let catalog: { exists(n: string): Promise<boolean> } | undefined;
      api.registerHooks({
        beforePipelineRun: (e) => void (catalog = e.catalog),
        afterNodeRun: async (e) => {
          // afterNodeRun fires before the node's inputs are released: record what exists once the next node starts.
          const names = ['mid', 'size', 'pair', 'final', 'params:k'];
          const present: string[] = [];
          for (const n of names) if (await catalog!.exists(n)) present.push(n);
          alive.push([`after ${e.node.name}`, present]);
        },
        beforeNodeRun: async (e) => {
          const present: string[] = [];
          for (const n of ['mid', 'size', 'pair', 'final', 'params:k']) if (await catalog!.exists(n)) present.push(n);
          alive.push([`before ${e.node.name}`, present]);
        },
      });
    },
  };
  const out = await (await openProject({ projectDir: dir, plugins: [probe] })).run();
  t.same(
    alive,
    [
      ['before n1', ['params:k']],
      ['after n1', ['mid', 'params:k']],
      ['before n2', ['mid', 'params:k']],
      ['after n2', ['mid', 'size', 'params:k']],
      ['before n3', ['mid', 'size', 'params:k']],
      ['after n3', ['mid', 'size', 'pair', 'params:k']],
      ['before n4', ['pair', 'params:k']],
      ['after n4', ['pair', 'final', 'params:k']],
    ],
    'mid is kept while n3 still needs it, then released; parameters are never released',
  );
  t.same([...out.outputs], [['final', 7000]], 'the free output is kept for the caller');
});

t.test('a project set to the concurrent runner runs independent async nodes at once', async (t) => {
  const dir = project(t, {
    'dagrun.yaml': 'name: test-project\nrunner:\n  type: concurrent\n  max_concurrency: 3\n',
    'pipeline.yaml': `__default__:
  nodes:
    - { name: a, func: src/c.ts#wait, inputs: params:ms, outputs: a_out }
    - { name: b, func: src/c.ts#wait, inputs: params:ms, outputs: b_out }
    - { name: c, func: src/c.ts#wait, inputs: params:ms, outputs: c_out }
    - { name: d, func: src/c.ts#wait, inputs: params:ms, outputs: d_out }
    - { name: join, func: src/c.ts#join, inputs: [a_out, b_out, c_out, d_out], outputs: joined }
`,
    'conf/base/catalog.yaml': 'joined:\n  type: json\n  path: data/joined.json\n',
    'conf/base/parameters.yaml': 'ms: 120\n',
    'src/c.ts': `
const state = ((globalThis as any).__dagrunConcurrent ??= { running: 0, max: 0 });
export const wait = async (ms: number) => {
  state.running++;
  state.max = Math.max(state.max, state.running);
  await new Promise((r) => setTimeout(r, ms));
  state.running--;
  return ms;
};
export const join = (...xs: number[]) => xs.reduce((a, b) => a + b, 0);
`,
  });
  const state = ((globalThis as Record<string, unknown>).__dagrunConcurrent ??= { running: 0, max: 0 }) as {
    running: number;
    max: number;
  };
  const t0 = performance.now();
  const out = await (await openProject({ projectDir: dir })).run();
  const elapsed = performance.now() - t0;
  t.equal(state.max, 3, 'three at once: max_concurrency from dagrun.yaml');
  t.ok(elapsed < 4 * 120, `faster than one after another (${Math.round(elapsed)} ms)`);
  t.same(readJson(dir, 'data/joined.json'), 480);
  t.same(
    out.record.nodes.map((n) => n.status),
    ['ok', 'ok', 'ok', 'ok', 'ok'],
  );
});

t.test('plan() resolves order, loads and saves without running anything', async (t) => {
  const dir = project(t);
  ran().length = 0;
  const before = listFiles(dir);
  const steps = (await openProject({ projectDir: dir })).plan('__default__', { fromNodes: ['double'] });
  t.same(
    steps.map((s) => ({ node: s.node.name, loads: s.loads, saves: s.saves })),
    [
      { node: 'double', loads: [{ name: 'raw', kind: 'json' }], saves: [{ name: 'doubled', kind: 'json' }] },
      { node: 'total', loads: [], saves: [{ name: 'total_value', kind: 'memory' }] },
      {
        node: 'check',
        loads: [{ name: 'params:limit', kind: 'parameter' }],
        saves: [{ name: 'checked', kind: 'json' }],
      },
      { node: 'publish', loads: [], saves: [{ name: 'report', kind: 'text' }] },
    ],
  );
  t.same(ran(), []);
  t.same(listFiles(dir), before);
  t.notOk(existsSync(join(dir, '.dagrun', 'runs')), 'no run record (only the compile cache of the node modules)');
});
