// What `dagrun ui` answers, as plain functions from the store to JSON (the server only routes to them):
// experiments with counts, a filtered and sorted page of runs, one run in full, several runs compared, and
// the registry. Store problems travel with every answer, so the page can warn without hiding the rest.

import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { extname, basename } from 'node:path';
import { FilterError, parseFilter, parseOrderBy, type RunComparator } from './filter.js';
import type { Experiment, MetricPoint, Run, StoreProblem } from './model.js';
import type { ModelRegistry } from './registry-store.js';
import type { TrackingStore } from './store.js';
import { higherIsBetter } from './text.js';

/** A metric value in JSON: a number, or 'NaN' / 'Infinity' / '-Infinity' (which JSON cannot hold). */
export type Num = number | string;

export interface RunJson {
  readonly runId: string;
  readonly runName: string;
  readonly experimentId: string;
  readonly userId: string;
  readonly status: string;
  readonly startTime: number | null;
  readonly endTime: number | null;
  readonly lifecycleStage: string;
  readonly artifactUri: string;
  readonly params: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, Num>>;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ExperimentJson {
  readonly id: string;
  readonly name: string;
  readonly lifecycleStage: string;
  readonly creationTime: number | null;
  /** Active runs, and runs marked deleted. */
  readonly runs: number;
  readonly deletedRuns: number;
}

export type RunsView = 'active' | 'deleted' | 'all';

export interface RunsQuery {
  /** An experiment's name; every experiment when absent. */
  readonly experiment?: string | undefined;
  readonly filter?: string | undefined;
  readonly orderBy?: string | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
  readonly view?: RunsView | undefined;
}

export interface RunsPage {
  readonly runs: RunJson[];
  /** Runs matching the filter, over every page. */
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  /**
   * Keys present among the runs of the experiment and view (before the filter, so columns stay put while
   * filtering).
   */
  readonly columns: { readonly params: string[]; readonly metrics: string[]; readonly tags: string[] };
  readonly problems: StoreProblem[];
}

export interface PointJson {
  readonly step: number;
  readonly timestamp: number;
  readonly value: Num;
}

export interface ArtifactJson {
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
  /** How the page shows it. */
  readonly kind: 'html' | 'svg' | 'image' | 'json' | 'text' | 'binary';
}

export interface RunDetail {
  readonly run: RunJson;
  readonly experiment: { readonly id: string; readonly name: string } | null;
  readonly metrics: Array<{
    readonly key: string;
    readonly value: Num;
    readonly step: number;
    readonly history: PointJson[];
  }>;
  readonly artifacts: ArtifactJson[];
  readonly problems: StoreProblem[];
}

export interface CompareJson {
  readonly runs: Array<Pick<RunJson, 'runId' | 'runName' | 'experimentId' | 'status' | 'startTime'>>;
  /** One row per key of any run; `values[i]` belongs to `runs[i]`, null where that run lacks the key. */
  readonly params: Array<{ readonly key: string; readonly values: Array<string | null>; readonly differs: boolean }>;
  readonly metrics: Array<{
    readonly key: string;
    readonly values: Array<Num | null>;
    readonly differs: boolean;
    readonly better: 'lower' | 'higher';
    /** Indexes of the runs holding the best value (none when the values do not differ). */
    readonly best: number[];
    readonly histories: PointJson[][];
  }>;
  readonly problems: StoreProblem[];
}

export interface ModelJson {
  readonly name: string;
  readonly description: string | null;
  readonly creationTimestamp: number | null;
  readonly lastUpdatedTimestamp: number | null;
  readonly aliases: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly versions: Array<{
    readonly version: number;
    readonly aliases: string[];
    readonly status: string;
    readonly currentStage: string;
    readonly creationTimestamp: number | null;
    readonly description: string | null;
    readonly source: string;
    readonly runId: string | null;
    /** The source run's name, null when the run is not in the store. */
    readonly runName: string | null;
  }>;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly position?: number };
}

