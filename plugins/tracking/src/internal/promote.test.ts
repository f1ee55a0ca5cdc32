// The promotion gate: max, min, no_worse_than_current (percent or fraction, lower or higher is better) and
// tag rules, each reported with its value and verdict; the alias moves only when every rule passes and
// it is not a dry run; a rule naming a metric the run lacks is an error with a did-you-mean.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { PromotionRule } from './config.js';
import { promote } from './promote.js';
import { ModelRegistry } from './registry-store.js';
import { TrackingStore } from './store.js';

const NAME = 'pricing';

/** A store and registry, and `version(metrics, tags)`: a finished run with them, registered as the next version. */
const gate = (t: Test) => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-promote-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = TrackingStore.open(join(dir, 'mlruns'));
  const registry = new ModelRegistry(store.root);
  const version = (metrics: Record<string, number>, tags: Record<string, string> = {}): number => {
    const run = store.createRun('0', { runName: 'train', userId: 'ana', tags });
    for (const [k, v] of Object.entries(metrics)) store.logMetric(run.runId, k, v);
    store.endRun(run.runId, 'FINISHED');
    return registry.createVersion(NAME, {
      source: `runs:/${run.runId}/model`,
      storageLocation: 'file:///m',
      runId: run.runId,
    }).version;
  };
  const run = (rules: PromotionRule[], v: number, dryRun = false) =>
    promote({ store, registry, name: NAME, version: v, alias: 'champion', rules, dryRun });
  const holder = (): string | undefined => registry.model(NAME).aliases.champion;
  return { store, registry, version, run, holder };
};

/** The error `f` throws (tap's t.throws matches a message as a substring; these tests want it exact). */
const thrown = (f: () => unknown): Error & { code?: string } => {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a throw, but got none');
};

t.test('max and min: the value against the bound', async (t) => {
  const g = gate(t);
  const v1 = g.version({ mae: 2434.25, r2: 0.81 });
  const pass = g.run(
    [
      { metric: 'mae', max: 2500 },
      { metric: 'r2', min: 0.8 },
    ],
    v1,
  );
  t.same(pass.results, [
    { rule: 'mae <= 2500', value: '2434.25', passed: true },
    { rule: 'r2 >= 0.8', value: '0.81', passed: true },
  ]);
  t.equal(pass.promoted, true);
  t.equal(pass.previous, undefined, 'no holder before');
  t.equal(g.holder(), '1', 'the alias moved');

  const v2 = g.version({ mae: 2600, r2: 0.79 });
  const fail = g.run(
    [
      { metric: 'mae', max: 2500 },
      { metric: 'r2', min: 0.8 },
    ],
    v2,
  );
  t.same(fail.results, [
    { rule: 'mae <= 2500', value: '2600', passed: false },
    { rule: 'r2 >= 0.8', value: '0.79', passed: false },
  ]);
  t.equal(fail.promoted, false);
  t.equal(fail.previous, 1);
  t.equal(g.holder(), '1', 'a failing rule leaves the alias where it was');

  const edge = g.version({ mae: 2500, r2: 0.8 });
  t.equal(
    g.run(
      [
        { metric: 'mae', max: 2500 },
        { metric: 'r2', min: 0.8 },
      ],
      edge,
    ).promoted,
    true,
    'the bounds themselves pass',
  );
  const nan = g.version({ mae: NaN });
  t.same(
    g.run([{ metric: 'mae', max: 2500 }], nan).results,
    [{ rule: 'mae <= 2500', value: 'NaN', passed: false }],
    'NaN passes no bound',
  );
});

t.test('no_worse_than_current, lower is better: percent and fraction', async (t) => {
  for (const tolerance of ['5%', 0.05] as const) {
    const g = gate(t);
    const v1 = g.version({ mae: 2000 });
    g.registry.setAlias(NAME, 'champion', v1);
    const rule: PromotionRule = { metric: 'mae', no_worse_than_current: tolerance };
    const words = "mae no worse than champion's by more than 5%";

    const worse = g.version({ mae: 2110 });
    t.same(
      g.run([rule], worse).results,
      [{ rule: words, value: '2110 vs 2000 (version 1)', passed: false }],
      `${tolerance}: 5.5% worse fails`,
    );
    t.equal(g.holder(), '1');
    const within = g.version({ mae: 2099.5 });
    const ok = g.run([rule], within);
    t.same(
      ok.results,
      [{ rule: words, value: '2099.5 vs 2000 (version 1)', passed: true }],
      `${tolerance}: 4.98% worse passes`,
    );
    t.equal(ok.promoted, true);
    t.equal(ok.previous, 1);
    t.equal(g.holder(), String(within), 'the alias moved to it');
    const better = g.version({ mae: 1500 });
    t.equal(g.run([rule], better).promoted, true, `${tolerance}: better passes`);
  }
});

