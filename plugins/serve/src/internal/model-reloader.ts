// Which model is served, and changing it without a restart: on request (POST /api/v1/admin/reload) or
// when the model dataset's current version moves (a registry alias, a new training), found by polling
// catalog.versions() every serve.yaml `model.reload_every`. The new model is built beside the old one
// and swapped in one assignment: a request holds the model it started with until it is answered. A new
// dagrun version is taken only once its run record says the run completed (model-version.ts).

import type { DataCatalog, Project } from '@dagrun/core';
import type { ServeConfig } from './config.js';
import { loadModel, versionInfo, type ServedModel } from './model.js';
import { newestComplete, type Followed } from './model-version.js';

/** Why the model changed: asked for by an admin, or its dataset's current version moved. */
export type ReloadReason = 'admin' | 'poll';

export interface ReloadEvent {
  readonly reason: ReloadReason;
  readonly previous: string | undefined;
  readonly version: string | undefined;
  /** Set when the reload failed (the previous model is still served). */
  readonly error?: string;
}

export interface ReloaderOptions {
  readonly project: Project;
  readonly config: ServeConfig;
  readonly model: ServedModel;
  /** false: the first model was asked for by version (--model-version), so the poll does not replace it. */
  readonly follow: boolean;
  /** Milliseconds between polls; 0: no polling. */
  readonly everyMs: number;
  /** Told of every swap, and of every failed poll (once per distinct failure, not once per tick). */
  readonly onEvent: (event: ReloadEvent) => void;
}

/** The served model and how it changes. `model` is a plain field: a request reads it once, at its start. */
export class ModelReloader {
  model: ServedModel;
  readonly #opts: ReloaderOptions;
  #follow: boolean;
  #busy = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #catalog: DataCatalog | undefined;
  #lastFailure = '';

  constructor(opts: ReloaderOptions) {
    this.#opts = opts;
    this.model = opts.model;
    this.#follow = opts.follow;
    // An unversioned dataset has nothing to follow.
    if (opts.everyMs > 0 && opts.model.version !== undefined) this.#schedule();
  }

  /** Whether the poll replaces the model when its dataset's current version moves (no version pinned). */
  get following(): boolean {
    return this.#follow;
  }

  /** Whether a reload is running now. */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Loads `version` (default: the dataset's current one) beside the served model and swaps. Throws when it
   * cannot be loaded (the served model stays) and when another reload runs (check `busy` first).
   */
  async reload(
    version: string | undefined,
    reason: ReloadReason = 'admin',
  ): Promise<{ previous: ServedModel; next: ServedModel }> {
    if (this.#busy) throw new Error('A reload is already running.');
    this.#busy = true;
    try {
      const next = await loadModel(this.#opts.project, this.#opts.config, version);
      const previous = this.model;
      this.model = next;
      // An admin who names a version pins it; one who does not goes back to following the dataset.
      if (reason === 'admin') this.#follow = version === undefined;
      this.#lastFailure = '';
      this.#opts.onEvent({ reason, previous: previous.version, version: next.version });
      return { previous, next };
    } finally {
      this.#busy = false;
    }
  }

  /** Version info of the served version as the store has it now (aliases move), else as it was at load. */
  async info(): Promise<Readonly<Record<string, unknown>> | undefined> {
    const m = this.model;
    if (m.info === undefined) return undefined;
    return (await versionInfo(this.#opts.project, m.dataset, m.version)) ?? m.info;
  }

  /** Stops polling and waits for a poll under way; the served model stays usable. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await this.#catalog?.close();
    this.#catalog = undefined;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#poll().finally(() => this.#schedule());
    }, this.#opts.everyMs);
    // A poll alone must not keep the process alive.
    this.#timer.unref();
  }

  /**
   * One poll: the dataset's versions (cheap), walked from the newest down to the served one; the first whose
   * run completed, if not the served one, is loaded and swapped. A newer version passed over is told once,
   * as a failed poll: it is looked at again each tick, and loaded once its run record says 'ok'.
   */
  async #poll(): Promise<void> {
    if (!this.#follow || this.#busy || this.#closed) return;
    const dataset = this.#opts.config.model.dataset;
    let followed: Followed;
    try {
      this.#catalog ??= this.#openCatalog();
      followed = await newestComplete(this.#opts.project, await this.#catalog.versions(dataset), this.model.version);
    } catch (err) {
      this.#failed(undefined, err);
      return;
    }
    if (this.#closed) return;
    const current = followed.version;
    if (current !== undefined && current !== this.model.version) {
      try {
        await this.reload(current, 'poll');
      } catch (err) {
        this.#failed(current, err); // the old model stays; the next tick tries again
        return;
      }
    }
    const passed = followed.skipped[0];
    if (passed) this.#failed(passed.version, new Error(passed.reason));
    else this.#lastFailure = ''; // healthy again: a later failure is news
  }

  #openCatalog(): DataCatalog {
    const { catalog, errors } = this.#opts.project.createCatalog();
    if (errors.length > 0) throw errors[0]!;
    return catalog;
  }

  #failed(version: string | undefined, err: unknown): void {
    const error = (err as Error).message.split('\n')[0] ?? String(err);
    const key = `${version ?? ''}\n${error}`;
    if (key === this.#lastFailure) return;
    this.#lastFailure = key;
    this.#opts.onEvent({ reason: 'poll', previous: this.model.version, version, error });
  }
}
