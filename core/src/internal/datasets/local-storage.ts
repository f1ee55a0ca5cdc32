// The local disk as a Storage. Writes go to a temporary file in the target's folder, are flushed,
// then renamed over the target: a crash mid-save leaves the previous file whole.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Storage } from './dataset.js';

export class LocalStorage implements Storage {
  readonly protocol = 'file';
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  localPath(location: string): string {
    const p = location.startsWith('file://') ? location.slice('file://'.length) : location;
    return isAbsolute(p) ? p : resolve(this.#root, p);
  }

  read(location: string): Promise<Buffer> {
    return readFile(this.localPath(location));
  }

  async write(location: string, bytes: Uint8Array): Promise<void> {
    await this.writeVia(location, async (tmp) => {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }

  async writeVia(location: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
    const target = this.localPath(location);
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await write(tmp);
      await fsyncFile(tmp);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true, recursive: true });
      throw err;
    }
  }

  async exists(location: string): Promise<boolean> {
    try {
      await access(this.localPath(location), constants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async list(location: string): Promise<string[]> {
    try {
      return await readdir(this.localPath(location));
    } catch {
      return [];
    }
  }
}

/** Formats that write by path (polars) do not fsync; do it before the rename so the rename publishes whole bytes. */
const fsyncFile = async (path: string): Promise<void> => {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
};
