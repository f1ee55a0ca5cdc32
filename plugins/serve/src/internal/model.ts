// The model being served: the project's inference plan (its artifacts loaded once), the version it was
// loaded at, and what GET /api/v1/model reports. A reload builds a new one beside the old and swaps.

import { ConfigError, type InferencePlan, type Project } from '@dagrun/core';
import type { ServeConfig } from './config.js';

export interface ServedModel {
  readonly plan: InferencePlan;
  /** The catalog entry of the model (serve.yaml `model.dataset`). */
  readonly dataset: string;
  /** Its version; undefined for an unversioned dataset. */
  readonly version: string | undefined;
  /** When the run that saved it saved it (dagrun versions are save timestamps), ISO 8601. */
  readonly trainedAt: string | undefined;
  readonly loadedAt: string;
  /** The metrics dataset saved by the same run (same version), or null when there is none. */
  readonly metrics: unknown;
  /** What the model object says of itself (its feature schema and training metadata, when it has them). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** '2026-11-26T06.52.46.309Z' → '2026-11-26T06:52:46.309Z'. */
export const versionTime = (version: string | undefined): string | undefined => {
  if (!version) return undefined;
  const iso = version.replace(/T(\d\d)\.(\d\d)\.(\d\d)\./, 'T$1:$2:$3.');
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
};

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

/** Builds the plan at `version` of the model dataset (default: the newest) and reads what /model reports. */
export const loadModel = async (project: Project, config: ServeConfig, version?: string): Promise<ServedModel> => {
  const plan = await project.inferencePlan({
    pipeline: config.pipeline,
    inputs: [config.input],
    outputs: [config.output],
    loadVersions: version ? { [config.model.dataset]: version } : undefined,
  });
  const artifact = plan.artifacts.find((a) => a.name === config.model.dataset);
  if (!artifact) {
    throw new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', `Serving configuration, field 'model.dataset': expected a dataset pipeline '${config.pipeline}' loads (${plan.artifacts.map((a) => a.name).join(', ') || 'none'}), but got '${config.model.dataset}'.`);
  }
  const loaded = artifact?.version;
  let metrics: unknown = null;
  if (config.model.metrics) {
    const { catalog } = project.createCatalog(loaded ? { loadVersions: new Map([[config.model.metrics, loaded]]) } : {});
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
    trainedAt: versionTime(loaded),
    loadedAt: new Date().toISOString(),
    metrics,
    details: selfDescription(plan.artifact(config.model.dataset)),
  };
};
