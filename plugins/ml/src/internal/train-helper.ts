// A second thread for training on large inputs. The arrays of a fit live in SharedArrayBuffers; the helper
// (train-worker.ts) compiles the same kernels over them and does half of each large step on request: the
// second half of a large node's histogram, and the values and row assignment of a share of the leaves.
// (Partitioning rows is bound by memory bandwidth: on two threads it measured no faster, so it stays on one.) Requests
// and replies go through a shared Int32Array (Atomics.wait / notify), so a request costs microseconds and the main
// thread never leaves its synchronous fit.
//
// Results do not depend on the number of threads: sign counts are integers, leaf values are computed per
// leaf, and a large node's float histogram is always summed as two halves (tree-grower.ts), by one thread
// or by two.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Request codes (control[1]). */
export const OP_HISTOGRAM = 1;
export const OP_SIGN_COUNTS = 2;
export const OP_LEAVES = 4;
export const OP_STOP = 9;

/** control[0]: the helper's state. */
const IDLE = 0;
const REQUESTED = 1;
const DONE = 2;
const FAILED = 3;
const STARTING = 4;

/** How long a request may take before the fit gives up on the helper (a hang, not a slow step). */
const REPLY_TIMEOUT_MS = 300_000;
const START_TIMEOUT_MS = 5_000;

/** Everything the helper reads or writes; each array is backed by a SharedArrayBuffer. */
export interface SharedFitArrays {
  readonly bins: Uint8Array;
  readonly idx: Uint32Array;
  readonly grad: Float64Array;
  readonly signs: Uint8Array;
  readonly y: Float64Array;
  readonly raw: Float64Array;
  readonly leafOf: Uint32Array;
  /** Residuals of leaf rows, scratch for the leaf values (n). */
  readonly values: Float64Array;
  /** The grower's histogram slots; the helper builds into slot `helperSlot`. */
  readonly hist: Float64Array;
  /** The helper's sign counts (f × 512). */
  readonly helperCounts: Int32Array;
  /** Leaf triples (node, start, end) of the tree being finished. */
  readonly leaves: Int32Array;
  /** Leaf values of the tree being finished. */
  readonly leafValues: Float64Array;
}

export interface HelperConfig {
  readonly nFeatures: number;
  readonly nRows: number;
  /** Bins used by each feature (the NaN bin aside). */
  readonly nBins: readonly number[];
  readonly helperSlot: number;
  /** leafValuesKernel's loss code. */
  readonly lossCode: number;
}

/** Makers of the typed arrays a fit uses. */
export interface ArrayMaker {
  u8(n: number): Uint8Array;
  u32(n: number): Uint32Array;
  i32(n: number): Int32Array;
  f64(n: number): Float64Array;
}

/** Typed arrays on shared memory, for the arrays a helper reads or writes. */
export const sharedArray: ArrayMaker = {
  u8: (n: number) => new Uint8Array(new SharedArrayBuffer(Math.max(1, n))),
  u32: (n: number) => new Uint32Array(new SharedArrayBuffer(Math.max(1, n) * 4)),
  i32: (n: number) => new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)),
  f64: (n: number) => new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8)),
};

/** The same constructors on ordinary memory, for a fit without a helper. */
export const plainArray: ArrayMaker = {
  u8: (n) => new Uint8Array(n),
  u32: (n) => new Uint32Array(n),
  i32: (n) => new Int32Array(n),
  f64: (n) => new Float64Array(n),
};

/** The default number of threads of a fit on n rows: two from 200,000 rows on a machine with two cores. */
export const defaultThreads = (n: number): number => (n >= 200_000 && availableParallelism() >= 2 ? 2 : 1);

// The worker is the built train-worker.js: beside this file once built, in dist/ when this file runs from
// source (tests under tsx, which cannot load a TypeScript worker while the fit blocks the main thread).
const workerUrl = (): URL =>
  new URL(
    import.meta.url.endsWith('.ts') ? '../../dist/internal/train-worker.js' : './train-worker.js',
    import.meta.url,
  );

