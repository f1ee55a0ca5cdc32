// @dagrun/serve: a Fastify prediction API over a dagrun project's inference pipeline.
// List it under `plugins:` in dagrun.yaml and declare conf/base/serve.yaml; then `dagrun serve`.

import { servePlugin } from './internal/plugin.js';

export default servePlugin;
export { servePlugin };
export { buildApp, type AppOptions } from './internal/app.js';
export { startServer, serveCommand, type StartOptions, type RunningServer } from './internal/server.js';
export { loadServeConfig, reloadEveryMs, durationMs, type ServeConfig, type ApiKeyConfig } from './internal/config.js';
export { loadModel, type ServedModel } from './internal/model.js';
export { ModelReloader, type ReloadEvent, type ReloadReason, type ReloaderOptions } from './internal/model-reloader.js';
export { PredictionLog, type PredictionEntry } from './internal/prediction-log.js';
export { ApiKeys, sha256, type Principal, type Scope } from './internal/auth.js';
