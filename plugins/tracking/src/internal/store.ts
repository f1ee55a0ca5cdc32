// The tracking store: MLflow 2.x's file layout (mlflow/store/tracking/file_store.py) on the local disk,
// written as MLflow writes it and read whoever wrote it. Experiments, runs, params (immutable), metrics
// (one appended line per value), tags, artifacts, and the run lifecycle (delete/restore).

import { randomInt, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrackingError } from './errors.js';
import { appendLine, filesUnder, readText, subdirs, writeAtomic } from './files.js';
import {
  STATUS_CODE,
  type Experiment,
  type MetricPoint,
  type Run,
  type RunStatus,
  type StoreProblem,
} from './model.js';
import { MODELS } from './registry-store.js';
import { experimentDirs, RunIndex, TRASH } from './run-index.js';
import { META, readMeta, readMetricFile, readRunDir } from './run-reader.js';
import { dumpYaml, pythonFloat, type YamlValue } from './yaml-dump.js';

export const DEFAULT_EXPERIMENT_ID = '0';
const MAX_PARAM_LENGTH = 6000;

export interface CreateRunOptions {
  readonly runName: string;
  readonly userId: string;
  readonly startTime?: number;
  readonly tags?: Readonly<Record<string, string>>;
}

export class TrackingStore {
  readonly root: string;
  readonly #index: RunIndex;
  /** Runs this object created and has not ended: id → folder. */
  readonly #own = new Map<string, string>();

  private constructor(root: string) {
    this.root = root;
    this.#index = new RunIndex(root);
  }

