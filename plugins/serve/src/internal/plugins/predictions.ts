// Predicting and logging: runs the served model's plan on a request's records, checks one finite number
// per record came out, and appends one prediction-log line per record before the answer is sent, so an
// answered prediction is never missing from the log.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ServeConfig } from '../config.js';
import type { ServedModel } from '../model.js';
import type { PredictionLog } from '../prediction-log.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Predictions of `served` (the model when the request started: a reload meanwhile does not change it), once logged.
     */
    predict(
      request: FastifyRequest,
      reply: FastifyReply,
      records: readonly unknown[],
      served: ServedModel,
    ): Promise<number[]>;
  }
}

export interface PredictionsOptions {
  readonly config: ServeConfig;
  readonly predictionLog: PredictionLog;
}

const describe = (v: unknown): string =>
  Array.isArray(v) || ArrayBuffer.isView(v) ? `${(v as ArrayLike<unknown>).length} values` : typeof v;

export default fp<PredictionsOptions>(
  async (app: FastifyInstance, { config, predictionLog }) => {
    const { pipeline, input, output } = config;
    app.decorate(
      'predict',
      async (
        request: FastifyRequest,
        reply: FastifyReply,
        records: readonly unknown[],
        served: ServedModel,
      ): Promise<number[]> => {
        const out = await served.plan.run({ [input]: records });
        const raw = out[output] as ArrayLike<unknown> | undefined;
        if (!raw || typeof raw.length !== 'number' || raw.length !== records.length) {
          throw new Error(
            `Pipeline '${pipeline}' output '${output}': expected ${records.length} predictions, but got ` +
              `${raw === undefined ? 'nothing' : describe(raw)}.`,
          );
        }
        // A plain array for the response serialiser, each value checked on the way.
        const predictions = new Array<number>(raw.length);
        for (let i = 0; i < raw.length; i++) {
          const p = raw[i];
          if (typeof p !== 'number' || !Number.isFinite(p)) {
            throw new Error(
              `Pipeline '${pipeline}' output '${output}': prediction ${i} is ${String(p)}, not a finite number.`,
            );
          }
          predictions[i] = p;
        }
        const latency = Math.round(reply.elapsedTime * 1000) / 1000;
        await predictionLog.appendRequest(
          request.id,
          request.principal?.client ?? 'unknown',
          served.version,
          records,
          predictions,
          latency,
        );
        app.countPredictions(records.length);
        return predictions;
      },
    );
  },
  { name: 'dagrun-predictions', fastify: '5.x', dependencies: ['dagrun-metrics'] },
);