t.test('no_worse_than_current, higher is better, and negative values', async (t) => {
  const g = gate(t);
  const v1 = g.version({ r2: 0.8, score: -100 });
  g.registry.setAlias(NAME, 'champion', v1);
  const r2: PromotionRule = { metric: 'r2', no_worse_than_current: '5%', higher_is_better: true };
  t.same(
    g.run([r2], g.version({ r2: 0.75, score: 0 }), true).results,
    [{ rule: "r2 no worse than champion's by more than 5%", value: '0.75 vs 0.8 (version 1)', passed: false }],
    'below 0.76 fails',
  );
  t.equal(g.run([r2], g.version({ r2: 0.77 }), true).results[0]!.passed, true, 'above 0.76 passes');
  t.equal(g.run([r2], g.version({ r2: 0.9 }), true).results[0]!.passed, true);
  // A negative holder: 5% worse is -105 when higher is better, -95 when lower is better.
  const score = (v: number, higher: boolean) =>
    g.run([{ metric: 'score', no_worse_than_current: 0.05, higher_is_better: higher }], g.version({ score: v }), true)
      .results[0]!.passed;
  t.equal(score(-104, true), true);
  t.equal(score(-106, true), false);
  t.equal(score(-96, false), true);
  t.equal(score(-94, false), false);
  t.equal(g.holder(), '1', 'dry runs moved nothing');
});

t.test('no_worse_than_current passes when there is nothing to compare with', async (t) => {
  const g = gate(t);
  const rule: PromotionRule = { metric: 'mae', no_worse_than_current: '1%' };
  const words = "mae no worse than champion's by more than 1%";
  const first = g.run([rule], g.version({ mae: 5000 }));
  t.same(first.results, [{ rule: words, value: '5000 (no current champion)', passed: true }], 'no holder yet');
  t.equal(first.promoted, true);

  const g2 = gate(t);
  g2.registry.setAlias(NAME, 'champion', g2.version({ r2: 0.5 }));
  t.same(
    g2.run([rule], g2.version({ mae: 5000 })).results,
    [{ rule: words, value: '5000 (no current champion metric mae)', passed: true }],
    'the holder lacks the metric',
  );

  const g3 = gate(t);
  g3.registry.setAlias(NAME, 'champion', g3.version({ mae: NaN }));
  t.same(
    g3.run([rule], g3.version({ mae: 5000 }), true).results,
    [{ rule: words, value: '5000 vs NaN (version 1)', passed: true }],
    'a NaN holder bounds nothing',
  );
  t.same(
    g3.run([rule], g3.version({ mae: NaN }), true).results,
    [{ rule: words, value: 'NaN vs NaN (version 1)', passed: false }],
    'but a NaN candidate still fails',
  );

  const g4 = gate(t);
  const v = g4.version({ mae: 100 });
  g4.registry.setAlias(NAME, 'champion', v);
  t.same(
    g4.run([rule], v).results,
    [{ rule: words, value: '100 (no current champion)', passed: true }],
    'the holder itself is not compared with itself',
  );
});

t.test('a metric rule with several bounds checks each', async (t) => {
  const g = gate(t);
  g.registry.setAlias(NAME, 'champion', g.version({ mae: 2000 }));
  const rule: PromotionRule = { metric: 'mae', max: 2500, no_worse_than_current: '5%' };
  const out = g.run([rule], g.version({ mae: 2400 }));
  t.same(out.results, [
    { rule: 'mae <= 2500', value: '2400', passed: true },
    { rule: "mae no worse than champion's by more than 5%", value: '2400 vs 2000 (version 1)', passed: false },
  ]);
  t.equal(out.promoted, false, 'under the max but 20% worse than the holder: refused');
  t.equal(g.holder(), '1');
});

