// The listing cache (.dagrun-index.json): a listing re-reads only the runs that changed (and every RUNNING
// run), whether this store object or another process changed them; a removed run goes, a damaged or
// old-format cache is ignored and rewritten, and NaN metric values survive the cache.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { INDEX_FILE } from './run-index.js';
import { TrackingStore } from './store.js';

const tempStore = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-index-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'mlruns');
};

/** A store with `finished` ended runs and `running` RUNNING ones in the Default experiment. */
const seed = (root: string, finished: number, running = 0): { store: TrackingStore; ids: string[] } => {
  const store = TrackingStore.open(root);
  const ids: string[] = [];
  for (let i = 0; i < finished + running; i++) {
    const run = store.createRun('0', { runName: `run-${i}`, userId: 'ana', startTime: 1000 + i });
    store.logMetric(run.runId, 'mae', 100 + i, { timestamp: 2000, step: 0 });
    if (i < finished) store.endRun(run.runId, 'FINISHED', 3000 + i);
    ids.push(run.runId);
  }
  return { store, ids };
};

const indexEntries = (root: string): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(root, INDEX_FILE), 'utf8')) as { entries: Record<string, unknown> }).entries;

t.test('a second listing reads no run again; a changed run is read again, alone', async (t) => {
  const root = tempStore(t);
  const { store, ids } = seed(root, 3);
  const first = store.allRuns();
  t.equal(first.reread, 3, 'the first listing reads every run');
  t.equal(first.runs.length, 3);
  t.ok(existsSync(join(root, INDEX_FILE)), 'and writes the index');
  t.equal(store.allRuns().reread, 0, 'the second reads none');
  t.equal(
    TrackingStore.open(root).allRuns().reread,
    0,
    'nor does another store object (another process) with the index file',
  );

  store.setTags(ids[1]!, { reviewed: 'yes' });
  const afterTag = store.allRuns();
  t.equal(afterTag.reread, 1, 'a new tag: that run only');
  t.equal(afterTag.runs.find((r) => r.runId === ids[1])!.tags.reviewed, 'yes', 'with the tag');
  t.equal(store.allRuns().reread, 0);

  store.logParams(ids[0]!, { alpha: '0.5' });
  t.equal(store.allRuns().runs.find((r) => r.runId === ids[0])!.params.alpha, '0.5', 'a new param is seen');
  store.logMetric(ids[2]!, 'mae', 1, { timestamp: 9000, step: 1 });
  const afterMetric = store.allRuns();
  t.equal(afterMetric.reread, 1, 'a value appended by this store object: that run only');
  t.equal(afterMetric.runs.find((r) => r.runId === ids[2])!.metrics.mae, 1);
});

t.test('changes made by another process are seen: meta.yaml rewritten, a tag added', async (t) => {
  const root = tempStore(t);
  const { ids } = seed(root, 3);
  const reader = TrackingStore.open(root);
  t.equal(reader.allRuns().reread, 3);

  const writer = TrackingStore.open(root);
  writer.deleteRun(ids[0]!);
  const afterDelete = reader.allRuns();
  t.equal(afterDelete.reread, 1, 'the deleted run only');
  t.equal(afterDelete.runs.find((r) => r.runId === ids[0])!.lifecycleStage, 'deleted');

  // A folder's mtime is all that marks a new tag file: let the clock move past the last write first.
  await sleep(20);
  writer.setTags(ids[2]!, { note: 'checked' });
  const afterTag = reader.allRuns();
  t.equal(afterTag.reread, 1, 'the tagged run only');
  t.equal(afterTag.runs.find((r) => r.runId === ids[2])!.tags.note, 'checked');
});

t.test('RUNNING runs are always read again (their metric files grow in place); ending one is seen', async (t) => {
  const root = tempStore(t);
  const { store, ids } = seed(root, 2, 1);
  const running = ids[2]!;
  t.equal(store.allRuns().reread, 3);
  t.equal(store.allRuns().reread, 1, 'the RUNNING run, again');
  const other = TrackingStore.open(root);
  t.equal(other.allRuns().reread, 1, 'and by another store object');
  other.logMetric(running, 'mae', 7, { timestamp: 9000, step: 5 });
  t.equal(
    store.allRuns().runs.find((r) => r.runId === running)!.metrics.mae,
    7,
    "another process's appended value is seen",
  );

  store.endRun(running, 'FINISHED', 9999);
  const ended = store.allRuns();
  t.equal(ended.reread, 1, 'the ended run, read once more');
  t.equal(ended.runs.find((r) => r.runId === running)!.status, 'FINISHED');
  t.equal(store.allRuns().reread, 0, 'then never again');
  t.equal(
    TrackingStore.open(root)
      .allRuns()
      .runs.find((r) => r.runId === running)!.endTime,
    9999,
    'another process sees it ended',
  );
});