/** A refused request: the HTTP status and the body the server sends. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly position: number | undefined;

  constructor(status: number, code: string, message: string, position?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.position = position;
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.position === undefined ? {} : { position: this.position }),
      },
    };
  }
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
export const MAX_COMPARE = 100;

/** The store's errors as API errors: a missing run is a 404, a bad name a 400, anything else a 500. */
export const toApiError = (err: unknown): ApiError => {
  if (err instanceof ApiError) return err;
  if (err instanceof FilterError) return new ApiError(400, err.code, err.message, err.position);
  const e = err as { code?: string; detail?: string; hint?: string; message?: string };
  const message = e.detail !== undefined ? `${e.detail}${e.hint ? `\n${e.hint}` : ''}` : String(e.message ?? err);
  const code = typeof e.code === 'string' ? e.code : 'DAGRUN_ERR_UI_INTERNAL';
  const status = /NOT_FOUND$/.test(code) ? 404 : code === 'DAGRUN_ERR_TRACKING_KEY' ? 400 : 500;
  return new ApiError(status, code, message);
};

/**
 * Every problem of the store (experiments and runs) and those met answering, once each: the banner is the same on
 * every page.
 */
const storeProblems = (store: TrackingStore, own: readonly StoreProblem[] = []): StoreProblem[] => {
  const all: StoreProblem[] = [];
  store.experiments(all);
  all.push(...store.allRuns().problems, ...own);
  return [...new Map(all.map((p) => [`${p.file}\n${p.message}`, p])).values()];
};

const num = (v: number): Num => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
const point = (p: MetricPoint): PointJson => ({ step: p.step, timestamp: p.timestamp, value: num(p.value) });

export const runJson = (r: Run): RunJson => ({
  runId: r.runId,
  runName: r.runName,
  experimentId: r.experimentId,
  userId: r.userId,
  status: r.status,
  startTime: r.startTime,
  endTime: r.endTime,
  lifecycleStage: r.lifecycleStage,
  artifactUri: r.artifactUri,
  params: r.params,
  metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, num(v)])),
  tags: r.tags,
});

/** Every experiment (active first, then by name) with its run counts. */
export const experimentsJson = (store: TrackingStore): { experiments: ExperimentJson[]; problems: StoreProblem[] } => {
  const problems: StoreProblem[] = [];
  const experiments = store.experiments(problems);
  const listing = store.allRuns();
  problems.push(...listing.problems);
  const counts = new Map<string, [number, number]>();
  for (const r of listing.runs) {
    const c = counts.get(r.experimentId) ?? [0, 0];
    c[r.lifecycleStage === 'deleted' ? 1 : 0]++;
    counts.set(r.experimentId, c);
  }
  const out = experiments.map((e): ExperimentJson => {
    const [runs, deletedRuns] = counts.get(e.id) ?? [0, 0];
    return {
      id: e.id,
      name: e.name,
      lifecycleStage: e.lifecycleStage,
      creationTime: e.creationTime,
      runs,
      deletedRuns,
    };
  });
  out.sort((a, b) =>
    a.lifecycleStage === b.lifecycleStage ? a.name.localeCompare(b.name) : a.lifecycleStage === 'active' ? -1 : 1,
  );
  return { experiments: out, problems: storeProblems(store, problems) };
};

const experimentIds = (all: readonly Experiment[], name: string): Set<string> => {
  const named = all.filter((e) => e.name === name);
  if (named.length === 0) {
    const known = all.map((e) => `'${e.name}'`).join(', ') || 'none';
    throw new ApiError(
      404,
      'DAGRUN_ERR_TRACKING_NOT_FOUND',
      `Experiment '${name}': expected one of the store's experiments (${known}), but got no such experiment.`,
    );
  }
  // An active experiment wins over a deleted one of the same name.
  const active = named.filter((e) => e.lifecycleStage === 'active');
  return new Set((active.length > 0 ? active : named).map((e) => e.id));
};

/** The ui's duration column: MLflow's order_by has no such attribute, so `duration [ASC|DESC]` alone is taken here. */
const DURATION = /^\s*duration(?:\s+(asc|desc))?\s*$/i;
const durationOf = (r: Run): number | null =>
  r.startTime !== null && r.endTime !== null ? r.endTime - r.startTime : null;

const comparator = (spec: string): RunComparator => {
  const m = DURATION.exec(spec);
  if (!m) return parseOrderBy(spec);
  const sign = m[1]?.toLowerCase() === 'desc' ? -1 : 1;
  const tie = parseOrderBy('');
  return (a, b) => {
    const [x, y] = [durationOf(a), durationOf(b)];
    if (x === null || y === null) return x === y ? tie(a, b) : x === null ? 1 : -1;
    return x === y ? tie(a, b) : x < y ? -sign : sign;
  };
};

