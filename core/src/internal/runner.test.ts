import t from 'tap';
import { DataCatalog, type Catalog } from './catalog.js';
import { NodeError } from './errors.js';
import { HookManager } from './hooks.js';
import { node } from './pipeline/node.js';
import { pipeline, type Pipeline } from './pipeline/pipeline.js';
import { Registry } from './registry.js';
import type { RunRecord } from './run-record.js';
import { ConcurrentRunner, SequentialRunner, type Runner } from './runner.js';
import { caught } from '../../test/helpers/project.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const newRecord = (): RunRecord => ({
  formatVersion: 1,
  runId: 'run-1',
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

/** A memory-only catalog whose calls are logged (runners depend on the Catalog interface only). */
const loggingCatalog = (params: Record<string, unknown> = {}) => {
  const { catalog: inner } = DataCatalog.create({
    config: undefined,
    credentials: undefined,
    params,
    registry: new Registry(),
    projectDir: '/nonexistent',
    saveVersion: 'v',
  });
  const log: string[] = [];
  const catalog: Catalog = {
    has: (n) => inner.has(n),
    load: (n, nd) => (log.push(`load ${n}`), inner.load(n, nd)),
    save: (n, d, nd, o) => (log.push(`save ${n}`), inner.save(n, d, nd, o)),
    prepareSave: (n, d, nd) => inner.prepareSave(n, d, nd),
    exists: (n) => inner.exists(n),
    release: (n) => (log.push(`release ${n}`), inner.release(n)),
    isPersistent: (n) => inner.isPersistent(n),
    isDeclared: (n) => inner.isDeclared(n),
    describe: (n) => inner.describe(n),
    list: () => inner.list(),
    addMemory: (n) => inner.addMemory(n),
    feed: (n, d) => inner.feed(n, d),
    close: () => inner.close(),
  };
  return { catalog, log };
};

const run = (runner: Runner, p: Pipeline, catalog: Catalog, record = newRecord(), hooks = new HookManager()) =>
  runner.run(p, catalog, { runId: 'run-1', pipelineName: '__default__', params: {}, hooks, record });

t.test('the sequential runner loads, calls, saves and releases in order', async (t) => {
  const { catalog, log } = loggingCatalog({ k: 10 });
  const calls: string[] = [];
  const hooks = new HookManager();
  hooks.register({ beforeNodeRun: (e) => void log.push(`run ${e.node.name}`) });
  const p = pipeline([
    node({
      name: 'n3',
      func: (a: number[], s: number) => (calls.push('n3'), a.length + s),
      inputs: ['mid', 'size'],
      outputs: 'pair',
    }),
    node({ name: 'n1', func: () => (calls.push('n1'), [1, 2, 3]), outputs: 'mid' }),
    node({
      name: 'n2',
      func: async (a: number[], k: number) => (calls.push('n2'), await sleep(2), a.length * k),
      inputs: ['mid', 'params:k'],
      outputs: 'size',
    }),
    node({ name: 'n4', func: (x: number) => (calls.push('n4'), x + 1), inputs: 'pair', outputs: 'final' }),
  ]);
  const record = newRecord();
  const result = await run(new SequentialRunner(), p, catalog, record, hooks);
  t.same(calls, ['n1', 'n2', 'n3', 'n4']);
  t.same(
    log,
    [
      'run n1',
      'save mid',
      'load mid',
      'load params:k',
      'run n2',
      'save size',
      'release params:k',
      'load mid',
      'load size',
      'run n3',
      'save pair',
      'release mid',
      'release size',
      'load pair',
      'run n4',
      'save final',
      'release pair',
      'load final',
    ],
    'each input is released right after its last consumer; the free output is read back for the caller',
  );
  t.same([...result.outputs], [['final', 34]]);
  t.same(
    record.nodes.map((n) => [n.name, n.status]),
    [
      ['n1', 'ok'],
      ['n2', 'ok'],
      ['n3', 'ok'],
      ['n4', 'ok'],
    ],
  );
  t.same(record.datasets, [], 'nothing declared, so no saved dataset is recorded');
  t.equal(await catalog.exists('mid'), false, 'the released intermediate holds nothing');
  t.equal(await catalog.exists('final'), true);
});

