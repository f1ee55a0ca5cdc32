// `dagrun serve`: opens the project, checks serve.yaml, loads the model once, listens, and shuts down
// gracefully on SIGTERM / SIGINT (no new connections, in-flight requests finish, the prediction log is
// flushed and closed).

import { CheckError, openProject, type CommandSpec, type Project } from '@dagrun/core';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { isAbsolute, join, resolve } from 'node:path';
import { buildApp } from './app.js';
import { DEFAULT_RELOAD_EVERY, durationMs, loadServeConfig, reloadEveryMs, type ServeConfig } from './config.js';
import { loadModel } from './model.js';
import { skipNotice } from './model-version.js';
import { PredictionLog } from './prediction-log.js';

export interface StartOptions {
  readonly projectDir: string;
  readonly env?: string | undefined;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /** Model version to load and keep (default: the dataset's current one, followed as it moves). */
  readonly modelVersion?: string | undefined;
  /** Overrides serve.yaml prediction_log.path. */
  readonly predictionLog?: string | undefined;
  /** Overrides serve.yaml access_log. */
  readonly accessLog?: string | undefined;
  /** Told of model reloads and failed reload polls, one line each (`dagrun serve`: stderr). */
  readonly notify?: ((line: string) => void) | undefined;
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly config: ServeConfig;
  readonly predictionLog: PredictionLog;
  /** Stops accepting, lets in-flight requests finish, flushes and closes the logs. */
  close(): Promise<void>;
}

type Destination = ReturnType<typeof pino.destination>;

/** Longest wait for clients to let go of their connections at shutdown (plugins/drain.ts). */
const DRAIN_MAX_MS = 2000;

const accessLogger = (where: string, projectDir: string): { logger: Logger; destination: Destination } | undefined => {
  if (where === 'off') return undefined;
  const dest = where === 'stdout' ? 1 : isAbsolute(where) ? where : join(projectDir, where);
  const destination = pino.destination({ dest, sync: false, mkdir: typeof dest === 'string' });
  return { logger: pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, destination), destination };
};

/**
 * Writes what the access log still holds and closes it (stdout is left open). Not flush(cb): with
 * SonicBoom's default minLength 0 it calls back at once, while earlier lines are still being written.
 */
const endLog = (destination: Destination): Promise<void> =>
  new Promise((resolve) => {
    destination.once('close', () => resolve());
    destination.once('error', () => resolve()); // a log that cannot be written must not stop the shutdown
    destination.end();
  });

/** Everything `dagrun serve` does before listening, as a library call (tests start real servers with it). */
export const startServer = async (opts: StartOptions): Promise<RunningServer> => {
  const project: Project = await openProject({ projectDir: opts.projectDir, env: opts.env });
  const { config: loaded, errors } = loadServeConfig(project);
  if (!loaded) throw new CheckError(`serving configuration of project '${project.settings.name}'`, errors);
  const config: ServeConfig = {
    ...loaded,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.predictionLog !== undefined ? { prediction_log: { path: opts.predictionLog } } : {}),
    ...(opts.accessLog !== undefined ? { access_log: opts.accessLog } : {}),
  };
  const model = await loadModel(project, config, opts.modelVersion);
  for (const s of model.skipped) opts.notify?.(skipNotice(config.model.dataset, s, model.version));
  const predictionLog = new PredictionLog(config.prediction_log.path, project.dir);
  const access = accessLogger(config.access_log, project.dir);
  const accessLog = access?.logger;
  // A version asked for is kept; otherwise the dataset's current version is followed (serve.yaml model.reload_every).
  const app = await buildApp({
    project,
    config,
    model,
    predictionLog,
    accessLog,
    follow: opts.modelVersion === undefined,
    notify: opts.notify,
  });
  const url = await app.listen({ port: config.port, host: config.host });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.drain(Math.min(DRAIN_MAX_MS, durationMs(config.keep_alive_timeout)));
      await app.close();
      await predictionLog.close();
      if (access) await endLog(access.destination);
    })());
  return { url, app, config, predictionLog, close };
};

export const serveCommand: CommandSpec = {
  name: 'serve',
  description: "Serve the project's inference pipeline as an HTTP prediction API (conf/base/serve.yaml)",
  options: [
    { flags: '--port <number>', description: 'port to listen on (default: serve.yaml port, else 8000)' },
    { flags: '--host <address>', description: 'address to listen on (default: serve.yaml host, else 127.0.0.1)' },
    {
      flags: '--model-version <version>',
      description: 'model version to load and keep (default: the current one, followed as it moves)',
    },
    { flags: '--env <name>', description: 'configuration environment layered over conf/base' },
    {
      flags: '--prediction-log <path>',
      description: 'where predictions are appended (default: serve.yaml prediction_log.path)',
    },
    { flags: '--access-log <where>', description: 'stdout, off, or a file (default: serve.yaml access_log)' },
  ],
  async action(_args, options, context) {
    const port = options.port === undefined ? undefined : Number(options.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      context.stderr(`--port: expected an integer from 0 to 65535, but got '${String(options.port)}'.`);
      return 2;
    }
    const server = await startServer({
      projectDir: context.projectDir,
      env: options.env as string | undefined,
      port,
      host: options.host as string | undefined,
      modelVersion: options.modelVersion as string | undefined,
      // Paths given on the command line are relative to where the command runs, not to the project.
      predictionLog: options.predictionLog === undefined ? undefined : resolve(String(options.predictionLog)),
      accessLog:
        options.accessLog === undefined || options.accessLog === 'stdout' || options.accessLog === 'off'
          ? (options.accessLog as string | undefined)
          : resolve(String(options.accessLog)),
      notify: context.stderr,
    });
    const m = server.app.served();
    const every =
      reloadEveryMs(server.config) > 0 && m.version !== undefined && options.modelVersion === undefined
        ? ', reloaded when its current version moves, checked every ' +
          `${server.config.model.reload_every ?? DEFAULT_RELOAD_EVERY}`
        : '';
    context.stderr(
      `Serving pipeline '${server.config.pipeline}' of '${context.projectDir}' at ${server.url} (model ${m.dataset} ` +
        `${m.version ?? 'unversioned'}${every}); docs at ${server.url}/docs. Predictions are logged to ` +
        `${server.predictionLog.path}.`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        context.stderr(`${signal}: finishing in-flight requests, flushing the prediction log…`);
        void server.close().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    context.stderr('Stopped.');
    return 0;
  },
};
