// Running a checked project: the executor owns the run record from the first write ("running") to the
// last ("ok" or "failed"), drives the runner, and on failure works out the resume plan as data.

import { CheckError, DagrunError, type ResumePlan } from './errors.js';
import { formatVersion } from './datasets/file-dataset.js';
import { funcName } from './node-call.js';
import type { ParamOverride } from './params-override.js';
import type { Pipeline, PipelineFilter } from './pipeline/pipeline.js';
import type { Project, RunOptions, RunOutcome } from './project.js';
import { listRuns, writeRunRecord, type RunRecord } from './run-record.js';
import { ConcurrentRunner, SequentialRunner, type Runner } from './runner.js';

/**
 * Checks, then runs; throws a CheckError (nothing run) or the node's error carrying `run` (record file,
 * resume plan).
 */
export const executeRun = async (project: Project, opts: RunOptions = {}): Promise<RunOutcome> => {
  const name = opts.pipeline ?? '__default__';
  project.assertValid(name, opts.filter);
  const pipeline = project.pipeline(name, opts.filter);
  const full = project.pipeline(name);
  const runId = await newRunId(project.runsDir);
  const loadVersions =
    opts.loadVersions instanceof Map ? opts.loadVersions : new Map(Object.entries(opts.loadVersions ?? {}));
  const { catalog, errors } = project.createCatalog({ saveVersion: runId, loadVersions, runId });
  if (errors.length > 0) throw new CheckError(`catalog of project '${project.settings.name}'`, errors);
  for (const [k, v] of Object.entries(opts.feed ?? {})) catalog.feed(k, v);
  const hooks = project.registry.hooks;
  await hooks.call('afterCatalogCreated', { catalog, params: project.params });
  const record: RunRecord = {
    formatVersion: 1,
    runId,
    project: project.settings.name,
    pipeline: name,
    env: [...project.config.envs],
    status: 'running',
    startedAt: new Date().toISOString(),
    params: project.params as Record<string, unknown>,
    filters: filterRecord(opts.filter),
    saveVersion: runId,
    loadVersions: Object.fromEntries(loadVersions),
    nodes: full.nodes
      .filter((n) => !pipeline.node(n.name))
      .map((n) => ({ name: n.name, func: funcName(n), status: 'skipped' as const })),
    datasets: [],
  };
  const write = opts.record !== false;
  let recordFile = write ? await writeRunRecord(project.runsDir, record) : undefined;
  const runner = opts.runner ?? defaultRunner(project);
  const t0 = performance.now();
  const finish = async (status: 'ok' | 'failed') => {
    record.status = status;
    record.finishedAt = new Date().toISOString();
    record.durationMs = performance.now() - t0;
    if (write) recordFile = await writeRunRecord(project.runsDir, record);
  };
  try {
    const result = await runner.run(pipeline, catalog, {
      runId,
      pipelineName: name,
      params: project.params,
      hooks,
      record,
    });
    await finish('ok');
    await hooks.call('afterPipelineRun', {
      runId,
      pipelineName: name,
      pipeline,
      catalog,
      params: project.params,
      record,
      outputs: result.outputs,
    });
    return { runId, record, recordFile, outputs: result.outputs };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    const failed = record.nodes.find((n) => n.status === 'failed');
    const resume = failed
      ? resumePlan(name, pipeline, catalog, record, {
          env: project.env,
          overrides: project.paramOverrides,
          filter: opts.filter,
        })
      : undefined;
    record.error = {
      code: err instanceof DagrunError ? err.code : 'DAGRUN_ERR_NODE_FAILED',
      message: error.message,
      node: failed?.name,
    };
    if (resume) {
      record.resume = resume;
      record.resumeCommand = `dagrun ${shellCommand(resumeArgs(resume))}`;
    }
    await finish('failed');
    await hooks.call('onPipelineError', {
      runId,
      pipelineName: name,
      pipeline,
      catalog,
      params: project.params,
      error,
      record,
    });
    throw err instanceof DagrunError ? err.with({ run: { recordFile, resume } }) : err;
  } finally {
    await catalog.close();
  }
};

const defaultRunner = (project: Project): Runner =>
  project.settings.runner.type === 'concurrent'
    ? new ConcurrentRunner(project.settings.runner.max_concurrency)
    : new SequentialRunner();

/**
 * Where a failed run picks up: the failed and unrun nodes, walking back to producers of any in-memory
 * input, since memory does not outlive the run (Kedro's approach), with the run's own flags kept.
 */
export const resumePlan = (
  name: string,
  pipeline: Pipeline,
  catalog: { isPersistent(n: string): boolean },
  record: RunRecord,
  run: { env: string | undefined; overrides: readonly ParamOverride[]; filter: PipelineFilter | undefined },
): ResumePlan => {
  const status = new Map(record.nodes.map((n) => [n.name, n.status]));
  const todo = new Set(pipeline.nodes.filter((n) => status.get(n.name) !== 'ok'));
  const queue = [...todo];
  while (queue.length > 0) {
    const n = queue.pop()!;
    for (const i of n.inputNames) {
      const p = pipeline.producerOf(i);
      if (p && !todo.has(p) && !catalog.isPersistent(i)) {
        todo.add(p);
        queue.push(p);
      }
    }
  }
  // Start points: nodes to redo that no other node to redo feeds.
  const starts = pipeline.nodes.filter((n) => todo.has(n) && ![...pipeline.dependenciesOf(n)].some((p) => todo.has(p)));
  const flags: string[] = [];
  if (name !== '__default__') flags.push('--pipeline', name);
  if (run.env) flags.push('--env', run.env);
  for (const [k, v] of run.overrides) flags.push('--params', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const f = run.filter ?? {};
  if (f.nodes?.length) flags.push('--nodes', f.nodes.join(','));
  if (f.toNodes?.length) flags.push('--to-nodes', f.toNodes.join(','));
  if (f.tags?.length) flags.push('--tags', f.tags.join(','));
  if (f.toOutputs?.length) flags.push('--to-outputs', f.toOutputs.join(','));
  return { fromNodes: starts.map((n) => n.name), flags };
};

/** The words of the `dagrun` command that resumes: `run [--project DIR] <flags> --from-nodes a,b`. */
export const resumeArgs = (plan: ResumePlan, projectDir?: string): string[] => [
  'run',
  ...(projectDir ? ['--project', projectDir] : []),
  ...plan.flags,
  '--from-nodes',
  plan.fromNodes.join(','),
];

/** Words joined into a POSIX shell command line, each quoted only when it needs to be. */
export const shellCommand = (words: readonly string[]): string =>
  words.map((w) => (/^[\w.,:=@%+/-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');

const filterRecord = (f: PipelineFilter | undefined): Record<string, readonly string[]> =>
  Object.fromEntries(Object.entries(f ?? {}).filter(([, v]) => Array.isArray(v) && v.length > 0)) as Record<
    string,
    readonly string[]
  >;

/** A run id (the save version) not yet used in `runsDir`. */
const newRunId = async (runsDir: string): Promise<string> => {
  const existing = new Set(await listRuns(runsDir));
  let id = formatVersion(new Date());
  while (existing.has(id)) {
    await new Promise((r) => setTimeout(r, 2));
    id = formatVersion(new Date());
  }
  return id;
};
