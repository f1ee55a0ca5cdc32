// `dagrun runs list|show|compare|delete|restore`: the tracking store from the terminal. Listing uses the
// store's cached index, the filter and sort language of filter.ts, and prints a table (or JSON).

import type { CommandContext, CommandSpec } from '@dagrun/core';
import { TrackingError } from './errors.js';
import { FilterError, parseFilter, parseOrderBy, describeFilterSyntax } from './filter.js';
import { commandConfig, STORE_OPTIONS } from './locate.js';
import type { Run, StoreProblem } from './model.js';
import { openStore } from './open.js';
import { duration, fmtNum, higherIsBetter, metricColumns, table, when } from './text.js';

/** A FilterError (plain, so the ui page can bundle filter.ts) as this package's coded error. */
const coded = <T>(f: () => T): T => {
  try {
    return f();
  } catch (err) {
    if (err instanceof FilterError) throw new TrackingError('DAGRUN_ERR_TRACKING_FILTER', err.message);
    throw err;
  }
};

const printProblems = (problems: readonly StoreProblem[], ctx: CommandContext): void => {
  if (problems.length === 0) return;
  ctx.stderr(
    `${problems.length} part${problems.length === 1 ? '' : 's'} of the store could not be read (the rest is listed):`,
  );
  for (const p of problems.slice(0, 20)) ctx.stderr(`  ${p.message}`);
  if (problems.length > 20) ctx.stderr(`  … and ${problems.length - 20} more`);
};

export interface ListOptions {
  readonly experiment?: string | undefined;
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
  readonly limit?: number | undefined;
  readonly view?: 'active' | 'deleted' | 'all';
}

/** The runs a listing shows, filtered, sorted and cut; the problems of the parts that could not be read. */
export const listRuns = (
  storeRoot: string,
  opts: ListOptions,
): { runs: Run[]; total: number; problems: StoreProblem[] } => {
  const store = openStore(storeRoot, { create: false });
  const { runs, problems } = store.allRuns();
  let experimentId: string | undefined;
  if (opts.experiment !== undefined) {
    const exps = store.experiments();
    const e = exps.find((x) => x.name === opts.experiment || x.id === opts.experiment);
    if (!e)
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_NOT_FOUND',
        `Experiment '${opts.experiment}': ` +
          `expected one of the store's experiments (${exps.map((x) => x.name).join(', ')}), ` +
          'but got no such experiment.',
      );
    experimentId = e.id;
  }
  const keep = coded(() => parseFilter(opts.filter ?? ''));
  const order = coded(() => parseOrderBy(opts.sort ?? []));
  const view = opts.view ?? 'active';
  const shown = runs
    .filter(
      (r) =>
        (view === 'all' || r.lifecycleStage === view) &&
        (experimentId === undefined || r.experimentId === experimentId) &&
        keep(r),
    )
    .sort(order);
  return { runs: shown.slice(0, opts.limit ?? 50), total: shown.length, problems };
};

const listCommand: CommandSpec = {
  name: 'list',
  description: `List runs, newest first. Filter: ${describeFilterSyntax().split('\n')[0]}`,
  options: [
    { flags: '--experiment <name>', description: 'only the runs of this experiment (name or id)' },
    {
      flags: '--filter <expr>',
      description: "MLflow's filter syntax, e.g. \"metrics.mae < 2500 and params.model.max_depth = '5'\"",
    },
    {
      flags: '--sort <key>',
      description: 'e.g. metrics.mae, "metrics.r2 DESC", start_time (default: start_time DESC)',
    },
    { flags: '--limit <n>', description: 'at most this many runs', default: '50' },
    { flags: '--deleted', description: 'the deleted runs instead' },
    { flags: '--all', description: 'active and deleted runs' },
    { flags: '--json', description: 'the runs as JSON' },
    ...STORE_OPTIONS,
  ],
  async action(_args, o, ctx) {
    const cfg = commandConfig(ctx.projectDir, o);
    const limit = Number(o.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1)
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_FILTER',
        `Option '--limit': expected a whole number of at least 1, but got '${String(o.limit)}'.`,
      );
    const { runs, total, problems } = listRuns(cfg.store, {
      experiment: o.experiment as string | undefined,
      filter: o.filter as string | undefined,
      sort: o.sort as string | undefined,
      limit,
      view: o.all ? 'all' : o.deleted ? 'deleted' : 'active',
    });
    if (o.json) {
      ctx.stdout(JSON.stringify({ runs, total, problems }, null, 2));
      return;
    }
    printProblems(problems, ctx);
    if (runs.length === 0) {
      ctx.stdout(total === 0 ? 'No runs match.' : '');
      return;
    }
    const sortKey = typeof o.sort === 'string' ? /^metrics\.(\S+)/.exec(o.sort)?.[1] : undefined;
    const metricKeys = metricColumns(
      runs.flatMap((r) => Object.keys(r.metrics)),
      sortKey,
    );
    const rows = runs.map((r) => [
      r.runId.slice(0, 8),
      r.runName,
      r.status,
      when(r.startTime),
      duration(r),
      ...metricKeys.map((k) => (r.metrics[k] === undefined ? '' : fmtNum(r.metrics[k]!))),
    ]);
    ctx.stdout(table(['RUN', 'NAME', 'STATUS', 'STARTED', 'DURATION', ...metricKeys], rows));
    ctx.stdout(
      `${runs.length} of ${total} run${total === 1 ? '' : 's'}${o.filter ? ` matching ${String(o.filter)}` : ''}`,
    );
  },
};