  /** Opens (creating, as MLflow does, with the Default experiment and .trash) the store at `root`. */
  static open(root: string, opts: { create?: boolean } = {}): TrackingStore {
    const dir = resolve(root);
    if (!existsSync(dir)) {
      if (opts.create === false)
        throw new TrackingError(
          'DAGRUN_ERR_TRACKING_STORE',
          `Tracking store '${root}': expected a folder, but got no such folder.`,
          { hint: 'Hint: run a pipeline of a project that lists @dagrun/tracking first, or pass --store PATH.' },
        );
      mkdirSync(dir, { recursive: true });
    } else if (!statSync(dir).isDirectory()) {
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_STORE',
        `Tracking store '${root}': expected a folder, but got a file.`,
      );
    }
    const store = new TrackingStore(dir);
    if (!existsSync(join(dir, DEFAULT_EXPERIMENT_ID)) && experimentDirs(dir).length === 0)
      store.#writeExperiment(DEFAULT_EXPERIMENT_ID, 'Default');
    if (!existsSync(join(dir, TRASH))) {
      try {
        mkdirSync(join(dir, TRASH));
      } catch {
        // A read-only store (a mounted copy) still opens for reading; MLflow too reads one without .trash.
      }
    }
    return store;
  }

  // ---- experiments

  experiments(problems: StoreProblem[] = []): Experiment[] {
    const out: Experiment[] = [];
    for (const [id, dir] of experimentDirs(this.root)) {
      const { meta, problem } = readMeta(join(dir, META), this.root);
      if (!meta) {
        problems.push(problem!);
        continue;
      }
      const tagsDir = join(dir, 'tags');
      const tags: Record<string, string> = {};
      for (const k of filesUnder(tagsDir)) tags[k] = readText(join(tagsDir, k)) ?? '';
      out.push({
        id,
        name: String(meta.name ?? ''),
        artifactLocation: String(meta.artifact_location ?? ''),
        lifecycleStage: meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
        creationTime: typeof meta.creation_time === 'number' ? meta.creation_time : null,
        lastUpdateTime: typeof meta.last_update_time === 'number' ? meta.last_update_time : null,
        tags,
      });
    }
    return out;
  }

  experimentByName(name: string): Experiment | undefined {
    return this.experiments().find((e) => e.name === name && e.lifecycleStage === 'active');
  }

  /** The active experiment of that name, created (with an id as MLflow makes them) when there is none. */
  ensureExperiment(name: string): Experiment {
    const found = this.experimentByName(name);
    if (found) return found;
    // 18 digits, the first not 0, as _generate_unique_integer_id makes them (digit by digit: 18 digits
    // do not fit a double's 53 bits).
    let id: string;
    do id = `${randomInt(1, 10)}${Array.from({ length: 17 }, () => randomInt(0, 10)).join('')}`;
    while (existsSync(join(this.root, id)) || existsSync(join(this.root, TRASH, id)));
    this.#writeExperiment(id, name);
    return this.experimentByName(name)!;
  }

  #writeExperiment(id: string, name: string): void {
    const now = Date.now();
    const meta = {
      artifact_location: pathToFileURL(join(this.root, id)).href,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    };
    writeAtomic(join(this.root, id, META), dumpYaml(meta), true);
  }

  // ---- runs: writing

  /** A run of an active experiment (MLflow's create_run refuses a missing or deleted one). */
  createRun(experimentId: string, opts: CreateRunOptions): Run {
    if (
      !/^[^/\\]+$/.test(experimentId) ||
      experimentId.startsWith('.') ||
      experimentId === MODELS ||
      !existsSync(join(this.root, experimentId, META))
    ) {
      const active = this.experiments().filter((e) => e.lifecycleStage === 'active');
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_NOT_FOUND',
        `Experiment '${experimentId}': expected an active experiment of the store ` +
          `(${active.map((e) => `${e.id} ${e.name}`).join(', ') || 'none'}), but got no such experiment.`,
      );
    }
    const runId = randomUUID().replace(/-/g, '');
    const dir = join(this.root, experimentId, runId);
    const info: Record<string, YamlValue> = {
      artifact_uri: pathToFileURL(join(dir, 'artifacts')).href,
      end_time: null,
      entry_point_name: '',
      experiment_id: experimentId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: opts.runName,
      run_uuid: runId,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: opts.startTime ?? Date.now(),
      status: STATUS_CODE.RUNNING,
      tags: [],
      user_id: opts.userId,
      deleted_time: null,
    };
    writeAtomic(join(dir, META), dumpYaml(info));
    for (const sub of ['metrics', 'params', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
    this.#own.set(runId, dir);
    this.setTags(runId, { 'mlflow.runName': opts.runName, 'mlflow.user': opts.userId, ...opts.tags });
    // MLflow's create_run sets the mlflow.runName tag through set_tag, whose update_run_info rewrites
    // meta.yaml without deleted_time: on disk a running run has none (checked in the MLflow 2.x fixture).
    const { deleted_time: _dropped, ...rest } = info;
    this.#writeRunMeta(dir, rest);
    // The run as just written, without reading it back.
    const tags = { 'mlflow.runName': opts.runName, 'mlflow.user': opts.userId, ...opts.tags };
    return {
      runId,
      runName: opts.runName,
      experimentId,
      userId: opts.userId,
      status: 'RUNNING',
      startTime: info.start_time as number,
      endTime: null,
      lifecycleStage: 'active',
      artifactUri: info.artifact_uri as string,
      params: {},
      metrics: {},
      tags,
    };
  }

  /** Params are immutable, as in MLflow: the same value again is fine, another value is refused. */
  logParams(runId: string, params: Readonly<Record<string, string>>): void {
    const dir = this.#activeRunDir(runId);
    const existing = new Set(filesUnder(join(dir, 'params')));
    for (const [key, value] of Object.entries(params)) {
      checkKey('param', key);
      const v = value.length > MAX_PARAM_LENGTH ? value.slice(0, MAX_PARAM_LENGTH) : value;
      const file = join(dir, 'params', key);
      const old = existing.has(key) ? readText(file) : undefined;
      if (old !== undefined && old !== v) {
        throw new TrackingError(
          'DAGRUN_ERR_TRACKING_PARAM_CHANGED',
          `Param '${key}' of run '${runId}': expected the value it was logged with ('${old}'), but got '${v}'.`,
          { hint: 'Hint: params are immutable once logged (as in MLflow); log a new run for a new value.' },
        );
      }
      if (old === undefined) writeAtomic(file, v);
    }
    this.#touched(dir);
  }

  logMetric(runId: string, key: string, value: number, opts: { timestamp?: number; step?: number } = {}): void {
    const dir = this.#activeRunDir(runId);
    checkKey('metric', key);
    appendLine(join(dir, 'metrics', key), `${opts.timestamp ?? Date.now()} ${pythonFloat(value)} ${opts.step ?? 0}`);
    this.#touched(dir);
  }

  setTags(runId: string, tags: Readonly<Record<string, string>>): void {
    const dir = this.#activeRunDir(runId);
    for (const [key, value] of Object.entries(tags)) {
      checkKey('tag', key);
      writeAtomic(join(dir, 'tags', key), value);
    }
    this.#touched(dir);
  }

  /** Copies a file or folder into the run's artifacts, under `dest` (a relative path). */
  logArtifact(runId: string, source: string, dest: string): void {
    const dir = this.#activeRunDir(runId);
    const base = join(dir, 'artifacts');
    const target = resolve(base, dest);
    // With the separator: `../artifacts-x` starts with `.../artifacts` but is a sibling folder.
    if (target !== base && !target.startsWith(`${base}/`))
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_KEY',
        `Artifact path '${dest}': expected a path inside the run's artifacts, but got one that leaves it.`,
      );
    cpSync(source, target, { recursive: true });
  }

  /** Writes text as a run artifact at `dest` (a relative path). */
  writeArtifact(runId: string, dest: string, text: string): void {
    this.#activeRunDir(runId);
    writeAtomic(this.artifactPath(runId, dest), text);
  }

  /** Ends a run: status, end time, and `deleted_time` dropped, as MLflow's update_run_info leaves meta.yaml. */
  endRun(runId: string, status: RunStatus, endTime = Date.now()): void {
    this.#own.delete(runId);
    const { dir, meta } = this.#runMeta(runId);
    const { deleted_time: _dropped, ...rest } = meta;
    this.#writeRunMeta(dir, { ...rest, status: STATUS_CODE[status], end_time: endTime });
  }

  // ---- runs: lifecycle (MLflow marks a run deleted in its meta.yaml; `mlflow gc` removes it later)

  deleteRun(runId: string): void {
    this.#own.delete(runId);
    const { dir, meta } = this.#runMeta(runId);
    this.#writeRunMeta(dir, { ...meta, lifecycle_stage: 'deleted', deleted_time: Date.now() });
  }

  restoreRun(runId: string): void {
    const { dir, meta } = this.#runMeta(runId);
    const { deleted_time: _dropped, ...rest } = meta;
    this.#writeRunMeta(dir, { ...rest, lifecycle_stage: 'active' });
  }

  // ---- runs: reading

  /** Every run (the listing cache keeps this fast), with the problems of the parts that could not be read. */
  allRuns(): { runs: Run[]; problems: StoreProblem[]; reread: number } {
    const now = performance.now();
    if (this.#last && now - this.#last.at < this.listingMaxAgeMs) return { ...this.#last.listing, reread: 0 };
    const listing = this.#index.list();
    this.#last = { at: now, listing };
    return listing;
  }

  /**
   * How long a listing may be reused by this object, in ms (default 0: every listing checks the disk).
   * `dagrun ui` sets a second: a page of 10,000 runs then answers without stat-ing 40,000 paths per request,
   * and shows what changed on disk at most a second later. Writes through this object clear it.
   */
  listingMaxAgeMs = 0;
  #last: { at: number; listing: { runs: Run[]; problems: StoreProblem[]; reread: number } } | undefined;

  getRun(runId: string): Run {
    const dir = this.runDir(runId);
    const experimentId = relative(this.root, dir)
      .split('/')
      .filter((p) => p !== TRASH)[0]!;
    const { run, problems } = readRunDir(dir, experimentId, this.root);
    if (!run) throw new TrackingError('DAGRUN_ERR_TRACKING_CORRUPT', problems[0]!.message);
    return run;
  }

  metricHistory(runId: string, key: string, problems: StoreProblem[] = []): MetricPoint[] {
    checkKey('metric', key);
    return readMetricFile(join(this.runDir(runId), 'metrics', key), key, this.root, problems);
  }

  /** Artifact files of a run, relative to its artifacts folder. */
  artifacts(runId: string): string[] {
    return filesUnder(join(this.runDir(runId), 'artifacts'));
  }

  /** Local path of a run's artifact (the run folder's own artifacts/, whatever root its artifact_uri names). */
  artifactPath(runId: string, rel: string): string {
    const base = join(this.runDir(runId), 'artifacts');
    const p = resolve(base, rel);
    if (p !== base && !p.startsWith(`${base}/`))
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_KEY',
        `Artifact path '${rel}': expected a path inside the run's artifacts, but got one that leaves it.`,
      );
    return p;
  }

  /** The folder of a run, found by id among every experiment (active or in .trash); accepts a unique prefix. */
  runDir(runId: string): string {
    if (!/^[0-9a-f]{4,32}$/i.test(runId)) {
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_NOT_FOUND',
        `Run '${runId}': expected a run id (32 hex characters, or a unique prefix of at least 4), but got '${runId}'.`,
      );
    }
    // Run folders are lowercase hex (uuid4().hex); an id pasted in capitals names the same run.
    const id = runId.toLowerCase();
    const found: string[] = [];
    for (const [, expDir] of experimentDirs(this.root)) {
      const exact = join(expDir, id);
      if (id.length === 32 && existsSync(exact)) return exact;
      if (id.length < 32) for (const d of subdirs(expDir)) if (d.startsWith(id)) found.push(join(expDir, d));
    }
    if (found.length === 1) return found[0]!;
    if (found.length > 1)
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_NOT_FOUND',
        `Run '${runId}': expected a prefix of one run, but got ${found.length} runs that start with it.`,
        { hint: 'Hint: give more characters of the id.' },
      );
    throw new TrackingError(
      'DAGRUN_ERR_TRACKING_NOT_FOUND',
      `Run '${runId}': expected a run of the store at ${this.root}, but got no such run.`,
      { hint: 'Hint: `dagrun runs list` shows the ids.' },
    );
  }

  #runMeta(runId: string): { dir: string; meta: Record<string, YamlValue> } {
    const dir = this.runDir(runId);
    const { meta, problem } = readMeta(join(dir, META), this.root);
    if (!meta) throw new TrackingError('DAGRUN_ERR_TRACKING_CORRUPT', problem!.message);
    return { dir, meta: meta as Record<string, YamlValue> };
  }

  #activeRunDir(runId: string): string {
    // A run this store object created and has not ended or deleted is active: no need to read its meta.yaml per
    // logged value.
    const own = this.#own.get(runId);
    if (own) return own;
    const { dir, meta } = this.#runMeta(runId);
    if (meta.lifecycle_stage === 'deleted')
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_STATE',
        `Run '${runId}': expected an active run, but got a deleted one.`,
        { hint: `Hint: dagrun runs restore ${runId}` },
      );
    return dir;
  }

  #writeRunMeta(dir: string, meta: Record<string, YamlValue>): void {
    writeAtomic(join(dir, META), dumpYaml({ ...meta, tags: [] }), true);
    this.#touched(dir);
  }

  /**
   * This process wrote to the run: its cached listing entry goes (a folder's mtime may not move within one clock
   * tick).
   */
  #touched(dir: string): void {
    this.#index.invalidate(relative(this.root, dir));
    this.#last = undefined;
  }
}

/**
 * MLflow's name rule (_validate_metric_name & co): letters, digits, `_ - . / space`, no `..` and no leading `/`;
 * and, as its path_not_unique, a path that is already normalized (no empty, `.` or `..` segment: `a//b` or
 * `a/` would be stored as another key, `.` as the folder itself).
 */
const checkKey = (kind: string, key: string): void => {
  const got = !/^[\w\-. /]+$/.test(key)
    ? 'another character'
    : key.length > 250
      ? `${key.length} characters`
      : key.includes('..') || key.split('/').some((p) => p === '' || p === '.')
        ? "an empty, '.' or '..' part"
        : undefined;
  if (got !== undefined) {
    throw new TrackingError(
      'DAGRUN_ERR_TRACKING_KEY',
      `${kind[0]!.toUpperCase()}${kind.slice(1)} name '${key}': ` +
        "expected at most 250 letters, digits, '_', '-', '.', ' ' or '/' " +
        "(no '..', no empty or '.' part between '/'), " +
        `but got ${got}.`,
    );
  }
};
