// Runs whose process died without ending them (SIGKILL, power loss): each run dagrun starts carries a
// `dagrun.process` tag, `host:pid:start`, where start is the process's start time in clock ticks from
// /proc/<pid>/stat (so a recycled pid is not mistaken for the run's process). Whenever a command opens
// the store, a RUNNING run of this host whose process is gone is marked FAILED, ended at the last time
// anything of it was written. Runs of other hosts, and runs without the tag (written by MLflow), are left
// as they are: from here nothing can tell whether they are alive.

import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { filesUnder } from './files.js';
import type { Run } from './model.js';
import type { TrackingStore } from './store.js';

export const PROCESS_TAG = 'dagrun.process';
export const FAILURE_TAG = 'dagrun.failure';

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
const startTicks = (pid: number | 'self'): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};

/** The tag value naming this process. */
export const processTag = (): string => `${hostname()}:${process.pid}:${startTicks('self') ?? '?'}`;

const alive = (tag: string): boolean | undefined => {
  const [host, pidText, start] = tag.split(':');
  if (host !== hostname()) return undefined;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid && start === startTicks('self')) return true;
  const now = startTicks(pid);
  if (now !== undefined) return start === '?' || now === start;
  try {
    process.kill(pid, 0); // no /proc (not Linux): existence only
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The latest modification time under a run folder: when the run was last seen doing anything. */
const lastWrite = (dir: string): number => {
  let latest = 0;
  for (const f of ['meta.yaml', ...filesUnder(join(dir, 'metrics')).map((m) => `metrics/${m}`), ...filesUnder(join(dir, 'tags')).map((m) => `tags/${m}`)]) {
    try {
      latest = Math.max(latest, statSync(join(dir, f)).mtimeMs);
    } catch {
      // removed meanwhile
    }
  }
  return Math.round(latest) || Date.now();
};

/** Marks FAILED every RUNNING run of this host whose process is gone; returns the runs it ended. */
export const failDeadRuns = (store: TrackingStore, runs: readonly Run[]): Run[] => {
  const ended: Run[] = [];
  for (const run of runs) {
    if (run.status !== 'RUNNING' || run.lifecycleStage !== 'active') continue;
    const tag = run.tags[PROCESS_TAG];
    if (!tag || alive(tag) !== false) continue;
    const dir = store.runDir(run.runId);
    store.setTags(run.runId, { [FAILURE_TAG]: `The process (${tag}) ended without finishing the run (killed?); marked FAILED by the next dagrun command that opened the store.` });
    store.endRun(run.runId, 'FAILED', lastWrite(dir));
    ended.push(run);
  }
  return ended;
};
