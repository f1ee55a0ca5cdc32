// Opens a project and gathers what the graph model needs: its pipelines, the catalog's facts about
// each dataset, the parameter values, and a run record. Problems that leave something to draw are
// returned as warnings; those that leave nothing are thrown, naming what to change.

import { relative } from 'node:path';
import {
  CheckError,
  ConfigError,
  didYouMean,
  flattenParams,
  isParamInput,
  listRuns,
  openProject,
  PipelineError,
  readRunRecord,
  type DagrunError,
  type Pipeline,
  type Project,
  type RunRecord,
} from '@dagrun/core';
import { collectDatasetFacts } from './catalog-facts.js';
import { buildGraphModel } from './graph.js';
import type { GraphModel } from './model.js';

export interface ProjectGraphOptions {
  readonly projectDir: string;
  readonly env?: string | undefined;
  /** Only this pipeline (default: every pipeline, the page opening on `__default__`). */
  readonly pipeline?: string | undefined;
  /** Run id to overlay; default the newest run; false for none. */
  readonly run?: string | false | undefined;
}

export interface ProjectGraph {
  readonly model: GraphModel;
  readonly project: Project;
  /** Problems that did not stop the graph (a pipeline that does not build, a function that does not import). */
  readonly warnings: readonly string[];
}

export const projectGraph = async (opts: ProjectGraphOptions): Promise<ProjectGraph> => {
  const project = await openProject({ projectDir: opts.projectDir, env: opts.env });
  const registry = project.pipelines;
  if (!registry) throw new CheckError(`project '${project.settings.name}'`, project.errors);
  const warnings = project.errors.map((e) => e.message);
  const names = registry.names();
  if (names.length === 0) {
    throw new PipelineError(
      'DAGRUN_ERR_PIPELINE_UNKNOWN',
      `Pipelines of ${registry.source.file}: expected at least one pipeline to draw, but got none.`,
      {
        hint: 'Hint: declare one, e.g. `__default__: { nodes: [...] }`; see docs/pipeline-yaml.md.',
      },
    );
  }
  if (opts.pipeline !== undefined && !registry.has(opts.pipeline))
    throw unknownPipeline(opts.pipeline, names, registry.source.file);

  const pipelines: Array<{ name: string; description: string | undefined; pipeline: Pipeline }> = [];
  const broken: DagrunError[] = [];
  for (const name of opts.pipeline !== undefined ? [opts.pipeline] : names) {
    try {
      pipelines.push({ name, description: registry.description(name), pipeline: registry.get(name) });
    } catch (err) {
      broken.push(...(err instanceof CheckError ? err.errors : [err as DagrunError]));
    }
  }
  // Nothing to draw: report why (a lone pipeline's problems, or every pipeline's).
  if (pipelines.length === 0) throw new CheckError(`pipelines of project '${project.settings.name}'`, broken);
  warnings.push(...broken.map((e) => e.message));

  const datasets = new Set<string>();
  for (const { pipeline } of pipelines) for (const d of pipeline.datasets()) if (!isParamInput(d)) datasets.add(d);
  const facts = await collectDatasetFacts(project, datasets);
  const params = flattenParams(project.params);
  const run = opts.run === false ? undefined : await findRun(project, opts.run);

  const model = buildGraphModel({
    project: project.settings.name,
    env: [...project.config.envs],
    pipelines,
    defaultPipeline:
      opts.pipeline ?? (pipelines.some((p) => p.name === '__default__') ? '__default__' : pipelines[0]!.name),
    dataset: (name) => facts.get(name),
    param: (name) => params.get(name),
    run,
  });
  return { model, project, warnings };
};

const unknownPipeline = (name: string, names: readonly string[], file: string): PipelineError => {
  const mean = didYouMean(name, names);
  return new PipelineError(
    'DAGRUN_ERR_PIPELINE_UNKNOWN',
    `--pipeline '${name}': expected a pipeline declared in ${file} (${names.join(', ') || 'none'}), ` +
      'but got no such pipeline.',
    {
      hint: mean ? `Hint: ${mean}` : 'Hint: `dagrun pipeline list` lists them.',
    },
  );
};

/** The run asked for, else the newest one; undefined when the project has never run. */
const findRun = async (project: Project, runId: string | undefined): Promise<RunRecord | undefined> => {
  const record = await readRunRecord(project.runsDir, runId);
  if (record || runId === undefined) return record;
  const runs = await listRuns(project.runsDir);
  const where = relative(project.dir, project.runsDir) || project.runsDir;
  const mean = didYouMean(runId, runs);
  throw new ConfigError(
    'DAGRUN_ERR_CLI_USAGE',
    `--run '${runId}': expected the id of a run recorded in ${where}, but got no such run.`,
    {
      hint: mean
        ? `Hint: ${mean}`
        : runs.length > 0
          ? `Hint: the newest runs are ${runs.slice(0, 5).join(', ')}.`
          : 'Hint: no run is recorded yet; `dagrun run` records one.',
    },
  );
};
