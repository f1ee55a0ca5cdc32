// The prediction log: one JSON line per prediction, for model monitoring. Lines are formatted by pino and
// appended to the file with group commit: lines that arrive while a write is in flight are written
// together by the next one, and a request is answered only once its lines have reached the operating
// system (fs.write done). So the event loop never waits on the disk, many requests share one write, and
// a prediction the client saw acknowledged is in the log even if the process is killed right after
// (what the process wrote survives its death; only a machine crash can lose the page cache).

import { closeSync, mkdirSync, openSync, write } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import pino, { type Logger } from 'pino';

/** What one line holds. */
export interface PredictionEntry {
  readonly request_id: string;
  readonly client: string;
  readonly model_version: string | undefined;
  readonly input: unknown;
  readonly prediction: unknown;
  readonly latency_ms: number;
}

/** An append-only file written with group commit. `write` is what pino calls; `committed` waits for the disk. */
class GroupCommitFile {
  readonly #pathFor: () => string;
  #path = '';
  #fd = -1;
  #pending: string[] = [];
  #waiting: Array<() => void> = [];
  #failed: Array<(err: Error) => void> = [];
  #writing = false;
  #error: Error | undefined;

  constructor(pathFor: () => string) {
    this.#pathFor = pathFor;
  }

  /** Called by pino with one formatted line (newline included). */
  write(line: string): void {
    this.#pending.push(line);
  }

  /** Resolves once every line written so far is in the file; starts a write if none is running. */
  committed(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#pending.length === 0 && !this.#writing) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting.push(resolve);
      this.#failed.push(reject);
      if (!this.#writing) this.#flush();
    });
  }

  #flush(): void {
    if (this.#pending.length === 0) {
      this.#writing = false;
      return;
    }
    this.#writing = true;
    const data = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    const resolve = this.#waiting;
    const reject = this.#failed;
    this.#waiting = [];
    this.#failed = [];
    let fd: number;
    try {
      fd = this.#open();
    } catch (err) {
      this.#fail(err as Error, reject);
      return;
    }
    const writeFrom = (offset: number): void => {
      write(fd, data, offset, data.length - offset, null, (err, n) => {
        if (err) return this.#fail(err, reject);
        if (offset + n < data.length) return writeFrom(offset + n);
        for (const r of resolve) r();
        this.#flush();
      });
    };
    writeFrom(0);
  }

  #fail(err: Error, reject: Array<(err: Error) => void>): void {
    this.#error = err;
    this.#writing = false;
    for (const r of [...reject, ...this.#failed]) r(err);
    this.#waiting = [];
    this.#failed = [];
  }

  /** The file of the current day (the path may hold {date}); opened in append mode, created with its folder. */
  #open(): number {
    const path = this.#pathFor();
    if (path !== this.#path || this.#fd < 0) {
      if (this.#fd >= 0) closeSync(this.#fd);
      mkdirSync(dirname(path), { recursive: true });
      this.#fd = openSync(path, 'a');
      this.#path = path;
    }
    return this.#fd;
  }

  get path(): string {
    return this.#pathFor();
  }

  async close(): Promise<void> {
    await this.committed().catch(() => {});
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

export class PredictionLog {
  readonly #file: GroupCommitFile;
  readonly #logger: Logger;

  /** `path` is relative to `projectDir` unless absolute; `{date}` becomes the UTC day (YYYY-MM-DD). */
  constructor(path: string, projectDir: string) {
    const full = isAbsolute(path) ? path : join(projectDir, path);
    this.#file = new GroupCommitFile(() => full.replaceAll('{date}', new Date().toISOString().slice(0, 10)));
    // No level and no pid/hostname: a line is the timestamp and the entry. (pino's stock timestamps begin
    // with a comma that follows the level; without a level the line must start with the time itself.)
    this.#logger = pino({ base: null, timestamp: () => `"time":"${new Date().toISOString()}"`, messageKey: 'event', formatters: { level: () => ({}) } }, this.#file);
  }

  /** The file today's lines go to. */
  get path(): string {
    return this.#file.path;
  }

  /** Appends one line per prediction; resolves when they are in the file. */
  append(entries: readonly PredictionEntry[]): Promise<void> {
    for (const e of entries) this.#logger.info(e);
    return this.#file.committed();
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}
