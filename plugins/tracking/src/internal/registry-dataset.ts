// `type: registry.model`: a registered model as a dataset, so an inference pipeline (and `dagrun serve`)
// loads `models:/NAME@ALIAS` without knowing about tracking. `versions()` answers the alias's version
// first, so the catalog pins what it loads and a server polling versions() sees the alias move.
//
//   served_model:
//     type: registry.model
//     uri: models:/property-valuation@champion
//     store: mlruns            # default: <project>/mlruns

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeObject, type Dataset, type DatasetContext, type DatasetType } from '@dagrun/core';
import { TrackingError } from './errors.js';
import { filesUnder } from './files.js';
import { ModelRegistry, parseModelUri } from './registry-store.js';
import { TrackingStore } from './store.js';

interface Options {
  readonly uri: string;
  readonly store?: string;
  /** For versions stored elsewhere (s3://…): the storage's options, as on a file dataset. */
  readonly storage_options?: Readonly<Record<string, unknown>>;
}

/**
 * Where a version's model is: storage_location (a file:// path, or a URI such as s3://… read through the storage
 * plugins), else its `runs:/ID/path` source in the store.
 */
const versionLocation = (
  store: TrackingStore,
  v: { storageLocation: string | null; source: string; name: string; version: number },
): string => {
  const loc = v.storageLocation ?? v.source;
  if (loc.startsWith('file://')) return fileURLToPath(loc);
  const m = /^runs:\/([0-9a-f]{32})\/(.+)$/.exec(loc);
  if (m) return store.artifactPath(m[1]!, m[2]!);
  if (/^[a-z][\w+.-]*:\/\//i.test(loc)) return loc;
  throw new TrackingError(
    'DAGRUN_ERR_REGISTRY_URI',
    `Model '${v.name}' version ${v.version}: expected a file:// or storage URI, or a runs:/ source, but got '${loc}'.`,
  );
};

/**
 * The model file's value: a `.json` file as core's object type reads it (its codec rebuilds the model), anything
 * else as text.
 */
const decodeModel = (file: string, bytes: Buffer, ctx: DatasetContext): unknown =>
  file.endsWith('.json') ? decodeObject(bytes, ctx) : bytes.toString('utf8');

export const registryModelType: DatasetType<Options> = {
  name: 'registry.model',
  description:
    'A registered model version (models:/NAME@ALIAS or models:/NAME/VERSION) from the tracking store, read-only.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['uri'],
    properties: {
      uri: { type: 'string', pattern: '^models:/[^/@]+(/\\d+|@[\\w-]+)$' },
      store: { type: 'string', minLength: 1 },
      storage_options: { type: 'object' },
    },
  },
  persistent: true,
  create(options, ctx): Dataset {
    const root = options.store
      ? isAbsolute(options.store)
        ? options.store
        : join(ctx.projectDir, options.store)
      : join(ctx.projectDir, 'mlruns');
    const uri = parseModelUri(options.uri);
    const open = () => {
      const store = TrackingStore.open(root, { create: false });
      return { store, registry: new ModelRegistry(store.root) };
    };
    return {
      async load() {
        const { store, registry } = open();
        const v = ctx.version.load ? registry.version(uri.name, Number(ctx.version.load)) : registry.resolve(uri);
        let where = versionLocation(store, v);
        if (/^[a-z][\w+.-]*:\/\//i.test(where)) {
          const storage = ctx.storageFor(where, { options: options.storage_options, credentials: ctx.credentials });
          return decodeModel(where, await storage.read(where), ctx);
        }
        if (statSync(where).isDirectory()) {
          const files = filesUnder(where).filter((f) => f !== 'location.txt');
          if (files.length !== 1)
            throw new TrackingError(
              'DAGRUN_ERR_REGISTRY_URI',
              `Model '${v.name}' version ${v.version}: expected one model file in ${where}, but got ${files.length}.`,
            );
          where = join(where, files[0]!);
        }
        return decodeModel(where, readFileSync(where), ctx);
      },
      save() {
        throw new TrackingError(
          'DAGRUN_ERR_REGISTRY_URI',
          `Dataset '${ctx.name}' (registry.model): expected to be read only, but got a save.`,
          { hint: 'Hint: save to the model dataset; tracking.yaml register: makes it a version.' },
        );
      },
      describe: () => ({ type: 'registry.model', uri: options.uri, store: root }),
      exists: () => {
        try {
          open().registry.resolve(uri);
          return true;
        } catch {
          return false;
        }
      },
      /** The registry version and the run that made it: what `GET /api/v1/model` of dagrun serve shows. */
      async versionInfo(version) {
        const { store, registry } = open();
        const v = registry.version(uri.name, Number(version));
        let run: Record<string, unknown> | undefined;
        try {
          const r = v.runId ? store.getRun(v.runId) : undefined;
          if (r)
            run = {
              run_id: r.runId,
              run_name: r.runName,
              experiment_id: r.experimentId,
              status: r.status,
              start_time: r.startTime,
              end_time: r.endTime,
              params: r.params,
              metrics: r.metrics,
            };
        } catch {
          run = undefined; // the run was removed from the store: the version is still served
        }
        return {
          model: v.name,
          version: v.version,
          aliases: v.aliases,
          source: v.source,
          registered_at: v.creationTimestamp,
          run,
        };
      },
      /** The alias's version first (what load() gives now), then the others, newest first. */
      async versions() {
        const { registry } = open();
        const current = String(registry.resolve(uri).version);
        return [
          current,
          ...registry
            .versions(uri.name)
            .map((v) => String(v.version))
            .reverse()
            .filter((v) => v !== current),
        ];
      },
    };
  },
};
