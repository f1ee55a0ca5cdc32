// Every `dagrun run` of a project that lists the plugin, recorded as a tracking run through hooks only:
// created RUNNING before the first node, params logged at once, metrics and artifacts as their datasets
// are saved, FINISHED or FAILED at the end (then, when tracking.yaml says so, the model registered and
// offered to the promotion gate). Core knows nothing of this.

import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION, type Hooks, type Project } from '@dagrun/core';
import { loadTrackingConfig, type TrackingConfig } from './config.js';
import { clearRunning, markRunning, processTag } from './liveness.js';
import { promote } from './promote.js';
import { ModelRegistry } from './registry-store.js';
import { openStore } from './open.js';
import type { TrackingStore } from './store.js';

/** `a.b.c` → value, as strings the way MLflow logs params (numbers and booleans as written, the rest as JSON). */
export const paramStrings = (
  params: Readonly<Record<string, unknown>>,
  include: 'all' | 'none' | readonly string[],
): Record<string, string> => {
  if (include === 'none') return {};
  const out: Record<string, string> = {};
  const walk = (obj: Readonly<Record<string, unknown>>, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      // The leaves are logged, not their parents; a list is one value (as JSON).
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
      else if (include === 'all' || include.some((p) => key === p || key.startsWith(`${p}.`)))
        out[key] = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
    }
  };
  walk(params, '');
  return out;
};

/**
 * A metrics dataset's value as metric name → number: one number (named after the dataset) or a dict of numbers,
 * nested keys joined with dots.
 */
export const metricValues = (name: string, data: unknown): Record<string, number> => {
  if (typeof data === 'number') return { [name]: data };
  const out: Record<string, number> = {};
  const walk = (v: unknown, prefix: string): void => {
    if (typeof v === 'number') out[prefix] = v;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v))
      for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
  };
  walk(data, '');
  return out;
};

const git = (dir: string, args: string[]): Promise<string | undefined> =>
  new Promise((done) => {
    execFile('git', args, { cwd: dir, encoding: 'utf8', timeout: 5000 }, (err, out) =>
      done(err ? undefined : out.trim()),
    );
  });

/**
 * The commit and the dirty flag, asked of git in the background while the pipeline runs (git status can take a
 * while in a big repository).
 */
const gitTags = async (dir: string): Promise<Record<string, string>> => {
  const [commit, status] = await Promise.all([
    git(dir, ['rev-parse', 'HEAD']),
    git(dir, ['status', '--porcelain', '--untracked-files=no', '--', '.']),
  ]);
  return commit ? { 'mlflow.source.git.commit': commit, 'dagrun.git.dirty': String((status ?? '') !== '') } : {};
};

const sourceTags = (project: Project, pipelineName: string, runId: string): Record<string, string> => ({
  'mlflow.source.name': `dagrun run --pipeline ${pipelineName}`,
  'mlflow.source.type': 'LOCAL',
  'dagrun.version': ENGINE_VERSION,
  'dagrun.node': process.version,
  'dagrun.project': project.settings.name,
  'dagrun.pipeline': pipelineName,
  'dagrun.run_id': runId,
  'dagrun.env': project.env ?? 'base',
  'dagrun.command': [basename(process.argv[1] ?? 'dagrun'), ...process.argv.slice(2)].join(' '),
  'dagrun.process': processTag(),
});

/** A saved dataset's location as a local path, when it is one (a versioned file: its version's folder). */
const localPath = (location: string | undefined, projectDir: string): string | undefined => {
  if (!location) return undefined;
  const path = location.startsWith('file://')
    ? fileURLToPath(location)
    : /^[a-z][\w+.-]*:\/\//i.test(location)
      ? undefined
      : resolve(projectDir, location);
  return path && existsSync(path) ? path : undefined;
};

export interface TrackerState {
  config: TrackingConfig | undefined;
  project: Project | undefined;
  store: TrackingStore | undefined;
  runId: string | undefined;
  contractViolations: number;
  git: Promise<Record<string, string>> | undefined;
  /** Datasets of this run saved outside the local disk: name → location (s3://…). */
  remote: Map<string, string>;
}

