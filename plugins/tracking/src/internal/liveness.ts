// Runs whose process died without ending them (SIGKILL, power loss). A run dagrun starts leaves a marker
// file at the store's root, `.dagrun-running-<run id>` (a file: MLflow lists only folders there), holding
// its experiment and `host:pid:start`, where start is the process's start time in clock ticks from
// /proc/<pid>/stat (so a recycled pid is not mistaken for the run's process); the same value is the run's
// `dagrun.process` tag. Every command that opens the store reads the markers (one readdir of the root,
// however many runs the store holds): a marker of this host whose process is gone has its run marked
// FAILED, ended at the last time anything of it was written. Markers of other hosts are left alone (from
// here nothing tells whether they are alive), and runs MLflow started have no marker.

import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { filesUnder } from './files.js';
import type { TrackingStore } from './store.js';

export const PROCESS_TAG = 'dagrun.process';
export const FAILURE_TAG = 'dagrun.failure';
const MARKER = '.dagrun-running-';

/**
 * Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined when there
 * is no such process. A zombie (state Z or X: killed, not yet reaped by its parent, as under a container's
 * pid 1 that reaps nothing) counts as gone: it will never write to its run again.
 */
const startTicks = (pid: number | 'self'): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
};

/** The tag value naming this process. */
export const processTag = (): string => `${hostname()}:${process.pid}:${startTicks('self') ?? '?'}`;

/** Whether the process a tag names is running: undefined when it is on another host (unknowable here). */
export const alive = (tag: string): boolean | undefined => {
  const [host, pidText, start] = tag.split(':');
  if (host !== hostname()) return undefined;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const now = startTicks(pid);
  if (now !== undefined) return start === '?' || now === start;
  if (existsSync(`/proc/${pid}`)) return false; // Linux, and the process is a zombie (kill(pid, 0) would succeed)
  try {
    process.kill(pid, 0); // no /proc (not Linux): existence only
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Marks a run as started by this process (removed by `clearRunning` when the run ends). */
export const markRunning = (store: TrackingStore, runId: string, tag: string): void => {
  writeFileSync(join(store.root, `${MARKER}${runId}`), tag);
};

export const clearRunning = (store: TrackingStore, runId: string): void => {
  rmSync(join(store.root, `${MARKER}${runId}`), { force: true });
};

/** The latest modification time under a run folder: when the run was last seen doing anything. */
const lastWrite = (dir: string): number => {
  let latest = 0;
  for (const f of [
    'meta.yaml',
    ...filesUnder(join(dir, 'metrics')).map((m) => `metrics/${m}`),
    ...filesUnder(join(dir, 'tags')).map((m) => `tags/${m}`),
  ]) {
    try {
      latest = Math.max(latest, statSync(join(dir, f)).mtimeMs);
    } catch {
      // removed meanwhile
    }
  }
  return Math.round(latest) || Date.now();
};

/** Ends as FAILED every marked run of this host whose process is gone; returns their ids. */
export const failDeadRuns = (store: TrackingStore): string[] => {
  let names: string[];
  try {
    names = readdirSync(store.root).filter((n) => n.startsWith(MARKER));
  } catch {
    return [];
  }
  const ended: string[] = [];
  for (const name of names) {
    const runId = name.slice(MARKER.length);
    let tag: string;
    try {
      tag = readFileSync(join(store.root, name), 'utf8').trim();
    } catch {
      continue; // removed since the readdir: its run just ended (clearRunning)
    }
    if (alive(tag) !== false) continue;
    try {
      const run = store.getRun(runId);
      if (run.status === 'RUNNING') {
        // Taken before the failure tag is written, which would make it now.
        const endTime = lastWrite(store.runDir(runId));
        store.setTags(runId, {
          [FAILURE_TAG]:
            `The process (${tag}) ended without finishing the run (killed?); ` +
            'marked FAILED by the next dagrun command that opened the store.',
        });
        store.endRun(runId, 'FAILED', endTime);
        ended.push(runId);
      }
    } catch {
      // The run folder is gone (deleted by hand): only the marker is left to remove.
    }
    clearRunning(store, runId);
  }
  return ended;
};
