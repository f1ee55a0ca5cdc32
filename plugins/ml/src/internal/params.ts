// Hyperparameter checking shared by the estimators: unknown names, wrong types and out-of-range values
// fail at construction, naming the parameter, so a typo in parameters.yaml never trains a default model.

import { didYouMean } from '@dagrun/core';
import { MlError } from './errors.js';

export type ParamSpec =
  | {
      readonly kind: 'number';
      readonly min?: number;
      readonly max?: number;
      readonly minExclusive?: boolean;
      readonly maxExclusive?: boolean;
    }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly aliases?: Readonly<Record<string, string>> };

const describeValue = (v: unknown): string =>
  typeof v === 'string'
    ? `'${v}'`
    : typeof v === 'number' || typeof v === 'boolean' || v === null
      ? String(v)
      : Array.isArray(v)
        ? 'an array'
        : typeof v;

const rangeText = (s: ParamSpec): string => {
  if (s.kind === 'enum') return `one of ${s.values.map((v) => `'${v}'`).join(', ')}`;
  const what = s.kind === 'integer' ? 'an integer' : 'a number';
  const parts: string[] = [];
  if (s.min !== undefined) parts.push(`${s.kind === 'number' && s.minExclusive ? '>' : '>='} ${s.min}`);
  if (s.max !== undefined) parts.push(`${s.kind === 'number' && s.maxExclusive ? '<' : '<='} ${s.max}`);
  return parts.length > 0 ? `${what} ${parts.join(' and ')}` : what;
};

/** Merges `given` over `defaults`, checking every name and value against `specs`. */
export const checkParams = <T extends object>(
  estimator: string,
  given: Readonly<Record<string, unknown>> | undefined,
  specs: { readonly [K in keyof T]: ParamSpec },
  defaults: T,
): T => {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  const names = Object.keys(specs);
  for (const [name, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    const spec = (specs as Record<string, ParamSpec>)[name];
    if (!spec) {
      const mean = didYouMean(name, names);
      const known = names.length > 0 ? `one of ${names.join(', ')}` : 'no hyperparameter at all';
      throw new MlError(
        'DAGRUN_ERR_ML_PARAMS',
        `${estimator} hyperparameter '${name}': expected ${known}, but got an unknown name.`,
        {
          hint: mean ? `Hint: ${mean}` : undefined,
        },
      );
    }
    if (spec.kind === 'enum') {
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        const renamed = typeof value === 'string' ? spec.aliases?.[value] : undefined;
        throw new MlError(
          'DAGRUN_ERR_ML_PARAMS',
          `${estimator} hyperparameter '${name}': expected ${rangeText(spec)}, but got ${describeValue(value)}.`,
          {
            hint: renamed
              ? `Hint: scikit-learn renamed '${String(value)}' to '${renamed}'; use '${renamed}'.`
              : undefined,
          },
        );
      }
    } else {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (spec.kind !== 'integer' || Number.isInteger(value)) &&
        (spec.min === undefined ||
          (spec.kind === 'number' && spec.minExclusive ? value > spec.min : value >= spec.min)) &&
        (spec.max === undefined ||
          (spec.kind === 'number' && spec.maxExclusive ? value < spec.max : value <= spec.max));
      if (!ok)
        throw new MlError(
          'DAGRUN_ERR_ML_PARAMS',
          `${estimator} hyperparameter '${name}': expected ${rangeText(spec)}, but got ${describeValue(value)}.`,
        );
    }
    out[name] = value;
  }
  return out as T;
};
