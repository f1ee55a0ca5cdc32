// The prediction log: one JSON line per prediction, for model monitoring. Lines are formatted by pino and
// appended with group commit: every line produced during one turn of the event loop is written by one
// write(2) at the end of that turn (setImmediate), and the requests that produced them are answered
// right after. So a prediction the client saw acknowledged is in the file even if the process is killed
// the next instant (the operating system keeps what a dead process wrote; only a machine crash can lose
// the page cache, as with any log without fsync), no request waits on the disk or on a thread-pool hop,
// and at 20,000 requests/s the log costs a few large writes per millisecond instead of one per line.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
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

/** An append-only file written with group commit. `write` is what pino calls; `committed` waits for the write. */
class GroupCommitFile {
  readonly #pathFor: () => string;
  #path = '';
  #fd = -1;
  /** Lines not yet written, concatenated (V8 joins them lazily; one flat copy happens at the write). */
  #pending = '';
  #waiting: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  #scheduled = false;

  constructor(pathFor: () => string) {
    this.#pathFor = pathFor;
  }

  /** Called by pino with one formatted line (newline included). */
  write(line: string): void {
    this.#pending += line;
  }

  /** Resolves once every line written so far is in the file (after this turn's write). */
  committed(): Promise<void> {
    if (this.#pending === '') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Writes everything pending now, then settles every waiter. */
  #flush(): void {
    this.#scheduled = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    if (this.#pending !== '') {
      const text = this.#pending;
      this.#pending = '';
      try {
        const fd = this.#open();
        // A string goes to write(2) without a Buffer made here; a short write (rare on a regular file)
        // finishes from a Buffer.
        const wrote = writeSync(fd, text);
        if (wrote < Buffer.byteLength(text)) {
          const data = Buffer.from(text, 'utf8');
          for (let off = wrote; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
        }
      } catch (err) {
        // Disk full, permissions: these requests fail (500) rather than being acknowledged unlogged;
        // the next turn tries again, so a passing problem does not fail every later request.
        for (const w of waiting) w.reject(err as Error);
        return;
      }
    }
    for (const w of waiting) w.resolve();
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

  /** Writes what is pending and closes the file. */
  async close(): Promise<void> {
    if (this.#pending !== '' || this.#waiting.length > 0) this.#flush();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** pino's timestamp, formatted once per millisecond rather than once per line. */
const isoTime = (): (() => string) => {
  let ms = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      text = `"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
};

export class PredictionLog {
  readonly #file: GroupCommitFile;
  readonly #logger: Logger;
  /** Child loggers by client and model version: pino serialises a child's fields once, not once per line. */
  readonly #children = new Map<string, Logger>();

  /** `path` is relative to `projectDir` unless absolute; `{date}` becomes the UTC day (YYYY-MM-DD). */
  constructor(path: string, projectDir: string) {
    const full = isAbsolute(path) ? path : join(projectDir, path);
    this.#file = new GroupCommitFile(() => full.replaceAll('{date}', new Date().toISOString().slice(0, 10)));
    // No level and no pid/hostname: a line is the timestamp and the entry. (pino's stock timestamps begin
    // with a comma that follows the level; without a level the line must start with the time itself.)
    this.#logger = pino({ base: null, timestamp: isoTime(), messageKey: 'event', formatters: { level: () => ({}) } }, this.#file);
  }

  /** The file today's lines go to. */
  get path(): string {
    return this.#file.path;
  }

  /** Appends one line per prediction; resolves when they are in the file. */
  append(entries: readonly PredictionEntry[]): Promise<void> {
    for (const e of entries) this.#child(e.client, e.model_version).info({ request_id: e.request_id, input: e.input, prediction: e.prediction, latency_ms: e.latency_ms });
    return this.#file.committed();
  }

  /** The logger that writes client and model version (a request's predictions share both). */
  #child(client: string, version: string | undefined): Logger {
    const key = `${client}\u0000${version ?? ''}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      if (this.#children.size >= 10_000) this.#children.clear();
      child = this.#logger.child({ client, model_version: version });
      this.#children.set(key, child);
    }
    return child;
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}