const keysOf = (runs: readonly Run[], pick: (r: Run) => Readonly<Record<string, unknown>>): string[] => {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(pick(r))) keys.add(k);
  return [...keys].sort();
};

const checkInteger = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(
      400,
      'DAGRUN_ERR_UI_REQUEST',
      `Query parameter '${name}': expected an integer from ${min} to ${max}, but got ${value}.`,
    );
  }
  return value;
};

/** One page of runs: the experiment and view select, the filter keeps, the order sorts, then limit/offset cut. */
export const runsPage = (store: TrackingStore, q: RunsQuery = {}): RunsPage => {
  const limit = checkInteger('limit', q.limit ?? DEFAULT_LIMIT, 1, MAX_LIMIT);
  const offset = checkInteger('offset', q.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
  // Both parsed first, so a mistake is reported whatever the store holds.
  const keep = parseFilter(q.filter ?? '');
  const order = comparator(q.orderBy ?? '');
  const problems: StoreProblem[] = [];
  const experiments = store.experiments(problems);
  const ids = q.experiment !== undefined && q.experiment !== '' ? experimentIds(experiments, q.experiment) : undefined;
  const listing = store.allRuns();
  problems.push(...listing.problems);
  const view = q.view ?? 'active';
  const scope = listing.runs.filter(
    (r) => (!ids || ids.has(r.experimentId)) && (view === 'all' || r.lifecycleStage === view),
  );
  const matching = scope.filter(keep).sort(order);
  return {
    runs: matching.slice(offset, offset + limit).map(runJson),
    total: matching.length,
    offset,
    limit,
    columns: {
      params: keysOf(scope, (r) => r.params),
      metrics: keysOf(scope, (r) => r.metrics),
      tags: keysOf(scope, (r) => r.tags),
    },
    problems: storeProblems(store, problems),
  };
};

// ---- one run ------------------------------------------------------------------------------------------

const TYPES: Readonly<Record<string, [string, ArtifactJson['kind']]>> = {
  '.html': ['text/html; charset=utf-8', 'html'],
  '.htm': ['text/html; charset=utf-8', 'html'],
  '.svg': ['image/svg+xml', 'svg'],
  '.png': ['image/png', 'image'],
  '.jpg': ['image/jpeg', 'image'],
  '.jpeg': ['image/jpeg', 'image'],
  '.gif': ['image/gif', 'image'],
  '.webp': ['image/webp', 'image'],
  '.json': ['application/json; charset=utf-8', 'json'],
  '.csv': ['text/csv; charset=utf-8', 'text'],
  '.tsv': ['text/tab-separated-values; charset=utf-8', 'text'],
  '.txt': ['text/plain; charset=utf-8', 'text'],
  '.log': ['text/plain; charset=utf-8', 'text'],
  '.md': ['text/plain; charset=utf-8', 'text'],
  '.yaml': ['text/plain; charset=utf-8', 'text'],
  '.yml': ['text/plain; charset=utf-8', 'text'],
  '.py': ['text/plain; charset=utf-8', 'text'],
};
const BINARY: [string, ArtifactJson['kind']] = ['application/octet-stream', 'binary'];
const TEXT: [string, ArtifactJson['kind']] = ['text/plain; charset=utf-8', 'text'];

/**
 * Content type and kind of an artifact: by extension, else text when its first bytes hold no NUL (MLmodel,
 * requirements).
 */
export const guessType = (file: string): { contentType: string; kind: ArtifactJson['kind'] } => {
  const [contentType, kind] =
    TYPES[extname(file).toLowerCase()] ?? (extname(basename(file)) === '' ? sniff(file) : BINARY);
  return { contentType, kind };
};

const sniff = (file: string): [string, ArtifactJson['kind']] => {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(512);
      const n = readSync(fd, buf, 0, buf.length, 0);
      return buf.subarray(0, n).includes(0) ? BINARY : TEXT;
    } finally {
      closeSync(fd);
    }
  } catch {
    return BINARY;
  }
};

