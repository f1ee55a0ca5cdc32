// Listing every run without reading every run each time: a cache file at the store's root
// (`.dagrun-index.json`, a file, so MLflow, which lists only folders there, never sees it) keeps each run
// as last read, keyed by the inode and modification time of its meta.yaml (rewritten by rename, so a new
// inode even within one clock tick) and the modification times of its params/, metrics/ and tags/ folders.
// A listing stats those four paths per run and re-reads only the runs whose key changed, and every RUNNING
// run (its metric files grow in place). Limit, documented in docs/tracking.md: a value appended by another
// tool to an existing metric file of a finished run is seen once its meta.yaml or a folder changes.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readText, mtime, subdirs, writeAtomic } from './files.js';
import type { Run, StoreProblem } from './model.js';
import { META, readRunDir } from './run-reader.js';

export const INDEX_FILE = '.dagrun-index.json';
export const TRASH = '.trash';
/** Folders of an experiment that are not runs (MLflow's RESERVED_EXPERIMENT_FOLDERS). */
const RESERVED = new Set(['tags', 'datasets', 'traces']);

interface Entry {
  readonly key: string;
  readonly run: Run | undefined;
  readonly problems: readonly StoreProblem[];
}

export interface Listing {
  readonly runs: Run[];
  readonly problems: StoreProblem[];
  /** How many run folders were read from disk in this listing (the rest came from the cache). */
  readonly reread: number;
}

/** Experiment folders: `[id, path]` of the active ones (root) and the deleted ones (.trash). */
export const experimentDirs = (root: string): Array<[string, string]> => [
  ...subdirs(root)
    .filter((d) => d !== TRASH && d !== 'models' && !d.startsWith('.'))
    .map((d): [string, string] => [d, join(root, d)]),
  ...subdirs(join(root, TRASH)).map((d): [string, string] => [d, join(root, TRASH, d)]),
];

const metaKey = (file: string): string => {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.mtimeMs}`;
  } catch {
    return '-1';
  }
};

const keyOf = (dir: string): string =>
  `${metaKey(join(dir, META))}|${mtime(join(dir, 'params'))}|` +
  `${mtime(join(dir, 'metrics'))}|${mtime(join(dir, 'tags'))}`;

/** The cache's version: 2 keeps NaN and ±Infinity metric values, which JSON (version 1) turned into null. */
const FORMAT = 2;
const NON_FINITE = '$float';

const encode = (_key: string, v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v;
const decode = (_key: string, v: unknown): unknown =>
  v !== null && typeof v === 'object' && NON_FINITE in v && Object.keys(v).length === 1
    ? Number((v as Record<string, string>)[NON_FINITE])
    : v;

export class RunIndex {
  readonly #root: string;
  #entries: Map<string, Entry> | undefined;

  constructor(root: string) {
    this.#root = root;
  }

  #load(): Map<string, Entry> {
    if (this.#entries) return this.#entries;
    const text = readText(join(this.#root, INDEX_FILE));
    let entries = new Map<string, Entry>();
    if (text) {
      try {
        const data = JSON.parse(text, decode) as { format?: number; entries?: Record<string, Entry> } | null;
        if (data?.format === FORMAT && data.entries && typeof data.entries === 'object')
          entries = new Map(Object.entries(data.entries));
      } catch {
        // A damaged cache is only a cache: every run is read again and the file rewritten.
      }
    }
    this.#entries = entries;
    return entries;
  }

  /** Every run folder of the store, from the cache where its key still matches. */
  list(): Listing {
    const cached = this.#load();
    const next = new Map<string, Entry>();
    const runs: Run[] = [];
    const problems: StoreProblem[] = [];
    let reread = 0;
    for (const [experimentId, expDir] of experimentDirs(this.#root)) {
      for (const name of subdirs(expDir)) {
        if (RESERVED.has(name)) continue;
        const dir = join(expDir, name);
        const rel = dir.slice(this.#root.length + 1);
        const key = keyOf(dir);
        let entry = cached.get(rel);
        if (!entry || entry.key !== key || entry.run?.status === 'RUNNING') {
          const read = readRunDir(dir, experimentId, this.#root);
          entry = { key, run: read.run, problems: read.problems };
          reread++;
        }
        next.set(rel, entry);
        if (entry.run) runs.push(entry.run);
        problems.push(...entry.problems);
      }
    }
    const changed = reread > 0 || next.size !== cached.size;
    this.#entries = next;
    if (changed) {
      try {
        writeAtomic(
          join(this.#root, INDEX_FILE),
          JSON.stringify({ format: FORMAT, entries: Object.fromEntries(next) }, encode),
        );
      } catch {
        // A read-only store still lists; it only cannot keep its cache.
      }
    }
    return { runs, problems, reread };
  }

  /** Forgets a run's cached entry (after this process wrote to it). */
  invalidate(relDir: string): void {
    this.#entries?.delete(relDir);
  }
}