t.test('a node failure stops the sequential run and names node, func and cause', async (t) => {
  const { catalog } = loggingCatalog();
  const calls: string[] = [];
  const original = new TypeError('cannot read rows');
  const p = pipeline([
    node({ name: 'a', func: () => (calls.push('a'), 1), outputs: 'x' }),
    node({
      name: 'b',
      func: function explode() {
        calls.push('b');
        throw original;
      },
      inputs: 'x',
      outputs: 'y',
      funcRef: 'src/n.ts#explode',
      location: { file: 'pipeline.yaml', line: 9, col: 7 },
    }),
    node({ name: 'c', func: () => (calls.push('c'), 3), inputs: 'y', outputs: 'z' }),
    node({ name: 'd', func: () => (calls.push('d'), 4), outputs: 'w' }),
  ]);
  const record = newRecord();
  const err = await caught(() => run(new SequentialRunner(), p, catalog, record));
  t.same(calls, ['a', 'b'], 'nothing after the failure, not even an independent node');
  t.ok(err instanceof NodeError);
  t.equal(err.code, 'DAGRUN_ERR_NODE_FAILED');
  t.equal(
    err.message,
    "pipeline.yaml:9:7 [DAGRUN_ERR_NODE_FAILED] Node 'b' (src/n.ts#explode) failed: TypeError: cannot read rows",
  );
  t.equal(err.cause, original);
  t.same(
    record.nodes.map((n) => [n.name, n.status]),
    [
      ['a', 'ok'],
      ['b', 'failed'],
      ['c', 'not_run'],
      ['d', 'not_run'],
    ],
  );
  t.same(record.nodes[1]!.error, { code: 'DAGRUN_ERR_NODE_FAILED', message: 'cannot read rows' });
  t.equal(await catalog.exists('x'), true, 'what was saved before stays');

  const plain = await caught(() =>
    run(
      new SequentialRunner(),
      pipeline([
        node({
          name: 'p',
          func: () => {
            throw new Error('plain');
          },
          outputs: 'o',
        }),
      ]),
      loggingCatalog().catalog,
    ),
  );
  t.equal(plain.detail, "Node 'p' (func) failed: plain", 'a plain Error is not prefixed with its class');
  const str = await caught(() =>
    run(
      new SequentialRunner(),
      pipeline([node({ name: 's', func: async () => Promise.reject('just a string'), outputs: 'o' })]),
      loggingCatalog().catalog,
    ),
  );
  t.equal(str.detail, "Node 's' (func) failed: just a string", 'a rejected promise with a non-Error');
});

t.test('an undefined output is refused, naming node and dataset', async (t) => {
  const err = await caught(() =>
    run(
      new SequentialRunner(),
      pipeline([node({ name: 'forgot', func: () => ({ a: 1 }), outputs: { a: 'x', b: 'y' } })]).plus(
        pipeline([node({ name: 'noreturn', func: () => undefined, outputs: 'z' })]),
      ),
      loggingCatalog().catalog,
    ),
  );
  t.ok(err instanceof NodeError);
  t.equal(err.code, 'DAGRUN_ERR_NODE_OUTPUT', 'a missing key of a map output is an output-shape error');
  t.equal(
    err.detail,
    "Node 'forgot' (func) returned a value that does not fit its outputs: " +
      "expected an object with keys a, b, but got no 'b' (it has a).",
  );

  const undef = await caught(() =>
    run(
      new SequentialRunner(),
      pipeline([node({ name: 'noreturn', func: () => undefined, outputs: 'z' })]),
      loggingCatalog().catalog,
    ),
  );
  t.equal(undef.code, 'DAGRUN_ERR_DATASET_UNDEFINED');
  t.equal(
    undef.message,
    "[DAGRUN_ERR_DATASET_UNDEFINED] Node 'noreturn' (func): Output 'z' of node 'noreturn': expected a value, " +
      'but got undefined.\n  Hint: the function must return a value for each declared output (null is allowed).',
  );
});

