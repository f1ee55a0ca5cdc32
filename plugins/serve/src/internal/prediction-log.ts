// The prediction log: one JSON line per prediction, for model monitoring, appended to a file that changes each
// UTC day when its path holds {date}. Lines are written through pino's destination (SonicBoom) in sync mode, so a
// request is answered once its lines are handed to the operating system: a prediction the client saw is in the
// file even if the process dies the next instant (only a machine crash can lose the page cache, as with any log
// written without fsync). A disk that stalls stalls the server with it, as any synchronous pino log does.

import { isAbsolute, join } from 'node:path';
import pino from 'pino';

/** What one line holds, after its `time` (an ISO timestamp). */
export interface PredictionEntry {
  readonly request_id: string;
  readonly client: string;
  readonly model_version: string | undefined;
  readonly input: unknown;
  readonly prediction: unknown;
  readonly latency_ms: number;
}

type Destination = ReturnType<typeof pino.destination>;

/** The requests whose lines one write carries: all await the same promise. */
interface Batch {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

const newBatch = (): Batch => {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const DAY_MS = 86_400_000;

export class PredictionLog {
  readonly #template: string;
  /** The path of the current UTC day, and when it stops being current (ms since the epoch). */
  #dayPath = '';
  #dayEnds = -1;
  #destination: Destination | undefined;
  #destinationPath = '';
  /** What the destination reported failing during the write in progress. */
  #writeError: Error | undefined;
  /** The lines of this turn of the event loop, and the requests waiting for them. */
  #lines = '';
  #batch: Batch | undefined;
  #writes = 0;

  /** `path` is relative to `projectDir` unless absolute; `{date}` becomes the UTC day (YYYY-MM-DD). */
  constructor(path: string, projectDir: string) {
    this.#template = isAbsolute(path) ? path : join(projectDir, path);
  }

  /** The file today's lines go to. */
  get path(): string {
    const now = Date.now();
    if (now >= this.#dayEnds) {
      this.#dayPath = this.#template.replaceAll('{date}', new Date(now).toISOString().slice(0, 10));
      this.#dayEnds = this.#template.includes('{date}') ? (Math.floor(now / DAY_MS) + 1) * DAY_MS : Infinity;
    }
    return this.#dayPath;
  }

  /** How many writes the log has made (one per event-loop turn with predictions), for /metrics. */
  get writes(): number {
    return this.#writes;
  }

  /**
   * Appends the lines of one request, one per prediction (inputs[i] and predictions[i], the rest shared);
   * resolves once they are in the file, rejects if they cannot be written.
   */
  appendRequest(
    requestId: string,
    client: string,
    version: string | undefined,
    inputs: readonly unknown[],
    predictions: ArrayLike<unknown>,
    latencyMs: number,
  ): Promise<void> {
    if (inputs.length === 0) return Promise.resolve();
    const time = new Date().toISOString();
    for (let i = 0; i < inputs.length; i++) {
      // The key order of every line written so far: some readers compare lines as text.
      const line: { readonly time: string } & PredictionEntry = {
        time,
        client,
        model_version: version,
        request_id: requestId,
        input: inputs[i],
        prediction: predictions[i],
        latency_ms: latencyMs,
      };
      this.#lines += `${JSON.stringify(line)}\n`;
    }
    if (this.#batch === undefined) {
      this.#batch = newBatch();
      // One write per event-loop turn, gathered here: SonicBoom's own gathering (sync: false) writes on the thread
      // pool, ~5 µs a request more in a benchmark, and a write per request cost more still (docs/benchmarks.md).
      setImmediate(this.#writeBatch);
    }
    return this.#batch.promise;
  }

  readonly #writeBatch = (): void => {
    const batch = this.#batch;
    if (batch === undefined) return; // close() wrote it already
    const lines = this.#lines;
    this.#batch = undefined;
    this.#lines = '';
    try {
      this.#write(lines);
      batch.resolve();
    } catch (err) {
      batch.reject(err as Error);
    }
  };

  /**
   * Writes to the file of the day, opening it (and its folder) first if needed; throws what failed. After a
   * failure the next write opens the file anew, so a passing problem does not fail every later request.
   */
  #write(text: string): void {
    const path = this.path;
    if (this.#destination === undefined || this.#destinationPath !== path) {
      this.#destination?.end(); // the day before: everything is written, this closes it
      this.#destination = undefined;
      const destination = pino.destination({ dest: path, sync: true, mkdir: true }); // throws if it cannot open
      destination.on('error', (err: Error) => {
        if (destination === this.#destination) this.#writeError = err;
      });
      this.#destination = destination;
      this.#destinationPath = path;
    }
    this.#writeError = undefined;
    this.#destination.write(text); // in sync mode SonicBoom reports a failed write(2) as 'error' before returning
    const failed = this.#writeError;
    if (failed !== undefined) {
      // SonicBoom would retry these lines with the next ones; their requests fail (500) instead.
      this.#destination.destroy();
      this.#destination = undefined;
      throw failed;
    }
    this.#writes++;
  }

  /** Writes the lines of the current turn and closes the file. */
  async close(): Promise<void> {
    this.#writeBatch();
    const destination = this.#destination;
    this.#destination = undefined;
    if (destination === undefined) return;
    await new Promise<void>((resolve) => {
      destination.once('close', () => resolve());
      destination.once('error', () => resolve()); // closing a log that cannot be written must not hang
      destination.end();
    });
  }
}