/** The hooks of one opened project (register() runs once per project, so the state is per project). */
export const trackingHooks = (
  state: TrackerState = {
    config: undefined,
    project: undefined,
    store: undefined,
    runId: undefined,
    contractViolations: 0,
    git: undefined,
    remote: new Map(),
  },
): Hooks => ({
  afterProjectOpened({ project, report }) {
    const { config, errors } = loadTrackingConfig(project);
    for (const e of errors) report(e);
    state.config = config;
    state.project = project;
  },

  beforePipelineRun({ runId, pipelineName, pipeline, params }) {
    const { config, project } = state;
    if (!config?.enabled || !project) return;
    // `used`: the parameters this run's nodes read (`params:a.b` inputs; all of them when a node reads `parameters`).
    const reads = pipeline.nodes.flatMap((n) => n.inputNames);
    const used = reads.includes('parameters')
      ? 'all'
      : reads.filter((i) => i.startsWith('params:')).map((i) => i.slice('params:'.length));
    const include = config.params === 'used' ? used : config.params;
    const store = openStore(config.store);
    const experiment = store.ensureExperiment(config.experiment);
    const tags = sourceTags(project, pipelineName, runId);
    const run = store.createRun(experiment.id, {
      runName: `${pipelineName} ${runId}`,
      userId: userInfo().username,
      tags,
    });
    markRunning(store, run.runId, tags['dagrun.process']!);
    store.logParams(run.runId, paramStrings(params, include));
    state.store = store;
    state.runId = run.runId;
    state.contractViolations = 0;
    state.git = gitTags(project.dir);
    state.remote.clear();
  },

  afterDatasetChecked({ name, report }) {
    if (!state.runId || !state.store) return;
    state.contractViolations += report.violations.length;
    state.store.setTags(state.runId, {
      [`dagrun.contract.${name}`]:
        report.violations.length === 0 ? 'clean' : `${report.violations.length} violation(s), ${report.onViolation}`,
    });
  },

  afterDatasetSaved({ name, data, location }) {
    const { config, store, runId } = state;
    if (!config || !store || !runId) return;
    if (config.metrics.includes(name)) {
      const now = Date.now();
      for (const [k, v] of Object.entries(metricValues(name, data)))
        store.logMetric(runId, k, v, { timestamp: now, step: 0 });
    }
    if (config.artifacts.includes(name) || config.register?.dataset === name) {
      const path = localPath(location, state.project!.dir);
      if (path) store.logArtifact(runId, path, statSync(path).isDirectory() ? name : join(name, basename(path)));
      else if (location) {
        // Saved elsewhere (s3://…): the run keeps where, not a copy in another format; a registered version points
        // there.
        store.writeArtifact(runId, join(name, 'location.txt'), location);
        state.remote.set(name, location);
      } else
        store.writeArtifact(
          runId,
          join(name, typeof data === 'string' ? `${name}.txt` : `${name}.json`),
          typeof data === 'string' ? data : JSON.stringify(data, null, 2),
        );
    }
  },

  async afterPipelineRun({ record }) {
    const { config, store, runId } = state;
    if (!config || !store || !runId) return;
    store.setTags(runId, await state.git!);
    // The data contracts' verdict, as a tag and as a number a promotion rule can bound.
    store.setTags(runId, {
      'dagrun.contracts': state.contractViolations === 0 ? 'clean' : `${state.contractViolations} violation(s)`,
    });
    store.logMetric(runId, 'dagrun.contract_violations', state.contractViolations);
    store.writeArtifact(runId, 'dagrun/run-record.json', JSON.stringify(record, null, 2));
    store.endRun(runId, 'FINISHED');
    clearRunning(store, runId);
    state.runId = undefined;
    const reg = config.register;
    const remote = reg ? state.remote.get(reg.dataset) : undefined;
    if (!reg || (!remote && !store.artifacts(runId).some((a) => a.startsWith(`${reg.dataset}/`)))) return;
    const registry = new ModelRegistry(store.root);
    const version = remote
      ? registry.createVersion(reg.name, { source: remote, storageLocation: remote, runId })
      : registry.createVersion(reg.name, {
          source: `runs:/${runId}/${reg.dataset}`,
          storageLocation: `file://${store.artifactPath(runId, reg.dataset)}`,
          runId,
        });
    if (!reg.promote_to) return;
    const outcome = promote({
      store,
      registry,
      name: reg.name,
      version: version.version,
      alias: reg.promote_to,
      rules: config.promotion[reg.promote_to] ?? [],
    });
    process.stderr.write(
      `tracking: run ${runId} registered as ${reg.name} version ${version.version}; ${reg.promote_to}: ${
        outcome.promoted
          ? `now version ${version.version}`
          : `kept (${outcome.results
              .filter((r) => !r.passed)
              .map((r) => r.rule)
              .join('; ')})`
      }\n`,
    );
  },

  async onPipelineError({ error, record }) {
    const { store, runId } = state;
    if (!store || !runId) return;
    store.setTags(runId, await state.git!);
    store.setTags(runId, {
      'dagrun.error': error.message.split('\n')[0]!.slice(0, 5000),
      ...(record.resumeCommand ? { 'dagrun.resume': record.resumeCommand } : {}),
    });
    store.writeArtifact(runId, 'dagrun/run-record.json', JSON.stringify(record, null, 2));
    store.endRun(runId, 'FAILED');
    clearRunning(store, runId);
    state.runId = undefined;
  },
});