/** Four independent slow nodes and one that waits for two of them, with an in-flight counter. */
const concurrentPipeline = (
  state: { running: number; max: number; started: string[]; finished: string[] },
  failing?: string,
) => {
  const work =
    (name: string, ms: number) =>
    async (...args: unknown[]) => {
      state.running++;
      state.max = Math.max(state.max, state.running);
      state.started.push(name);
      await sleep(ms);
      state.running--;
      state.finished.push(name);
      if (name === failing) throw new Error(`${name} broke`);
      return [name, ...args].join('+');
    };
  return pipeline([
    node({ name: 'a', func: work('a', 60), outputs: 'a_out' }),
    node({ name: 'b', func: work('b', 10), outputs: 'b_out' }),
    node({ name: 'c', func: work('c', 60), outputs: 'c_out' }),
    node({ name: 'd', func: work('d', 60), outputs: 'd_out' }),
    node({ name: 'ab', func: work('ab', 5), inputs: ['a_out', 'b_out'], outputs: 'ab_out' }),
  ]);
};

t.test(
  'the concurrent runner runs independent async nodes at once, up to its limit, after their producers',
  async (t) => {
    const state = { running: 0, max: 0, started: [] as string[], finished: [] as string[] };
    const t0 = performance.now();
    const result = await run(new ConcurrentRunner(3), concurrentPipeline(state), loggingCatalog().catalog);
    const elapsed = performance.now() - t0;
    t.equal(state.max, 3, 'three nodes in flight at once, never more');
    t.same(state.started.slice(0, 3), ['a', 'b', 'c'], 'started in pipeline order');
    t.ok(
      state.started.indexOf('ab') > state.finished.indexOf('a') &&
        state.finished.indexOf('b') < state.started.indexOf('ab'),
      'ab starts only after a and b finished',
    );
    t.ok(elapsed < 60 * 4, `overlapping (${Math.round(elapsed)} ms < 240 ms)`);
    t.same(
      new Map([...result.outputs].sort()),
      new Map([
        ['ab_out', 'ab+a+b'],
        ['c_out', 'c'],
        ['d_out', 'd'],
      ]),
    );

    const seq = { running: 0, max: 0, started: [] as string[], finished: [] as string[] };
    await run(new ConcurrentRunner(1), concurrentPipeline(seq), loggingCatalog().catalog);
    t.equal(seq.max, 1, 'maxConcurrency 1 runs one at a time');
  },
);

t.test('the concurrent runner stops at a failure: nothing new starts, nodes in flight finish', async (t) => {
  const state = { running: 0, max: 0, started: [] as string[], finished: [] as string[] };
  const record = newRecord();
  const p = concurrentPipeline(state, 'b');
  const err = await caught(() => run(new ConcurrentRunner(2), p, loggingCatalog().catalog, record));
  t.ok(err instanceof NodeError);
  t.equal(err.detail, "Node 'b' (anonymous) failed: b broke", 'an anonymous function is named so');
  t.same(state.started, ['a', 'b'], 'c, d and ab never start after b fails');
  t.same(state.finished, ['b', 'a'], 'a, already running, was awaited before the run rejected');
  t.equal(state.running, 0, 'nothing left running when run() rejects');
  t.same(
    record.nodes.map((n) => [n.name, n.status]),
    [
      ['a', 'ok'],
      ['b', 'failed'],
      ['c', 'not_run'],
      ['d', 'not_run'],
      ['ab', 'not_run'],
    ],
  );
});
