// The tracking store: MLflow 2.x's file layout (mlflow/store/tracking/file_store.py) on the local disk,
// written as MLflow writes it and read whoever wrote it. Experiments, runs, params (immutable), metrics
// (one appended line per value), tags, artifacts, and the run lifecycle (delete/restore).

import { randomInt, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrackingError } from './errors.js';
import { appendLine, filesUnder, readText, writeAtomic } from './files.js';
import { STATUS_CODE, type Experiment, type MetricPoint, type Run, type RunStatus, type StoreProblem } from './model.js';
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

  private constructor(root: string) {
    this.root = root;
    this.#index = new RunIndex(root);
  }

  /** Opens (creating, as MLflow does, with the Default experiment and .trash) the store at `root`. */
  static open(root: string, opts: { create?: boolean } = {}): TrackingStore {
    const dir = resolve(root);
    if (!existsSync(dir)) {
      if (opts.create === false) throw new TrackingError('DAGRUN_ERR_TRACKING_STORE', `Tracking store '${root}': expected a folder, but got no such folder.`, { hint: 'Hint: run a pipeline of a project that lists @dagrun/tracking first, or pass --store PATH.' });
      mkdirSync(dir, { recursive: true });
    } else if (!statSync(dir).isDirectory()) {
      throw new TrackingError('DAGRUN_ERR_TRACKING_STORE', `Tracking store '${root}': expected a folder, but got a file.`);
    }
    const store = new TrackingStore(dir);
    if (!existsSync(join(dir, DEFAULT_EXPERIMENT_ID)) && experimentDirs(dir).length === 0) store.#writeExperiment(DEFAULT_EXPERIMENT_ID, 'Default');
    mkdirSync(join(dir, TRASH), { recursive: true });
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
    let id: string;
    do id = String(randomInt(1, 2 ** 47) * 1000 + randomInt(0, 1000)).slice(0, 18);
    while (existsSync(join(this.root, id)) || existsSync(join(this.root, TRASH, id)));
    this.#writeExperiment(id, name);
    return this.experimentByName(name)!;
  }

  #writeExperiment(id: string, name: string): void {
    const now = Date.now();
    const meta = { artifact_location: pathToFileURL(join(this.root, id)).href, creation_time: now, experiment_id: id, last_update_time: now, lifecycle_stage: 'active', name };
    writeAtomic(join(this.root, id, META), dumpYaml(meta));
  }

  // ---- runs: writing

  createRun(experimentId: string, opts: CreateRunOptions): Run {
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
    this.setTags(runId, { 'mlflow.runName': opts.runName, 'mlflow.user': opts.userId, ...opts.tags });
    // MLflow's create_run sets the mlflow.runName tag through set_tag, whose update_run_info rewrites
    // meta.yaml without deleted_time: on disk a running run has none (checked in the MLflow 2.x fixture).
    const { deleted_time: _dropped, ...rest } = info;
    this.#writeRunMeta(dir, rest);
    return this.getRun(runId);
  }

  /** Params are immutable, as in MLflow: the same value again is fine, another value is refused. */
  logParams(runId: string, params: Readonly<Record<string, string>>): void {
    const dir = this.#activeRunDir(runId);
    for (const [key, value] of Object.entries(params)) {
      checkKey('param', key);
      const v = value.length > MAX_PARAM_LENGTH ? value.slice(0, MAX_PARAM_LENGTH) : value;
      const file = join(dir, 'params', key);
      const old = readText(file);
      if (old !== undefined && old !== v) {
        throw new TrackingError('DAGRUN_ERR_TRACKING_PARAM_CHANGED', `Param '${key}' of run '${runId}': expected the value it was logged with ('${old}'), but got '${v}'.`, { hint: 'Hint: params are immutable once logged (as in MLflow); log a new run for a new value.' });
      }
      if (old === undefined) writeAtomic(file, v);
    }
  }

  logMetric(runId: string, key: string, value: number, opts: { timestamp?: number; step?: number } = {}): void {
    const dir = this.#activeRunDir(runId);
    checkKey('metric', key);
    appendLine(join(dir, 'metrics', key), `${opts.timestamp ?? Date.now()} ${pythonFloat(value)} ${opts.step ?? 0}`);
  }

  setTags(runId: string, tags: Readonly<Record<string, string>>): void {
    const dir = this.#activeRunDir(runId);
    for (const [key, value] of Object.entries(tags)) {
      checkKey('tag', key);
      writeAtomic(join(dir, 'tags', key), value);
    }
  }

  /** Copies a file or folder into the run's artifacts, under `dest` (a relative path). */
  logArtifact(runId: string, source: string, dest: string): void {
    const dir = this.#activeRunDir(runId);
    const target = resolve(dir, 'artifacts', dest);
    if (!target.startsWith(join(dir, 'artifacts'))) throw new TrackingError('DAGRUN_ERR_TRACKING_KEY', `Artifact path '${dest}': expected a path inside the run's artifacts, but got one that leaves it.`);
    cpSync(source, target, { recursive: true });
  }

  /** Writes text as a run artifact at `dest` (a relative path). */
  writeArtifact(runId: string, dest: string, text: string): void {
    this.#activeRunDir(runId);
    writeAtomic(this.artifactPath(runId, dest), text);
  }

  /** Ends a run: status, end time, and `deleted_time` dropped, as MLflow's update_run_info leaves meta.yaml. */
  endRun(runId: string, status: RunStatus, endTime = Date.now()): void {
    const { dir, meta } = this.#runMeta(runId);
    const { deleted_time: _dropped, ...rest } = meta;
    this.#writeRunMeta(dir, { ...rest, status: STATUS_CODE[status], end_time: endTime });
  }

  // ---- runs: lifecycle (MLflow marks a run deleted in its meta.yaml; `mlflow gc` removes it later)

  deleteRun(runId: string): void {
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
    return this.#index.list();
  }

  getRun(runId: string): Run {
    const dir = this.runDir(runId);
    const experimentId = relative(this.root, dir).split('/').filter((p) => p !== TRASH)[0]!;
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
    if (p !== base && !p.startsWith(`${base}/`)) throw new TrackingError('DAGRUN_ERR_TRACKING_KEY', `Artifact path '${rel}': expected a path inside the run's artifacts, but got one that leaves it.`);
    return p;
  }

  /** The folder of a run, found by id among every experiment (active or in .trash); accepts a unique prefix. */
  runDir(runId: string): string {
    if (!/^[0-9a-f]{4,32}$/i.test(runId)) {
      throw new TrackingError('DAGRUN_ERR_TRACKING_NOT_FOUND', `Run '${runId}': expected a run id (32 hex characters, or a unique prefix of at least 4), but got '${runId}'.`);
    }
    const found: string[] = [];
    for (const [, expDir] of experimentDirs(this.root)) {
      const exact = join(expDir, runId);
      if (runId.length === 32 && existsSync(exact)) return exact;
      if (runId.length < 32) for (const d of filesOrDirs(expDir)) if (d.startsWith(runId)) found.push(join(expDir, d));
    }
    if (found.length === 1) return found[0]!;
    if (found.length > 1) throw new TrackingError('DAGRUN_ERR_TRACKING_NOT_FOUND', `Run '${runId}': expected a prefix of one run, but got ${found.length} runs that start with it.`, { hint: 'Hint: give more characters of the id.' });
    throw new TrackingError('DAGRUN_ERR_TRACKING_NOT_FOUND', `Run '${runId}': expected a run of the store at ${this.root}, but got no such run.`, { hint: 'Hint: `dagrun runs list` shows the ids.' });
  }

  #runMeta(runId: string): { dir: string; meta: Record<string, YamlValue> } {
    const dir = this.runDir(runId);
    const { meta, problem } = readMeta(join(dir, META), this.root);
    if (!meta) throw new TrackingError('DAGRUN_ERR_TRACKING_CORRUPT', problem!.message);
    return { dir, meta: meta as Record<string, YamlValue> };
  }

  #activeRunDir(runId: string): string {
    const { dir, meta } = this.#runMeta(runId);
    if (meta.lifecycle_stage === 'deleted') throw new TrackingError('DAGRUN_ERR_TRACKING_STATE', `Run '${runId}': expected an active run, but got a deleted one.`, { hint: `Hint: dagrun runs restore ${runId}` });
    return dir;
  }

  #writeRunMeta(dir: string, meta: Record<string, YamlValue>): void {
    writeAtomic(join(dir, META), dumpYaml({ ...meta, tags: [] }));
    this.#index.invalidate(relative(this.root, dir));
  }
}

const filesOrDirs = (dir: string): string[] => filesUnder(dir).map((f) => f.split('/')[0]!).filter((v, i, a) => a.indexOf(v) === i);

/** MLflow's name rule (_validate_metric_name & co): letters, digits, `_ - . / space`, no `..` and no leading `/`. */
const checkKey = (kind: string, key: string): void => {
  if (!/^[\w\-. /]+$/.test(key) || key.includes('..') || key.startsWith('/') || key.length > 250) {
    throw new TrackingError('DAGRUN_ERR_TRACKING_KEY', `${kind[0]!.toUpperCase()}${kind.slice(1)} name '${key}': expected letters, digits, '_', '-', '.', ' ' or '/' (no '..', no leading '/'), but got another character.`);
  }
};
