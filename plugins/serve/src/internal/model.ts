// The model being served: the project's inference plan (its artifacts loaded once), the version it was
// loaded at, and what GET /api/v1/model reports (for a registry version: the run that made it). A reload
// builds a new one beside the old and swaps (model-reloader.ts). Which version "current" means when none
// is asked for (the newest whose run completed) is model-version.ts.

import { ConfigError, type InferencePlan, type Project } from '@dagrun/core';
import type { ServeConfig } from './config.js';
import { newestComplete, noCompleteVersion, type SkippedVersion } from './model-version.js';

export interface ServedModel {
  readonly plan: InferencePlan;
  /** The catalog entry of the model (serve.yaml `model.dataset`). */
  readonly dataset: string;
  /** Its version (a save timestamp, or a registry version number); undefined for an unversioned dataset. */
  readonly version: string | undefined;
  /** When it was trained: the save timestamp of a dagrun version, else the end of the run that made it, ISO 8601. */
  readonly trainedAt: string | undefined;
  readonly loadedAt: string;
  /** The run's metrics (registry), else the metrics dataset saved by the same run (same version), else null. */
  readonly metrics: unknown;
  /** What the model object says of itself (its feature schema and training metadata, when it has them). */
  readonly details: Readonly<Record<string, unknown>>;
  /**
   * What the dataset's store knows of this version (Dataset.versionInfo: registry version, aliases, run), if anything.
   */
  readonly info: Readonly<Record<string, unknown>> | undefined;
  /**
   * Newer versions passed over because their run did not complete (none when a version was asked for); skipNotice()
   * tells of each.
   */
  readonly skipped: readonly SkippedVersion[];
}

const DAGRUN_VERSION = /^(\d{4}-\d\d-\d\dT\d\d)\.(\d\d)\.(\d\d)\.(\d{3}Z)$/;

/** '2026-11-26T06.52.46.309Z' → '2026-11-26T06:52:46.309Z'; anything else (a registry's '3') → undefined. */
export const versionTime = (version: string | undefined): string | undefined => {
  const m = version === undefined ? null : DAGRUN_VERSION.exec(version);
  if (!m) return undefined;
  const iso = `${m[1]}:${m[2]}:${m[3]}.${m[4]}`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
};

/** Milliseconds since the epoch (as a tracking store keeps times) → ISO 8601. */
const epochTime = (ms: unknown): string | undefined =>
  typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run a version's info names (`run: {...}`), if any. */
