// The promotion gate (continuous delivery for models): the rules of tracking.yaml `promotion.<alias>` a
// version must pass to take the alias. Each rule is evaluated against the version's run (and the run of
// the alias's current holder, for "no worse than"), and reported with its value and verdict.

import { didYouMean } from '@dagrun/core';
import type { PromotionRule } from './config.js';
import { TrackingError } from './errors.js';
import type { ModelRegistry } from './registry-store.js';
import type { TrackingStore } from './store.js';

export interface RuleResult {
  /** The rule in words: `mae <= 2500`. */
  readonly rule: string;
  /** What was measured: `2434.2`, or `2434.2 vs 2501.0 (version 2)`. */
  readonly value: string;
  readonly passed: boolean;
}

export interface PromotionOutcome {
  readonly promoted: boolean;
  readonly alias: string;
  readonly version: number;
  /** The version that held the alias before (undefined: none). */
  readonly previous: number | undefined;
  readonly results: readonly RuleResult[];
}

const tolerance = (t: string | number): number => (typeof t === 'number' ? t : Number(t.slice(0, -1)) / 100);
/**
 * Six significant digits, trailing zeros of the fraction dropped (never those of the integer part:
 * 120000.4 → 120000).
 */
const fmt = (v: number): string =>
  Number.isInteger(v)
    ? String(v)
    : v
        .toPrecision(6)
        .replace(/(\.\d*?)0+(?=$|e)/, '$1')
        .replace(/\.(?=$|e)/, '');

/**
 * Evaluates the rules for `version` taking `alias`; moves the alias only when every rule passes (and `dryRun` is
 * not set).
 */
export const promote = (opts: {
  store: TrackingStore;
  registry: ModelRegistry;
  name: string;
  version: number;
  alias: string;
  rules: readonly PromotionRule[];
  dryRun?: boolean;
}): PromotionOutcome => {
  const { store, registry, name, version, alias, rules } = opts;
  const candidate = registry.version(name, version);
  if (!candidate.runId)
    throw new TrackingError(
      'DAGRUN_ERR_REGISTRY_PROMOTION',
      `Model '${name}' version ${version}: ` +
        'expected the run that made it (run_id), but got none, so no rule can be checked.',
    );
  const run = store.getRun(candidate.runId);
  const holder = registry.model(name).aliases[alias];
  const previous = holder === undefined ? undefined : Number(holder);
  const current = previous !== undefined && previous !== version ? registry.version(name, previous) : undefined;
  const currentRun = current?.runId ? store.getRun(current.runId) : undefined;

  const metricOf = (key: string, i: number): number => {
    const v = run.metrics[key];
    if (v !== undefined) return v;
    const mean = didYouMean(key, Object.keys(run.metrics));
    throw new TrackingError(
      'DAGRUN_ERR_REGISTRY_PROMOTION',
      `Promotion rule 'promotion.${alias}.${i}' of tracking.yaml: ` +
        `expected a metric of run ${run.runId} (${Object.keys(run.metrics).join(', ') || 'it has none'}), ` +
        `but got '${key}'.`,
      { hint: mean ? `Hint: ${mean}` : undefined },
    );
  };

  const noWorse = (key: string, v: number, tol: number, higher: boolean): RuleResult => {
    const words = `${key} no worse than ${alias}'s by more than ${fmt(tol * 100)}%`;
    const cur = currentRun?.metrics[key];
    if (!current || cur === undefined)
      return { rule: words, value: `${fmt(v)} (no current ${alias}${current ? ` metric ${key}` : ''})`, passed: true };
    // A NaN holder (a diverged model) bounds nothing: any number is no worse than it (a NaN candidate still fails).
    if (Number.isNaN(cur))
      return { rule: words, value: `${fmt(v)} vs NaN (version ${current.version})`, passed: !Number.isNaN(v) };
    const bound = higher ? cur * (1 - Math.sign(cur) * tol) : cur * (1 + Math.sign(cur) * tol);
    return {
      rule: words,
      value: `${fmt(v)} vs ${fmt(cur)} (version ${current.version})`,
      passed: higher ? v >= bound : v <= bound,
    };
  };

  // A metric rule may carry several bounds (max and no_worse_than_current): each is checked and reported.
  const results: RuleResult[] = rules.flatMap((r, i): RuleResult[] => {
    if (r.tag !== undefined) {
      const got = run.tags[r.tag];
      return [
        {
          rule: `tag ${r.tag} = '${r.equals}'`,
          value: got === undefined ? '(no such tag)' : `'${got}'`,
          passed: got === r.equals,
        },
      ];
    }
    const key = r.metric!;
    const v = metricOf(key, i);
    const out: RuleResult[] = [];
    if (r.max !== undefined) out.push({ rule: `${key} <= ${r.max}`, value: fmt(v), passed: v <= r.max });
    if (r.min !== undefined) out.push({ rule: `${key} >= ${r.min}`, value: fmt(v), passed: v >= r.min });
    if (r.no_worse_than_current !== undefined)
      out.push(noWorse(key, v, tolerance(r.no_worse_than_current), r.higher_is_better === true));
    return out;
  });
  const promoted = results.every((r) => r.passed);
  if (promoted && !opts.dryRun) registry.setAlias(name, alias, version);
  return { promoted: promoted && !opts.dryRun, alias, version, previous, results };
};
