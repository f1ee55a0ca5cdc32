// conf/<env>/tracking.yaml: what a project's runs log and where, layered like parameters (base, local,
// --env) and checked against its schema with file:line errors. Every key has a default, so a project
// that lists the plugin and has no tracking.yaml still records its runs (all params, no metrics).

import { isAbsolute, join } from 'node:path';
import { checkSchema, type DagrunError, type JsonSchema, type Project } from '@dagrun/core';
import { TrackingError } from './errors.js';

export interface PromotionRule {
  /** A metric of the version's run. */
  readonly metric?: string;
  readonly max?: number;
  readonly min?: number;
  /** Relative tolerance against the alias's current holder: `5%` or 0.05 (absent holder: the rule passes). */
  readonly no_worse_than_current?: string | number;
  /** Lower is better unless `higher` (for direction-sensitive rules). */
  readonly higher_is_better?: boolean;
  /** A tag of the run that must equal this value (e.g. the data contract's verdict). */
  readonly tag?: string;
  readonly equals?: string;
}

export interface TrackingConfig {
  readonly enabled: boolean;
  readonly experiment: string;
  /** Absolute path of the store (default `<project>/mlruns`). */
  readonly store: string;
  /** `all` (default), `used` (those the run's nodes read), `none`, or the parameter prefixes to log. */
  readonly params: 'all' | 'used' | 'none' | readonly string[];
  /** Datasets whose saved value is logged as metrics (a number, or a dict of numbers). */
  readonly metrics: readonly string[];
  /** Datasets copied into the run's artifacts when saved. */
  readonly artifacts: readonly string[];
  /** Register the model dataset of every successful run, optionally trying to promote it. */
  readonly register: { readonly dataset: string; readonly name: string; readonly promote_to?: string } | undefined;
  /** alias → the rules a version must pass to take it. */
  readonly promotion: Readonly<Record<string, readonly PromotionRule[]>>;
}

// The JSON Schema of the file; TrackingConfig above is what loadTrackingConfig returns after defaults.
const RULE: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    metric: { type: 'string', minLength: 1 },
    max: { type: 'number' },
    min: { type: 'number' },
    no_worse_than_current: {
      anyOf: [
        { type: 'number', minimum: 0 },
        { type: 'string', pattern: '^\\d+(\\.\\d+)?%$' },
      ],
    },
    higher_is_better: { type: 'boolean' },
    tag: { type: 'string', minLength: 1 },
    equals: { type: 'string' },
  },
};

export const TRACKING_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    experiment: { type: 'string', minLength: 1 },
    store: { type: 'string', minLength: 1 },
    params: { anyOf: [{ enum: ['all', 'used', 'none'] }, { type: 'array', items: { type: 'string', minLength: 1 } }] },
    metrics: { type: 'array', items: { type: 'string', minLength: 1 } },
    artifacts: { type: 'array', items: { type: 'string', minLength: 1 } },
    register: {
      type: 'object',
      additionalProperties: false,
      required: ['dataset', 'name'],
      properties: {
        dataset: { type: 'string', minLength: 1 },
        name: { type: 'string', pattern: '^[^/\\\\%]+$' },
        promote_to: { type: 'string', pattern: '^[A-Za-z_][\\w-]*$' },
      },
    },
    promotion: { type: 'object', additionalProperties: { type: 'array', items: RULE } },
  },
};

/** tracking.yaml of the project's environments, merged, with defaults; problems carry file:line. */
export const loadTrackingConfig = (project: Project): { config: TrackingConfig | undefined; errors: DagrunError[] } => {
  const errors: DagrunError[] = [];
  const section = project.config.load('tracking', 'deep', errors);
  if (errors.length > 0) return { config: undefined, errors };
  const data = section.data as Record<string, unknown>;
  const locate = (path: ReadonlyArray<string | number>, key?: boolean) => section.locate(path, key);
  errors.push(
    ...checkSchema({
      schema: TRACKING_SCHEMA,
      data,
      subject: 'Tracking configuration',
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      locate,
    }),
  );
  if (errors.length > 0) return { config: undefined, errors };
  // Datasets named here must be catalog entries: a typo would log nothing, silently.
  const entries = new Set(Object.keys(project.catalogConfig?.data ?? {}));
  const known = (field: string, names: readonly string[], path: ReadonlyArray<string | number>) =>
    names.forEach((n, i) => {
      if (entries.has(n)) return;
      errors.push(
        new TrackingError(
          'DAGRUN_ERR_TRACKING_CONFIG',
          `Tracking configuration, field '${[...path, i].join('.')}': ` +
            `expected a dataset of catalog.yaml, but got '${n}'.`,
          { location: locate([...path, i]) },
        ),
      );
    });
  known('metrics', (data.metrics as string[] | undefined) ?? [], ['metrics']);
  known('artifacts', (data.artifacts as string[] | undefined) ?? [], ['artifacts']);
  const register = data.register as TrackingConfig['register'];
  if (register && !entries.has(register.dataset)) {
    errors.push(
      new TrackingError(
        'DAGRUN_ERR_TRACKING_CONFIG',
        "Tracking configuration, field 'register.dataset': " +
          `expected a dataset of catalog.yaml, but got '${register.dataset}'.`,
        { location: locate(['register', 'dataset']) },
      ),
    );
  }
  const promotion = (data.promotion ?? {}) as Record<string, PromotionRule[]>;
  for (const [alias, rules] of Object.entries(promotion)) {
    rules.forEach((r, i) => {
      const kinds = [r.metric !== undefined, r.tag !== undefined].filter(Boolean).length;
      const checks = [r.max, r.min, r.no_worse_than_current].filter((x) => x !== undefined).length;
      if (kinds !== 1 || (r.metric !== undefined && checks === 0) || (r.tag !== undefined && r.equals === undefined)) {
        errors.push(
          new TrackingError(
            'DAGRUN_ERR_TRACKING_CONFIG',
            `Tracking configuration, field 'promotion.${alias}.${i}': ` +
              'expected a metric with max, min or no_worse_than_current, or a tag with equals, ' +
              `but got ${JSON.stringify(r)}.`,
            { location: locate(['promotion', alias, i]) },
          ),
        );
      }
    });
  }
  const remote = storeProblem(data.store);
  if (remote) errors.push(remote.with({ location: locate(['store']) }));
  if (errors.length > 0) return { config: undefined, errors };
  const store = typeof data.store === 'string' ? data.store.replace(/^file:\/\//, '') : 'mlruns';
  return {
    config: {
      enabled: data.enabled !== false,
      experiment: typeof data.experiment === 'string' ? data.experiment : project.settings.name,
      store: isAbsolute(store) ? store : join(project.dir, store),
      params: (data.params as TrackingConfig['params'] | undefined) ?? 'all',
      metrics: (data.metrics as string[] | undefined) ?? [],
      artifacts: (data.artifacts as string[] | undefined) ?? [],
      register,
      promotion,
    },
    errors,
  };
};

/**
 * The store must be on a local (or mounted) disk: an object store cannot rename a file atomically, which aliases
 * and meta.yaml rely on.
 */
export const storeProblem = (store: unknown): TrackingError | undefined =>
  typeof store === 'string' && /^[a-z][\w+.-]*:\/\//i.test(store) && !store.startsWith('file://')
    ? new TrackingError(
        'DAGRUN_ERR_TRACKING_CONFIG',
        `Tracking configuration, field 'store': expected a local path (or file://), but got '${store}'.`,
        {
          hint:
            'Hint: an s3:// store is not supported: keep mlruns/ on a disk or a mounted volume; ' +
            'models saved to S3 are registered where they live.',
        },
      )
    : undefined;
