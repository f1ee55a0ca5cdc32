// Crash safety: a run whose process was killed (SIGKILL: no hook ran) is ended FAILED by the next command
// that opens the store, at the time it last wrote anything; runs whose process lives, runs of another host
// and runs MLflow started (no marker) stay RUNNING. The killed processes are real child processes.
// Children get a user's environment: tap's loader hooks in NODE_OPTIONS hang a child on Node 22.
import { cleanEnv } from '../../../../bin/test/spawn.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { FAILURE_TAG, markRunning, PROCESS_TAG, processTag } from './liveness.js';
import { openStore } from './open.js';
import { TrackingStore } from './store.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..', '..', '..');

const tempStore = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-liveness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'mlruns');
};

/** The first line a child writes to stdout. */
const firstLine = async (child: ChildProcess): Promise<string> => {
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
};

// What the tracker does when a pipeline starts: a run tagged with its process, and the marker; then it works.
const CHILD = `
const { TrackingStore } = await import(process.env.STORE_URL);
const { markRunning, processTag } = await import(process.env.LIVENESS_URL);
const store = TrackingStore.open(process.env.ROOT);
const run = store.createRun('0', { runName: 'killed', userId: 'ana', tags: { 'dagrun.process': processTag() } });
markRunning(store, run.runId, processTag());
store.logMetric(run.runId, 'loss', 0.5, { step: 0 });
process.stdout.write(JSON.stringify({ runId: run.runId, tag: processTag(), at: Date.now() }) + '\\n');
setInterval(() => {}, 60000);
`;

const spawnRunner = (t: Test, root: string): ChildProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: REPO,
    env: {
      ...cleanEnv(),
      ROOT: root,
      STORE_URL: pathToFileURL(join(HERE, 'store.ts')).href,
      LIVENESS_URL: pathToFileURL(join(HERE, 'liveness.ts')).href,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
};

