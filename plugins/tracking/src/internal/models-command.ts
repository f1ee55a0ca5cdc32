// `dagrun models register|list|show|alias|promote`: the model registry from the terminal; promote applies
// tracking.yaml's rules and prints each with its value and verdict (exit code 1 when one refuses).

import type { CommandSpec } from '@dagrun/core';
import { TrackingError } from './errors.js';
import { commandConfig, STORE_OPTIONS } from './locate.js';
import { openStore } from './open.js';
import { promote } from './promote.js';
import { ModelRegistry } from './registry-store.js';
import { fmtNum, metricColumns, table, when } from './text.js';

const open = (projectDir: string, o: Readonly<Record<string, unknown>>) => {
  const cfg = commandConfig(projectDir, o);
  const store = openStore(cfg.store, { create: false });
  return { cfg, store, registry: new ModelRegistry(store.root) };
};

const versionArg = (v: unknown, what: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new TrackingError(
      'DAGRUN_ERR_REGISTRY_URI',
      `${what}: expected a version number (1, 2, …), but got '${String(v)}'.`,
    );
  return n;
};

const register: CommandSpec = {
  name: 'register',
  description: "Register a run's model artifact as a new version of a model.",
  options: [
    { flags: '--run <id>', description: 'the run whose artifact is registered' },
    { flags: '--name <name>', description: 'the registered model' },
    { flags: '--path <artifact>', description: 'the artifact folder of the model in the run', default: 'model' },
    ...STORE_OPTIONS,
  ],
  async action(_a, o, ctx) {
    if (typeof o.run !== 'string' || typeof o.name !== 'string')
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_URI',
        "Options of 'models register': expected --run ID and --name NAME, " +
          `but got ${typeof o.run !== 'string' ? 'no --run' : 'no --name'}.`,
      );
    const { store, registry } = open(ctx.projectDir, o);
    const run = store.getRun(o.run);
    const path = String(o.path ?? 'model');
    if (!store.artifacts(run.runId).some((a) => a === path || a.startsWith(`${path}/`))) {
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_URI',
        `Artifact '${path}' of run ${run.runId}: expected the model's files, ` +
          `but got no such artifact (${store.artifacts(run.runId).join(', ') || 'the run has none'}).`,
        { hint: 'Hint: --path names the artifact folder (tracking.yaml artifacts: copies a dataset there).' },
      );
    }
    const v = registry.createVersion(o.name, {
      source: `runs:/${run.runId}/${path}`,
      storageLocation: `file://${store.artifactPath(run.runId, path)}`,
      runId: run.runId,
    });
    ctx.stdout(`Registered model '${v.name}' version ${v.version} from run ${run.runId} (${path}).`);
  },
};

const list: CommandSpec = {
  name: 'list',
  description: 'Registered models with their latest version and aliases.',
  options: [...STORE_OPTIONS],
  async action(_a, o, ctx) {
    const { registry } = open(ctx.projectDir, o);
    const models = registry.models();
    if (models.length === 0) return void ctx.stdout('No registered models.');
    ctx.stdout(
      table(
        ['MODEL', 'VERSIONS', 'ALIASES', 'UPDATED'],
        models.map((m) => [
          m.name,
          String(registry.versions(m.name).length),
          Object.entries(m.aliases)
            .map(([a, v]) => `@${a} → ${v}`)
            .join(', '),
          when(m.lastUpdatedTimestamp),
        ]),
      ),
    );
  },
};

