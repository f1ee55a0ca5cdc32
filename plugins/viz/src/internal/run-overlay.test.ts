// The last-run overlay: statuses, durations, the failed node's error, the run's total time.
import t from 'tap';
import type { RunRecord } from '@dagrun/core';
import { runOverlay } from './run-overlay.js';

const record = (over: Partial<RunRecord> = {}): RunRecord => ({
  formatVersion: 1,
  runId: '2026-01-01T00.00.00.000Z',
  project: 'p',
  pipeline: 'model_run',
  env: ['base'],
  status: 'failed',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:03.500Z',
  durationMs: 3500,
  params: {},
  filters: {},
  saveVersion: '2026-01-01T00.00.00.000Z',
  loadVersions: {},
  nodes: [
    { name: 'prepare', func: 'src/a.ts#prepare', status: 'ok', durationMs: 120 },
    {
      name: 'train',
      func: 'src/a.ts#train',
      status: 'failed',
      durationMs: 40,
      error: { code: 'DAGRUN_ERR_NODE_FAILED', message: "Node 'train': boom" },
    },
    { name: 'report', func: 'src/a.ts#report', status: 'skipped' },
  ],
  datasets: [{ name: 'prepared', node: 'prepare', version: 'v1', durationMs: 7, location: 'data/prepared.csv' }],
  error: { code: 'DAGRUN_ERR_NODE_FAILED', message: "Node 'train': boom", node: 'train' },
  resumeCommand: 'dagrun run --from-nodes train',
  ...over,
});

const ids = new Map([
  ['prepare', ['n:prepare']],
  ['train', ['n:train']],
  ['report', ['n:report']],
  ['evaluate', ['n:evaluate']],
]);

t.test('each node gets its status and duration; the failed one its error', async (t) => {
  const o = runOverlay(record(), ids, ['n:prepare', 'n:train', 'n:report', 'n:evaluate']);
  t.same(o.nodes['n:prepare'], { status: 'ok', durationMs: 120, error: undefined });
  t.same(o.nodes['n:train'], {
    status: 'failed',
    durationMs: 40,
    error: { code: 'DAGRUN_ERR_NODE_FAILED', message: "Node 'train': boom" },
  });
  t.same(o.nodes['n:report'], { status: 'skipped', durationMs: undefined, error: undefined });
  t.same(o.nodes['n:evaluate'], { status: 'not_run' }, 'a node the record does not mention did not run');
  t.equal(o.status, 'failed');
  t.equal(o.durationMs, 3500, "the run's total time");
  t.same(o.error, { code: 'DAGRUN_ERR_NODE_FAILED', message: "Node 'train': boom", node: 'train' });
  t.equal(o.resumeCommand, 'dagrun run --from-nodes train');
  t.same(o.saved, { 'd:prepared': { version: 'v1', durationMs: 7 } });
});

t.test('nodes of the record that the graph does not have are ignored; a run still going has no total', async (t) => {
  // A record written at the start of a run: no end, no total, no error yet.
  const {
    finishedAt: _f,
    durationMs: _d,
    error: _e,
    ...started
  } = record({ status: 'running', nodes: [{ name: 'gone', func: 'x', status: 'ok' }] });
  const o = runOverlay(started, ids, ['n:prepare']);
  t.same(Object.keys(o.nodes), ['n:prepare']);
  t.equal(o.nodes['n:prepare']?.status, 'not_run');
  t.equal(o.status, 'running');
  t.equal(o.durationMs, undefined);
  t.equal(o.error, undefined);
});

t.test('a node two pipelines declare differently under one name gets the status on both ids', async (t) => {
  const o = runOverlay(record(), new Map([['train', ['n:train', 'n:train~2']]]), ['n:train', 'n:train~2']);
  t.equal(o.nodes['n:train']?.status, 'failed');
  t.equal(o.nodes['n:train~2']?.status, 'failed');
});