export const runDetail = (store: TrackingStore, runId: string): RunDetail => {
  const run = store.getRun(runId);
  const problems: StoreProblem[] = [];
  const experiment = store.experiments(problems).find((e) => e.id === run.experimentId);
  const metrics = Object.keys(run.metrics)
    .sort()
    .map((key) => {
      const history = store
        .metricHistory(run.runId, key, problems)
        .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
      const last = history.at(-1);
      return { key, value: num(run.metrics[key]!), step: last?.step ?? 0, history: history.map(point) };
    });
  const artifacts = store
    .artifacts(run.runId)
    .sort()
    .map((path): ArtifactJson => {
      const file = store.artifactPath(run.runId, path);
      return { path, size: statSync(file).size, ...guessType(file) };
    });
  return {
    run: runJson(run),
    experiment: experiment ? { id: experiment.id, name: experiment.name } : null,
    metrics,
    artifacts,
    problems: storeProblems(store, problems),
  };
};

// ---- compare ------------------------------------------------------------------------------------------

/** Whether a larger value of the metric is the better one (scores), else a smaller one (errors, losses). */
export const betterDirection = (key: string): 'lower' | 'higher' => (higherIsBetter(key) ? 'higher' : 'lower');

export const compareRuns = (store: TrackingStore, ids: readonly string[]): CompareJson => {
  if (ids.length === 0 || ids.length > MAX_COMPARE) {
    throw new ApiError(
      400,
      'DAGRUN_ERR_UI_REQUEST',
      `Query parameter 'ids': expected 1 to ${MAX_COMPARE} run ids, comma-separated, but got ${ids.length}.`,
    );
  }
  const runs = ids.map((id) => store.getRun(id));
  const problems: StoreProblem[] = [];
  const params = keysOf(runs, (r) => r.params).map((key) => {
    const values = runs.map((r) => (Object.hasOwn(r.params, key) ? r.params[key]! : null));
    return { key, values, differs: new Set(values).size > 1 };
  });
  const metrics = keysOf(runs, (r) => r.metrics).map((key) => {
    const raw = runs.map((r) => (Object.hasOwn(r.metrics, key) ? r.metrics[key]! : null));
    const values = raw.map((v) => (v === null ? null : num(v)));
    const differs = new Set(values.map(String)).size > 1;
    const better = betterDirection(key);
    const finite = raw.filter((v): v is number => v !== null && Number.isFinite(v));
    const target = finite.length === 0 ? undefined : better === 'lower' ? Math.min(...finite) : Math.max(...finite);
    const best = differs && target !== undefined ? raw.flatMap((v, i) => (v === target ? [i] : [])) : [];
    const histories = runs.map((r) =>
      Object.hasOwn(r.metrics, key)
        ? store
            .metricHistory(r.runId, key, problems)
            .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)
            .map(point)
        : [],
    );
    return { key, values, differs, better, best, histories };
  });
  const summary = runs.map((r) => ({
    runId: r.runId,
    runName: r.runName,
    experimentId: r.experimentId,
    status: r.status,
    startTime: r.startTime,
  }));
  return { runs: summary, params, metrics, problems: storeProblems(store, problems) };
};

// ---- registry -----------------------------------------------------------------------------------------

export const modelsJson = (
  store: TrackingStore,
  registry: ModelRegistry,
): { models: ModelJson[]; problems: StoreProblem[] } => {
  const problems: StoreProblem[] = [];
  const names = new Map(store.allRuns().runs.map((r) => [r.runId, r.runName]));
  const models = registry.models(problems).map(
    (m): ModelJson => ({
      name: m.name,
      description: m.description,
      creationTimestamp: m.creationTimestamp,
      lastUpdatedTimestamp: m.lastUpdatedTimestamp,
      aliases: m.aliases,
      tags: m.tags,
      versions: registry.versions(m.name, problems).map((v) => ({
        version: v.version,
        aliases: [...v.aliases],
        status: v.status,
        currentStage: v.currentStage,
        creationTimestamp: v.creationTimestamp,
        description: v.description,
        source: v.source,
        runId: v.runId,
        runName: v.runId === null ? null : (names.get(v.runId) ?? null),
      })),
    }),
  );
  return { models: models.sort((a, b) => a.name.localeCompare(b.name)), problems: storeProblems(store, problems) };
};