export class TrainHelper {
  readonly #worker: Worker;
  readonly #control: Int32Array;
  readonly #args: Float64Array;
  #busy = false;

  private constructor(worker: Worker, control: Int32Array, args: Float64Array) {
    this.#worker = worker;
    this.#control = control;
    this.#args = args;
  }

  /**
   * Starts the helper thread and waits until it is ready; undefined when it cannot start (no worker
   * threads here, or it failed to load), in which case the fit runs on one thread with the same results.
   */
  static open(config: HelperConfig, arrays: SharedFitArrays): TrainHelper | undefined {
    const control = new Int32Array(new SharedArrayBuffer(8 * 4));
    const args = new Float64Array(new SharedArrayBuffer(8 * 8));
    control[0] = STARTING;
    const url = workerUrl();
    if (!existsSync(fileURLToPath(url))) return undefined;
    let worker: Worker;
    try {
      worker = new Worker(url, { workerData: { config, arrays, control, args } });
    } catch {
      return undefined;
    }
    worker.unref();
    // Errors reach us through the control block; this listener only keeps them from crashing the process.
    worker.on('error', () => {});
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(control, 0) === STARTING && Date.now() < deadline) Atomics.wait(control, 0, STARTING, 50);
    if (Atomics.load(control, 0) !== IDLE) {
      void worker.terminate();
      return undefined;
    }
    return new TrainHelper(worker, control, args);
  }

  /** Starts a request; the caller does its own half, then calls wait(). */
  request(op: number, a = 0, b = 0, c = 0, d = 0, e = 0): void {
    if (this.#busy) throw new Error('TrainHelper: a request is already running');
    const args = this.#args;
    args[0] = a;
    args[1] = b;
    args[2] = c;
    args[3] = d;
    args[4] = e;
    this.#control[1] = op;
    this.#busy = true;
    Atomics.store(this.#control, 0, REQUESTED);
    Atomics.notify(this.#control, 0);
  }

  /** Waits for the running request; returns its result (args[5]). */
  wait(): number {
    const control = this.#control;
    // Most requests take well under a millisecond: spin a little before sleeping.
    for (let spin = 0; spin < 20_000 && Atomics.load(control, 0) === REQUESTED; spin++);
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (Atomics.load(control, 0) === REQUESTED) {
      if (Date.now() > deadline)
        throw new Error('GradientBoostingRegressor: the training helper thread stopped answering');
      Atomics.wait(control, 0, REQUESTED, 100);
    }
    this.#busy = false;
    const state = Atomics.load(control, 0);
    Atomics.store(control, 0, IDLE);
    if (state === FAILED)
      throw new Error(`GradientBoostingRegressor: the training helper thread failed (request ${control[1]})`);
    if (state !== DONE) throw new Error(`GradientBoostingRegressor: unexpected helper state ${state}`);
    return this.#args[5]!;
  }

  close(): void {
    if (!this.#busy) this.request(OP_STOP);
    void this.#worker.terminate();
  }
}

/** Worker side: runs requests from the control block until OP_STOP. */
export const serveRequests = (
  control: Int32Array,
  args: Float64Array,
  handle: (op: number, args: Float64Array) => number,
): void => {
  Atomics.store(control, 0, IDLE);
  Atomics.notify(control, 0);
  for (;;) {
    for (let spin = 0; spin < 20_000 && Atomics.load(control, 0) !== REQUESTED; spin++);
    while (Atomics.load(control, 0) !== REQUESTED) Atomics.wait(control, 0, IDLE, 1000);
    const op = control[1]!;
    let state = DONE;
    try {
      if (op !== OP_STOP) args[5] = handle(op, args);
    } catch {
      state = FAILED;
    }
    Atomics.store(control, 0, state);
    Atomics.notify(control, 0);
    if (op === OP_STOP) return;
  }
};
