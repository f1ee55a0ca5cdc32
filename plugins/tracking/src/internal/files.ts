// File operations of the store: every overwrite is a temp file renamed into place (readers, and a
// process killed mid-write, see the old bytes or the new, never a part); appends are single writes.

import { randomBytes } from 'node:crypto';
import {
  type Dirent,
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Writes `text` to `file` atomically: a temp file in the same folder renamed into place, so a reader or a
 * killed process sees the old bytes or the new. `durable` also fsyncs before the rename (power loss):
 * used for meta.yaml and aliases; params and tags of a run in progress skip it (an fsync costs ~5 ms
 * here, times every file, and a run interrupted by a power cut ends FAILED anyway).
 */
export const writeAtomic = (file: string, text: string, durable = false): void => {
  const tmp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openNew(tmp);
  try {
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
};

/**
 * Opens a new file for writing, creating its folder only when missing (one syscall in the usual case, not a stat
 * per file).
 */
const openNew = (file: string): number => {
  try {
    return openSync(file, 'w');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(file), { recursive: true });
    return openSync(file, 'w');
  }
};

/** Appends one line (MLflow's metric files); one write call, so concurrent appends do not interleave. */
export const appendLine = (file: string, line: string): void => {
  try {
    appendFileSync(file, `${line}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${line}\n`);
  }
};

export const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

// Both listings are sorted: readdir's order is the file system's (hash order on ext4), and the keys of a
// run's params, metrics and tags, the experiments and the names in messages would differ between machines.
const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Names of the sub-folders of `dir`, sorted (none when it does not exist). */
export const subdirs = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .sort(byName)
      .map((d) => d.name);
  } catch {
    return [];
  }
};

/**
 * Files under `dir`, recursively, as `/`-joined relative paths sorted whole (`x.z` before `x/y`); skips our temp
 * files.
 */
export const filesUnder = (dir: string, prefix = ''): string[] => {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') && e.name.endsWith('.tmp')) continue;
    if (e.isDirectory()) out.push(...filesUnder(join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
};

/** mtime in ms, or -1 when the path does not exist. */
export const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};
