// Where a command finds the store and the promotion rules without opening the whole project (plugins,
// pipelines, node modules): tracking.yaml alone, layered and checked as a run reads it. `--store` wins.

import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CheckError, ConfigLoader, checkSchema, type DagrunError } from '@dagrun/core';
import { parse } from 'yaml';
import type { PromotionRule } from './config.js';
import { storeProblem, TRACKING_SCHEMA } from './config.js';

/** The options every command over the store takes. */
export const STORE_OPTIONS = [
  { flags: '--store <path>', description: 'the tracking store (default: tracking.yaml store, else <project>/mlruns)' },
  { flags: '-e, --env <name>', description: 'configuration environment whose tracking.yaml is read' },
] as const;

export interface CommandConfig {
  readonly store: string;
  readonly experiment: string | undefined;
  readonly promotion: Readonly<Record<string, readonly PromotionRule[]>>;
}

/** The project's conf folder as dagrun.yaml sets it (default `conf`). */
const confDirOf = (projectDir: string): string | undefined => {
  try {
    const s = parse(readFileSync(join(projectDir, 'dagrun.yaml'), 'utf8')) as { conf_dir?: unknown } | null;
    return typeof s?.conf_dir === 'string' ? s.conf_dir : undefined;
  } catch {
    return undefined;
  }
};

export const commandConfig = (projectDir: string, opts: { store?: unknown; env?: unknown }): CommandConfig => {
  const errors: DagrunError[] = [];
  const loader = new ConfigLoader({
    projectDir,
    confDir: confDirOf(projectDir),
    env: typeof opts.env === 'string' ? opts.env : undefined,
  });
  const section = loader.load('tracking', 'deep', errors);
  const data = section.data as Record<string, unknown>;
  if (errors.length === 0)
    errors.push(
      ...checkSchema({
        schema: TRACKING_SCHEMA,
        data,
        subject: 'Tracking configuration',
        code: 'DAGRUN_ERR_CONFIG_SCHEMA',
        locate: (p, k) => section.locate(p, k),
      }),
    );
  for (const [value, where] of [
    [data.store, section.locate(['store'])],
    [opts.store, undefined],
  ] as const) {
    const remote = storeProblem(value);
    if (remote) errors.push(where ? remote.with({ location: where }) : remote);
  }
  if (errors.length > 0) throw new CheckError('tracking configuration', errors);
  const local = (p: string): string => p.replace(/^file:\/\//, '');
  const given = typeof opts.store === 'string' ? resolve(local(opts.store)) : undefined;
  const fromFile =
    typeof data.store === 'string'
      ? isAbsolute(local(data.store))
        ? local(data.store)
        : join(projectDir, local(data.store))
      : join(projectDir, 'mlruns');
  return {
    store: given ?? fromFile,
    experiment: typeof data.experiment === 'string' ? data.experiment : undefined,
    promotion: (data.promotion ?? {}) as Record<string, PromotionRule[]>,
  };
};
