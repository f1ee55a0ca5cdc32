// The part of MLflow's REST API (mlflow/protos/service.proto, `/api/2.0/mlflow/…`) an MLflow client needs
// to log runs into `dagrun ui`: experiments create and get-by-name; runs create, update, log-batch, get,
// search. Bodies and answers follow the protos' JSON; errors are MLflow's `{ error_code, message }`.
// A Fastify plugin over the same store as the ui.

import type { FastifyInstance } from 'fastify';
import { FilterError, parseFilter, parseOrderBy } from './filter.js';
import { RUN_STATUSES, type Experiment, type Run, type RunStatus } from './model.js';
import type { TrackingStore } from './store.js';

class MlflowError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode:
      | 'INVALID_PARAMETER_VALUE'
      | 'RESOURCE_DOES_NOT_EXIST'
      | 'RESOURCE_ALREADY_EXISTS'
      | 'INTERNAL_ERROR',
    message: string,
  ) {
    super(message);
  }
}

type KeyValue = { key: string; value: string };
const kv = (r: Readonly<Record<string, string>>): KeyValue[] =>
  Object.entries(r).map(([key, value]) => ({ key, value }));
/** int64 fields arrive as numbers or, from protobuf's JSON mapping, as strings. */
const int = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined;
const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v === '')
    throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Missing value for required parameter '${field}'.`);
  return v;
};

const experimentJson = (e: Experiment) => ({
  experiment_id: e.id,
  name: e.name,
  artifact_location: e.artifactLocation,
  lifecycle_stage: e.lifecycleStage,
  last_update_time: e.lastUpdateTime,
  creation_time: e.creationTime,
  tags: kv(e.tags),
});

const infoJson = (r: Run) => ({
  run_id: r.runId,
  run_uuid: r.runId,
  run_name: r.runName,
  experiment_id: r.experimentId,
  user_id: r.userId,
  status: r.status,
  start_time: r.startTime,
  ...(r.endTime !== null ? { end_time: r.endTime } : {}),
  artifact_uri: r.artifactUri,
  lifecycle_stage: r.lifecycleStage,
});

const runJson = (store: TrackingStore, r: Run) => ({
  info: infoJson(r),
  data: {
    metrics: Object.keys(r.metrics).map((key) => {
      const points = store.metricHistory(r.runId, key);
      const last = points.reduce(
        (a, p) => (p.step > a.step || (p.step === a.step && p.timestamp >= a.timestamp) ? p : a),
        points[0]!,
      );
      return { key, value: last.value, timestamp: last.timestamp, step: last.step };
    }),
    params: kv(r.params),
    tags: kv(r.tags),
  },
  inputs: {},
});

const tagRecord = (tags: unknown): Record<string, string> =>
  Object.fromEntries(((tags ?? []) as KeyValue[]).map((t) => [t.key, String(t.value ?? '')]));

export const mlflowRest = async (app: FastifyInstance, opts: { store: TrackingStore }): Promise<void> => {
  const { store } = opts;
  const base = '/api/2.0/mlflow';
  const getRun = (id: unknown): Run => {
    try {
      return store.getRun(str(id, 'run_id'));
    } catch (err) {
      if (err instanceof MlflowError) throw err;
      throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(id)}' not found`);
    }
  };

  app.setErrorHandler((err, _req, reply) => {
    const e =
      err instanceof MlflowError
        ? err
        : err instanceof FilterError
          ? new MlflowError(400, 'INVALID_PARAMETER_VALUE', err.message)
          : new MlflowError(500, 'INTERNAL_ERROR', (err as Error).message);
    return reply.status(e.status).send({ error_code: e.errorCode, message: e.message });
  });

  app.post<{ Body: { name?: string; artifact_location?: string; tags?: KeyValue[] } }>(
    `${base}/experiments/create`,
    async (req) => {
      const name = str(req.body?.name, 'name');
      if (store.experimentByName(name))
        throw new MlflowError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
      return { experiment_id: store.ensureExperiment(name).id };
    },
  );

  app.get<{ Querystring: { experiment_name?: string } }>(`${base}/experiments/get-by-name`, async (req) => {
    const name = str(req.query.experiment_name, 'experiment_name');
    const e = store.experimentByName(name);
    if (!e) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
    return { experiment: experimentJson(e) };
  });

  app.post<{
    Body: {
      experiment_id?: string;
      user_id?: string;
      run_name?: string;
      start_time?: number | string;
      tags?: KeyValue[];
    };
  }>(`${base}/runs/create`, async (req) => {
    const b = req.body ?? {};
    const experimentId = b.experiment_id ?? '0';
    if (!store.experiments().some((e) => e.id === experimentId && e.lifecycleStage === 'active'))
      throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${experimentId}`);
    const tags = tagRecord(b.tags);
    const runName = b.run_name ?? tags['mlflow.runName'] ?? `run-${Date.now()}`;
    const run = store.createRun(experimentId, {
      runName,
      userId: b.user_id ?? tags['mlflow.user'] ?? '',
      startTime: int(b.start_time) ?? Date.now(),
      tags,
    });
    return { run: runJson(store, store.getRun(run.runId)) };
  });

  app.post<{
    Body: { run_id?: string; run_uuid?: string; status?: string; end_time?: number | string; run_name?: string };
  }>(`${base}/runs/update`, async (req) => {
    const b = req.body ?? {};
    const run = getRun(b.run_id ?? b.run_uuid);
    if (b.run_name) store.setTags(run.runId, { 'mlflow.runName': b.run_name });
    if (b.status !== undefined) {
      if (!(RUN_STATUSES as readonly string[]).includes(b.status))
        throw new MlflowError(
          400,
          'INVALID_PARAMETER_VALUE',
          `Invalid value '${b.status}' for parameter 'status': expected one of ${RUN_STATUSES.join(', ')}.`,
        );
      if (b.status !== 'RUNNING') store.endRun(run.runId, b.status as RunStatus, int(b.end_time) ?? Date.now());
    }
    return { run_info: infoJson(store.getRun(run.runId)) };
  });

  app.post<{
    Body: {
      run_id?: string;
      metrics?: Array<{ key: string; value: number | string; timestamp?: number | string; step?: number | string }>;
      params?: KeyValue[];
      tags?: KeyValue[];
    };
  }>(`${base}/runs/log-batch`, async (req) => {
    const b = req.body ?? {};
    const run = getRun(b.run_id);
    if ((b.metrics?.length ?? 0) > 1000 || (b.params?.length ?? 0) > 100 || (b.tags?.length ?? 0) > 100) {
      throw new MlflowError(
        400,
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 1000 metrics, 100 params and 100 tags.',
      );
    }
    try {
      store.logParams(run.runId, Object.fromEntries((b.params ?? []).map((p) => [p.key, String(p.value)])));
      for (const m of b.metrics ?? [])
        store.logMetric(run.runId, m.key, Number(m.value), {
          timestamp: int(m.timestamp) ?? Date.now(),
          step: int(m.step) ?? 0,
        });
      store.setTags(run.runId, tagRecord(b.tags));
    } catch (err) {
      throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', (err as Error).message);
    }
    return {};
  });

  app.get<{ Querystring: { run_id?: string; run_uuid?: string } }>(`${base}/runs/get`, async (req) => ({
    run: runJson(store, getRun(req.query.run_id ?? req.query.run_uuid)),
  }));

  app.post<{
    Body: {
      experiment_ids?: string[];
      filter?: string;
      run_view_type?: string;
      max_results?: number;
      order_by?: string[];
      page_token?: string;
    };
  }>(`${base}/runs/search`, async (req) => {
    const b = req.body ?? {};
    const max = b.max_results ?? 1000;
    if (!Number.isInteger(max) || max < 1 || max > 50000)
      throw new MlflowError(
        400,
        'INVALID_PARAMETER_VALUE',
        `Invalid value ${max} for parameter 'max_results': expected 1 to 50000.`,
      );
    const view = b.run_view_type ?? 'ACTIVE_ONLY';
    const keep = parseFilter(b.filter ?? '');
    const order = parseOrderBy(b.order_by ?? []);
    const ids = new Set(b.experiment_ids ?? []);
    const offset = b.page_token ? Number(Buffer.from(b.page_token, 'base64').toString('utf8')) || 0 : 0;
    const matching = store
      .allRuns()
      .runs.filter(
        (r) =>
          (ids.size === 0 || ids.has(r.experimentId)) &&
          (view === 'ALL' ||
            (view === 'DELETED_ONLY' ? r.lifecycleStage === 'deleted' : r.lifecycleStage === 'active')) &&
          keep(r),
      )
      .sort(order);
    const page = matching.slice(offset, offset + max);
    const next = offset + max < matching.length ? Buffer.from(String(offset + max)).toString('base64') : undefined;
    return { runs: page.map((r) => runJson(store, r)), ...(next ? { next_page_token: next } : {}) };
  });
};