/** `host:pid:start` of another process, read as processTag() reads its own. */
const tagOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return `${hostname()}:${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
};

const markers = (root: string): string[] => readdirSync(root).filter((n) => n.startsWith('.dagrun-running-'));

t.test('a SIGKILLed run is ended FAILED by the next open; living, foreign and MLflow runs stay RUNNING', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);

  // This process's own run: alive.
  const mine = store.createRun('0', { runName: 'mine', userId: 'ana', tags: { [PROCESS_TAG]: processTag() } });
  markRunning(store, mine.runId, processTag());
  // A run as MLflow starts one: no tag, no marker.
  const mlflow = store.createRun('0', { runName: 'mlflow', userId: 'ana' });
  // A run of another machine sharing the store: nothing here can tell.
  const foreignTag = `not-${hostname()}:1:1`;
  const foreign = store.createRun('0', { runName: 'foreign', userId: 'ana', tags: { [PROCESS_TAG]: foreignTag } });
  markRunning(store, foreign.runId, foreignTag);
  // A pid of this host that now belongs to another process (this one, started at another time).
  const recycledTag = `${hostname()}:${process.pid}:1`;
  const recycled = store.createRun('0', { runName: 'recycled', userId: 'ana', tags: { [PROCESS_TAG]: recycledTag } });
  markRunning(store, recycled.runId, recycledTag);

  const child = spawnRunner(t, root);
  const started = JSON.parse(await firstLine(child)) as { runId: string; tag: string; at: number };
  t.equal(started.tag, tagOf(child.pid!), "processTag() is the child's host, pid and start ticks");
  t.equal(TrackingStore.open(root).getRun(started.runId).status, 'RUNNING');
  const stillAlive = openStore(root);
  t.equal(stillAlive.getRun(started.runId).status, 'RUNNING', 'not ended while its process lives');

  child.kill('SIGKILL');
  await once(child, 'exit');
  const killedAt = Date.now();
  await sleep(50); // so "now" and "the last write" differ

  const reopened = openStore(root);
  const dead = reopened.getRun(started.runId);
  t.equal(dead.status, 'FAILED', 'the killed run is FAILED');
  t.equal(
    dead.tags[FAILURE_TAG],
    `The process (${started.tag}) ended without finishing the run (killed?); ` +
      'marked FAILED by the next dagrun command that opened the store.',
  );
  t.ok(
    dead.endTime !== null && dead.endTime >= dead.startTime! && dead.endTime <= started.at + 1,
    `ended at its last write (${dead.endTime}), not at the open (${killedAt}+)`,
  );
  t.equal(dead.metrics.loss, 0.5, 'what it logged is kept');
  t.match(
    readFileSync(join(root, '0', started.runId, 'meta.yaml'), 'utf8'),
    /^status: 4$/m,
    'meta.yaml says FAILED (4)',
  );

  t.equal(reopened.getRun(mine.runId).status, 'RUNNING', "this process's run lives on");
  t.equal(reopened.getRun(mlflow.runId).status, 'RUNNING', 'an MLflow run (no marker) is left alone');
  t.equal(reopened.getRun(foreign.runId).status, 'RUNNING', "another host's run is left alone");
  t.equal(reopened.getRun(recycled.runId).status, 'FAILED', 'a recycled pid is not the run’s process');
  t.same(
    markers(root).sort(),
    [`.dagrun-running-${mine.runId}`, `.dagrun-running-${foreign.runId}`].sort(),
    'the markers of the ended runs are removed',
  );

  const endTime = dead.endTime;
  await sleep(20);
  openStore(root);
  t.equal(TrackingStore.open(root).getRun(started.runId).endTime, endTime, 'a later open changes nothing');
  t.same(reopened.allRuns().problems, []);
});

t.test(
  'a killed process not yet reaped (a zombie) is dead too',
  { skip: !existsSync('/proc/self/stat') && 'needs /proc' },
  async (t) => {
    const root = tempStore(t);
    const store = TrackingStore.open(root);
    // A parent that kills its child and never waits for it: the child stays a zombie (as under a pid 1 that reaps
    // nothing).
    const parent = spawn(
      '/usr/bin/python3',
      [
        '-c',
        'import os, signal, sys, time\npid = os.fork()\nif pid == 0:\n    time.sleep(60)\n    os._exit(0)\n' +
          'print(pid, flush=True)\nsys.stdin.readline()\nos.kill(pid, signal.SIGKILL)\n' +
          'print("killed", flush=True)\ntime.sleep(60)\n',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    t.teardown(() => {
      parent.kill('SIGKILL');
    });
    const lines = createInterface({ input: parent.stdout });
    const next = async (): Promise<string> => ((await once(lines, 'line')) as [string])[0];
    const pid = Number(await next());
    const tag = tagOf(pid);
    const run = store.createRun('0', { runName: 'zombie', userId: 'ana', tags: { [PROCESS_TAG]: tag } });
    markRunning(store, run.runId, tag);
    t.equal(openStore(root).getRun(run.runId).status, 'RUNNING', 'alive before the kill');

    parent.stdin.write('go\n');
    t.equal(await next(), 'killed');
    const state = (): string => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
    };
    for (let i = 0; i < 100 && state() !== 'Z'; i++) await sleep(10);
    t.equal(state(), 'Z', 'the child is a zombie: its /proc entry is still there');
    t.equal(openStore(root).getRun(run.runId).status, 'FAILED', 'and its run is ended');
  },
);

t.test('a marker whose run folder is gone, or whose run already ended, is only removed', async (t) => {
  const root = tempStore(t);
  const store = TrackingStore.open(root);
  const deadTag = `${hostname()}:${process.pid}:1`;
  const ended = store.createRun('0', { runName: 'ended', userId: 'ana' });
  store.endRun(ended.runId, 'FINISHED', 12345);
  markRunning(store, ended.runId, deadTag);
  writeFileSync(join(root, `.dagrun-running-${'e'.repeat(32)}`), deadTag);
  openStore(root);
  t.same(markers(root), []);
  t.equal(store.getRun(ended.runId).status, 'FINISHED', 'a finished run stays finished');
  t.equal(store.getRun(ended.runId).endTime, 12345);
  t.equal(store.getRun(ended.runId).tags[FAILURE_TAG], undefined);
});
