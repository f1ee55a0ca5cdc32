// The model being served and its reloads (ModelReloader): `app.served()` is the model now; a reload or a
// failed poll is told once (notify, the access log). Closing the app stops the polling.

import type { Project } from '@dagrun/core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DEFAULT_RELOAD_EVERY, reloadEveryMs, type ServeConfig } from '../config.js';
import type { ServedModel } from '../model.js';
import { ModelReloader, type ReloadEvent } from '../model-reloader.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The model being served now (it changes on reload). */
    served(): ServedModel;
    reloader: ModelReloader;
  }
}

export interface ModelOptions {
  readonly project: Project;
  readonly config: ServeConfig;
  readonly model: ServedModel;
  readonly follow: boolean;
  readonly notify: ((line: string) => void) | undefined;
}

export default fp<ModelOptions>(
  async (app: FastifyInstance, { project, config, model, follow, notify }) => {
    const dataset = config.model.dataset;
    const onEvent = (e: ReloadEvent): void => {
      if (e.reason === 'admin' && e.error === undefined) return; // the reload route logs it with its request
      if (e.error === undefined) {
        notify?.(
          `Model '${dataset}': its current version moved to ${e.version ?? '?'}; now serving it (was ` +
            `${e.previous ?? 'unversioned'}).`,
        );
        app.accessLog?.info(
          { previous_version: e.previous ?? null, version: e.version ?? null, reason: e.reason },
          'model reloaded',
        );
        return;
      }
      notify?.(
        `Model '${dataset}': expected to load its current version${e.version ? ` ${e.version}` : ''}, but got: ` +
          `${e.error.replace(/\.$/, '')}. Still serving ${e.previous ?? 'unversioned'}; retrying every ` +
          `${config.model.reload_every ?? DEFAULT_RELOAD_EVERY}.`,
      );
      app.accessLog?.warn(
        { version: e.version ?? null, served_version: e.previous ?? null, err: e.error },
        'model reload failed',
      );
    };
    const reloader = new ModelReloader({ project, config, model, follow, everyMs: reloadEveryMs(config), onEvent });
    app.decorate('reloader', reloader);
    app.decorate('served', () => reloader.model);
    app.addHook('onClose', async () => reloader.close());
  },
  { name: 'dagrun-model', fastify: '5.x', dependencies: ['dagrun-access-log'] },
);
