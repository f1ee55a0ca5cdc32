// `--params key.path=value` overrides: parsed as YAML scalars and merged over parameters.yaml, kept in
// order so a resume plan can repeat them. Names that reach into JavaScript objects, and values whose
// aliases loop or multiply, are refused rather than applied.

import { deepMerge, isPlainObject } from './config.js';
import { ConfigError, type DagrunError } from './errors.js';
import { aliasProblem, MAX_ALIASED_VALUES, parseYamlValue } from './yaml-source.js';

export type ParamOverride = readonly [key: string, value: unknown];

/** Parses `a.b=1` into ['a.b', 1]; the value is read as a YAML scalar (numbers, booleans, null, lists). */
export const parseParamOverride = (s: string): ParamOverride => {
  const eq = s.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError(
      'DAGRUN_ERR_PARAMS_OVERRIDE',
      `Parameter override '${s}': expected key.path=value, but got no '='.`,
      { hint: 'Hint: e.g. --params hyper_params.learning_rate=0.05' },
    );
  }
  const key = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1);
  if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_0-9][\w-]*)*$/.test(key)) {
    throw new ConfigError(
      'DAGRUN_ERR_PARAMS_OVERRIDE',
      `Parameter override '${s}': expected a dotted key such as model.depth, but got '${key}'.`,
    );
  }
  const bad = key.split('.').find((k) => OBJECT_KEYS.has(k));
  if (bad !== undefined) {
    throw new ConfigError(
      'DAGRUN_ERR_PARAMS_OVERRIDE',
      `Parameter override '${s}': ` +
        `expected a key path without __proto__, constructor or prototype, but got '${bad}' in '${key}'.`,
      { hint: OBJECT_KEYS_HINT },
    );
  }
  let value: unknown = raw;
  try {
    value = raw === '' ? '' : (parseYamlValue(raw) as unknown);
  } catch {
    value = raw; // not YAML: the text as written, as a string
  }
  const problem = aliasProblem(value);
  if (problem?.kind === 'cycle') {
    throw new ConfigError(
      'DAGRUN_ERR_PARAMS_OVERRIDE',
      `Parameter override '${s}': ` +
        `expected a value that does not contain itself, but got an alias inside its own anchor.`,
      { hint: ALIAS_HINT },
    );
  }
  if (problem) {
    throw new ConfigError(
      'DAGRUN_ERR_PARAMS_OVERRIDE',
      `Parameter override '${s}': ` +
        `expected aliases that add at most ${MAX_ALIASED_VALUES.toLocaleString('en')} values, but got more.`,
      { hint: ALIAS_HINT },
    );
  }
  const inner = objectKeyIn(value);
  if (inner !== undefined) {
    throw new ConfigError(
      'DAGRUN_ERR_PARAMS_OVERRIDE',
      `Parameter override '${s}': ` +
        `expected a value without the keys __proto__, constructor or prototype, but got '${inner}'.`,
      { hint: OBJECT_KEYS_HINT },
    );
  }
  return [key, value];
};

/** Keys that, set on a JavaScript object, change the object itself (its prototype) instead of holding a value. */
const OBJECT_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const OBJECT_KEYS_HINT = 'Hint: these names belong to JavaScript objects, not to parameters; use another key name.';
const ALIAS_HINT = 'Hint: write the value out in full, e.g. --params model.layers=[8, 8]';

/** The first key of OBJECT_KEYS anywhere in a parsed value (free of alias problems, so the walk ends). */
const objectKeyIn = (value: unknown): string | undefined => {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = OBJECT_KEYS.has(k) ? k : objectKeyIn(v);
    if (found !== undefined) return found;
  }
  return undefined;
};

/**
 * `params` with the overrides applied: `key=value` strings (bad ones go to `errors`) or an object merged
 * in as a whole. Returns the parsed string overrides too, in order.
 */
export const applyParamOverrides = (
  params: Record<string, unknown>,
  overrides: readonly string[] | Readonly<Record<string, unknown>> | undefined,
  errors: DagrunError[],
): { params: Record<string, unknown>; parsed: ParamOverride[] } => {
  const parsed: ParamOverride[] = [];
  if (Array.isArray(overrides)) {
    for (const s of overrides as readonly string[]) {
      try {
        const kv = parseParamOverride(s);
        parsed.push(kv);
        params = setPath(params, kv[0], kv[1]);
      } catch (err) {
        errors.push(err as DagrunError);
      }
    }
  } else if (overrides && isPlainObject(overrides)) {
    params = deepMerge(params, overrides);
  }
  return { params, parsed };
};

const setPath = (obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> => {
  const keys = path.split('.');
  const nested: Record<string, unknown> = {};
  let cur = nested;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) cur[k] = value;
    else cur = cur[k] = {};
  });
  return deepMerge(obj, nested);
};