const show: CommandSpec = {
  name: 'show',
  description: 'The versions of a model: source run, aliases, key metrics.',
  arguments: [{ name: 'name', description: 'registered model', required: true }],
  options: [{ flags: '--json', description: 'as JSON' }, ...STORE_OPTIONS],
  async action(args, o, ctx) {
    const { store, registry } = open(ctx.projectDir, o);
    const model = registry.model(args[0]!);
    const versions = registry.versions(model.name);
    const metricsOf = (runId: string | null): Record<string, number> => {
      try {
        return runId ? store.getRun(runId).metrics : {};
      } catch {
        return {};
      }
    };
    if (o.json)
      return void ctx.stdout(
        JSON.stringify({ ...model, versions: versions.map((v) => ({ ...v, metrics: metricsOf(v.runId) })) }, null, 2),
      );
    const keys = metricColumns(
      versions.flatMap((v) => Object.keys(metricsOf(v.runId))),
      undefined,
      4,
    );
    ctx.stdout(
      `Model '${model.name}': ${versions.length} version${versions.length === 1 ? '' : 's'}; aliases ${
        Object.entries(model.aliases)
          .map(([a, v]) => `@${a} → ${v}`)
          .join(', ') || 'none'
      }`,
    );
    ctx.stdout(
      table(
        ['VERSION', 'ALIASES', 'RUN', 'CREATED', ...keys],
        versions.map((v) => [
          String(v.version),
          v.aliases.map((a) => `@${a}`).join(' '),
          v.runId?.slice(0, 8) ?? '—',
          when(v.creationTimestamp),
          ...keys.map((k) => {
            const m = metricsOf(v.runId)[k];
            return m === undefined ? '' : fmtNum(m);
          }),
        ]),
      ),
    );
  },
};

const alias: CommandSpec = {
  name: 'alias',
  description:
    'Point an alias at a version, without the promotion rules (atomic: readers see the old or the new version).',
  arguments: [
    { name: 'name', description: 'registered model', required: true },
    { name: 'alias', description: 'e.g. champion', required: true },
    { name: 'version', description: 'version number', required: true },
  ],
  options: [...STORE_OPTIONS],
  async action(args, o, ctx) {
    const { registry } = open(ctx.projectDir, o);
    const version = versionArg(args[2], `Version of alias '${args[1]}'`);
    registry.setAlias(args[0]!, args[1]!, version);
    ctx.stdout(`models:/${args[0]}@${args[1]} → version ${version}`);
  },
};

const promoteCommand: CommandSpec = {
  name: 'promote',
  description:
    "Give an alias to a version (default: the newest) if it passes tracking.yaml's promotion rules for that alias.",
  // The version is an argument: `--version` is dagrun's own flag.
  arguments: [
    { name: 'name', description: 'registered model', required: true },
    { name: 'version', description: 'the version to promote (default: the newest)' },
  ],
  options: [
    { flags: '--to <alias>', description: 'the alias, e.g. champion' },
    { flags: '--dry-run', description: 'check the rules, move nothing' },
    ...STORE_OPTIONS,
  ],
  async action(args, o, ctx) {
    if (typeof o.to !== 'string')
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_URI',
        `Options of 'models promote': expected --to ALIAS, but got none.`,
      );
    const { cfg, store, registry } = open(ctx.projectDir, o);
    const name = args[0]!;
    const versions = registry.versions(name);
    const version =
      args[1] === undefined ? versions.at(-1)?.version : versionArg(args[1], `Version of model '${name}'`);
    if (version === undefined)
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_NOT_FOUND',
        `Model '${name}': expected a registered version to promote, but got none.`,
      );
    const rules = cfg.promotion[o.to] ?? [];
    const outcome = promote({ store, registry, name, version, alias: o.to, rules, dryRun: o.dryRun === true });
    ctx.stdout(
      `Promote ${name} version ${version} to @${o.to} ` +
        `(${outcome.previous === undefined ? 'no current holder' : `now version ${outcome.previous}`}):`,
    );
    if (rules.length === 0) ctx.stdout(`  no rules for @${o.to} in tracking.yaml promotion: nothing to check`);
    else
      ctx.stdout(
        table(
          ['RULE', 'VALUE', 'VERDICT'],
          outcome.results.map((r) => [r.rule, r.value, r.passed ? 'pass' : 'FAIL']),
          '  ',
        ),
      );
    const ok = outcome.results.every((r) => r.passed);
    if (!ok) {
      ctx.stderr(
        `Refused: ${outcome.results.filter((r) => !r.passed).length} rule(s) failed; @${o.to} ` +
          `${outcome.previous === undefined ? 'stays unset' : `stays on version ${outcome.previous}`}.`,
      );
      return 1;
    }
    ctx.stdout(
      o.dryRun
        ? `Would promote: every rule passes (--dry-run, nothing moved).`
        : `models:/${name}@${o.to} → version ${version}`,
    );
  },
};

export const modelsCommand: CommandSpec = {
  name: 'models',
  description: 'The model registry (MLflow file layout): register, list, show, alias, promote.',
  subcommands: [register, list, show, alias, promoteCommand],
};