t.test('tag rules: equals the value, or fails naming what is there', async (t) => {
  const g = gate(t);
  const rule: PromotionRule = { tag: 'dagrun.contracts', equals: 'clean' };
  t.same(g.run([rule], g.version({}, { 'dagrun.contracts': 'clean' }), true).results, [
    { rule: "tag dagrun.contracts = 'clean'", value: "'clean'", passed: true },
  ]);
  t.same(g.run([rule], g.version({}, { 'dagrun.contracts': '2 violation(s)' }), true).results, [
    { rule: "tag dagrun.contracts = 'clean'", value: "'2 violation(s)'", passed: false },
  ]);
  t.same(g.run([rule], g.version({}), true).results, [
    { rule: "tag dagrun.contracts = 'clean'", value: '(no such tag)', passed: false },
  ]);
});

t.test('a dry run checks the rules and moves nothing', async (t) => {
  const g = gate(t);
  const v1 = g.version({ mae: 2000 });
  g.registry.setAlias(NAME, 'champion', v1);
  const v2 = g.version({ mae: 1000 });
  const out = g.run([{ metric: 'mae', max: 2500 }], v2, true);
  t.same(out.results, [{ rule: 'mae <= 2500', value: '1000', passed: true }]);
  t.equal(out.promoted, false, 'not promoted');
  t.equal(out.previous, 1);
  t.equal(g.holder(), '1', 'the alias stays');
  t.equal(g.run([{ metric: 'mae', max: 2500 }], v2).promoted, true, 'without --dry-run it moves');
  t.equal(g.holder(), '2');
  t.equal(g.run([], g.version({})).promoted, true, 'no rules: nothing to refuse');
  t.equal(g.holder(), '3');
});

t.test('numbers are shown to six significant digits, never cut in the integer part', async (t) => {
  const g = gate(t);
  const shown = (mae: number) => g.run([{ metric: 'mae', max: 1e9 }], g.version({ mae }), true).results[0]!.value;
  t.equal(shown(120000.4), '120000');
  t.equal(shown(2434.25), '2434.25');
  t.equal(shown(0.30000000000000004), '0.3');
  t.equal(shown(1.5e-7), '1.5e-7');
  t.equal(shown(42), '42');
});

t.test('a rule naming a metric the run lacks is an error with a did-you-mean; the alias stays', async (t) => {
  const g = gate(t);
  const v1 = g.version({ mae: 2000, r2: 0.8 });
  g.registry.setAlias(NAME, 'champion', v1);
  const v2 = g.version({ mae: 1900, r2: 0.85 });
  const runId = g.registry.version(NAME, v2).runId!;
  const err = thrown(() =>
    g.run(
      [
        { metric: 'r2', min: 0.5 },
        { metric: 'maee', max: 2500 },
      ],
      v2,
    ),
  );
  t.equal(err.code, 'DAGRUN_ERR_REGISTRY_PROMOTION');
  t.equal(
    err.message,
    "[DAGRUN_ERR_REGISTRY_PROMOTION] Promotion rule 'promotion.champion.1' of tracking.yaml: " +
      `expected a metric of run ${runId} (mae, r2), but got 'maee'.\n  Hint: did you mean: 'mae'?`,
  );
  t.equal(
    thrown(() => g.run([{ metric: 'accuracy', min: 0.5 }], v2)).message,
    "[DAGRUN_ERR_REGISTRY_PROMOTION] Promotion rule 'promotion.champion.0' of tracking.yaml: " +
      `expected a metric of run ${runId} (mae, r2), but got 'accuracy'.`,
    'no hint when nothing is close',
  );
  t.equal(g.holder(), '1');

  const bare = g.registry.createVersion(NAME, { source: 'file:///m', storageLocation: 'file:///m', runId: null });
  t.equal(
    thrown(() => g.run([], bare.version)).message,
    `[DAGRUN_ERR_REGISTRY_PROMOTION] Model '${NAME}' version ${bare.version}: ` +
      'expected the run that made it (run_id), but got none, so no rule can be checked.',
  );
});