t.test('a removed run folder leaves the listing and the index', async (t) => {
  const root = tempStore(t);
  const { store, ids } = seed(root, 3);
  store.allRuns();
  rmSync(join(root, '0', ids[1]!), { recursive: true });
  const after = store.allRuns();
  t.same(after.runs.map((r) => r.runId).sort(), [ids[0], ids[2]].sort());
  t.equal(after.reread, 0, 'the others come from the cache');
  t.same(Object.keys(indexEntries(root)).sort(), [`0/${ids[0]}`, `0/${ids[2]}`].sort(), 'the index forgets it');
  t.same(
    TrackingStore.open(root)
      .allRuns()
      .runs.map((r) => r.runId)
      .sort(),
    [ids[0], ids[2]].sort(),
    'so does a new reader',
  );
});

t.test('a damaged index is ignored and rewritten; so is one of an older format', async (t) => {
  const root = tempStore(t);
  const { ids } = seed(root, 2);
  TrackingStore.open(root).allRuns();
  for (const [label, text] of [
    ['not JSON', '{"format": 2, "entries": {"0/'],
    ['JSON, not an object', '"hello"'],
    ['entries not a map of runs', '{"format": 2, "entries": 7}'],
    [
      'format 1, whose NaN values were written as null',
      readFileSync(join(root, INDEX_FILE), 'utf8').replace('"format":2', '"format":1'),
    ],
    ['empty', ''],
  ] as const) {
    writeFileSync(join(root, INDEX_FILE), text);
    const listing = TrackingStore.open(root).allRuns();
    t.equal(listing.reread, 2, `${label}: every run read again`);
    t.same(listing.runs.map((r) => r.runId).sort(), [...ids].sort(), `${label}: every run listed`);
    t.same(listing.problems, [], `${label}: the cache is not a problem of the store`);
    t.equal(
      (JSON.parse(readFileSync(join(root, INDEX_FILE), 'utf8')) as { format: number }).format,
      2,
      `${label}: rewritten`,
    );
    t.equal(TrackingStore.open(root).allRuns().reread, 0, `${label}: and used by the next listing`);
  }
  t.same(
    TrackingStore.open(root)
      .experiments()
      .map((e) => e.id),
    ['0'],
    'the index file is no experiment (MLflow lists only folders at the root)',
  );
});

t.test('NaN and infinite metric values survive the index', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  const run = store.createRun('0', { runName: 'diverged', userId: 'ana' });
  store.logMetric(run.runId, 'loss', NaN);
  store.logMetric(run.runId, 'grad', Infinity);
  store.logMetric(run.runId, 'low', -Infinity);
  store.logMetric(run.runId, 'mae', 2.5);
  store.endRun(run.runId, 'FAILED');
  store.allRuns();
  const cached = TrackingStore.open(root).allRuns();
  t.equal(cached.reread, 0, 'from the index');
  const m = cached.runs[0]!.metrics;
  t.ok(Number.isNaN(m.loss), 'NaN, not null');
  t.equal(m.grad, Infinity);
  t.equal(m.low, -Infinity);
  t.equal(m.mae, 2.5);
});

t.test('an unreadable run is a cached problem until it is fixed', async (t) => {
  const root = tempStore(t);
  const { ids } = seed(root, 2);
  const meta = join(root, '0', ids[0]!, 'meta.yaml');
  const good = readFileSync(meta, 'utf8');
  writeFileSync(meta, 'status: [1\n');
  const store = TrackingStore.open(root);
  const first = store.allRuns();
  t.equal(first.problems.length, 1);
  t.same(
    first.runs.map((r) => r.runId),
    [ids[1]],
  );
  const again = TrackingStore.open(root).allRuns();
  t.equal(again.reread, 0, 'the problem is cached too');
  t.same(again.problems, first.problems, 'and still reported');
  await sleep(20);
  writeFileSync(meta, good);
  const fixed = TrackingStore.open(root).allRuns();
  t.equal(fixed.reread, 1, 'the fixed run is read again');
  t.same(fixed.problems, []);
  t.equal(fixed.runs.length, 2);
});