export const runOf = (info: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined =>
  isRecord(info?.run) ? info.run : undefined;

/** A plain JSON copy of a value's `schema` and `metadata` (what @dagrun/ml models expose), if any. */
const selfDescription = (artifact: unknown): Record<string, unknown> => {
  if (typeof artifact !== 'object' || artifact === null) return {};
  const out: Record<string, unknown> = {};
  for (const key of ['schema', 'metadata'] as const) {
    try {
      const v = (artifact as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== 'function') out[key] = JSON.parse(JSON.stringify(v)) as unknown;
    } catch {
      // A getter that throws (e.g. an unfitted model) or a value JSON cannot hold: leave it out.
    }
  }
  return out;
};

/** Dataset.versionInfo of a version, or undefined (the dataset has none, or its store cannot say now). */
export const versionInfo = async (
  project: Project,
  dataset: string,
  version: string | undefined,
): Promise<Record<string, unknown> | undefined> => {
  if (version === undefined) return undefined;
  const { catalog } = project.createCatalog();
  try {
    return await catalog.versionInfo(dataset, version);
  } catch {
    return undefined; // facts about the version, not the version: the model is served without them
  } finally {
    await catalog.close();
  }
};

/**
 * The dataset's versions as its store lists them (newest, or an alias's, first); a store's own error (an unknown alias)
 * is thrown.
 */
const versionsOf = async (project: Project, dataset: string): Promise<string[]> => {
  const { catalog } = project.createCatalog();
  try {
    return await catalog.versions(dataset);
  } finally {
    await catalog.close();
  }
};

/**
 * Builds the plan at `version` of the model dataset and reads what /model reports. Without `version`: the
 * dataset's current one, passing over newer dagrun versions whose run did not complete (model-version.ts);
 * refuses when it has versions but none qualifies. A version asked for is loaded whatever its run did.
 */
export const loadModel = async (project: Project, config: ServeConfig, version?: string): Promise<ServedModel> => {
  let wanted = version;
  let skipped: readonly SkippedVersion[] = [];
  if (!wanted) {
    const versions = await versionsOf(project, config.model.dataset);
    const followed = await newestComplete(project, versions);
    if (versions.length > 0 && followed.version === undefined)
      throw noCompleteVersion(config.model.dataset, followed.skipped);
    ({ version: wanted, skipped } = followed);
  }
  const plan = await project.inferencePlan({
    pipeline: config.pipeline,
    inputs: [config.input],
    outputs: [config.output],
    loadVersions: wanted ? { [config.model.dataset]: wanted } : undefined,
  });
  const artifact = plan.artifacts.find((a) => a.name === config.model.dataset);
  if (!artifact) {
    throw new ConfigError(
      'DAGRUN_ERR_CONFIG_SCHEMA',
      `Serving configuration, field 'model.dataset': expected a dataset pipeline '${config.pipeline}' loads ` +
        `(${plan.artifacts.map((a) => a.name).join(', ') || 'none'}), but got '${config.model.dataset}'.`,
    );
  }
  const loaded = artifact?.version;
  const info = await versionInfo(project, config.model.dataset, loaded);
  const run = runOf(info);
  // A registry version's metrics are its run's; a dagrun version's are the metrics dataset at that version.
  let metrics: unknown = isRecord(run?.metrics) ? run.metrics : null;
  if (metrics === null && config.model.metrics) {
    const { catalog } = project.createCatalog(
      loaded ? { loadVersions: new Map([[config.model.metrics, loaded]]) } : {},
    );
    try {
      metrics = await catalog.load(config.model.metrics);
    } catch {
      metrics = null; // the run that saved this model saved no metrics (or none at this version)
    } finally {
      await catalog.close();
    }
  }
  return {
    plan,
    dataset: config.model.dataset,
    version: loaded,
    trainedAt: versionTime(loaded) ?? epochTime(run?.end_time) ?? epochTime(info?.registered_at),
    loadedAt: new Date().toISOString(),
    metrics,
    details: selfDescription(plan.artifact(config.model.dataset)),
    info,
    skipped,
  };
};

const timeOrNull = { type: ['integer', 'null'] };
const openObject = { type: 'object', additionalProperties: true };

/**
 * The 200 answer of GET /api/v1/model: serialised by this schema (a field it does not declare is dropped) and shown in
 * OpenAPI.
 */
export const MODEL_RESPONSE = {
  type: 'object',
  properties: {
    dataset: { type: 'string' },
    version: {
      type: ['string', 'null'],
      description: 'The served version: a save timestamp, or a registry version number.',
    },
    trained_at: { type: ['string', 'null'] },
    loaded_at: { type: 'string' },
    pipeline: { type: 'string' },
    auto_reload: {
      type: 'boolean',
      description: 'Whether a new current version of the dataset (a moved alias) replaces this one without a restart.',
    },
    metrics: {},
    feature_schema: openObject,
    model: openObject,
    registry: {
      type: ['object', 'null'],
      description: 'The registered model version, when the model dataset is a registry (type registry.model).',
      additionalProperties: true,
      properties: {
        model: { type: 'string' },
        version: { type: ['integer', 'string'] },
        aliases: { type: 'array', items: { type: 'string' } },
        source: { type: 'string' },
        registered_at: timeOrNull,
      },
    },
    run: {
      type: ['object', 'null'],
      description: 'The tracked run that made the served version (times in milliseconds since the epoch).',
      additionalProperties: true,
      properties: {
        run_id: { type: 'string' },
        run_name: { type: 'string' },
        experiment_id: { type: 'string' },
        status: { type: 'string' },
        start_time: timeOrNull,
        end_time: timeOrNull,
        params: openObject,
        metrics: openObject,
      },
    },
  },
};

/** The body of GET /api/v1/model for the served model and its version info (read now, aliases move). */
export const describeModel = (
  m: ServedModel,
  info: Readonly<Record<string, unknown>> | undefined,
  config: ServeConfig,
  autoReload: boolean,
): Record<string, unknown> => {
  const { run, ...registry } = info ?? {};
  return {
    dataset: m.dataset,
    version: m.version ?? null,
    trained_at: m.trainedAt ?? null,
    loaded_at: m.loadedAt,
    pipeline: config.pipeline,
    auto_reload: autoReload,
    metrics: m.metrics,
    feature_schema: config.record_schema,
    model: m.details,
    registry: info === undefined ? null : registry,
    run: isRecord(run) ? run : null,
  };
};