const showCommand: CommandSpec = {
  name: 'show',
  description: 'Show a run: info, params, metrics, tags and artifacts.',
  arguments: [{ name: 'id', description: 'run id (or a unique prefix of 4+ characters)', required: true }],
  options: [{ flags: '--json', description: 'as JSON' }, ...STORE_OPTIONS],
  async action(args, o, ctx) {
    const store = openStore(commandConfig(ctx.projectDir, o).store, { create: false });
    const run = store.getRun(args[0]!);
    const artifacts = store.artifacts(run.runId);
    if (o.json) {
      ctx.stdout(JSON.stringify({ ...run, artifacts }, null, 2));
      return;
    }
    ctx.stdout(`Run ${run.runId}  ${run.runName}`);
    ctx.stdout(
      `  status ${run.status}${run.lifecycleStage === 'deleted' ? ' (deleted)' : ''}, ` +
        `experiment ${run.experimentId}, user ${run.userId}, started ${when(run.startTime)}, took ${duration(run)}`,
    );
    const section = (title: string, entries: Record<string, string | number>) => {
      const keys = Object.keys(entries).sort();
      if (keys.length === 0) return;
      ctx.stdout(`${title}:`);
      ctx.stdout(
        table(
          ['KEY', 'VALUE'],
          keys.map((k) => [k, String(entries[k])]),
          '  ',
        ),
      );
    };
    section('Params', run.params);
    section('Metrics', run.metrics);
    section('Tags', run.tags);
    if (artifacts.length > 0) ctx.stdout(`Artifacts:\n${artifacts.map((a) => `  ${a}`).join('\n')}`);
  },
};

const compareCommand: CommandSpec = {
  name: 'compare',
  description: 'Compare runs: the params and metrics that differ, the better metric value marked with *.',
  arguments: [{ name: 'ids...', description: 'two or more run ids (or prefixes)', required: true }],
  options: [
    { flags: '--all-keys', description: 'also the params that are equal' },
    { flags: '--json', description: 'as JSON' },
    ...STORE_OPTIONS,
  ],
  async action(args, o, ctx) {
    const ids = (args.flat() as string[]).filter(Boolean);
    if (ids.length < 2)
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_NOT_FOUND',
        `Runs to compare: expected two or more run ids, but got ${ids.length}.`,
      );
    const store = openStore(commandConfig(ctx.projectDir, o).store, { create: false });
    const runs = ids.map((id) => store.getRun(id));
    const rows: string[][] = [];
    const json: Array<{ kind: string; key: string; values: Array<string | number | null>; best?: number[] }> = [];
    const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
    for (const k of paramKeys) {
      const values = runs.map((r) => r.params[k] ?? null);
      if (!o.allKeys && values.every((v) => v === values[0])) continue;
      rows.push([`params.${k}`, ...values.map((v) => v ?? '—')]);
      json.push({ kind: 'param', key: k, values });
    }
    for (const k of [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort()) {
      const values = runs.map((r) => r.metrics[k] ?? null);
      const present = values.filter((v): v is number => v !== null && !Number.isNaN(v));
      const target = present.length === 0 ? undefined : higherIsBetter(k) ? Math.max(...present) : Math.min(...present);
      const best = values.flatMap((v, i) => (v !== null && v === target && present.length > 1 ? [i] : []));
      rows.push([
        `metrics.${k}`,
        ...values.map((v, i) => (v === null ? '—' : `${fmtNum(v)}${best.includes(i) ? ' *' : ''}`)),
      ]);
      json.push({ kind: 'metric', key: k, values, best });
    }
    if (o.json) {
      ctx.stdout(
        JSON.stringify(
          { runs: runs.map((r) => ({ runId: r.runId, runName: r.runName, status: r.status })), rows: json },
          null,
          2,
        ),
      );
      return;
    }
    ctx.stdout(table(['', ...runs.map((r) => `${r.runId.slice(0, 8)} ${r.runName}`)], rows));
    ctx.stdout(
      '* the better value (lower is better, higher for r2, accuracy, auc, precision, recall, f1). ' +
        `${o.allKeys ? '' : 'Params equal in every run are left out (--all-keys shows them).'}`,
    );
  },
};

const lifecycle = (name: 'delete' | 'restore'): CommandSpec => ({
  name,
  description:
    name === 'delete'
      ? "Mark a run deleted (MLflow's lifecycle: kept on disk until garbage-collected; restore brings it back)."
      : 'Restore a deleted run.',
  arguments: [{ name: 'id', description: 'run id (or a unique prefix)', required: true }],
  options: [...STORE_OPTIONS],
  async action(args, o, ctx) {
    const store = openStore(commandConfig(ctx.projectDir, o).store, { create: false });
    const run = store.getRun(args[0]!);
    const want = name === 'delete' ? 'active' : 'deleted';
    if (run.lifecycleStage !== want)
      throw new TrackingError(
        'DAGRUN_ERR_TRACKING_STATE',
        `Run '${run.runId}': expected a${want === 'active' ? 'n active' : ' deleted'} run to ${name}, ` +
          `but got a${run.lifecycleStage === 'active' ? 'n active' : ' deleted'} one.`,
      );
    if (name === 'delete') store.deleteRun(run.runId);
    else store.restoreRun(run.runId);
    ctx.stdout(`Run ${run.runId} ${name === 'delete' ? 'deleted' : 'restored'}.`);
  },
});

export const runsCommand: CommandSpec = {
  name: 'runs',
  description: 'Tracked runs (MLflow file store): list, show, compare, delete, restore.',
  subcommands: [listCommand, showCommand, compareCommand, lifecycle('delete'), lifecycle('restore')],
};
