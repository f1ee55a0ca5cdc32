// Prometheus metrics (prom-client, one registry per app): requests by route, method and status, latency
// by route, predictions served, the prediction log's writes, and the model version as an info gauge.
// GET /metrics shows them in the text exposition format.

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PredictionLog } from '../prediction-log.js';
import { errorResponses } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts records predicted (the predict routes call it once per request). */
    countPredictions(n: number): void;
  }
}

const BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface MetricsOptions {
  readonly predictionLog: PredictionLog;
  readonly openToAll: boolean;
}

export default fp<MetricsOptions>(
  async (app: FastifyInstance, { predictionLog, openToAll }) => {
    const registers = [new Registry()];
    const requests = new Counter({
      name: 'dagrun_http_requests_total',
      help: 'Requests answered, by route, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    const latency = new Histogram({
      name: 'dagrun_http_request_duration_seconds',
      help: "Time from a request's arrival to its response, by route.",
      labelNames: ['route'],
      buckets: BUCKETS_S,
      registers,
    });
    const predictions = new Counter({
      name: 'dagrun_predictions_total',
      help: 'Predictions served (records predicted).',
      registers,
    });
    new Counter({
      name: 'dagrun_prediction_log_writes_total',
      help: 'Writes of the prediction log (one per group of requests whose lines went to the file together).',
      registers,
      collect() {
        this.reset();
        this.inc(predictionLog.writes);
      },
    });
    new Gauge({
      name: 'dagrun_model_info',
      help: 'The model being served (value 1), by dataset and version.',
      labelNames: ['dataset', 'version'],
      registers,
      collect() {
        const m = app.served();
        this.reset();
        this.set({ dataset: m.dataset, version: m.version ?? 'unversioned' }, 1);
      },
    });
    const started = Date.now();
    new Gauge({
      name: 'dagrun_uptime_seconds',
      help: 'Seconds since the server started.',
      registers,
      collect() {
        this.set((Date.now() - started) / 1000);
      },
    });

    app.decorate('countPredictions', (n: number) => predictions.inc(n));
    // Callback style (no promise): it runs on every request.
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      requests.inc({ route, method: request.method, status: reply.statusCode });
      latency.observe({ route }, reply.elapsedTime / 1000);
      done();
    });
    const registry = registers[0]!;
    app.get(
      '/metrics',
      {
        config: { auth: { scope: 'predict', publicAs: 'metrics' } },
        schema: {
          ...(openToAll ? { security: [] } : {}),
          summary: 'Prometheus metrics (text format 0.0.4)',
          response: { 200: { type: 'string' }, ...errorResponses([401, 403]) },
        },
      },
      async (_request, reply) => {
        reply.type(registry.contentType);
        return registry.metrics();
      },
    );
  },
  { name: 'dagrun-metrics', fastify: '5.x', dependencies: ['dagrun-model', 'dagrun-auth'] },
);
